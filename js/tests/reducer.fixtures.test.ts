// The display reducer on the shared fixtures (tests/fixtures/*.jsonl with hand-written
// *.expected.json), the same sequences the Python reducer is tested on.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isJsonObject, type JsonObject } from "../src/protocol";
import { createDisplayState, heardSplit, reduceDisplay, transcriptOf } from "../src/reducer";
import { fixtureExpected, fixtureNames, fixtureRecords } from "./fixture_files";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "tests", "fixtures");

interface ExpectedRow {
  item_id: string;
  role: string;
  kind: string;
  text: string;
  status: string;
  heard_ms?: number;
  heard_text?: string;
  unheard_text?: string;
}

interface Expected {
  transcript: ExpectedRow[];
  totals: Record<string, number>;
  out_of_band?: Array<{ response_id: string }>;
}

/** Untruncated items: heard_text is the text, nothing unheard (the files spell it out only when truncated). */
function withHeardDefaults(row: ExpectedRow): Required<Omit<ExpectedRow, "heard_ms">> & { heard_ms: number | null } {
  return { heard_text: row.text, unheard_text: "", ...row, heard_ms: row.heard_ms ?? null };
}

function load(name: string): Array<JsonObject | { raw: string }> {
  const out: Array<JsonObject | { raw: string }> = [];
  for (const record of fixtureRecords(FIXTURES, name)) {
    if (record["direction"] !== "server") continue; // the browser reduces what the server sent
    if (isJsonObject(record["event"])) out.push(record["event"]);
    else if (typeof record["raw"] === "string") out.push({ raw: record["raw"] });
  }
  return out;
}

const names = fixtureNames(FIXTURES);

describe("display reducer on the shared fixtures", () => {
  it("finds the fixtures", () => {
    expect(names.length).toBeGreaterThanOrEqual(7);
  });

  for (const name of names) {
    it(name, () => {
      const expected = fixtureExpected<Expected>(FIXTURES, name);
      let state = createDisplayState();
      const events = load(name);
      for (const event of events) state = reduceDisplay(state, event);
      const got = transcriptOf(state).map((t) => {
        const { heard, unheard } = heardSplit(t.text, t.heardMs, t.audioMs);
        return {
          item_id: t.itemId,
          role: t.role,
          kind: t.kind,
          text: t.text,
          status: t.status,
          heard_ms: t.heardMs,
          heard_text: heard,
          unheard_text: unheard,
        };
      });
      expect(got).toEqual(expected.transcript.map(withHeardDefaults));
      // Out-of-band responses are no turns (the call controls' test: nor the active response).
      for (const oob of expected.out_of_band ?? []) expect(state.outOfBand.has(oob.response_id)).toBe(true);
      expect(state.outOfBand.size).toBe((expected.out_of_band ?? []).length);
      for (const id of state.outOfBandItems) expect(state.turns.has(id)).toBe(false);
      // Token totals: the event log's fixture test (event_log.test.ts).
      expect(state.rev).toBe(events.length);
    });
  }
});
