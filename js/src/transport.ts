// The WebRTC connection to the Realtime API (or the emulator).
//
// Every connect() is an "attempt" with its own resources. After each await the
// attempt checks it is still the current one; if a Disconnect or a newer
// Connect happened meanwhile it releases what it opened (mic tracks, peer,
// channel) and stops, so no live microphone or peer is ever left behind.
import { isJsonObject, type EventRecord, type JsonObject } from "./protocol";

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

type PeerConnectionCtor = new (config?: RTCConfiguration) => RTCPeerConnection;

export interface TransportDeps {
  /** Asks the kernel for a short-lived client secret (ek_…). */
  getClientSecret: () => Promise<ClientSecret>;
  /** Where the SDP offer goes: `${baseUrl()}/v1/realtime/calls`. */
  baseUrl: () => string;
  getUserMedia?: ((constraints: MediaStreamConstraints) => Promise<MediaStream>) | undefined;
  RTCPeerConnection?: PeerConnectionCtor | undefined;
  fetch?: typeof fetch | undefined;
  /** Epoch milliseconds (float) used to stamp records. */
  now?: () => number;
  /** How long the SDP POST may take (ms); a function is read at each attempt. Default 15 s. */
  postTimeoutMs?: number | (() => number);
  /** How long from the answer to session.created (ICE, DTLS, data channel) (ms). Default 15 s. */
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

const MAX_QUEUED = 100;
/** Client events remembered (event_id → type) so a server `error` can name what caused it. */
const MAX_REMEMBERED = 500;

interface Attempt {
  id: number;
  released: boolean;
  stream: MediaStream | null;
  pc: RTCPeerConnection | null;
  channel: RTCDataChannel | null;
  abort: AbortController;
  readyTimer: ReturnType<typeof setTimeout> | null;
  /** Running while ICE is `disconnected`; ends the call when it fires. */
  graceTimer: ReturnType<typeof setTimeout> | null;
  callId: string | null;
  sessionCreated: boolean;
  answered: boolean;
  /** session.update events sent before ready; ready waits for as many session.updated. */
  pendingUpdates: number;
  pendingUpdateIds: Set<string>;
  queue: JsonObject[];
  lastServerError: string | null;
  settle: () => void;
  settled: Promise<void>;
}

/** Thrown inside an attempt that is no longer current; never shown to users. */
const STALE = Symbol("stale attempt");

export class Transport {
  #state: ConnectionState = { kind: "idle" };
  #attempt: Attempt | null = null;
  #attemptSeq = 0;
  #muted = false;
  readonly #sentTypes = new Map<string, string>();
  readonly #deps: TransportDeps;
  readonly #cb: TransportCallbacks;

  constructor(deps: TransportDeps, callbacks: TransportCallbacks) {
    this.#deps = deps;
    this.#cb = callbacks;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get muted(): boolean {
    return this.#muted;
  }

  /**
   * Starts a new connection. A connect while connecting supersedes the earlier
   * attempt (its resources are released); a connect while connected is a no-op.
   * Resolves when this attempt ends (connected, failed, cancelled or
   * superseded) with the transport's state at that moment.
   */
  async connect(): Promise<ConnectionState> {
    if (this.#state.kind === "connected") return this.#state;
    if (this.#attempt) this.#release(this.#attempt);
    const attempt = this.#newAttempt();
    this.#attempt = attempt;
    this.#setState({ kind: "connecting", attempt: attempt.id });
    const run = this.#run(attempt).then(
      () => attempt.settled,
      (err: unknown) => {
        if (err === STALE || this.#attempt !== attempt) this.#release(attempt);
        else this.#fail(attempt, describeError(err));
      },
    );
    // Released attempts settle at once, even if a step (a fetch that ignores
    // abort, a hung getUserMedia) never returns; that step is cleaned up later.
    await Promise.race([run, attempt.settled]);
    return this.#state;
  }

  /** Stops the tracks we opened, closes channel and peer. The transcript is not touched. */
  disconnect(): void {
    const attempt = this.#attempt;
    if (!attempt) {
      if (this.#state.kind === "error") this.#setState({ kind: "idle" });
      return;
    }
    this.#setState({ kind: "closing" });
    this.#release(attempt);
    this.#setState({ kind: "idle" });
  }

  /** The type of the client event sent with this event_id (recent ones only), or null. */
  clientEventType(eventId: string): string | null {
    return this.#sentTypes.get(eventId) ?? null;
  }

  /** Mute is track.enabled = false: no renegotiation, no reconnect. */
  setMuted(muted: boolean): void {
    this.#muted = muted;
    const stream = this.#attempt?.stream;
    if (stream) for (const track of stream.getAudioTracks()) track.enabled = !muted;
  }

  /**
   * Sends a client event on the data channel. While connecting (channel not
   * open yet) events are queued and sent, in order, when it opens.
   */
  send(event: JsonObject): SendResult {
    const attempt = this.#attempt;
    if (!attempt || attempt.released) return "dropped";
    if (attempt.channel && attempt.channel.readyState === "open") {
      this.#sendNow(attempt, event);
      return "sent";
    }
    if (this.#state.kind === "connecting" && attempt.queue.length < MAX_QUEUED) {
      attempt.queue.push(event);
      return "queued";
    }
    return "dropped";
  }

  // ---------------------------------------------------------------- attempt steps

  async #run(attempt: Attempt): Promise<void> {
    const check = (): void => {
      if (this.#attempt !== attempt || attempt.released) throw STALE;
    };

    // The secret is needed only for the SDP POST: ask the kernel for it while the mic,
    // the peer and the offer are prepared (the mint's round trip was most of connect time).
    // A failed request ends the attempt at once, even while getUserMedia still waits
    // for a permission prompt; whatever arrives later is released as stale.
    const secretPromise = this.#deps.getClientSecret();
    secretPromise.catch((err: unknown) => {
      if (this.#isLive(attempt)) this.#fail(attempt, describeError(err));
    });

    const getUserMedia = this.#deps.getUserMedia ?? defaultGetUserMedia();
    if (!getUserMedia) {
      throw new Error(
        "This page cannot use a microphone (navigator.mediaDevices is missing). Browsers allow microphones only on " +
          "https:// or http://localhost pages: open JupyterLab through https or localhost.",
      );
    }
    let stream: MediaStream;
    try {
      stream = await getUserMedia({ audio: true });
    } catch (err) {
      check();
      throw new Error(describeMediaError(err));
    }
    attempt.stream = stream;
    check();
    for (const track of stream.getAudioTracks()) track.enabled = !this.#muted;

    const Ctor = this.#deps.RTCPeerConnection ?? (globalThis.RTCPeerConnection as PeerConnectionCtor | undefined);
    if (!Ctor) throw new Error("This browser has no WebRTC (RTCPeerConnection is missing).");
    // Default configuration on purpose: OpenAI needs no STUN/TURN from us.
    const pc = new Ctor();
    attempt.pc = pc;
    pc.ontrack = (ev: RTCTrackEvent) => {
      if (!this.#isLive(attempt)) return;
      const stream0 = ev.streams[0] ?? (typeof MediaStream === "function" ? new MediaStream([ev.track]) : undefined);
      if (stream0) this.#cb.onRemoteStream(stream0);
    };
    pc.oniceconnectionstatechange = () => {
      if (!this.#isLive(attempt)) return;
      const ice = pc.iceConnectionState;
      if (ice === "disconnected") this.#startGrace(attempt);
      else if (ice === "connected" || ice === "completed") this.#stopGrace(attempt);
    };
    pc.onconnectionstatechange = () => {
      if (!this.#isLive(attempt)) return;
      if (pc.connectionState === "failed") {
        this.#fail(
          attempt,
          "The WebRTC connection failed: ICE found no working network path to the server. " +
            "A firewall, VPN or proxy that blocks UDP can cause this; check the network and press Connect again.",
        );
      }
    };
    for (const track of stream.getAudioTracks()) pc.addTrack(track, stream);

    const channel = pc.createDataChannel("oai-events");
    attempt.channel = channel;
    channel.onopen = () => {
      if (!this.#isLive(attempt)) return;
      const queued = attempt.queue;
      attempt.queue = [];
      for (const event of queued) this.#sendNow(attempt, event);
    };
    channel.onmessage = (ev: MessageEvent) => this.#onMessage(attempt, ev.data);
    channel.onclose = () => {
      if (!this.#isLive(attempt)) return;
      const why = attempt.lastServerError ? ` after the server reported: ${attempt.lastServerError}` : "";
      this.#fail(
        attempt,
        this.#state.kind === "connected"
          ? `The connection closed${why || " (the server ended the session)"}. The transcript is kept; press Connect to start a new session.`
          : `The data channel closed before the session started${why}. Press Connect to try again.`,
      );
    };

    const offer = await pc.createOffer();
    check();
    await pc.setLocalDescription(offer);
    check();

    const secret = await secretPromise;
    check();
    if (!secret || typeof secret.value !== "string" || secret.value.length === 0) {
      throw new Error("The kernel answered the client secret request without a secret value.");
    }

    const answer = await this.#postOffer(attempt, offer.sdp ?? "", secret.value, check);
    check();
    await pc.setRemoteDescription({ type: "answer", sdp: answer });
    check();
    attempt.answered = true;

    const readyMs = timeoutMs(this.#deps.readyTimeoutMs);
    attempt.readyTimer = setTimeout(() => {
      if (!this.#isLive(attempt) || this.#state.kind === "connected") return;
      const secs = seconds(readyMs);
      const open = attempt.channel?.readyState === "open";
      this.#fail(
        attempt,
        open
          ? `The data channel opened but the server sent no session.created within ${secs}.`
          : `The connection did not open within ${secs} (ICE / data channel). A firewall, VPN or proxy blocking UDP can cause this.`,
      );
    }, readyMs);
    this.#maybeReady(attempt);
  }

  async #postOffer(attempt: Attempt, sdp: string, secret: string, check: () => void): Promise<string> {
    const doFetch = this.#deps.fetch ?? globalThis.fetch?.bind(globalThis);
    if (!doFetch) throw new Error("This browser has no fetch().");
    const url = `${this.#deps.baseUrl().replace(/\/+$/, "")}/v1/realtime/calls`;
    const postMs = timeoutMs(this.#deps.postTimeoutMs);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attempt.abort.abort();
    }, postMs);
    let response: Response;
    let body: string;
    try {
      response = await doFetch(url, {
        method: "POST",
        body: sdp,
        headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/sdp" },
        signal: attempt.abort.signal,
      });
      check();
      body = await response.text();
    } catch (err) {
      if (timedOut) {
        throw new Error(`The server did not answer the call request within ${seconds(postMs)} (POST ${url}).`);
      }
      check();
      throw new Error(
        `Could not reach ${url}: ${err instanceof Error ? err.message : String(err)}. ` +
          "Check that the server (or the emulator) is running and reachable from this browser.",
      );
    } finally {
      clearTimeout(timer);
    }
    check();
    if (!response.ok) throw new Error(describeHttpError(response.status, body, url));
    if (!body.trimStart().startsWith("v=0")) {
      throw new Error(
        `The server answered the call request (POST ${url}) with something that is not an SDP answer ` +
          `(expected text starting with "v=0", got ${JSON.stringify(redact(body.slice(0, 80)))}). Is base_url right?`,
      );
    }
    attempt.callId = callIdFromLocation(response.headers.get("Location"));
    return body;
  }

  #onMessage(attempt: Attempt, data: unknown): void {
    if (!this.#isLive(attempt)) return;
    const t = this.#now();
    const text = typeof data === "string" ? data : String(data);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!isJsonObject(parsed)) {
      this.#cb.onRecord({ t, dir: "server", raw: text });
      return;
    }
    this.#cb.onRecord({ t, dir: "server", event: parsed });
    // The record callback may have disconnected us.
    if (!this.#isLive(attempt)) return;
    const type = parsed["type"];
    if (type === "session.created") {
      attempt.sessionCreated = true;
    } else if (type === "session.updated") {
      if (attempt.pendingUpdates > 0) attempt.pendingUpdates--;
    } else if (type === "error") {
      const error = isJsonObject(parsed["error"]) ? parsed["error"] : {};
      const message = typeof error["message"] === "string" ? error["message"] : "unknown error";
      attempt.lastServerError = message;
      // A rejected session.update will never be followed by session.updated.
      const eventId = error["event_id"];
      if (typeof eventId === "string" && attempt.pendingUpdateIds.delete(eventId) && attempt.pendingUpdates > 0) {
        attempt.pendingUpdates--;
      }
    }
    this.#maybeReady(attempt);
  }

  #sendNow(attempt: Attempt, event: JsonObject): void {
    const channel = attempt.channel;
    if (!channel) return;
    if (this.#state.kind !== "connected" && event["type"] === "session.update") {
      attempt.pendingUpdates++;
      if (typeof event["event_id"] === "string") attempt.pendingUpdateIds.add(event["event_id"]);
    }
    channel.send(JSON.stringify(event));
    const eventId = event["event_id"];
    if (typeof eventId === "string") {
      this.#sentTypes.set(eventId, typeof event["type"] === "string" ? event["type"] : "(no type)");
      if (this.#sentTypes.size > MAX_REMEMBERED) {
        const oldest = this.#sentTypes.keys().next().value;
        if (oldest !== undefined) this.#sentTypes.delete(oldest);
      }
    }
    this.#cb.onRecord({ t: this.#now(), dir: "client", event });
  }

  #maybeReady(attempt: Attempt): void {
    if (this.#state.kind !== "connecting" || this.#attempt !== attempt) return;
    if (!attempt.pc || !attempt.sessionCreated || attempt.pendingUpdates > 0) return;
    if (!attempt.answered) return;
    if (attempt.readyTimer !== null) clearTimeout(attempt.readyTimer);
    attempt.readyTimer = null;
    this.#setState({ kind: "connected", attempt: attempt.id, callId: attempt.callId });
    attempt.settle();
  }

  #fail(attempt: Attempt, message: string): void {
    if (this.#attempt !== attempt) {
      this.#release(attempt);
      return;
    }
    this.#release(attempt);
    this.#setState({ kind: "error", message: redact(message) });
  }

  /** Idempotent: stops our tracks, closes channel and peer, cancels timers and the POST. */
  #release(attempt: Attempt): void {
    // Not guarded by `released`: a stale attempt comes back here with a stream
    // or peer it obtained after it was cancelled, and those must be released too.
    if (this.#attempt === attempt) this.#attempt = null;
    attempt.released = true;
    if (attempt.readyTimer !== null) clearTimeout(attempt.readyTimer);
    attempt.readyTimer = null;
    this.#stopGrace(attempt);
    attempt.abort.abort();
    attempt.queue = [];
    if (attempt.stream) for (const track of attempt.stream.getTracks()) track.stop();
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

  #startGrace(attempt: Attempt): void {
    if (attempt.graceTimer !== null) return;
    const ms = timeoutMs(this.#deps.disconnectGraceMs, DEFAULT_DISCONNECT_GRACE_MS);
    attempt.graceTimer = setTimeout(() => {
      attempt.graceTimer = null;
      if (!this.#isLive(attempt)) return;
      this.#fail(
        attempt,
        `The connection to the server was lost (no answer for ${seconds(ms)}). ` +
          "The transcript is kept; check the network and press Connect to start a new session.",
      );
    }, ms);
  }

  #stopGrace(attempt: Attempt): void {
    if (attempt.graceTimer !== null) clearTimeout(attempt.graceTimer);
    attempt.graceTimer = null;
  }

  #isLive(attempt: Attempt): boolean {
    return this.#attempt === attempt && !attempt.released;
  }

  #newAttempt(): Attempt {
    let settle: () => void = () => undefined;
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    return {
      id: ++this.#attemptSeq,
      released: false,
      stream: null,
      pc: null,
      channel: null,
      abort: new AbortController(),
      readyTimer: null,
      graceTimer: null,
      callId: null,
      sessionCreated: false,
      answered: false,
      pendingUpdates: 0,
      pendingUpdateIds: new Set(),
      queue: [],
      lastServerError: null,
      settle,
      settled,
    };
  }

  #setState(state: ConnectionState): void {
    this.#state = state;
    this.#cb.onState(state);
  }

  #now(): number {
    if (this.#deps.now) return this.#deps.now();
    return typeof performance !== "undefined" && performance.timeOrigin
      ? performance.timeOrigin + performance.now()
      : Date.now();
  }
}

// ---------------------------------------------------------------- pure helpers (exported for tests)

const DEFAULT_TIMEOUT_MS = 15_000;
/** api_facts.ICE_DISCONNECT_GRACE_MS: the official agents-realtime client's 5 s. */
const DEFAULT_DISCONNECT_GRACE_MS = 5_000;

/** A timeout option (number or getter) as a usable positive number of ms. */
export function timeoutMs(option: number | (() => number) | undefined, fallback = DEFAULT_TIMEOUT_MS): number {
  const value = typeof option === "function" ? option() : option;
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** "1.5 s" / "20 s": timeouts below a few seconds are shown with one decimal so tests and users see the real figure. */
function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1).replace(/\.0$/, "")} s` : `${Math.round(ms / 1000)} s`;
}

function defaultGetUserMedia(): ((c: MediaStreamConstraints) => Promise<MediaStream>) | undefined {
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

export function describeHttpError(status: number, body: string, url: string): string {
  let apiMessage = "";
  let code = "";
  try {
    const parsed: unknown = JSON.parse(body);
    if (isJsonObject(parsed) && isJsonObject(parsed["error"])) {
      const e = parsed["error"];
      if (typeof e["message"] === "string") apiMessage = e["message"];
      if (typeof e["code"] === "string") code = e["code"];
    }
  } catch {
    apiMessage = body.trim().slice(0, 200);
  }
  const detail = apiMessage ? ` Server said: ${apiMessage}${code ? ` (${code})` : ""}` : "";
  let lead: string;
  if (status === 401 || status === 403) {
    lead = `The client secret was rejected (${status}) when starting the call. It may have expired; press Connect again to get a new one.`;
  } else if (status === 404) {
    lead = `The call endpoint was not found (404 at ${url}). Check base_url.`;
  } else if (status === 429) {
    lead = "Too many requests or quota exceeded (429). Wait a moment, check your plan and billing, then press Connect again.";
  } else if (status >= 500) {
    lead = `The server failed to start the call (${status}). Try again in a moment.`;
  } else {
    lead = `The server refused the call (${status}).`;
  }
  return redact(lead + detail);
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** `Location: /v1/realtime/calls/rtc_abc` → `rtc_abc`. */
export function callIdFromLocation(location: string | null): string | null {
  if (!location) return null;
  const path = location.split(/[?#]/, 1)[0] ?? "";
  const last = path.split("/").filter((s) => s.length > 0).pop();
  return last ?? null;
}

/**
 * Masks anything that looks like an API key or a client secret, also when a server quotes
 * it partly starred out ("ek_*****339d", "sk-proj-****wxyz"), and bearer headers.
 */
export function redact(text: string): string {
  return text
    .replace(/\b(sk-[A-Za-z0-9_-]{3})[A-Za-z0-9_\-*]*/g, "$1…")
    .replace(/\bek_[A-Za-z0-9_\-*]*/g, "ek_…")
    .replace(/[A-Za-z0-9_-]{0,16}\*{3,}[A-Za-z0-9_-]{0,16}/g, "***")
    .replace(/\b(bearer)\s+\S+/gi, "$1 …");
}
