// Exactly-once, in-order delivery of event batches to the kernel across a dropped
// websocket (go-back-N).
//
// Every batch keeps its `seq` and carries this front end's id (`fe`). The kernel takes a
// batch only if it is the next one it expects from this front end, and answers with
// `{type: "ack", fe, seq}`: everything up to `seq` is in its log. Batches not acknowledged
// after `retryMs` are sent again, all of them and in order; the kernel drops the copies it
// already has. A batch a dying socket swallowed is therefore resent, and nothing is
// logged twice. Unacknowledged batches are bounded (`maxEvents`): past that the oldest are
// given up, and said so, rather than growing without end while no kernel listens; `base`
// tells the kernel not to wait for those (it counts them in `w.lost_batches`).
import type { BrowserMessage, EventRecord } from "./protocol";

// `base`: the oldest seq this front end still holds; the kernel need not wait for earlier ones.
type Batch = { type: "events"; seq: number; fe: string; base: number; events: EventRecord[] };

export interface DeliveryOptions {
  /** Resend what is not acknowledged after this long (ms). */
  retryMs?: number;
  /** At most this many unacknowledged events are kept for resending. */
  maxEvents?: number;
  now?: () => number;
  onGiveUp?: (batches: number, events: number) => void;
}

export class Delivery {
  readonly fe: string;
  readonly #send: (msg: BrowserMessage) => void;
  readonly #unacked: Array<{ batch: Batch; sentAt: number }> = [];
  #events = 0;
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly #retryMs: number;
  readonly #maxEvents: number;
  readonly #now: () => number;
  readonly #onGiveUp: (batches: number, events: number) => void;
  /** Batches sent again (a figure for tests and the inspector). */
  resent = 0;

  constructor(send: (msg: BrowserMessage) => void, options: DeliveryOptions = {}) {
    this.#send = send;
    this.#retryMs = options.retryMs ?? 1500;
    this.#maxEvents = options.maxEvents ?? 50_000;
    this.#now = options.now ?? Date.now;
    this.#onGiveUp = options.onGiveUp ?? (() => undefined);
    this.fe = frontEndId();
  }

  /** A batch from the Batcher: send it and keep it until the kernel acknowledges it. */
  send(msg: BrowserMessage): void {
    if (msg.type !== "events") {
      this.#send(msg);
      return;
    }
    const batch: Batch = { ...msg, fe: this.fe, base: msg.seq };
    this.#unacked.push({ batch, sentAt: this.#now() });
    this.#events += batch.events.length;
    this.#trim();
    this.#send(this.#stamped(batch));
    this.#arm();
  }

  /** The kernel's `{type: "ack", fe, seq}`: batches up to `seq` are in its log. */
  ack(fe: unknown, seq: unknown): void {
    if (fe !== this.fe || typeof seq !== "number") return;
    while (this.#unacked.length > 0 && this.#unacked[0]!.batch.seq <= seq) {
      this.#events -= this.#unacked.shift()!.batch.events.length;
    }
    if (this.#unacked.length === 0) this.#disarm();
  }

  get unacknowledged(): number {
    return this.#unacked.length;
  }

  dispose(): void {
    this.#disarm();
  }

  #arm(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => this.#retry(), Math.max(50, this.#retryMs / 3));
  }

  #disarm(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #retry(): void {
    const oldest = this.#unacked[0];
    if (!oldest) {
      this.#disarm();
      return;
    }
    const now = this.#now();
    if (now - oldest.sentAt < this.#retryMs) return;
    // Go back to the oldest unacknowledged batch: the kernel takes only the next one it
    // expects, so everything after it must come again too, in order.
    for (const entry of this.#unacked) {
      entry.sentAt = now;
      this.resent++;
      this.#send(this.#stamped(entry.batch));
    }
  }

  #stamped(batch: Batch): Batch {
    batch.base = this.#unacked[0]?.batch.seq ?? batch.seq;
    return batch;
  }

  #trim(): void {
    let batches = 0;
    let events = 0;
    while (this.#events > this.#maxEvents && this.#unacked.length > 1) {
      const dropped = this.#unacked.shift()!;
      this.#events -= dropped.batch.events.length;
      batches++;
      events += dropped.batch.events.length;
    }
    if (batches > 0) this.#onGiveUp(batches, events);
  }
}

function frontEndId(): string {
  const random = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, "0");
  return `fe_${Date.now().toString(36)}_${random}`;
}
