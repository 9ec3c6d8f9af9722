// The view's polite announcements for screen readers (connected, session-limit warning, copied).
import { h } from "./dom";

export class Announcer {
  /** Not role=status: that is the connection status itself. */
  readonly el = h("div", "rtw-visually-hidden rtw-announce");

  constructor() {
    this.el.setAttribute("aria-live", "polite");
  }

  readonly announce = (text: string): void => {
    this.el.textContent = "";
    // A new text node each time, so a repeated message is read again.
    setTimeout(() => (this.el.textContent = text), 30);
  };
}
