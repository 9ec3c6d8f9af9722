// Settings panel (collapsible): voice, turn detection and its parameters,
// input transcription model, noise reduction. Editing a field sets the same
// synced trait Python's `w.voice = ...` sets (model.set + save_changes): one
// path, validated by the kernel, which rolls back what it refuses and applies
// the rest to a live session with session.update.
import type { ModelLike } from "../controller";
import { isJsonObject, type JsonObject } from "../protocol";
import { field, h, select, setSelect, uniqueId } from "./dom";

const OFF = "";

/**
 * api_facts.VOICES (the kernel validates). A custom voice id set from Python ("voice_…") is
 * not in this list but is still shown (setSelect adds it).
 */
export const VOICES = ["alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"] as const;
/** api_facts.TRANSCRIPTION_MODELS, current first, then the retiring ones (shutdown 2027-02-26). */
export const TRANSCRIPTION_MODELS = [
  "gpt-live-transcribe",
  "gpt-transcribe",
  "gpt-realtime-whisper",
  "gpt-4o-mini-transcribe",
  "gpt-4o-transcribe",
  "whisper-1",
  "gpt-4o-transcribe-diarize",
] as const;
/** Announced for shutdown (api_facts: ModelInfo.shutdown); labelled so in the menu. */
export const RETIRING_TRANSCRIPTION_MODELS: ReadonlySet<string> = new Set([
  "gpt-4o-mini-transcribe",
  "gpt-4o-transcribe",
  "whisper-1",
  "gpt-4o-transcribe-diarize",
]);
const GPT_TRANSCRIBE_OPTIONS = ["language", "languages", "keywords", "prompt"];
/**
 * api_facts: ModelInfo.transcription_options, the keys besides `model` each model takes in a
 * realtime session. Switching model in the menu drops the ones the new model refuses.
 */
export const TRANSCRIPTION_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  "gpt-live-transcribe": GPT_TRANSCRIBE_OPTIONS,
  "gpt-transcribe": GPT_TRANSCRIBE_OPTIONS,
  "gpt-realtime-whisper": ["language", "delay"],
  "gpt-4o-mini-transcribe": ["language", "prompt"],
  "gpt-4o-transcribe": ["language", "prompt"],
  "whisper-1": ["language", "prompt"],
  "gpt-4o-transcribe-diarize": ["language"],
};

/** The transcription trait for a newly chosen model: the options it takes are kept. */
export function switchTranscription(current: JsonObject, model: string): JsonObject {
  const takes = TRANSCRIPTION_OPTIONS[model.replace(/-\d{4}-\d{2}-\d{2}$/, "")];
  const out: JsonObject = { model };
  for (const [k, v] of Object.entries(current)) {
    if (k !== "model" && (takes === undefined || takes.includes(k))) out[k] = v;
  }
  return out;
}

/** The noise_reduction trait for a newly chosen type (a strength set from Python is kept). */
export function switchNoiseReduction(current: unknown, type: string): unknown {
  if (type === OFF) return null;
  if (isJsonObject(current) && typeof current["strength"] === "number") return { type, strength: current["strength"] };
  return type;
}


export interface SettingsState {
  /** The model has spoken in this session: the API refuses a voice change. */
  voiceLocked: boolean;
  /** Nothing can be set (the kernel is gone: no one would apply or validate it). */
  disabled?: boolean;
}

interface NumberSpec {
  key: "threshold" | "prefix_padding_ms" | "silence_duration_ms";
  label: string;
  min: number;
  max: number;
  step: number;
  placeholder: string;
}

const VAD_NUMBERS: NumberSpec[] = [
  { key: "threshold", label: "Threshold (0–1)", min: 0, max: 1, step: 0.05, placeholder: "0.5" },
  { key: "prefix_padding_ms", label: "Prefix padding (ms)", min: 0, max: 10_000, step: 50, placeholder: "300" },
  { key: "silence_duration_ms", label: "Silence to end a turn (ms)", min: 0, max: 10_000, step: 50, placeholder: "500" },
];

export class SettingsPanel {
  readonly el: HTMLDetailsElement;
  readonly #model: ModelLike;
  readonly #voice: HTMLSelectElement;
  readonly #voiceHint: HTMLParagraphElement;
  readonly #turn: HTMLSelectElement;
  readonly #vad: HTMLFieldSetElement;
  readonly #numbers = new Map<NumberSpec["key"], HTMLInputElement>();
  readonly #semantic: HTMLDivElement;
  readonly #eagerness: HTMLSelectElement;
  readonly #transcription: HTMLSelectElement;
  readonly #noise: HTMLSelectElement;
  readonly #problem: HTMLParagraphElement;
  readonly #off: Array<() => void> = [];

  constructor(model: ModelLike) {
    this.#model = model;
    this.el = h("details", "rtw-settings");
    const summary = h("summary", undefined, "Settings");
    const form = h("div", "rtw-settings-form");

    this.#voice = select(VOICES.map((v) => [v, v] as const));
    this.#voiceHint = h("p", "rtw-hint rtw-voice-hint", "The voice is fixed once the model has spoken in a session; disconnect to change it.");
    this.#voiceHint.id = uniqueId("rtw-voice-hint");
    this.#voice.setAttribute("aria-describedby", this.#voiceHint.id);

    this.#turn = select([
      ["server_vad", "Server VAD (silence ends a turn)"],
      ["semantic_vad", "Semantic VAD (meaning ends a turn)"],
      [OFF, "Off (push-to-talk)"],
    ]);
    this.#vad = h("fieldset", "rtw-vad");
    this.#vad.append(h("legend", undefined, "Server VAD parameters"));
    for (const spec of VAD_NUMBERS) {
      const input = h("input");
      input.type = "number";
      input.min = String(spec.min);
      input.max = String(spec.max);
      input.step = String(spec.step);
      input.placeholder = spec.placeholder;
      input.dataset["key"] = spec.key;
      this.#numbers.set(spec.key, input);
      this.#vad.append(field(spec.label, input));
      this.#listen(input, "change", () => this.#setNumber(spec, input));
    }
    this.#eagerness = select([
      ["auto", "auto"],
      ["low", "low"],
      ["medium", "medium"],
      ["high", "high"],
    ]);
    this.#semantic = field("Eagerness", this.#eagerness);

    this.#transcription = select([
      ...TRANSCRIPTION_MODELS.map((m) => [m, RETIRING_TRANSCRIPTION_MODELS.has(m) ? `${m} (retiring)` : m] as const),
      [OFF, "Off"],
    ]);
    this.#noise = select([
      [OFF, "Off"],
      ["near_field", "Near field (headset)"],
      ["far_field", "Far field (laptop, room)"],
    ]);
    this.#problem = h("p", "rtw-settings-problem");
    this.#problem.setAttribute("role", "alert");
    this.#problem.hidden = true;

    form.append(
      field("Voice", this.#voice),
      this.#voiceHint,
      field("Turn detection", this.#turn),
      this.#vad,
      this.#semantic,
      field("Transcription model", this.#transcription),
      field("Noise reduction", this.#noise),
      this.#problem,
    );
    this.el.append(summary, form);

    this.#listen(this.#voice, "change", () => this.#set("voice", this.#voice.value));
    this.#listen(this.#turn, "change", () => {
      const type = this.#turn.value;
      const current = obj(this.#model.get("turn_detection"));
      // Keep the flags both modes share (create_response, interrupt_response) when switching.
      const keep: JsonObject = {};
      for (const k of ["create_response", "interrupt_response"]) if (k in current) keep[k] = current[k];
      this.#set("turn_detection", type === OFF ? null : { ...keep, type });
    });
    this.#listen(this.#eagerness, "change", () => {
      this.#set("turn_detection", { ...obj(this.#model.get("turn_detection")), type: "semantic_vad", eagerness: this.#eagerness.value });
    });
    this.#listen(this.#transcription, "change", () => {
      const value = this.#transcription.value;
      // Keep the options set from Python that the new model takes; change the model.
      this.#set("transcription", value === OFF ? null : switchTranscription(obj(this.#model.get("transcription")), value));
    });
    this.#listen(this.#noise, "change", () =>
      this.#set("noise_reduction", switchNoiseReduction(this.#model.get("noise_reduction"), this.#noise.value)),
    );
  }

  /** Shows the traits' current values (call after any change:<trait>). */
  draw(state: SettingsState): void {
    const m = this.#model;
    setSelect(this.#voice, String(m.get("voice") ?? ""));
    const off = state.disabled === true;
    this.#voice.disabled = state.voiceLocked || off;
    for (const c of [this.#turn, this.#eagerness, this.#transcription, this.#noise, ...this.#numbers.values()]) c.disabled = off;
    this.#voiceHint.hidden = !state.voiceLocked;
    const td = m.get("turn_detection");
    const tdObj = obj(td);
    const type = isJsonObject(td) && typeof tdObj["type"] === "string" ? tdObj["type"] : OFF;
    setSelect(this.#turn, type);
    this.#vad.hidden = type !== "server_vad";
    this.#semantic.hidden = type !== "semantic_vad";
    for (const [key, input] of this.#numbers) {
      if (document.activeElement === input) continue; // do not overwrite what is being typed
      const v = tdObj[key];
      input.value = typeof v === "number" ? String(v) : "";
    }
    setSelect(this.#eagerness, typeof tdObj["eagerness"] === "string" ? tdObj["eagerness"] : "auto");
    const tr = m.get("transcription");
    setSelect(this.#transcription, isJsonObject(tr) && typeof tr["model"] === "string" ? tr["model"] : OFF);
    const nr = m.get("noise_reduction");
    setSelect(this.#noise, typeof nr === "string" ? nr : isJsonObject(nr) && typeof nr["type"] === "string" ? nr["type"] : OFF);
  }

  dispose(): void {
    for (const off of this.#off) off();
    this.#off.length = 0;
  }

  // ---------------------------------------------------------------- internals

  #listen(target: HTMLElement, type: string, fn: () => void): void {
    target.addEventListener(type, fn);
    this.#off.push(() => target.removeEventListener(type, fn));
  }

  #set(trait: string, value: unknown): void {
    this.#problem.hidden = true;
    this.#model.set(trait, value);
    this.#model.save_changes();
  }

  #setNumber(spec: NumberSpec, input: HTMLInputElement): void {
    const current: JsonObject = { ...obj(this.#model.get("turn_detection")), type: "server_vad" };
    const text = input.value.trim();
    if (text === "") {
      delete current[spec.key];
      this.#set("turn_detection", current);
      return;
    }
    const n = Number(text);
    if (!Number.isFinite(n) || n < spec.min || n > spec.max || (spec.key !== "threshold" && !Number.isInteger(n))) {
      this.#problem.textContent = `${spec.label}: enter ${spec.key === "threshold" ? "a number" : "a whole number"} from ${spec.min} to ${spec.max}.`;
      this.#problem.hidden = false;
      input.setAttribute("aria-invalid", "true");
      return;
    }
    input.removeAttribute("aria-invalid");
    this.#set("turn_detection", { ...current, [spec.key]: n });
  }
}

function obj(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}
