// Settings for GPT-Live: what the Realtime settings panel edits (turn detection,
// transcription, noise reduction, output modalities, reasoning effort, speed…) GPT-Live
// decides itself or does not take, and its model and voice are fixed when the session
// starts ("cannot change after startup", openai.types.live.SessionResource). So this
// panel edits nothing: it shows the model and voice the widget starts with, and says why.
import type { ModelLike } from "../controller";
import type { SettingsState } from "./settings";
import { h } from "./dom";

export const LIVE_SETTINGS_NOTE =
  "GPT-Live takes turns, transcribes and handles interruptions itself, so there is nothing to tune here. " +
  "Model and voice are fixed when a session starts; to change them, create the widget again.";

export class LiveSettingsPanel {
  readonly el: HTMLDetailsElement;
  readonly #model: ModelLike;
  readonly #modelValue = h("dd", "rtw-fixed-model");
  readonly #voiceValue = h("dd", "rtw-fixed-voice");

  constructor(model: ModelLike) {
    this.#model = model;
    this.el = h("details", "rtw-settings rtw-settings-live");
    const list = h("dl", "rtw-fixed-settings");
    list.append(h("dt", undefined, "Model (fixed at start)"), this.#modelValue, h("dt", undefined, "Voice (fixed at start)"), this.#voiceValue);
    const form = h("div", "rtw-settings-form");
    form.append(list, h("p", "rtw-hint", LIVE_SETTINGS_NOTE));
    this.el.append(h("summary", undefined, "Settings"), form);
  }

  /** Same call as the Realtime panel's; nothing here can be edited, so the state only matters there. */
  draw(_state: SettingsState): void {
    this.#modelValue.textContent = String(this.#model.get("model") ?? "");
    this.#voiceValue.textContent = voiceText(this.#model.get("voice"));
  }

  dispose(): void {}
}

/** A built-in voice's name, or a custom voice's id ({"id": "voice_…"}). */
function voiceText(voice: unknown): string {
  if (typeof voice === "string") return voice;
  if (typeof voice === "object" && voice !== null && typeof (voice as { id?: unknown }).id === "string") return (voice as { id: string }).id;
  return "";
}
