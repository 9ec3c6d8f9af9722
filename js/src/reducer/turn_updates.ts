// Every change to a turn: creating, merging a snapshot into, placing, removing, and
// appending to one. They all go through here so a turn's rev moves with the state's
// and the order stays conversation order.
import type { JsonObject } from "../protocol";
import type { DisplayState, Turn, TurnKind, TurnRole, TurnStatus } from "./display_state";
import { fieldsOfItem, type TurnFields } from "./item_fields";
import { str } from "./json_read";

/** `prev`: the item's previous_item_id (null: first; undefined: not said, so unanchored). */
export function applyItem(state: DisplayState, item: JsonObject, prev: string | null | undefined, done: boolean): void {
  const id = str(item["id"]);
  if (!id || state.outOfBandItems.has(id)) return;
  const fields = fieldsOfItem(item, done);
  if (fields) upsert(state, id, fields, prev);
}

export function upsert(state: DisplayState, id: string, fields: TurnFields, prev: string | null | undefined): void {
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

/** The turn a delta or done event is about, created (partial, unanchored) if it is the first word of it. */
export function ensure(state: DisplayState, id: string, role: TurnRole, kind: TurnKind): Turn | null {
  if (!id) return null;
  if (!state.turns.has(id)) upsert(state, id, { role, kind, text: "", status: "partial" }, undefined);
  const turn = state.turns.get(id) ?? null;
  // A delta tells what an item announced without content is (audio transcript vs text).
  if (turn && state.kindUnknown.delete(id)) turn.kind = kind;
  return turn;
}

export function remove(state: DisplayState, id: string): void {
  if (!state.turns.delete(id)) return;
  const at = state.order.indexOf(id);
  if (at >= 0) state.order.splice(at, 1);
  state.unanchored.delete(id);
  state.kindUnknown.delete(id);
  state.orderRev = state.rev;
}

export function appendText(state: DisplayState, turn: Turn, delta: string): void {
  turn.text += delta;
  turn.rev = state.rev;
}

export function setStatus(state: DisplayState, turn: Turn, status: TurnStatus): void {
  turn.status = status;
  turn.rev = state.rev;
}
