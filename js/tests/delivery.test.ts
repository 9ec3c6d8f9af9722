// Go-back-N delivery of event batches (src/delivery.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Delivery } from "../src/delivery";
import type { BrowserMessage, EventRecord } from "../src/protocol";

const rec = (id: string): EventRecord => ({ t: 1, dir: "server", event: { type: "x", event_id: id } });
const batch = (seq: number, ...ids: string[]): BrowserMessage => ({ type: "events", seq, events: ids.map(rec) });

describe("Delivery", () => {
  let now = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    now = 0;
  });
  afterEach(() => vi.useRealTimers());

  function setup(options: { maxEvents?: number; onGiveUp?: (b: number, e: number) => void } = {}) {
    const sent: Array<Record<string, unknown>> = [];
    const d = new Delivery((m) => sent.push(m as unknown as Record<string, unknown>), { retryMs: 1000, now: () => now, ...options });
    return { d, sent, seqs: () => sent.map((m) => m["seq"]) };
  }

  it("stamps batches with its id and the oldest seq it holds; other messages pass untouched", () => {
    const { d, sent } = setup();
    d.send({ type: "log", level: "info", message: "hi" });
    d.send(batch(0, "a"));
    d.send(batch(1, "b"));
    expect(sent[0]).toEqual({ type: "log", level: "info", message: "hi" });
    expect(sent[1]).toMatchObject({ type: "events", seq: 0, fe: d.fe, base: 0 });
    expect(sent[2]).toMatchObject({ seq: 1, fe: d.fe, base: 0 });
    expect(d.fe).toMatch(/^fe_/);
  });

  it("resends everything not acknowledged, in order, after retryMs; an ack stops it", () => {
    const { d, seqs } = setup();
    d.send(batch(0, "a"));
    d.send(batch(1, "b"));
    d.send(batch(2, "c"));
    d.ack(d.fe, 0);
    expect(d.unacknowledged).toBe(2);
    now = 999;
    vi.advanceTimersByTime(999);
    expect(seqs()).toEqual([0, 1, 2]);
    now = 1000;
    vi.advanceTimersByTime(400);
    expect(seqs()).toEqual([0, 1, 2, 1, 2]);
    expect(d.resent).toBe(2);
    d.ack("fe_someone_else", 2); // another page's ack changes nothing
    expect(d.unacknowledged).toBe(2);
    d.ack(d.fe, 2);
    expect(d.unacknowledged).toBe(0);
    now = 5000;
    vi.advanceTimersByTime(5000);
    expect(seqs()).toEqual([0, 1, 2, 1, 2]);
  });

  it("gives up the oldest batches past maxEvents, says so, and tells the kernel not to wait", () => {
    const gaveUp: number[][] = [];
    const { d, sent } = setup({ maxEvents: 3, onGiveUp: (b, e) => gaveUp.push([b, e]) });
    d.send(batch(0, "a", "b"));
    d.send(batch(1, "c", "d"));
    expect(gaveUp).toEqual([[1, 2]]);
    expect(sent[1]).toMatchObject({ seq: 1, base: 1 });
    expect(d.unacknowledged).toBe(1);
  });
});
