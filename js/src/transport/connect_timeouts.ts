// The connect timeouts: their defaults, reading an option (a number, or a getter read
// at each attempt), and how a timeout reads in a failure message.

export const DEFAULT_TIMEOUT_MS = 15_000;
/** api_facts.ICE_DISCONNECT_GRACE_MS: the official agents-realtime client's 5 s. */
export const DEFAULT_DISCONNECT_GRACE_MS = 5_000;

/** A timeout option (number or getter) as a usable positive number of ms. */
export function timeoutMs(option: number | (() => number) | undefined, fallback = DEFAULT_TIMEOUT_MS): number {
  const value = typeof option === "function" ? option() : option;
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** "1.5 s" / "20 s": timeouts below a few seconds are shown with one decimal so tests and users see the real figure. */
export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1).replace(/\.0$/, "")} s` : `${Math.round(ms / 1000)} s`;
}
