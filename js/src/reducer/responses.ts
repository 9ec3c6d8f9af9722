// Responses as the transcript sees them: out-of-band ones (conversation "none") whose
// output is never a turn, the output items of each in-band response, and what
// response.done completes, measures (audio length) or cuts off.
import type { JsonObject } from "../protocol";
import type { DisplayState, Turn } from "./display_state";
import { ASSISTANT_AUDIO_MS_PER_TOKEN } from "./heard_split";
import { num, obj, str } from "./json_read";
import { applyItem, setStatus } from "./turn_updates";

/** true/false when a response object says (conversation_id null / an id), null when it lacks the key. */
export function isOutOfBand(response: JsonObject): boolean | null {
  if (!Object.prototype.hasOwnProperty.call(response, "conversation_id")) return null;
  return response["conversation_id"] === null;
}

/** A delta or done event of an out-of-band response's output. */
export function isOutOfBandEvent(state: DisplayState, event: JsonObject): boolean {
  return state.outOfBand.has(str(event["response_id"])) || state.outOfBandItems.has(str(event["item_id"]));
}

export function applyResponseCreated(state: DisplayState, response: JsonObject): void {
  const id = str(response["id"]);
  if (id && isOutOfBand(response) === true) state.outOfBand.add(id);
}

/** response.output_item.added/done: the item's turn, remembered as this response's. */
export function applyOutputItem(state: DisplayState, event: JsonObject, done: boolean): void {
  const item = obj(event["item"]);
  const responseId = str(event["response_id"]);
  const itemId = str(item["id"]);
  if (state.outOfBand.has(responseId)) {
    if (itemId) state.outOfBandItems.add(itemId);
    return;
  }
  applyItem(state, item, undefined, done);
  if (responseId && itemId) {
    const ids = state.responseItems.get(responseId) ?? [];
    if (!ids.includes(itemId)) ids.push(itemId);
    state.responseItems.set(responseId, ids);
  }
}

export function applyResponseDone(state: DisplayState, response: JsonObject): void {
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
