// What part of an interrupted turn was heard: the split of its text at the truncation
// point, and the audio lengths that split rests on.

/** Assistant audio bills about 1 output token per 50 ms (realtime-api.md §5, the emulator's usage.py). */
export const ASSISTANT_AUDIO_MS_PER_TOKEN = 50;
/** Speaking rate assumed when an item's audio length is unknown (≈170 words a minute; the emulator's voice). */
export const SPEAKING_MS_PER_CHAR = 60;
const SPACE = new Set([" ", "\t", "\n", "\r", "\f", "\v"]);

/**
 * The heard and unheard parts of a turn's text (`heard + unheard === text`): the share
 * heardMs / audio length of the characters, cut back to the last whole word. Audio length:
 * `audioMs` (from the response's output audio tokens), else SPEAKING_MS_PER_CHAR per
 * character. Never truncated (`heardMs` null): all heard. Same arithmetic as Python's
 * `conversation.heard.heard_split`.
 */
export function heardSplit(text: string, heardMs: number | null, audioMs: number | null): { heard: string; unheard: string } {
  if (heardMs === null) return { heard: text, unheard: "" };
  if (heardMs <= 0 || !text) return { heard: "", unheard: text };
  const n = text.length;
  const duration = audioMs !== null && audioMs > 0 ? audioMs : n * SPEAKING_MS_PER_CHAR;
  if (heardMs >= duration) return { heard: text, unheard: "" };
  let cut = Math.floor((n * heardMs) / duration + 0.5);
  if (cut > 0 && cut < n && !SPACE.has(text.charAt(cut)) && !SPACE.has(text.charAt(cut - 1))) {
    while (cut > 0 && !SPACE.has(text.charAt(cut - 1))) cut--;
  }
  while (cut > 0 && SPACE.has(text.charAt(cut - 1))) cut--;
  return { heard: text.slice(0, cut), unheard: text.slice(cut) };
}
