// The Transport's public types: its connection state (a union with one variant per
// phase, so only a connected state has a call id), what it is given (deps, callbacks)
// and what send() answers.
import type { EventRecord } from "../protocol";
import type { VoiceApi } from "../voice_api";
import type { PageFacts } from "./mic_access";

export type ConnectionState =
  | { kind: "idle" }
  | { kind: "connecting"; attempt: number }
  | { kind: "connected"; attempt: number; callId: string | null }
  | { kind: "closing" }
  | { kind: "error"; message: string };

export interface ClientSecret {
  value: string;
  expires_at?: number;
}

export type PeerConnectionCtor = new (config?: RTCConfiguration) => RTCPeerConnection;

/** Who posts the SDP offer: the browser (with a client secret) or the kernel (with the API key). */
export type Signaling = "browser" | "kernel";

/**
 * What the kernel's POST of the offer got: an answer (a 2xx body, checked here like the
 * browser's own), or an HTTP error answer (its status and body, worded like the browser's).
 */
export type RelayedAnswer =
  | { kind: "answer"; sdp: string; callId: string | null }
  | { kind: "refused"; status: number; body: string };

export interface TransportDeps {
  /** Asks the kernel for a short-lived client secret (ek_…); "browser" signaling only. */
  getClientSecret: () => Promise<ClientSecret>;
  /** Read at each attempt; default "browser". */
  signaling?: () => Signaling;
  /** Which voice API the call talks to, read at each attempt; default "realtime" (voice_api.ts). */
  api?: () => VoiceApi;
  /**
   * "kernel" signaling: hands the offer to the kernel, which posts it with the API key.
   * Rejects (with the message to show) when no HTTP answer came; aborting `signal` gives it up.
   */
  relayOffer?: (sdp: string, options: { signal: AbortSignal; timeoutMs: number }) => Promise<RelayedAnswer>;
  /** Where the SDP offer goes: `${baseUrl()}/v1/realtime/calls`. */
  baseUrl: () => string;
  getUserMedia?: ((constraints: MediaStreamConstraints) => Promise<MediaStream>) | undefined;
  /** What the page is (host, secure context), read when the microphone cannot be had; default: the real page. */
  pageFacts?: (() => PageFacts) | undefined;
  RTCPeerConnection?: PeerConnectionCtor | undefined;
  fetch?: typeof fetch | undefined;
  /** Epoch milliseconds (float) used to stamp records. */
  now?: () => number;
  /**
   * How long the SDP POST may take (ms); a function is read at each attempt. Default 15 s.
   * With "kernel" signaling the kernel holds its POST to the same limit.
   */
  postTimeoutMs?: number | (() => number);
  /** How long from the answer to session.created / session.started (ICE, DTLS, data channel) (ms). Default 15 s. */
  readyTimeoutMs?: number | (() => number);
  /**
   * How long ICE may stay `disconnected` before the call is ended (ms). Default 5 s, as
   * the official agents-realtime client: a silent server (no close, no answers) would
   * otherwise leave the call "connected" until ICE gives up (about 30 s in Chromium).
   */
  disconnectGraceMs?: number | (() => number);
}

export interface TransportCallbacks {
  onState: (state: ConnectionState) => void;
  /** Every data channel message received, and every client event sent. */
  onRecord: (record: EventRecord) => void;
  onRemoteStream: (stream: MediaStream) => void;
  onLog?: (level: "info" | "warning" | "error", message: string) => void;
}

export type SendResult = "sent" | "queued" | "dropped";
