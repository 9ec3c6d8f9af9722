// A transcript row's text, updated in place. A streaming turn grows by a few
// characters per frame while its text may reach 100k+ characters; rewriting
// textContent every frame re-creates (and re-shapes) the whole text, so the row
// keeps what it shows and appends only the new tail. Anything else (partial →
// final transcript that differs, a truncated or failed turn) replaces the text.
//
// Even appending costs layout in proportion to the paragraph (measured: 100+ ms
// frames once a turn passes a few hundred thousand characters). So a long text is
// kept as sealed blocks of about CHUNK_CHARS, cut after a space, each with
// `content-visibility: auto` (styles.css: .rtw-text-chunk): the browser lays out
// only the blocks on screen, and a frame's work stays bounded by the live tail.
// Short turns (the usual case) stay one text node.
//
// A truncated reply can end in an "unheard" tail (`updateText(slot, text, heardLength)`):
// that part is in an <s class="rtw-unheard"> after the text, as a text node too.

/** Tooltip of the unheard part of a truncated reply. */
export const UNHEARD_TITLE = "not heard — not in the model's context";

export const CHUNK_CHARS = 8192;

export interface TextSlot {
  readonly parent: HTMLElement;
  /** The live tail: the last characters of the text, after the sealed blocks. */
  readonly node: Text;
  /** What the slot shows in all (kept here: reading the DOM back would copy it). */
  shown: string;
  /** Sealed blocks, oldest first. */
  readonly chunks: HTMLElement[];
  /** The unheard tail of a truncated reply (created on first use). */
  unheard: HTMLElement | null;
  unheardShown: string;
}

export type TextUpdate = "same" | "append" | "replace";

export function textSlot(parent: HTMLElement): TextSlot {
  const node = document.createTextNode("");
  parent.append(node);
  return { parent, node, shown: "", chunks: [], unheard: null, unheardShown: "" };
}

/**
 * Makes the slot show `target`, touching only what changed. With `heardLength`, only
 * `target.slice(0, heardLength)` is normal text; the rest is shown struck through
 * (`.rtw-unheard`, title UNHEARD_TITLE): what the user did not hear of a truncated reply.
 */
export function updateText(slot: TextSlot, target: string, heardLength?: number): TextUpdate {
  const cut = heardLength === undefined ? target.length : Math.max(0, Math.min(heardLength, target.length));
  const tail = updateUnheard(slot, target.slice(cut));
  const main = updateMain(slot, target.slice(0, cut));
  return main === "same" ? tail : main;
}

function updateUnheard(slot: TextSlot, unheard: string): TextUpdate {
  if (unheard === slot.unheardShown) return "same";
  slot.unheardShown = unheard;
  if (!slot.unheard) {
    const el = document.createElement("s");
    el.className = "rtw-unheard";
    el.title = UNHEARD_TITLE;
    el.append(document.createTextNode(""));
    slot.parent.append(el);
    slot.unheard = el;
  }
  (slot.unheard.firstChild as Text).data = unheard;
  slot.unheard.hidden = unheard === "";
  return "replace";
}

function updateMain(slot: TextSlot, target: string): TextUpdate {
  const shown = slot.shown;
  if (target === shown) return "same";
  slot.shown = target;
  if (shown.length > 0 && target.length > shown.length && target.startsWith(shown)) {
    slot.node.appendData(target.slice(shown.length));
    seal(slot);
    return "append";
  }
  for (const chunk of slot.chunks) chunk.remove();
  slot.chunks.length = 0;
  slot.node.data = target;
  seal(slot);
  return "replace";
}

/** Moves full blocks from the front of the live tail into sealed chunks. */
function seal(slot: TextSlot): void {
  const node = slot.node;
  while (node.length > CHUNK_CHARS * 1.5) {
    const head = node.data.slice(0, CHUNK_CHARS * 1.5);
    // Cut after whitespace (between words) when there is some in the second half.
    const space = Math.max(head.lastIndexOf(" "), head.lastIndexOf("\n"));
    const cut = space >= CHUNK_CHARS / 2 ? space + 1 : CHUNK_CHARS;
    const chunk = document.createElement("span");
    chunk.className = "rtw-text-chunk";
    chunk.textContent = head.slice(0, cut);
    node.deleteData(0, cut);
    slot.parent.insertBefore(chunk, node);
    slot.chunks.push(chunk);
  }
}
