// SDP signaling: the offer POSTed to `${baseUrl}/v1/realtime/calls` with the client
// secret, the answer read back (and the call id from its Location), and what to tell
// the user when there is no answer. `readAnswer` and `describeHttpError` also word what
// the kernel's POST got ("kernel" signaling, sdp_relay.ts), so both paths read the same.
import { isJsonObject } from "../protocol";
import { seconds, timeoutMs } from "./connect_timeouts";
import { redact } from "./redact";

/** The parts of TransportDeps the POST reads. */
export interface OfferTarget {
  baseUrl: () => string;
  fetch?: typeof fetch | undefined;
  postTimeoutMs?: number | (() => number);
}

export interface SdpAnswer {
  sdp: string;
  callId: string | null;
}

/**
 * `abort` is the attempt's: releasing the attempt cancels the POST, and so does the
 * timeout. `check` throws when the attempt is stale, so a cancelled POST never shows
 * as a network error.
 */
export async function postOffer(
  target: OfferTarget,
  abort: AbortController,
  sdp: string,
  secret: string,
  check: () => void,
): Promise<SdpAnswer> {
  const doFetch = target.fetch ?? globalThis.fetch?.bind(globalThis);
  if (!doFetch) throw new Error("This browser has no fetch().");
  const url = callsUrl(target.baseUrl());
  const postMs = timeoutMs(target.postTimeoutMs);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, postMs);
  let response: Response;
  let body: string;
  try {
    response = await doFetch(url, {
      method: "POST",
      body: sdp,
      headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/sdp" },
      signal: abort.signal,
    });
    check();
    body = await response.text();
  } catch (err) {
    if (timedOut) {
      throw new Error(`The server did not answer the call request within ${seconds(postMs)} (POST ${url}).`);
    }
    check();
    throw new Error(
      `Could not reach ${url}: ${err instanceof Error ? err.message : String(err)}. ` +
        "Check that the server (or the emulator) is running and reachable from this browser.",
    );
  } finally {
    clearTimeout(timer);
  }
  check();
  if (!response.ok) throw new Error(describeHttpError(response.status, body, url));
  return readAnswer(body, callIdFromLocation(response.headers.get("Location")), url);
}

/** Where the offer goes. */
export function callsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/v1/realtime/calls`;
}

/** A 2xx answer's body: the SDP answer, or an error saying it is something else. */
export function readAnswer(body: string, callId: string | null, url: string): SdpAnswer {
  if (!body.trimStart().startsWith("v=0")) {
    throw new Error(
      `The server answered the call request (POST ${url}) with something that is not an SDP answer ` +
        `(expected text starting with "v=0", got ${JSON.stringify(redact(body.slice(0, 80)))}). Is base_url right?`,
    );
  }
  return { sdp: body, callId };
}

/** What authenticated the POST: the browser's client secret, or the kernel's API key. */
export type Credential = "client_secret" | "api_key";

/**
 * The user's message for an HTTP error answer to the offer. Only the 401/403 lead depends
 * on who posted it: a client secret can expire, the API key is the user's to check.
 */
export function describeHttpError(status: number, body: string, url: string, credential: Credential = "client_secret"): string {
  let apiMessage = "";
  let code = "";
  try {
    const parsed: unknown = JSON.parse(body);
    if (isJsonObject(parsed) && isJsonObject(parsed["error"])) {
      const e = parsed["error"];
      if (typeof e["message"] === "string") apiMessage = e["message"];
      if (typeof e["code"] === "string") code = e["code"];
    }
  } catch {
    apiMessage = body.trim().slice(0, 200);
  }
  const detail = apiMessage ? ` Server said: ${apiMessage}${code ? ` (${code})` : ""}` : "";
  let lead: string;
  if ((status === 401 || status === 403) && credential === "api_key") {
    lead =
      status === 401
        ? "The API key was rejected (401) when the kernel started the call. Check OPENAI_API_KEY or the api_key argument."
        : "The API key may not start this call (403). Check the key's project permissions and the model name.";
  } else if (status === 401 || status === 403) {
    lead = `The client secret was rejected (${status}) when starting the call. It may have expired; press Connect again to get a new one.`;
  } else if (status === 404) {
    lead = `The call endpoint was not found (404 at ${url}). Check base_url.`;
  } else if (status === 429) {
    lead = "Too many requests or quota exceeded (429). Wait a moment, check your plan and billing, then press Connect again.";
  } else if (status >= 500) {
    lead = `The server failed to start the call (${status}). Try again in a moment.`;
  } else {
    lead = `The server refused the call (${status}).`;
  }
  return redact(lead + detail);
}

/** `Location: /v1/realtime/calls/rtc_abc` → `rtc_abc`. */
export function callIdFromLocation(location: string | null): string | null {
  if (!location) return null;
  const path = location.split(/[?#]/, 1)[0] ?? "";
  const last = path.split("/").filter((s) => s.length > 0).pop();
  return last ?? null;
}
