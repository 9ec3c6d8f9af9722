// One request/response helper over anywidget custom messages:
// {"type":"rpc",id,method,params} → {"type":"rpc-reply",id,ok,result|error}; a request
// given up by its caller (abort signal) is cancelled with {"type":"rpc-cancel",id}.
import type { BrowserMessage, RpcErrorBody, RpcReply } from "./protocol";

export class RpcError extends Error {
  readonly code: string | undefined;
  /** The kernel's whole `error` object (an error reply only). */
  readonly detail: RpcErrorBody | undefined;
  constructor(message: string, code?: string, detail?: RpcErrorBody) {
    super(message);
    this.name = "RpcError";
    this.code = code;
    this.detail = detail;
  }
}

export interface CallOptions {
  /** Overrides the Rpc's timeout for this request (ms). */
  timeoutMs?: number;
  /** Aborting gives the request up: it rejects (code `rpc_cancelled`) and the kernel is told. */
  signal?: AbortSignal;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (reason: Error) => void;
  timer: ReturnType<typeof setTimeout>;
  /** Removes the abort listener, if any. */
  unlisten: () => void;
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

  /** Calls `method` in the kernel; rejects with RpcError on an error reply, on timeout or when aborted. */
  call(method: string, params: Record<string, unknown> = {}, options: CallOptions = {}): Promise<unknown> {
    const id = this.#nextId++;
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const signal = options.signal;
    return new Promise<unknown>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new RpcError(`The "${method}" request was cancelled.`, "rpc_cancelled"));
        return;
      }
      const timer = setTimeout(() => {
        this.#settle(id);
        reject(
          new RpcError(
            `The Python kernel did not answer the "${method}" request within ${Math.round(timeoutMs / 1000)} s. ` +
              "Is the kernel busy running a blocking cell (time.sleep) or was it restarted? Re-run the cell that shows the widget.",
            "rpc_timeout",
          ),
        );
      }, timeoutMs);
      const onAbort = (): void => {
        if (!this.#settle(id)) return;
        reject(new RpcError(`The "${method}" request was cancelled.`, "rpc_cancelled"));
        try {
          this.#send({ type: "rpc-cancel", id });
        } catch {
          /* the comm is closed: there is nothing left to cancel */
        }
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const unlisten = (): void => signal?.removeEventListener("abort", onAbort);
      this.#pending.set(id, { resolve, reject, timer, unlisten });
      try {
        this.#send({ type: "rpc", id, method, params });
      } catch (err) {
        this.#settle(id);
        reject(new RpcError(`Could not send the "${method}" request to the kernel: ${String(err)}`, "rpc_send"));
      }
    });
  }

  /** Feeds a reply from the kernel; replies for unknown (late, duplicate) ids are ignored. Returns whether it was used. */
  handleReply(reply: RpcReply): boolean {
    const pending = this.#settle(reply.id);
    if (!pending) return false;
    if (reply.ok) {
      pending.resolve(reply.result);
    } else {
      const message = typeof reply.error?.message === "string" ? reply.error.message : "the kernel reported an error";
      pending.reject(new RpcError(message, reply.error?.code ?? undefined, reply.error));
    }
    return true;
  }

  /** Takes the request `id` off the pending list (timer and abort listener gone); undefined when it was not pending. */
  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.unlisten();
    return pending;
  }

  /** Rejects every outstanding call (the widget is being torn down). */
  dispose(reason = "The widget was closed."): void {
    for (const id of [...this.#pending.keys()]) {
      this.#settle(id)?.reject(new RpcError(reason, "rpc_disposed"));
    }
  }

  get pendingCount(): number {
    return this.#pending.size;
  }
}
