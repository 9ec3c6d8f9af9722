// Collects event records and sends them to the kernel in batches: every
// `intervalMs` or `maxEvents`, whichever comes first (DESIGN §2: one message per
// event is ~50x slower end to end).
import type { BrowserMessage, EventRecord } from "./protocol";

export interface BatcherOptions {
  intervalMs: number;
  maxEvents: number;
}

export class Batcher {
  // The array is handed over whole on flush and replaced, so a push never copies.
  #buffer: EventRecord[] = [];
  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  readonly #send: (msg: BrowserMessage) => void;
  #options: BatcherOptions;

  constructor(send: (msg: BrowserMessage) => void, options: BatcherOptions) {
    this.#send = send;
    this.#options = sanitize(options);
  }

  setOptions(options: BatcherOptions): void {
    this.#options = sanitize(options);
    if (this.#buffer.length >= this.#options.maxEvents) this.flush();
  }

  push(record: EventRecord): void {
    this.#buffer.push(record);
    if (this.#buffer.length >= this.#options.maxEvents) {
      this.flush();
    } else if (this.#timer === null) {
      this.#timer = setTimeout(() => this.flush(), this.#options.intervalMs);
    }
  }

  /** Sends whatever is buffered now (no message when empty). */
  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#buffer.length === 0) return;
    const events = this.#buffer;
    this.#buffer = [];
    this.#send({ type: "events", seq: this.#seq++, events });
  }

  dispose(): void {
    this.flush();
  }

  get pending(): number {
    return this.#buffer.length;
  }

  get nextSeq(): number {
    return this.#seq;
  }
}

function sanitize(options: BatcherOptions): BatcherOptions {
  const intervalMs = Number.isFinite(options.intervalMs) && options.intervalMs >= 0 ? options.intervalMs : 50;
  const maxEvents = Number.isFinite(options.maxEvents) && options.maxEvents >= 1 ? Math.floor(options.maxEvents) : 200;
  return { intervalMs, maxEvents };
}
