// Collects event records and sends them to the kernel in batches (DESIGN §2: one
// message per event is ~50x slower end to end).
//
// - Leading edge: an event that arrives when nothing is pending and the last batch
//   left at least `intervalMs` ago goes out at once (a quiet session pays no delay).
// - Trailing edge: otherwise it waits for the timer, at most `intervalMs`.
// - Size: a batch goes out as soon as it holds `maxEvents`. Under a flood (size
//   flushes less than `intervalMs` apart) the size threshold doubles per batch up to
//   `burstLimit(maxEvents)` (5x, capped at 1000 unless maxEvents is larger): fewer,
//   larger messages are what lets the kernel keep up; it falls back to `maxEvents`
//   as soon as the flow calms down (a timer or leading-edge flush).
import type { BrowserMessage, EventRecord } from "./protocol";

export interface BatcherOptions {
  intervalMs: number;
  maxEvents: number;
}

/** The largest batch sent under a flood for a given `maxEvents`. */
export function burstLimit(maxEvents: number): number {
  return Math.max(maxEvents, Math.min(5 * maxEvents, 1000));
}

export class Batcher {
  // The array is handed over whole on flush and replaced, so a push never copies.
  #buffer: EventRecord[] = [];
  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastFlush = Number.NEGATIVE_INFINITY;
  #threshold: number;
  readonly #send: (msg: BrowserMessage) => void;
  readonly #now: () => number;
  #options: BatcherOptions;

  constructor(send: (msg: BrowserMessage) => void, options: BatcherOptions, now: () => number = defaultNow) {
    this.#send = send;
    this.#now = now;
    this.#options = sanitize(options);
    this.#threshold = this.#options.maxEvents;
  }

  setOptions(options: BatcherOptions): void {
    this.#options = sanitize(options);
    this.#threshold = this.#options.maxEvents;
    if (this.#buffer.length >= this.#threshold) this.flush();
  }

  push(record: EventRecord): void {
    this.#buffer.push(record);
    if (this.#buffer.length >= this.#threshold) {
      this.#sizeFlush();
    } else if (this.#timer === null) {
      if (this.#buffer.length === 1 && this.#now() - this.#lastFlush >= this.#options.intervalMs) {
        this.#calm();
        this.flush();
      } else {
        this.#timer = setTimeout(() => {
          this.#calm();
          this.flush();
        }, this.#options.intervalMs);
      }
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
    this.#lastFlush = this.#now();
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

  /** How many events the next batch may hold before it is sent. */
  get threshold(): number {
    return this.#threshold;
  }

  #sizeFlush(): void {
    const flooding = this.#now() - this.#lastFlush < this.#options.intervalMs;
    this.flush();
    const { maxEvents } = this.#options;
    this.#threshold = flooding ? Math.min(this.#threshold * 2, burstLimit(maxEvents)) : maxEvents;
  }

  #calm(): void {
    this.#threshold = this.#options.maxEvents;
  }
}

function defaultNow(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}

function sanitize(options: BatcherOptions): BatcherOptions {
  const intervalMs = Number.isFinite(options.intervalMs) && options.intervalMs >= 0 ? options.intervalMs : 50;
  const maxEvents = Number.isFinite(options.maxEvents) && options.maxEvents >= 1 ? Math.floor(options.maxEvents) : 200;
  return { intervalMs, maxEvents };
}
