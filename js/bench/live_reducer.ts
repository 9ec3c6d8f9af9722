// Prints how the browser-side per-event work for GPT-Live (JSON.parse + the Live display
// reducer + its usage log + batcher push) compares with bare JSON.parse of the same
// messages, and with the Realtime reducer's figure for a session of the same length
// (bench/reducer.ts). Synthetic: an hour-long session dominated by transcript fragments
// on the session timeline, with context and delegations now and then. Ratios, not asserts.
// Run: npm run bench:live
import { Batcher } from "../src/batcher";
import { LiveUsageLog } from "../src/live_usage";
import { createDisplayState, createLiveBook, reduceLive } from "../src/reducer";

type Rec = { dir: "server" | "client"; text: string };

function session(turns: number): Rec[] {
  const out: Rec[] = [];
  const server = (e: object): number => out.push({ dir: "server", text: JSON.stringify(e) });
  const client = (e: object): number => out.push({ dir: "client", text: JSON.stringify(e) });
  server({ type: "session.started", event_id: "e0", session: { id: "sess_1", model: "gpt-live-1.1", status: "active", expires_at: 1 } });
  let ms = 0;
  let n = 0;
  for (let i = 0; i < turns; i++) {
    for (let d = 0; d < 8; d++, ms += 150) server({ type: "session.input_transcript.delta", event_id: `e${++n}`, delta: "word ", start_ms: ms, end_ms: ms + 150 });
    ms += 300;
    for (let d = 0; d < 40; d++, ms += 120) server({ type: "session.output_transcript.delta", event_id: `e${++n}`, delta: "word ", start_ms: ms, end_ms: ms + 120 });
    if (i % 10 === 0) {
      client({ type: "session.commentary.append", event_id: `c${i}`, content: "context", delegation_id: null });
      server({ type: "session.commentary.appended", event_id: `e${++n}`, client_event_id: `c${i}`, start_ms: ms, end_ms: ms });
    }
    if (i % 25 === 0) server({ type: "session.delegation.created", event_id: `e${++n}`, offset_ms: ms, delegation: { id: `d${i}`, type: "delegation", target: "client" } });
    if (i % 5 === 0) server({ type: "session.usage.updated", event_id: `e${++n}`, usage: { seconds: Math.floor(ms / 1000) } });
    ms += 400;
  }
  return out;
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const records = session(2500);
let sink = 0;
const parseMs = time(() => {
  for (const r of records) sink += (JSON.parse(r.text) as { type: string }).type.length;
});
const fullMs = time(() => {
  const state = createDisplayState();
  const book = createLiveBook();
  const usage = new LiveUsageLog();
  const batcher = new Batcher(() => undefined, { intervalMs: 1e9, maxEvents: 200 });
  for (const r of records) {
    const event = JSON.parse(r.text) as Record<string, unknown>;
    const type = String(event["type"]);
    batcher.push({ t: 0, dir: r.dir, event });
    reduceLive(state, book, r.dir, event, type);
    if (r.dir === "server") usage.observe(type, event);
  }
  batcher.flush();
  sink += state.order.length + usage.seconds;
});
const n = records.length;
console.log(`${n} records, ${records.reduce((s, r) => s + r.text.length, 0)} bytes (sink ${sink})`);
console.log(`JSON.parse only:                    ${((n / parseMs) * 1000).toFixed(0)} events/s`);
console.log(`parse + Live reducer/usage/batcher: ${((n / fullMs) * 1000).toFixed(0)} events/s`);
console.log(`ratio to the JSON.parse floor:      ${(fullMs / parseMs).toFixed(2)}x`);
