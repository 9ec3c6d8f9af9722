// What a connecting attempt waits for before it counts as connected: the SDP answer
// applied, session.created, and one session.updated for every session.update sent
// before then, so the first response already uses the settings the kernel sent.
import { isJsonObject, type JsonObject } from "../protocol";

export interface Handshake {
  answered: boolean;
  sessionCreated: boolean;
  /** session.update events sent before ready and not yet answered. */
  pendingUpdates: number;
  pendingUpdateIds: Set<string>;
}

export function createHandshake(): Handshake {
  return { answered: false, sessionCreated: false, pendingUpdates: 0, pendingUpdateIds: new Set() };
}

export function handshakeDone(handshake: Handshake): boolean {
  return handshake.sessionCreated && handshake.pendingUpdates === 0 && handshake.answered;
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
  if (type === "session.created") {
    handshake.sessionCreated = true;
  } else if (type === "session.updated") {
    if (handshake.pendingUpdates > 0) handshake.pendingUpdates--;
  } else if (type === "error") {
    const error = isJsonObject(event["error"]) ? event["error"] : {};
    // A rejected session.update will never be followed by session.updated.
    const eventId = error["event_id"];
    if (typeof eventId === "string" && handshake.pendingUpdateIds.delete(eventId) && handshake.pendingUpdates > 0) {
      handshake.pendingUpdates--;
    }
    return typeof error["message"] === "string" ? error["message"] : "unknown error";
  }
  return null;
}
