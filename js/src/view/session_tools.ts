// "Copy transcript" and "Download JSONL": the conversation as plain text, the session as JSON Lines.
import type { WidgetController } from "../controller";
import { transcriptOf } from "../reducer";
import { button, copyText, download, h } from "./dom";
import { transcriptAsText } from "./transcript";

export class SessionTools {
  readonly el = h("div", "rtw-tools");
  readonly #copy = button("rtw-copy-transcript", "Copy transcript");
  readonly #download = button("rtw-download", "Download JSONL", "Download JSONL: the session as JSON Lines");
  readonly #controller: WidgetController;
  readonly #announce: (text: string) => void;

  constructor(controller: WidgetController, announce: (text: string) => void) {
    this.#controller = controller;
    this.#announce = announce;
    this.el.append(this.#copy, this.#download);
    this.#copy.addEventListener("click", this.#onCopy);
    this.#download.addEventListener("click", this.#onDownload);
  }

  dispose(): void {
    this.#copy.removeEventListener("click", this.#onCopy);
    this.#download.removeEventListener("click", this.#onDownload);
  }

  readonly #onCopy = (): void => {
    const { display, eventLog } = this.#controller;
    const text = transcriptAsText(transcriptOf(display), eventLog);
    void copyText(text).then((ok) => this.#announce(ok ? "Transcript copied." : "Copy failed: the browser refused the clipboard."));
  };

  readonly #onDownload = (): void => {
    const log = this.#controller.eventLog;
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
    download(`realtime-session-${stamp}.jsonl`, log.toJsonl(), "application/x-ndjson");
    this.#announce(`Downloaded ${log.size} events.`);
  };
}
