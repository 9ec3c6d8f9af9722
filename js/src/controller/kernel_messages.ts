// The custom messages the kernel sends to the browser, checked and routed to one handler each.
import { isJsonObject, type JsonObject, type PendingItem, type RpcReply } from "../protocol";

export type KernelCommand = "interrupt" | "connect" | "disconnect";

export interface KernelMessageHandlers {
  rpcReply(reply: RpcReply): void;
  /** Python's w.interrupt() / w.connect() / w.disconnect(). */
  command(name: KernelCommand): void;
  toolResult(msg: JsonObject): void;
  ack(fe: unknown, seq: unknown): void;
  /** What the kernel keeps until the session is ready; the view shows it as pending. */
  outbox(items: PendingItem[]): void;
  clientEvent(event: JsonObject): void;
  /** A client event the kernel already sent over its sideband: to remember, not to send. */
  sentByKernel(event: JsonObject): void;
  /** A message the handlers could not take; worth a warning in the kernel's log. */
  malformed(warning: string): void;
}

const COMMANDS: ReadonlySet<unknown> = new Set<KernelCommand>(["interrupt", "connect", "disconnect"]);

/** Unknown types and non-objects are ignored: a newer kernel may send what this build does not know. */
export function dispatchKernelMessage(msg: unknown, on: KernelMessageHandlers): void {
  if (!isJsonObject(msg)) return;
  switch (msg["type"]) {
    case "rpc-reply":
      on.rpcReply(msg as unknown as RpcReply);
      break;
    case "command":
      if (COMMANDS.has(msg["name"])) on.command(msg["name"] as KernelCommand);
      break;
    case "tool-result":
      on.toolResult(msg);
      break;
    case "ack":
      on.ack(msg["fe"], msg["seq"]);
      break;
    case "outbox":
      on.outbox(Array.isArray(msg["items"]) ? msg["items"].filter(isPendingItem) : []);
      break;
    case "client-event": {
      const event = msg["event"];
      if (!isJsonObject(event)) on.malformed("Ignored a client-event message without an event object.");
      else if (msg["via"] === "sideband") on.sentByKernel(event);
      else on.clientEvent(event);
      break;
    }
    default:
      break;
  }
}

export function isPendingItem(value: unknown): value is PendingItem {
  return isJsonObject(value) && typeof value["id"] === "number" && typeof value["label"] === "string";
}
