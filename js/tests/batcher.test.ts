import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Batcher } from "../src/batcher";
import type { BrowserMessage, EventRecord } from "../src/protocol";

function rec(i: number): EventRecord {
  return { t: 1000 + i, dir: "server", event: { type: "response.output_audio_transcript.delta", delta: String(i) } };
}

describe("Batcher", () => {
  let sent: BrowserMessage[];
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
  });
  afterEach(() => vi.useRealTimers());

  it("flushes after the interval when few events arrive", () => {
    const b = new Batcher((m) => sent.push(m), { intervalMs: 50, maxEvents: 200 });
    b.push(rec(0));
    b.push(rec(1));
    vi.advanceTimersByTime(49);
    expect(sent).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([{ type: "events", seq: 0, events: [rec(0), rec(1)] }]);
  });

  it("flushes at maxEvents without waiting for the timer", () => {
    const b = new Batcher((m) => sent.push(m), { intervalMs: 50, maxEvents: 3 });
    for (let i = 0; i < 7; i++) b.push(rec(i));
    expect(sent).toEqual([
      { type: "events", seq: 0, events: [rec(0), rec(1), rec(2)] },
      { type: "events", seq: 1, events: [rec(3), rec(4), rec(5)] },
    ]);
    vi.advanceTimersByTime(50);
    expect(sent[2]).toEqual({ type: "events", seq: 2, events: [rec(6)] });
    expect(sent).toHaveLength(3);
  });

  it("keeps order and numbers batches 0, 1, 2… across interval and size flushes", () => {
    const b = new Batcher((m) => sent.push(m), { intervalMs: 10, maxEvents: 4 });
    let n = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < round + 2; i++) b.push(rec(n++));
      vi.advanceTimersByTime(10);
    }
    const batches = sent as Array<Extract<BrowserMessage, { type: "events" }>>;
    expect(batches.map((m) => m.seq)).toEqual(batches.map((_, i) => i));
    const all = batches.flatMap((m) => m.events);
    expect(all).toEqual(Array.from({ length: n }, (_, i) => rec(i)));
    expect(batches.every((m) => m.events.length > 0 && m.events.length <= 4)).toBe(true);
  });

  it("sends nothing when empty and flushes what is pending on dispose", () => {
    const b = new Batcher((m) => sent.push(m), { intervalMs: 50, maxEvents: 200 });
    b.flush();
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(0);
    b.push(rec(0));
    b.dispose();
    expect(sent).toEqual([{ type: "events", seq: 0, events: [rec(0)] }]);
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(1);
  });

  it("does not copy the pending array per push (the flushed array is the one pushed into)", () => {
    const b = new Batcher((m) => sent.push(m), { intervalMs: 50, maxEvents: 1000 });
    const records = Array.from({ length: 500 }, (_, i) => rec(i));
    for (const r of records) b.push(r);
    b.flush();
    const batch = sent[0] as Extract<BrowserMessage, { type: "events" }>;
    expect(batch.events).toHaveLength(500);
    expect(batch.events[0]).toBe(records[0]);
  });

  it("applies new options, flushing if the new maximum is already reached", () => {
    const b = new Batcher((m) => sent.push(m), { intervalMs: 50, maxEvents: 200 });
    for (let i = 0; i < 5; i++) b.push(rec(i));
    b.setOptions({ intervalMs: 50, maxEvents: 5 });
    expect(sent).toHaveLength(1);
    b.setOptions({ intervalMs: Number.NaN, maxEvents: 0 });
    b.push(rec(9));
    vi.advanceTimersByTime(50); // invalid options fall back to the defaults (50 ms, 200)
    expect(sent).toHaveLength(2);
  });
});
