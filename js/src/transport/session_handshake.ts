// What a connecting attempt waits for before it counts as connected: the SDP answer
// applied, the API's ready event (the Realtime API's session.created, GPT-Live's
// session.started), and one session.updated for every session.update sent before then,
// so the first response already uses the settings the kernel sent.
import { isJsonObject, type JsonObject } from "../protocol";
import { errorCause, readyEventOf, type VoiceApi } from "../voice_api";

export interface Handshake {
  /** The server event that says the session is ready. */
  readyEvent: string;
  answered: boolean;
  /** The ready event arrived (session.created, or session.started for GPT-Live). */
  sessionReady: boolean;
  /** session.update events sent before ready and not yet answered. */
  pendingUpdates: number;
  pendingUpdateIds: Set<string>;
}

export function createHandshake(api: VoiceApi = "realtime"): Handshake {
  return { readyEvent: readyEventOf(api), answered: false, sessionReady: false, pendingUpdates: 0, pendingUpdateIds: new Set() };
}

export function handshakeDone(handshake: Handshake): boolean {
  return handshake.sessionReady && handshake.pendingUpdates === 0 && handshake.answered;
}

/** A client event sent before ready: a session.update is one more answer to wait for. */
export function noteSentBeforeReady(handshake: Handshake, event: JsonObject): void {
  if (event["type"] !== "session.update") return;
  handshake.pendingUpdates++;
  if (typeof event["event_id"] === "string") handshake.pendingUpdateIds.add(event["event_id"]);
}

/** Applies a server event; returns the message of an `error` event (null for any other). */
export function noteServerEvent(handshake: Handshake, event: JsonObject): string | null {
  const type = event["type"];
  if (type === handshake.readyEvent) {
    handshake.sessionReady = true;
  } else if (type === "session.updated") {
    if (handshake.pendingUpdates > 0) handshake.pendingUpdates--;
  } else if (type === "error") {
    const error = isJsonObject(event["error"]) ? event["error"] : {};
    // A rejected session.update will never be followed by session.updated.
    const eventId = errorCause(event);
    if (eventId && handshake.pendingUpdateIds.delete(eventId) && handshake.pendingUpdates > 0) {
      handshake.pendingUpdates--;
    }
    return typeof error["message"] === "string" ? error["message"] : "unknown error";
  }
  return null;
}
