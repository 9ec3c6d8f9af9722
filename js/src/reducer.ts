// The display reducer: server events → what the view shows (transcript turns
// in conversation order). Event counts, token usage and speaking phases are the
// event log's (event_log.ts); what Interrupt can stop is call_controls.ts's.
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
import { eventType, isJsonObject, type JsonObject } from "./protocol";

export type TurnRole = "user" | "assistant" | "system" | "tool";
export type McpKind = "mcp_list_tools" | "mcp_call" | "mcp_approval_request" | "mcp_approval_response";
/** Known kinds; an item of an unknown type has its type name as kind. */
export type TurnKind = "audio" | "text" | "function_call" | "function_output" | McpKind | (string & {});
export type TurnStatus = "complete" | "partial" | "interrupted" | "failed";

export const MCP_KINDS: readonly McpKind[] = ["mcp_list_tools", "mcp_call", "mcp_approval_request", "mcp_approval_response"];
const MCP_ROLES: Record<McpKind, TurnRole> = {
  mcp_list_tools: "tool",
  mcp_call: "assistant",
  mcp_approval_request: "assistant",
  mcp_approval_response: "user",
};

/** Assistant audio bills about 1 output token per 50 ms (realtime-api.md §5, the emulator's usage.py). */
export const ASSISTANT_AUDIO_MS_PER_TOKEN = 50;
/** Speaking rate assumed when an item's audio length is unknown (≈170 words a minute; the emulator's voice). */
export const SPEAKING_MS_PER_CHAR = 60;
const SPACE = new Set([" ", "\t", "\n", "\r", "\f", "\v"]);

/**
 * The heard and unheard parts of a turn's text (`heard + unheard === text`): the share
 * heardMs / audio length of the characters, cut back to the last whole word. Audio length:
 * `audioMs` (from the response's output audio tokens), else SPEAKING_MS_PER_CHAR per
 * character. Never truncated (`heardMs` null): all heard. Same arithmetic as Python's
 * `reduce.heard_split`.
 */
export function heardSplit(text: string, heardMs: number | null, audioMs: number | null): { heard: string; unheard: string } {
  if (heardMs === null) return { heard: text, unheard: "" };
  if (heardMs <= 0 || !text) return { heard: "", unheard: text };
  const n = text.length;
  const duration = audioMs !== null && audioMs > 0 ? audioMs : n * SPEAKING_MS_PER_CHAR;
  if (heardMs >= duration) return { heard: text, unheard: "" };
  let cut = Math.floor((n * heardMs) / duration + 0.5);
  if (cut > 0 && cut < n && !SPACE.has(text.charAt(cut)) && !SPACE.has(text.charAt(cut - 1))) {
    while (cut > 0 && !SPACE.has(text.charAt(cut - 1))) cut--;
  }
  while (cut > 0 && SPACE.has(text.charAt(cut - 1))) cut--;
  return { heard: text.slice(0, cut), unheard: text.slice(cut) };
}

/** true/false when a response object says (conversation_id null / an id), null when it lacks the key. */
export function isOutOfBand(response: JsonObject): boolean | null {
  if (!Object.prototype.hasOwnProperty.call(response, "conversation_id")) return null;
  return response["conversation_id"] === null;
}

export interface Turn {
  itemId: string;
  role: TurnRole;
  kind: TurnKind;
  text: string;
  status: TurnStatus;
  /** Function name for function calls. */
  name: string | null;
  /** Why a transcription (or an MCP call) failed. */
  error: string | null;
  /** audio_end_ms of conversation.item.truncated (null: never truncated). */
  heardMs: number | null;
  /** The item's audio length from its response's output audio tokens (one audio item), else null. */
  audioMs: number | null;
  /** state.rev when this turn last changed. */
  rev: number;
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
  /** Out-of-band responses and their output items: never turns. */
  outOfBand: Set<string>;
  outOfBandItems: Set<string>;
  rev: number;
  /** state.rev when the order of turns last changed. */
  orderRev: number;
}

export function createDisplayState(): DisplayState {
  return {
    turns: new Map(),
    order: [],
    unanchored: new Set(),
    kindUnknown: new Set(),
    responseItems: new Map(),
    outOfBand: new Set(),
    outOfBandItems: new Set(),
    rev: 0,
    orderRev: 0,
  };
}

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
    case "response.output_item.done": {
      const item = obj(event["item"]);
      const responseId = str(event["response_id"]);
      const itemId = str(item["id"]);
      if (state.outOfBand.has(responseId)) {
        if (itemId) state.outOfBandItems.add(itemId);
        break;
      }
      applyItem(state, item, undefined, type === "response.output_item.done");
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
    case "response.created": {
      const response = obj(event["response"]);
      const id = str(response["id"]);
      if (id && isOutOfBand(response) === true) state.outOfBand.add(id);
      break;
    }
    case "response.done":
      applyResponseDone(state, obj(event["response"]));
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
  error?: string | null;
}

function contentText(item: JsonObject): string {
  let text = "";
  for (const part of Array.isArray(item["content"]) ? item["content"] : []) {
    const p = obj(part);
    if (typeof p["transcript"] === "string") text += p["transcript"];
    else if (typeof p["text"] === "string") text += p["text"];
  }
  return text;
}

function isOutOfBandEvent(state: DisplayState, event: JsonObject): boolean {
  return state.outOfBand.has(str(event["response_id"])) || state.outOfBandItems.has(str(event["item_id"]));
}

function applyResponseDone(state: DisplayState, response: JsonObject): void {
  const usage = obj(response["usage"]);
  const output = Array.isArray(response["output"]) ? response["output"] : [];
  const responseId = str(response["id"]);
  if (state.outOfBand.has(responseId) || isOutOfBand(response) === true) {
    for (const item of output) {
      const id = str(obj(item)["id"]);
      if (id) state.outOfBandItems.add(id);
    }
    return;
  }
  const audioItems: Turn[] = [];
  for (const item of output) {
    applyItem(state, obj(item), undefined, true);
    const turn = state.turns.get(str(obj(item)["id"]));
    if (turn && turn.kind === "audio") audioItems.push(turn);
  }
  const audioTokens = num(obj(usage["output_token_details"])["audio_tokens"]);
  const only = audioItems.length === 1 ? audioItems[0] : undefined;
  if (only && audioTokens > 0) {
    only.audioMs = audioTokens * ASSISTANT_AUDIO_MS_PER_TOKEN;
    only.rev = state.rev;
  }
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

function applyItem(state: DisplayState, item: JsonObject, prev: string | null | undefined, done: boolean): void {
  const id = str(item["id"]);
  if (!id || state.outOfBandItems.has(id)) return;
  const fields = fieldsOfItem(item, done);
  if (fields) upsert(state, id, fields, prev);
}

function isMcpKind(type: string): type is McpKind {
  return (MCP_KINDS as readonly string[]).includes(type);
}

/** A readable one-line text for an MCP item (same as Python's `reduce._mcp_text`). */
export function mcpText(item: JsonObject): string {
  const type = str(item["type"]);
  const label = str(item["server_label"]);
  if (type === "mcp_list_tools") {
    const tools = Array.isArray(item["tools"]) ? item["tools"] : [];
    const names = tools.map((t) => str(obj(t)["name"])).filter((n) => n);
    if (label && names.length > 0) return `${label}: ${names.join(", ")}`;
    return label || names.join(", ");
  }
  if (type === "mcp_call" || type === "mcp_approval_request") {
    const name = str(item["name"]);
    let text = `${label ? `${label}.${name}` : name}(${str(item["arguments"])})`;
    if (typeof item["output"] === "string") text += ` → ${item["output"]}`;
    if (isJsonObject(item["error"])) {
      const err = item["error"];
      text += ` → error: ${str(err["message"]) || str(err["type"]) || "failed"}`;
    }
    return text;
  }
  if (type === "mcp_approval_response") {
    const text = item["approve"] === true ? "approved" : "denied";
    const reason = str(item["reason"]);
    return reason ? `${text}: ${reason}` : text;
  }
  return "";
}

/**
 * What an item (GA or beta shape) says about its turn. `done`: the snapshot is final
 * (conversation.item.done, response.output_item.done, response.done), which is what
 * completes items that have no status field (MCP items, unknown types).
 */
export function fieldsOfItem(item: JsonObject, done = false): TurnFields | null {
  const itemStatus = str(item["status"]);
  const type = str(item["type"]);
  if (isMcpKind(type)) {
    const failed = isJsonObject(item["error"]);
    return {
      role: MCP_ROLES[type],
      kind: type,
      text: mcpText(item),
      status: failed ? "failed" : done || type === "mcp_approval_response" ? "complete" : "partial",
      name: typeof item["name"] === "string" ? item["name"] : null,
      error: failed ? str(obj(item["error"])["message"]) || str(obj(item["error"])["type"]) || "MCP call failed" : null,
    };
  }
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
  if (type && type !== "message") {
    // A type this package does not know: kept, with its type name as kind.
    const r = str(item["role"]);
    const role: TurnRole = r === "user" || r === "assistant" || r === "system" || r === "tool" ? r : "tool";
    return { role, kind: type, text: contentText(item), status: done ? "complete" : "partial" };
  }
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
      error: fields.error ?? null,
      heardMs: null,
      audioMs: null,
      rev: state.rev,
    });
    place(state, id, prev);
    return;
  }
  // Later snapshots may lack text that deltas already delivered: never blank it. A
  // snapshot after truncation holds only what the server kept: keep all that was received.
  const cutCopy = existing.heardMs !== null && existing.text.startsWith(fields.text);
  if (fields.text && !cutCopy) existing.text = fields.text;
  if (fields.error) existing.error = fields.error;
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

function obj(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
