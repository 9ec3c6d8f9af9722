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
  | { type: "rpc-reply"; id: number; ok: false; error: { message: string; code?: string } };

/** Browser → kernel. */
export type BrowserMessage =
  | { type: "rpc"; id: number; method: string; params: JsonObject }
  | { type: "events"; seq: number; events: EventRecord[]; fe?: string; base?: number }
  | { type: "log"; level: "info" | "warning" | "error"; message: string }
  | { type: "ui"; action: "send_text"; text: string }
  | { type: "ui"; action: "reconnect" }
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
