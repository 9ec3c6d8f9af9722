// The controller with api="live" (GPT-Live): the kernel posts the offer, the call is ready on
// session.started, the browser sends no Realtime client events of its own (no response.cancel,
// output_audio_buffer.clear or push-to-talk commit), Interrupt silences playback here only, and
// an error names the client event by Live's client_event_id.
import { describe, expect, it, vi } from "vitest";
import { transcriptOf } from "../../src/reducer";
import { ANSWER_SDP, FakeStream, freshDomEachTest, type FakeModel, type fakeWorld } from "../fakes";
import { setup } from "../kernel_side";
import { live } from "./live_events";

freshDomEachTest();

const LIVE = { api: "live", model: "gpt-live-1.1", signaling: "kernel" };

async function connectLive(model: FakeModel, world: ReturnType<typeof fakeWorld>) {
  model.fromKernel({ type: "command", name: "connect" });
  await vi.waitFor(() => expect(model.sentOfType("rpc")).toHaveLength(1));
  const rpc = model.sentOfType("rpc")[0]!;
  expect(rpc).toMatchObject({ method: "sdp_offer" });
  model.fromKernel({ type: "rpc-reply", id: rpc["id"], ok: true, result: { sdp: ANSWER_SDP, call_id: "sess_live_1" } });
  const pc = world.pcs[0]!;
  await vi.waitFor(() => expect(pc.remoteDescription).toBeTruthy());
  pc.channel.open();
  return pc;
}

describe("WidgetController with GPT-Live", () => {
  it("is ready on session.started (not session.created), on the oai-events channel, with no client secret", async () => {
    const { model, world, controller } = setup(LIVE);
    expect(controller.api).toBe("live");
    const pc = await connectLive(model, world);
    expect(pc.channel.label).toBe("oai-events");
    pc.channel.receive({ type: "session.created", event_id: "x", session: {} });
    await new Promise((r) => setTimeout(r, 0));
    expect(model.get("status")).toBe("connecting");
    pc.channel.receive(live.started());
    await vi.waitFor(() => expect(model.get("status")).toBe("connected"));
    expect(model.get("call_id")).toBe("sess_live_1");
    expect(model.sentOfType("rpc").map((m) => m["method"])).toEqual(["sdp_offer"]);
    expect(pc.channel.sent).toEqual([]);
  });

  it("says session.started when it never comes", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { model, world } = setup({ ...LIVE, call_timeout_ms: 1_000 });
      model.fromKernel({ type: "command", name: "connect" });
      await vi.advanceTimersByTimeAsync(0);
      const rpc = model.sentOfType("rpc")[0]!;
      model.fromKernel({ type: "rpc-reply", id: rpc["id"], ok: true, result: { sdp: ANSWER_SDP, call_id: null } });
      await vi.advanceTimersByTimeAsync(0);
      world.pcs[0]!.channel.open();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(model.get("status")).toBe("error");
      expect(model.get("error")).toContain("no session.started within 1 s");
    } finally {
      vi.useRealTimers();
    }
  });

  it("Interrupt sends no client event and silences the model's voice here until a new utterance", async () => {
    const { model, world, controller } = setup(LIVE);
    const pc = await connectLive(model, world);
    pc.channel.receive(live.started());
    await vi.waitFor(() => expect(model.get("status")).toBe("connected"));
    const remote = new FakeStream();
    pc.ontrack?.({ track: remote.tracks[0]!, streams: [remote] });
    expect(controller.canInterrupt).toBe(false);
    pc.channel.receive(live.said("Once upon a time", 0, 800));
    expect(controller.canInterrupt).toBe(true);

    expect(controller.interrupt()).toBe(true);
    model.fromKernel({ type: "command", name: "interrupt" }); // the kernel's interrupt: the same, nothing more to do
    controller.pushToTalk(true);
    controller.pushToTalk(false);
    expect(pc.channel.sent).toEqual([]);
    expect(remote.tracks[0]!.enabled).toBe(false);
    expect(controller.livePlayback.silenced).toBe(true);

    pc.channel.receive(live.said(" there was", 800, 1200));
    expect(remote.tracks[0]!.enabled).toBe(false);
    pc.channel.receive(live.said("Anything else?", 5000, 5600));
    expect(remote.tracks[0]!.enabled).toBe(true);
  });

  it("shows the kernel's commentary as a context row and a server error about it by client_event_id", async () => {
    const { model, world, controller } = setup(LIVE);
    const pc = await connectLive(model, world);
    pc.channel.receive(live.started());
    await vi.waitFor(() => expect(model.get("status")).toBe("connected"));
    const commentary = live.commentary("The order shipped today.", "evt_rw_1");
    model.fromKernel({ type: "client-event", event: commentary });
    expect(pc.channel.sentEvents()).toEqual([commentary]);
    pc.channel.receive(live.error("Commentary is rejected while an audio fixture is active.", "evt_rw_1", "fixture_active"));
    await vi.waitFor(() =>
      expect(model.get("error")).toBe(
        "The server reported an error: Commentary is rejected while an audio fixture is active. (fixture_active) " +
          "(caused by the client event session.commentary.append evt_rw_1)",
      ),
    );
    expect(transcriptOf(controller.display).map((t) => [t.kind, t.text, t.status])).toEqual([
      ["commentary", "The order shipped today.", "failed"],
    ]);
  });

  it("a sideband-sent event noted after its error words the error again (Live's client_event_id)", async () => {
    const { model, world } = setup(LIVE);
    const pc = await connectLive(model, world);
    pc.channel.receive(live.started());
    await vi.waitFor(() => expect(model.get("status")).toBe("connected"));
    pc.channel.receive(live.error("Bad delegation id.", "evt_rw_9"));
    await vi.waitFor(() => expect(model.get("error")).toContain("caused by the client event with event_id evt_rw_9"));
    model.fromKernel({ type: "client-event", via: "sideband", event: live.commentary("x", "evt_rw_9", "del_nope") });
    await vi.waitFor(() => expect(model.get("error")).toContain("caused by the client event session.commentary.append evt_rw_9"));
    expect(pc.channel.sent).toEqual([]); // the sideband sent it, not the data channel
  });

  it("the Realtime API keeps its own interrupt (the default when the api trait is absent)", async () => {
    const { controller } = setup({});
    expect(controller.api).toBe("realtime");
    expect(controller.canInterrupt).toBe(false);
  });
});
