// A proxy anywidget model for the fault suite: the "kernel" is a real Python
// RealtimeWidget in the test process. model.send() goes to Python through the
// binding window.__toKernel; save_changes() sends the changed traits through
// window.__stateToKernel; Python calls harness.fromKernel(msg) and
// harness.stateFromKernel(patch). The page also keeps every microphone track
// and peer connection it ever hands out, so tests can prove they were released.
import createWidget from "/static/widget.js";
import { HarnessModel } from "./model_base.js";

// The kernel's current state, as a real front end gets it when it (re)opens the notebook.
const initial = await window.__initialState();

// --- instrumentation (before the widget can touch the APIs) ------------------
const micTracks = [];
const peers = [];
const longTasks = [];
if (navigator.mediaDevices?.getUserMedia) {
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await gum(constraints);
    for (const t of stream.getTracks()) micTracks.push(t);
    return stream;
  };
}
const NativePC = window.RTCPeerConnection;
window.RTCPeerConnection = function (...args) {
  const pc = new NativePC(...args);
  peers.push(pc);
  return pc;
};
window.RTCPeerConnection.prototype = NativePC.prototype;
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push(e.duration);
  }).observe({ type: "longtask", buffered: true });
} catch {
  /* no longtask support: the benchmark reports it */
}

class ProxyModel extends HarnessModel {
  constructor(attrs) {
    super(attrs);
    this.dirty = new Set();
    this.sent = 0;
  }
  changed(key) {
    this.dirty.add(key);
  }
  save_changes() {
    if (this.dirty.size === 0) return;
    const patch = {};
    for (const k of this.dirty) patch[k] = this.attrs[k];
    this.dirty.clear();
    void window.__stateToKernel(patch);
  }
  send(msg) {
    this.sent++;
    void window.__toKernel(msg);
  }
}

const model = new ProxyModel(initial);
const widget = createWidget();
const signal = new AbortController().signal;
const disposeModel = await widget.initialize({ model, signal, experimental: {} });
const el = document.createElement("section");
el.className = "harness-view";
document.getElementById("views").append(el);
const cleanup = await widget.render({ model, el, signal, host: {}, experimental: {} });

window.harness = {
  model,
  fromKernel(msg) {
    // Like a comm message: delivered asynchronously.
    setTimeout(() => model.emit("msg:custom", msg, []), 0);
  },
  stateFromKernel(patch) {
    for (const [k, v] of Object.entries(patch)) {
      if (model.attrs[k] === v) continue;
      model.attrs[k] = v;
      model.emit(`change:${k}`);
    }
  },
  micTracks() {
    return micTracks.map((t) => ({ kind: t.kind, readyState: t.readyState, enabled: t.enabled }));
  },
  liveMicTracks() {
    return micTracks.filter((t) => t.readyState !== "ended").length;
  },
  peers() {
    return peers.map((pc) => pc.connectionState);
  },
  openPeers() {
    return peers.filter((pc) => pc.connectionState !== "closed" && pc.signalingState !== "closed").length;
  },
  longTasks() {
    return longTasks.slice();
  },
  dispose() {
    cleanup?.();
    disposeModel?.();
  },
};
document.body.dataset.ready = "1";
