// getUserMedia wrapped so the controller keeps the microphone stream for the level meters.
import type { TransportDeps } from "../transport";

type GetUserMedia = TransportDeps["getUserMedia"];

/** Undefined when there is no getUserMedia at all, which keeps the transport's own default. */
export function keepMicStream(gum: GetUserMedia, keep: (stream: MediaStream) => void): GetUserMedia {
  const base =
    gum ??
    (typeof navigator !== "undefined" && navigator.mediaDevices?.getUserMedia
      ? (c: MediaStreamConstraints) => navigator.mediaDevices.getUserMedia(c)
      : undefined);
  if (!base) return undefined;
  return async (c) => {
    const stream = await base(c);
    keep(stream);
    return stream;
  };
}
