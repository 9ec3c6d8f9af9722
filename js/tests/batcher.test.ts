import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Batcher, burstLimit } from "../src/batcher";
import type { BrowserMessage, EventRecord } from "../src/protocol";

function rec(i: number): EventRecord {
  return { t: 1000 + i, dir: "server", event: { type: "response.output_audio_transcript.delta", delta: String(i) } };
}

type Batch = Extract<BrowserMessage, { type: "events" }>;

describe("Batcher", () => {
  let sent: BrowserMessage[];
  // Date is faked with the timers: the batcher's clock follows advanceTimersByTime.
  const now = (): number => Date.now();
  const make = (intervalMs: number, maxEvents: number): Batcher => new Batcher((m) => sent.push(m), { intervalMs, maxEvents }, now);
  const sizes = (): number[] => (sent as Batch[]).map((m) => m.events.length);
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
  });
  afterEach(() => vi.useRealTimers());

  it("sends the first event of a quiet period at once (leading edge), the next ones after the interval", () => {
    const b = make(50, 200);
    b.push(rec(0));
    expect(sent).toEqual([{ type: "events", seq: 0, events: [rec(0)] }]);
    b.push(rec(1));
    b.push(rec(2));
    vi.advanceTimersByTime(49);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent[1]).toEqual({ type: "events", seq: 1, events: [rec(1), rec(2)] });
  });

  it("waits for the timer when the last batch left less than the interval ago", () => {
    const b = make(50, 200);
    b.push(rec(0)); // leading edge at t=0
    vi.advanceTimersByTime(20);
    b.push(rec(1)); // 20 ms after the last batch: trailing timer (50 ms from now)
    vi.advanceTimersByTime(49);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(2);
    // Quiet for a full interval since that batch: the next event leaves at once again.
    vi.advanceTimersByTime(50);
    b.push(rec(2));
    expect(sent[2]).toEqual({ type: "events", seq: 2, events: [rec(2)] });
  });

  it("flushes at maxEvents without waiting for the timer", () => {
    const b = make(50, 3);
    vi.advanceTimersByTime(1000);
    b.push(rec(0)); // leading edge
    vi.advanceTimersByTime(100); // calm again
    for (let i = 1; i < 4; i++) b.push(rec(i)); // leading edge (rec 1), then 2, 3 pending
    vi.advanceTimersByTime(100);
    for (let i = 4; i < 7; i++) b.push(rec(i));
    expect(sizes()).toEqual([1, 1, 2, 1]);
    vi.advanceTimersByTime(10);
    b.push(rec(7));
    b.push(rec(8)); // 4 went out alone (leading edge), so 5, 6, 7 reach maxEvents
    expect(sent.at(-1)).toEqual({ type: "events", seq: 4, events: [rec(5), rec(6), rec(7)] });
    vi.advanceTimersByTime(50);
    expect(sent.at(-1)).toEqual({ type: "events", seq: 5, events: [rec(8)] });
  });

  it("under a flood grows batches up to the burst limit, and goes back to maxEvents when calm", () => {
    const b = make(50, 200);
    let n = 0;
    for (let i = 0; i < 20_000; i++) b.push(rec(n++)); // all at one instant: a flood
    const flood = sizes();
    expect(Math.max(...flood)).toBe(burstLimit(200));
    expect(burstLimit(200)).toBe(1000);
    expect(flood.every((s) => s <= 1000)).toBe(true);
    // Sizes never shrink during the flood: 1 (leading), 200, 400, 800, 1000, 1000...
    expect(flood.slice(0, 5)).toEqual([1, 200, 400, 800, 1000]);
    vi.advanceTimersByTime(50); // the trailing timer sends the rest: calm
    expect(b.pending).toBe(0);
    expect(b.threshold).toBe(200);
    const all = (sent as Batch[]).flatMap((m) => m.events);
    expect(all).toEqual(Array.from({ length: n }, (_, i) => rec(i)));
    expect((sent as Batch[]).map((m) => m.seq)).toEqual(sent.map((_, i) => i));
  });

  it("burst limit: 5x maxEvents capped at 1000, never below maxEvents", () => {
    expect(burstLimit(3)).toBe(15);
    expect(burstLimit(200)).toBe(1000);
    expect(burstLimit(5000)).toBe(5000);
  });

  it("keeps order and numbers batches 0, 1, 2… across interval, leading and size flushes", () => {
    const b = make(10, 4);
    let n = 0;
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < round + 2; i++) b.push(rec(n++));
      vi.advanceTimersByTime(round % 2 ? 10 : 25);
    }
    vi.advanceTimersByTime(10);
    const batches = sent as Batch[];
    expect(batches.map((m) => m.seq)).toEqual(batches.map((_, i) => i));
    const all = batches.flatMap((m) => m.events);
    expect(all).toEqual(Array.from({ length: n }, (_, i) => rec(i)));
    expect(batches.every((m) => m.events.length > 0 && m.events.length <= burstLimit(4))).toBe(true);
  });

  it("sends nothing when empty and flushes what is pending on dispose", () => {
    const b = make(50, 200);
    b.flush();
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(0);
    b.push(rec(0)); // leading edge
    b.push(rec(1));
    b.dispose();
    expect(sent).toEqual([
      { type: "events", seq: 0, events: [rec(0)] },
      { type: "events", seq: 1, events: [rec(1)] },
    ]);
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(2);
  });

  it("does not copy the pending array per push (the flushed array is the one pushed into)", () => {
    const b = make(50, 1000);
    const records = Array.from({ length: 500 }, (_, i) => rec(i));
    for (const r of records) b.push(r);
    b.flush();
    const batch = sent[1] as Batch;
    expect(batch.events).toHaveLength(499);
    expect(batch.events[0]).toBe(records[1]);
  });

  it("applies new options, flushing if the new maximum is already reached", () => {
    const b = make(50, 200);
    b.push(rec(0)); // leading edge
    for (let i = 1; i < 6; i++) b.push(rec(i));
    b.setOptions({ intervalMs: 50, maxEvents: 5 });
    expect(sizes()).toEqual([1, 5]);
    b.setOptions({ intervalMs: Number.NaN, maxEvents: 0 });
    b.push(rec(9));
    vi.advanceTimersByTime(49); // invalid options fall back to the defaults (50 ms, 200)
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(3);
  });
});
