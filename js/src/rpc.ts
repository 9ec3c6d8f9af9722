// One request/response helper over anywidget custom messages:
// {"type":"rpc",id,method,params} → {"type":"rpc-reply",id,ok,result|error}.
import type { BrowserMessage, RpcReply } from "./protocol";

export class RpcError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = "RpcError";
    this.code = code;
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (reason: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class Rpc {
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #send: (msg: BrowserMessage) => void;
  readonly #timeoutMs: number;

  constructor(send: (msg: BrowserMessage) => void, timeoutMs = 30_000) {
    this.#send = send;
    this.#timeoutMs = timeoutMs;
  }

  /** Calls `method` in the kernel; rejects with RpcError on an error reply or on timeout. */
  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new RpcError(
            `The Python kernel did not answer the "${method}" request within ${Math.round(this.#timeoutMs / 1000)} s. ` +
              "Is the kernel busy running a blocking cell (time.sleep) or was it restarted? Re-run the cell that shows the widget.",
            "rpc_timeout",
          ),
        );
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      try {
        this.#send({ type: "rpc", id, method, params });
      } catch (err) {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new RpcError(`Could not send the "${method}" request to the kernel: ${String(err)}`, "rpc_send"));
      }
    });
  }

  /** Feeds a reply from the kernel; replies for unknown (late, duplicate) ids are ignored. Returns whether it was used. */
  handleReply(reply: RpcReply): boolean {
    const pending = this.#pending.get(reply.id);
    if (!pending) return false;
    this.#pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.ok) {
      pending.resolve(reply.result);
    } else {
      const message = typeof reply.error?.message === "string" ? reply.error.message : "the kernel reported an error";
      pending.reject(new RpcError(message, reply.error?.code));
    }
    return true;
  }

  /** Rejects every outstanding call (the widget is being torn down). */
  dispose(reason = "The widget was closed."): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new RpcError(reason, "rpc_disposed"));
      this.#pending.delete(id);
    }
  }

  get pendingCount(): number {
    return this.#pending.size;
  }
}
