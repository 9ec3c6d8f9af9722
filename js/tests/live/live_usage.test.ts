// GPT-Live usage (src/live_usage.ts): cumulative seconds per session (the latest figure
// replaces the one before), summed over sessions, priced per second at the model's active
// rate and its ":standby" row; a delegated backend's responses priced by tokens.
import { describe, expect, it } from "vitest";
import { LiveUsageLog, liveUsageOf, standbyMeter, voiceCostUsd } from "../../src/live_usage";
import { readPriceTable } from "../../src/pricing";
import { live } from "./live_events";

/** Test data: the Live rows of pricing.PRICES as the `price_table` trait carries them. */
const TABLE = readPriceTable({
  prices: {
    "gpt-live-1.1": { per_minute: 0.05 },
    "gpt-live-1.1:standby": { per_minute: 0.02 },
    "gpt-live-1": { per_minute: 0.05 },
    "gpt-5.5": { text_in: 5, text_cached: 0.5, text_out: 30 },
  },
  source: "test prices",
}).prices;

function feed(log: LiveUsageLog, ...events: Array<Record<string, unknown>>): void {
  for (const e of events) log.observe(String(e["type"]), e);
}

describe("Live usage", () => {
  it("reads seconds and the paused part (within 0…seconds) when the session reports it", () => {
    expect(liveUsageOf(live.usage(42))).toEqual({ seconds: 42, standbySeconds: 0, broken: false });
    expect(liveUsageOf(live.usage(42, 30, 12))).toEqual({ seconds: 42, standbySeconds: 12, broken: true });
    expect(liveUsageOf(live.usage(10, 0, 99))).toEqual({ seconds: 10, standbySeconds: 10, broken: true });
    expect(liveUsageOf({ type: "session.usage.updated", usage: {} })).toBeNull();
    expect(liveUsageOf({ type: "session.usage.updated" })).toBeNull();
  });

  it("keeps each session's latest cumulative figure: never summed within a session", () => {
    const log = new LiveUsageLog();
    feed(log, live.started(), live.usage(15), live.usage(40), live.usage(90));
    expect(log.current.seconds).toBe(90);
    expect(log.seconds).toBe(90);
    feed(log, live.closed(95)); // session.closed carries the final usage
    expect(log.seconds).toBe(95);
    expect(log.model).toBe("gpt-live-1.1");
  });

  it("a second session.started is a new session; the total adds the sessions' latest figures", () => {
    const log = new LiveUsageLog();
    feed(log, live.started(), live.usage(60), live.closed(61), live.started(), live.usage(20, 10, 10), live.usage(30, 20, 10));
    expect(log.sessions.map((s) => s.seconds)).toEqual([61, 30]);
    expect(log.seconds).toBe(91);
    expect(log.standbySeconds).toBe(10);
  });

  it("usage before any session.started is the first session (a log joined late)", () => {
    const log = new LiveUsageLog();
    expect(log.observe("session.output_transcript.delta", live.said("x", 0, 1))).toBe(false);
    expect(log.observe("session.usage.updated", live.usage(7))).toBe(true);
    feed(log, live.started(), live.usage(9));
    expect(log.sessions.map((s) => s.seconds)).toEqual([9]);
  });

  it("prices per second at the per-minute rates, not rounded up to a minute; paused time at the standby row", () => {
    // 90 s at $0.05/min = $0.075 (the voice-latency-cost guide's example).
    expect(voiceCostUsd({ seconds: 90, standbySeconds: 0, broken: false }, "gpt-live-1.1", TABLE)).toBeCloseTo(0.075, 12);
    // 60 s active at $0.05/min + 30 s paused at $0.02/min = 0.05 + 0.01.
    expect(voiceCostUsd({ seconds: 90, standbySeconds: 30, broken: true }, "gpt-live-1.1", TABLE)).toBeCloseTo(0.06, 12);
    // A dated snapshot prices as its family, standby too.
    expect(standbyMeter("gpt-live-1.1-2026-11-20")).toBe("gpt-live-1.1:standby");
    expect(voiceCostUsd({ seconds: 90, standbySeconds: 30, broken: true }, "gpt-live-1.1-2026-11-20", TABLE)).toBeCloseTo(0.06, 12);
  });

  it("time at a rate the table lacks is NaN; no time costs nothing", () => {
    expect(voiceCostUsd({ seconds: 10, standbySeconds: 0, broken: false }, "gpt-live-9", TABLE)).toBeNaN();
    expect(voiceCostUsd({ seconds: 10, standbySeconds: 5, broken: true }, "gpt-live-1", TABLE)).toBeNaN(); // no gpt-live-1:standby row here
    expect(voiceCostUsd({ seconds: 10, standbySeconds: 0, broken: true }, "gpt-live-1", TABLE)).toBeCloseTo((10 / 60) * 0.05, 12);
    expect(voiceCostUsd({ seconds: 0, standbySeconds: 0, broken: false }, "gpt-live-9", TABLE)).toBe(0);
  });

  it("a delegated backend's ended responses are billed by tokens at their model, once each", () => {
    const log = new LiveUsageLog();
    const done = live.responseEvent("dlg_1", {
      type: "response.completed",
      sequence_number: 3,
      response: {
        id: "resp_b1",
        model: "gpt-5.5",
        status: "completed",
        usage: { input_tokens: 500, input_tokens_details: { cached_tokens: 100 }, output_tokens: 40, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 540 },
      },
    });
    expect(log.observe("response.event", live.responseEvent("dlg_1", { type: "response.output_text.delta", delta: "x" }))).toBe(false);
    expect(log.observe("response.event", done)).toBe(true);
    expect(log.observe("response.event", done)).toBe(false);
    expect(log.backendCounts).toMatchObject({ input_tokens: 500, cached_tokens: 100, output_tokens: 40, total_tokens: 540 });
    // 400 × $5 + 100 × $0.50 + 40 × $30 per 1M = $0.00325.
    expect(log.backendUsd(TABLE)).toBeCloseTo(0.00325, 12);
  });
});
