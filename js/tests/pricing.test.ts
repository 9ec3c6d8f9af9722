// The view's price lookup and cost arithmetic (src/pricing.ts) follow
// realtime_widget/conversation/pricing.py exactly: the same rule, the same hand-computed
// figures as tests/conversation/test_pricing.py.
import { describe, expect, it } from "vitest";
import { costOf, lookupPrices, readPriceTable, tokenCounts, type ModelPrices } from "../src/pricing";

/** pricing.PRICES rows (read 2026-12-01) as the `price_table` trait carries them (NaN → null). */
function row(
  text_in: number | null, text_cached: number | null, text_out: number | null,
  audio_in: number | null, audio_cached: number | null, audio_out: number | null,
  image_in: number | null = null, image_cached: number | null = null, per_minute: number | null = null,
): ModelPrices {
  return { text_in, text_cached, text_out, audio_in, audio_cached, audio_out, image_in, image_cached, per_minute };
}
const perMinute = (usd: number) => row(null, null, null, null, null, null, null, null, usd);
const TABLE = readPriceTable({
  source: "test copy of pricing.PRICES",
  prices: {
    "gpt-realtime-2.1": row(4, 0.4, 24, 32, 0.4, 64, 5, 0.5),
    "gpt-realtime-2": row(4, 0.4, 24, 32, 0.4, 64, 5, 0.5),
    "gpt-realtime-1.5": row(4, 0.4, 16, 32, 0.4, 64, 5, 0.5),
    "gpt-realtime": row(4, 0.4, 16, 32, 0.4, 64, 5, 0.5),
    "gpt-realtime-2.1-mini": row(0.6, 0.06, 2.4, 10, 0.3, 20, 0.8, 0.08),
    "gpt-realtime-mini": row(0.6, 0.06, 2.4, 10, 0.3, 20, 0.8, 0.08),
    "gpt-4o-realtime-preview": row(5, 2.5, 20, 40, 2.5, 80),
    "gpt-live-transcribe": perMinute(0.017),
    "gpt-transcribe": perMinute(0.0045),
    "gpt-realtime-whisper": perMinute(0.017),
    "whisper-1": perMinute(0.006),
    "gpt-4o-transcribe": row(2.5, null, 10, 2.5, null, null),
    "gpt-4o-mini-transcribe": row(1.25, null, 5, 1.25, null, null),
  },
}).prices;

function usage(u: { text?: number; audio?: number; image?: number; cText?: number; cAudio?: number; cImage?: number; outText?: number; outAudio?: number }) {
  const [text, audio, image] = [u.text ?? 0, u.audio ?? 0, u.image ?? 0];
  const [cText, cAudio, cImage] = [u.cText ?? 0, u.cAudio ?? 0, u.cImage ?? 0];
  const [outText, outAudio] = [u.outText ?? 0, u.outAudio ?? 0];
  return {
    total_tokens: text + audio + image + outText + outAudio,
    input_tokens: text + audio + image,
    output_tokens: outText + outAudio,
    input_token_details: {
      text_tokens: text, audio_tokens: audio, image_tokens: image, cached_tokens: cText + cAudio + cImage,
      cached_tokens_details: { text_tokens: cText, audio_tokens: cAudio, image_tokens: cImage },
    },
    output_token_details: { text_tokens: outText, audio_tokens: outAudio },
  };
}

describe("lookupPrices: the same rule as pricing.lookup", () => {
  it("exact keys, and dated snapshots as their family", () => {
    expect(lookupPrices("gpt-realtime-2.1", TABLE)?.text_out).toBe(24);
    expect(lookupPrices("gpt-realtime-2.1-2027-03-01", TABLE)).toBe(TABLE["gpt-realtime-2.1"]);
    expect(lookupPrices("gpt-realtime-2.1-mini-2026-12-01", TABLE)).toBe(TABLE["gpt-realtime-2.1-mini"]);
    expect(lookupPrices("gpt-realtime-2025-08-28", TABLE)).toBe(TABLE["gpt-realtime"]);
    expect(lookupPrices("gpt-4o-realtime-preview-2024-12-17", TABLE)).toBe(TABLE["gpt-4o-realtime-preview"]);
    expect(lookupPrices("gpt-4o-mini-transcribe-2025-12-15", TABLE)).toBe(TABLE["gpt-4o-mini-transcribe"]);
  });

  it("never a longer-prefix neighbour: other unknown names have no price", () => {
    const onlyOld = { "gpt-realtime": TABLE["gpt-realtime"]!, "gpt-realtime-mini": TABLE["gpt-realtime-mini"]! };
    for (const name of ["gpt-realtime-2.1-mini", "gpt-realtime-2.1", "gpt-realtime-mini-x", "gpt-realtime-2.1-mini-2026-12-01"]) {
      expect(lookupPrices(name, onlyOld), name).toBeNull();
    }
    expect(lookupPrices("gpt-realtime-2.1-mini-beta", TABLE)).toBeNull();
    expect(lookupPrices("gpt-realtimeX", TABLE)).toBeNull();
    expect(lookupPrices("toString", TABLE)).toBeNull(); // no prototype keys
    expect(costOf(tokenCounts(usage({ text: 10 })), "gpt-realtime-3", TABLE).total_usd).toBeNaN();
  });
});

describe("costOf: the hand-computed figures of test_pricing.py", () => {
  it("a gpt-realtime-2.1-mini turn", () => {
    // uncached 72×0.60 + 50×10 = 543.2; cached 128×0.06 = 7.68; out 20×2.40 + 80×20 = 1648
    const c = costOf(tokenCounts(usage({ text: 200, cText: 128, audio: 50, outText: 20, outAudio: 80 })), "gpt-realtime-2.1-mini", TABLE);
    expect(c.input_usd).toBeCloseTo(543.2e-6, 12);
    expect(c.cached_usd).toBeCloseTo(7.68e-6, 12);
    expect(c.output_usd).toBeCloseTo(1648e-6, 12);
    expect(c.total_usd).toBeCloseTo(2198.88e-6, 12);
  });

  it("a gpt-realtime-2.1 mixed turn (text, audio, image, cached)", () => {
    // uncached 100×4 + 80×32 + 400×5 = 4960; cached 200×0.40 + 40×0.40 + 100×0.50 = 146;
    // out 50×24 + 150×64 = 10800; total 15906
    const u = usage({ text: 300, cText: 200, audio: 120, cAudio: 40, image: 500, cImage: 100, outText: 50, outAudio: 150 });
    const c = costOf(tokenCounts(u), "gpt-realtime-2.1", TABLE);
    expect([c.input_usd, c.cached_usd, c.output_usd]).toEqual([
      expect.closeTo(4960e-6, 12), expect.closeTo(146e-6, 12), expect.closeTo(10800e-6, 12),
    ]);
    expect(c.total_usd).toBeCloseTo(15906e-6, 12);
    // a dated snapshot prices as its family
    expect(costOf(tokenCounts(u), "gpt-realtime-2.1-2027-03-01", TABLE).total_usd).toBeCloseTo(15906e-6, 12);
  });

  it("duration-billed transcription: 90 s of gpt-realtime-whisper is $0.0255", () => {
    const c = costOf(tokenCounts({ type: "duration", seconds: 90 }), "gpt-realtime-whisper", TABLE);
    expect(c.total_usd).toBeCloseTo(0.0255, 12); // 1.5 min × $0.017
    expect(costOf(tokenCounts({ type: "duration", seconds: 90 }), "gpt-transcribe", TABLE).total_usd).toBeCloseTo(0.00675, 12);
  });

  it("token-billed transcription at the current model pages", () => {
    const u = { type: "tokens", input_tokens: 30, output_tokens: 8, input_token_details: { text_tokens: 10, audio_tokens: 20 } };
    // 10×2.50 + 20×2.50 + 8×10 = 155; mini: 10×1.25 + 20×1.25 + 8×5 = 77.5
    expect(costOf(tokenCounts(u), "gpt-4o-transcribe", TABLE).total_usd).toBeCloseTo(155e-6, 12);
    expect(costOf(tokenCounts(u), "gpt-4o-mini-transcribe", TABLE).total_usd).toBeCloseTo(77.5e-6, 12);
  });
});
