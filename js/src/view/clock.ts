// Session clock: time connected and the countdown to the server's session
// limit (60 minutes), turning to a warning in the last five minutes. Ticks
// once a second with a timer, only while connected.
import { formatDuration, h } from "./dom";

export const WARN_BEFORE_MS = 5 * 60 * 1000;

export interface ClockReading {
  elapsed: string;
  left: string;
  warning: boolean;
}

/** Pure: what the clock shows at `now` for a session started at `start` that ends at `end`. */
export function readClock(now: number, start: number, end: number): ClockReading {
  const leftMs = Math.max(0, end - now);
  return { elapsed: formatDuration(now - start), left: formatDuration(leftMs), warning: leftMs <= WARN_BEFORE_MS };
}

export interface ClockSource {
  active: boolean;
  startT: number | null;
  endT: number | null;
}

export class SessionClock {
  readonly el: HTMLSpanElement;
  readonly #elapsed: HTMLSpanElement;
  readonly #left: HTMLSpanElement;
  readonly #source: () => ClockSource;
  readonly #now: () => number;
  readonly #onWarning: (text: string) => void;
  #timer: ReturnType<typeof setInterval> | null = null;
  #warnedFor: number | null = null;

  constructor(source: () => ClockSource, onWarning: (text: string) => void, now: () => number = () => Date.now()) {
    this.#source = source;
    this.#now = now;
    this.#onWarning = onWarning;
    this.el = h("span", "rtw-clock");
    this.el.hidden = true;
    this.#elapsed = h("span", "rtw-clock-elapsed");
    this.#left = h("span", "rtw-clock-left");
    this.el.append(this.#elapsed, " · ", this.#left);
  }

  /** Call when the connection or the session changed; draws and (re)arms the timer. */
  update(): void {
    const src = this.#source();
    const running = src.active && src.startT !== null && src.endT !== null;
    if (running && this.#timer === null) this.#timer = setInterval(() => this.#draw(), 1000);
    if (!running && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
    this.#draw();
  }

  dispose(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #draw(): void {
    const src = this.#source();
    if (!src.active || src.startT === null || src.endT === null) {
      this.el.hidden = true;
      return;
    }
    const r = readClock(this.#now(), src.startT, src.endT);
    this.el.hidden = false;
    this.#elapsed.textContent = `${r.elapsed} connected`;
    this.#left.textContent = `${r.left} left`;
    this.el.classList.toggle("rtw-clock-warning", r.warning);
    this.el.title = "Time connected · time left before the Realtime API ends the session (60 minutes at most)";
    if (r.warning && this.#warnedFor !== src.endT) {
      this.#warnedFor = src.endT;
      this.#onWarning(`${r.left} left before the session limit; the server will then end the call.`);
    }
  }
}
