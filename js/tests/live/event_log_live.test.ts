// The browser's event log with GPT-Live records (src/event_log.ts): session.started starts the
// clock (its expires_at is the countdown) and names the model; usage changes redraw the panel.
import { describe, expect, it } from "vitest";
import { EventLog } from "../../src/event_log";
import { serverErrorText } from "../../src/controller/trait_reports";
import { fanOutRecord } from "../../src/controller/record_fanout";
import { createDisplayState, createLiveBook, transcriptOf } from "../../src/reducer";
import type { EventRecord, JsonObject } from "../../src/protocol";
import { live } from "./live_events";

describe("event log with GPT-Live", () => {
  it("session.started starts the session clock with its expires_at and names the model", () => {
    const log = new EventLog();
    log.push({ t: 5000, dir: "server", event: live.started("gpt-live-1", 1_800_000_000) });
    expect(log.sessionStartT).toBe(5000);
    expect(log.expiresT).toBe(1_800_000_000_000);
    expect(log.sessionModel).toBe("gpt-live-1");
    expect(log.live.model).toBe("gpt-live-1");
  });

  it("a usage update bumps usageRev (the usage panel redraws) and keeps the latest figure", () => {
    const log = new EventLog();
    log.push({ t: 1, dir: "server", event: live.started() });
    const before = log.usageRev;
    log.push({ t: 2, dir: "server", event: live.usage(12) });
    log.push({ t: 3, dir: "server", event: live.usage(20) });
    expect(log.usageRev).toBeGreaterThan(before);
    expect(log.live.seconds).toBe(20);
    const still = log.usageRev;
    log.push({ t: 4, dir: "server", event: live.said("hi", 0, 100) });
    expect(log.usageRev).toBe(still);
  });
});

describe("a Live error's text", () => {
  it("names the client event by error.client_event_id", () => {
    const text = serverErrorText(live.error("content must not be empty.", "evt_rw_3"), (id) => (id === "evt_rw_3" ? "session.instructions.append" : null));
    expect(text).toBe("The server reported an error: content must not be empty. (invalid_value) (caused by the client event session.instructions.append evt_rw_3)");
    // The Realtime API's error.event_id still names it.
    const rt = { type: "error", error: { message: "Invalid voice", code: "invalid_value", event_id: "u1" } };
    expect(serverErrorText(rt, () => "session.update")).toContain("caused by the client event session.update u1");
  });
});

describe("record fan-out with GPT-Live", () => {
  it("client context events reach the Live reducer; server errors are reported; Realtime call controls see nothing", () => {
    const display = createDisplayState();
    const errors: JsonObject[] = [];
    const observed: string[] = [];
    const played: string[] = [];
    const to = {
      batcher: { push: () => undefined },
      eventLog: new EventLog(),
      callControls: { observe: (_e: JsonObject, type: string) => void observed.push(type) },
      display,
      liveBook: createLiveBook(),
      livePlayback: { observe: (_e: JsonObject, type: string) => void played.push(type) },
      serverError: (e: JsonObject) => void errors.push(e),
    };
    const records: EventRecord[] = [
      { t: 1, dir: "server", event: live.started() },
      { t: 2, dir: "client", event: live.commentary("Context.", "evt_1") },
      { t: 3, dir: "server", event: live.error("No.", "evt_1") },
      { t: 4, dir: "server", raw: "not json" },
    ];
    for (const r of records) fanOutRecord(r, to);
    expect(transcriptOf(display).map((t) => [t.itemId, t.status])).toEqual([["evt_1", "failed"]]);
    expect(errors).toHaveLength(1);
    expect(observed).toEqual([]);
    expect(played).toEqual(["session.started", "error"]);
    expect(display.rev).toBe(records.length);
  });
});
