// GPT-Live's usage and its estimated cost (pure). Live bills the voice session by
// duration, per second, not by tokens: `session.usage.updated` (and `session.closed`)
// carry the session's CUMULATIVE billable seconds, with an active / paused
// breakdown when the session reports one (eligible WebRTC sessions). So the latest
// figure of a session replaces the one before, never adds to it; a new session
// (`session.started` after a reconnect) starts a new figure, and the widget's total
// is the sum of each session's latest.
//
// Prices come from the `price_table` trait: the model's row gives USD per minute of
// active time in `per_minute` (the same per-minute meter field the Realtime table uses
// for duration-billed transcription) and of paused ("standby") time in
// `paused_per_minute`; seconds are priced as seconds / 60 × the per-minute rate (no
// rounding up to a minute, as the voice-latency-cost guide says).
import { isJsonObject, type JsonObject } from "./protocol";
import { lookupPrices, type ModelPrices } from "./pricing";

export interface LiveUsage {
  /** Cumulative billable seconds of the session. */
  seconds: number;
  /** The active / paused breakdown (they add up to `seconds`), when the session reports it. */
  activeSeconds: number | null;
  pausedSeconds: number | null;
}

export const NO_LIVE_USAGE: Readonly<LiveUsage> = Object.freeze({ seconds: 0, activeSeconds: null, pausedSeconds: null });

/** The `usage` of a session.usage.updated / session.closed event; null when it has none. */
export function liveUsageOf(event: JsonObject): LiveUsage | null {
  const usage = event["usage"];
  if (!isJsonObject(usage) || typeof usage["seconds"] !== "number" || !Number.isFinite(usage["seconds"])) return null;
  const part = (key: string): number | null => {
    const v = usage[key];
    return typeof v === "number" && Number.isFinite(v) ? v : null;
  };
  return { seconds: usage["seconds"], activeSeconds: part("active_seconds"), pausedSeconds: part("paused_seconds") };
}

/** Each session's latest usage figure, in session order. */
export class LiveUsageLog {
  readonly #sessions: LiveUsage[] = [];

  /** A server event; true when the usage it shows changed. */
  observe(type: string, event: JsonObject): boolean {
    if (type === "session.started") {
      this.#sessions.push({ ...NO_LIVE_USAGE });
      return true;
    }
    if (type !== "session.usage.updated" && type !== "session.closed") return false;
    const usage = liveUsageOf(event);
    if (!usage) return false;
    // Usage before any session.started (a log joined late) counts as one session.
    if (this.#sessions.length === 0) this.#sessions.push(usage);
    else this.#sessions[this.#sessions.length - 1] = usage;
    return true;
  }

  /** The current (last) session's usage. */
  get current(): LiveUsage {
    return this.#sessions[this.#sessions.length - 1] ?? NO_LIVE_USAGE;
  }

  get sessions(): readonly LiveUsage[] {
    return this.#sessions;
  }

  /** All sessions together: each one's latest figure, summed over sessions (the breakdown
   * only when every session that billed time gave one). */
  get total(): LiveUsage {
    const billed = this.#sessions.filter((s) => s.seconds > 0);
    const sum = (f: (s: LiveUsage) => number | null): number => billed.reduce((acc, s) => acc + (f(s) ?? 0), 0);
    const broken = billed.length > 0 && billed.every((s) => s.activeSeconds !== null && s.pausedSeconds !== null);
    return {
      seconds: sum((s) => s.seconds),
      activeSeconds: broken ? sum((s) => s.activeSeconds) : null,
      pausedSeconds: broken ? sum((s) => s.pausedSeconds) : null,
    };
  }

  /** Estimated USD of all sessions (each priced on its own breakdown, or all active without one). */
  costUsd(model: string, table: Record<string, ModelPrices>): number {
    return this.#sessions.reduce((acc, s) => acc + liveCostUsd(s, model, table), 0);
  }
}

/**
 * Estimated USD of a Live usage figure at `model`'s row of the price table; NaN when the
 * model has no row or the time used has no price (as Python prices an unknown model).
 */
export function liveCostUsd(usage: LiveUsage, model: string, table: Record<string, ModelPrices>): number {
  if (usage.seconds === 0) return 0;
  const p = lookupPrices(model, table);
  if (!p) return NaN;
  const active = p.per_minute ?? NaN;
  if (usage.activeSeconds === null || usage.pausedSeconds === null) return (usage.seconds / 60) * active;
  const paused = usage.pausedSeconds === 0 ? 0 : (usage.pausedSeconds / 60) * (p.paused_per_minute ?? NaN);
  return (usage.activeSeconds / 60) * active + paused;
}
