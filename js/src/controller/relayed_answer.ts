// The kernel's reply to the sdp_offer request ("kernel" signaling), checked before the
// transport uses it: an answer, or the HTTP error answer the kernel's POST got.
import { isJsonObject } from "../protocol";
import { RpcError } from "../rpc";
import type { RelayedAnswer } from "../transport";

const MISMATCH = "the Python and browser sides of the widget may be out of date with each other.";

/** Resolves with what the kernel's POST got; rejects with the error to show when no HTTP answer came. */
export async function relayedAnswer(reply: Promise<unknown>): Promise<RelayedAnswer> {
  let result: unknown;
  try {
    result = await reply;
  } catch (err) {
    const detail = err instanceof RpcError ? err.detail : undefined;
    if (detail && typeof detail.status === "number" && typeof detail.body === "string") {
      return { kind: "refused", status: detail.status, body: detail.body };
    }
    throw err;
  }
  if (!isJsonObject(result) || typeof result["sdp"] !== "string") {
    throw new Error(`The kernel's answer to the call request has no \`sdp\`; ${MISMATCH}`);
  }
  const callId = result["call_id"];
  return { kind: "answer", sdp: result["sdp"], callId: typeof callId === "string" && callId ? callId : null };
}
