// The model-level controller (src/controller.ts), in jsdom with
// fake WebRTC and a fake anywidget model.
import { describe, expect, it, vi } from "vitest";
import { WidgetController } from "../src/controller";
import { renderView } from "../src/view";
import { freshDomEachTest } from "./fakes";
import { setup, connectViaKernel } from "./kernel_side";

const frames = freshDomEachTest();
const flushFrames = (): void => frames.flush();

describe("WidgetController", () => {
  it("tells the kernel it is ready once it listens, and shows what waits for the session", () => {
    const { model, controller } = setup();
    // The first message: from here on the kernel's messages have a listener.
    expect(model.sent[0]).toEqual({ type: "ready" });
    const el = document.createElement("div");
    document.body.append(el);
    renderView(el, model, controller);
    const pending = (): string[] => [...el.querySelectorAll(".rtw-outbox .rtw-pending .rtw-text")].map((n) => n.textContent ?? "");
    expect(pending()).toEqual([]);
    expect(el.querySelector<HTMLElement>(".rtw-outbox")!.hidden).toBe(true);
    model.fromKernel({ type: "outbox", items: [{ id: 0, label: "typed at once <b>not html</b>" }, { id: 1, label: "response.create" }, { bad: 1 }] });
    flushFrames();
    expect(pending()).toEqual(["typed at once <b>not html</b>", "response.create"]);
    expect(el.querySelector(".rtw-outbox b")).toBeNull();
    expect(el.querySelector(".rtw-outbox")!.textContent).toContain("waiting for the connection");
    model.fromKernel({ type: "outbox", items: [] });
    flushFrames();
    expect(pending()).toEqual([]);
    expect(el.querySelector<HTMLElement>(".rtw-outbox")!.hidden).toBe(true);
  });

  it("connects on the kernel's command and reports status and call_id once per change", async () => {
    const { model, world } = setup();
    const statuses: unknown[] = [];
    model.on("change:status", () => statuses.push(model.get("status")));
    await connectViaKernel(model, world);
    expect(statuses).toEqual(["connecting", "connected"]);
    expect(model.get("call_id")).toBe("rtc_test123");
    expect(model.get("error")).toBe("");
    expect(model.saves).toBe(2);
    // The secret went to the server, never back to the kernel.
    expect(JSON.stringify(model.sent)).not.toContain("ek_widget_test");
  });

  it("batches server events to the kernel and echoes sent client events with dir client", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { model, world } = setup({ batch_interval_ms: 50, batch_max_events: 200 });
      const pcPromise = connectViaKernel(model, world);
      await vi.advanceTimersByTimeAsync(0);
      const pc = await pcPromise;
      const clientEvent = { type: "response.create", event_id: "evt_k1" };
      model.fromKernel({ type: "client-event", event: clientEvent });
      pc.channel.receive({ type: "response.created", response: { id: "r1" } });
      pc.channel.receive("not json");
      expect(pc.channel.sentEvents()).toEqual([clientEvent]);
      await vi.advanceTimersByTimeAsync(50);
      const batches = model.sentOfType("events");
      const records = batches.flatMap((b) => b["events"] as unknown[]);
      expect(batches.map((b) => b["seq"])).toEqual(batches.map((_, i) => i));
      expect(records).toEqual([
        { t: 5000, dir: "server", event: { type: "session.created", session: { model: "gpt-realtime" } } },
        { t: 5000, dir: "client", event: clientEvent },
        { t: 5000, dir: "server", event: { type: "response.created", response: { id: "r1" } } },
        { t: 5000, dir: "server", raw: "not json" },
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("flushes pending events at once on disconnect and keeps the transcript", async () => {
    const { model, world, controller } = setup({ batch_interval_ms: 60_000 });
    const pc = await connectViaKernel(model, world);
    // session.created left at once (leading edge); the next event waits for the 60 s interval.
    const sentBefore = model.sentOfType("events").length;
    pc.channel.receive({ type: "conversation.item.added", previous_item_id: null, item: { id: "u1", type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] } });
    expect(model.sentOfType("events")).toHaveLength(sentBefore);
    model.fromKernel({ type: "command", name: "disconnect" });
    expect(model.get("status")).toBe("idle");
    const batches = model.sentOfType("events");
    expect(batches).toHaveLength(sentBefore + 1);
    expect(JSON.stringify(batches.at(-1))).toContain('"id":"u1"');
    expect(world.liveStreams()).toHaveLength(0);
    expect(controller.display.turns.get("u1")?.text).toBe("hi");
  });

  it("reports a client event sent while not connected, instead of losing it silently", () => {
    const { model } = setup();
    model.fromKernel({ type: "client-event", event: { type: "response.create", event_id: "e1" } });
    expect(model.sentOfType("log")).toEqual([
      { type: "log", level: "warning", message: expect.stringContaining('"response.create" was not sent') },
    ]);
    expect(model.get("error")).toContain("Press Connect");
  });

  it("shows the kernel's minting error (e.g. a rejected API key) and releases the mic opened meanwhile", async () => {
    const { model, world } = setup();
    model.fromKernel({ type: "command", name: "connect" });
    await vi.waitFor(() => expect(model.sentOfType("rpc")).toHaveLength(1));
    const id = model.sentOfType("rpc")[0]!["id"];
    model.fromKernel({ type: "rpc-reply", id, ok: false, error: { message: "OpenAI rejected the API key (401).", code: "invalid_api_key" } });
    await vi.waitFor(() => expect(model.get("status")).toBe("error"));
    expect(model.get("error")).toBe("OpenAI rejected the API key (401).");
    // The mic is requested while the secret is minted; it must not outlive the failure.
    await vi.waitFor(() => expect(world.liveStreams()).toHaveLength(0));
    expect(world.openPeers()).toHaveLength(0);
    expect(world.fetches).toHaveLength(0);
    expect(model.sentOfType("log").at(-1)).toMatchObject({ level: "error", message: "OpenAI rejected the API key (401)." });
  });

  it("shows a server error event as the last error", async () => {
    const { model, world } = setup();
    const pc = await connectViaKernel(model, world);
    pc.channel.receive({ type: "error", error: { type: "invalid_request_error", code: "unknown_parameter", message: "Unknown parameter: 'session.foo'." } });
    expect(model.get("error")).toBe("The server reported an error: Unknown parameter: 'session.foo'. (unknown_parameter)");
    expect(model.get("status")).toBe("connected");
  });

  it("follows the muted trait set from Python", async () => {
    const { model, world } = setup();
    await connectViaKernel(model, world);
    model.set("muted", true);
    expect(world.streams[0]!.tracks[0]!.enabled).toBe(false);
  });

  it("dispose disconnects and removes every model listener it added", async () => {
    const { model, world, controller } = setup();
    await connectViaKernel(model, world);
    controller.dispose();
    expect(model.listenerCount()).toBe(0);
    expect(world.openPeers()).toHaveLength(0);
    expect(world.liveStreams()).toHaveLength(0);
  });

  it("a connect from the kernel waits for a view: no call (and no microphone) nobody can see", async () => {
    const { model, world, controller } = setup({}, { view: false });
    model.fromKernel({ type: "command", name: "connect" });
    await new Promise((r) => setTimeout(r, 20));
    expect(model.sentOfType("rpc")).toHaveLength(0);
    expect(world.liveStreams()).toHaveLength(0);
    expect(model.get("status")).toBe("idle");
    const el = document.createElement("div");
    document.body.append(el);
    controller.trackView(el);
    await vi.waitFor(() => expect(model.sentOfType("rpc")).toHaveLength(1));
    expect(model.get("status")).toBe("connecting");
  });

  it("a disconnect from the kernel cancels a connect still waiting for a view", async () => {
    const { model, controller } = setup({}, { view: false });
    model.fromKernel({ type: "command", name: "connect" });
    model.fromKernel({ type: "command", name: "disconnect" });
    const el = document.createElement("div");
    document.body.append(el);
    controller.trackView(el);
    await new Promise((r) => setTimeout(r, 20));
    expect(model.sentOfType("rpc")).toHaveLength(0);
  });

  it("sends every report as a custom message too (a sync held by ipywidgets' throttle would never arrive)", async () => {
    const { model, world } = setup();
    await connectViaKernel(model, world);
    const reports = model.sentOfType("report");
    expect(reports[0]).toEqual({
      type: "report",
      status: "connecting",
      error: "",
      call_id: "",
      fe: expect.any(String),
      seq: 1,
    });
    // Numbered in the order they were made (the kernel drops one that arrives late).
    expect(reports.map((r) => r["seq"])).toEqual(reports.map((_, i) => i + 1));
    expect(reports.at(-1)).toMatchObject({ type: "report", status: "connected" });
    const saves = model.saves;
    expect(saves).toBeGreaterThanOrEqual(reports.length); // the trait sync still goes too
  });
});
