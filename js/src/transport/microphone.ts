// The microphone: finding getUserMedia, muting and stopping our tracks. Why it could not be
// opened (and what the person can do about it) is transport/mic_access.ts.

export type GetUserMedia = (constraints: MediaStreamConstraints) => Promise<MediaStream>;

/** The injected getUserMedia, else the browser's; undefined when the page has none. */
export function findGetUserMedia(injected: GetUserMedia | undefined): GetUserMedia | undefined {
  return injected ?? defaultGetUserMedia();
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
