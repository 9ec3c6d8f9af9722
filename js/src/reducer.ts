// The display reducer: server events → what the view shows (transcript turns
// in conversation order, event type counts, token totals, status flags).
//
// `reduceDisplay(state, event)` depends only on its inputs (no clock, no I/O).
// For O(1) work per event it updates `state` in place and returns it, so the
// caller owns the state and passes the result on; every change bumps `rev` and
// the changed turn's `rev`, which is how views redraw only what changed.
import { isJsonObject, type JsonObject } from "./protocol";

export type TurnRole = "user" | "assistant" | "system" | "tool";
export type TurnKind = "audio" | "text" | "function_call" | "function_output";
export type TurnStatus = "complete" | "partial" | "interrupted" | "failed";

export interface Turn {
  itemId: string;
  role: TurnRole;
  kind: TurnKind;
  text: string;
  status: TurnStatus;
  /** Function name for function calls. */
  name: string | null;
  /** Why a transcription failed. */
  error: string | null;
  /** state.rev when this turn last changed. */
  rev: number;
}

export interface DisplayTotals {
  responses: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cached_tokens: number;
}

export interface DisplayFlags {
  userSpeaking: boolean;
  responding: boolean;
  assistantAudio: boolean;
  lastServerError: string | null;
  model: string | null;
}

export interface DisplayState {
  turns: Map<string, Turn>;
  order: string[];
  /** Turns placed without an anchor (previous_item_id) may move once one arrives. */
  unanchored: Set<string>;
  /** Turns whose kind is a guess until a delta or a snapshot with content says. */
  kindUnknown: Set<string>;
  /** response id → ids of its output items (to mark them when the response is cancelled). */
  responseItems: Map<string, string[]>;
  counts: Map<string, number>;
  totals: DisplayTotals;
  flags: DisplayFlags;
  events: number;
  rev: number;
  /** state.rev when the order of turns last changed. */
  orderRev: number;
}

export const NOT_JSON = "(not JSON)";

export function createDisplayState(): DisplayState {
  return {
    turns: new Map(),
    order: [],
    unanchored: new Set(),
    kindUnknown: new Set(),
    responseItems: new Map(),
    counts: new Map(),
    totals: { responses: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, cached_tokens: 0 },
    flags: { userSpeaking: false, responding: false, assistantAudio: false, lastServerError: null, model: null },
    events: 0,
    rev: 0,
    orderRev: 0,
  };
}

/** Beta event names the display understands, mapped to their GA names. */
const BETA_NAMES: Record<string, string> = {
  "conversation.item.created": "conversation.item.added",
  "response.audio_transcript.delta": "response.output_audio_transcript.delta",
  "response.audio_transcript.done": "response.output_audio_transcript.done",
  "response.text.delta": "response.output_text.delta",
  "response.text.done": "response.output_text.done",
  "response.audio.delta": "response.output_audio.delta",
  "response.audio.done": "response.output_audio.done",
};

export function gaEventName(type: string): string {
  return BETA_NAMES[type] ?? type;
}

/** Applies one server event (or a non-JSON message, as `{raw}`) to the display state. */
export function reduceDisplay(state: DisplayState, input: JsonObject | { raw: string }): DisplayState {
  state.rev++;
  state.events++;
  if (!("type" in input) && "raw" in input) {
    bump(state.counts, NOT_JSON);
    return state;
  }
  const event = input as JsonObject;
  const received = typeof event["type"] === "string" ? event["type"] : "(no type)";
  bump(state.counts, received);
  const type = gaEventName(received);

  switch (type) {
    case "session.created":
    case "session.updated": {
      const session = obj(event["session"]);
      if (typeof session["model"] === "string") state.flags.model = session["model"];
      break;
    }
    case "error": {
      const error = obj(event["error"]);
      state.flags.lastServerError = str(error["message"]) || str(error["code"]) || "error";
      break;
    }
    case "input_audio_buffer.speech_started":
      state.flags.userSpeaking = true;
      break;
    case "input_audio_buffer.speech_stopped":
      state.flags.userSpeaking = false;
      break;
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
      applyItem(state, obj(event["item"]), prevOf(event));
      break;
    }
    case "response.output_item.added":
    case "response.output_item.done": {
      const item = obj(event["item"]);
      applyItem(state, item, undefined);
      const responseId = str(event["response_id"]);
      const itemId = str(item["id"]);
      if (responseId && itemId) {
        const ids = state.responseItems.get(responseId) ?? [];
        if (!ids.includes(itemId)) ids.push(itemId);
        state.responseItems.set(responseId, ids);
      }
      break;
    }
    case "conversation.item.deleted":
      remove(state, str(event["item_id"]));
      break;
    case "conversation.item.truncated": {
      const turn = state.turns.get(str(event["item_id"]));
      if (turn) setStatus(state, turn, "interrupted");
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
      const kind = type === "response.output_text.delta" ? "text" : "audio";
      const turn = ensure(state, str(event["item_id"]), "assistant", kind);
      if (turn && turn.status === "partial") appendText(state, turn, str(event["delta"]));
      break;
    }
    case "response.output_audio_transcript.done":
    case "response.output_text.done": {
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
      const turn = ensure(state, str(event["item_id"]), "assistant", "function_call");
      if (turn && turn.status === "partial") appendText(state, turn, str(event["delta"]));
      break;
    }
    case "response.function_call_arguments.done": {
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
      state.flags.responding = true;
      break;
    case "response.done":
      applyResponseDone(state, obj(event["response"]));
      break;
    case "output_audio_buffer.started":
      state.flags.assistantAudio = true;
      break;
    case "output_audio_buffer.stopped":
    case "output_audio_buffer.cleared":
      state.flags.assistantAudio = false;
      break;
    default:
      break;
  }
  return state;
}

/** The transcript turns in conversation order. */
export function transcriptOf(state: DisplayState): Turn[] {
  const out: Turn[] = [];
  for (const id of state.order) {
    const turn = state.turns.get(id);
    if (turn) out.push(turn);
  }
  return out;
}

// ---------------------------------------------------------------- helpers

interface TurnFields {
  role: TurnRole;
  /** null: the item has no content yet (a message at response.output_item.added). */
  kind: TurnKind | null;
  text: string;
  status: TurnStatus;
  name?: string | null;
}

function applyResponseDone(state: DisplayState, response: JsonObject): void {
  state.flags.responding = false;
  state.totals.responses++;
  const usage = obj(response["usage"]);
  state.totals.input_tokens += num(usage["input_tokens"]);
  state.totals.output_tokens += num(usage["output_tokens"]);
  state.totals.total_tokens += num(usage["total_tokens"]);
  state.totals.cached_tokens += num(obj(usage["input_token_details"])["cached_tokens"]);
  const output = Array.isArray(response["output"]) ? response["output"] : [];
  for (const item of output) applyItem(state, obj(item), undefined);
  const status = str(response["status"]);
  if (status === "cancelled" || status === "incomplete" || status === "failed") {
    // Whatever this response left unfinished was cut off.
    for (const id of state.responseItems.get(str(response["id"])) ?? []) {
      const turn = state.turns.get(id);
      if (turn && turn.status === "partial") setStatus(state, turn, "interrupted");
    }
  }
  state.responseItems.delete(str(response["id"]));
}

function applyItem(state: DisplayState, item: JsonObject, prev: string | null | undefined): void {
  const id = str(item["id"]);
  if (!id) return;
  const fields = fieldsOfItem(item);
  if (fields) upsert(state, id, fields, prev);
}

/** What an item (GA or beta shape) says about its turn; null for item types not shown. */
export function fieldsOfItem(item: JsonObject): TurnFields | null {
  const itemStatus = str(item["status"]);
  const type = str(item["type"]);
  if (type === "function_call") {
    return {
      role: "assistant",
      kind: "function_call",
      text: str(item["arguments"]),
      status: itemStatus === "incomplete" ? "interrupted" : itemStatus === "completed" ? "complete" : "partial",
      name: typeof item["name"] === "string" ? item["name"] : null,
    };
  }
  if (type === "function_call_output") {
    return { role: "tool", kind: "function_output", text: str(item["output"]), status: "complete" };
  }
  if (type !== "message") return null;
  const roleRaw = str(item["role"]);
  const role: TurnRole = roleRaw === "user" || roleRaw === "system" ? roleRaw : "assistant";
  const content = Array.isArray(item["content"]) ? item["content"] : [];
  let kind: TurnKind | null = content.length > 0 ? "text" : null;
  let text = "";
  let hasAudioTranscript = false;
  for (const part of content) {
    const p = obj(part);
    const ptype = str(p["type"]);
    if (ptype === "input_audio" || ptype === "output_audio" || ptype === "audio") {
      kind = "audio";
      if (typeof p["transcript"] === "string") {
        hasAudioTranscript = true;
        text += p["transcript"];
      }
    } else if (typeof p["text"] === "string") {
      text += p["text"];
    }
  }
  let status: TurnStatus;
  if (itemStatus === "incomplete") status = "interrupted";
  else if (role === "user" && kind === "audio") status = hasAudioTranscript ? "complete" : "partial";
  else if (itemStatus === "in_progress") status = "partial";
  else status = "complete";
  return { role, kind, text, status };
}

function upsert(state: DisplayState, id: string, fields: TurnFields, prev: string | null | undefined): void {
  const existing = state.turns.get(id);
  if (!existing) {
    if (fields.kind === null) state.kindUnknown.add(id);
    state.turns.set(id, {
      itemId: id,
      role: fields.role,
      kind: fields.kind ?? "text",
      text: fields.text,
      status: fields.status,
      name: fields.name ?? null,
      error: null,
      rev: state.rev,
    });
    place(state, id, prev);
    return;
  }
  // Later snapshots may lack text that deltas already delivered: never blank it.
  if (fields.text) existing.text = fields.text;
  existing.role = fields.role;
  if (fields.kind !== null) {
    existing.kind = fields.kind;
    state.kindUnknown.delete(id);
  }
  if (fields.name) existing.name = fields.name;
  existing.status = mergeStatus(existing.status, fields.status);
  existing.rev = state.rev;
  if (state.unanchored.has(id) && typeof prev === "string" && state.turns.has(prev)) {
    state.order.splice(state.order.indexOf(id), 1);
    place(state, id, prev);
  }
}

/** interrupted and failed stick; complete beats partial. */
function mergeStatus(current: TurnStatus, incoming: TurnStatus): TurnStatus {
  if (incoming === "interrupted" || incoming === "failed") return incoming;
  if (current === "interrupted" || current === "failed" || current === "complete") return current;
  return incoming;
}

function place(state: DisplayState, id: string, prev: string | null | undefined): void {
  state.orderRev = state.rev;
  if (typeof prev === "string" && state.turns.has(prev)) {
    const at = state.order.indexOf(prev);
    if (at >= 0) {
      state.order.splice(at + 1, 0, id);
      state.unanchored.delete(id);
      return;
    }
  }
  state.order.push(id);
  if (prev === undefined) state.unanchored.add(id);
  else state.unanchored.delete(id);
}

function ensure(state: DisplayState, id: string, role: TurnRole, kind: TurnKind): Turn | null {
  if (!id) return null;
  if (!state.turns.has(id)) upsert(state, id, { role, kind, text: "", status: "partial" }, undefined);
  const turn = state.turns.get(id) ?? null;
  // A delta tells what an item announced without content is (audio transcript vs text).
  if (turn && state.kindUnknown.delete(id)) turn.kind = kind;
  return turn;
}

function remove(state: DisplayState, id: string): void {
  if (!state.turns.delete(id)) return;
  const at = state.order.indexOf(id);
  if (at >= 0) state.order.splice(at, 1);
  state.unanchored.delete(id);
  state.kindUnknown.delete(id);
  state.orderRev = state.rev;
}

function appendText(state: DisplayState, turn: Turn, delta: string): void {
  turn.text += delta;
  turn.rev = state.rev;
}

function setStatus(state: DisplayState, turn: Turn, status: TurnStatus): void {
  turn.status = status;
  turn.rev = state.rev;
}

function prevOf(event: JsonObject): string | null | undefined {
  const prev = event["previous_item_id"];
  if (typeof prev === "string") return prev;
  return prev === null ? null : undefined;
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function obj(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
