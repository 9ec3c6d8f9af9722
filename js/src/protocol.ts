// The kernel ⇄ browser message shapes (docs/architecture.md). One place, so the
// transport, the batcher and the entry agree on them.

/** A JSON object as it came off (or goes onto) the data channel. */
export type JsonObject = { [key: string]: unknown };

export type Direction = "server" | "client";

/** One logged data channel message: parsed JSON, or the raw text when it was not JSON. */
export type EventRecord =
  | { t: number; dir: Direction; event: JsonObject }
  | { t: number; dir: Direction; raw: string };

export type ConnectionStatus = "idle" | "connecting" | "connected" | "closing" | "error";

/** Kernel → browser. */
export type KernelMessage =
  | { type: "command"; name: "connect" | "disconnect" }
  | { type: "client-event"; event: JsonObject }
  | RpcReply;

export type RpcReply =
  | { type: "rpc-reply"; id: number; ok: true; result: unknown }
  | { type: "rpc-reply"; id: number; ok: false; error: RpcErrorBody };

/** An error reply's `error`: a readable message; for a refused SDP offer ("kernel"
 * signaling) also the HTTP status and body of the API's answer. */
export interface RpcErrorBody {
  message: string;
  code?: string | null;
  status?: number | null;
  body?: string;
}

/** Browser → kernel. */
export type BrowserMessage =
  | { type: "rpc"; id: number; method: string; params: JsonObject }
  // The browser gave up the request `id` (its connect attempt was released).
  | { type: "rpc-cancel"; id: number }
  | { type: "events"; seq: number; events: EventRecord[]; fe?: string; base?: number }
  | { type: "log"; level: "info" | "warning" | "error"; message: string }
  | { type: "ui"; action: "send_text"; text: string }
  | { type: "ui"; action: "reconnect" }
  | { type: "ui"; action: "dismiss_notice"; id: number }
  // The status/error/call_id reports again, outside ipywidgets' sync throttle (controller.ts).
  | { type: "report"; status?: string; error?: string; call_id?: string; fe?: string; seq?: number }
  // From `initialize`: this front end's model exists; the kernel delivers what it held.
  | { type: "ready" };

/** Kernel → browser: what waits for the session to be ready (typed text, client events). */
export interface PendingItem {
  id: number;
  label: string;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The received type of a server message that was not JSON (and of a client one). */
export const NOT_JSON = "(not JSON)";
export const CLIENT_NOT_JSON = "(client, not JSON)";
/** The received type of a JSON event without a string `type`. */
export const NO_TYPE = "(no type)";

/**
 * A record's type, read once per record (controller.#onRecord) and handed with the record
 * to every consumer (event log, call controls, display reducer), so none re-reads
 * `event.type` or maps beta names again.
 */
export interface RecordType {
  /** As received: the event's `type`; NO_TYPE without one; NOT_JSON / CLIENT_NOT_JSON for raw text. */
  received: string;
  /** What the consumers switch on: `received` with beta names mapped to their GA names. */
  ga: string;
}

/** Beta event names the browser understands, mapped to their GA names. */
const BETA_NAMES = new Map<string, string>([
  ["conversation.item.created", "conversation.item.added"],
  ["response.audio_transcript.delta", "response.output_audio_transcript.delta"],
  ["response.audio_transcript.done", "response.output_audio_transcript.done"],
  ["response.text.delta", "response.output_text.delta"],
  ["response.text.done", "response.output_text.done"],
  ["response.audio.delta", "response.output_audio.delta"],
  ["response.audio.done", "response.output_audio.done"],
]);

export function gaEventName(type: string): string {
  return BETA_NAMES.get(type) ?? type;
}

export function eventType(event: JsonObject): RecordType {
  const received = typeof event["type"] === "string" ? event["type"] : NO_TYPE;
  return { received, ga: gaEventName(received) };
}

export function recordType(record: EventRecord): RecordType {
  if ("event" in record) return eventType(record.event);
  const received = record.dir === "server" ? NOT_JSON : CLIENT_NOT_JSON;
  return { received, ga: received };
}
