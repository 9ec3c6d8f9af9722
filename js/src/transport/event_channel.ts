// The "oai-events" data channel's messages: each received one parsed once into the
// record every consumer gets, and the types of recently sent client events by
// event_id, so a server `error` naming an event_id can say what caused it.
import { isJsonObject, type EventRecord, type JsonObject } from "../protocol";

/** Client events held while the channel is not open yet; more are dropped. */
export const MAX_QUEUED = 100;
/** Client events remembered (event_id → type). */
const MAX_REMEMBERED = 500;

/** A received message as its record: the parsed event, or the raw text when it is not a JSON object. */
export function serverRecord(t: number, data: unknown): EventRecord {
  const text = typeof data === "string" ? data : String(data);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return isJsonObject(parsed) ? { t, dir: "server", event: parsed } : { t, dir: "server", raw: text };
}

/** The last MAX_REMEMBERED sent event_ids and their types, oldest forgotten first. */
export class SentEventTypes {
  readonly #types = new Map<string, string>();

  remember(event: JsonObject): void {
    const eventId = event["event_id"];
    if (typeof eventId !== "string") return;
    this.#types.set(eventId, typeof event["type"] === "string" ? event["type"] : "(no type)");
    if (this.#types.size > MAX_REMEMBERED) {
      const oldest = this.#types.keys().next().value;
      if (oldest !== undefined) this.#types.delete(oldest);
    }
  }

  typeOf(eventId: string): string | null {
    return this.#types.get(eventId) ?? null;
  }
}
