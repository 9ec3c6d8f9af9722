// The listen-only line: the call has no microphone (denied, absent, blocked by the host),
// so it says why and how to fix it there. A state of the call, not an error: it is drawn
// from the controller while that call lasts, and the error line leaves the same text alone.
import type { MicProblem } from "../transport";
import { h } from "./dom";

export class ListenOnlyLine {
  readonly el = h("div", "rtw-listen-only");
  readonly #text = h("span", "rtw-listen-only-text");
  #drawn: string | null = null;

  constructor() {
    // Announced politely; not role=status, which is the call status's alone.
    this.el.setAttribute("aria-live", "polite");
    this.el.append(h("strong", "rtw-listen-only-label", "Listen-only "), this.#text);
    this.el.hidden = true;
  }

  draw(problem: MicProblem | null): void {
    const key = problem ? `${problem.reason}|${problem.message}` : "";
    if (key === this.#drawn) return;
    this.#drawn = key;
    this.el.hidden = problem === null;
    this.el.dataset["reason"] = problem?.reason ?? "";
    this.#text.textContent = problem?.message ?? "";
  }
}
