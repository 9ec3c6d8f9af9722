// GPT-Live's usage and cost: billable seconds (the session's latest cumulative figure; active
// and standby when the session reports them) and the estimated dollars, plus a delegated
// Responses backend's tokens when there were any. Priced with the table Python ships
// (`price_table`) the way w.cost() prices them (live_usage.ts). No per-token voice panel:
// GPT-Live bills its voice by duration.
import type { EventLog } from "../event_log";
import { standbyMeter, voiceCostUsd, type LiveUsage } from "../live_usage";
import { lookupPrices, readPriceTable, type PriceTable } from "../pricing";
import { formatDuration, formatUsd, h } from "./dom";
import { labelledRow, UsagePanelFrame } from "./usage_panel";

export interface LiveUsageFigures {
  current: LiveUsage;
  currentUsd: number;
  seconds: number;
  standbySeconds: number;
  voiceUsd: number;
  backendResponses: number;
  backendTokensIn: number;
  backendTokensOut: number;
  backendUsd: number;
  /** Voice and backend together, as w.cost(). */
  totalUsd: number;
  /** The voice model the seconds were priced at (the session's, else the widget's). */
  pricedAs: string;
}

/** Pure: the figures the panel shows. */
export function liveUsageFigures(log: EventLog, table: PriceTable, widgetModel: string): LiveUsageFigures {
  const live = log.live;
  const pricedAs = live.model ?? widgetModel;
  const voiceUsd = live.voiceUsd(pricedAs, table.prices);
  const backendUsd = live.backendUsd(table.prices);
  const counts = live.backendCounts;
  return {
    current: live.current,
    currentUsd: voiceCostUsd(live.current, pricedAs, table.prices),
    seconds: live.seconds,
    standbySeconds: live.standbySeconds,
    voiceUsd,
    backendResponses: live.backend.size,
    backendTokensIn: counts.input_tokens,
    backendTokensOut: counts.output_tokens,
    backendUsd,
    totalUsd: voiceUsd + backendUsd,
    pricedAs,
  };
}

/** Seconds as the panel says them: "1:05 (65 s)". */
export function formatSeconds(seconds: number): string {
  return `${formatDuration(seconds * 1000)} (${Math.round(seconds)} s)`;
}

export class LiveUsagePanel extends UsagePanelFrame {
  constructor() {
    super("rtw-usage rtw-usage-live", "Billable seconds and estimated cost", ["Billable time", "of which standby"]);
  }

  /** The bar shows the summary once anything was billed. */
  override shown(log: EventLog): boolean {
    return log.live.seconds > 0 || log.live.backend.size > 0;
  }

  override draw(log: EventLog, priceTrait: unknown, widgetModel: string): void {
    if (!this.needsRedraw(log, priceTrait, widgetModel)) return;
    const table = readPriceTable(priceTrait);
    const f = liveUsageFigures(log, table, widgetModel);
    this.summaryText.textContent = this.shown(log) ? `${formatDuration(f.seconds * 1000)} billed · ${formatUsd(f.totalUsd)} est.` : "Usage and cost";
    const sessions = log.live.sessions.length;
    const rows = [
      row("This session", formatSeconds(f.current.seconds), f.current.broken ? formatSeconds(f.current.standbySeconds) : "–", f.currentUsd),
      row(`All sessions (${sessions})`, formatSeconds(f.seconds), formatSeconds(f.standbySeconds), f.voiceUsd),
    ];
    if (f.backendResponses > 0) {
      const label = `Delegated backend (${f.backendResponses} response${f.backendResponses === 1 ? "" : "s"})`;
      rows.push(row(label, `${f.backendTokensIn} in · ${f.backendTokensOut} out tokens`, "–", f.backendUsd));
    }
    this.table.tBodies[0]!.replaceChildren(...rows);
    const active = lookupPrices(f.pricedAs, table.prices)?.per_minute;
    const standby = lookupPrices(standbyMeter(f.pricedAs), table.prices)?.per_minute;
    const rates =
      typeof active === "number"
        ? `${formatUsd(active)}/min active${typeof standby === "number" ? `, ${formatUsd(standby)}/min standby` : ""}, billed per second`
        : "no per-second price for this model";
    const source = table.source || "no price table from Python";
    this.note.textContent = Object.keys(table.prices).length
      ? `GPT-Live bills its voice by session time: estimated at ${f.pricedAs} rates (${rates}), plus the delegated backend's tokens. ${source}`
      : "No price table was sent from Python, so no cost is shown.";
  }
}

function row(label: string, time: string, standby: string, usd: number): HTMLTableRowElement {
  const tr = labelledRow(label);
  tr.append(h("td", undefined, time), h("td", undefined, standby), h("td", "rtw-usd", formatUsd(usd)));
  return tr;
}
