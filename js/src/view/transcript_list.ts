// The transcript list: one row per turn, updated in place, kept scrolled to the end unless the reader scrolled up.
import type { EventLog } from "../event_log";
import { transcriptOf, type DisplayState, type Turn } from "../reducer";
import { h } from "./dom";
import { textSlot, type TextSlot } from "./text_row";
import { turnExtras, turnExtrasKey, updateTurnText, whoOf } from "./transcript";

interface Row {
  li: HTMLLIElement;
  who: HTMLSpanElement;
  text: HTMLSpanElement;
  slot: TextSlot;
  rev: number;
  /** Time, latency badge, "heard" note and the events button (view/transcript.ts). */
  meta: HTMLSpanElement;
  metaKey: string;
}

export class TranscriptList {
  readonly el = h("ol", "rtw-transcript");
  readonly #empty = h("li", "rtw-empty", "The conversation will appear here.");
  readonly #rows = new Map<string, Row>();
  readonly #showEvents: (itemId: string, who: string) => void;
  #drawnRev = -1;
  #drawnOrderRev = -1;
  #stick = true;

  /** `showEvents` opens the inspector on a turn's events (its "events" button). */
  constructor(showEvents: (itemId: string, who: string) => void) {
    this.#showEvents = showEvents;
    this.el.setAttribute("aria-label", "Transcript");
    this.el.append(this.#empty);
    this.el.addEventListener("scroll", this.#onScroll, { passive: true });
    this.el.addEventListener("click", this.#onClick);
  }

  /**
   * O(turns) integer/key checks; DOM work only for the turns that changed, and for a
   * streaming turn only its new characters (view/text_row.ts). True when the list grew while
   * stuck to the end: `scrollToEnd` is then due at the start of the next frame.
   */
  draw(state: DisplayState, log: EventLog): boolean {
    if (state.rev === this.#drawnRev) return false;
    this.#drawnRev = state.rev;
    let grew = false;
    const turns = transcriptOf(state);
    for (const turn of turns) {
      let row = this.#rows.get(turn.itemId);
      if (!row) {
        row = newRow();
        this.#rows.set(turn.itemId, row);
      }
      if (row.rev !== turn.rev) grew = fillRow(row, turn) || grew;
      const key = turnExtrasKey(turn, log);
      if (key !== row.metaKey) {
        row.metaKey = key;
        row.meta.replaceChildren(...turnExtras(turn, log).nodes);
      }
    }
    if (state.orderRev !== this.#drawnOrderRev) {
      grew = true;
      this.#drawnOrderRev = state.orderRev;
      this.#reorder(state.order, turns);
    }
    return grew && this.#stick;
  }

  /** Reads layout: call it only when layout is clean (the start of a frame), or it forces one. */
  scrollToEnd(): void {
    if (this.#stick) this.el.scrollTop = this.el.scrollHeight;
  }

  dispose(): void {
    this.el.removeEventListener("scroll", this.#onScroll);
    this.el.removeEventListener("click", this.#onClick);
  }

  #reorder(order: readonly string[], turns: readonly Turn[]): void {
    const live = new Set(order);
    for (const [id, row] of this.#rows) {
      if (!live.has(id)) {
        row.li.remove();
        this.#rows.delete(id);
      }
    }
    let cursor: ChildNode | null = this.el.firstChild;
    if (cursor === this.#empty) cursor = this.#empty.nextSibling;
    for (const turn of turns) {
      const li = this.#rows.get(turn.itemId)?.li;
      if (!li) continue;
      if (cursor !== li) this.el.insertBefore(li, cursor);
      cursor = li.nextSibling;
    }
    this.#empty.hidden = turns.length > 0;
  }

  // Read only in scroll events: the view writes the DOM only in its animation frame, so
  // layout is clean here and the read is free; reading scrollHeight inside the frame (after
  // writes) forced a layout per frame.
  readonly #onScroll = (): void => {
    const el = this.el;
    this.#stick = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };

  readonly #onClick = (ev: Event): void => {
    const b = (ev.target as HTMLElement).closest<HTMLButtonElement>("button.rtw-turn-events");
    const li = b?.closest<HTMLLIElement>("li.rtw-turn");
    const id = li?.dataset["itemId"];
    if (!b || !li || !id) return;
    this.#showEvents(id, li.querySelector(".rtw-who")?.textContent ?? "turn");
  };
}

function newRow(): Row {
  const li = h("li", "rtw-turn");
  const who = h("span", "rtw-who");
  const text = h("span", "rtw-text");
  const meta = h("span", "rtw-meta");
  li.append(who, text, meta);
  return { li, who, text, slot: textSlot(text), rev: -1, meta, metaKey: "" };
}

/** Brings a row up to date with its turn; true when its text changed. */
function fillRow(row: Row, turn: Turn): boolean {
  row.rev = turn.rev;
  const { li, text } = row;
  const className = `rtw-turn rtw-${turn.role} rtw-${turn.status} rtw-kind-${turn.kind}`;
  if (li.className !== className) li.className = className;
  if (li.dataset["itemId"] !== turn.itemId) li.dataset["itemId"] = turn.itemId;
  if (li.dataset["status"] !== turn.status) li.dataset["status"] = turn.status;
  const who = whoOf(turn);
  if (row.who.textContent !== who) row.who.textContent = who;
  const target = turnText(turn);
  const changed = updateTurnText(row.slot, turn, target) !== "same";
  // Tool rows are one compact line (styles.css); the whole call or result is in the tooltip.
  if (turn.kind === "function_call" || turn.kind === "function_output") {
    if (changed || !text.hasAttribute("title")) text.title = target;
  } else if (text.hasAttribute("title")) text.removeAttribute("title");
  return changed;
}

/** A GPT-Live delegation row without text (a client one carries no task text): what became of it. */
const DELEGATION_STATE: Record<string, string> = {
  partial: "(waiting for the answer)",
  complete: "(answered)",
  failed: "(failed)",
  interrupted: "(incomplete)",
};

function turnText(turn: Turn): string {
  if (turn.kind === "delegation" && !turn.text) return DELEGATION_STATE[turn.status] ?? "";
  // GPT-Live context the server refused (an error naming its event_id): say why beside it.
  if (turn.status === "failed" && turn.role !== "user" && turn.error && turn.kind !== "audio") return `${turn.text} (refused: ${turn.error})`;
  if (turn.kind === "function_call") return `${turn.name ?? "function"}(${turn.text})`;
  if (turn.status === "failed") return turn.text || `(speech; transcription failed${turn.error ? `: ${turn.error}` : ""})`;
  if (!turn.text && turn.role === "user" && turn.kind === "audio") return turn.status === "partial" ? "(speech…)" : "(speech)";
  // "interrupted" (and how much was heard) is a badge beside the text: view/transcript.ts.
  return turn.text;
}
