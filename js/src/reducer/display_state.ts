// The display state: transcript turns by item id, their conversation order, and the
// bookkeeping the reducer needs between events (unanchored turns, guessed kinds, each
// response's items, out-of-band responses).

export type TurnRole = "user" | "assistant" | "system" | "tool";
export type McpKind = "mcp_list_tools" | "mcp_call" | "mcp_approval_request" | "mcp_approval_response";
/** Known kinds; an item of an unknown type has its type name as kind. */
export type TurnKind = "audio" | "text" | "function_call" | "function_output" | McpKind | (string & {});
export type TurnStatus = "complete" | "partial" | "interrupted" | "failed";

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

/** The transcript turns in conversation order. */
export function transcriptOf(state: DisplayState): Turn[] {
  const out: Turn[] = [];
  for (const id of state.order) {
    const turn = state.turns.get(id);
    if (turn) out.push(turn);
  }
  return out;
}
