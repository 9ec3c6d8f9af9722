// A call without a microphone (listen-only) and a voice the browser will not autoplay, from
// the controller to the view: w.error and the listen-only line say why the mic is off, Mute
// says it is unavailable, status stays "connected"; "Click to enable audio" appears while
// play() is refused and its click plays and resumes the meters' audio context.
import { afterEach, describe, expect, it, vi } from "vitest";
import { WidgetController } from "../../src/controller";
import type { PageFacts } from "../../src/transport";
import { renderView } from "../../src/view";
import { FakeModel, FakeStream, fakeWorld, freshDomEachTest } from "../fakes";
import { answerSecret } from "../kernel_side";

const frames = freshDomEachTest();

/** An audio element whose play() the test refuses (as an autoplay policy does) or allows. */
class FakeAudio {
  srcObject: unknown = null;
  paused = true;
  autoplay = false;
  allow = false;
  plays = 0;
  play(): Promise<void> {
    this.plays++;
    if (!this.allow) return Promise.reject(new DOMException("play() failed because the user didn't interact", "NotAllowedError"));
    this.paused = false;
    return Promise.resolve();
  }
}

class FakeAudioContext {
  static made: FakeAudioContext[] = [];
  state: AudioContextState = "suspended";
  resumed = 0;
  constructor() {
    FakeAudioContext.made.push(this);
  }
  resume(): Promise<void> {
    this.resumed++;
    this.state = "running";
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.state = "closed";
    return Promise.resolve();
  }
  createMediaStreamSource(): never {
    throw new Error("no real stream in jsdom");
  }
}

const BROWSER_PAGE: PageFacts = { host: "browser", secureContext: true, hasMediaDevices: true, origin: "http://localhost:8888" };

function widget(audio: FakeAudio | null = null) {
  const model = new FakeModel();
  const world = fakeWorld();
  const controller = new WidgetController(model, {
    ...world.deps,
    createAudio: () => audio as unknown as HTMLAudioElement | null,
    now: () => 5000,
    pageFacts: () => BROWSER_PAGE,
  });
  const el = document.createElement("div");
  document.body.append(el);
  const dispose = renderView(el, model, controller);
  return { model, world, controller, el, dispose };
}

async function connect(t: ReturnType<typeof widget>, index = 0) {
  t.model.fromKernel({ type: "command", name: "connect" });
  await vi.waitFor(() => expect(t.model.sentOfType("rpc").length).toBeGreaterThan(index));
  const rpc = t.model.sentOfType("rpc")[index]!;
  t.model.fromKernel({ type: "rpc-reply", id: rpc["id"], ok: true, result: { value: "ek_widget_test", expires_at: 1 } });
  await vi.waitFor(() => expect(t.world.pcs[index]?.remoteDescription).toBeTruthy());
  const pc = t.world.pcs[index]!;
  pc.channel.open();
  pc.channel.receive({ type: "session.created", session: { model: "gpt-realtime" } });
  await vi.waitFor(() => expect(t.model.get("status")).toBe("connected"));
  frames.flush();
  return pc;
}

const q = <T extends HTMLElement>(el: HTMLElement, sel: string): T => el.querySelector<T>(sel)!;

afterEach(() => {
  FakeAudioContext.made = [];
});

describe("listen-only (no microphone)", () => {
  it("a denied microphone: connected, w.error and the listen-only line say why, Mute is unavailable, typed turns go out", async () => {
    const t = widget();
    t.world.setGetUserMedia(async () => {
      throw new DOMException("Permission denied", "NotAllowedError");
    });
    const pc = await connect(t);
    expect(t.model.get("status")).toBe("connected");
    const error = String(t.model.get("error"));
    expect(error).toMatch(/^Microphone permission was denied \(NotAllowedError\), so this call is listen-only/);
    // The kernel hears it in the report message too (the trait sync can be held while a cell awaits).
    expect(t.model.sentOfType("report").some((m) => m["error"] === error && m["status"] === "connected")).toBe(true);
    const line = q(t.el, ".rtw-listen-only");
    expect(line.hidden).toBe(false);
    expect(line.dataset["reason"]).toBe("denied");
    expect(line.textContent).toContain(error);
    // Said once: the error line does not repeat it as an alert.
    expect(q(t.el, ".rtw-error").hidden).toBe(true);
    const mute = q<HTMLButtonElement>(t.el, ".rtw-mute");
    expect(mute.disabled).toBe(true);
    expect(mute.textContent).toBe("Microphone unavailable");
    expect(pc.transceivers).toEqual([["audio", "recvonly"]]);
    // A typed turn from the kernel goes out on the data channel.
    t.model.fromKernel({ type: "client-event", event: { type: "response.create", event_id: "evt_1" } });
    expect(pc.channel.sentEvents()).toEqual([{ type: "response.create", event_id: "evt_1" }]);

    // After the call the line and the disabled Mute go; a new call with a microphone clears w.error.
    t.controller.disconnect();
    frames.flush();
    expect(line.hidden).toBe(true);
    expect(mute.disabled).toBe(false);
    expect(mute.textContent).toBe("Mute microphone");
    t.world.setGetUserMedia(async () => new FakeStream());
    await connect(t, 1);
    expect(t.model.get("error")).toBe("");
    expect(t.controller.listenOnly).toBeNull();
    expect(line.hidden).toBe(true);
    t.dispose();
  });

  it("a real failure to connect is still an error, shown on the error line", async () => {
    const t = widget();
    t.world.setGetUserMedia(async () => {
      throw new DOMException("Requested device not found", "NotFoundError");
    });
    t.world.setFetch(async () => new Response("nope", { status: 500 }));
    t.model.fromKernel({ type: "command", name: "connect" });
    await answerSecret(t.model);
    await vi.waitFor(() => expect(t.model.get("status")).toBe("error"));
    frames.flush();
    expect(String(t.model.get("error"))).not.toContain("listen-only");
    expect(q(t.el, ".rtw-error").hidden).toBe(false);
    expect(q(t.el, ".rtw-listen-only").hidden).toBe(true);
    t.dispose();
  });
});

describe("autoplay blocked", () => {
  it("shows 'Click to enable audio' while play() is refused; its click plays and resumes the meters' context", async () => {
    vi.stubGlobal("AudioContext", FakeAudioContext);
    const audio = new FakeAudio();
    const t = widget(audio);
    const pc = await connect(t);
    const button = q<HTMLButtonElement>(t.el, ".rtw-enable-audio");
    expect(button.hidden).toBe(true);
    const remote = new FakeStream();
    pc.ontrack?.({ track: remote.tracks[0]!, streams: [remote] });
    await vi.waitFor(() => expect(t.controller.audioBlocked).toBe(true));
    frames.flush();
    expect(button.hidden).toBe(false);
    expect(button.textContent).toBe("Click to enable audio");
    expect(t.model.sentOfType("log").some((m) => String(m["message"]).includes("blocked audio playback"))).toBe(true);
    // The call goes on meanwhile: events still reach the view and the kernel.
    expect(t.model.get("status")).toBe("connected");

    audio.allow = true;
    button.click();
    await vi.waitFor(() => expect(t.controller.audioBlocked).toBe(false));
    frames.flush();
    expect(audio.paused).toBe(false);
    // The click reached the control and the widget's own handler: play() was retried once.
    expect(audio.plays).toBe(2);
    expect(button.hidden).toBe(true);
    expect(FakeAudioContext.made.length).toBeGreaterThan(0);
    expect(FakeAudioContext.made.every((c) => c.resumed > 0)).toBe(true);
    t.dispose();
  });

  it("a click that the browser still refuses keeps the control; an AbortError (a newer stream) is no refusal", async () => {
    const audio = new FakeAudio();
    const t = widget(audio);
    const pc = await connect(t);
    const remote = new FakeStream();
    pc.ontrack?.({ track: remote.tracks[0]!, streams: [remote] });
    await vi.waitFor(() => expect(t.controller.audioBlocked).toBe(true));
    q<HTMLButtonElement>(t.el, ".rtw-enable-audio").click();
    await new Promise((r) => setTimeout(r, 0));
    frames.flush();
    expect(t.controller.audioBlocked).toBe(true);
    expect(q(t.el, ".rtw-enable-audio").hidden).toBe(false);

    audio.play = () => Promise.reject(new DOMException("interrupted by a new load request", "AbortError"));
    const next = new FakeStream();
    pc.ontrack?.({ track: next.tracks[0]!, streams: [next] });
    await new Promise((r) => setTimeout(r, 0));
    expect(t.controller.audioBlocked).toBe(false);
    // Hidden once the call is over, whatever the element's state.
    t.controller.disconnect();
    frames.flush();
    expect(q(t.el, ".rtw-enable-audio").hidden).toBe(true);
    t.dispose();
  });
});
