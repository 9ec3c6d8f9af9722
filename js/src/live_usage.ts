// GPT-Live's usage and its estimated cost (pure), as the kernel prices it
// (conversation/pricing.py: voice_seconds, standby_meter), so the view's dollars are
// w.cost()'s. Live bills the voice session by duration, per second, not by tokens:
// `session.usage.updated` (and `session.closed`) carry the session's CUMULATIVE billable
// seconds, and eligible WebRTC sessions also the paused part, billed at the lower
// standby rate. So the latest figure of a session replaces the one before, never adds to
// it; a new session (a second `session.started`) starts a new figure, and the widget's
// total is the sum of each session's latest. A delegated Responses backend is billed by
// tokens: each nested response that ended (`response.event` → response.completed /
// failed / incomplete) with usage, priced as its model.
//
// Prices come from the `price_table` trait: the voice model's row gives USD per minute of
// active time in `per_minute`, and the row `<model>:standby` the standby rate; seconds are
// priced as seconds / 60 × the per-minute rate (no rounding up to a minute).
import { isJsonObject, type JsonObject } from "./protocol";
import { addCounts, costOf, lookupPrices, tokenCounts, ZERO_COUNTS, type ModelPrices, type TokenCounts } from "./pricing";

/** Suffix of a voice model's standby-rate row in the price table ("gpt-live-1:standby"). */
export const STANDBY_SUFFIX = ":standby";

export interface LiveUsage {
  /** Cumulative billable seconds of the session. */
  seconds: number;
  /** The part billed at the standby rate (paused inference); 0 without a breakdown. */
  standbySeconds: number;
  /** The session reported the active / paused breakdown. */
  broken: boolean;
}

export const NO_LIVE_USAGE: Readonly<LiveUsage> = Object.freeze({ seconds: 0, standbySeconds: 0, broken: false });

/** The `usage` of a session.usage.updated / session.closed event; null when it has none. */
export function liveUsageOf(event: JsonObject): LiveUsage | null {
  const usage = event["usage"];
  if (!isJsonObject(usage)) return null;
  const seconds = finite(usage["seconds"]);
  if (seconds === null) return null;
  const paused = finite(usage["paused_seconds"]);
  // As pricing.voice_seconds: the paused part, within [0, seconds]; without it every second is active.
  return { seconds, standbySeconds: Math.min(Math.max(paused ?? 0, 0), seconds), broken: paused !== null };
}

/** The table key of a voice model's standby rate: its family's name + ":standby". */
export function standbyMeter(model: string): string {
  return model.replace(/-\d{4}-\d{2}-\d{2}$/, "") + STANDBY_SUFFIX;
}

/** A delegated backend response that ended, with its tokens. */
export interface BackendUsage {
  responseId: string;
  model: string;
  counts: TokenCounts;
}

const BACKEND_DONE = new Set(["response.completed", "response.failed", "response.incomplete"]);

/** Each session's latest usage figure, in session order, and the delegated backend's tokens. */
export class LiveUsageLog {
  readonly #sessions: LiveUsage[] = [];
  readonly #backend = new Map<string, BackendUsage>();
  #startedHere = false;
  #model: string | null = null;
  #backendModel: string | null = null;

  /** A server event; true when the usage it shows changed. */
  observe(type: string, event: JsonObject): boolean {
    switch (type) {
      case "session.started":
        // The first session.started opens the first session; each later one a new one.
        if (this.#startedHere || this.#sessions.length === 0) this.#sessions.push({ ...NO_LIVE_USAGE });
        this.#startedHere = true;
        this.#readSession(obj(event["session"]));
        return true;
      case "session.updated":
        this.#readSession(obj(event["session"]));
        return false;
      case "session.usage.updated":
      case "session.closed": {
        const usage = liveUsageOf(event);
        if (!usage) return false;
        // Usage before any session.started (a log joined late) counts as one session.
        if (this.#sessions.length === 0) this.#sessions.push(usage);
        else this.#sessions[this.#sessions.length - 1] = usage;
        return true;
      }
      case "response.event":
        return this.#backendEvent(obj(event["event"]));
      default:
        return false;
    }
  }

  /** The model the session named (session.started), or null before it. */
  get model(): string | null {
    return this.#model;
  }

  /** The current (last) session's usage. */
  get current(): LiveUsage {
    return this.#sessions[this.#sessions.length - 1] ?? NO_LIVE_USAGE;
  }

  get sessions(): readonly LiveUsage[] {
    return this.#sessions;
  }

  get backend(): ReadonlyMap<string, BackendUsage> {
    return this.#backend;
  }

  /** Billable seconds of all sessions (each one's latest figure, summed over sessions). */
  get seconds(): number {
    return this.#sessions.reduce((acc, s) => acc + s.seconds, 0);
  }

  get standbySeconds(): number {
    return this.#sessions.reduce((acc, s) => acc + s.standbySeconds, 0);
  }

  /** The delegated backend's tokens, all responses together. */
  get backendCounts(): TokenCounts {
    let counts: TokenCounts = { ...ZERO_COUNTS };
    for (const b of this.#backend.values()) counts = addCounts(counts, b.counts);
    return counts;
  }

  /** Estimated USD of the voice sessions at `model`'s rates (the session's model, else the widget's). */
  voiceUsd(model: string, table: Record<string, ModelPrices>): number {
    return this.#sessions.reduce((acc, s) => acc + voiceCostUsd(s, model, table), 0);
  }

  /** Estimated USD of the delegated backend's responses, each at its model's prices. */
  backendUsd(table: Record<string, ModelPrices>): number {
    let usd = 0;
    for (const b of this.#backend.values()) usd += costOf(b.counts, b.model || null, table).total_usd;
    return usd;
  }

  #readSession(session: JsonObject): void {
    if (typeof session["model"] === "string" && session["model"]) this.#model = session["model"];
    const responses = obj(obj(session["delegation"])["responses"]);
    if (typeof responses["model"] === "string" && responses["model"]) this.#backendModel = responses["model"];
  }

  #backendEvent(inner: JsonObject): boolean {
    if (!BACKEND_DONE.has(String(inner["type"]))) return false;
    const response = obj(inner["response"]);
    const id = response["id"];
    if (typeof id !== "string" || this.#backend.has(id)) return false;
    const model = typeof response["model"] === "string" && response["model"] ? response["model"] : (this.#backendModel ?? "");
    this.#backend.set(id, { responseId: id, model, counts: tokenCounts(response["usage"]) });
    return true;
  }
}

/**
 * Estimated USD of one session's usage at `model`'s active rate and its standby row's rate;
 * NaN when time was used at a rate the table does not have (as Python prices an unknown model).
 */
export function voiceCostUsd(usage: LiveUsage, model: string, table: Record<string, ModelPrices>): number {
  const active = usage.seconds - usage.standbySeconds;
  const standby = usage.standbySeconds;
  return perSecond(active, lookupPrices(model, table)) + perSecond(standby, lookupPrices(standbyMeter(model), table));
}

function perSecond(seconds: number, prices: ModelPrices | null): number {
  if (seconds === 0) return 0;
  return (seconds / 60) * (prices?.per_minute ?? NaN);
}

function obj(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}

function finite(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
