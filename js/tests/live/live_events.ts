// GPT-Live events shaped as the SDK types them (openai 3.57, openai/types/live/*.py: every
// required field present), for the Live tests. Server events carry event_id and, for
// transcript fragments, start_ms/end_ms on the session timeline.
import type { JsonObject } from "../../src/protocol";

let n = 0;
const eventId = (): string => `event_${++n}`;

export const live = {
  started(model = "gpt-live-1.1", expiresAt = 1_900_000_000): JsonObject {
    return {
      type: "session.started",
      event_id: eventId(),
      session: { id: "sess_live_1", status: "active", model, expires_at: expiresAt, instructions: "Be brief." },
    };
  },
  heard(delta: string, startMs: number, endMs: number): JsonObject {
    return { type: "session.input_transcript.delta", event_id: eventId(), delta, start_ms: startMs, end_ms: endMs };
  },
  said(delta: string, startMs: number, endMs: number): JsonObject {
    return { type: "session.output_transcript.delta", event_id: eventId(), delta, start_ms: startMs, end_ms: endMs };
  },
  commentary(content: string, id: string | null, delegationId: string | null = null): JsonObject {
    return { type: "session.commentary.append", content, delegation_id: delegationId, ...(id ? { event_id: id } : {}) };
  },
  thinking(content: string, id: string | null): JsonObject {
    return { type: "session.thinking.append", content, delegation_id: null, ...(id ? { event_id: id } : {}) };
  },
  appended(kind: "commentary" | "thinking", clientEventId: string, atMs: number): JsonObject {
    return { type: `session.${kind}.appended`, event_id: eventId(), client_event_id: clientEventId, start_ms: atMs, end_ms: atMs };
  },
  delegated(id: string, target: "client" | "responses" | "decisions", offsetMs: number, responseId?: string): JsonObject {
    return {
      type: "session.delegation.created",
      event_id: eventId(),
      offset_ms: offsetMs,
      delegation: { id, type: "delegation", target, ...(responseId ? { response_id: responseId } : {}) },
    };
  },
  responseEvent(delegationId: string, inner: JsonObject): JsonObject {
    return { type: "response.event", event_id: eventId(), delegation_id: delegationId, event: inner };
  },
  usage(seconds: number, active?: number, paused?: number): JsonObject {
    const usage: JsonObject = { seconds };
    if (active !== undefined) usage["active_seconds"] = active;
    if (paused !== undefined) usage["paused_seconds"] = paused;
    return { type: "session.usage.updated", event_id: eventId(), usage };
  },
  closed(seconds: number, reason = "close_requested"): JsonObject {
    return {
      type: "session.closed",
      event_id: eventId(),
      reason,
      usage: { seconds },
      session: { id: "sess_live_1", status: "active", model: "gpt-live-1.1", expires_at: 1_900_000_000 },
    };
  },
  error(message: string, clientEventId: string | null, code = "invalid_value"): JsonObject {
    return {
      type: "error",
      event_id: eventId(),
      error: { type: "invalid_request_error", code, message, ...(clientEventId ? { client_event_id: clientEventId } : {}) },
    };
  },
};
