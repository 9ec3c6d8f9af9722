// The microphone: finding getUserMedia, muting and stopping our tracks, and saying
// in plain words why the microphone could not be opened.
import { isJsonObject } from "../protocol";

export type GetUserMedia = (constraints: MediaStreamConstraints) => Promise<MediaStream>;

/** The injected getUserMedia, else the browser's; throws the reason when there is none. */
export function resolveGetUserMedia(injected: GetUserMedia | undefined): GetUserMedia {
  const getUserMedia = injected ?? defaultGetUserMedia();
  if (!getUserMedia) {
    throw new Error(
      "This page cannot use a microphone (navigator.mediaDevices is missing). Browsers allow microphones only on " +
        "https:// or http://localhost pages: open JupyterLab through https or localhost.",
    );
  }
  return getUserMedia;
}

/** Mute is track.enabled = false: no renegotiation, no reconnect. */
export function setMicEnabled(stream: MediaStream, enabled: boolean): void {
  for (const track of stream.getAudioTracks()) track.enabled = enabled;
}

export function stopTracks(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}

function defaultGetUserMedia(): GetUserMedia | undefined {
  const md = typeof navigator !== "undefined" ? navigator.mediaDevices : undefined;
  return md?.getUserMedia ? (c) => md.getUserMedia(c) : undefined;
}

export function describeMediaError(err: unknown): string {
  const name = err instanceof Error || isJsonObject(err) ? String((err as { name?: unknown }).name ?? "") : "";
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
      return (
        "Microphone permission was denied. Allow microphone access for this page (the icon in the address bar) " +
        "and press Connect again."
      );
    case "NotFoundError":
    case "OverconstrainedError":
      return "No microphone was found. Connect a microphone (or enable one in the system settings) and press Connect again.";
    case "NotReadableError":
    case "AbortError":
      return "The microphone could not be opened; another application may be using it. Close it and press Connect again.";
    default:
      return `The microphone could not be opened (${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}).`;
  }
}
