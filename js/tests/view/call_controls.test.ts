// The call controls of a view (src/view/call_controls.ts): Interrupt, hold-to-talk and
// "New session with context", wired through the controller (the state: ../call_controls.test.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WidgetController } from "../../src/controller";
import { renderView } from "../../src/view";
import { FakeModel, fakeWorld, type FakePeerConnection } from "../fakes";

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

  it("a failed tool and a refused session update show under the widget, from the kernel's notices", async () => {
    const { model, el } = await connected();
    // The tool outcome marks the row; the text under the widget comes from the kernel.
    model.fromKernel({ type: "tool-result", call_id: "c1", name: "div", ok: false, error: "ZeroDivisionError: division by zero", duration_ms: 1 });
    flushFrames();
    expect(el.querySelector<HTMLElement>(".rtw-error")!.hidden).toBe(true);
    model.set("notices", [
      { id: 1, level: "warning", text: "Tool div failed: ZeroDivisionError: division by zero" },
      { id: 2, level: "error", text: "The server refused the session update of voice" },
    ]);
    flushFrames();
    const rows = [...el.querySelectorAll<HTMLElement>(".rtw-notice")];
    expect(rows.map((r) => r.querySelector(".rtw-notice-text")!.textContent)).toEqual([
      "Tool div failed: ZeroDivisionError: division by zero",
      "The server refused the session update of voice",
    ]);
    expect(rows.map((r) => r.dataset["level"])).toEqual(["warning", "error"]);
    expect(String(model.get("error"))).toBe(""); // not bounced through the browser's error trait
    rows[1]!.querySelector<HTMLButtonElement>(".rtw-notice-dismiss")!.click();
    expect(model.sentOfType("ui")).toEqual([{ type: "ui", action: "dismiss_notice", id: 2 }]);
    model.set("notices", [{ id: 1, level: "warning", text: "Tool div failed: ZeroDivisionError: division by zero" }]);
    flushFrames();
    expect(el.querySelectorAll(".rtw-notice")).toHaveLength(1);
    model.set("notices", [{ bad: true }, "text"]);
    flushFrames();
    expect(el.querySelector<HTMLElement>(".rtw-notices")!.hidden).toBe(true);
  });

});
