// A small stand-in for the anywidget model (get/set/on/off/send/save_changes)
// playing the kernel's part: it answers the client_secret rpc by minting a
// secret at the emulator, turns the Message box's "ui" message into client
// events, and records every message the widget sends (window.harness.sent).
import createWidget from "/static/widget.js";
import { HarnessModel } from "./model_base.js";

const params = new URLSearchParams(location.search);
const base = params.get("base") ?? "";
const apiKey = params.get("key") ?? "harness-key";
const viewCount = Number(params.get("views") ?? "1");

class StandInModel extends HarnessModel {
  constructor(attrs) {
    super(attrs);
    this.sent = [];
    this.saves = 0;
    this.nextEventId = 1;
  }
  save_changes() {
    this.saves++;
  }
  /** A message from the "kernel" to the widget. */
  kernel(msg) {
    // Like a comm message: delivered asynchronously.
    setTimeout(() => this.emit("msg:custom", msg, []), 0);
  }
  send(msg) {
    if (msg.type === "events" && typeof msg.fe === "string") {
      // Like the kernel: take only the next batch, acknowledge what is in the log.
      const next = this.nextSeq ?? msg.base ?? 0;
      if (msg.seq === next) {
        this.nextSeq = msg.seq + 1;
        this.sent.push(msg);
      }
      if (this.nextSeq !== undefined) this.kernel({ type: "ack", fe: msg.fe, seq: this.nextSeq - 1 });
      return;
    }
    this.sent.push(msg);
    if (msg.type === "rpc" && msg.method === "client_secret") void this.#mint(msg.id);
    if (msg.type === "ui" && msg.action === "send_text") this.sendText(msg.text);
  }
  sendText(text) {
    this.clientEvent({
      type: "conversation.item.create",
      item: { type: "message", role: "user", content: [{ type: "input_text", text }] },
    });
    this.clientEvent({ type: "response.create" });
  }
  clientEvent(event) {
    this.kernel({ type: "client-event", event: { event_id: `evt_harness_${this.nextEventId++}`, ...event } });
  }
  async #mint(id) {
    try {
      const response = await fetch(`${base}/v1/realtime/client_secrets`, {
        method: "POST",
        headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
        body: JSON.stringify({ session: { type: "realtime", model: "gpt-realtime", output_modalities: ["audio"] } }),
      });
      const body = await response.json();
      if (!response.ok) {
        this.kernel({ type: "rpc-reply", id, ok: false, error: { message: body?.error?.message ?? `HTTP ${response.status}`, code: body?.error?.code } });
        return;
      }
      this.kernel({ type: "rpc-reply", id, ok: true, result: { value: body.value, expires_at: body.expires_at } });
    } catch (err) {
      this.kernel({ type: "rpc-reply", id, ok: false, error: { message: `cannot reach ${base}: ${err}`, code: "network" } });
    }
  }
  /** Every record the widget batched to the kernel, in order. */
  records() {
    return this.sent.filter((m) => m.type === "events").flatMap((m) => m.events);
  }
  seqs() {
    return this.sent.filter((m) => m.type === "events").map((m) => m.seq);
  }
}

const model = new StandInModel({
  model: "gpt-realtime",
  voice: "marin",
  instructions: "",
  muted: params.get("muted") === "1",
  base_url: base,
  backend: params.get("backend") ?? "emulator",
  batch_interval_ms: 50,
  batch_max_events: 200,
  status: "idle",
  error: "",
  call_id: "",
});

// Keep a handle on the model's audio element (it is not in the DOM) to check that sound plays.
let audioElement = null;
const createElement = document.createElement.bind(document);
document.createElement = (tag, options) => {
  const el = createElement(tag, options);
  if (String(tag).toLowerCase() === "audio") audioElement = el;
  return el;
};

const widget = createWidget();
const signal = new AbortController().signal;
const disposeModel = await widget.initialize({ model, signal, experimental: {} });
const cleanups = [];
for (let i = 0; i < viewCount; i++) {
  const el = document.createElement("section");
  el.className = "harness-view";
  el.dataset.view = String(i);
  document.getElementById("views").append(el);
  cleanups.push(await widget.render({ model, el, signal, host: {}, experimental: {} }));
}

window.harness = {
  model,
  get audio() {
    return audioElement;
  },
  peerConnections: 0,
  removeView(i) {
    cleanups[i]?.();
    cleanups[i] = null;
  },
  dispose() {
    for (const c of cleanups) c?.();
    disposeModel?.();
  },
};
// Count peer connections the page creates (a second view must not add one).
const NativePC = window.RTCPeerConnection;
window.RTCPeerConnection = function (...args) {
  window.harness.peerConnections++;
  return new NativePC(...args);
};
window.RTCPeerConnection.prototype = NativePC.prototype;
document.body.dataset.ready = "1";
