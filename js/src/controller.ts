// Per-model state (anywidget `initialize`): one transport (peer connection,
// mic), one audio element, one batcher, one display reducer and the message
// routing. Views only read from it and subscribe; reports (status, error,
// call_id) are written here, once per change, never by a view.
import { Batcher } from "./batcher";
import { Delivery } from "./delivery";
import {
  isJsonObject,
  recordType,
  type BrowserMessage,
  type EventRecord,
  type JsonObject,
  type PendingItem,
} from "./protocol";
import { createDisplayState, createLiveBook, reduceLive, type DisplayState, type LiveBook } from "./reducer";
import { Rpc } from "./rpc";
import { CallControlsState, browserEventId, pushToTalkPress, pushToTalkRelease } from "./call_controls";
import { Transport, type ConnectionState, type MicProblem, type TransportDeps } from "./transport";
import { EventLog } from "./event_log";
import { readClientSecret } from "./controller/client_secret";
import { relayedAnswer } from "./controller/relayed_answer";
import { dispatchKernelMessage, type KernelCommand } from "./controller/kernel_messages";
import { keepMicStream } from "./controller/mic_stream";
import { fanOutRecord } from "./controller/record_fanout";
import { connectionPatch, isStaleCallStatus, notSentText, serverErrorText, writeTraits, type TraitPatch } from "./controller/trait_reports";
import { ViewPresence } from "./controller/view_presence";
import { VoicePlayback, defaultAudio } from "./controller/voice_playback";
import { errorCause, voiceApiOf, type VoiceApi } from "./voice_api";
import { LivePlayback, setPlaybackAudible } from "./live_playback";

/** The synced traits (docs/architecture.md). */
export interface WidgetTraits {
  [key: string]: unknown;
  model: string;
  voice: string;
  instructions: string;
  muted: boolean;
  base_url: string;
  backend: string;
  /** "browser" | "kernel": who posts the SDP offer (read at each Connect). */
  signaling: string;
  batch_interval_ms: number;
  batch_max_events: number;
  status: string;
  error: string;
  call_id: string;
  /** Attach the kernel's sideband to each call (Python or the view may write it). */
  sideband: boolean;
  /** Written by the kernel only: "off" | "attaching" | "attached" | "failed" | "dropped". */
  sideband_state: string;
  /** Written by the kernel only: `[{id, level, text}]` (js/src/view/notices.ts). */
  notices: unknown[];
  /** "realtime" | "live" (GPT-Live): fixed at construction, picked by the model family (voice_api.ts). */
  api: string;
}

/** The part of anywidget's model the widget uses (also what test fakes implement). */
export interface ModelLike {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  save_changes(): void;
  send(content: unknown): void;
  on(event: string, callback: (...args: never[]) => void): void;
  off(event?: string | null, callback?: ((...args: never[]) => void) | null): void;
}

export type ControllerDeps = Partial<Omit<TransportDeps, "getClientSecret" | "baseUrl" | "signaling" | "relayOffer">> & {
  /** The one audio element that plays the model's voice; null to play nothing (tests). */
  createAudio?: () => HTMLAudioElement | null;
  rpcTimeoutMs?: number;
};

export class WidgetController {
  readonly transport: Transport;
  readonly display: DisplayState = createDisplayState();
  /** Interrupt, push-to-talk and tool outcomes (js/src/call_controls.ts). */
  readonly callControls = new CallControlsState();
  /** The voice API, fixed when the widget is built (the `api` trait). */
  readonly api: VoiceApi;
  /** GPT-Live's Interrupt: playback silenced here (js/src/live_playback.ts). */
  readonly livePlayback = new LivePlayback();
  readonly #liveBook: LiveBook | null;
  /** Messages sent while the call starts, waiting in the kernel (shown as pending). */
  outbox: PendingItem[] = [];
  /** Records, timings and usage for the view (inspector, clock, cost, JSONL). */
  readonly eventLog = new EventLog();
  /** The tracks the level meters analyse: our microphone and the model's voice. */
  micStream: MediaStream | null = null;
  remoteStream: MediaStream | null = null;
  /** The last call went on listen-only, and why (no microphone); null once a new one starts. */
  listenOnly: MicProblem | null = null;
  readonly #model: ModelLike;
  readonly #rpc: Rpc;
  readonly #batcher: Batcher;
  readonly #delivery: Delivery;
  readonly #voice: VoicePlayback;
  readonly #listeners = new Set<() => void>();
  readonly #unsubscribe: Array<() => void> = [];
  #disposed = false;
  #reportSeq = 0;
  /** The last server `error` event (re-worded when the client event it names is learnt). */
  #lastServerError: JsonObject | null = null;
  #kernelGone = false;
  readonly #views: ViewPresence;
  /** The kernel asked to connect before any view of this widget existed. */
  #connectWhenViewed = false;

  constructor(model: ModelLike, deps: ControllerDeps = {}) {
    this.#model = model;
    this.api = voiceApiOf(model.get("api"));
    this.#liveBook = this.api === "live" ? createLiveBook() : null;
    const send = (msg: BrowserMessage): void => model.send(msg);
    // The rpc needs send errors (it fails the request at once); batches and logs do not:
    // once the comm is gone (notebook closed, kernel stopped) nothing can receive them,
    // and an exception there would escape into the page.
    this.#rpc = new Rpc(send, deps.rpcTimeoutMs ?? 30_000);
    // Batches are kept until the kernel acknowledges them and resent after a dropped
    // connection (delivery.ts): every event reaches the kernel once, in order.
    this.#delivery = new Delivery((msg) => this.#sendQuietly(msg), {
      onGiveUp: (batches, events) =>
        this.log("error", `Gave up resending ${batches} batch(es) (${events} events) the kernel never acknowledged.`),
    });
    this.#batcher = new Batcher((msg) => this.#delivery.send(msg), this.#batchOptions());
    this.#voice = new VoicePlayback((deps.createAudio ?? defaultAudio)());
    this.transport = new Transport(
      {
        ...deps,
        getUserMedia: keepMicStream(deps.getUserMedia, (stream) => (this.micStream = stream)),
        getClientSecret: async () => readClientSecret(await this.#rpc.call("client_secret")),
        signaling: () => (model.get("signaling") === "kernel" ? "kernel" : "browser"),
        api: () => this.api,
        relayOffer: (sdp, options) => relayedAnswer(this.#rpc.call("sdp_offer", { sdp }, options)),
        baseUrl: () => String(model.get("base_url") ?? "") || "https://api.openai.com",
        // The `call_timeout_ms` input bounds both the SDP POST and answer → session.created (GPT-Live: session.started).
        postTimeoutMs: deps.postTimeoutMs ?? (() => Number(model.get("call_timeout_ms"))),
        readyTimeoutMs: deps.readyTimeoutMs ?? (() => Number(model.get("call_timeout_ms"))),
      },
      {
        onState: (state) => this.#onState(state),
        onRecord: (record) => this.#onRecord(record),
        onRemoteStream: (stream) => this.#play(stream),
        onLog: (level, message) => this.log(level, message),
      },
    );
    this.#views = new ViewPresence({
      callLive: () => this.transport.state.kind === "connecting" || this.transport.state.kind === "connected",
      abandoned: () => {
        this.transport.disconnect();
        this.log("info", "No view of the widget is left (notebook closed or output cleared): the call was ended and the microphone released.");
      },
    });
    this.transport.setMuted(Boolean(model.get("muted")));
    // A new front end has no call, whatever the kernel last heard; say so, or the view and
    // w.status would show a call that is gone.
    if (isStaleCallStatus(String(model.get("status") ?? "idle"))) this.#report({ status: "idle", call_id: "" });

    this.#listen("msg:custom", (msg: unknown) => this.#onCustom(msg));
    // ipywidgets marks a model's comm dead (and fires this) when the kernel restarts or
    // goes away; the model never comes back, so the call would talk to nobody.
    this.#listen("comm_live_update", () => this.#onKernelGone());
    // The page is going away (reload, tab closed): hand the kernel what was received and
    // hang up now, rather than leave the server to notice a peer that vanished.
    if (typeof window !== "undefined" && typeof window.addEventListener === "function") {
      const onPageHide = (): void => {
        this.#batcher.flush();
        this.transport.disconnect();
      };
      window.addEventListener("pagehide", onPageHide);
      this.#unsubscribe.push(() => window.removeEventListener("pagehide", onPageHide));
    }
    // The view marks an error as old once a later turn succeeds (event_log.ts).
    this.#listen("change:error", () => this.eventLog.noteError(String(model.get("error") ?? "")));
    this.#listen("change:muted", () => this.transport.setMuted(Boolean(model.get("muted"))));
    const onBatch = (): void => this.#batcher.setOptions(this.#batchOptions());
    this.#listen("change:batch_interval_ms", onBatch);
    this.#listen("change:batch_max_events", onBatch);
    // Last: from here on messages from the kernel have a listener (anywidget drops earlier
    // ones), so the kernel may deliver what it held for this front end.
    this.#sendQuietly({ type: "ready" });
  }

  /** The kernel restarted or stopped (comm_live_update): nothing that needs it can work again. */
  get kernelGone(): boolean {
    return this.#kernelGone;
  }

  connect(): Promise<ConnectionState> {
    // No kernel to answer the connect (a client secret, or the offer it posts): keep the
    // message that says why instead of a send error.
    if (this.#kernelGone) return Promise.resolve(this.transport.state);
    return this.transport.connect();
  }

  disconnect(): void {
    this.transport.disconnect();
  }

  /** The Message box: the kernel builds, validates and logs the client events. */
  sendText(text: string): void {
    if (this.#kernelGone) return;
    this.#model.send({ type: "ui", action: "send_text", text } satisfies BrowserMessage);
  }

  /** Interrupt can do something now (an answer runs or plays; for GPT-Live: it speaks, not silenced yet). */
  get canInterrupt(): boolean {
    return this.api === "live" ? this.livePlayback.canInterrupt : this.callControls.canInterrupt;
  }

  /**
   * Stops the model's answer: response.cancel and output_audio_buffer.clear; the
   * server truncates the playing item to what was played (see call_controls.ts).
   * Built here because the browser sees the answer's state first. GPT-Live takes no
   * such event: its playback is silenced here only (live_playback.ts).
   */
  interrupt(): boolean {
    if (this.api === "live") {
      const silenced = this.livePlayback.interrupt();
      if (silenced) {
        setPlaybackAudible(this.remoteStream, false);
        this.#notify(); // no record follows (nothing is sent): views redraw from here
      }
      return silenced;
    }
    const events = this.callControls.interruptEvents(browserEventId);
    for (const event of events) this.transport.send(event);
    return events.length > 0;
  }

  /** Push-to-talk (turn detection off): press clears the input buffer, release commits and asks for a response. */
  pushToTalk(pressed: boolean): void {
    if (this.api === "live") return; // GPT-Live takes turns itself: no buffer to commit
    const events = pressed ? pushToTalkPress(browserEventId) : pushToTalkRelease(browserEventId);
    for (const event of events) this.transport.send(event);
  }

  /** A new call that continues this conversation (the kernel re-inserts the turns). */
  reconnectWithContext(): void {
    if (this.#kernelGone) return;
    this.#model.send({ type: "ui", action: "reconnect" } satisfies BrowserMessage);
  }

  setMuted(muted: boolean): void {
    // `muted` is an input trait; a UI control may write it (DESIGN §3).
    this.#model.set("muted", muted);
    this.#model.save_changes();
    this.transport.setMuted(muted);
  }

  /** The browser refused to play the model's voice until a click on the page (autoplay policy). */
  get audioBlocked(): boolean {
    return this.#voice.blocked;
  }

  /** Retries playback after the browser blocked autoplay (call it from a user gesture). */
  resumeAudio(): void {
    if (this.#voice.blocked) void this.#voice.resume().then(() => this.#notify());
  }

  log(level: "info" | "warning" | "error", message: string): void {
    this.#sendQuietly({ type: "log", level, message });
  }

  #sendQuietly(msg: BrowserMessage): void {
    try {
      this.#model.send(msg);
    } catch {
      /* the comm is closed: nobody is listening any more */
    }
  }

  /** Called (synchronously) after every change views may want to draw. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Registers a view's element (index.ts): while a call is live and no view is left on the
   * page, the call ends (controller/view_presence.ts).
   */
  trackView(el: HTMLElement): () => void {
    const untrack = this.#views.track(el);
    if (this.#connectWhenViewed) {
      this.#connectWhenViewed = false;
      void this.connect();
    }
    return untrack;
  }

  /** The kernel restarted or stopped: end the call and say so (the widget must be re-created). */
  #onKernelGone(): void {
    if (this.#disposed) return;
    this.#kernelGone = true;
    const message =
      "The Python kernel restarted or stopped, so the call was closed (nothing would receive its events). " +
      "Re-run the cell that creates the widget to talk again.";
    this.transport.disconnect();
    this.#rpc.dispose(message);
    this.#report({ status: "error", error: message });
    this.#notify();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#views.dispose();
    this.transport.disconnect();
    this.#batcher.dispose();
    this.#delivery.dispose();
    this.#rpc.dispose();
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe.length = 0;
    this.#listeners.clear();
    this.#voice.dispose();
  }

  // ---------------------------------------------------------------- internals

  #listen(event: string, callback: (...args: never[]) => void): void {
    this.#model.on(event, callback);
    this.#unsubscribe.push(() => this.#model.off(event, callback));
  }

  #onCustom(msg: unknown): void {
    dispatchKernelMessage(msg, {
      rpcReply: (reply) => this.#rpc.handleReply(reply),
      command: (name) => this.#onCommand(name),
      toolResult: (result) => {
        // A failure is also in the kernel's `notices` (shown by the view from the kernel).
        this.callControls.toolResult(result);
        this.#notify();
      },
      ack: (fe, seq) => this.#delivery.ack(fe, seq),
      outbox: (items) => {
        this.outbox = items;
        this.#notify();
      },
      clientEvent: (event) => this.#sendClientEvent(event),
      sentByKernel: (event) => this.#noteSentByKernel(event),
      malformed: (warning) => this.log("warning", warning),
    });
  }

  #onCommand(name: KernelCommand): void {
    if (name === "interrupt") this.interrupt();
    else if (name === "connect") {
      // JupyterLab builds a model for every widget, displayed or not: a call (and a live
      // microphone) nobody can see or stop must not start, so it waits for a view.
      if (this.#views.count > 0) void this.connect();
      else this.#connectWhenViewed = true;
    } else if (name === "disconnect") {
      this.#connectWhenViewed = false;
      this.disconnect();
    }
  }

  /** The kernel sent this over its sideband. Its note comes through the comm, so the
   * server's error about it may have come first: that error is then worded again. */
  #noteSentByKernel(event: JsonObject): void {
    this.transport.noteSentElsewhere(event);
    if (this.#liveBook) {
      // GPT-Live echoes no content of context it takes (`…appended` has none), so what the
      // kernel sent (typed text, a delegation's answer) is drawn from this note.
      const record: EventRecord = { t: Date.now(), dir: "client", event };
      reduceLive(this.display, this.#liveBook, "client", event, recordType(record).ga);
      this.#notify();
    }
    const last = this.#lastServerError;
    const cause = last ? errorCause(last) : "";
    if (last && cause !== "" && cause === event["event_id"]) {
      this.#report({ error: serverErrorText(last, (id) => this.transport.clientEventType(id)) });
    }
  }

  #sendClientEvent(event: JsonObject): void {
    if (this.transport.send(event) !== "dropped") return;
    const message = notSentText(event);
    this.log("warning", message);
    this.#report({ error: message });
  }

  #onState(state: ConnectionState): void {
    const patch = connectionPatch(state);
    if (state.kind === "error") this.log("error", state.message);
    if (state.kind === "connecting") {
      this.micStream = null;
      this.listenOnly = null;
    } else if (state.kind === "connected") {
      // Listen-only is a working call (status stays "connected"); w.error says why the mic is off.
      this.listenOnly = this.transport.micProblem;
      if (this.listenOnly) patch["error"] = this.listenOnly.message;
    }
    if (state.kind === "idle" || state.kind === "error") this.#batcher.flush();
    // No call, nobody speaking: the server will not send the events that would say so.
    if (state.kind !== "connected") this.eventLog.callEnded();
    this.#report(patch);
    this.#notify();
  }

  /** Every data channel message, both directions; each one is a change views may draw. */
  #onRecord(record: EventRecord): void {
    fanOutRecord(record, {
      batcher: this.#batcher,
      eventLog: this.eventLog,
      callControls: this.callControls,
      display: this.display,
      liveBook: this.#liveBook,
      // GPT-Live's Interrupt silences the received track until the model's next utterance.
      livePlayback: {
        observe: (event, type) => {
          if (this.livePlayback.observe(event, type)) setPlaybackAudible(this.remoteStream, !this.livePlayback.silenced);
        },
      },
      // Shown as the last error, naming the client event that caused it.
      serverError: (event) => {
        this.#lastServerError = event;
        this.#report({ error: serverErrorText(event, (id) => this.transport.clientEventType(id)) });
      },
    });
    this.#notify();
  }

  /** Once a change, never by a view: two views would otherwise write the same change twice. */
  #report(patch: TraitPatch): void {
    if (this.#disposed || !writeTraits(this.#model, patch)) return;
    // Also as a custom message: ipywidgets holds a model's next sync message until the kernel
    // says idle for the previous one, and ipykernel gives a comm message handled while a cell
    // awaits the wrong parent, so that idle never comes and the report would never arrive.
    // Numbered: marimo posts every message as its own HTTP request, so two reports may
    // reach the kernel out of order, and a stale "closing" must not undo a later "idle".
    this.#sendQuietly({ type: "report", ...patch, fe: this.#delivery.fe, seq: ++this.#reportSeq });
  }

  #play(stream: MediaStream): void {
    this.remoteStream = stream;
    if (this.api === "live") setPlaybackAudible(stream, !this.livePlayback.silenced);
    this.#voice.play(stream, (err) => {
      this.log("warning", `The browser blocked audio playback (${String(err)}); click "Click to enable audio" in the widget.`);
      this.#notify();
    });
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }

  #batchOptions(): { intervalMs: number; maxEvents: number } {
    return {
      intervalMs: Number(this.#model.get("batch_interval_ms") ?? 50),
      maxEvents: Number(this.#model.get("batch_max_events") ?? 200),
    };
  }
}
