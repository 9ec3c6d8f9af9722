// GPT-Live usage (src/live_usage.ts): cumulative seconds per session (the latest figure
// replaces the one before), summed over sessions, priced per second from the price table.
import { describe, expect, it } from "vitest";
import { LiveUsageLog, liveCostUsd, liveUsageOf } from "../../src/live_usage";
import { readPriceTable } from "../../src/pricing";
import { live } from "./live_events";

const TABLE = readPriceTable({
  prices: {
    "gpt-live-1.1": { per_minute: 0.05, paused_per_minute: 0.02 },
    "gpt-live-1": { per_minute: 0.05 },
  },
  source: "test prices",
}).prices;

function feed(log: LiveUsageLog, ...events: Array<Record<string, unknown>>): void {
  for (const e of events) log.observe(String(e["type"]), e);
}

describe("Live usage", () => {
  it("reads seconds and, when present, the active / paused breakdown", () => {
    expect(liveUsageOf(live.usage(42))).toEqual({ seconds: 42, activeSeconds: null, pausedSeconds: null });
    expect(liveUsageOf(live.usage(42, 30, 12))).toEqual({ seconds: 42, activeSeconds: 30, pausedSeconds: 12 });
    expect(liveUsageOf({ type: "session.usage.updated", usage: {} })).toBeNull();
    expect(liveUsageOf({ type: "session.usage.updated" })).toBeNull();
  });

  it("keeps each session's latest cumulative figure: never summed within a session", () => {
    const log = new LiveUsageLog();
    feed(log, live.started(), live.usage(15), live.usage(40), live.usage(90));
    expect(log.current.seconds).toBe(90);
    expect(log.total.seconds).toBe(90);
    // session.closed carries the final usage.
    feed(log, live.closed(95));
    expect(log.total.seconds).toBe(95);
  });

  it("a new session starts a new figure; the total adds the sessions' latest figures", () => {
    const log = new LiveUsageLog();
    feed(log, live.started(), live.usage(60), live.closed(61), live.started(), live.usage(20), live.usage(30));
    expect(log.sessions.map((s) => s.seconds)).toEqual([61, 30]);
    expect(log.current.seconds).toBe(30);
    expect(log.total).toEqual({ seconds: 91, activeSeconds: null, pausedSeconds: null });
  });

  it("the total has a breakdown only when every billed session gave one", () => {
    const both = new LiveUsageLog();
    feed(both, live.started(), live.usage(60, 50, 10), live.started(), live.usage(30, 30, 0));
    expect(both.total).toEqual({ seconds: 90, activeSeconds: 80, pausedSeconds: 10 });
    const mixed = new LiveUsageLog();
    feed(mixed, live.started(), live.usage(60, 50, 10), live.started(), live.usage(30));
    expect(mixed.total).toEqual({ seconds: 90, activeSeconds: null, pausedSeconds: null });
  });

  it("usage before any session.started counts as one session; other events change nothing", () => {
    const log = new LiveUsageLog();
    expect(log.observe("session.output_transcript.delta", live.said("x", 0, 1))).toBe(false);
    expect(log.observe("session.usage.updated", live.usage(7))).toBe(true);
    expect(log.total.seconds).toBe(7);
  });

  it("prices per second at the model's per-minute rates, not rounded up to a minute", () => {
    // 90 s at $0.05/min = $0.075 (the voice-latency-cost guide's example).
    expect(liveCostUsd({ seconds: 90, activeSeconds: null, pausedSeconds: null }, "gpt-live-1.1", TABLE)).toBeCloseTo(0.075, 12);
    // 60 s active at $0.05/min + 30 s paused at $0.02/min = 0.05 + 0.01.
    expect(liveCostUsd({ seconds: 90, activeSeconds: 60, pausedSeconds: 30 }, "gpt-live-1.1", TABLE)).toBeCloseTo(0.06, 12);
    // A dated snapshot prices as its family.
    expect(liveCostUsd({ seconds: 60, activeSeconds: null, pausedSeconds: null }, "gpt-live-1.1-2026-11-20", TABLE)).toBeCloseTo(0.05, 12);
  });

  it("an unpriced model or unpriced paused time is NaN; no time costs nothing", () => {
    expect(liveCostUsd({ seconds: 10, activeSeconds: null, pausedSeconds: null }, "gpt-live-9", TABLE)).toBeNaN();
    expect(liveCostUsd({ seconds: 10, activeSeconds: 5, pausedSeconds: 5 }, "gpt-live-1", TABLE)).toBeNaN();
    expect(liveCostUsd({ seconds: 10, activeSeconds: 10, pausedSeconds: 0 }, "gpt-live-1", TABLE)).toBeCloseTo(10 / 60 * 0.05, 12);
    expect(liveCostUsd({ seconds: 0, activeSeconds: null, pausedSeconds: null }, "gpt-live-9", TABLE)).toBe(0);
  });

  it("the sessions' cost is each session priced on its own figures", () => {
    const log = new LiveUsageLog();
    feed(log, live.started(), live.usage(60, 30, 30), live.started(), live.usage(60));
    expect(log.costUsd("gpt-live-1.1", TABLE)).toBeCloseTo(0.025 + 0.01 + 0.05, 12);
  });
});
