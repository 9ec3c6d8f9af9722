// Per-model state (anywidget `initialize`): one transport (peer connection,
// mic), one audio element, one batcher, one display reducer and the message
// routing. Views only read from it and subscribe; reports (status, error,
// call_id) are written here, once per change, never by a view.
import { Batcher } from "./batcher";
import { Delivery } from "./delivery";
import { isJsonObject, recordType, type BrowserMessage, type EventRecord, type JsonObject, type PendingItem, type RpcReply } from "./protocol";
import { createDisplayState, reduceDisplay, type DisplayState } from "./reducer";
import { Rpc } from "./rpc";
import { CallControlsState, browserEventId, pushToTalkPress, pushToTalkRelease } from "./call_controls";
import { Transport, type ClientSecret, type ConnectionState, type TransportDeps } from "./transport";
import { EventLog } from "./event_log";

/** The synced traits (docs/architecture.md). */
export interface WidgetTraits {
  [key: string]: unknown;
  model: string;
  voice: string;
  instructions: string;
  muted: boolean;
  base_url: string;
  backend: string;
  batch_interval_ms: number;
  batch_max_events: number;
  status: string;
  error: string;
  call_id: string;
  /** Written by the kernel only: `[{id, level, text}]` (js/src/view/notices.ts). */
  notices: unknown[];
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

export type ControllerDeps = Partial<Omit<TransportDeps, "getClientSecret" | "baseUrl">> & {
  /** The one audio element that plays the model's voice; null to play nothing (tests). */
  createAudio?: () => HTMLAudioElement | null;
  rpcTimeoutMs?: number;
};

export class WidgetController {
  readonly transport: Transport;
  readonly display: DisplayState = createDisplayState();
  /** Interrupt, push-to-talk and tool outcomes (js/src/call_controls.ts). */
  readonly callControls = new CallControlsState();
  /** Messages sent while the call starts, waiting in the kernel (shown as pending). */
  outbox: PendingItem[] = [];
  readonly #now: () => number;
  /** Records, timings and usage for the view (inspector, clock, cost, JSONL). */
  readonly eventLog = new EventLog();
  /** The tracks the level meters analyse: our microphone and the model's voice. */
  micStream: MediaStream | null = null;
  remoteStream: MediaStream | null = null;
  readonly #model: ModelLike;
  readonly #rpc: Rpc;
  readonly #batcher: Batcher;
  readonly #delivery: Delivery;
  readonly #audio: HTMLAudioElement | null;
  readonly #listeners = new Set<() => void>();
  readonly #unsubscribe: Array<() => void> = [];
  #disposed = false;
  #kernelGone = false;
  readonly #views = new Set<{ el: HTMLElement; anchor: Element | null }>();
  #viewTimer: ReturnType<typeof setInterval> | null = null;
  #noViewSince: number | null = null;

  constructor(model: ModelLike, deps: ControllerDeps = {}) {
    this.#model = model;
    this.#now = deps.now ?? defaultNow;
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
    this.#audio = (deps.createAudio ?? defaultAudio)();
    this.transport = new Transport(
      {
        ...deps,
        getUserMedia: this.#keepMic(deps.getUserMedia),
        getClientSecret: () => this.#clientSecret(),
        baseUrl: () => String(model.get("base_url") ?? "") || "https://api.openai.com",
        // The `call_timeout_ms` input bounds both the SDP POST and answer → session.created.
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
    this.transport.setMuted(Boolean(model.get("muted")));
    // A new front end (page reload, notebook reopened) has no call, whatever the kernel
    // last heard; say so, or the view and w.status would show a call that is gone.
    const last = String(model.get("status") ?? "idle");
    if (last === "connecting" || last === "connected" || last === "closing") {
      this.#report({ status: "idle", call_id: "" });
    }

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
    // No kernel to mint a client secret: keep the message that says why instead of a send error.
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

  /**
   * Stops the model's answer: response.cancel and output_audio_buffer.clear; the
   * server truncates the playing item to what was played (see call_controls.ts).
   * Built here because the browser sees the answer's state first.
   */
  interrupt(): boolean {
    const events = this.callControls.interruptEvents(browserEventId);
    for (const event of events) this.transport.send(event);
    return events.length > 0;
  }

  /** Push-to-talk (turn detection off): press clears the input buffer, release commits and asks for a response. */
  pushToTalk(pressed: boolean): void {
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

  /** Retries playback after the browser blocked autoplay (call it from a user gesture). */
  resumeAudio(): void {
    const audio = this.#audio;
    if (audio?.srcObject && audio.paused) void audio.play?.()?.catch(() => undefined);
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
   * Registers a view's element (index.ts). While a call is live, the controller checks that
   * some view is still on the page; with none (the notebook was closed: JupyterLab keeps the
   * model alive but drops its views; the output was cleared) nobody can see or stop the call,
   * so it ends after a grace period that lets a re-run cell draw its new view first. A view
   * counts while its element, or the notebook panel it was last seen in, is in the document
   * (notebook windowing may detach off-screen cells).
   */
  trackView(el: HTMLElement): () => void {
    const view = { el, anchor: null as Element | null };
    this.#views.add(view);
    this.#noViewSince = null;
    if (this.#viewTimer === null && typeof setInterval === "function") {
      this.#viewTimer = setInterval(() => this.#checkViews(), VIEW_CHECK_MS);
    }
    return () => {
      this.#views.delete(view);
      this.#checkViews();
    };
  }

  #checkViews(): void {
    const kind = this.transport.state.kind;
    if (this.#disposed || (kind !== "connecting" && kind !== "connected")) {
      this.#noViewSince = null;
      return;
    }
    let seen = false;
    for (const view of this.#views) {
      if (view.el.isConnected) {
        view.anchor = view.el.closest(".jp-NotebookPanel") ?? view.anchor;
        seen = true;
      } else if (view.anchor?.isConnected) {
        seen = true;
      }
    }
    const now = Date.now();
    if (seen) {
      this.#noViewSince = null;
    } else if (this.#noViewSince === null) {
      this.#noViewSince = now;
    } else if (now - this.#noViewSince >= NO_VIEW_GRACE_MS) {
      this.#noViewSince = null;
      this.transport.disconnect();
      this.log("info", "No view of the widget is left (notebook closed or output cleared): the call was ended and the microphone released.");
    }
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
    if (this.#viewTimer !== null) clearInterval(this.#viewTimer);
    this.#viewTimer = null;
    this.transport.disconnect();
    this.#batcher.dispose();
    this.#delivery.dispose();
    this.#rpc.dispose();
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe.length = 0;
    this.#listeners.clear();
    if (this.#audio) this.#audio.srcObject = null;
  }

  // ---------------------------------------------------------------- internals

  #listen(event: string, callback: (...args: never[]) => void): void {
    this.#model.on(event, callback);
    this.#unsubscribe.push(() => this.#model.off(event, callback));
  }

  async #clientSecret(): Promise<ClientSecret> {
    const result = await this.#rpc.call("client_secret");
    if (!isJsonObject(result) || typeof result["value"] !== "string") {
      throw new Error("The kernel's client secret reply has no `value`; the Python and browser sides of the widget may be out of date with each other.");
    }
    const expires = result["expires_at"];
    return typeof expires === "number" ? { value: result["value"], expires_at: expires } : { value: result["value"] };
  }

  #onCustom(msg: unknown): void {
    if (!isJsonObject(msg)) return;
    switch (msg["type"]) {
      case "rpc-reply":
        this.#rpc.handleReply(msg as unknown as RpcReply);
        break;
      case "command":
        if (msg["name"] === "interrupt") this.interrupt();
        else if (msg["name"] === "connect") void this.connect();
        else if (msg["name"] === "disconnect") this.disconnect();
        break;
      case "tool-result":
        // A failure is also in the kernel's `notices` (shown by the view from the kernel).
        this.callControls.toolResult(msg);
        this.#notify();
        break;
      case "ack":
        this.#delivery.ack(msg["fe"], msg["seq"]);
        break;
      case "outbox":
        // What the kernel keeps until the session is ready; the view shows it as pending.
        this.outbox = Array.isArray(msg["items"]) ? msg["items"].filter(isPendingItem) : [];
        this.#notify();
        break;
      case "client-event": {
        const event = msg["event"];
        if (!isJsonObject(event)) {
          this.log("warning", "Ignored a client-event message without an event object.");
          break;
        }
        this.#sendClientEvent(event);
        break;
      }
      default:
        break;
    }
  }

  #sendClientEvent(event: JsonObject): void {
    const result = this.transport.send(event);
    if (result !== "dropped") return;
    const type = typeof event["type"] === "string" ? event["type"] : "(no type)";
    const message = `Not connected: the client event "${type}" was not sent. Press Connect (or call w.connect()) first.`;
    this.log("warning", message);
    this.#report({ error: message });
  }

  #onState(state: ConnectionState): void {
    const patch: Record<string, string> = { status: state.kind };
    if (state.kind === "connecting") {
      patch["error"] = "";
      patch["call_id"] = "";
    } else if (state.kind === "connected") {
      patch["call_id"] = state.callId ?? "";
    } else if (state.kind === "error") {
      patch["error"] = state.message;
      this.log("error", state.message);
    }
    if (state.kind === "idle" || state.kind === "error") this.#batcher.flush();
    // No call, nobody speaking: the server will not send the events that would say so.
    if (state.kind !== "connected") this.eventLog.callEnded();
    this.#report(patch);
    this.#notify();
  }

  /**
   * Every data channel message, both directions. Its type is read here once and handed with
   * it to each consumer (event log, call controls, display reducer), which switch on it.
   */
  #onRecord(record: EventRecord): void {
    const type = recordType(record);
    this.#batcher.push(record);
    this.eventLog.push(record, type);
    if (record.dir !== "server") {
      this.#notify(); // a sent message starts "thinking" in the view
      return;
    }
    if (!("event" in record)) {
      reduceDisplay(this.display, { raw: record.raw });
      this.#notify();
      return;
    }
    if (type.ga === "error") {
      // A server error event (e.g. a rejected client event): show it as the last error.
      const error = isJsonObject(record.event["error"]) ? record.event["error"] : {};
      const message = typeof error["message"] === "string" ? error["message"] : "unknown error";
      const code = typeof error["code"] === "string" ? ` (${error["code"]})` : "";
      // Name the client event that caused it (the API echoes its event_id).
      const cause = typeof error["event_id"] === "string" ? error["event_id"] : "";
      const causeType = cause ? this.transport.clientEventType(cause) : null;
      const about = cause ? ` (caused by the client event ${causeType ?? "with event_id"} ${cause})` : "";
      this.#report({ error: `The server reported an error: ${message}${code}${about}` });
    }
    this.callControls.observe(record.event, type.ga);
    reduceDisplay(this.display, record.event, type.ga);
    this.#notify();
  }

  #report(patch: Record<string, string>): void {
    if (this.#disposed) return;
    let changed = false;
    for (const [key, value] of Object.entries(patch)) {
      if (this.#model.get(key) !== value) {
        this.#model.set(key, value);
        changed = true;
      }
    }
    if (changed) this.#model.save_changes();
  }

  #play(stream: MediaStream): void {
    this.remoteStream = stream;
    const audio = this.#audio;
    if (!audio) return;
    audio.srcObject = stream;
    const played = audio.play?.();
    if (played && typeof played.catch === "function") {
      played.catch((err: unknown) => {
        this.log("warning", `The browser blocked audio playback (${String(err)}); click the widget to allow sound.`);
      });
    }
  }

  /** Wraps getUserMedia to keep the mic stream for the meters; undefined keeps the transport's default. */
  #keepMic(gum: TransportDeps["getUserMedia"]): TransportDeps["getUserMedia"] {
    const base =
      gum ??
      (typeof navigator !== "undefined" && navigator.mediaDevices?.getUserMedia
        ? (c: MediaStreamConstraints) => navigator.mediaDevices.getUserMedia(c)
        : undefined);
    if (!base) return undefined;
    return async (c) => {
      const stream = await base(c);
      this.micStream = stream;
      return stream;
    };
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

function isPendingItem(value: unknown): value is PendingItem {
  return isJsonObject(value) && typeof value["id"] === "number" && typeof value["label"] === "string";
}

function defaultNow(): number {
  return typeof performance !== "undefined" && performance.timeOrigin ? performance.timeOrigin + performance.now() : Date.now();
}

const VIEW_CHECK_MS = 500;
const NO_VIEW_GRACE_MS = 1_500;

function defaultAudio(): HTMLAudioElement | null {
  if (typeof document === "undefined") return null;
  // Kept out of the DOM: it belongs to the model, not to any one view.
  const audio = document.createElement("audio");
  audio.autoplay = true;
  return audio;
}
