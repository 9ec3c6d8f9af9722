// The browser's event log (src/event_log.ts) and the cost arithmetic on the shared
// fixtures (tests/fixtures/*.jsonl): the same figures Python reports.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { EventRecord, JsonObject } from "../src/protocol";
import { isoTime, MAX_RECORDS, SESSION_LIMIT_MS, EventLog } from "../src/event_log";
import { costOf, lookupPrices, readPriceTable, tokenCounts, type ModelPrices } from "../src/pricing";
import { usageFigures } from "../src/view/usage_panel";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "tests", "fixtures");

/** Test data: pricing.PRICES rows as Python's `price_table` trait carries them (NaN → null). */
function row(text_in: number | null, text_cached: number | null, text_out: number | null, audio_in: number | null, audio_cached: number | null, audio_out: number | null, per_minute: number | null = null): ModelPrices {
  return { text_in, text_cached, text_out, audio_in, audio_cached, audio_out, image_in: null, image_cached: null, per_minute };
}
const TRAIT = {
  source: "test table (realtime-api.md §8)",
  prices: {
    "gpt-realtime-2.1": { ...row(4, 0.4, 24, 32, 0.4, 64), image_in: 5, image_cached: 0.5 },
    "gpt-realtime": { ...row(4, 0.4, 16, 32, 0.4, 64), image_in: 5, image_cached: 0.5 },
    "gpt-realtime-mini": row(0.6, 0.06, 2.4, 10, 0.3, 20),
    "gpt-4o-realtime-preview": row(5, 2.5, 20, 40, 2.5, 80),
    "gpt-4o-transcribe": row(2.5, null, 10, 2.5, null, null),
    "gpt-4o-mini-transcribe": row(1.25, null, 5, 1.25, null, null),
    "whisper-1": row(null, null, null, null, null, null, 0.006),
    "gpt-live-transcribe": row(null, null, null, null, null, null, 0.017),
  },
};
const TABLE = readPriceTable(TRAIT);

function records(name: string): EventRecord[] {
  const out: EventRecord[] = [];
  for (const line of readFileSync(join(FIXTURES, `${name}.jsonl`), "utf8").split("\n")) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as JsonObject;
    const t = Date.parse(String(r["time"]));
    const dir = r["direction"] === "client" ? "client" : "server";
    out.push("event" in r ? { t, dir, event: r["event"] as JsonObject } : { t, dir, raw: String(r["raw"]) });
  }
  return out;
}

function replay(name: string): EventLog {
  const log = new EventLog();
  for (const r of records(name)) log.push(r);
  return log;
}

const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".expected.json"))
  .map((f) => f.slice(0, -".expected.json".length));

describe("usage and cost as Python computes them", () => {
  for (const name of names) {
    it(`${name}: session dollars equal the hand-computed cost_usd`, () => {
      const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), "utf8")) as { totals: Record<string, number> };
      const log = replay(name);
      const f = usageFigures(log, TABLE, "gpt-realtime");
      expect(f.sessionUsd).toBeCloseTo(expected.totals["cost_usd"]!, 12);
      expect(f.session.input_tokens).toBe(expected.totals["input_tokens"]);
      expect(f.session.output_tokens).toBe(expected.totals["output_tokens"]);
      expect(f.session.cached_tokens).toBe(expected.totals["cached_tokens"]);
      expect(f.session.total_tokens).toBe(expected.totals["total_tokens"]);
      // Every response is billed, out-of-band ones too.
      expect([...log.responses.values()].filter((r) => r.counts !== null)).toHaveLength(expected.totals["responses"]!);
      expect(log.size).toBe(records(name).length);
    });
  }

  it("splits the documented usage example like pricing.token_counts", () => {
    const c = tokenCounts({
      total_tokens: 253, input_tokens: 132, output_tokens: 121,
      input_token_details: { text_tokens: 119, audio_tokens: 13, image_tokens: 0, cached_tokens: 64, cached_tokens_details: { text_tokens: 64, audio_tokens: 0, image_tokens: 0 } },
      output_token_details: { text_tokens: 30, audio_tokens: 91 },
    });
    expect(c).toMatchObject({ input_text_tokens: 119, input_audio_tokens: 13, cached_text_tokens: 64, output_text_tokens: 30, output_audio_tokens: 91, total_tokens: 253 });
    // (119-64)*4 + 13*32 + 64*0.4 + 30*16 + 91*64 per 1M
    expect(costOf(c, "gpt-realtime", TABLE.prices).total_usd).toBeCloseTo((55 * 4 + 13 * 32 + 64 * 0.4 + 30 * 16 + 91 * 64) / 1e6, 12);
  });

  it("without a cached split, takes cached tokens as text first, then audio", () => {
    const c = tokenCounts({ input_tokens: 100, output_tokens: 0, input_token_details: { text_tokens: 10, audio_tokens: 90, cached_tokens: 30 } });
    expect([c.cached_text_tokens, c.cached_audio_tokens, c.cached_image_tokens]).toEqual([10, 20, 0]);
  });

  it("looks dated snapshots up by their family (the name without the date), nothing else", () => {
    expect(lookupPrices("gpt-realtime-2025-08-28", TABLE.prices)?.text_in).toBe(4);
    expect(lookupPrices("gpt-realtime-mini-2025-10-06", TABLE.prices)?.text_in).toBe(0.6);
    expect(lookupPrices("gpt-realtimeX", TABLE.prices)).toBeNull();
  });

  it("an unpriced model or token kind makes the cost unknown (NaN), zero unpriced tokens cost nothing", () => {
    const c = tokenCounts({ input_tokens: 10, output_tokens: 0, input_token_details: { text_tokens: 10 } });
    expect(costOf(c, "my-finetune", TABLE.prices).total_usd).toBeNaN();
    expect(costOf(c, "gpt-realtime-mini", TABLE.prices).total_usd).toBeCloseTo(6e-6, 15);
    const image = tokenCounts({ input_tokens: 5, output_tokens: 0, input_token_details: { text_tokens: 0, image_tokens: 5 } });
    expect(costOf(image, "gpt-realtime-mini", TABLE.prices).total_usd).toBeNaN();
  });

  it("a malformed trait prices nothing instead of throwing", () => {
    expect(readPriceTable(null).prices).toEqual({});
    expect(readPriceTable({ prices: { m: "x" } }).prices).toEqual({});
  });
});

describe("event log", () => {
  it("counts event types as received, including unknown types and non-JSON messages", () => {
    const log = new EventLog();
    const server = (event: JsonObject): void => log.push({ t: 0, dir: "server", event });
    server({ type: "session.created", session: { model: "gpt-realtime" } });
    server({ type: "some.future_event", x: 1 });
    server({ type: "some.future_event", x: 2 });
    server({ x: 3 });
    log.push({ t: 0, dir: "server", raw: "{broken" });
    log.push({ t: 0, dir: "client", raw: "{also broken" });
    const counts = Object.fromEntries([...log.byType].map(([type, seqs]) => [type, seqs.length]));
    expect(counts).toEqual({ "session.created": 1, "some.future_event": 2, "(no type)": 1, "(not JSON)": 1, "(client, not JSON)": 1 });
    expect(log.size).toBe(6);
    expect(log.sessionModel).toBe("gpt-realtime");
  });

  it("tracks who speaks; a server error ends thinking", () => {
    const log = new EventLog();
    const server = (event: JsonObject): void => log.push({ t: 0, dir: "server", event });
    server({ type: "input_audio_buffer.speech_started", item_id: "u1", audio_start_ms: 0 });
    expect(log.phase).toEqual({ userSpeaking: true, modelSpeaking: false, thinking: false });
    server({ type: "input_audio_buffer.speech_stopped", item_id: "u1", audio_end_ms: 900 });
    expect(log.phase).toEqual({ userSpeaking: false, modelSpeaking: false, thinking: true });
    server({ type: "output_audio_buffer.started", response_id: "r1" });
    server({ type: "input_audio_buffer.speech_started", item_id: "u2", audio_start_ms: 1000 });
    server({ type: "input_audio_buffer.speech_stopped", item_id: "u2", audio_end_ms: 1900 });
    expect(log.phase).toEqual({ userSpeaking: false, modelSpeaking: true, thinking: true });
    server({ type: "error", error: { type: "invalid_request_error", message: "Unknown parameter" } });
    expect(log.phase).toEqual({ userSpeaking: false, modelSpeaking: true, thinking: false });
  });

  it("latency per assistant turn is from the end of speech to the first reply delta (w.latency to_first_delta_ms)", () => {
    const recs = records("voice_turn");
    const log = replay("voice_turn");
    const stopped = recs.find((r) => "event" in r && r.event["type"] === "input_audio_buffer.speech_stopped")!;
    const firstDelta = recs.find((r) => "event" in r && r.event["type"] === "response.output_audio_transcript.delta")!;
    expect(log.latencyOfItem("item_A1")).toBe(firstDelta.t - stopped.t);
    expect(log.latencyOfItem("item_U1")).toBeNull();
    expect(log.itemFirstT.get("item_U1")).toBe(recs.find((r) => "event" in r && r.event["item_id"] === "item_U1")!.t);
  });

  it("a typed message starts latency at the client's conversation.item.create", () => {
    const recs = records("text_turn");
    const log = replay("text_turn");
    const create = recs.find((r) => r.dir === "client" && "event" in r && r.event["type"] === "conversation.item.create")!;
    const delta = recs.find((r) => "event" in r && r.event["type"] === "response.output_text.delta")!;
    const itemId = String((delta as { event: JsonObject }).event["item_id"]);
    expect(log.latencyOfItem(itemId)).toBe(delta.t - create.t);
  });

  it("an out-of-band response is billed but is never the last turn nor a turn's latency", () => {
    const log = replay("out_of_band");
    // resp_oob1 finished between resp_1's start and its end; the last turn is still resp_1.
    expect(log.lastTurn?.responseId).toBe("resp_1");
    expect(log.responses.get("resp_oob1")?.triggerT).toBeNull();
    expect(log.responses.get("resp_1")?.triggerT).not.toBeNull();
    const billed = log.sessionTokens().responses;
    const oob = log.responses.get("resp_oob1")?.counts;
    expect(oob && oob.total_tokens).toBeGreaterThan(0);
    expect(billed.total_tokens).toBe((log.responses.get("resp_1")?.counts?.total_tokens ?? 0) + (oob?.total_tokens ?? 0));

    // A judge that starts right after a typed message and ends after the answer does not take
    // the message's latency trigger and does not become the last turn.
    const live = new EventLog();
    const usage = { total_tokens: 10, input_tokens: 8, output_tokens: 2 };
    const push = (t: number, dir: "server" | "client", event: JsonObject): void => live.push({ t, dir, event });
    push(1000, "client", { type: "conversation.item.create", item: { type: "message", role: "user", content: [] } });
    push(1010, "server", { type: "response.created", response: { id: "judge", conversation_id: null } });
    push(1020, "server", { type: "response.created", response: { id: "answer", conversation_id: "conv_1" } });
    push(1300, "server", { type: "response.done", response: { id: "answer", conversation_id: "conv_1", usage } });
    push(1400, "server", { type: "response.done", response: { id: "judge", conversation_id: null, usage } });
    expect(live.responses.get("answer")?.triggerT).toBe(1000);
    expect(live.responses.get("judge")?.triggerT).toBeNull();
    expect(live.lastTurn?.responseId).toBe("answer");
    expect(live.sessionTokens().responses.total_tokens).toBe(20);
  });

  it("thinks only when a response is asked for: not for re-inserted context or an out-of-band response", () => {
    const log = new EventLog();
    const push = (t: number, event: JsonObject): void => log.push({ t, dir: "client", event });
    const user = { type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] };
    // A reconnect re-inserts the earlier turns and asks for nothing.
    push(1000, { type: "conversation.item.create", item: user });
    push(1001, { type: "conversation.item.create", item: { type: "message", role: "assistant", content: [] } });
    expect(log.phase.thinking).toBe(false);
    push(1002, { type: "response.create", response: { conversation: "none", metadata: { purpose: "judge" } } });
    expect(log.phase.thinking).toBe(false);
    // A typed message: latency runs from the message, thinking from the request.
    push(2000, { type: "conversation.item.create", item: user });
    push(2001, { type: "response.create" });
    expect(log.phase.thinking).toBe(true);
    log.push({ t: 2300, dir: "server", event: { type: "response.created", response: { id: "r1", conversation_id: "conv_1" } } });
    expect(log.phase.thinking).toBe(false);
    expect(log.responses.get("r1")?.triggerT).toBe(2000);
  });

  it("tracks speaking, thinking and the voice lock through a barge-in", () => {
    const log = new EventLog();
    const seen: string[] = [];
    const snap = (): void => {
      const p = log.phase;
      seen.push(`${p.userSpeaking ? "U" : "-"}${p.thinking ? "T" : "-"}${p.modelSpeaking ? "M" : "-"}`);
    };
    for (const r of records("barge_in")) {
      const before = JSON.stringify(log.phase);
      log.push(r);
      if (JSON.stringify(log.phase) !== before) snap();
    }
    // speak; think until response.created; the model speaks; the user speaks over it; its audio is cleared
    expect(seen.slice(0, 6)).toEqual(["U--", "-T-", "---", "--M", "U-M", "U--"]);
    expect(log.modelSpoke).toBe(true);
    expect(log.heardMs.get("item_A1")).toBe(1500);
  });

  it("session.created starts the clock; expires_at from the server wins over the 60-minute default", () => {
    const log = new EventLog();
    log.push({ t: 1_000_000, dir: "server", event: { type: "session.created", session: { model: "gpt-realtime" } } });
    expect(log.sessionStartT).toBe(1_000_000);
    expect(log.expiresT).toBe(1_000_000 + SESSION_LIMIT_MS);
    log.push({ t: 2_000_000, dir: "server", event: { type: "session.created", session: { expires_at: 5000 } } });
    expect(log.sessionStartT).toBe(2_000_000);
    expect(log.expiresT).toBe(5_000_000);
    expect(log.modelSpoke).toBe(false);
  });

  it("a turn's events are its item's and its response's", () => {
    const log = replay("voice_turn");
    const types = log.seqsOfItem("item_A1").map((s) => {
      const r = log.record(s)!;
      return "event" in r ? r.event["type"] : "raw";
    });
    expect(types).toContain("response.created");
    expect(types).toContain("response.done");
    expect(types).toContain("response.output_audio_transcript.delta");
    expect(types).not.toContain("input_audio_buffer.speech_started");
  });

  it("writes JSONL in the package's format (time with microseconds, direction, event | raw), secrets masked", () => {
    const log = new EventLog();
    log.push({ t: Date.UTC(2026, 2, 1, 12, 0, 0, 123) + 0.456, dir: "server", event: { type: "x", note: "ek_abcdef123" } });
    log.push({ t: Date.UTC(2026, 2, 1, 12, 0, 1), dir: "server", raw: "oops" });
    const lines = log.toJsonl().trimEnd().split("\n").map((l) => JSON.parse(l) as JsonObject);
    expect(lines[0]).toEqual({ time: "2026-03-01T12:00:00.123456+00:00", direction: "server", event: { type: "x", note: "ek_…" } });
    expect(lines[1]).toEqual({ time: "2026-03-01T12:00:01.000000+00:00", direction: "server", raw: "oops" });
    expect(isoTime(0)).toBe("1970-01-01T00:00:00.000000+00:00");
  });

  it("keeps at most MAX_RECORDS records; indexes skip the dropped ones", () => {
    const log = new EventLog();
    for (let i = 0; i < MAX_RECORDS + 5; i++) log.push({ t: i, dir: "server", event: { type: i % 2 ? "odd" : "even" } });
    expect(log.size).toBeLessThanOrEqual(MAX_RECORDS);
    expect(log.dropped + log.size).toBe(MAX_RECORDS + 5);
    const odd = log.seqsOfType("odd");
    expect(odd[0]).toBeGreaterThanOrEqual(log.dropped);
    expect(log.record(odd[0]!)).toMatchObject({ event: { type: "odd" } });
    expect(log.toJsonl().split("\n").length - 1).toBe(log.size);
  });
});
