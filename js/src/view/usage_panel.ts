// Usage and cost: tokens of the last turn and of the session (input, of which
// cached, and output; text/audio), and the estimated dollars so far, priced with
// the table Python ships (`price_table`) the way Conversation.cost() prices them.
import type { EventLog } from "../event_log";
import { h, formatUsd } from "./dom";
import { addCounts, costOf, readPriceTable, ZERO_COUNTS, type PriceTable, type TokenCounts } from "../pricing";

export interface UsageFigures {
  last: TokenCounts | null;
  lastUsd: number;
  session: TokenCounts;
  /** Responses plus billed input transcription, as Python's w.cost(). */
  sessionUsd: number;
  /** The model the responses were priced at (the session's, else the widget's). */
  pricedAs: string;
}

/** Pure: the figures the panel shows. `widgetModel` prices responses whose session named no model. */
export function usageFigures(log: EventLog, table: PriceTable, widgetModel: string): UsageFigures {
  let session: TokenCounts = { ...ZERO_COUNTS };
  let usd = 0;
  let pricedAs = log.sessionModel ?? widgetModel;
  for (const [model, counts] of log.responseTokens) {
    session = addCounts(session, counts);
    usd += costOf(counts, model || widgetModel, table.prices).total_usd;
  }
  for (const [model, counts] of log.transcriptionTokens) {
    // As in Python: transcription with no known model cannot be priced (NaN).
    usd += costOf(counts, model || null, table.prices).total_usd;
  }
  const last = log.lastTurn;
  if (last) pricedAs = last.model ?? widgetModel;
  return {
    last: last?.counts ?? null,
    lastUsd: last ? costOf(last.counts, last.model ?? widgetModel, table.prices).total_usd : 0,
    session,
    sessionUsd: usd,
    pricedAs,
  };
}

const COLUMNS: ReadonlyArray<readonly [string, (c: TokenCounts) => string]> = [
  ["Input", (c) => `${c.input_tokens}`],
  ["text / audio", (c) => `${c.input_text_tokens} / ${c.input_audio_tokens}`],
  ["cached", (c) => `${c.cached_tokens}`],
  ["Output", (c) => `${c.output_tokens}`],
  ["text / audio", (c) => `${c.output_text_tokens} / ${c.output_audio_tokens}`],
];

/** What both usage panels (Realtime tokens, GPT-Live seconds) are: a collapsed panel with a
 * summary line, a table with a hidden caption and `columns` after a row-label column, a note. */
export abstract class UsagePanelFrame {
  readonly el: HTMLDetailsElement;
  /** The one-line total shown in the summary (and the bar). */
  readonly summaryText: HTMLSpanElement;
  protected readonly table: HTMLTableElement;
  protected readonly note: HTMLParagraphElement;
  #drawn = "";
  #lastTrait: unknown = undefined;

  constructor(className: string, caption: string, columns: readonly string[]) {
    this.el = h("details", className);
    const summary = h("summary");
    this.summaryText = h("span", "rtw-usage-summary", "Usage and cost");
    summary.append(this.summaryText);
    this.table = h("table", "rtw-usage-table");
    this.table.createCaption().textContent = caption;
    this.table.caption!.className = "rtw-visually-hidden";
    const head = this.table.createTHead().insertRow();
    for (const text of ["", ...columns, "Est. USD"]) {
      const th = h("th", undefined, text);
      th.scope = "col";
      head.append(th);
    }
    this.table.createTBody();
    this.note = h("p", "rtw-usage-note");
    const scroll = h("div", "rtw-usage-scroll"); // the table scrolls sideways in a narrow cell
    scroll.append(this.table);
    this.el.append(summary, scroll, this.note);
  }

  /** The bar shows the summary once this is true. */
  abstract shown(log: EventLog): boolean;

  abstract draw(log: EventLog, priceTrait: unknown, widgetModel: string): void;

  /** usageRev, not rev: an event flood must not rebuild the table every frame. */
  protected needsRedraw(log: EventLog, priceTrait: unknown, widgetModel: string): boolean {
    const key = `${log.usageRev}|${widgetModel}`;
    if (key === this.#drawn && priceTrait === this.#lastTrait) return false;
    this.#drawn = key;
    this.#lastTrait = priceTrait;
    return true;
  }
}

/** A table row that starts with its label as a row header. */
export function labelledRow(label: string): HTMLTableRowElement {
  const tr = h("tr");
  const th = h("th", undefined, label);
  th.scope = "row";
  tr.append(th);
  return tr;
}

export class UsagePanel extends UsagePanelFrame {
  constructor() {
    super("rtw-usage", "Tokens and estimated cost", COLUMNS.map(([name]) => name));
  }

  /** The bar shows the summary once a response was billed. */
  override shown(log: EventLog): boolean {
    return log.responses.size > 0;
  }

  override draw(log: EventLog, priceTrait: unknown, widgetModel: string): void {
    if (!this.needsRedraw(log, priceTrait, widgetModel)) return;
    const table = readPriceTable(priceTrait);
    const f = usageFigures(log, table, widgetModel);
    const responses = log.responses.size;
    this.summaryText.textContent =
      responses > 0
        ? `${f.session.input_tokens} in · ${f.session.output_tokens} out tokens · ${formatUsd(f.sessionUsd)} est.`
        : "Usage and cost";
    const body = this.table.tBodies[0]!;
    body.replaceChildren(row("Last turn", f.last, f.lastUsd), row(`Session (${responses} response${responses === 1 ? "" : "s"})`, f.session, f.sessionUsd));
    const source = table.source || "no price table from Python";
    this.note.textContent = Object.keys(table.prices).length
      ? `Estimated at ${f.pricedAs} prices, including input transcription. ${source}`
      : "No price table was sent from Python, so no cost is shown.";
  }
}

function row(label: string, counts: TokenCounts | null, usd: number): HTMLTableRowElement {
  const tr = labelledRow(label);
  for (const [, get] of COLUMNS) tr.append(h("td", undefined, counts ? get(counts) : "–"));
  tr.append(h("td", "rtw-usd", counts ? formatUsd(usd) : "–"));
  return tr;
}
