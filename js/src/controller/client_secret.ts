// The kernel's reply to the client_secret request, checked before the transport uses it.
import { isJsonObject } from "../protocol";
import type { ClientSecret } from "../transport";

export function readClientSecret(result: unknown): ClientSecret {
  if (!isJsonObject(result) || typeof result["value"] !== "string") {
    throw new Error("The kernel's client secret reply has no `value`; the Python and browser sides of the widget may be out of date with each other.");
  }
  const expires = result["expires_at"];
  return typeof expires === "number" ? { value: result["value"], expires_at: expires } : { value: result["value"] };
}
