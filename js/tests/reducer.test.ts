import { describe, expect, it } from "vitest";
import { CallControlsState } from "../src/call_controls";
import { EventLog } from "../src/event_log";
import type { JsonObject } from "../src/protocol";
import { createDisplayState, reduceDisplay, transcriptOf, type DisplayState } from "../src/reducer";

function run(events: Array<JsonObject | { raw: string }>, state: DisplayState = createDisplayState()): DisplayState {
  for (const e of events) state = reduceDisplay(state, e);
  return state;
}

/** The same server events through the call controls and the event log (the controller's other consumers). */
function others(events: Array<JsonObject | { raw: string }>): { controls: CallControlsState; log: EventLog } {
  const controls = new CallControlsState();
  const log = new EventLog();
  for (const e of events) {
    if ("raw" in e && typeof e["raw"] === "string") {
      log.push({ t: 0, dir: "server", raw: e["raw"] });
    } else {
      controls.observe(e as JsonObject);
      log.push({ t: 0, dir: "server", event: e as JsonObject });
    }
  }
  return { controls, log };
}

const rows = (s: DisplayState) => transcriptOf(s).map((t) => [t.itemId, t.role, t.kind, t.text, t.status]);

describe("display reducer", () => {
  it("shows assistant deltas as partial, then the final transcript as complete", () => {
    const events: JsonObject[] = [
      { type: "response.created", response: { id: "r1", status: "in_progress" } },
      { type: "response.output_item.added", response_id: "r1", output_index: 0, item: { id: "a1", type: "message", role: "assistant", status: "in_progress", content: [] } },
      { type: "response.output_audio_transcript.delta", item_id: "a1", delta: "Hel" },
      { type: "response.output_audio_transcript.delta", item_id: "a1", delta: "lo" },
    ];
    const s = run(events);
    expect(rows(s)).toEqual([["a1", "assistant", "audio", "Hello", "partial"]]);
    expect(others(events).controls.activeResponse).toBe("r1");
    const rev = s.turns.get("a1")!.rev;
    run([{ type: "response.output_audio_transcript.done", item_id: "a1", transcript: "Hello!" }], s);
    expect(rows(s)).toEqual([["a1", "assistant", "audio", "Hello!", "complete"]]);
    expect(s.turns.get("a1")!.rev).toBeGreaterThan(rev);
  });

  it("places a user audio turn where it was committed, before a reply that arrived first", () => {
    const s = run([
      { type: "conversation.item.added", previous_item_id: null, item: { id: "u0", type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] } },
      { type: "response.output_item.added", response_id: "r1", item: { id: "a1", type: "message", role: "assistant", status: "in_progress", content: [] } },
      // The user's audio item is announced late, anchored after u0.
      { type: "conversation.item.added", previous_item_id: "u0", item: { id: "u1", type: "message", role: "user", content: [{ type: "input_audio", transcript: null }] } },
      { type: "conversation.item.input_audio_transcription.completed", item_id: "u1", content_index: 0, transcript: "spoken" },
    ]);
    expect(rows(s).map((r) => r[0])).toEqual(["u0", "u1", "a1"]);
    expect(rows(s)[1]).toEqual(["u1", "user", "audio", "spoken", "complete"]);
  });

  it("moves an unanchored turn once its previous_item_id is known", () => {
    const s = run([
      { type: "conversation.item.added", previous_item_id: null, item: { id: "x", type: "message", role: "user", content: [{ type: "input_text", text: "x" }] } },
      { type: "conversation.item.input_audio_transcription.delta", item_id: "u1", delta: "par" },
      { type: "conversation.item.added", previous_item_id: "x", item: { id: "y", type: "message", role: "user", content: [{ type: "input_text", text: "y" }] } },
      { type: "conversation.item.added", previous_item_id: "x", item: { id: "u1", type: "message", role: "user", content: [{ type: "input_audio", transcript: null }] } },
    ]);
    expect(rows(s).map((r) => r[0])).toEqual(["x", "u1", "y"]);
    expect(rows(s)[1]).toEqual(["u1", "user", "audio", "par", "partial"]);
  });

  it("marks a failed transcription and keeps the turn in place", () => {
    const s = run([
      { type: "input_audio_buffer.committed", previous_item_id: null, item_id: "u1" },
      { type: "conversation.item.input_audio_transcription.failed", item_id: "u1", content_index: 0, error: { message: "audio too short" } },
    ]);
    expect(rows(s)).toEqual([["u1", "user", "audio", "", "failed"]]);
    expect(s.turns.get("u1")!.error).toBe("audio too short");
  });

  it("marks the parts of a cancelled response as interrupted", () => {
    const events: JsonObject[] = [
      { type: "response.output_item.added", response_id: "r1", item: { id: "a1", type: "message", role: "assistant", status: "in_progress", content: [] } },
      { type: "response.output_audio_transcript.delta", item_id: "a1", delta: "Once upon" },
      { type: "response.done", response: { id: "r1", status: "cancelled", status_details: { type: "cancelled", reason: "turn_detected" }, output: [] } },
      { type: "response.output_audio_transcript.delta", item_id: "a1", delta: " IGNORED" },
    ];
    const s = run(events);
    expect(rows(s)).toEqual([["a1", "assistant", "audio", "Once upon", "interrupted"]]);
    const { controls, log } = others([{ type: "response.created", response: { id: "r1", status: "in_progress" } }, ...events]);
    expect(controls.activeResponse).toBeNull();
    expect([...log.responses.values()].filter((r) => r.counts !== null)).toHaveLength(1);
  });

  it("shows function calls with their name and arguments", () => {
    const s = run([
      { type: "response.output_item.added", response_id: "r1", item: { id: "f1", type: "function_call", name: "get_weather", call_id: "c1", arguments: "", status: "in_progress" } },
      { type: "response.function_call_arguments.delta", item_id: "f1", delta: '{"city":' },
      { type: "response.function_call_arguments.done", item_id: "f1", name: "get_weather", arguments: '{"city": "Paris"}' },
    ]);
    expect(rows(s)).toEqual([["f1", "assistant", "function_call", '{"city": "Paris"}', "complete"]]);
    expect(s.turns.get("f1")!.name).toBe("get_weather");
  });

  it("drops deleted items", () => {
    const s = run([
      { type: "conversation.item.added", item: { id: "u1", type: "message", role: "user", content: [{ type: "input_text", text: "a" }] } },
      { type: "conversation.item.deleted", item_id: "u1" },
    ]);
    expect(rows(s)).toEqual([]);
  });

  it("reads beta names (text deltas, conversation.item.created)", () => {
    const events: JsonObject[] = [
      { type: "conversation.item.created", previous_item_id: null, item: { id: "u1", type: "message", role: "user", content: [{ type: "input_text", text: "hey" }] } },
      { type: "response.text.delta", item_id: "a1", delta: "Hi" },
      { type: "response.text.done", item_id: "a1", text: "Hi!" },
    ];
    const s = run(events);
    expect(rows(s)).toEqual([
      ["u1", "user", "text", "hey", "complete"],
      ["a1", "assistant", "text", "Hi!", "complete"],
    ]);
    // Counted as received (the inspector's list), switched on as GA.
    expect(others(events).log.seqsOfType("response.text.delta")).toHaveLength(1);
  });

  it("unknown types and non-JSON messages are no turns, but each is a change (rev)", () => {
    const s = run([
      { type: "session.created", session: { model: "gpt-realtime" } },
      { type: "some.future_event", x: 1 },
      { type: "some.future_event", x: 2 },
      { raw: "{broken" },
    ]);
    expect(s.rev).toBe(4);
    expect(rows(s)).toEqual([]);
  });

  it("is deterministic: the same events give the same transcript", () => {
    const events: JsonObject[] = [
      { type: "input_audio_buffer.committed", previous_item_id: null, item_id: "u1" },
      { type: "response.output_item.added", response_id: "r1", item: { id: "a1", type: "message", role: "assistant", status: "in_progress", content: [] } },
      { type: "response.output_audio_transcript.delta", item_id: "a1", delta: "ok" },
      { type: "conversation.item.input_audio_transcription.completed", item_id: "u1", content_index: 0, transcript: "go" },
    ];
    expect(rows(run(events))).toEqual(rows(run(events)));
    expect(rows(run(events))).toEqual([
      ["u1", "user", "audio", "go", "complete"],
      ["a1", "assistant", "audio", "ok", "partial"],
    ]);
  });
});
