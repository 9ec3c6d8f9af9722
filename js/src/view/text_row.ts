// A transcript row's text, updated in place. A streaming turn grows by a few
// characters per frame while its text may reach 100k+ characters; rewriting
// textContent every frame re-creates (and re-shapes) the whole text, so the row
// keeps what it shows and appends only the new tail. Anything else (partial →
// final transcript that differs, a truncated or failed turn) replaces the text.

export interface TextSlot {
  /** The one text node of the row's text span. */
  readonly node: Text;
  /** What the node shows (kept here: reading node.data back would copy it). */
  shown: string;
}

export type TextUpdate = "same" | "append" | "replace";

export function textSlot(parent: HTMLElement): TextSlot {
  const node = document.createTextNode("");
  parent.append(node);
  return { node, shown: "" };
}

/** Makes the slot show `target`, touching only what changed. */
export function updateText(slot: TextSlot, target: string): TextUpdate {
  const shown = slot.shown;
  if (target === shown) return "same";
  slot.shown = target;
  if (shown.length > 0 && target.length > shown.length && target.startsWith(shown)) {
    slot.node.appendData(target.slice(shown.length));
    return "append";
  }
  slot.node.data = target;
  return "replace";
}
