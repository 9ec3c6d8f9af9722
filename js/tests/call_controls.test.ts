// Interrupt (cancel and clear, as the WebRTC server expects), push-to-talk and tool
// outcomes: the pure state, the controller wiring and the view controls.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WidgetController } from "../src/controller";
import { PrototypingState, pushToTalkPress, pushToTalkRelease } from "../src/prototyping";
import { renderView } from "../src/view";
import { FakeModel, fakeWorld, type FakePeerConnection } from "./fakes";

let n = 0;
const ids = (): string => `e${++n}`;

function playing(state: PrototypingState): void {
  state.observe({ type: "response.created", response: { id: "r1", conversation_id: "conv_1" } });
  state.observe({ type: "response.output_item.added", response_id: "r1", item: { id: "i1", type: "message", role: "assistant" } });
  state.observe({ type: "response.content_part.added", response_id: "r1", item_id: "i1", content_index: 0, part: { type: "audio" } });
  state.observe({ type: "output_audio_buffer.started", response_id: "r1" });
}

describe("PrototypingState", () => {
  beforeEach(() => {
    n = 0;
  });

  it("cancels and clears; never truncates (the server truncates to what was played)", () => {
    const state = new PrototypingState();
    expect(state.canInterrupt).toBe(false);
    expect(state.interruptEvents(ids)).toEqual([]);
    playing(state);
    expect(state.canInterrupt).toBe(true);
    expect(state.interruptEvents(ids)).toEqual([
      { type: "response.cancel", event_id: "e1", response_id: "r1" },
      { type: "output_audio_buffer.clear", event_id: "e2" },
    ]);
  });

  it("after response.done only the audio still playing is cleared", () => {
    const state = new PrototypingState();
    playing(state);
    state.observe({ type: "response.done", response: { id: "r1", status: "completed" } });
    expect(state.interruptEvents(ids)).toEqual([{ type: "output_audio_buffer.clear", event_id: "e1" }]);
    state.observe({ type: "output_audio_buffer.stopped", response_id: "r1" });
    expect(state.canInterrupt).toBe(false);
  });

  it("a text answer is cancelled only (nothing plays)", () => {
    const state = new PrototypingState();
    state.observe({ type: "response.created", response: { id: "r2" } });
    state.observe({ type: "response.content_part.added", response_id: "r2", item_id: "i2", part: { type: "text" } });
    expect(state.interruptEvents(ids).map((e) => e["type"])).toEqual(["response.cancel"]);
  });

  it("an out-of-band response is never the one Interrupt cancels, and does not end the active one", () => {
    const state = new PrototypingState();
    playing(state);
    state.observe({ type: "response.created", response: { id: "oob1", conversation_id: null, metadata: { purpose: "classify" } } });
    expect(state.activeResponse).toBe("r1");
    state.observe({ type: "response.done", response: { id: "oob1", conversation_id: null, status: "completed" } });
    expect(state.activeResponse).toBe("r1");
    expect(state.interruptEvents(ids)[0]).toEqual({ type: "response.cancel", event_id: "e1", response_id: "r1" });
    // Alone, an out-of-band response gives nothing to interrupt.
    const idle = new PrototypingState();
    idle.observe({ type: "response.created", response: { id: "oob2", conversation_id: null } });
    expect(idle.canInterrupt).toBe(false);
  });

  it("a new session forgets the old one", () => {
    const state = new PrototypingState();
    playing(state);
    state.observe({ type: "session.created", session: {} });
    expect(state.canInterrupt).toBe(false);
  });

  it("push-to-talk clears on press, commits and asks for a response on release", () => {
    expect(pushToTalkPress(ids)).toEqual([{ type: "input_audio_buffer.clear", event_id: "e1" }]);
    expect(pushToTalkRelease(ids)).toEqual([
      { type: "input_audio_buffer.commit", event_id: "e2" },
      { type: "response.create", event_id: "e3" },
    ]);
  });

  it("records tool outcomes from the kernel", () => {
    const state = new PrototypingState();
    expect(state.toolResult({ type: "tool-result" })).toBeNull();
    const outcome = state.toolResult({ type: "tool-result", call_id: "c1", name: "div", ok: false, error: "ZeroDivisionError: x", duration_ms: 2 });
    expect(outcome).toEqual({ callId: "c1", name: "div", ok: false, error: "ZeroDivisionError: x", durationMs: 2 });
    expect(state.tools.get("c1")?.ok).toBe(false);
  });
});

// ---------------------------------------------------------------- wiring

let frames: Array<() => void> = [];
function flushFrames(): void {
  const pending = frames;
  frames = [];
  for (const cb of pending) cb();
}

describe("controller and view", () => {
  let clock = 10_000;
  beforeEach(() => {
    frames = [];
    clock = 10_000;
    vi.stubGlobal("requestAnimationFrame", (cb: () => void) => frames.push(cb));
    vi.stubGlobal("cancelAnimationFrame", () => undefined);
    document.body.innerHTML = "";
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  async function connected(attrs: Record<string, unknown> = {}) {
    const model = new FakeModel(attrs);
    const world = fakeWorld();
    const controller = new WidgetController(model, { ...world.deps, createAudio: () => null, now: () => clock });
    void controller.connect();
    await vi.waitFor(() => expect(model.sentOfType("rpc")).toHaveLength(1));
    const rpc = model.sentOfType("rpc")[0]!;
    model.fromKernel({ type: "rpc-reply", id: rpc["id"], ok: true, result: { value: "ek_x" } });
    await vi.waitFor(() => expect(world.pcs[0]?.remoteDescription).toBeTruthy());
    const pc: FakePeerConnection = world.pcs[0]!;
    pc.channel.open();
    pc.channel.receive({ type: "session.created", session: {} });
    await vi.waitFor(() => expect(model.get("status")).toBe("connected"));
    const el = document.createElement("div");
    document.body.append(el);
    const dispose = renderView(el, model, controller);
    flushFrames();
    return { model, controller, pc, el, dispose };
  }

  it("the kernel's interrupt command and the Interrupt button send cancel and clear only", async () => {
    const { model, pc, el } = await connected();
    const button = el.querySelector<HTMLButtonElement>("button.rtw-interrupt")!;
    expect(button.disabled).toBe(true);
    pc.channel.receive({ type: "response.created", response: { id: "r1" } });
    pc.channel.receive({ type: "response.content_part.added", response_id: "r1", item_id: "i1", output_index: 0, content_index: 0, part: { type: "audio" } });
    pc.channel.receive({ type: "output_audio_buffer.started", response_id: "r1" });
    flushFrames();
    expect(button.disabled).toBe(false);
    clock += 800;
    button.click();
    const sent = pc.channel.sentEvents();
    expect(sent.map((e) => e["type"])).toEqual(["response.cancel", "output_audio_buffer.clear"]);
    expect(sent[0]).toMatchObject({ response_id: "r1" });
    for (const e of sent) expect(String(e["event_id"])).toMatch(/^evt_rwb_/);
    // The same through the kernel (w.interrupt()).
    model.fromKernel({ type: "command", name: "interrupt" });
    expect(pc.channel.sentEvents()).toHaveLength(4);
  });

  it("shows hold-to-talk only with turn detection off; pointer and Space drive it", async () => {
    const { model, pc, el } = await connected({ turn_detection: { type: "server_vad" } });
    const talk = el.querySelector<HTMLButtonElement>("button.rtw-ptt")!;
    expect(talk.hidden).toBe(true);
    model.set("turn_detection", null);
    flushFrames();
    expect(talk.hidden).toBe(false);
    talk.dispatchEvent(new MouseEvent("pointerdown", { bubbles: true, button: 0 }));
    expect(talk.getAttribute("aria-pressed")).toBe("true");
    expect(pc.channel.sentEvents().map((e) => e["type"])).toEqual(["input_audio_buffer.clear"]);
    talk.dispatchEvent(new MouseEvent("pointerup", { bubbles: true }));
    expect(pc.channel.sentEvents().map((e) => e["type"])).toEqual([
      "input_audio_buffer.clear",
      "input_audio_buffer.commit",
      "response.create",
    ]);
    // Space held on the widget (not in the message box); key repeat sends nothing more.
    const root = el.querySelector<HTMLElement>(".rtw")!;
    root.dispatchEvent(new KeyboardEvent("keydown", { code: "Space", bubbles: true }));
    root.dispatchEvent(new KeyboardEvent("keydown", { code: "Space", repeat: true, bubbles: true }));
    root.dispatchEvent(new KeyboardEvent("keyup", { code: "Space", bubbles: true }));
    expect(pc.channel.sentEvents()).toHaveLength(6);
    const input = el.querySelector<HTMLInputElement>("input.rtw-message")!;
    input.dispatchEvent(new KeyboardEvent("keydown", { code: "Space", bubbles: true }));
    input.dispatchEvent(new KeyboardEvent("keyup", { code: "Space", bubbles: true }));
    expect(pc.channel.sentEvents()).toHaveLength(6);
  });

  it("after the session ends, offers a new session with context (asks the kernel)", async () => {
    const { model, pc, el } = await connected();
    const ended = el.querySelector<HTMLElement>(".rtw-ended")!;
    pc.channel.receive({
      type: "conversation.item.added",
      previous_item_id: null,
      item: { id: "u1", type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] },
    });
    flushFrames();
    expect(ended.hidden).toBe(true);
    pc.channel.receive({ type: "error", error: { type: "invalid_request_error", code: "session_expired", message: "Your session hit the maximum duration of 60 minutes." } });
    pc.channel.remoteClose();
    flushFrames();
    expect(model.get("status")).toBe("error");
    expect(String(model.get("error"))).toContain("maximum duration");
    expect(ended.hidden).toBe(false);
    ended.querySelector<HTMLButtonElement>("button.rtw-reconnect")!.click();
    expect(model.sentOfType("ui")).toEqual([{ type: "ui", action: "reconnect" }]);
  });

  it("a failed tool and a refused session update show under the widget", async () => {
    const { model, el } = await connected();
    model.fromKernel({ type: "tool-result", call_id: "c1", name: "div", ok: false, error: "ZeroDivisionError: division by zero", duration_ms: 1 });
    flushFrames();
    expect(el.querySelector(".rtw-error")!.textContent).toBe("Tool div failed: ZeroDivisionError: division by zero");
    model.fromKernel({ type: "notice", level: "error", text: "The server refused the session update of voice" });
    flushFrames();
    expect(el.querySelector(".rtw-error")!.textContent).toContain("refused the session update");
  });
});
