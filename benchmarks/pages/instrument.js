// Connect-time instrumentation, injected before any page script (Playwright add_init_script).
// It wraps the browser APIs every WebRTC client uses (fetch, getUserMedia, RTCPeerConnection,
// the data channel) so the widget and the plain page are timed by the same code, without
// touching either. Clocks: `marks` are performance.timeOrigin + performance.now() (sub-ms and
// monotonic, for intervals inside the page); `wall` has the same marks on Date.now(), the
// machine's wall clock that Python's time.time() reads, for anything compared with a stamp
// taken in another process. First occurrence of each name since the last reset().
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const bench = {
    channels: [],
    sent: {},
    marks: {},
    wall: {},
    reset() { this.marks = {}; this.wall = {}; },
    mark(name) {
      if (name in this.marks) return;
      this.marks[name] = now();
      this.wall[name] = Date.now();
    },
  };
  window.__rtBench = bench;

  const origFetch = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const url = typeof input === "string" ? input : input.url;
    const kind = url.includes("/v1/realtime/calls") ? "post" : url.includes("/secret") ? "secret" : null;
    if (kind) bench.mark(kind + "_start");
    const response = await origFetch(input, init);
    if (kind) bench.mark(kind + "_end");
    return response;
  };

  const media = navigator.mediaDevices;
  if (media && media.getUserMedia) {
    const origGum = media.getUserMedia.bind(media);
    media.getUserMedia = async (constraints) => {
      bench.mark("gum_start");
      const stream = await origGum(constraints);
      bench.mark("gum_end");
      return stream;
    };
  }

  const Orig = window.RTCPeerConnection;
  if (!Orig) return;
  class Instrumented extends Orig {
    constructor(config) {
      super(config);
      bench.mark("pc_created");
      this.addEventListener("iceconnectionstatechange", () => {
        if (this.iceConnectionState === "connected" || this.iceConnectionState === "completed") bench.mark("ice_connected");
      });
      this.addEventListener("connectionstatechange", () => {
        if (this.connectionState === "connected") bench.mark("dtls_connected");
      });
    }
    async createOffer(options) {
      bench.mark("offer_start");
      return super.createOffer(options);
    }
    async setLocalDescription(desc) {
      const result = await super.setLocalDescription(desc);
      bench.mark("offer_end");
      return result;
    }
    async setRemoteDescription(desc) {
      const result = await super.setRemoteDescription(desc);
      bench.mark("answer_applied");
      return result;
    }
    createDataChannel(label, init) {
      const channel = super.createDataChannel(label, init);
      bench.channels.push(channel);
      channel.addEventListener("open", () => bench.mark("channel_open"));
      channel.addEventListener("message", (ev) => {
        if (typeof ev.data === "string" && ev.data.includes('"session.created"')) bench.mark("session_created_page");
      });
      return channel;
    }
  }
  window.RTCPeerConnection = Instrumented;

  // In-page event source for the delivery benchmark: the same SDK-shaped server events the
  // emulator floods (benchmarks/bench_emulator.py), dispatched as "message" events on the
  // newest open data channel, so the receiver's own onmessage handling runs unchanged and
  // only the network (aiortc's SCTP in the emulator) is left out. Send times are kept here
  // by event_id, on Date.now() (the kernel stamps arrivals with time.time()); send_ms is an
  // interval inside the page. Yields to the event loop after `chunk` events or 50 ms,
  // whichever comes first, through a MessageChannel (no setTimeout clamping), so timers,
  // rAF and the kernel websocket keep running whatever a receiver costs per event (500
  // events of a receiver that re-sends a 10,000-event list would hold the page for
  // seconds; 500 of the widget's take about 30-50 ms, so 50 ms leaves fast receivers as
  // they were).
  const delta = (tag, i) => ({
    type: "response.output_audio_transcript.delta",
    event_id: `event_b${tag}_${i}`,
    response_id: `resp_bench${tag}`,
    item_id: `item_bench${tag}`,
    output_index: 0,
    content_index: 0,
    delta: i % 8 ? "w" : " w",
  });
  const yieldNow = () => new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve();
    ch.port2.postMessage(null);
  });
  bench.inject = async (tag, n, preamble, chunk) => {
    const channel = [...bench.channels].reverse().find((c) => c.readyState === "open");
    if (!channel) throw new Error("no open data channel to inject into");
    const fire = (event) => channel.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(event) }));
    for (const event of preamble) fire(event);
    const sent = {};
    bench.sent[tag] = sent;
    const started = now();
    for (let i = 0; i < n; ) {
      const until = Math.min(n, i + chunk);
      const sliceEnd = performance.now() + 50;
      do {
        const event = delta(tag, i);
        sent[event.event_id] = Date.now();
        fire(event);
        i++;
      } while (i < until && performance.now() < sliceEnd);
      await yieldNow();
    }
    return { send_ms: now() - started };
  };
  bench.takeSent = (tag) => {
    const sent = bench.sent[tag];
    delete bench.sent[tag];
    return sent;
  };
})();
