// Which of OpenAI's two voice APIs a widget talks to: the Realtime API or GPT-Live. The
// kernel fixes it at construction (the `api` trait, picked by the model family:
// live_facts.api_of); the browser reads it and changes what it sends, waits for and shows.
import { isJsonObject, type JsonObject } from "./protocol";

export type VoiceApi = "realtime" | "live";

/** The `api` trait as the browser reads it: anything but "live" is the Realtime API (the default). */
export function voiceApiOf(value: unknown): VoiceApi {
  return value === "live" ? "live" : "realtime";
}

/** The name the view shows beside the emulator badge. */
export function voiceApiLabel(api: VoiceApi): string {
  return api === "live" ? "GPT-Live" : "Realtime API";
}

/**
 * The server event after which a call is ready: the Realtime API's `session.created`, GPT-Live's
 * `session.started` (the WebRTC creation already started it; the browser sends no session.start).
 */
export function readyEventOf(api: VoiceApi): string {
  return api === "live" ? "session.started" : "session.created";
}

/**
 * The client event an `error` event names: the Realtime API's `error.event_id`, GPT-Live's
 * `error.client_event_id` (or the event's own `client_event_id`). "" when it names none.
 */
export function errorCause(event: JsonObject): string {
  const error = isJsonObject(event["error"]) ? event["error"] : {};
  for (const id of [error["event_id"], error["client_event_id"], event["client_event_id"]]) {
    if (typeof id === "string" && id) return id;
  }
  return "";
}
