// The anywidget entry (src/index.ts), in jsdom with
// fake WebRTC and a fake anywidget model.
import { describe, expect, it, vi } from "vitest";
import createWidget from "../src/index";
import { FakeModel, fakeWorld, freshDomEachTest } from "./fakes";
import { answerSecret } from "./kernel_side";

const frames = freshDomEachTest();
const flushFrames = (): void => frames.flush();

describe("anywidget entry", () => {
  it("two views of one model share one controller: one peer connection, same transcript", async () => {
    const world = fakeWorld();
    vi.stubGlobal("RTCPeerConnection", world.deps.RTCPeerConnection);
    vi.stubGlobal("fetch", world.deps.fetch);
    Object.defineProperty(navigator, "mediaDevices", { value: { getUserMedia: world.deps.getUserMedia }, configurable: true });

    const model = new FakeModel();
    const widget = createWidget();
    const signal = new AbortController().signal;
    const props = { model: model as never, signal, experimental: {} as never };
    const disposeModel = (await widget.initialize(props)) as () => void;
    const listenersAfterInit = model.listenerCount();
    const el1 = document.createElement("div");
    const el2 = document.createElement("div");
    const cleanup1 = (await widget.render({ ...props, el: el1, host: {} as never })) as () => void;
    const cleanup2 = (await widget.render({ ...props, el: el2, host: {} as never })) as () => void;

    el2.querySelector<HTMLButtonElement>(".rtw-connect")!.click();
    await answerSecret(model);
    await vi.waitFor(() => expect(world.pcs[0]?.remoteDescription).toBeTruthy());
    const pc = world.pcs[0]!;
    pc.channel.open();
    pc.channel.receive({ type: "session.created", session: {} });
    pc.channel.receive({ type: "response.output_text.delta", item_id: "a1", delta: "shared" });
    flushFrames();
    expect(world.pcs).toHaveLength(1);
    for (const el of [el1, el2]) {
      expect(el.querySelector(".rtw-turn .rtw-text")!.textContent).toBe("shared");
      expect(el.querySelector(".rtw-connect")!.textContent).toBe("Disconnect");
    }

    cleanup1();
    cleanup2();
    expect(model.listenerCount()).toBe(listenersAfterInit);
    disposeModel();
    expect(model.listenerCount()).toBe(0);
    expect(world.openPeers()).toHaveLength(0);
    expect(world.liveStreams()).toHaveLength(0);
  });
});
