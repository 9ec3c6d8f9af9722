// Token counts and estimated cost, a line-by-line port of
// realtime_widget/conversation/pricing.py (token_counts, lookup, cost_of), so the
// view shows the same figures Python reports. The prices themselves are not
// here: Python ships its table in the `price_table` trait (one source of truth).
import { isJsonObject, type JsonObject } from "./protocol";

/** USD per 1M tokens; null is "unknown" (Python's NaN, which JSON cannot carry). */
export interface ModelPrices {
  text_in: number | null;
  text_cached: number | null;
  text_out: number | null;
  audio_in: number | null;
  audio_cached: number | null;
  audio_out: number | null;
  image_in: number | null;
  image_cached: number | null;
  per_minute: number | null;
}

/** The `price_table` trait. */
export interface PriceTable {
  prices: Record<string, ModelPrices>;
  /** pricing.PRICE_NOTE: which table, and as of when (the cost is an estimate). */
  source: string;
}

export interface TokenCounts {
  input_tokens: number;
  input_text_tokens: number;
  input_audio_tokens: number;
  input_image_tokens: number;
  cached_tokens: number;
  cached_text_tokens: number;
  cached_audio_tokens: number;
  cached_image_tokens: number;
  output_tokens: number;
  output_text_tokens: number;
  output_audio_tokens: number;
  total_tokens: number;
  seconds: number;
}

export const ZERO_COUNTS: Readonly<TokenCounts> = Object.freeze({
  input_tokens: 0,
  input_text_tokens: 0,
  input_audio_tokens: 0,
  input_image_tokens: 0,
  cached_tokens: 0,
  cached_text_tokens: 0,
  cached_audio_tokens: 0,
  cached_image_tokens: 0,
  output_tokens: 0,
  output_text_tokens: 0,
  output_audio_tokens: 0,
  total_tokens: 0,
  seconds: 0,
});

function int(d: unknown, key: string): number {
  if (!isJsonObject(d)) return 0;
  const v = d[key];
  return typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : 0;
}

/** pricing.token_counts: flattens a response or transcription `usage` object. */
export function tokenCounts(usage: unknown): TokenCounts {
  if (!isJsonObject(usage) || Object.keys(usage).length === 0) return { ...ZERO_COUNTS };
  if (usage["type"] === "duration") {
    const secs = usage["seconds"];
    return { ...ZERO_COUNTS, seconds: typeof secs === "number" ? secs : 0 };
  }
  // Realtime names them input/output_token_details; Responses (a GPT-Live backend) names them
  // input/output_tokens_details, with cached_tokens and reasoning_tokens (text) only.
  const ind = details(usage, "input_token_details", "input_tokens_details");
  const outd = details(usage, "output_token_details", "output_tokens_details");
  const cached = int(ind, "cached_tokens");
  const cd = ind["cached_tokens_details"];
  const inp = int(usage, "input_tokens");
  const out = int(usage, "output_tokens");
  const audioIn = int(ind, "audio_tokens");
  const imageIn = int(ind, "image_tokens");
  const textIn = "text_tokens" in ind ? int(ind, "text_tokens") : inp - audioIn - imageIn;
  const audioOut = int(outd, "audio_tokens");
  const textOut = "text_tokens" in outd ? int(outd, "text_tokens") : out - audioOut;
  let cText: number, cAudio: number, cImage: number;
  if (isJsonObject(cd) && Object.keys(cd).length > 0) {
    cText = int(cd, "text_tokens");
    cAudio = int(cd, "audio_tokens");
    cImage = int(cd, "image_tokens");
  } else {
    cText = Math.min(cached, textIn);
    cAudio = Math.min(cached - cText, audioIn);
    cImage = cached - cText - cAudio;
  }
  return {
    input_tokens: inp,
    input_text_tokens: textIn,
    input_audio_tokens: audioIn,
    input_image_tokens: imageIn,
    cached_tokens: cached,
    cached_text_tokens: cText,
    cached_audio_tokens: cAudio,
    cached_image_tokens: cImage,
    output_tokens: out,
    output_text_tokens: textOut,
    output_audio_tokens: audioOut,
    total_tokens: "total_tokens" in usage ? int(usage, "total_tokens") : inp + out,
    seconds: 0,
  };
}

function details(usage: JsonObject, realtime: string, responses: string): JsonObject {
  const d = isJsonObject(usage[realtime]) && Object.keys(usage[realtime]).length > 0 ? usage[realtime] : usage[responses];
  return isJsonObject(d) ? d : {};
}

export function addCounts(a: TokenCounts, b: TokenCounts): TokenCounts {
  const out = { ...a };
  for (const key of Object.keys(out) as Array<keyof TokenCounts>) out[key] = a[key] + b[key];
  return out;
}

const SNAPSHOT = /-\d{4}-\d{2}-\d{2}$/;

/**
 * pricing.lookup: the exact key; else, for a dated snapshot (`…-YYYY-MM-DD`), its family
 * (the name without the date). Any other unknown name is null: never a longer-prefix
 * neighbour (`gpt-realtime-2.1-mini` never prices as `gpt-realtime`).
 */
export function lookupPrices(model: string, table: Record<string, ModelPrices>): ModelPrices | null {
  if (Object.hasOwn(table, model)) return table[model] ?? null;
  const family = model.replace(SNAPSHOT, "");
  if (family !== model && Object.hasOwn(table, family)) return table[family] ?? null;
  return null;
}

export interface Cost {
  input_usd: number;
  cached_usd: number;
  output_usd: number;
  /** NaN when some used token kind has no price (as in Python). */
  total_usd: number;
}

function cost(input: number, cached: number, output: number): Cost {
  return { input_usd: input, cached_usd: cached, output_usd: output, total_usd: input + cached + output };
}

const NAN_COST: Cost = cost(NaN, NaN, NaN);

function mul(tokens: number, price: number | null): number {
  // 0 tokens of an unpriced kind cost nothing; only tokens actually used make it unknown.
  return tokens === 0 ? 0 : tokens * (price ?? NaN);
}

/** pricing.cost_of: estimated cost of one response or transcription, NaN when unpriced. */
export function costOf(counts: TokenCounts, model: string | null, table: Record<string, ModelPrices>): Cost {
  const p = model ? lookupPrices(model, table) : null;
  // Python returns NaN for an unpriced model whatever the counts; so do we.
  if (!p) return NAN_COST;
  if (counts.seconds) return cost((counts.seconds / 60) * (p.per_minute ?? NaN), 0, 0);
  return cost(
    (mul(counts.input_text_tokens - counts.cached_text_tokens, p.text_in) +
      mul(counts.input_audio_tokens - counts.cached_audio_tokens, p.audio_in) +
      mul(counts.input_image_tokens - counts.cached_image_tokens, p.image_in)) /
      1e6,
    (mul(counts.cached_text_tokens, p.text_cached) +
      mul(counts.cached_audio_tokens, p.audio_cached) +
      mul(counts.cached_image_tokens, p.image_cached)) /
      1e6,
    (mul(counts.output_text_tokens, p.text_out) + mul(counts.output_audio_tokens, p.audio_out)) / 1e6,
  );
}

/** The `price_table` trait, checked (a malformed table prices nothing rather than throwing). */
export function readPriceTable(value: unknown): PriceTable {
  if (!isJsonObject(value) || !isJsonObject(value["prices"])) return { prices: {}, source: "" };
  const prices: Record<string, ModelPrices> = {};
  for (const [model, row] of Object.entries(value["prices"])) {
    if (!isJsonObject(row)) continue;
    const n = (k: string): number | null => (typeof row[k] === "number" ? (row[k] as number) : null);
    prices[model] = {
      text_in: n("text_in"),
      text_cached: n("text_cached"),
      text_out: n("text_out"),
      audio_in: n("audio_in"),
      audio_cached: n("audio_cached"),
      audio_out: n("audio_out"),
      image_in: n("image_in"),
      image_cached: n("image_cached"),
      per_minute: n("per_minute"),
    };
  }
  return { prices, source: typeof value["source"] === "string" ? value["source"] : "" };
}
