// The view's elements in jsdom: meters, clock, inspector, settings, transcript extras.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WidgetController } from "../src/controller";
import type { EventRecord } from "../src/protocol";
import { renderView } from "../src/view";
import { readClock, SessionClock } from "../src/view/clock";
import { formatDuration, formatUsd } from "../src/view/dom";
import { Inspector } from "../src/view/inspector";
import { LevelMeters, levelOf, type MeterSources } from "../src/view/meters";
import { EventLog } from "../src/event_log";
import { SettingsPanel } from "../src/view/settings";
import { FakeModel, FakeStream, fakeWorld, freshDomEachTest } from "./fakes";
import { connectViaKernel } from "./kernel_side";

// ---------------------------------------------------------------- fakes for Web Audio

class FakeAnalyser {
  fftSize = 2048;
  amplitude = 0;
  disconnected = false;
  getFloatTimeDomainData(buf: Float32Array): void {
    for (let i = 0; i < buf.length; i++) buf[i] = i % 2 ? this.amplitude : -this.amplitude;
  }
  disconnect(): void {
    this.disconnected = true;
  }
}
class FakeSource {
  target: FakeAnalyser | null = null;
  disconnected = false;
  constructor(readonly stream: unknown) {}
  connect(a: FakeAnalyser): void {
    this.target = a;
  }
  disconnect(): void {
    this.disconnected = true;
  }
}
const contexts: FakeAudioContext[] = [];
class FakeAudioContext {
  state: AudioContextState = "running";
  readonly analysers: FakeAnalyser[] = [];
  readonly sources: FakeSource[] = [];
  constructor() {
    contexts.push(this);
  }
  createMediaStreamSource(stream: unknown): FakeSource {
    const s = new FakeSource(stream);
    this.sources.push(s);
    return s;
  }
  createAnalyser(): FakeAnalyser {
    const a = new FakeAnalyser();
    this.analysers.push(a);
    return a;
  }
  async close(): Promise<void> {
    this.state = "closed";
  }
  async resume(): Promise<void> {
    this.state = "running";
  }
}

const frames = freshDomEachTest();
const flushFrames = (): void => frames.flush();

beforeEach(() => {
  contexts.length = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe("level meters", () => {
  it("levelOf maps RMS from -60 dBFS (0) to 0 dBFS (1)", () => {
    expect(levelOf(new Float32Array(128))).toBe(0);
    expect(levelOf(new Float32Array(128).fill(1))).toBe(1);
    expect(levelOf(new Float32Array(128).fill(0.001))).toBeCloseTo(0, 6); // -60 dB
    expect(levelOf(new Float32Array(128).fill(Math.SQRT1_2 / 10 ** 1.5))).toBeCloseTo(0.5 - 3.0103 / 60, 3); // about -33 dB
  });

  function meters(src: MeterSources, observer?: { visible: boolean }) {
    let callback: ((entries: Array<{ isIntersecting: boolean }>) => void) | null = null;
    class IO {
      constructor(cb: (entries: Array<{ isIntersecting: boolean }>) => void) {
        callback = cb;
      }
      observe(): void {}
      disconnect(): void {}
    }
    const m = new LevelMeters(() => src, {
      AudioContext: FakeAudioContext as unknown as new () => AudioContext,
      IntersectionObserver: observer ? (IO as unknown as typeof IntersectionObserver) : undefined,
    });
    document.body.append(m.el);
    return { m, setVisible: (v: boolean) => callback?.([{ isIntersecting: v }]) };
  }

  it("analyses the mic and the model's stream while connected, once per frame, and stops on disconnect", () => {
    const mic = new FakeStream() as unknown as MediaStream;
    const remote = new FakeStream() as unknown as MediaStream;
    const src: MeterSources = { active: false, mic: null, remote: null };
    const { m } = meters(src);
    m.update();
    expect(m.running).toBe(false);
    expect(contexts).toHaveLength(0);

    Object.assign(src, { active: true, mic, remote });
    m.update();
    expect(m.running).toBe(true);
    expect(m.el.dataset["running"]).toBe("true");
    const ctx = contexts[0]!;
    expect(ctx.sources.map((s) => s.stream)).toEqual([mic, remote]);
    ctx.analysers[0]!.amplitude = 0.5;
    flushFrames();
    const micEl = m.el.querySelector<HTMLElement>(".rtw-meter-mic")!;
    const modelEl = m.el.querySelector<HTMLElement>(".rtw-meter-model")!;
    expect(Number(micEl.dataset["level"])).toBeGreaterThan(0.8);
    expect(Number(modelEl.dataset["level"])).toBe(0);
    expect(m.frames).toBe(1);
    expect(frames.pending).toBe(1); // the loop re-arms itself

    src.active = false;
    m.update();
    expect(m.running).toBe(false);
    expect(m.el.dataset["running"]).toBe("false");
    expect(ctx.state).toBe("closed");
    expect(ctx.sources.every((s) => s.disconnected)).toBe(true);
    expect(micEl.dataset["level"]).toBe("0.00");
    flushFrames();
    expect(m.frames).toBe(1);
  });

  it("does not draw while scrolled out of view, and resumes when visible again", () => {
    const src: MeterSources = { active: true, mic: new FakeStream() as unknown as MediaStream, remote: null };
    const { m, setVisible } = meters(src, { visible: true });
    m.update();
    expect(m.running).toBe(true);
    setVisible(false);
    expect(m.running).toBe(false);
    setVisible(true);
    expect(m.running).toBe(true);
    m.dispose();
    expect(m.running).toBe(false);
  });

  it("does not draw while the browser tab is hidden", () => {
    const src: MeterSources = { active: true, mic: new FakeStream() as unknown as MediaStream, remote: null };
    const { m } = meters(src);
    const hidden = vi.spyOn(document, "visibilityState", "get").mockReturnValue("hidden");
    document.dispatchEvent(new Event("visibilitychange"));
    expect(m.running).toBe(false);
    hidden.mockReturnValue("visible");
    document.dispatchEvent(new Event("visibilitychange"));
    expect(m.running).toBe(true);
    m.dispose();
  });
});

describe("session clock", () => {
  it("reads elapsed and left, warning in the last five minutes", () => {
    const start = 0;
    const end = 60 * 60_000;
    expect(readClock(75_000, start, end)).toEqual({ elapsed: "01:15", left: "58:45", warning: false });
    expect(readClock(end - 5 * 60_000 - 1000, start, end).warning).toBe(false);
    expect(readClock(end - 5 * 60_000, start, end)).toMatchObject({ left: "05:00", warning: true });
    expect(readClock(end + 10_000, start, end).left).toBe("00:00");
    expect(formatDuration(3_725_000)).toBe("1:02:05");
  });

  it("ticks every second while connected and announces the warning once", () => {
    vi.useFakeTimers();
    let now = 1_000_000;
    const src = { active: true, startT: 1_000_000, endT: 1_000_000 + 60 * 60_000 };
    const warnings: string[] = [];
    const clock = new SessionClock(() => src, (t) => warnings.push(t), () => now);
    clock.update();
    expect(clock.el.hidden).toBe(false);
    expect(clock.el.textContent).toBe("00:00 connected · 1:00:00 left");
    now += 55 * 60_000 + 1000;
    vi.advanceTimersByTime(1000);
    expect(clock.el.textContent).toBe("55:01 connected · 04:59 left");
    expect(clock.el.classList.contains("rtw-clock-warning")).toBe(true);
    now += 2000;
    vi.advanceTimersByTime(2000);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("left before the session limit");
    src.active = false;
    clock.update();
    expect(clock.el.hidden).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("event inspector", () => {
  function logWith(n: number): EventLog {
    const log = new EventLog();
    for (let i = 0; i < n; i++) log.push({ t: 1000 + i, dir: "server", event: { type: "response.output_audio_transcript.delta", item_id: "a1", response_id: "r1", delta: `d${i}` } });
    log.push({ t: 5000, dir: "client", event: { type: "response.create", event_id: "e1" } });
    log.push({ t: 5001, dir: "server", raw: "not json <b>" });
    return log;
  }

  it("lists types with counts, collapsed until opened; a type shows its newest events first, capped with Show more", () => {
    const log = logWith(120);
    const ins = new Inspector(log, () => undefined, 50);
    document.body.append(ins.el);
    ins.draw();
    expect(ins.el.open).toBe(false);
    expect(ins.el.querySelector("summary")!.textContent).toBe("122 events · 3 types");
    ins.el.open = true;
    ins.draw();
    const rows = [...ins.el.querySelectorAll(".rtw-counts-table tr")].map((tr) => tr.textContent);
    expect(rows).toEqual(["response.output_audio_transcript.delta120", "(not JSON)1", "response.create1"]);

    ins.el.querySelector<HTMLButtonElement>('button[data-type="response.output_audio_transcript.delta"]')!.click();
    let items = ins.el.querySelectorAll(".rtw-event");
    expect(items).toHaveLength(50);
    const first = items[0]!.querySelector("details")!;
    expect(first.open).toBe(false);
    expect(first.querySelector("pre")!.textContent).toBe(""); // JSON built only when opened
    first.open = true;
    first.dispatchEvent(new Event("toggle"));
    expect(JSON.parse(first.querySelector("pre")!.textContent!)).toMatchObject({ delta: "d119" });
    const more = ins.el.querySelector<HTMLButtonElement>(".rtw-more")!;
    expect(more.hidden).toBe(false);
    expect(more.textContent).toBe("Show 50 more (70 not shown)");
    more.click();
    more.click();
    items = ins.el.querySelectorAll(".rtw-event");
    expect(items).toHaveLength(120);
    expect(more.hidden).toBe(true);
    // The opened row kept its state across redraws.
    expect(items[0]!.querySelector("details")!.open).toBe(true);
  });

  it("filters the types, copies an event's JSON and shows non-JSON text as text", async () => {
    const log = logWith(3);
    const announced: string[] = [];
    const ins = new Inspector(log, (t) => announced.push(t));
    document.body.append(ins.el);
    ins.el.open = true;
    const filter = ins.el.querySelector<HTMLInputElement>("input[type=search]")!;
    expect(filter.labels?.[0]?.textContent).toBe("Filter event types");
    filter.value = "CREATE";
    filter.dispatchEvent(new Event("input"));
    expect([...ins.el.querySelectorAll("button.rtw-type")].map((b) => b.textContent)).toEqual(["response.create"]);

    const writes: string[] = [];
    Object.defineProperty(navigator, "clipboard", { value: { writeText: async (t: string) => void writes.push(t) }, configurable: true });
    ins.select({ kind: "type", type: "(not JSON)" });
    const li = ins.el.querySelector(".rtw-event")!;
    expect(li.querySelector(".rtw-event-dir")!.textContent).toBe("received");
    li.querySelector<HTMLButtonElement>(".rtw-copy")!.click();
    await vi.waitFor(() => expect(announced).toContain("Event JSON copied."));
    expect(writes).toEqual(["not json <b>"]);
    expect(ins.el.querySelector("b")).toBeNull();
  });

  it("a turn selection shows that item's and its response's events, oldest first", () => {
    const log = new EventLog();
    const recs: EventRecord[] = [
      { t: 1, dir: "server", event: { type: "response.created", response: { id: "r1" } } },
      { t: 2, dir: "server", event: { type: "response.output_item.added", response_id: "r1", item: { id: "a1", type: "message" } } },
      { t: 3, dir: "server", event: { type: "input_audio_buffer.speech_started", item_id: "u2" } },
      { t: 4, dir: "server", event: { type: "response.done", response: { id: "r1", output: [{ id: "a1" }] } } },
    ];
    for (const r of recs) log.push(r);
    const ins = new Inspector(log, () => undefined);
    ins.select({ kind: "item", itemId: "a1", label: "Assistant a1" });
    expect(ins.el.open).toBe(true);
    expect([...ins.el.querySelectorAll(".rtw-event-type")].map((n) => n.textContent)).toEqual(["response.created", "response.output_item.added", "response.done"]);
    expect(ins.el.querySelector(".rtw-events-title")!.textContent).toBe("Turn: Assistant a1 — 3 events");
    ins.el.querySelector<HTMLButtonElement>(".rtw-events-close")!.click();
    expect(ins.el.querySelector<HTMLElement>(".rtw-events")!.hidden).toBe(true);
  });
});

describe("settings panel", () => {
  function panel(attrs: Record<string, unknown> = {}) {
    const model = new FakeModel({ turn_detection: { type: "server_vad" }, transcription: { model: "gpt-4o-mini-transcribe", language: "de" }, noise_reduction: null, ...attrs });
    const p = new SettingsPanel(model);
    document.body.append(p.el);
    p.draw({ voiceLocked: false });
    const byLabel = (text: string) => [...p.el.querySelectorAll("label")].find((l) => l.textContent === text)!.control as HTMLSelectElement & HTMLInputElement;
    return { model, p, byLabel };
  }

  it("every field is labelled and shows the traits", () => {
    const { byLabel } = panel();
    expect(byLabel("Voice").value).toBe("marin");
    expect(byLabel("Turn detection").value).toBe("server_vad");
    expect(byLabel("Transcription model").value).toBe("gpt-4o-mini-transcribe");
    expect(byLabel("Noise reduction").value).toBe("");
  });

  it("editing sets the same traits Python sets, with save_changes", () => {
    const { model, byLabel } = panel();
    const voice = byLabel("Voice");
    voice.value = "cedar";
    voice.dispatchEvent(new Event("change"));
    expect(model.get("voice")).toBe("cedar");
    expect(model.saves).toBe(1);
    const tr = byLabel("Transcription model");
    tr.value = "whisper-1";
    tr.dispatchEvent(new Event("change"));
    expect(model.get("transcription")).toEqual({ model: "whisper-1", language: "de" });
    const nr = byLabel("Noise reduction");
    nr.value = "far_field";
    nr.dispatchEvent(new Event("change"));
    expect(model.get("noise_reduction")).toBe("far_field");
    const td = byLabel("Turn detection");
    td.value = "";
    td.dispatchEvent(new Event("change"));
    expect(model.get("turn_detection")).toBeNull();
  });

  it("VAD parameters are checked before they are set; semantic VAD shows eagerness", () => {
    const { model, p, byLabel } = panel();
    const silence = byLabel("Silence to end a turn (ms)");
    silence.value = "12.5";
    silence.dispatchEvent(new Event("change"));
    expect(model.get("turn_detection")).toEqual({ type: "server_vad" });
    expect(p.el.querySelector<HTMLElement>(".rtw-settings-problem")!.hidden).toBe(false);
    expect(silence.getAttribute("aria-invalid")).toBe("true");
    silence.value = "700";
    silence.dispatchEvent(new Event("change"));
    expect(model.get("turn_detection")).toEqual({ type: "server_vad", silence_duration_ms: 700 });
    model.set("turn_detection", { type: "semantic_vad", eagerness: "high" });
    p.draw({ voiceLocked: false });
    expect(p.el.querySelector<HTMLElement>(".rtw-vad")!.hidden).toBe(true);
    expect(byLabel("Eagerness").value).toBe("high");
    expect(byLabel("Eagerness").closest<HTMLElement>(".rtw-field")!.hidden).toBe(false);
  });

  it("the voice is disabled, with the reason, once the model has spoken", () => {
    const { p, byLabel } = panel();
    p.draw({ voiceLocked: true });
    const voice = byLabel("Voice");
    expect(voice.disabled).toBe(true);
    const hint = document.getElementById(voice.getAttribute("aria-describedby")!)!;
    expect(hint.hidden).toBe(false);
    expect(hint.textContent).toContain("disconnect to change it");
  });

  it("shows a value Python set that is not in the list (e.g. a dated transcription model)", () => {
    const { byLabel } = panel({ transcription: { model: "gpt-4o-mini-transcribe-2025-12-15" } });
    expect(byLabel("Transcription model").value).toBe("gpt-4o-mini-transcribe-2025-12-15");
  });
});

describe("the view with the session", () => {
  async function connected(attrs: Record<string, unknown> = {}) {
    const model = new FakeModel({ price_table: { source: "test", prices: { "gpt-realtime": { text_in: 4, text_cached: 0.4, text_out: 16, audio_in: 32, audio_cached: 0.4, audio_out: 64 } } }, ...attrs });
    const world = fakeWorld();
    let now = 10_000;
    const controller = new WidgetController(model, { ...world.deps, createAudio: () => null, now: () => now });
    const el = document.createElement("div");
    document.body.append(el);
    const cleanup = renderView(el, model, controller);
    // The kernel answers the connect (tests/kernel_side.ts).
    const pc = await connectViaKernel(model, world);
    flushFrames();
    const at = (t: number) => (now = t);
    return { model, world, controller, el, pc, cleanup, at };
  }

  it("shows speaking and thinking, per-turn time and latency, and the usage in dollars", async () => {
    const { el, pc, at } = await connected();
    const ind = (name: string) => el.querySelector<HTMLElement>(`.rtw-ind-${name}`)!;
    at(11_000);
    pc.channel.receive({ type: "input_audio_buffer.speech_started", item_id: "u1" });
    flushFrames();
    expect(ind("user").dataset["active"]).toBe("true");
    expect(ind("user").textContent).toBe("You: speaking");
    at(12_000);
    pc.channel.receive({ type: "input_audio_buffer.speech_stopped", item_id: "u1" });
    pc.channel.receive({ type: "input_audio_buffer.committed", item_id: "u1", previous_item_id: null });
    flushFrames();
    expect(ind("thinking").hidden).toBe(false);
    at(12_400);
    pc.channel.receive({ type: "response.created", response: { id: "r1" } });
    pc.channel.receive({ type: "response.output_item.added", response_id: "r1", item: { id: "a1", type: "message", role: "assistant", content: [] } });
    at(12_850);
    pc.channel.receive({ type: "output_audio_buffer.started", response_id: "r1" });
    pc.channel.receive({ type: "response.output_audio_transcript.delta", response_id: "r1", item_id: "a1", delta: "Hi" });
    pc.channel.receive({ type: "response.done", response: { id: "r1", status: "completed", output: [{ id: "a1" }], usage: { input_tokens: 100, output_tokens: 10, total_tokens: 110, input_token_details: { text_tokens: 100, audio_tokens: 0, cached_tokens: 0 }, output_token_details: { text_tokens: 10, audio_tokens: 0 } } } });
    flushFrames();
    expect(ind("thinking").hidden).toBe(true);
    expect(ind("model").textContent).toBe("Model: speaking");
    const a1 = el.querySelector<HTMLElement>('.rtw-turn[data-item-id="a1"]')!;
    expect(a1.querySelector(".rtw-latency")!.textContent).toBe("850 ms");
    expect(a1.querySelector("time")!.getAttribute("datetime")).toBe(new Date(12_400).toISOString());
    // 100 × $4 + 10 × $16 per 1M
    expect(el.querySelector(".rtw-usage-table .rtw-usd")!.textContent).toBe("$0.0006");
    expect(el.querySelector(".rtw-tokens")!.textContent).toBe("100 in · 10 out tokens · $0.0006 est.");
    expect(el.querySelector(".rtw-usage-note")!.textContent).toContain("gpt-realtime prices");

    // The turn's events button opens the inspector on it.
    a1.querySelector<HTMLButtonElement>(".rtw-turn-events")!.click();
    const inspector = el.querySelector<HTMLDetailsElement>(".rtw-inspector")!;
    expect(inspector.open).toBe(true);
    expect([...inspector.querySelectorAll(".rtw-event-type")].map((n) => n.textContent)).toContain("response.done");
  });

  it("marks an interrupted reply with how much was heard; copies the transcript; downloads JSONL", async () => {
    const { el, pc, controller } = await connected();
    pc.channel.receive({ type: "conversation.item.added", previous_item_id: null, item: { id: "u0", type: "message", role: "user", content: [{ type: "input_text", text: "tell me" }] } });
    pc.channel.receive({ type: "response.output_audio_transcript.delta", item_id: "a1", response_id: "r1", delta: "Once upon" });
    pc.channel.receive({ type: "conversation.item.truncated", item_id: "a1", content_index: 0, audio_end_ms: 1500 });
    flushFrames();
    expect(el.querySelector('.rtw-turn[data-item-id="a1"] .rtw-interrupted-mark')!.textContent).toBe("interrupted · heard 1.5 s");

    const writes: string[] = [];
    Object.defineProperty(navigator, "clipboard", { value: { writeText: async (t: string) => void writes.push(t) }, configurable: true });
    el.querySelector<HTMLButtonElement>(".rtw-copy-transcript")!.click();
    await vi.waitFor(() => expect(writes).toHaveLength(1));
    expect(writes[0]).toMatch(/^\[\d\d:\d\d:\d\d\] You: tell me\n\[\d\d:\d\d:\d\d\] Assistant: Once upon \[interrupted\]$/);

    const blobs: Blob[] = [];
    vi.stubGlobal("URL", { createObjectURL: (b: Blob) => (blobs.push(b), "blob:x"), revokeObjectURL: () => undefined });
    const clicked: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    el.querySelector<HTMLButtonElement>(".rtw-download")!.click();
    click.mockRestore();
    expect(clicked[0]).toMatch(/^realtime-session-.*\.jsonl$/);
    const text = await new Promise<string>((resolve) => {
      const reader = new FileReader(); // jsdom's Blob has no text()
      reader.onload = () => resolve(String(reader.result));
      reader.readAsText(blobs[0]!);
    });
    expect(text).toBe(controller.eventLog.toJsonl());
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ direction: "server", event: { type: "session.created" } });
    expect(lines.every((l) => typeof l["time"] === "string" && String(l["time"]).endsWith("+00:00"))).toBe(true);
  });

  it("announces connection changes politely, outside the role=status element", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const { el, model } = await connected();
    const live = el.querySelector<HTMLElement>(".rtw-announce")!;
    expect(live.getAttribute("aria-live")).toBe("polite");
    expect(live.getAttribute("role")).toBeNull();
    expect(el.querySelectorAll('[role="status"]')).toHaveLength(1);
    el.querySelector<HTMLButtonElement>(".rtw-connect")!.click();
    flushFrames();
    expect(model.get("status")).toBe("idle");
    vi.advanceTimersByTime(50);
    expect(live.textContent).toBe("Disconnected.");
  });

  it("settings in the view lock the voice after the model's first audio and unlock after disconnect", async () => {
    const { el, pc } = await connected();
    const voice = el.querySelector<HTMLSelectElement>(".rtw-settings select")!;
    expect(voice.disabled).toBe(false);
    pc.channel.receive({ type: "output_audio_buffer.started", response_id: "r1" });
    flushFrames();
    expect(voice.disabled).toBe(true);
    el.querySelector<HTMLButtonElement>(".rtw-connect")!.click();
    flushFrames();
    expect(voice.disabled).toBe(false);
  });

  it("every button and form control has an accessible name", async () => {
    const { el } = await connected();
    for (const b of el.querySelectorAll("button")) expect(b.getAttribute("aria-label") || b.textContent?.trim()).toBeTruthy();
    for (const c of el.querySelectorAll<HTMLInputElement | HTMLSelectElement>("input, select")) {
      expect(c.labels?.length ?? 0).toBeGreaterThan(0);
    }
  });

  it("formats dollars so a single turn's cost is visible", () => {
    expect(formatUsd(0.00061)).toBe("$0.0006");
    expect(formatUsd(0.123)).toBe("$0.123");
    expect(formatUsd(12.3456)).toBe("$12.35");
    expect(formatUsd(NaN)).toBe("unknown");
  });
});
