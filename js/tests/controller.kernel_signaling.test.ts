// The controller with signaling="kernel" (src/controller.ts): the offer goes to the kernel as
// the `sdp_offer` rpc, no client secret is ever asked for, and what the kernel's POST got is
// reported like the browser's own POST.
import { describe, expect, it, vi } from "vitest";
import { describeHttpError } from "../src/transport";
import { ANSWER_SDP, freshDomEachTest, type FakeModel } from "./fakes";
import { setup } from "./kernel_side";

freshDomEachTest();

async function offerRequest(model: FakeModel): Promise<Record<string, unknown>> {
  model.fromKernel({ type: "command", name: "connect" });
  await vi.waitFor(() => expect(model.sentOfType("rpc")).toHaveLength(1));
  return model.sentOfType("rpc")[0]!;
}

describe("WidgetController with kernel signaling", () => {
  it("sends the offer to the kernel, applies its answer and reports the relayed call id", async () => {
    const { model, world } = setup({ signaling: "kernel" });
    const rpc = await offerRequest(model);
    const pc = world.pcs[0]!;
    expect(rpc).toMatchObject({ method: "sdp_offer", params: { sdp: pc.localDescription!.sdp } });
    model.fromKernel({ type: "rpc-reply", id: rpc["id"], ok: true, result: { sdp: ANSWER_SDP, call_id: "rtc_relayed" } });
    await vi.waitFor(() => expect(pc.remoteDescription).toEqual({ type: "answer", sdp: ANSWER_SDP }));
    pc.channel.open();
    pc.channel.receive({ type: "session.created", session: {} });
    await vi.waitFor(() => expect(model.get("status")).toBe("connected"));
    expect(model.get("call_id")).toBe("rtc_relayed");
    expect(model.sentOfType("report").at(-1)).toMatchObject({ status: "connected", call_id: "rtc_relayed" });
    expect(model.sentOfType("rpc").map((m) => m["method"])).toEqual(["sdp_offer"]);
    expect(world.fetches).toHaveLength(0);
  });

  it("a refused POST is the error the browser's own POST would report, in the trait and the log", async () => {
    const { model, world } = setup({ signaling: "kernel" });
    const rpc = await offerRequest(model);
    const body = JSON.stringify({ error: { message: "Rate limit reached.", code: "rate_limit_exceeded" } });
    model.fromKernel({
      type: "rpc-reply",
      id: rpc["id"],
      ok: false,
      error: { message: "POST http://127.0.0.1:9999/v1/realtime/calls answered 429", code: "rate_limit_exceeded", status: 429, body },
    });
    await vi.waitFor(() => expect(model.get("status")).toBe("error"));
    const shown = describeHttpError(429, body, "http://127.0.0.1:9999/v1/realtime/calls");
    expect(model.get("error")).toBe(shown);
    expect(shown).toContain("Too many requests or quota exceeded (429)");
    expect(shown).toContain("Rate limit reached. (rate_limit_exceeded)");
    expect(model.sentOfType("log").at(-1)).toMatchObject({ level: "error", message: shown });
    await vi.waitFor(() => expect(world.liveStreams()).toHaveLength(0));
    expect(world.openPeers()).toHaveLength(0);
  });

  it("a disconnect while the kernel posts cancels the request there and ignores its late answer", async () => {
    const { model, world, controller } = setup({ signaling: "kernel" });
    const rpc = await offerRequest(model);
    controller.disconnect();
    expect(model.sentOfType("rpc-cancel")).toEqual([{ type: "rpc-cancel", id: rpc["id"] }]);
    model.fromKernel({ type: "rpc-reply", id: rpc["id"], ok: true, result: { sdp: ANSWER_SDP, call_id: "rtc_late" } });
    await new Promise((r) => setTimeout(r, 0));
    expect(world.pcs[0]!.remoteDescription).toBeNull();
    expect(model.get("status")).toBe("idle");
    expect(model.get("call_id")).toBe("");
    expect(world.liveStreams()).toHaveLength(0);
  });

  it("the kernel's own time limit comes first; the browser's guard is only for a kernel that never answers", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { model } = setup({ signaling: "kernel", call_timeout_ms: 1_000 });
      model.fromKernel({ type: "command", name: "connect" });
      await vi.advanceTimersByTimeAsync(0); // mic, peer, offer: the request is out
      expect(model.sentOfType("rpc")).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(2_999);
      expect(model.get("error")).toBe("");
      expect(model.get("status")).toBe("connecting");
      await vi.advanceTimersByTimeAsync(1);
      expect(model.get("status")).toBe("error");
      expect(model.get("error")).toContain('did not answer the "sdp_offer" request within 3 s');
    } finally {
      vi.useRealTimers();
    }
  });
});
