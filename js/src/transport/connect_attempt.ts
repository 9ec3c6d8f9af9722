// One connect() attempt: the resources it opened (mic stream, peer, data channel,
// timers, the POST's abort), its handshake and send queue, and releasing all of it
// from whatever step the attempt reached.
import type { JsonObject } from "../protocol";
import type { MicProblem } from "./mic_access";
import { stopTracks } from "./microphone";
import type { VoiceApi } from "../voice_api";
import { createHandshake, type Handshake } from "./session_handshake";

export interface Attempt {
  id: number;
  released: boolean;
  stream: MediaStream | null;
  /** Why there is no stream: the attempt goes on listen-only. */
  micProblem: MicProblem | null;
  pc: RTCPeerConnection | null;
  channel: RTCDataChannel | null;
  abort: AbortController;
  readyTimer: ReturnType<typeof setTimeout> | null;
  /** Running while ICE is `disconnected`; ends the call when it fires. */
  graceTimer: ReturnType<typeof setTimeout> | null;
  callId: string | null;
  handshake: Handshake;
  queue: JsonObject[];
  lastServerError: string | null;
  settle: () => void;
  /** Resolves once the attempt is connected or released (so connect() never waits on a hung step). */
  settled: Promise<void>;
}

/** Thrown inside an attempt that is no longer current; never shown to users. */
export const STALE = Symbol("stale attempt");

export function createAttempt(id: number, api: VoiceApi = "realtime"): Attempt {
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });
  return {
    id,
    released: false,
    stream: null,
    micProblem: null,
    pc: null,
    channel: null,
    abort: new AbortController(),
    readyTimer: null,
    graceTimer: null,
    callId: null,
    handshake: createHandshake(api),
    queue: [],
    lastServerError: null,
    settle,
    settled,
  };
}

/**
 * Idempotent: stops our tracks, closes channel and peer, cancels timers and the POST.
 * Not guarded by `released`: a stale attempt comes back here with a stream or peer it
 * obtained after it was cancelled, and those must be released too.
 */
export function releaseAttempt(attempt: Attempt): void {
  attempt.released = true;
  clearReadyTimer(attempt);
  stopGrace(attempt);
  attempt.abort.abort();
  attempt.queue = [];
  if (attempt.stream) stopTracks(attempt.stream);
  const { channel, pc } = attempt;
  if (channel) {
    channel.onopen = channel.onmessage = channel.onclose = null;
    try {
      channel.close();
    } catch {
      /* already closed */
    }
  }
  if (pc) {
    pc.ontrack = pc.onconnectionstatechange = pc.oniceconnectionstatechange = null;
    try {
      pc.close();
    } catch {
      /* already closed */
    }
  }
  attempt.settle();
}

export function clearReadyTimer(attempt: Attempt): void {
  if (attempt.readyTimer !== null) clearTimeout(attempt.readyTimer);
  attempt.readyTimer = null;
}

export function stopGrace(attempt: Attempt): void {
  if (attempt.graceTimer !== null) clearTimeout(attempt.graceTimer);
  attempt.graceTimer = null;
}
