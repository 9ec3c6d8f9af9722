// Prints how the browser-side per-event work (JSON.parse + display reducer +
// batcher push) compares with bare JSON.parse of the same messages, for a
// synthetic session dominated by transcript deltas. Ratios, not timed asserts.
// Run: npm run bench
import { Batcher } from "../src/batcher";
import { createDisplayState, reduceDisplay } from "../src/reducer";

function session(turns: number): string[] {
  const out: string[] = [JSON.stringify({ type: "session.created", event_id: "e", session: { model: "gpt-realtime" } })];
  let prev: string | null = null;
  for (let i = 0; i < turns; i++) {
    const u = `item_u${i}`;
    const a = `item_a${i}`;
    const r = `resp_${i}`;
    out.push(JSON.stringify({ type: "input_audio_buffer.speech_started", item_id: u, audio_start_ms: i * 1000 }));
    out.push(JSON.stringify({ type: "input_audio_buffer.committed", item_id: u, previous_item_id: prev }));
    out.push(JSON.stringify({ type: "conversation.item.added", previous_item_id: prev, item: { id: u, type: "message", role: "user", content: [{ type: "input_audio", transcript: null }] } }));
    out.push(JSON.stringify({ type: "response.created", response: { id: r, status: "in_progress", output: [] } }));
    out.push(JSON.stringify({ type: "response.output_item.added", response_id: r, item: { id: a, type: "message", role: "assistant", status: "in_progress", content: [] } }));
    for (let d = 0; d < 40; d++) {
      out.push(JSON.stringify({ type: "response.output_audio_transcript.delta", response_id: r, item_id: a, output_index: 0, content_index: 0, delta: "word ", obfuscation: "abc" }));
    }
    out.push(JSON.stringify({ type: "conversation.item.input_audio_transcription.completed", item_id: u, content_index: 0, transcript: "hello there" }));
    out.push(JSON.stringify({ type: "response.done", response: { id: r, status: "completed", output: [], usage: { input_tokens: 100, output_tokens: 50, total_tokens: 150, input_token_details: { cached_tokens: 64 } } } }));
    prev = a;
  }
  return out;
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const messages = session(2500);
let sink = 0;
const parseMs = time(() => {
  for (const m of messages) sink += (JSON.parse(m) as { type: string }).type.length;
});
const fullMs = time(() => {
  const state = createDisplayState();
  const batcher = new Batcher(() => undefined, { intervalMs: 1e9, maxEvents: 200 });
  for (const m of messages) {
    const event = JSON.parse(m) as Record<string, unknown>;
    batcher.push({ t: 0, dir: "server", event });
    reduceDisplay(state, event);
  }
  batcher.flush();
  sink += state.order.length;
});
const n = messages.length;
console.log(`${n} events, ${messages.reduce((s, m) => s + m.length, 0)} bytes (sink ${sink})`);
console.log(`JSON.parse only:              ${((n / parseMs) * 1000).toFixed(0)} events/s`);
console.log(`parse + reducer + batcher:    ${((n / fullMs) * 1000).toFixed(0)} events/s`);
console.log(`ratio to the JSON.parse floor: ${(fullMs / parseMs).toFixed(2)}x`);
