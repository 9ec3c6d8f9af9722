// The display reducer for GPT-Live (pure): Live events, both directions, → the same
// transcript turns the Realtime reducer makes, so the view draws both alike. The rules
// are the shared fixtures' (tests/fixtures/live/README.md), the ones the kernel's Live
// reducer follows, so the view and w.transcript agree:
//
// - GPT-Live has no conversation items: the transcript comes as fragments
//   (`session.input_transcript.delta` = the user, `session.output_transcript.delta` = the
//   assistant) on the session timeline (`start_ms` / `end_ms`), with no "done" event. A
//   fragment joins its speaker's last turn unless another row has a point (its start, or
//   its latest end) in [that turn's end, the fragment's start]: a change of speaker, or
//   context, or a delegation in between makes a new turn, while the assistant's trailing
//   fragment that overlaps a barge-in stays in its turn. Speech turns are complete; an
//   assistant turn that a user turn started inside of is interrupted.
// - Context the application sends is a row (the client's `session.commentary.append`:
//   speakable, which is also what a typed message becomes; with a delegation_id it is that
//   delegation's output; `session.thinking.append`: silent), partial until its
//   `…appended` (matched by client_event_id, which also places it on the timeline),
//   failed if an `error` names it (`error.client_event_id`).
// - `session.delegation.created` is a row: a client delegation is answered once commentary
//   carrying its id is acknowledged (thinking with it is silent progress); a Responses one shows the backend's output text and
//   ends with its nested response (completed, failed, incomplete → interrupted).
// - Order: session, then timeline position, then arrival.
// Usage is the event log's (live_usage.ts).
import type { JsonObject } from "../protocol";
import { errorCause } from "../voice_api";
import type { DisplayState, Turn, TurnRole, TurnStatus } from "./display_state";
import { obj, str } from "./json_read";
import { appendText, setStatus } from "./turn_updates";

/** Row kinds the Live reducer adds besides "audio" speech turns. */
export const LIVE_KINDS = {
  commentary: "commentary",
  thinking: "thinking",
  delegation: "delegation",
  delegationOutput: "delegation_output",
} as const;

/** Rows made from client events (what an `error` naming a client event can refuse). */
const CONTEXT_KINDS: ReadonlySet<string> = new Set([LIVE_KINDS.commentary, LIVE_KINDS.thinking, LIVE_KINDS.delegationOutput]);

/** The nested Responses events that end a delegated response, and the row status they give. */
const BACKEND_DONE: Record<string, TurnStatus> = {
  "response.completed": "complete",
  "response.failed": "failed",
  "response.incomplete": "interrupted",
};

/** A row's place: its session, its span on that session's timeline (ms), its arrival. */
export interface LiveSpan {
  session: number;
  start: number;
  end: number;
  seq: number;
}

/** What the Live reducer remembers between events besides the turns. */
export interface LiveBook {
  session: number;
  /** A session.started was seen in this session (a second one is a new session). */
  startedHere: boolean;
  sessionId: string;
  /** The latest timeline ms seen in this session: where unacknowledged context sits. */
  timelineMs: number;
  /** Row ids in creation order, and each one's index there. */
  readonly rows: string[];
  readonly rowIndex: Map<string, number>;
  readonly spans: Map<string, LiveSpan>;
  /** Each speaker's last turn in this session. */
  readonly lastTurn: Map<TurnRole, string>;
  /** This session's assistant turns, and its user turns' starts, sorted (the barge-in test). */
  assistantTurns: string[];
  userStarts: number[];
  /** Commentary sent for a delegation (its output), by event_id, until acknowledged. */
  readonly pendingDelegation: Map<string, string>;
}

export function createLiveBook(): LiveBook {
  return {
    session: 0,
    startedHere: false,
    sessionId: "",
    timelineMs: 0,
    rows: [],
    rowIndex: new Map(),
    spans: new Map(),
    lastTurn: new Map(),
    assistantTurns: [],
    userStarts: [],
    pendingDelegation: new Map(),
  };
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
    case "session.started":
      startSession(book, obj(event["session"]));
      break;
    case "session.input_transcript.delta":
      fragment(state, book, "user", event);
      break;
    case "session.output_transcript.delta":
      fragment(state, book, "assistant", event);
      break;
    case "session.commentary.appended":
    case "session.thinking.appended":
      contextAppended(state, book, event);
      break;
    case "session.instructions.appended":
      seeMs(book, event["end_ms"]);
      break;
    case "session.delegation.created":
      addDelegation(state, book, event);
      break;
    case "response.event":
      backendEvent(state, str(event["delegation_id"]), obj(event["event"]));
      break;
    case "error": {
      // A refused context event (named by error.client_event_id): failed, and no answer to its delegation.
      const id = errorCause(event);
      const turn = state.turns.get(id);
      book.pendingDelegation.delete(id);
      if (turn && turn.status === "partial" && CONTEXT_KINDS.has(turn.kind)) {
        turn.error = str(obj(event["error"])["message"]) || "refused";
        setStatus(state, turn, "failed");
      }
      break;
    }
    default:
      break;
  }
  return state;
}

function startSession(book: LiveBook, session: JsonObject): void {
  // Two calls in one log: the second session.started is a new session with its own timeline.
  if (book.startedHere) {
    book.session++;
    book.timelineMs = 0;
    book.lastTurn.clear();
    book.assistantTurns = [];
    book.userStarts = [];
  }
  book.startedHere = true;
  book.sessionId = str(session["id"]) || `session${book.session}`;
}

function fragment(state: DisplayState, book: LiveBook, role: "user" | "assistant", event: JsonObject): void {
  const delta = event["delta"];
  const start = ms(event["start_ms"]);
  if (typeof delta !== "string" || start === null) return;
  const end = ms(event["end_ms"]) ?? start;
  let id = book.lastTurn.get(role);
  const span = id === undefined ? undefined : book.spans.get(id);
  if (id === undefined || span === undefined || gapHasOther(book, id, span.end, start)) {
    // A log that starts mid-session (no session.started, e.g. joined late) has no session id: its number stands in.
    id = `${book.sessionId || `session${book.session}`}:${role}@${start}`;
    if (state.turns.has(id)) id = `${id}#${book.rows.length}`; // the same start twice: keep ids unique
    addRow(state, book, id, role, "audio", delta, "complete", { session: book.session, start, end, seq: 0 });
    book.lastTurn.set(role, id);
    if (role === "user") {
      book.userStarts.splice(firstAfter(book.userStarts, start), 0, start);
      markBargeIn(state, book, start);
    } else {
      book.assistantTurns.push(id);
      markInterruptedIfBargedIn(state, book, id);
    }
  } else {
    const turn = state.turns.get(id);
    if (turn) appendText(state, turn, delta);
    if (end > span.end) {
      span.end = end;
      if (role === "assistant") markInterruptedIfBargedIn(state, book, id);
    }
  }
  seeMs(book, end);
}

/** Did another row start or end on the timeline in [lo, hi], the gap since the turn? */
function gapHasOther(book: LiveBook, turnId: string, lo: number, hi: number): boolean {
  if (hi < lo) return false;
  const at = book.rowIndex.get(turnId) ?? book.rows.length;
  const candidates = book.rows.slice(at + 1);
  for (const other of book.lastTurn.values()) {
    if (other !== turnId && (book.rowIndex.get(other) ?? 0) < at) candidates.push(other);
  }
  for (const row of candidates) {
    const s = book.spans.get(row);
    if (s && ((lo <= s.start && s.start <= hi) || (lo <= s.end && s.end <= hi))) return true;
  }
  return false;
}

/** A user turn starting at `start`: every assistant turn it starts inside of was barged in on. */
function markBargeIn(state: DisplayState, book: LiveBook, start: number): void {
  // Once per user turn; the per-fragment test (below) is the one kept logarithmic.
  for (const id of book.assistantTurns) {
    const turn = state.turns.get(id);
    const s = book.spans.get(id);
    if (turn && s && s.start < start && start < s.end && turn.status !== "interrupted") setStatus(state, turn, "interrupted");
  }
}

/** An assistant turn that started or grew: interrupted if a user turn starts inside it. */
function markInterruptedIfBargedIn(state: DisplayState, book: LiveBook, assistantId: string): void {
  const turn = state.turns.get(assistantId);
  const span = book.spans.get(assistantId);
  if (!turn || !span || turn.status === "interrupted") return;
  const next = book.userStarts[firstAfter(book.userStarts, span.start)];
  if (next !== undefined && next < span.end) setStatus(state, turn, "interrupted");
}

/** The index of the first value > `x` in a sorted array (bisect_right). */
function firstAfter(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] ?? 0) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function addContext(state: DisplayState, book: LiveBook, event: JsonObject, type: string): void {
  const id = event["event_id"];
  const content = event["content"];
  // As the kernel's reducer: context without an event_id can never be matched, so no row.
  if (typeof id !== "string" || typeof content !== "string" || state.turns.has(id)) return;
  const delegationId = event["delegation_id"];
  const forDelegation = typeof delegationId === "string";
  let role: TurnRole = "system";
  let kind: string = type === "session.commentary.append" ? LIVE_KINDS.commentary : LIVE_KINDS.thinking;
  if (forDelegation && kind === LIVE_KINDS.commentary) {
    role = "tool";
    kind = LIVE_KINDS.delegationOutput;
  }
  // Until acknowledged it sits where the timeline was when it was sent.
  const t = book.timelineMs;
  addRow(state, book, id, role, kind, content, "partial", { session: book.session, start: t, end: t, seq: 0 });
  if (forDelegation) {
    const turn = state.turns.get(id);
    if (turn) turn.name = delegationId;
    // Commentary is the result the model speaks; thinking is silent progress and leaves it open.
    if (kind === LIVE_KINDS.delegationOutput) book.pendingDelegation.set(id, delegationId);
  }
}

function contextAppended(state: DisplayState, book: LiveBook, event: JsonObject): void {
  const id = str(event["client_event_id"]);
  const turn = state.turns.get(id);
  const start = ms(event["start_ms"]);
  const span = book.spans.get(id);
  if (!turn || !span || start === null) return;
  span.start = start;
  span.end = ms(event["end_ms"]) ?? start;
  reposition(state, book, id);
  // A refusal (error) stays the verdict; otherwise it is in the model's context now.
  if (turn.status === "partial") setStatus(state, turn, "complete");
  seeMs(book, span.end);
  answerDelegationOf(state, book, id);
}

/** Commentary acknowledged for a client delegation answers it. */
function answerDelegationOf(state: DisplayState, book: LiveBook, eventId: string): void {
  const delegationId = book.pendingDelegation.get(eventId);
  if (delegationId === undefined) return;
  book.pendingDelegation.delete(eventId);
  const row = state.turns.get(delegationId);
  if (row && row.kind === LIVE_KINDS.delegation && row.status === "partial") setStatus(state, row, "complete");
}

function addDelegation(state: DisplayState, book: LiveBook, event: JsonObject): void {
  const delegation = obj(event["delegation"]);
  const id = delegation["id"];
  if (typeof id !== "string" || state.turns.has(id)) return;
  const at = ms(event["offset_ms"]) ?? book.timelineMs;
  const target = str(delegation["target"]);
  // Decisions are not followed further: nothing later says they finished.
  const status: TurnStatus = target === "decisions" ? "complete" : "partial";
  addRow(state, book, id, "assistant", LIVE_KINDS.delegation, "", status, { session: book.session, start: at, end: at, seq: 0 });
  const turn = state.turns.get(id);
  if (turn) turn.name = target || null;
  seeMs(book, at);
}

/** A delegated Responses backend's event: its output text goes in the delegation's row; its end settles it. */
function backendEvent(state: DisplayState, delegationId: string, inner: JsonObject): void {
  const row = delegationId ? state.turns.get(delegationId) : undefined;
  if (!row || row.kind !== LIVE_KINDS.delegation) return;
  const type = str(inner["type"]);
  if (type === "response.output_text.delta") {
    if (typeof inner["delta"] === "string") appendText(state, row, inner["delta"]);
    return;
  }
  const status = BACKEND_DONE[type];
  if (status && row.status === "partial") setStatus(state, row, status);
}

// ---------------------------------------------------------------- rows and their order

function addRow(
  state: DisplayState,
  book: LiveBook,
  id: string,
  role: TurnRole,
  kind: string,
  text: string,
  status: TurnStatus,
  span: LiveSpan,
): void {
  span.seq = book.rows.length;
  book.rowIndex.set(id, book.rows.length);
  book.rows.push(id);
  book.spans.set(id, span);
  const turn: Turn = { itemId: id, role, kind, text, status, name: null, error: null, heardMs: null, audioMs: null, rev: state.rev };
  state.turns.set(id, turn);
  insertInOrder(state, book, id);
}

/** Conversation order: session, then timeline position, then arrival. */
function before(a: LiveSpan, b: LiveSpan): boolean {
  if (a.session !== b.session) return a.session < b.session;
  if (a.start !== b.start) return a.start < b.start;
  return a.seq < b.seq;
}

/** Rows almost always go last: scan from the end. */
function insertInOrder(state: DisplayState, book: LiveBook, id: string): void {
  const span = book.spans.get(id);
  if (!span) return;
  let at = state.order.length;
  while (at > 0) {
    const prev = book.spans.get(state.order[at - 1] ?? "");
    if (!prev || !before(span, prev)) break;
    at--;
  }
  state.order.splice(at, 0, id);
  state.orderRev = state.rev;
}

function reposition(state: DisplayState, book: LiveBook, id: string): void {
  const at = state.order.indexOf(id);
  if (at >= 0) state.order.splice(at, 1);
  insertInOrder(state, book, id);
}

function seeMs(book: LiveBook, value: unknown): void {
  const v = ms(value);
  if (v !== null && v > book.timelineMs) book.timelineMs = v;
}

function ms(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
