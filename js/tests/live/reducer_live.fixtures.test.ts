// The GPT-Live display reducer and usage on the shared fixtures (tests/fixtures/live/*.jsonl,
// hand-written *.expected.json), the same logs the kernel's Live reducer is tested on: every
// record, both directions (context rows are client events).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LiveUsageLog } from "../../src/live_usage";
import { readPriceTable } from "../../src/pricing";
import { isJsonObject, type JsonObject } from "../../src/protocol";
import { createDisplayState, createLiveBook, reduceLive, transcriptOf } from "../../src/reducer";
import { fixtureExpected, fixtureNames, fixtureRecords } from "../fixture_files";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "tests", "fixtures", "live");

/** Test data: pricing.PRICES' Live rows and the backend model, as the `price_table` trait carries them. */
const TABLE = readPriceTable({
  prices: {
    "gpt-live-1": { per_minute: 0.05 },
    "gpt-live-1:standby": { per_minute: 0.02 },
    "gpt-live-1.1": { per_minute: 0.05 },
    "gpt-live-1.1:standby": { per_minute: 0.02 },
    "gpt-5.5": { text_in: 5, text_cached: 0.5, text_out: 30 },
  },
  source: "test",
}).prices;

interface ExpectedRow {
  item_id: string;
  role: string;
  kind: string;
  text: string;
  status: string;
  start_ms: number;
  end_ms: number;
}

interface Expected {
  transcript: ExpectedRow[];
  usage: Array<{ kind: string; seconds: number; cost_usd: number }>;
  totals: { seconds: number; responses: number; input_tokens: number; output_tokens: number; cached_tokens: number; cost_usd: number };
}

function load(name: string): Array<{ dir: "server" | "client"; event: JsonObject }> {
  const out: Array<{ dir: "server" | "client"; event: JsonObject }> = [];
  for (const record of fixtureRecords(FIXTURES, name)) {
    const dir = record["direction"] === "client" ? "client" : "server";
    if (isJsonObject(record["event"])) out.push({ dir, event: record["event"] });
  }
  return out;
}

const names = fixtureNames(FIXTURES);

describe("Live display reducer on the shared fixtures", () => {
  it("finds the fixtures", () => {
    expect(names.length).toBeGreaterThanOrEqual(6);
  });

  for (const name of names) {
    it(name, () => {
      const expected = fixtureExpected<Expected>(FIXTURES, name);
      const state = createDisplayState();
      const book = createLiveBook();
      const usage = new LiveUsageLog();
      const records = load(name);
      for (const { dir, event } of records) {
        reduceLive(state, book, dir, event);
        if (dir === "server") usage.observe(String(event["type"]), event);
      }
      const got = transcriptOf(state).map((t) => {
        const span = book.spans.get(t.itemId);
        return { item_id: t.itemId, role: t.role, kind: t.kind, text: t.text, status: t.status, start_ms: span?.start, end_ms: span?.end };
      });
      expect(got).toEqual(
        expected.transcript.map(({ item_id, role, kind, text, status, start_ms, end_ms }) => ({ item_id, role, kind, text, status, start_ms, end_ms })),
      );
      expect(state.rev).toBe(records.length);

      // Usage: the latest cumulative seconds (never summed), the backend's tokens, the dollars.
      const t = expected.totals;
      expect(usage.seconds).toBe(t.seconds);
      expect(usage.backend.size).toBe(t.responses);
      expect(usage.backendCounts).toMatchObject({ input_tokens: t.input_tokens, output_tokens: t.output_tokens, cached_tokens: t.cached_tokens });
      const voice = usage.voiceUsd(usage.model ?? "gpt-live-1.1", TABLE);
      const voiceRows = expected.usage.filter((u) => u.kind === "voice");
      expect(voice).toBeCloseTo(voiceRows.reduce((a, u) => a + u.cost_usd, 0), 9);
      expect(voice + usage.backendUsd(TABLE)).toBeCloseTo(t.cost_usd, 9);
    });
  }
});
