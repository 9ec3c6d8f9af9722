// The display reducer: server events → what the view shows (transcript turns
// in conversation order). Event counts, token usage and speaking phases are the
// event log's (event_log.ts); what Interrupt can stop is call_controls.ts's.
// This module dispatches each event; its parts live in reducer/ (the state, item
// snapshots, turn updates, responses, the heard split) and are re-exported here.
//
// `reduceDisplay(state, event)` depends only on its inputs (no clock, no I/O).
// For O(1) work per event it updates `state` in place and returns it, so the
// caller owns the state and passes the result on; every change bumps `rev` and
// the changed turn's `rev`, which is how views redraw only what changed.
//
// Same rules as the Python reducer (realtime_widget/conversation/reduce.py):
// - out-of-band responses (`response.create` with conversation "none"; their
//   response.created/done carry `conversation_id: null`) are no turns: their output
//   is not shown (their usage is billed: event_log.ts);
// - a truncated item keeps all its text; `heardMs` and `heardSplit` say what was heard;
// - MCP items have their type as kind; items of unknown types too.
import { eventType, type JsonObject } from "./protocol";
import type { DisplayState } from "./reducer/display_state";
import { obj, str } from "./reducer/json_read";
import { applyOutputItem, applyResponseCreated, applyResponseDone, isOutOfBandEvent } from "./reducer/responses";
import { appendText, applyItem, ensure, remove, setStatus, upsert } from "./reducer/turn_updates";

export {
  createDisplayState,
  transcriptOf,
  type DisplayState,
  type McpKind,
  type Turn,
  type TurnKind,
  type TurnRole,
  type TurnStatus,
} from "./reducer/display_state";
export { ASSISTANT_AUDIO_MS_PER_TOKEN, SPEAKING_MS_PER_CHAR, heardSplit } from "./reducer/heard_split";
export { MCP_KINDS, fieldsOfItem, mcpText, type TurnFields } from "./reducer/item_fields";
export { isOutOfBand } from "./reducer/responses";
export { LIVE_KINDS, createLiveBook, reduceLive, type LiveBook } from "./reducer/live";

/**
 * Applies one server event (or a non-JSON message, as `{raw}`) to the display state.
 * `type`: the event's GA type name (protocol.RecordType.ga), which the controller reads
 * once per record for all its consumers; read from the event when not given.
 */
export function reduceDisplay(state: DisplayState, input: JsonObject | { raw: string }, gaType?: string): DisplayState {
  state.rev++;
  if (!("type" in input) && "raw" in input) return state;
  const event = input as JsonObject;
  const type = gaType ?? eventType(event).ga;
  switch (type) {
    case "input_audio_buffer.committed": {
      // The user's turn belongs where they spoke, even if its transcript comes late.
      const id = str(event["item_id"]);
      if (id) {
        upsert(state, id, { role: "user", kind: "audio", text: "", status: "partial" }, prevOf(event));
      }
      break;
    }
    case "conversation.item.added":
    case "conversation.item.done":
    case "conversation.item.retrieved": {
      applyItem(state, obj(event["item"]), prevOf(event), type === "conversation.item.done");
      break;
    }
    case "response.output_item.added":
    case "response.output_item.done":
      applyOutputItem(state, event, type === "response.output_item.done");
      break;
    case "conversation.item.deleted":
      remove(state, str(event["item_id"]));
      break;
    case "conversation.item.truncated": {
      // Everything received stays; heardMs says how much of it was heard.
      const turn = state.turns.get(str(event["item_id"]));
      if (turn) {
        const ms = event["audio_end_ms"];
        if (typeof ms === "number" && Number.isFinite(ms)) turn.heardMs = ms;
        setStatus(state, turn, "interrupted");
      }
      break;
    }
    case "mcp_list_tools.completed":
    case "response.mcp_call.completed": {
      const turn = state.turns.get(str(event["item_id"]));
      if (turn && turn.status === "partial") setStatus(state, turn, "complete");
      break;
    }
    case "mcp_list_tools.failed":
    case "response.mcp_call.failed": {
      const turn = state.turns.get(str(event["item_id"]));
      if (turn) {
        turn.error ??= type === "mcp_list_tools.failed" ? "MCP tool listing failed" : "MCP call failed";
        setStatus(state, turn, "failed");
      }
      break;
    }
    case "conversation.item.input_audio_transcription.delta": {
      const turn = ensure(state, str(event["item_id"]), "user", "audio");
      if (turn && turn.status === "partial") appendText(state, turn, str(event["delta"]));
      break;
    }
    case "conversation.item.input_audio_transcription.completed": {
      const turn = ensure(state, str(event["item_id"]), "user", "audio");
      if (turn) {
        turn.text = str(event["transcript"]);
        turn.status = "complete";
        turn.error = null;
        turn.rev = state.rev;
      }
      break;
    }
    case "conversation.item.input_audio_transcription.failed": {
      const turn = ensure(state, str(event["item_id"]), "user", "audio");
      if (turn) {
        const error = obj(event["error"]);
        turn.status = "failed";
        turn.error = str(error["message"]) || "transcription failed";
        turn.rev = state.rev;
      }
      break;
    }
    case "response.output_audio_transcript.delta":
    case "response.output_text.delta": {
      if (isOutOfBandEvent(state, event)) break;
      const kind = type === "response.output_text.delta" ? "text" : "audio";
      const turn = ensure(state, str(event["item_id"]), "assistant", kind);
      if (turn && turn.status === "partial") appendText(state, turn, str(event["delta"]));
      break;
    }
    case "response.output_audio_transcript.done":
    case "response.output_text.done": {
      if (isOutOfBandEvent(state, event)) break;
      const kind = type === "response.output_text.done" ? "text" : "audio";
      const turn = ensure(state, str(event["item_id"]), "assistant", kind);
      if (turn) {
        const final = str(event[kind === "text" ? "text" : "transcript"]);
        if (final || !turn.text) turn.text = final;
        if (turn.status === "partial") turn.status = "complete";
        turn.rev = state.rev;
      }
      break;
    }
    case "response.function_call_arguments.delta": {
      if (isOutOfBandEvent(state, event)) break;
      const turn = ensure(state, str(event["item_id"]), "assistant", "function_call");
      if (turn && turn.status === "partial") appendText(state, turn, str(event["delta"]));
      break;
    }
    case "response.function_call_arguments.done": {
      if (isOutOfBandEvent(state, event)) break;
      const turn = ensure(state, str(event["item_id"]), "assistant", "function_call");
      if (turn) {
        turn.text = str(event["arguments"]);
        if (typeof event["name"] === "string") turn.name = event["name"];
        if (turn.status === "partial") turn.status = "complete";
        turn.rev = state.rev;
      }
      break;
    }
    case "response.created":
      applyResponseCreated(state, obj(event["response"]));
      break;
    case "response.done":
      applyResponseDone(state, obj(event["response"]));
      break;
    default:
      break;
  }
  return state;
}

function prevOf(event: JsonObject): string | null | undefined {
  const prev = event["previous_item_id"];
  if (typeof prev === "string") return prev;
  return prev === null ? null : undefined;
}
