// The settings panel's menus (src/view/settings.ts) against api_facts: current transcription
// models first, retiring ones labelled, options a model refuses dropped on a switch, a noise
// strength and a custom voice set from Python kept.
import { describe, expect, it } from "vitest";
import { RETIRING_TRANSCRIPTION_MODELS, SettingsPanel, switchNoiseReduction, switchTranscription, TRANSCRIPTION_MODELS, TRANSCRIPTION_OPTIONS } from "../../src/view/settings";
import { FakeModel, freshDomEachTest } from "../fakes";

freshDomEachTest();

function panel(attrs: Record<string, unknown> = {}) {
  const model = new FakeModel({ turn_detection: { type: "server_vad" }, transcription: { model: "gpt-live-transcribe" }, noise_reduction: null, ...attrs });
  const p = new SettingsPanel(model);
  document.body.append(p.el);
  p.draw({ voiceLocked: false });
  const byLabel = (text: string) => [...p.el.querySelectorAll("label")].find((l) => l.textContent === text)!.control as HTMLSelectElement;
  return { model, p, byLabel };
}

describe("transcription menu", () => {
  it("lists the current models first and labels the retiring ones", () => {
    expect(TRANSCRIPTION_MODELS.slice(0, 3)).toEqual(["gpt-live-transcribe", "gpt-transcribe", "gpt-realtime-whisper"]);
    const { byLabel } = panel();
    const options = [...byLabel("Transcription model").options].map((o) => [o.value, o.textContent]);
    expect(options[0]).toEqual(["gpt-live-transcribe", "gpt-live-transcribe"]);
    expect(options).toContainEqual(["whisper-1", "whisper-1 (retiring)"]);
    expect(options.at(-1)).toEqual(["", "Off"]);
    for (const m of RETIRING_TRANSCRIPTION_MODELS) expect(TRANSCRIPTION_MODELS).toContain(m);
    for (const m of TRANSCRIPTION_MODELS) expect(TRANSCRIPTION_OPTIONS[m]).toBeDefined();
  });

  it("a switch keeps the options the new model takes and drops the others", () => {
    const { model, byLabel } = panel({ transcription: { model: "gpt-live-transcribe", keywords: ["AC-42"], prompt: "A call.", language: "en" } });
    const tr = byLabel("Transcription model");
    tr.value = "gpt-realtime-whisper";
    tr.dispatchEvent(new Event("change"));
    expect(model.get("transcription")).toEqual({ model: "gpt-realtime-whisper", language: "en" });
    expect(switchTranscription({ model: "gpt-realtime-whisper", delay: "low" }, "gpt-transcribe")).toEqual({ model: "gpt-transcribe" });
    expect(switchTranscription({ model: "x", prompt: "p" }, "gpt-4o-mini-transcribe-2025-12-15")).toEqual({ model: "gpt-4o-mini-transcribe-2025-12-15", prompt: "p" });
    // An unknown model: nothing is dropped (the kernel does not check it either).
    expect(switchTranscription({ model: "x", delay: "low" }, "gpt-next-transcribe")).toEqual({ model: "gpt-next-transcribe", delay: "low" });
  });
});

describe("noise reduction and voice", () => {
  it("a strength set from Python is kept when the type changes", () => {
    const { model, byLabel } = panel({ noise_reduction: { type: "near_field", strength: 0.5 } });
    const nr = byLabel("Noise reduction");
    expect(nr.value).toBe("near_field");
    nr.value = "far_field";
    nr.dispatchEvent(new Event("change"));
    expect(model.get("noise_reduction")).toEqual({ type: "far_field", strength: 0.5 });
    expect(switchNoiseReduction("near_field", "far_field")).toBe("far_field");
    expect(switchNoiseReduction({ type: "near_field", strength: 1 }, "")).toBeNull();
  });

  it("a custom voice id set from Python is shown", () => {
    const { byLabel } = panel({ voice: "voice_1234" });
    expect(byLabel("Voice").value).toBe("voice_1234");
  });
});
