// The transcript renders incrementally: a streaming turn's new characters are
// appended to its one text node; anything else replaces the text. Also: per-frame
// work stays off the parts that did not change.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WidgetController } from "../src/controller";
import { renderView } from "../src/view";
import { CHUNK_CHARS, textSlot, updateText } from "../src/view/text_row";
import { FakeModel, fakeWorld, type FakePeerConnection } from "./fakes";
import { connectViaKernel } from "./kernel_side";

let frames: Array<() => void> = [];
function flushFrames(): void {
  const pending = frames;
  frames = [];
  for (const cb of pending) cb();
}

beforeEach(() => {
  frames = [];
  vi.stubGlobal("requestAnimationFrame", (cb: () => void) => frames.push(cb));
  vi.stubGlobal("cancelAnimationFrame", () => undefined);
  document.body.innerHTML = "";
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

async function mountConnected(): Promise<{ el: HTMLElement; pc: FakePeerConnection; cleanup: () => void }> {
  const model = new FakeModel({});
  const world = fakeWorld();
  const controller = new WidgetController(model, { ...world.deps, createAudio: () => null, now: () => 5000 });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = renderView(el, model, controller);
  // The kernel answers the connect (tests/kernel_side.ts).
  const pc = await connectViaKernel(model, world);
  flushFrames();
  return { el, pc, cleanup };
}

function textOf(el: HTMLElement, itemId: string): HTMLElement {
  return el.querySelector<HTMLElement>(`.rtw-turn[data-item-id="${itemId}"] .rtw-text`)!;
}

describe("updateText", () => {
  it("appends a grown tail, replaces anything else, and leaves equal text alone", () => {
    const span = document.createElement("span");
    const slot = textSlot(span);
    const node = span.firstChild;
    expect(updateText(slot, "Hel")).toBe("replace"); // first text: nothing to append to
    expect(updateText(slot, "Hello")).toBe("append");
    expect(updateText(slot, "Hello")).toBe("same");
    expect(span.textContent).toBe("Hello");
    expect(updateText(slot, "Help")).toBe("replace"); // not a continuation
    expect(span.textContent).toBe("Help");
    expect(updateText(slot, "He")).toBe("replace"); // shorter (truncated)
    expect(span.textContent).toBe("He");
    expect(updateText(slot, "")).toBe("replace");
    expect(span.textContent).toBe("");
    expect(span.firstChild).toBe(node);
    expect(span.childNodes).toHaveLength(1);
  });
});

describe("updateText on a long text", () => {
  it("seals the front into blocks cut between words, showing exactly the text, tail live", () => {
    const span = document.createElement("span");
    const slot = textSlot(span);
    let text = "";
    for (let i = 0; i < 6000; i++) {
      text += `word${i} `;
      updateText(slot, text);
    }
    expect(text.length).toBeGreaterThan(5 * CHUNK_CHARS);
    expect(span.textContent).toBe(text);
    const chunks = [...span.querySelectorAll(".rtw-text-chunk")];
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    for (const c of chunks) {
      expect(c.textContent!.endsWith(" ")).toBe(true); // never inside a word
      expect(c.textContent!.length).toBeLessThanOrEqual(CHUNK_CHARS * 1.5);
    }
    expect(span.lastChild).toBe(slot.node); // new text still goes to the one live node
    expect(slot.node.length).toBeLessThanOrEqual(CHUNK_CHARS * 1.5);
    // A different final text replaces everything, blocks included.
    expect(updateText(slot, "short final")).toBe("replace");
    expect(span.querySelectorAll(".rtw-text-chunk")).toHaveLength(0);
    expect(span.textContent).toBe("short final");
    // A long replacement is sealed at once; text without spaces is cut at CHUNK_CHARS.
    const solid = "x".repeat(4 * CHUNK_CHARS);
    expect(updateText(slot, solid)).toBe("replace");
    expect(span.textContent).toBe(solid);
    expect([...span.querySelectorAll(".rtw-text-chunk")].map((c) => c.textContent!.length)).toEqual([CHUNK_CHARS, CHUNK_CHARS, CHUNK_CHARS]);
  });
});

describe("incremental transcript", () => {
  it("appends only the new characters of a streaming turn, one frame at a time", async () => {
    const { el, pc } = await mountConnected();
    const append = vi.spyOn(Text.prototype, "appendData");
    pc.channel.receive({ type: "response.output_text.delta", item_id: "a1", delta: "Hello" });
    flushFrames();
    const span = textOf(el, "a1");
    const node = span.firstChild;
    expect(span.textContent).toBe("Hello");
    let expected = "Hello";
    for (let frame = 0; frame < 20; frame++) {
      for (let i = 0; i < 5; i++) {
        const d = ` w${frame}.${i}`;
        expected += d;
        pc.channel.receive({ type: "response.output_text.delta", item_id: "a1", delta: d });
      }
      flushFrames();
      expect(span.textContent).toBe(expected);
    }
    // The same text node all along, grown by one appendData per frame with that frame's deltas.
    expect(span.firstChild).toBe(node);
    expect(span.childNodes).toHaveLength(1);
    const appended = append.mock.calls.map((c) => c[0]);
    expect(appended).toHaveLength(20);
    expect(appended[0]).toBe(" w0.0 w0.1 w0.2 w0.3 w0.4");
    expect("Hello" + appended.join("")).toBe(expected);
  });

  it("replaces the text when the final text differs from what the deltas showed", async () => {
    const { el, pc } = await mountConnected();
    pc.channel.receive({ type: "response.output_audio_transcript.delta", item_id: "a2", delta: "Their going" });
    flushFrames();
    const span = textOf(el, "a2");
    expect(span.textContent).toBe("Their going");
    pc.channel.receive({ type: "response.output_audio_transcript.done", item_id: "a2", transcript: "They're going home." });
    flushFrames();
    expect(span.textContent).toBe("They're going home.");
    expect(span.closest("li")!.dataset["status"]).toBe("complete");
    // A user turn: placeholder while partial, then the transcript replaces it.
    pc.channel.receive({
      type: "conversation.item.added",
      previous_item_id: "a2",
      item: { id: "u1", type: "message", role: "user", content: [{ type: "input_audio", transcript: null }] },
    });
    flushFrames();
    expect(textOf(el, "u1").textContent).toBe("(speech…)");
    pc.channel.receive({ type: "conversation.item.input_audio_transcription.delta", item_id: "u1", content_index: 0, delta: "Hi" });
    flushFrames();
    expect(textOf(el, "u1").textContent).toBe("Hi");
    pc.channel.receive({ type: "conversation.item.input_audio_transcription.completed", item_id: "u1", content_index: 0, transcript: "Hi there." });
    flushFrames();
    expect(textOf(el, "u1").textContent).toBe("Hi there.");
  });

  it("keeps the whole text of a truncated reply (a shorter snapshot does not cut it) and marks it interrupted", async () => {
    const { el, pc } = await mountConnected();
    for (const d of ["Once upon", " a time", " there was", " a kernel"]) {
      pc.channel.receive({ type: "response.output_audio_transcript.delta", item_id: "a3", delta: d });
      flushFrames();
    }
    const span = textOf(el, "a3");
    expect(span.textContent).toBe("Once upon a time there was a kernel");
    pc.channel.receive({ type: "conversation.item.truncated", item_id: "a3", content_index: 0, audio_end_ms: 1500 });
    pc.channel.receive({
      type: "conversation.item.done",
      previous_item_id: null,
      item: { id: "a3", type: "message", role: "assistant", status: "incomplete", content: [{ type: "output_audio", transcript: "Once upon a time" }] },
    });
    flushFrames();
    // Everything received stays (the unheard rest is marked by view/transcript.ts updateTurnText).
    expect(span.textContent).toBe("Once upon a time there was a kernel");
    const li = span.closest("li")!;
    expect(li.dataset["status"]).toBe("interrupted");
    expect(li.querySelector(".rtw-interrupted-mark")!.textContent).toBe("interrupted · heard 1.5 s");
  });

  it("an event flood into one turn leaves the other rows, the usage table and the extras untouched", async () => {
    const { el, pc } = await mountConnected();
    pc.channel.receive({ type: "conversation.item.added", previous_item_id: null, item: { id: "u0", type: "message", role: "user", content: [{ type: "input_text", text: "Go" }] } });
    pc.channel.receive({ type: "response.created", response: { id: "r1", status: "in_progress", output: [] } });
    pc.channel.receive({ type: "response.output_text.delta", response_id: "r1", item_id: "a4", delta: "x" });
    flushFrames();
    const userRow = el.querySelector<HTMLElement>('.rtw-turn[data-item-id="u0"]')!;
    const replyMeta = el.querySelector<HTMLElement>('.rtw-turn[data-item-id="a4"] .rtw-meta')!;
    const metaNodes = [...replyMeta.childNodes];
    const usageRows = [...el.querySelectorAll(".rtw-usage-table tbody tr")];
    const observer = new MutationObserver(() => undefined);
    observer.observe(userRow, { subtree: true, childList: true, attributes: true, characterData: true });
    for (let frame = 0; frame < 10; frame++) {
      for (let i = 0; i < 50; i++) pc.channel.receive({ type: "response.output_text.delta", response_id: "r1", item_id: "a4", delta: "y" });
      flushFrames();
    }
    expect(observer.takeRecords()).toEqual([]);
    observer.disconnect();
    expect([...replyMeta.childNodes]).toEqual(metaNodes);
    expect([...el.querySelectorAll(".rtw-usage-table tbody tr")]).toEqual(usageRows);
    expect(textOf(el, "a4").textContent).toBe("x" + "y".repeat(500));
    // The usage table does change when a response's usage arrives.
    pc.channel.receive({ type: "response.done", response: { id: "r1", status: "completed", output: [], usage: { input_tokens: 10, output_tokens: 20 } } });
    flushFrames();
    expect([...el.querySelectorAll(".rtw-usage-table tbody tr")]).not.toEqual(usageRows);
    expect(el.querySelector(".rtw-usage-summary")!.textContent).toContain("10 in · 20 out");
  });
});

describe("drawing under a flood", () => {
  it("after a frame with hundreds of new events, waits ~100 ms before the next draw; draws every frame again when calm", async () => {
    const { el, pc, cleanup } = await mountConnected();
    const flood = (n: number): void => {
      for (let i = 0; i < n; i++) pc.channel.receive({ type: "response.output_text.delta", response_id: "r1", item_id: "a1", delta: "y" });
    };
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    try {
      flood(500);
      flushFrames();
      expect(textOf(el, "a1").textContent).toBe("y".repeat(500));
      flood(500);
      flushFrames(); // no frame was asked for yet: the flood timer holds the draw
      expect(textOf(el, "a1").textContent).toBe("y".repeat(500));
      vi.advanceTimersByTime(100);
      flushFrames();
      expect(textOf(el, "a1").textContent).toBe("y".repeat(1000));
      // A few events, more than 100 ms later: drawn at the next frame, no timer.
      vi.advanceTimersByTime(150);
      flood(3);
      flushFrames();
      expect(textOf(el, "a1").textContent).toBe("y".repeat(1003));
      flood(3);
      flushFrames();
      expect(textOf(el, "a1").textContent).toBe("y".repeat(1006));
    } finally {
      vi.useRealTimers();
      cleanup();
    }
  });
});
