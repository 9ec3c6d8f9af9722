// The GPT-Live display reducer (src/reducer/live.ts) on cases the shared fixtures do not
// spell out: the rules are tests/fixtures/live/README.md's (turns on the session timeline,
// context rows, delegations, order by session, timeline, arrival).
import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../src/protocol";
import { createDisplayState, createLiveBook, reduceLive, transcriptOf, type DisplayState } from "../../src/reducer";
import { live } from "./live_events";

type Dir = "server" | "client";

function run(records: Array<[Dir, JsonObject]>): DisplayState {
  const state = createDisplayState();
  const book = createLiveBook();
  for (const [dir, event] of records) reduceLive(state, book, dir, event);
  return state;
}

function rows(state: DisplayState) {
  return transcriptOf(state).map((t) => ({ id: t.itemId, role: t.role, kind: t.kind, text: t.text, status: t.status }));
}

describe("Live display reducer", () => {
  it("a speaker's fragments join one turn until another row happens in the gap; ids are session:role@start", () => {
    const state = run([
      ["server", live.started()],
      ["server", live.said("One.", 0, 500)],
      ["server", live.said(" Two.", 5000, 5500)], // a pause, nothing else in it: the same turn
      ["server", live.heard("Three?", 6000, 6500)],
      ["server", live.said("Four.", 7000, 7500)],
    ]);
    expect(rows(state)).toEqual([
      { id: "sess_live_1:assistant@0", role: "assistant", kind: "audio", text: "One. Two.", status: "complete" },
      { id: "sess_live_1:user@6000", role: "user", kind: "audio", text: "Three?", status: "complete" },
      { id: "sess_live_1:assistant@7000", role: "assistant", kind: "audio", text: "Four.", status: "complete" },
    ]);
  });

  it("acknowledged context between two assistant fragments splits them; the row sits at its acknowledgement", () => {
    const state = run([
      ["server", live.started()],
      ["server", live.said("Let me see.", 1000, 1600)],
      ["client", live.commentary("The order shipped.", "evt_c1")],
      ["server", live.appended("commentary", "evt_c1", 1800)],
      ["server", live.said("It shipped!", 2000, 2600)],
    ]);
    expect(rows(state).map((r) => [r.id, r.kind, r.status])).toEqual([
      ["sess_live_1:assistant@1000", "audio", "complete"],
      ["evt_c1", "commentary", "complete"],
      ["sess_live_1:assistant@2000", "audio", "complete"],
    ]);
  });

  it("unacknowledged context sits where the timeline was when it was sent, and moves to its acknowledgement", () => {
    const state = createDisplayState();
    const book = createLiveBook();
    reduceLive(state, book, "server", live.started());
    reduceLive(state, book, "server", live.heard("Hi", 0, 300));
    reduceLive(state, book, "client", live.thinking("Be brief.", "evt_t"));
    reduceLive(state, book, "server", live.said("Hello", 100, 900)); // delivered late, starts earlier
    expect(transcriptOf(state).map((t) => t.itemId)).toEqual(["sess_live_1:user@0", "sess_live_1:assistant@100", "evt_t"]);
    expect(book.spans.get("evt_t")).toMatchObject({ start: 300, end: 300 });
    reduceLive(state, book, "server", live.appended("thinking", "evt_t", 50));
    expect(transcriptOf(state).map((t) => t.itemId)).toEqual(["sess_live_1:user@0", "evt_t", "sess_live_1:assistant@100"]);
    expect(state.turns.get("evt_t")!.status).toBe("complete");
  });

  it("an error naming context refuses it, and a late acknowledgement does not undo that", () => {
    const state = run([
      ["client", live.commentary("Too long.", "evt_c2")],
      ["server", live.error("Commentary is limited to 500 tokens.", "evt_c2", "content_too_long")],
      ["server", live.appended("commentary", "evt_c2", 320)],
      // An error naming nothing the reducer knows changes nothing.
      ["server", live.error("Something else.", "evt_unknown")],
    ]);
    expect(rows(state)).toEqual([{ id: "evt_c2", role: "system", kind: "commentary", text: "Too long.", status: "failed" }]);
    expect(state.turns.get("evt_c2")!.error).toBe("Commentary is limited to 500 tokens.");
  });

  it("context without an event_id makes no row (nothing could ever acknowledge it); the same event twice is one row", () => {
    const c = live.commentary("Once.", "evt_same");
    const state = run([
      ["client", c],
      ["client", c],
      ["client", live.commentary("No id.", null)],
    ]);
    expect(rows(state).map((r) => r.text)).toEqual(["Once."]);
  });

  it("a client delegation is answered when commentary carrying its id is acknowledged, not when sent, refused, or by thinking", () => {
    const state = createDisplayState();
    const book = createLiveBook();
    const apply = (dir: Dir, e: JsonObject): void => void reduceLive(state, book, dir, e);
    apply("server", live.started());
    apply("server", live.delegated("del_1", "client", 950));
    apply("server", live.delegated("del_2", "client", 960));
    const progress = live.thinking("Still looking.", "evt_p");
    progress["delegation_id"] = "del_1";
    apply("client", progress);
    apply("server", live.appended("thinking", "evt_p", 1000));
    expect(state.turns.get("del_1")!.status).toBe("partial");
    apply("client", live.commentary("Booked for 8pm.", "evt_a", "del_1"));
    expect(state.turns.get("del_1")!.status).toBe("partial");
    apply("server", live.appended("commentary", "evt_a", 1500));
    expect(state.turns.get("del_1")!.status).toBe("complete");
    // A refused answer leaves its delegation waiting.
    apply("client", live.commentary("Sorry.", "evt_b", "del_2"));
    apply("server", live.error("Unknown delegation.", "evt_b"));
    apply("server", live.appended("commentary", "evt_b", 1600));
    expect(state.turns.get("del_2")!.status).toBe("partial");
    expect(state.turns.get("evt_a")).toMatchObject({ role: "tool", kind: "delegation_output", name: "del_1" });
    expect(state.turns.get("del_1")).toMatchObject({ role: "assistant", kind: "delegation", text: "", name: "client" });
  });

  it("a Responses delegation shows its backend's text and ends with its response; Decisions are complete at once", () => {
    const state = run([
      ["server", live.delegated("del_r", "responses", 100, "resp_1")],
      ["server", live.delegated("del_f", "responses", 200, "resp_2")],
      ["server", live.delegated("del_i", "responses", 300, "resp_3")],
      ["server", live.delegated("del_d", "decisions", 400)],
      ["server", live.responseEvent("del_r", { type: "response.output_text.delta", delta: "Order #1", item_id: "m", output_index: 0, content_index: 0, sequence_number: 1, logprobs: [] })],
      ["server", live.responseEvent("del_r", { type: "response.completed", response: { id: "resp_1", status: "completed" } })],
      ["server", live.responseEvent("del_f", { type: "response.failed", response: { id: "resp_2", status: "failed" } })],
      ["server", live.responseEvent("del_i", { type: "response.incomplete", response: { id: "resp_3", status: "incomplete" } })],
    ]);
    expect(rows(state).map((r) => [r.id, r.text, r.status])).toEqual([
      ["del_r", "Order #1", "complete"],
      ["del_f", "", "failed"],
      ["del_i", "", "interrupted"],
      ["del_d", "", "complete"],
    ]);
  });

  it("a second session.started is a new session: its rows come after the first's, with its own ids", () => {
    const started2 = live.started();
    (started2["session"] as JsonObject)["id"] = "sess_live_2";
    const state = run([
      ["server", live.started()],
      ["server", live.said("Bye.", 5000, 5300)],
      ["server", live.closed(12)],
      ["server", started2],
      ["server", live.said("Hello again.", 0, 600)],
    ]);
    expect(rows(state).map((r) => r.id)).toEqual(["sess_live_1:assistant@5000", "sess_live_2:assistant@0"]);
  });

  it("an assistant turn a user turn starts inside of is interrupted, however the fragments arrive", () => {
    const state = run([
      ["server", live.started()],
      ["server", live.said("A long answer", 1000, 2000)],
      ["server", live.heard("Stop", 2500, 2800)], // after the turn's end so far: not inside yet
      ["server", live.said(" that goes on", 2000, 3000)], // the turn grows past the user's start
    ]);
    expect(rows(state).map((r) => [r.id, r.status])).toEqual([
      ["sess_live_1:assistant@1000", "interrupted"],
      ["sess_live_1:user@2500", "complete"],
    ]);
  });

  it("without session.started (a log joined mid-session) the session number stands in for its id", () => {
    const state = run([["server", live.heard("Hello?", 400, 900)]]);
    expect(rows(state).map((r) => r.id)).toEqual(["session0:user@400"]);
  });

  it("every record bumps the revision; usage, info and other client events make no rows", () => {
    const records: Array<[Dir, JsonObject]> = [
      ["server", live.started()],
      ["server", live.usage(15)],
      ["server", { type: "info", event_id: "e", code: "data_channel_permissions", message: "ok" }],
      ["client", { type: "session.input_audio.mute", event_id: "m" }],
      ["client", { type: "session.instructions.append", event_id: "i", content: "Speak French.", delegation_id: null }],
    ];
    const state = run(records);
    expect(state.rev).toBe(records.length);
    expect(state.order).toEqual([]);
  });
});
