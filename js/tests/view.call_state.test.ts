// Issue 13: the view follows the call. Speaking indicators reset when the call or the
// turn they describe is over; after a kernel restart what cannot work is disabled and the
// reason stays; an error banner is marked as earlier once a later turn succeeds; texts
// (plurals, label-in-name).
import { afterEach, describe, expect, it, vi } from "vitest";
import { WidgetController } from "../src/controller";
import { renderView } from "../src/view";
import { Inspector } from "../src/view/inspector";
import { EventLog } from "../src/event_log";
import { FakeModel, fakeWorld, freshDomEachTest } from "./fakes";
import { connectViaKernel } from "./kernel_side";

const frames = freshDomEachTest();
afterEach(() => {
  vi.useRealTimers();
});

/**
 * A model whose comm can die like ipywidgets' 8: `send` then throws "Cannot send" (the
 * kernel's comm is disposed), `save_changes` does nothing (it checks comm_live).
 */
class MortalModel extends FakeModel {
  dead = false;
  override send(content: unknown): void {
    if (this.dead) throw new Error("Cannot send");
    super.send(content);
  }
  override save_changes(): void {
    if (!this.dead) super.save_changes();
  }
  /** What ipywidgets does when the kernel restarts: the comm is marked dead, then the event. */
  restartKernel(): void {
    this.dead = true;
    this.emit("comm_live_update");
  }
}

async function connected(attrs: Record<string, unknown> = {}) {
  const model = new MortalModel(attrs);
  const world = fakeWorld();
  const controller = new WidgetController(model, { ...world.deps, createAudio: () => null });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = renderView(el, model, controller);
  // The kernel answers the connect (tests/kernel_side.ts).
  const pc = await connectViaKernel(model, world);
  frames.flush();
  const q = <T extends HTMLElement = HTMLElement>(sel: string): T => el.querySelector<T>(sel)!;
  return { model, world, controller, el, pc, cleanup, q };
}

/** All three lit: the user speaking (over) the model, which is speaking, while a reply is asked for. */
function lightAll(pc: Awaited<ReturnType<typeof connected>>["pc"]): void {
  pc.channel.receive({ type: "output_audio_buffer.started", response_id: "r1" });
  pc.channel.receive({ type: "input_audio_buffer.speech_started", item_id: "u1" });
}

function chips(el: HTMLElement): { user: string; thinking: boolean; model: string } {
  const ind = (name: string) => el.querySelector<HTMLElement>(`.rtw-ind-${name}`)!;
  const on = (e: HTMLElement) => e.dataset["active"] === "true";
  return {
    user: `${ind("user").textContent}${on(ind("user")) ? " (on)" : ""}`,
    thinking: !ind("thinking").hidden || on(ind("thinking")),
    model: `${ind("model").textContent}${on(ind("model")) ? " (on)" : ""}`,
  };
}
const OFF = { user: "You", thinking: false, model: "Model" };

describe("speaking indicators follow the call", () => {
  it("lit while speaking, all off after the Disconnect button", async () => {
    const { el, pc, q } = await connected();
    lightAll(pc);
    frames.flush();
    expect(chips(el)).toEqual({ user: "You: speaking (on)", thinking: false, model: "Model: speaking (on)" });
    q<HTMLButtonElement>(".rtw-connect").click();
    frames.flush();
    expect(chips(el)).toEqual(OFF);
  });

  it("all off after the kernel's disconnect command", async () => {
    const { el, pc, model } = await connected();
    lightAll(pc);
    frames.flush();
    model.fromKernel({ type: "command", name: "disconnect" });
    frames.flush();
    expect(model.get("status")).toBe("idle");
    expect(chips(el)).toEqual(OFF);
  });

  it("thinking goes off when the call ends before the reply starts", async () => {
    const { el, pc, q } = await connected();
    pc.channel.receive({ type: "input_audio_buffer.speech_started", item_id: "u1" });
    pc.channel.receive({ type: "input_audio_buffer.speech_stopped", item_id: "u1" });
    frames.flush();
    expect(chips(el).thinking).toBe(true);
    q<HTMLButtonElement>(".rtw-connect").click();
    frames.flush();
    expect(chips(el)).toEqual(OFF);
  });

  it("all off after a kernel restart", async () => {
    const { el, pc, model } = await connected();
    lightAll(pc);
    frames.flush();
    model.restartKernel();
    frames.flush();
    expect(chips(el)).toEqual(OFF);
  });

  it("push-to-talk: releasing the button clears You (speech the server never closed)", async () => {
    // Speech started under VAD, then turn detection was switched off: the server drops the
    // speech without a speech_stopped, and the user now holds the button to talk.
    const { el, pc, model, q } = await connected();
    pc.channel.receive({ type: "input_audio_buffer.speech_started", item_id: "u1" });
    model.set("turn_detection", null);
    frames.flush();
    expect(chips(el).user).toBe("You: speaking (on)");
    const talk = q<HTMLButtonElement>(".rtw-ptt");
    expect(talk.hidden).toBe(false);
    talk.dispatchEvent(new MouseEvent("pointerdown", { button: 0, bubbles: true }));
    talk.dispatchEvent(new MouseEvent("pointerup", { button: 0, bubbles: true }));
    frames.flush();
    const sent = pc.channel.sentEvents().map((e) => e["type"]);
    expect(sent).toContain("input_audio_buffer.commit");
    expect(chips(el).user).toBe("You");
  });

  it("a new call starts with every indicator off", async () => {
    const { el, pc, q, world } = await connected();
    lightAll(pc);
    q<HTMLButtonElement>(".rtw-connect").click();
    q<HTMLButtonElement>(".rtw-connect").click(); // connect again: no session.created yet
    frames.flush();
    expect(world.pcs.length).toBeGreaterThanOrEqual(1);
    expect(chips(el)).toEqual(OFF);
  });
});

describe("after a kernel restart", () => {
  const RESTART = "The Python kernel restarted or stopped";

  it("disables what cannot work and keeps the message that says why", async () => {
    const { el, pc, model, controller, q } = await connected();
    pc.channel.receive({ type: "conversation.item.added", previous_item_id: null, item: { id: "u0", type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] } });
    frames.flush();
    model.restartKernel();
    frames.flush();
    expect(model.get("status")).toBe("error");
    const error = q(".rtw-error");
    expect(error.hidden).toBe(false);
    expect(error.textContent).toContain(RESTART);
    expect(error.textContent).toContain("Re-run the cell");

    const connect = q<HTMLButtonElement>(".rtw-connect");
    const reconnect = q<HTMLButtonElement>(".rtw-reconnect");
    expect(connect.disabled).toBe(true);
    expect(reconnect.disabled).toBe(true);
    expect(q<HTMLButtonElement>(".rtw-send").disabled).toBe(true);
    expect(q<HTMLInputElement>(".rtw-message").disabled).toBe(true);
    expect(q<HTMLButtonElement>(".rtw-mute").disabled).toBe(true);
    for (const c of el.querySelectorAll<HTMLInputElement | HTMLSelectElement>(".rtw-settings select, .rtw-settings input")) {
      expect(c.disabled).toBe(true);
    }
    // What still works on the page stays usable: the transcript and the session's events.
    expect(q<HTMLButtonElement>(".rtw-copy-transcript").disabled).toBe(false);
    expect(q<HTMLButtonElement>(".rtw-download").disabled).toBe(false);

    // Even if called (a stale click, the keyboard), nothing throws and the reason stays.
    expect(() => controller.reconnectWithContext()).not.toThrow();
    expect(() => controller.sendText("hello")).not.toThrow();
    await controller.connect();
    frames.flush();
    expect(String(model.get("error"))).toContain(RESTART);
    expect(q(".rtw-error").textContent).toContain(RESTART);
    expect(String(model.get("error"))).not.toContain("Cannot send");
  });
});

describe("an error banner after a later successful turn", () => {
  it("is marked as earlier (not an alert any more); w.error keeps the text", async () => {
    const { pc, model, q } = await connected();
    pc.channel.receive({ type: "error", error: { message: "Invalid value: 'nope'", code: "invalid_value" } });
    frames.flush();
    const alert = q(".rtw-error");
    expect(alert.getAttribute("role")).toBe("alert");
    expect(alert.hidden).toBe(false);
    expect(alert.textContent).toContain("Invalid value");

    // A failed or out-of-band response is not the later turn that succeeded.
    pc.channel.receive({ type: "response.done", response: { id: "r0", status: "failed", output: [] } });
    pc.channel.receive({ type: "response.done", response: { id: "rb", status: "completed", conversation_id: null, output: [] } });
    frames.flush();
    expect(q(".rtw-error").hidden).toBe(false);

    pc.channel.receive({ type: "response.created", response: { id: "r1" } });
    pc.channel.receive({ type: "response.done", response: { id: "r1", status: "completed", output: [] } });
    frames.flush();
    expect(q(".rtw-error").hidden).toBe(true);
    const old = q(".rtw-error-old");
    expect(old.hidden).toBe(false);
    expect(old.getAttribute("role")).toBeNull();
    expect(old.textContent).toMatch(/^Earlier/);
    expect(old.textContent).toContain("Invalid value");
    expect(String(model.get("error"))).toContain("Invalid value");

    // A new error is current again.
    pc.channel.receive({ type: "error", error: { message: "Second problem" } });
    frames.flush();
    expect(q(".rtw-error").hidden).toBe(false);
    expect(q(".rtw-error").textContent).toContain("Second problem");
    expect(q(".rtw-error-old").hidden).toBe(true);
  });
});

describe("texts", () => {
  it("the event counter pluralises", () => {
    const log = new EventLog();
    const ins = new Inspector(log, () => undefined);
    ins.draw();
    expect(ins.el.querySelector("summary")!.textContent).toBe("0 events · 0 types");
    log.push({ t: 1, dir: "server", event: { type: "session.created" } });
    ins.draw();
    expect(ins.el.querySelector("summary")!.textContent).toBe("1 event · 1 type");
    log.push({ t: 2, dir: "server", event: { type: "session.created" } });
    ins.draw();
    expect(ins.el.querySelector("summary")!.textContent).toBe("2 events · 1 type");
  });

  it("every button's accessible name contains its visible label (WCAG 2.5.3)", async () => {
    const { el, pc, model, q } = await connected({ turn_detection: null });
    pc.channel.receive({ type: "conversation.item.added", previous_item_id: null, item: { id: "u0", type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] } });
    pc.channel.receive({ type: "response.created", response: { id: "r1" } });
    pc.channel.receive({ type: "response.output_audio_transcript.delta", item_id: "a1", response_id: "r1", delta: "Hello" });
    frames.flush();
    // Open the inspector on a type so its event rows (with Copy JSON) are drawn.
    const inspector = q<HTMLDetailsElement>(".rtw-inspector");
    inspector.open = true;
    inspector.dispatchEvent(new Event("toggle"));
    q<HTMLButtonElement>('button.rtw-type[data-type="session.created"]').click();
    frames.flush();
    const norm = (s: string | null | undefined) => (s ?? "").replace(/\s+/g, " ").trim().toLowerCase();
    const check = (): number => {
      let n = 0;
      for (const b of el.querySelectorAll("button")) {
        const label = b.getAttribute("aria-label");
        if (label === null) continue;
        n++;
        expect(norm(label), `button ${b.className}`).toContain(norm(b.textContent));
      }
      return n;
    };
    expect(check()).toBeGreaterThanOrEqual(5);
    expect(el.querySelector(".rtw-copy")).not.toBeNull();
    expect(q(".rtw-download").getAttribute("aria-label")).toMatch(/^Download JSONL/);
    // While holding the push-to-talk button its text changes; the name follows.
    expect(model.get("turn_detection")).toBeNull();
    const talk = q<HTMLButtonElement>(".rtw-ptt");
    talk.dispatchEvent(new MouseEvent("pointerdown", { button: 0, bubbles: true }));
    expect(talk.textContent).toBe("Release to send");
    check();
    talk.dispatchEvent(new MouseEvent("pointerup", { button: 0, bubbles: true }));
    expect(talk.textContent).toBe("Hold to talk");
    check();
  });
});
