// The WebRTC connection to the Realtime API (or the emulator): the Transport, its
// connection state and the steps of an attempt. Its parts live in transport/ (the
// attempt's resources, the handshake, the data channel's messages, the microphone,
// SDP signaling by the browser or relayed by the kernel, timeouts, redaction, the public
// types) and are re-exported here.
//
// Every connect() is an "attempt" with its own resources. After each await the
// attempt checks it is still the current one; if a Disconnect or a newer
// Connect happened meanwhile it releases what it opened (mic tracks, peer,
// channel) and stops, so no live microphone or peer is ever left behind.
import type { JsonObject } from "./protocol";
import { clearReadyTimer, createAttempt, releaseAttempt, stopGrace, STALE, type Attempt } from "./transport/connect_attempt";
import { DEFAULT_DISCONNECT_GRACE_MS, seconds, timeoutMs } from "./transport/connect_timeouts";
import { MAX_QUEUED, SentEventTypes, serverRecord } from "./transport/event_channel";
import { classifyMicFailure, micError, pageFacts, type MicProblem } from "./transport/mic_access";
import { findGetUserMedia, setMicEnabled } from "./transport/microphone";
import { redact } from "./transport/redact";
import { postOffer, type SdpAnswer } from "./transport/sdp_offer";
import { relayOffer } from "./transport/sdp_relay";
import { handshakeDone, noteSentBeforeReady, noteServerEvent } from "./transport/session_handshake";
import type {
  ClientSecret,
  ConnectionState,
  PeerConnectionCtor,
  SendResult,
  TransportCallbacks,
  TransportDeps,
} from "./transport/transport_types";

export { timeoutMs } from "./transport/connect_timeouts";
export { classifyMicFailure, type MicProblem, type MicReason, type PageFacts } from "./transport/mic_access";
export { redact } from "./transport/redact";
export { callIdFromLocation, describeHttpError } from "./transport/sdp_offer";
export { RELAY_MARGIN_MS } from "./transport/sdp_relay";
export type {
  ClientSecret,
  ConnectionState,
  RelayedAnswer,
  SendResult,
  Signaling,
  TransportCallbacks,
  TransportDeps,
} from "./transport/transport_types";

export class Transport {
  #state: ConnectionState = { kind: "idle" };
  #attempt: Attempt | null = null;
  #attemptSeq = 0;
  #muted = false;
  readonly #sentTypes = new SentEventTypes();
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

  /** Why the current attempt has no microphone (it goes on listen-only), or null. */
  get micProblem(): MicProblem | null {
    return this.#attempt?.micProblem ?? null;
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
    const attempt = createAttempt(++this.#attemptSeq, this.#deps.api?.() ?? "realtime");
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
  /** A client event the kernel sent itself (over its sideband): known by id, so that a
   * server error naming it can say what it was; never sent from here. */
  noteSentElsewhere(event: JsonObject): void {
    this.#sentTypes.remember(event);
  }

  clientEventType(eventId: string): string | null {
    return this.#sentTypes.typeOf(eventId);
  }

  /** Mute is track.enabled = false: no renegotiation, no reconnect. */
  setMuted(muted: boolean): void {
    this.#muted = muted;
    const stream = this.#attempt?.stream;
    if (stream) setMicEnabled(stream, !muted);
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

    // "kernel" signaling: no client secret exists; the kernel posts the offer below.
    const byKernel = (this.#deps.signaling?.() ?? "browser") === "kernel";
    // The secret is needed only for the SDP POST: ask the kernel for it while the mic,
    // the peer and the offer are prepared (the mint's round trip was most of connect time).
    // A failed request ends the attempt at once, even while getUserMedia still waits
    // for a permission prompt; whatever arrives later is released as stale.
    const secretPromise = byKernel ? null : this.#deps.getClientSecret();
    secretPromise?.catch((err: unknown) => {
      if (this.#isLive(attempt)) this.#fail(attempt, describeError(err));
    });

    const stream = await this.#openMic(attempt, check);

    const pc = this.#openPeer(attempt, stream);
    this.#openChannel(attempt, pc);

    const offer = await pc.createOffer();
    check();
    await pc.setLocalDescription(offer);
    check();

    const answer = secretPromise
      ? await this.#postWithSecret(attempt, secretPromise, offer.sdp ?? "", check)
      : await relayOffer(this.#deps, attempt.abort, offer.sdp ?? "", check);
    attempt.callId = answer.callId;
    check();
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    check();
    attempt.handshake.answered = true;

    const readyMs = timeoutMs(this.#deps.readyTimeoutMs);
    attempt.readyTimer = setTimeout(() => {
      if (!this.#isLive(attempt) || this.#state.kind === "connected") return;
      const secs = seconds(readyMs);
      const open = attempt.channel?.readyState === "open";
      this.#fail(
        attempt,
        open
          ? `The data channel opened but the server sent no ${attempt.handshake.readyEvent} within ${secs}.`
          : `The connection did not open within ${secs} (ICE / data channel). A firewall, VPN or proxy blocking UDP can cause this.`,
      );
    }, readyMs);
    this.#maybeReady(attempt);
  }

  /**
   * Our microphone, or null when it cannot be had: the call then goes on listen-only (the
   * person types, the model's voice plays) and `micProblem` says why and how to fix it.
   */
  async #openMic(attempt: Attempt, check: () => void): Promise<MediaStream | null> {
    const getUserMedia = findGetUserMedia(this.#deps.getUserMedia);
    const page = { ...(this.#deps.pageFacts ?? pageFacts)(), hasMediaDevices: getUserMedia !== undefined };
    let problem: MicProblem;
    // VS Code's webviews refuse microphones (microsoft/vscode#119127): not asked, so a
    // prompt that never comes cannot hold the call.
    if (getUserMedia && page.host !== "vscode") {
      try {
        const stream = await getUserMedia({ audio: true });
        attempt.stream = stream;
        check();
        setMicEnabled(stream, !this.#muted);
        return stream;
      } catch (err) {
        if (err === STALE) throw err;
        check();
        problem = classifyMicFailure(micError(err), page);
      }
    } else {
      problem = classifyMicFailure(null, page);
    }
    attempt.micProblem = problem;
    this.#cb.onLog?.("warning", problem.message);
    return null;
  }

  /** "browser" signaling: the offer POSTed by the browser with the kernel's client secret. */
  async #postWithSecret(attempt: Attempt, secretPromise: Promise<ClientSecret>, sdp: string, check: () => void): Promise<SdpAnswer> {
    const secret = await secretPromise;
    check();
    if (!secret || typeof secret.value !== "string" || secret.value.length === 0) {
      throw new Error("The kernel answered the client secret request without a secret value.");
    }
    return postOffer(this.#deps, attempt.abort, sdp, secret.value, check);
  }

  /**
   * The peer, with our mic tracks (or, listen-only, a receive-only audio transceiver, so the
   * offer still has the audio the model speaks on); on the attempt before anything can
   * throw, so release closes it.
   */
  #openPeer(attempt: Attempt, stream: MediaStream | null): RTCPeerConnection {
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
      else if (ice === "connected" || ice === "completed") stopGrace(attempt);
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
    if (stream) for (const track of stream.getAudioTracks()) pc.addTrack(track, stream);
    else pc.addTransceiver("audio", { direction: "recvonly" });
    return pc;
  }

  #openChannel(attempt: Attempt, pc: RTCPeerConnection): void {
    // The label both APIs use (GPT-Live's WebRTC guide names the same "oai-events").
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
  }

  #onMessage(attempt: Attempt, data: unknown): void {
    if (!this.#isLive(attempt)) return;
    const record = serverRecord(this.#now(), data);
    this.#cb.onRecord(record);
    if (!("event" in record)) return;
    // The record callback may have disconnected us.
    if (!this.#isLive(attempt)) return;
    const error = noteServerEvent(attempt.handshake, record.event);
    if (error !== null) attempt.lastServerError = error;
    this.#maybeReady(attempt);
  }

  #sendNow(attempt: Attempt, event: JsonObject): void {
    const channel = attempt.channel;
    if (!channel) return;
    if (this.#state.kind !== "connected") noteSentBeforeReady(attempt.handshake, event);
    channel.send(JSON.stringify(event));
    this.#sentTypes.remember(event);
    this.#cb.onRecord({ t: this.#now(), dir: "client", event });
  }

  #maybeReady(attempt: Attempt): void {
    if (this.#state.kind !== "connecting" || this.#attempt !== attempt) return;
    if (!attempt.pc || !handshakeDone(attempt.handshake)) return;
    clearReadyTimer(attempt);
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

  #release(attempt: Attempt): void {
    if (this.#attempt === attempt) this.#attempt = null;
    releaseAttempt(attempt);
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

  #isLive(attempt: Attempt): boolean {
    return this.#attempt === attempt && !attempt.released;
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

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
