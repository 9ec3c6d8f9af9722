// What the controller reports to the kernel through the status, error and call_id traits.
import { isJsonObject, type JsonObject } from "../protocol";
import type { ConnectionState } from "../transport";
import { errorCause } from "../voice_api";

export type TraitPatch = Record<string, string>;

/** The part of the model a report writes to. */
export interface TraitWriter {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  save_changes(): void;
}

/**
 * Writes only the traits whose value differs and saves once, so the kernel sees one change
 * per report and none for a report that changes nothing. True when something was written.
 */
export function writeTraits(model: TraitWriter, patch: TraitPatch): boolean {
  let changed = false;
  for (const [key, value] of Object.entries(patch)) {
    if (model.get(key) !== value) {
      model.set(key, value);
      changed = true;
    }
  }
  if (changed) model.save_changes();
  return changed;
}

/** The traits a connection state sets: a new attempt clears the last call's error and id. */
export function connectionPatch(state: ConnectionState): TraitPatch {
  const patch: TraitPatch = { status: state.kind };
  if (state.kind === "connecting") {
    patch["error"] = "";
    patch["call_id"] = "";
  } else if (state.kind === "connected") {
    patch["call_id"] = state.callId ?? "";
  } else if (state.kind === "error") {
    patch["error"] = state.message;
  }
  return patch;
}

/**
 * A status the kernel last heard from a front end that is gone (page reload, notebook
 * reopened): the new front end has no call, so these are reported as idle.
 */
export function isStaleCallStatus(status: string): boolean {
  return status === "connecting" || status === "connected" || status === "closing";
}

/**
 * The `error` text for a server error event, naming the client event that caused it (the API
 * echoes its event_id: the Realtime API as `error.event_id`, GPT-Live as
 * `error.client_event_id`; `clientEventType` looks up what was sent with that id).
 */
export function serverErrorText(event: JsonObject, clientEventType: (eventId: string) => string | null): string {
  const error = isJsonObject(event["error"]) ? event["error"] : {};
  const message = typeof error["message"] === "string" ? error["message"] : "unknown error";
  const code = typeof error["code"] === "string" ? ` (${error["code"]})` : "";
  const cause = errorCause(event);
  const causeType = cause ? clientEventType(cause) : null;
  const about = cause ? ` (caused by the client event ${causeType ?? "with event_id"} ${cause})` : "";
  return `The server reported an error: ${message}${code}${about}`;
}

/** Why a client event from the kernel went nowhere (no call to send it on). */
export function notSentText(event: JsonObject): string {
  const type = typeof event["type"] === "string" ? event["type"] : "(no type)";
  return `Not connected: the client event "${type}" was not sent. Press Connect (or call w.connect()) first.`;
}
