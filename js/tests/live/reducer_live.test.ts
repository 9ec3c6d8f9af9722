// The GPT-Live display reducer (src/reducer/live.ts): transcript rows by speaker in delivery
// order, the context the application sent, delegations and their answers.
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
  return transcriptOf(state).map((t) => ({ role: t.role, kind: t.kind, text: t.text, status: t.status }));
}

describe("Live display reducer", () => {
  it("appends fragments in delivery order; a change of speaker starts a new row and ends the one before", () => {
    const state = run([
      ["server", live.started()],
      ["server", live.heard("What's the ", 0, 400)],
      ["server", live.heard("weather?", 400, 800)],
      ["server", live.said("It is ", 1200, 1500)],
      ["server", live.said("sunny.", 1500, 1900)],
      ["server", live.heard("Thanks.", 2500, 2900)],
    ]);
    expect(rows(state)).toEqual([
      { role: "user", kind: "audio", text: "What's the weather?", status: "complete" },
      { role: "assistant", kind: "audio", text: "It is sunny.", status: "complete" },
      // No done event exists: the open row stays partial until someone else speaks or the session ends.
      { role: "user", kind: "audio", text: "Thanks.", status: "partial" },
    ]);
  });

  it("the same speaker after a pause is still one row; an empty fragment starts none", () => {
    const state = run([
      ["server", live.said("One.", 0, 500)],
      ["server", live.said("", 500, 500)],
      ["server", live.said(" Two.", 5000, 5500)],
    ]);
    expect(rows(state)).toEqual([{ role: "assistant", kind: "audio", text: "One. Two.", status: "partial" }]);
  });

  it("session.closed ends the open row; a new session starts new rows and keeps the old ones", () => {
    const state = run([
      ["server", live.said("Bye.", 0, 300)],
      ["server", live.closed(12)],
      ["server", live.started()],
      ["server", live.said("Hello again.", 0, 600)],
    ]);
    expect(rows(state)).toEqual([
      { role: "assistant", kind: "audio", text: "Bye.", status: "complete" },
      { role: "assistant", kind: "audio", text: "Hello again.", status: "partial" },
    ]);
  });

  it("context the application sent is a row where it was sent: acknowledged by its appended event, refused by an error naming it", () => {
    const state = run([
      ["server", live.heard("Hi", 0, 200)],
      ["client", live.commentary("The user's name is Ada.", "evt_c1")],
      ["client", live.thinking("Keep answers short.", "evt_t1")],
      ["client", live.commentary("Too long.", "evt_c2")],
      ["server", live.appended("commentary", "evt_c1", 300)],
      ["server", live.appended("thinking", "evt_t1", 310)],
      ["server", live.error("Commentary is limited to 500 tokens.", "evt_c2", "content_too_long")],
      // A late acknowledgement does not undo the refusal.
      ["server", live.appended("commentary", "evt_c2", 320)],
    ]);
    expect(rows(state)).toEqual([
      // The user's row stays open: context is not a change of speaker.
      { role: "user", kind: "audio", text: "Hi", status: "partial" },
      { role: "system", kind: "commentary", text: "The user's name is Ada.", status: "complete" },
      { role: "system", kind: "thinking", text: "Keep answers short.", status: "complete" },
      { role: "system", kind: "commentary", text: "Too long.", status: "failed" },
    ]);
    expect(transcriptOf(state)[3]!.error).toBe("Commentary is limited to 500 tokens.");
  });

  it("a context event seen twice is one row; without an event_id each is its own row and stays unacknowledged", () => {
    const c = live.commentary("Once.", "evt_same");
    const state = run([
      ["client", c],
      ["client", c],
      ["client", live.commentary("No id.", null)],
      ["client", live.commentary("No id.", null)],
    ]);
    expect(rows(state).map((r) => r.text)).toEqual(["Once.", "No id.", "No id."]);
    expect(rows(state).every((r) => r.status === "partial")).toBe(true);
  });

  it("a client delegation is a row until a commentary carrying its delegation_id answers it", () => {
    const state = run([
      ["server", live.heard("Book a table.", 0, 900)],
      ["server", live.delegated("del_1", "client", 950)],
      ["server", live.delegated("del_2", "client", 960)],
      ["client", live.thinking("Still looking.", "evt_t")],
      ["client", live.commentary("Booked for 8pm.", "evt_a", "del_1")],
    ]);
    const turns = transcriptOf(state);
    expect(rows(state)).toEqual([
      { role: "user", kind: "audio", text: "Book a table.", status: "partial" },
      { role: "assistant", kind: "delegation", text: "Delegated to your application", status: "complete" },
      { role: "assistant", kind: "delegation", text: "Delegated to your application", status: "partial" },
      { role: "system", kind: "thinking", text: "Still looking.", status: "partial" },
      { role: "system", kind: "commentary", text: "Booked for 8pm.", status: "partial" },
    ]);
    expect(turns[1]!.itemId).toBe("del_1");
    expect(turns[1]!.name).toBe("client");
  });

  it("a Responses delegation ends with its response's terminal response.event", () => {
    const state = run([
      ["server", live.delegated("del_r", "responses", 100, "resp_1")],
      ["server", live.delegated("del_f", "responses", 200, "resp_2")],
      ["server", live.responseEvent("del_r", { type: "response.output_text.delta", delta: "x", response_id: "resp_1" })],
      ["server", live.responseEvent("del_r", { type: "response.completed", response: { id: "resp_1", status: "completed" } })],
      ["server", live.responseEvent("del_f", { type: "response.failed", response: { id: "resp_2", status: "failed" } })],
    ]);
    expect(rows(state)).toEqual([
      { role: "assistant", kind: "delegation", text: "Delegated to Responses", status: "complete" },
      { role: "assistant", kind: "delegation", text: "Delegated to Responses", status: "failed" },
    ]);
  });

  it("every record bumps the revision; usage and unknown events leave the rows alone", () => {
    const records: Array<[Dir, JsonObject]> = [
      ["server", live.started()],
      ["server", live.usage(15)],
      ["server", { type: "info", event_id: "e", code: "data_channel_permissions", message: "ok" }],
      ["client", { type: "session.input_audio.mute", event_id: "m" }],
    ];
    const state = run(records);
    expect(state.rev).toBe(records.length);
    expect(state.order).toEqual([]);
  });
});
