// The "Offline emulator" badge, shown while the widget talks to the local stand-in.
import { h } from "./dom";

export function emulatorBadge(): HTMLDivElement {
  const badge = h("div", "rtw-emulator");
  const hint = h(
    "span",
    "rtw-hint",
    " No OPENAI_API_KEY was found, so this widget talks to a local stand-in for OpenAI's voice APIs (Realtime and GPT-Live). " +
      "To use the real API, set OPENAI_API_KEY (or pass api_key=...) and create the widget again.",
  );
  badge.append(h("strong", "rtw-badge", "Offline emulator"), hint);
  return badge;
}
