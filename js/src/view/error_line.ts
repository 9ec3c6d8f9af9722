// The widget's last error: an alert while it is the state of the call, a quiet note once a later turn succeeded.
import { h } from "./dom";

export class ErrorLine {
  readonly el = h("div", "rtw-error");
  /** The same error once a later turn succeeded: still readable, no longer an alert. */
  readonly oldEl = h("div", "rtw-error-old");
  #drawn = "";

  constructor() {
    this.el.setAttribute("role", "alert");
    this.oldEl.hidden = true;
  }

  /**
   * Marked, not cleared: w.error keeps the last error for Python, and the text may still
   * explain something (a setting the server refused).
   */
  draw(text: string, old: boolean): void {
    const key = `${old}|${text}`;
    if (key === this.#drawn) return;
    this.#drawn = key;
    this.el.textContent = old ? "" : text;
    this.el.hidden = old || text === "";
    this.oldEl.textContent = old ? `Earlier (a later turn succeeded): ${text}` : "";
    this.oldEl.hidden = !old;
  }
}
