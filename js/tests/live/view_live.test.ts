// The view with api="live" (GPT-Live) in jsdom: the API badge, usage in seconds and dollars
// (no per-token voice table), settings that show model and voice as fixed and nothing to
// tune, a message box that says what a typed message becomes, Interrupt that says it only
// silenced playback here, and the context and delegation rows.
import { describe, expect, it, vi } from "vitest";
import { WidgetController } from "../../src/controller";
import { renderView } from "../../src/view";
import { LIVE_INTERRUPT_NOTE } from "../../src/live_playback";
import { ANSWER_SDP, FakeModel, FakeStream, fakeWorld, freshDomEachTest } from "../fakes";
import { live } from "./live_events";

const frames = freshDomEachTest();

const PRICES = {
  source: "test prices",
  prices: {
    "gpt-live-1.1": { per_minute: 0.05 },
    "gpt-live-1.1:standby": { per_minute: 0.02 },
    "gpt-5.5": { text_in: 5, text_cached: 0.5, text_out: 30 },
  },
};

function render(attrs: Record<string, unknown> = {}) {
  const model = new FakeModel({ api: "live", model: "gpt-live-1.1", voice: "cedar", signaling: "kernel", price_table: PRICES, turn_detection: null, ...attrs });
  const world = fakeWorld();
  const controller = new WidgetController(model, { ...world.deps, createAudio: () => null, now: () => 10_000 });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = renderView(el, model, controller);
  frames.flush();
  return { model, world, controller, el, cleanup };
}

async function connected(attrs: Record<string, unknown> = {}) {
  const r = render(attrs);
  r.model.fromKernel({ type: "command", name: "connect" });
  await vi.waitFor(() => expect(r.model.sentOfType("rpc")).toHaveLength(1));
  const rpc = r.model.sentOfType("rpc")[0]!;
  r.model.fromKernel({ type: "rpc-reply", id: rpc["id"], ok: true, result: { sdp: ANSWER_SDP, call_id: "sess_live_1" } });
  const pc = r.world.pcs[0]!;
  await vi.waitFor(() => expect(pc.remoteDescription).toBeTruthy());
  pc.channel.open();
  pc.channel.receive(live.started());
  await vi.waitFor(() => expect(r.model.get("status")).toBe("connected"));
  frames.flush();
  return { ...r, pc };
}

const q = <T extends Element>(el: HTMLElement, sel: string): T => el.querySelector<T>(sel)!;

describe("the view with GPT-Live", () => {
  it("names the API beside the emulator badge; the Realtime API's view names its own", () => {
    const { el } = render({ backend: "emulator" });
    const badges = q<HTMLElement>(el, ".rtw-badges");
    expect(badges.querySelector(".rtw-api")!.textContent).toBe("GPT-Live");
    expect(badges.querySelector<HTMLElement>(".rtw-emulator")!.hidden).toBe(false);
    const other = render({ api: "realtime", model: "gpt-realtime" });
    expect(q<HTMLElement>(other.el, ".rtw-api").textContent).toBe("Realtime API");
  });

  it("settings show model and voice as fixed, and nothing GPT-Live decides itself", () => {
    const { el } = render();
    const settings = q<HTMLElement>(el, ".rtw-settings");
    expect(settings.querySelectorAll("select, input")).toHaveLength(0);
    const terms = [...settings.querySelectorAll("dt")].map((d) => d.textContent);
    const values = [...settings.querySelectorAll("dd")].map((d) => d.textContent);
    expect(terms).toEqual(["Model (fixed at start)", "Voice (fixed at start)"]);
    expect(values).toEqual(["gpt-live-1.1", "cedar"]);
    expect(settings.textContent).not.toMatch(/Turn detection|Transcription model|Noise reduction/);
  });

  it("the message box says a typed message is sent as context the model may speak about", () => {
    const { el, model } = render();
    const input = q<HTMLInputElement>(el, ".rtw-message");
    const hint = document.getElementById(input.getAttribute("aria-describedby")!)!;
    expect(hint.textContent).toContain("sent as context the model may speak about");
    input.value = "Order #123 shipped.";
    q<HTMLFormElement>(el, ".rtw-compose").requestSubmit();
    expect(model.sentOfType("ui").at(-1)).toEqual({ type: "ui", action: "send_text", text: "Order #123 shipped." });
  });

  it("usage shows billable seconds and dollars, the latest figure (never summed), with the backend's tokens", async () => {
    const { el, pc } = await connected();
    const usage = q<HTMLDetailsElement>(el, ".rtw-usage");
    expect(usage.textContent).not.toContain("cached"); // no per-token voice table
    pc.channel.receive(live.usage(30));
    pc.channel.receive(live.usage(90, 60, 30));
    pc.channel.receive(
      live.responseEvent("dlg_1", {
        type: "response.completed",
        response: { id: "resp_1", model: "gpt-5.5", status: "completed", usage: { input_tokens: 500, input_tokens_details: { cached_tokens: 100 }, output_tokens: 40, total_tokens: 540 } },
      }),
    );
    frames.flush();
    const cells = [...usage.querySelectorAll("tbody tr")].map((tr) => [...tr.children].map((c) => c.textContent));
    // 60 s × $0.05/min + 30 s × $0.02/min = $0.06; the backend: $0.00325.
    expect(cells).toEqual([
      ["This session", "01:30 (90 s)", "00:30 (30 s)", "$0.060"],
      ["All sessions (1)", "01:30 (90 s)", "00:30 (30 s)", "$0.060"],
      ["Delegated backend (1 response)", "500 in · 40 out tokens", "–", "$0.0033"],
    ]);
    expect(q<HTMLElement>(usage, ".rtw-usage-summary").textContent).toBe("01:30 billed · $0.063 est.");
    expect(q<HTMLElement>(el, ".rtw-tokens").textContent).toBe("01:30 billed · $0.063 est.");
    expect(q<HTMLElement>(usage, ".rtw-usage-note").textContent).toContain("$0.050/min active, $0.020/min standby, billed per second");
  });

  it("Interrupt is offered while the model speaks, silences it here, and says GPT-Live decides; no hold-to-talk", async () => {
    const { el, pc } = await connected();
    const interrupt = q<HTMLButtonElement>(el, ".rtw-interrupt");
    const note = q<HTMLElement>(el, ".rtw-live-interrupt-note");
    expect(q<HTMLButtonElement>(el, ".rtw-ptt").hidden).toBe(true); // turn_detection null does not mean push-to-talk here
    const remote = new FakeStream();
    pc.ontrack?.({ track: remote.tracks[0]!, streams: [remote] });
    expect(interrupt.disabled).toBe(true);
    pc.channel.receive(live.said("Once upon a time", 0, 900));
    frames.flush();
    expect(interrupt.disabled).toBe(false);
    expect(note.hidden).toBe(true);
    interrupt.click();
    frames.flush();
    expect(pc.channel.sent).toEqual([]);
    expect(remote.tracks[0]!.enabled).toBe(false);
    expect(note.hidden).toBe(false);
    expect(note.textContent).toBe(LIVE_INTERRUPT_NOTE);
    expect(interrupt.disabled).toBe(true);
    expect(q<HTMLElement>(el, ".rtw-announce").textContent).toBe("");
    await vi.waitFor(() => expect(q<HTMLElement>(el, ".rtw-announce").textContent).toContain("GPT-Live decides when it stops speaking"));
    pc.channel.receive(live.heard("Next question", 2000, 2600));
    frames.flush();
    expect(note.hidden).toBe(true);
    expect(remote.tracks[0]!.enabled).toBe(true);
  });

  it("context, delegations and answers are rows with labels that say what they are", async () => {
    const { el, pc, model, controller } = await connected();
    pc.channel.receive(live.heard("Book a table.", 0, 900));
    pc.channel.receive(live.delegated("dlg_1", "client", 950));
    model.fromKernel({ type: "client-event", event: live.commentary("Remember: the user is vegetarian.", "evt_c") });
    model.fromKernel({ type: "client-event", event: live.commentary("Booked for 8pm.", "evt_a", "dlg_1") });
    pc.channel.receive(live.appended("commentary", "evt_c", 1000));
    frames.flush();
    const rows = () => [...el.querySelectorAll(".rtw-turn")].map((li) => [li.querySelector(".rtw-who")!.textContent, li.querySelector(".rtw-text")!.textContent, (li as HTMLElement).dataset["status"]]);
    expect(rows()).toEqual([
      ["You", "Book a table.", "complete"],
      ["Delegated to your application", "(waiting for the answer)", "partial"],
      // Sent at 950 on the timeline, not acknowledged yet: before the context acknowledged at 1000.
      ["Your application's answer", "Booked for 8pm.", "partial"],
      ["Context you sent (the model may speak about it)", "Remember: the user is vegetarian.", "complete"],
    ]);
    pc.channel.receive(live.appended("commentary", "evt_a", 1200));
    pc.channel.receive(live.error("Not allowed.", "evt_x"));
    frames.flush();
    expect(rows()[1]).toEqual(["Delegated to your application", "(answered)", "complete"]);
    // A refused context row says why, on screen and in the copied transcript.
    model.fromKernel({ type: "client-event", event: live.commentary("x".repeat(3), "evt_r") });
    pc.channel.receive(live.error("Commentary is limited to 500 tokens.", "evt_r"));
    frames.flush();
    expect(rows().at(-1)).toEqual(["Context you sent (the model may speak about it)", "xxx (refused: Commentary is limited to 500 tokens.)", "failed"]);
    const { transcriptAsText } = await import("../../src/view/transcript");
    const { transcriptOf } = await import("../../src/reducer");
    const text = transcriptAsText(transcriptOf(controller.display), controller.eventLog);
    expect(text.split("\n").at(-1)).toBe("Context you sent (the model may speak about it): xxx [failed: Commentary is limited to 500 tokens.]");
  });
});
