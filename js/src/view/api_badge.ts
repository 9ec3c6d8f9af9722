// Which voice API this widget talks to ("GPT-Live" or "Realtime API"), beside the emulator badge.
import { voiceApiLabel, type VoiceApi } from "../voice_api";
import { h } from "./dom";

const TITLES: Record<VoiceApi, string> = {
  realtime: "This widget talks to OpenAI's Realtime API (chosen by the model).",
  live: "This widget talks to GPT-Live, OpenAI's second voice API (chosen by the model): it takes turns itself and bills per second.",
};

export function apiBadge(api: VoiceApi): HTMLSpanElement {
  const badge = h("span", "rtw-api", voiceApiLabel(api));
  badge.dataset["api"] = api;
  badge.title = TITLES[api];
  return badge;
}
