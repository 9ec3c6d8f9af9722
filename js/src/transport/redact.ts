// Masking secrets in text that users or logs see: errors quote the client secret or
// the API key back more often than one would think.

/**
 * Masks anything that looks like an API key or a client secret, also when a server quotes
 * it partly starred out ("ek_*****339d", "sk-proj-****wxyz"), and bearer headers.
 */
export function redact(text: string): string {
  return text
    .replace(/\b(sk-[A-Za-z0-9_-]{3})[A-Za-z0-9_\-*]*/g, "$1…")
    .replace(/\bek_[A-Za-z0-9_\-*]*/g, "ek_…")
    .replace(/[A-Za-z0-9_-]{0,16}\*{3,}[A-Za-z0-9_-]{0,16}/g, "***")
    .replace(/\b(bearer)\s+\S+/gi, "$1 …");
}
