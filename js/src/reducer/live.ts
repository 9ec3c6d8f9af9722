// The display reducer for GPT-Live (pure): Live events, both directions, → the same
// transcript turns the Realtime reducer makes, so the view draws both alike.
//
// GPT-Live has no conversation items: the transcript comes as fragments
// (`session.input_transcript.delta` for the user, `session.output_transcript.delta`
// for the model), appended in delivery order, with no "done" event. So a change of
// speaker starts a new row and ends the one before (complete); the open row ends
// when the session starts again or closes. Context the application adds is a row
// of its own where it was sent: `session.commentary.append` (speakable context,
// which is also how the kernel sends a typed message) and `session.thinking.append`
// (silent), acknowledged by their `…appended` event or refused by an `error` naming
// their event_id (`client_event_id`). A delegation (`session.delegation.created`)
// is a row until it is answered: a client delegation by a commentary carrying its
// delegation_id, a Responses one by its response's terminal `response.event`.
// Usage is the event log's (live_usage.ts).
import { isJsonObject, type JsonObject } from "../protocol";
import { errorCause } from "../voice_api";
import type { DisplayState, Turn, TurnStatus } from "./display_state";
import { obj, str } from "./json_read";
import { appendText, setStatus, upsert } from "./turn_updates";

/** Row kinds the Live reducer adds besides "audio" transcript rows. */
export const LIVE_KINDS = { commentary: "commentary", thinking: "thinking", delegation: "delegation" } as const;

/** Where each delegation goes, as the row says it. */
const DELEGATED_TO: Record<string, string> = {
  client: "Delegated to your application",
  responses: "Delegated to Responses",
  decisions: "Delegated to Decisions",
};

/** What the Live reducer remembers between events besides the turns. */
export interface LiveBook {
  /** The transcript row fragments go to while its speaker keeps talking (null: none open). */
  speakerRow: string | null;
  /** Numbers the rows that have no id of their own (transcript rows, context without event_id). */
  seq: number;
  /** Context rows by the event_id they were sent with (to mark them acknowledged or refused). */
  readonly contextRows: Map<string, string>;
  /** Responses delegations by response id (their response.event stream names the response). */
  readonly responseDelegations: Map<string, string>;
}

export function createLiveBook(): LiveBook {
  return { speakerRow: null, seq: 0, contextRows: new Map(), responseDelegations: new Map() };
}

/**
 * Applies one Live record (a server event, or a client event the browser sent or the kernel
 * sent and the browser echoes) to the display state. `type`: the event's type, read once.
 */
export function reduceLive(
  state: DisplayState,
  book: LiveBook,
  dir: "server" | "client",
  event: JsonObject,
  type: string = str(event["type"]),
): DisplayState {
  state.rev++;
  if (dir === "client") {
    if (type === "session.commentary.append" || type === "session.thinking.append") addContext(state, book, event, type);
    return state;
  }
  switch (type) {
    case "session.input_transcript.delta":
      speak(state, book, "user", str(event["delta"]));
      break;
    case "session.output_transcript.delta":
      speak(state, book, "assistant", str(event["delta"]));
      break;
    case "session.commentary.appended":
    case "session.thinking.appended":
      settleContext(state, book, str(event["client_event_id"]), "complete", null);
      break;
    case "session.delegation.created":
      addDelegation(state, book, obj(event["delegation"]));
      break;
    case "response.event":
      answerResponsesDelegation(state, book, obj(event["event"]));
      break;
    case "error": {
      const error = obj(event["error"]);
      settleContext(state, book, errorCause(event), "failed", str(error["message"]) || "refused");
      break;
    }
    case "session.started":
    case "session.closed":
      endSpeakerRow(state, book);
      break;
    default:
      break;
  }
  return state;
}

function speak(state: DisplayState, book: LiveBook, role: "user" | "assistant", delta: string): void {
  if (!delta) return;
  const open = book.speakerRow === null ? undefined : state.turns.get(book.speakerRow);
  if (open && open.role === role) {
    appendText(state, open, delta);
    return;
  }
  endSpeakerRow(state, book);
  const id = `live_${role}_${++book.seq}`;
  upsert(state, id, { role, kind: "audio", text: delta, status: "partial" }, lastRow(state));
  book.speakerRow = id;
}

function endSpeakerRow(state: DisplayState, book: LiveBook): void {
  const open = book.speakerRow === null ? undefined : state.turns.get(book.speakerRow);
  if (open && open.status === "partial") setStatus(state, open, "complete");
  book.speakerRow = null;
}

function addContext(state: DisplayState, book: LiveBook, event: JsonObject, type: string): void {
  const eventId = str(event["event_id"]);
  const id = eventId ? `live_ctx_${eventId}` : `live_ctx_${++book.seq}`;
  if (state.turns.has(id)) return; // the same client event seen twice (a resend, an echo)
  const kind = type === "session.commentary.append" ? LIVE_KINDS.commentary : LIVE_KINDS.thinking;
  upsert(state, id, { role: "system", kind, text: str(event["content"]), status: "partial" }, lastRow(state));
  if (eventId) book.contextRows.set(eventId, id);
  // A commentary carrying a client delegation's id is the application's answer to it.
  const delegationId = event["delegation_id"];
  if (kind === LIVE_KINDS.commentary && typeof delegationId === "string") {
    const delegation = state.turns.get(delegationId);
    if (delegation && delegation.kind === LIVE_KINDS.delegation) setStatus(state, delegation, "complete");
  }
}

function settleContext(state: DisplayState, book: LiveBook, eventId: string, status: TurnStatus, error: string | null): void {
  const id = eventId ? book.contextRows.get(eventId) : undefined;
  const turn = id === undefined ? undefined : state.turns.get(id);
  if (!turn) return;
  // An acknowledgement after a refusal (or the other way round) does not change the verdict.
  if (turn.status !== "partial") return;
  turn.error = error;
  setStatus(state, turn, status);
}

function addDelegation(state: DisplayState, book: LiveBook, delegation: JsonObject): void {
  const id = str(delegation["id"]);
  if (!id || state.turns.has(id)) return;
  const target = str(delegation["target"]);
  const responseId = str(delegation["response_id"]);
  const text = DELEGATED_TO[target] ?? `Delegated (${target || "unknown target"})`;
  upsert(state, id, { role: "assistant", kind: LIVE_KINDS.delegation, text, status: "partial" }, lastRow(state));
  const turn = state.turns.get(id);
  if (turn) turn.name = target || null;
  if (responseId) book.responseDelegations.set(responseId, id);
}

/** A Responses delegation ends with its response: completed, or failed / incomplete. */
function answerResponsesDelegation(state: DisplayState, book: LiveBook, inner: JsonObject): void {
  const type = str(inner["type"]);
  const ends: Record<string, TurnStatus> = { "response.completed": "complete", "response.failed": "failed", "response.incomplete": "failed" };
  const status = ends[type];
  if (!status) return;
  const response = isJsonObject(inner["response"]) ? inner["response"] : {};
  const id = book.responseDelegations.get(str(response["id"]));
  const turn: Turn | undefined = id === undefined ? undefined : state.turns.get(id);
  if (turn && turn.status === "partial") setStatus(state, turn, status);
}

/** Live rows go where they happened: after the last row (never unanchored). */
function lastRow(state: DisplayState): string | null {
  return state.order.length > 0 ? (state.order[state.order.length - 1] ?? null) : null;
}
