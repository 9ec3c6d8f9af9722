// "Kernel" signaling: the offer handed to the kernel, which POSTs it with the API key; the
// answer (or the HTTP error) it got is read with the same functions as the browser's own
// POST (sdp_offer.ts), so the user sees the same words either way.
import { callsUrl, describeHttpError, readAnswer, type SdpAnswer } from "./sdp_offer";
import { timeoutMs } from "./connect_timeouts";
import type { RelayedAnswer, TransportDeps } from "./transport_types";

/**
 * The kernel holds its POST to the call timeout and answers when it runs out, in the
 * browser's words; the browser waits this much longer for that answer to cross the comm
 * before it gives the kernel up.
 */
export const RELAY_MARGIN_MS = 2_000;

/** The parts of TransportDeps the relay reads. */
export type RelayTarget = Pick<TransportDeps, "baseUrl" | "relayOffer" | "postTimeoutMs">;

/**
 * `abort` is the attempt's: releasing the attempt gives the request up (the kernel is told
 * and stops its POST). `check` throws when the attempt is stale, so a cancelled request
 * never shows as an error.
 */
export async function relayOffer(target: RelayTarget, abort: AbortController, sdp: string, check: () => void): Promise<SdpAnswer> {
  const relay = target.relayOffer;
  if (!relay) throw new Error('signaling="kernel" needs the kernel to post the offer, and this page cannot reach it.');
  const url = callsUrl(target.baseUrl());
  let outcome: RelayedAnswer;
  try {
    outcome = await relay(sdp, { signal: abort.signal, timeoutMs: timeoutMs(target.postTimeoutMs) + RELAY_MARGIN_MS });
  } finally {
    check();
  }
  if (outcome.kind === "refused") throw new Error(describeHttpError(outcome.status, outcome.body, url, "api_key"));
  return readAnswer(outcome.sdp, outcome.callId, url);
}
