// The view's redraw scheduling (src/view/redraw.ts): one draw a frame, layout reads first in
// the next frame, and under a flood a draw at most every FLOOD_FRAME_MS.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FLOOD_EVENTS, FLOOD_FRAME_MS, RedrawScheduler } from "../../src/view/redraw";

function setup() {
  const pending = new Map<number, () => void>();
  let ids = 0;
  const log: string[] = [];
  let records = 0;
  let now = 0;
  const scheduler = new RedrawScheduler(
    {
      draw: () => void log.push("draw"),
      frameStart: () => void log.push("frameStart"),
      recordCount: () => records,
    },
    {
      raf: (cb) => (pending.set(++ids, cb), ids),
      caf: (id) => pending.delete(id),
      now: () => now,
    },
  );
  const runFrame = (): void => {
    const [id, cb] = [...pending][0] ?? [];
    if (id === undefined || !cb) return;
    pending.delete(id);
    cb();
  };
  return {
    scheduler,
    get frames() {
      return [...pending.values()];
    },
    log,
    runFrame,
    arrive: (n: number) => (records += n),
    advance: (ms: number) => {
      now += ms;
      vi.advanceTimersByTime(ms);
    },
  };
}

beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }));
afterEach(() => vi.useRealTimers());

describe("RedrawScheduler", () => {
  it("asks for one frame however many changes come before it", () => {
    const s = setup();
    s.scheduler.schedule();
    s.scheduler.schedule();
    expect(s.frames).toHaveLength(1);
    s.runFrame();
    expect(s.log).toEqual(["draw"]);
    s.runFrame();
    expect(s.log).toEqual(["draw"]);
  });

  it("runs a layout read asked for during a draw at the start of the next frame, before drawing", () => {
    const s = setup();
    s.scheduler.frameStartDue();
    expect(s.frames).toHaveLength(0);
    s.scheduler.schedule();
    s.runFrame();
    expect(s.log).toEqual(["frameStart", "draw"]);
  });

  it("a draw that asks for a layout read gets a frame for it", () => {
    const frames: Array<() => void> = [];
    const log: string[] = [];
    const scheduler: RedrawScheduler = new RedrawScheduler(
      { draw: () => (log.push("draw"), scheduler.frameStartDue()), frameStart: () => void log.push("frameStart"), recordCount: () => 0 },
      { raf: (cb) => frames.push(cb), caf: () => undefined, now: () => 0 },
    );
    scheduler.schedule();
    frames.shift()?.();
    expect(frames).toHaveLength(1);
    frames.shift()?.();
    expect(log).toEqual(["draw", "frameStart"]);
  });

  it("after a flood frame, waits FLOOD_FRAME_MS before the next draw; calm again, draws every frame", () => {
    const s = setup();
    s.arrive(FLOOD_EVENTS + 1);
    s.scheduler.schedule();
    s.runFrame();
    expect(s.log).toEqual(["draw"]);
    s.scheduler.schedule();
    expect(s.frames).toHaveLength(0);
    s.advance(FLOOD_FRAME_MS - 1);
    expect(s.frames).toHaveLength(0);
    s.advance(1);
    expect(s.frames).toHaveLength(1);
    s.runFrame();
    expect(s.log).toEqual(["draw", "draw"]);
    s.scheduler.schedule();
    expect(s.frames).toHaveLength(1);
  });

  it("dispose cancels the pending frame", () => {
    const s = setup();
    s.scheduler.schedule();
    s.scheduler.dispose();
    expect(s.frames).toHaveLength(0);
  });

  it("dispose cancels the flood timer", () => {
    const s = setup();
    s.arrive(FLOOD_EVENTS + 1);
    s.scheduler.schedule();
    s.runFrame();
    s.scheduler.schedule();
    s.scheduler.dispose();
    s.advance(FLOOD_FRAME_MS * 2);
    expect(s.frames).toHaveLength(0);
    expect(s.log).toEqual(["draw"]);
  });
});
