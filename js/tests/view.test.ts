// One view (src/view.ts), in jsdom with
// fake WebRTC and a fake anywidget model.
import { describe, expect, it, vi } from "vitest";
import { renderView } from "../src/view";
import { freshDomEachTest } from "./fakes";
import { setup, answerSecret, connectViaKernel } from "./kernel_side";

const frames = freshDomEachTest();
const flushFrames = (): void => frames.flush();

describe("view", () => {
  function mount(attrs: Record<string, unknown> = {}) {
    const t = setup(attrs);
    const el = document.createElement("div");
    document.body.append(el);
    const cleanup = renderView(el, t.model, t.controller);
    return { ...t, el, cleanup };
  }

  it("has the accessible controls: Connect, Mute (aria-pressed), Message, status", () => {
    const { el } = mount();
    const buttons = [...el.querySelectorAll("button")].map((b) => b.textContent);
    expect(buttons).toContain("Connect");
    const mute = el.querySelector<HTMLButtonElement>(".rtw-mute")!;
    expect(mute.getAttribute("aria-pressed")).toBe("false");
    const input = el.querySelector<HTMLInputElement>("input[type=text]")!;
    expect([...(input.labels ?? [])].map((l) => l.textContent)).toEqual(["Message"]);
    const status = el.querySelector('[role="status"]')!;
    expect(status.getAttribute("aria-live")).toBe("polite");
    expect(status.textContent).toBe("idle");
  });

  it("Connect becomes Disconnect while connected, and the mute toggle mutes the mic", async () => {
    const { el, model, world } = mount();
    const connect = el.querySelector<HTMLButtonElement>(".rtw-connect")!;
    connect.click();
    await answerSecret(model);
    await vi.waitFor(() => expect(world.pcs[0]?.remoteDescription).toBeTruthy());
    world.pcs[0]!.channel.open();
    world.pcs[0]!.channel.receive({ type: "session.created", session: {} });
    flushFrames();
    expect(connect.textContent).toBe("Disconnect");
    expect(el.querySelector('[role="status"]')!.textContent).toBe("connected");

    const mute = el.querySelector<HTMLButtonElement>(".rtw-mute")!;
    mute.click();
    flushFrames();
    expect(model.get("muted")).toBe(true);
    expect(mute.getAttribute("aria-pressed")).toBe("true");
    expect(world.streams[0]!.tracks[0]!.enabled).toBe(false);

    connect.click();
    flushFrames();
    expect(connect.textContent).toBe("Connect");
    expect(world.openPeers()).toHaveLength(0);
  });

  it("renders model text as text, never as HTML", async () => {
    const { el, model, world } = mount();
    const pc = await connectViaKernel(model, world);
    const evil = '<img src=x onerror="window.__pwned=1">';
    pc.channel.receive({ type: "response.output_audio_transcript.delta", item_id: "a1", delta: evil });
    pc.channel.receive({ type: "conversation.item.added", previous_item_id: null, item: { id: "u1", type: "message", role: "user", content: [{ type: "input_text", text: `<b>${evil}</b>` }] } });
    flushFrames();
    expect(el.querySelector("img")).toBeNull();
    expect(el.querySelector("b")).toBeNull();
    const texts = [...el.querySelectorAll(".rtw-turn .rtw-text")].map((n) => n.textContent);
    expect(texts).toContain(evil);
    expect(texts).toContain(`<b>${evil}</b>`);
    // The event counter shows types as text too.
    pc.channel.receive({ type: evil });
    flushFrames();
    expect(el.querySelector("img")).toBeNull();
  });

  it("draws the transcript in conversation order with partial text marked", async () => {
    const { el, model, world } = mount();
    const pc = await connectViaKernel(model, world);
    pc.channel.receive({ type: "conversation.item.added", previous_item_id: null, item: { id: "u0", type: "message", role: "user", content: [{ type: "input_text", text: "first" }] } });
    pc.channel.receive({ type: "response.output_audio_transcript.delta", item_id: "a1", delta: "Reply so f" });
    flushFrames();
    pc.channel.receive({ type: "conversation.item.added", previous_item_id: "u0", item: { id: "u1", type: "message", role: "user", content: [{ type: "input_audio", transcript: null }] } });
    pc.channel.receive({ type: "conversation.item.input_audio_transcription.completed", item_id: "u1", content_index: 0, transcript: "spoken" });
    flushFrames();
    const rows = [...el.querySelectorAll<HTMLLIElement>(".rtw-turn")];
    // u1 was spoken before the reply a1, though announced after it.
    expect(rows.map((r) => r.dataset["itemId"])).toEqual(["u0", "u1", "a1"]);
    expect(rows.map((r) => r.querySelector(".rtw-text")!.textContent)).toEqual(["first", "spoken", "Reply so f"]);
    expect(rows.map((r) => r.dataset["status"])).toEqual(["complete", "complete", "partial"]);
    expect(rows[2]!.classList.contains("rtw-partial")).toBe(true);
    expect(el.querySelector(".rtw-empty")!.hasAttribute("hidden")).toBe(true);
  });

  it("redraws once per animation frame, not once per event", async () => {
    const { model, world } = mount();
    const pc = await connectViaKernel(model, world);
    flushFrames();
    for (let i = 0; i < 100; i++) pc.channel.receive({ type: "response.output_audio_transcript.delta", item_id: "a1", delta: "x" });
    expect(frames.pending).toBe(1);
  });

  it("shows the offline emulator badge and hint only for the emulator backend", () => {
    const emu = mount({ backend: "emulator" });
    const badge = emu.el.querySelector<HTMLElement>(".rtw-emulator")!;
    expect(badge.hidden).toBe(false);
    expect(badge.textContent).toContain("Offline emulator");
    expect(badge.textContent).toContain("OPENAI_API_KEY");
    const real = mount({ backend: "openai" });
    expect(real.el.querySelector<HTMLElement>(".rtw-emulator")!.hidden).toBe(true);
  });

  it("Enter in the Message box asks the kernel to send the text", () => {
    const { el, model } = mount();
    const input = el.querySelector<HTMLInputElement>(".rtw-message")!;
    input.value = "  Hello there  ";
    el.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true, bubbles: true }));
    expect(model.sentOfType("ui")).toEqual([{ type: "ui", action: "send_text", text: "Hello there" }]);
    expect(input.value).toBe("");
    input.value = "   ";
    el.querySelector("form")!.dispatchEvent(new Event("submit", { cancelable: true, bubbles: true }));
    expect(model.sentOfType("ui")).toHaveLength(1);
  });

  it("Enter keydown submits by itself and does not reach the notebook's key handling", () => {
    // In a JupyterLab output area the implicit form submit never happens; the view must not rely on it.
    const { el, model } = mount();
    const outside: string[] = [];
    const onOutside = (e: Event): void => {
      outside.push((e as KeyboardEvent).key);
    };
    document.body.addEventListener("keydown", onOutside);
    const input = el.querySelector<HTMLInputElement>(".rtw-message")!;
    input.value = "Typed in JupyterLab";
    const enter = new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true });
    input.dispatchEvent(enter);
    expect(enter.defaultPrevented).toBe(true);
    expect(outside).toEqual([]);
    expect(model.sentOfType("ui")).toEqual([{ type: "ui", action: "send_text", text: "Typed in JupyterLab" }]);
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "a", bubbles: true }));
    expect(outside).toEqual(["a"]);
    expect(model.sentOfType("ui")).toHaveLength(1);
    document.body.removeEventListener("keydown", onOutside);
  });

  it("shows the error trait under the widget and hides the area when empty", () => {
    const { el, model } = mount();
    const area = el.querySelector<HTMLElement>(".rtw-error")!;
    expect(area.hidden).toBe(true);
    model.set("error", "The client secret was rejected (401).");
    flushFrames();
    expect(area.hidden).toBe(false);
    expect(area.textContent).toBe("The client secret was rejected (401).");
    expect(area.getAttribute("role")).toBe("alert");
  });

  it("cleanup removes the view's DOM and its listeners", () => {
    const { el, model, cleanup } = mount();
    const before = model.listenerCount();
    cleanup();
    expect(el.childElementCount).toBe(0);
    expect(model.listenerCount()).toBeLessThan(before);
  });
});
