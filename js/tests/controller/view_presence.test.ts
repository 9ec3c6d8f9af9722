// Whether a view is still on the page during a call (src/controller/view_presence.ts): a call
// with no view left ends after the grace period; a view detached by notebook windowing counts
// while its notebook panel is in the document.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ViewPresence } from "../../src/controller/view_presence";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  document.body.replaceChildren();
});

/** `abandoned` hangs up, as the controller does, so the call is no longer live. */
function presence(live = true) {
  const abandoned = vi.fn(() => void (live = false));
  const p = new ViewPresence({ callLive: () => live, abandoned });
  return { p, abandoned };
}

describe("ViewPresence", () => {
  it("ends a live call once no view has been on the page for the grace period", () => {
    const { p, abandoned } = presence();
    const el = document.createElement("div");
    document.body.append(el);
    p.track(el);
    vi.advanceTimersByTime(2_000);
    expect(abandoned).not.toHaveBeenCalled();
    el.remove();
    vi.advanceTimersByTime(1_000);
    expect(abandoned).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_500);
    expect(abandoned).toHaveBeenCalledTimes(1);
    p.dispose();
  });

  it("counts a detached view while the notebook panel it was seen in is on the page", () => {
    const { p, abandoned } = presence();
    const panel = document.createElement("div");
    panel.className = "jp-NotebookPanel";
    const el = document.createElement("div");
    panel.append(el);
    document.body.append(panel);
    p.track(el);
    vi.advanceTimersByTime(600);
    el.remove();
    vi.advanceTimersByTime(5_000);
    expect(abandoned).not.toHaveBeenCalled();
    panel.remove();
    vi.advanceTimersByTime(5_000);
    expect(abandoned).toHaveBeenCalledTimes(1);
    p.dispose();
  });

  it("does nothing without a live call, or once disposed", () => {
    const idle = presence(false);
    idle.p.track(document.createElement("div"));
    vi.advanceTimersByTime(5_000);
    expect(idle.abandoned).not.toHaveBeenCalled();
    idle.p.dispose();

    const live = presence();
    const untrack = live.p.track(document.createElement("div"));
    live.p.dispose();
    untrack();
    vi.advanceTimersByTime(5_000);
    expect(live.abandoned).not.toHaveBeenCalled();
  });
});
