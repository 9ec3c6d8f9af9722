import { describe, expect, it } from "vitest";
import type { JsonObject } from "../src/protocol";
import { NOT_JSON, createDisplayState, reduceDisplay, transcriptOf, type DisplayState } from "../src/reducer";

function run(events: Array<JsonObject | { raw: string }>, state: DisplayState = createDisplayState()): DisplayState {
  for (const e of events) state = reduceDisplay(state, e);
  return state;
}

const rows = (s: DisplayState) => transcriptOf(s).map((t) => [t.itemId, t.role, t.kind, t.text, t.status]);

describe("display reducer", () => {
  it("shows assistant deltas as partial, then the final transcript as complete", () => {
    const s = run([
      { type: "response.created", response: { id: "r1", status: "in_progress" } },
      { type: "response.output_item.added", response_id: "r1", output_index: 0, item: { id: "a1", type: "message", role: "assistant", status: "in_progress", content: [] } },
      { type: "response.output_audio_transcript.delta", item_id: "a1", delta: "Hel" },
      { type: "response.output_audio_transcript.delta", item_id: "a1", delta: "lo" },
    ]);
    expect(rows(s)).toEqual([["a1", "assistant", "audio", "Hello", "partial"]]);
    expect(s.flags.responding).toBe(true);
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
    const s = run([
      { type: "response.output_item.added", response_id: "r1", item: { id: "a1", type: "message", role: "assistant", status: "in_progress", content: [] } },
      { type: "response.output_audio_transcript.delta", item_id: "a1", delta: "Once upon" },
      { type: "response.done", response: { id: "r1", status: "cancelled", status_details: { type: "cancelled", reason: "turn_detected" }, output: [] } },
      { type: "response.output_audio_transcript.delta", item_id: "a1", delta: " IGNORED" },
    ]);
    expect(rows(s)).toEqual([["a1", "assistant", "audio", "Once upon", "interrupted"]]);
    expect(s.flags.responding).toBe(false);
    expect(s.totals.responses).toBe(1);
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
    const s = run([
      { type: "conversation.item.created", previous_item_id: null, item: { id: "u1", type: "message", role: "user", content: [{ type: "input_text", text: "hey" }] } },
      { type: "response.text.delta", item_id: "a1", delta: "Hi" },
      { type: "response.text.done", item_id: "a1", text: "Hi!" },
    ]);
    expect(rows(s)).toEqual([
      ["u1", "user", "text", "hey", "complete"],
      ["a1", "assistant", "text", "Hi!", "complete"],
    ]);
    expect(s.counts.get("response.text.delta")).toBe(1);
  });

  it("counts event types as received, including unknown types and non-JSON messages", () => {
    const s = run([
      { type: "session.created", session: { model: "gpt-realtime" } },
      { type: "some.future_event", x: 1 },
      { type: "some.future_event", x: 2 },
      { raw: "{broken" },
    ]);
    expect(Object.fromEntries(s.counts)).toEqual({ "session.created": 1, "some.future_event": 2, [NOT_JSON]: 1 });
    expect(s.events).toBe(4);
    expect(s.flags.model).toBe("gpt-realtime");
    expect(rows(s)).toEqual([]);
  });

  it("tracks speaking and audio flags and the last server error", () => {
    const s = run([{ type: "input_audio_buffer.speech_started", item_id: "u1", audio_start_ms: 0 }]);
    expect(s.flags.userSpeaking).toBe(true);
    run([
      { type: "input_audio_buffer.speech_stopped", item_id: "u1", audio_end_ms: 900 },
      { type: "output_audio_buffer.started", response_id: "r1" },
      { type: "error", error: { type: "invalid_request_error", message: "Unknown parameter" } },
    ], s);
    expect(s.flags).toMatchObject({ userSpeaking: false, assistantAudio: true, lastServerError: "Unknown parameter" });
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
