// When a view draws: once an animation frame at most, and less often under an event flood.
//
// Under a flood the page's rendering (style, layout, paint and compositing of the whole
// JupyterLab page, ~5 ms a frame) costs more than handling the events themselves: an
// in-page flood reached ~12k events/s drawn every frame against ~20k with the view hidden
// (benchmarks/delivery.py). Nobody reads thousands of events a second, so after a frame
// that drew more than FLOOD_EVENTS new records the next draw waits until FLOOD_FRAME_MS
// after it. A normal session (tens of deltas a second) draws every frame.

/** More new records than this since the last draw: a flood. */
export const FLOOD_EVENTS = 200;
/** Under a flood, the view draws at most this often (ms). */
export const FLOOD_FRAME_MS = 100;

export interface RedrawHooks {
  /** Draws everything that changed; runs inside an animation frame. */
  draw(): void;
  /** Layout reads asked for with `frameStartDue`, run first in a frame while layout is clean. */
  frameStart(): void;
  /** How many records have arrived so far (the event log's next sequence number). */
  recordCount(): number;
}

export interface RedrawTiming {
  raf?: (cb: () => void) => number;
  caf?: (id: number) => void;
  /** Milliseconds, any origin. */
  now?: () => number;
}

export class RedrawScheduler {
  readonly #hooks: RedrawHooks;
  readonly #raf: (cb: () => void) => number;
  readonly #caf: (id: number) => void;
  readonly #now: () => number;
  #frame: number | null = null;
  #frameStartDue = false;
  /** A draw is on its way (a frame, or the flood timer then a frame). */
  #drawDue = false;
  #flooding = false;
  #floodTimer: ReturnType<typeof setTimeout> | null = null;
  #drawnCount: number;
  #drawnAt = Number.NEGATIVE_INFINITY;

  constructor(hooks: RedrawHooks, timing: RedrawTiming = {}) {
    this.#hooks = hooks;
    this.#raf =
      timing.raf ??
      (typeof requestAnimationFrame === "function" ? (cb) => requestAnimationFrame(cb) : (cb) => Number(setTimeout(cb, 16)));
    this.#caf =
      timing.caf ?? (typeof cancelAnimationFrame === "function" ? (id) => cancelAnimationFrame(id) : (id) => clearTimeout(id));
    this.#now = timing.now ?? (() => (typeof performance !== "undefined" ? performance.now() : Date.now()));
    this.#drawnCount = hooks.recordCount();
  }

  /** Something changed: draw in the next frame (or, while flooding, when the flood timer says). */
  readonly schedule = (): void => {
    if (this.#drawDue) return;
    this.#drawDue = true;
    const wait = this.#flooding ? this.#drawnAt + FLOOD_FRAME_MS - this.#now() : 0;
    if (wait > 0) {
      this.#floodTimer = setTimeout(() => {
        this.#floodTimer = null;
        this.#requestFrame();
      }, wait);
    } else {
      this.#requestFrame();
    }
  };

  /** Asks for `frameStart` at the start of the next frame; does not itself ask for a frame. */
  frameStartDue(): void {
    this.#frameStartDue = true;
  }

  dispose(): void {
    if (this.#frame !== null) this.#caf(this.#frame);
    this.#frame = null;
    if (this.#floodTimer !== null) clearTimeout(this.#floodTimer);
    this.#floodTimer = null;
  }

  #requestFrame(): void {
    if (this.#frame === null) this.#frame = this.#raf(this.#onFrame);
  }

  readonly #onFrame = (): void => {
    this.#frame = null;
    if (this.#frameStartDue) {
      this.#frameStartDue = false;
      this.#hooks.frameStart();
    }
    // A frame for frameStart only, or one that came before the flood timer: the timer draws.
    if (!this.#drawDue || this.#floodTimer !== null) return;
    this.#drawDue = false;
    const count = this.#hooks.recordCount();
    this.#flooding = count - this.#drawnCount > FLOOD_EVENTS;
    this.#drawnCount = count;
    this.#drawnAt = this.#now();
    this.#hooks.draw();
    // The draw asked for a layout read: it waits for the next frame's clean layout.
    if (this.#frameStartDue) this.#requestFrame();
  };
}
