// Controller behaviours the fault suite (tests/faults/) found missing: a dead kernel or a
// page with no view left must end the call; a closed comm must not throw into the page;
// a server error names the client event that caused it.
import { afterEach, describe, expect, it, vi } from "vitest";
import { WidgetController } from "../src/controller";
import { FakeModel, fakeWorld } from "./fakes";

afterEach(() => {
  vi.useRealTimers();
  document.body.innerHTML = "";
});

async function connected() {
  const model = new FakeModel({ status: "idle", error: "", call_id: "" });
  const world = fakeWorld();
  const controller = new WidgetController(model, { ...world.deps, createAudio: () => null });
  void controller.connect();
  await vi.waitFor(() => expect(model.sentOfType("rpc")).toHaveLength(1));
  const rpc = model.sentOfType("rpc")[0]!;
  model.fromKernel({ type: "rpc-reply", id: rpc["id"], ok: true, result: { value: "ek_x", expires_at: 1 } });
  await vi.waitFor(() => expect(world.pcs[0]?.remoteDescription).toBeTruthy());
  const pc = world.pcs[0]!;
  pc.channel.open();
  pc.channel.receive({ type: "session.created", session: {} });
  await vi.waitFor(() => expect(model.get("status")).toBe("connected"));
  return { model, world, controller, pc };
}

describe("fault handling in the controller", () => {
  it("ends the call and says why when the kernel's comm dies", async () => {
    const { model, world } = await connected();
    model.emit("comm_live_update");
    expect(model.get("status")).toBe("error");
    expect(String(model.get("error"))).toContain("The Python kernel restarted or stopped");
    expect(world.liveStreams()).toHaveLength(0);
  });

  it("ends the call when no view is left on the page, but not while one is", async () => {
    const { controller, world } = await connected();
    vi.useFakeTimers();
    const el = document.createElement("div");
    document.body.append(el);
    const untrack = controller.trackView(el);
    vi.advanceTimersByTime(5_000);
    expect(controller.transport.state.kind).toBe("connected");
    el.remove(); // the notebook was closed: the element left the page, no cleanup came
    vi.advanceTimersByTime(5_000);
    expect(controller.transport.state.kind).toBe("idle");
    expect(world.liveStreams()).toHaveLength(0);
    untrack();
  });

  it("does not throw when the comm is closed", async () => {
    const { model, controller, pc } = await connected();
    model.send = () => {
      throw new Error("Cannot send");
    };
    expect(() => controller.log("info", "x")).not.toThrow();
    expect(() => pc.channel.receive({ type: "response.created", response: { id: "r" } })).not.toThrow();
    expect(() => controller.disconnect()).not.toThrow();
  });

  it("names the client event a server error answers", async () => {
    const { model, pc } = await connected();
    model.fromKernel({ type: "client-event", event: { type: "response.create", event_id: "evt_9" } });
    await vi.waitFor(() => expect(pc.channel.sent).toHaveLength(1));
    pc.channel.receive({ type: "error", error: { message: "nope", code: "bad", event_id: "evt_9" } });
    expect(model.get("error")).toBe(
      "The server reported an error: nope (bad) (caused by the client event response.create evt_9)",
    );
  });
});

describe("page going away", () => {
  it("flushes received events to the kernel and hangs up on pagehide", async () => {
    const { model, world, pc } = await connected();
    pc.channel.receive({ type: "response.created", response: { id: "r1" } });
    const before = model.sentOfType("events").length;
    window.dispatchEvent(new Event("pagehide"));
    const batches = model.sentOfType("events").slice(before);
    const types = batches.flatMap((m) => (m["events"] as Array<{ event?: { type?: string } }>).map((r) => r.event?.type));
    expect(types).toContain("response.created");
    expect(world.liveStreams()).toHaveLength(0);
    expect(model.get("status")).toBe("idle");
  });
});
