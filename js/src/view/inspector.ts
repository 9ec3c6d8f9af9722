// Event inspector: the counter of event types, expandable. Choosing a type
// (or a transcript turn) lists the related events, newest first, each a
// collapsed <details> whose pretty JSON is built only when opened, with a Copy
// button. At most `pageSize` events are in the DOM until "Show more" is pressed,
// so a long session stays fast.
import type { EventRecord } from "../protocol";
import { redact } from "../transport";
import { button, copyText, field, formatClock, h } from "./dom";
import type { EventLog } from "../event_log";

export type Selection = { kind: "type"; type: string } | { kind: "item"; itemId: string; label: string } | null;

export const PAGE_SIZE = 50;

export class Inspector {
  readonly el: HTMLDetailsElement;
  readonly #summary: HTMLElement;
  readonly #filter: HTMLInputElement;
  readonly #types: HTMLTableSectionElement;
  readonly #panel: HTMLDivElement;
  readonly #heading: HTMLHeadingElement;
  readonly #list: HTMLOListElement;
  readonly #more: HTMLButtonElement;
  readonly #log: EventLog;
  readonly #pageSize: number;
  readonly #announce: (text: string) => void;
  #selection: Selection = null;
  #shown = 0;
  #drawnRev = -1;
  #drawnFilter = "";
  #drawnList = "";

  constructor(log: EventLog, announce: (text: string) => void, pageSize = PAGE_SIZE) {
    this.#log = log;
    this.#announce = announce;
    this.#pageSize = pageSize;
    // Class rtw-counts kept: it is the widget issue's event counter, grown into the inspector.
    this.el = h("details", "rtw-counts rtw-inspector");
    this.#summary = h("summary");
    this.#filter = h("input", "rtw-filter");
    this.#filter.type = "search";
    this.#filter.placeholder = "e.g. response.";
    this.#filter.autocomplete = "off";
    const filterField = field("Filter event types", this.#filter, "rtw-field rtw-filter-field");
    const table = h("table", "rtw-counts-table");
    table.createCaption().textContent = "Events by type; choose a type to see its events";
    table.caption!.className = "rtw-visually-hidden";
    this.#types = table.createTBody();
    this.#panel = h("div", "rtw-events");
    this.#panel.hidden = true;
    const head = h("div", "rtw-events-head");
    this.#heading = h("h4", "rtw-events-title");
    const close = button("rtw-events-close", "Close", "Close the event list");
    head.append(this.#heading, close);
    this.#list = h("ol", "rtw-event-list");
    this.#more = button("rtw-more", "Show more");
    this.#panel.append(head, this.#list, this.#more);
    this.el.append(this.#summary, filterField, table, this.#panel);

    this.#filter.addEventListener("input", () => this.draw());
    close.addEventListener("click", () => this.select(null));
    this.#more.addEventListener("click", () => {
      this.#shown += this.#pageSize;
      this.#drawEvents();
    });
    this.#types.addEventListener("click", (ev) => {
      const b = (ev.target as HTMLElement).closest<HTMLButtonElement>("button[data-type]");
      if (b?.dataset["type"] !== undefined) this.select({ kind: "type", type: b.dataset["type"] });
    });
    this.el.addEventListener("toggle", () => this.draw());
  }

  get selection(): Selection {
    return this.#selection;
  }

  /** Shows the events of a type or a turn (null closes the list) and opens the inspector. */
  select(selection: Selection): void {
    this.#selection = selection;
    this.#shown = this.#pageSize;
    this.#list.replaceChildren();
    this.#drawnList = "";
    if (selection) this.el.open = true;
    this.#drawnRev = -1;
    this.draw();
    if (selection) this.#heading.focus?.();
  }

  /** Redraws what changed; cheap when closed (only the summary). */
  draw(): void {
    const log = this.#log;
    const typeCount = log.byType.size;
    const summary = `${plural(log.nextSeq, "event")} · ${plural(typeCount, "type")}`;
    if (this.#summary.textContent !== summary) this.#summary.textContent = summary;
    const filter = this.#filter.value.trim().toLowerCase();
    if (!this.el.open || (log.rev === this.#drawnRev && filter === this.#drawnFilter)) return;
    this.#drawnRev = log.rev;
    this.#drawnFilter = filter;
    const entries = [...log.byType.entries()]
      .filter(([type]) => !filter || type.toLowerCase().includes(filter))
      .map(([type, seqs]) => [type, seqs.length] as const)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const rows = this.#types.rows;
    while (rows.length > entries.length) this.#types.deleteRow(-1);
    entries.forEach(([type, n], i) => {
      const tr = rows[i] ?? this.#types.insertRow();
      if (tr.cells.length < 2) {
        tr.replaceChildren(h("td"), h("td"));
        tr.cells[0]!.append(button("rtw-type", ""));
      }
      const b = tr.cells[0]!.firstChild as HTMLButtonElement;
      if (b.dataset["type"] !== type) {
        b.dataset["type"] = type;
        b.textContent = type;
        b.setAttribute("aria-label", `Show the ${type} events`);
      }
      const sel = this.#selection;
      // Only what changed: the inspector redraws every frame while events flow.
      const pressed = String(sel?.kind === "type" && sel.type === type);
      if (b.getAttribute("aria-pressed") !== pressed) b.setAttribute("aria-pressed", pressed);
      const count = String(n);
      if (tr.cells[1]!.textContent !== count) tr.cells[1]!.textContent = count;
    });
    this.#drawEvents();
  }

  // ---------------------------------------------------------------- internals

  #seqs(): number[] {
    const sel = this.#selection;
    if (!sel) return [];
    return sel.kind === "type" ? this.#log.seqsOfType(sel.type) : this.#log.seqsOfItem(sel.itemId);
  }

  #drawEvents(): void {
    const sel = this.#selection;
    this.#panel.hidden = sel === null;
    if (!sel) return;
    const all = this.#seqs();
    const filter = this.#filter.value.trim().toLowerCase();
    // Nothing new for this list: skip (the inspector redraws on every frame while events flow).
    const stamp = `${all.length}|${this.#shown}|${filter}|${all[all.length - 1] ?? ""}`;
    if (stamp === this.#drawnList) return;
    this.#drawnList = stamp;
    let page: number[];
    let total: number;
    if (sel.kind === "type") {
      // Newest first, touching only the page (a type may have tens of thousands of events).
      total = all.length;
      page = all.slice(Math.max(0, all.length - this.#shown)).reverse();
    } else {
      // A turn's events read better oldest first; the filter narrows them by type.
      const matching = filter ? all.filter((s) => typeOf(this.#log.record(s)).toLowerCase().includes(filter)) : all;
      total = matching.length;
      page = matching.slice(0, this.#shown);
    }
    const title = sel.kind === "type" ? sel.type : `Turn: ${sel.label}`;
    this.#heading.textContent = `${title} — ${total} event${total === 1 ? "" : "s"}`;
    this.#heading.tabIndex = -1;
    // Keep rows already drawn (their open/closed state) when only new events arrived.
    const existing = new Map<number, HTMLLIElement>();
    for (const li of [...this.#list.children] as HTMLLIElement[]) existing.set(Number(li.dataset["seq"]), li);
    const wanted = page.map((seq) => existing.get(seq) ?? this.#eventRow(seq));
    let cursor: ChildNode | null = this.#list.firstChild;
    for (const li of wanted) {
      if (cursor !== li) this.#list.insertBefore(li, cursor);
      cursor = li.nextSibling;
    }
    while (cursor) {
      const next = cursor.nextSibling;
      cursor.remove();
      cursor = next;
    }
    const rest = total - page.length;
    this.#more.hidden = rest <= 0;
    this.#more.textContent = `Show ${Math.min(rest, this.#pageSize)} more (${rest} not shown)`;
  }

  #eventRow(seq: number): HTMLLIElement {
    const record = this.#log.record(seq);
    const li = h("li", "rtw-event");
    li.dataset["seq"] = String(seq);
    const details = h("details");
    const summary = h("summary");
    const dir = record?.dir === "client" ? "sent" : "received";
    summary.append(
      h("span", "rtw-event-time", record ? formatClock(record.t) : ""),
      h("span", `rtw-event-dir rtw-dir-${record?.dir ?? "server"}`, dir),
      h("span", "rtw-event-type", typeOf(record)),
    );
    const pre = h("pre", "rtw-json");
    const copy = button("rtw-copy", "Copy JSON", `Copy JSON of this ${typeOf(record)} event`);
    details.append(summary, pre, copy);
    // Pretty JSON only for events someone opens: a long session has thousands.
    details.addEventListener("toggle", () => {
      if (details.open && !pre.textContent) pre.textContent = jsonOf(record);
    });
    copy.addEventListener("click", () => {
      void copyText(jsonOf(record)).then((ok) => this.#announce(ok ? "Event JSON copied." : "Copy failed: the browser refused the clipboard."));
    });
    li.append(details);
    return li;
  }
}

function typeOf(record: EventRecord | undefined): string {
  if (!record) return "(dropped)";
  if (!("event" in record)) return "(not JSON)";
  return typeof record.event["type"] === "string" ? record.event["type"] : "(no type)";
}

/** Pretty JSON of a record's event (or its raw text), secrets masked. */
export function jsonOf(record: EventRecord | undefined): string {
  if (!record) return "";
  return redact("event" in record ? JSON.stringify(record.event, null, 2) : record.raw);
}

/** "1 event", "2 events". */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
