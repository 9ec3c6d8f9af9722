// What the kernel tells the user under the widget: the `notices` trait, written by the
// kernel only (refused session updates, messages not sent, failed callbacks and tools).
// Shown from the kernel's state, not relayed through the browser's `error` trait, so a page
// reload or a second view shows the same notices; × asks the kernel to drop one.
import type { ModelLike } from "../controller";
import { button, h } from "./dom";

export interface KernelNotice {
  id: number;
  level: "info" | "warning" | "error";
  text: string;
}

/** The `notices` trait, checked (anything malformed is left out rather than thrown on). */
export function readNotices(value: unknown): KernelNotice[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (n): n is KernelNotice =>
      typeof n === "object" && n !== null && typeof n.id === "number" && typeof n.text === "string" && ["info", "warning", "error"].includes(n.level),
  );
}

export class NoticesView {
  readonly el = h("div", "rtw-notices");
  #drawn = "";

  constructor(private readonly model: ModelLike) {
    // Error rows are alerts themselves; the others are announced politely.
    this.el.setAttribute("aria-live", "polite");
    this.el.hidden = true;
  }

  draw(): void {
    const notices = readNotices(this.model.get("notices"));
    const key = notices.map((n) => n.id).join(",");
    if (key === this.#drawn) return;
    this.#drawn = key;
    this.el.replaceChildren(...notices.map((n) => this.#row(n)));
    this.el.hidden = notices.length === 0;
  }

  #row(notice: KernelNotice): HTMLElement {
    const row = h("div", "rtw-notice");
    row.dataset["level"] = notice.level;
    if (notice.level === "error") row.setAttribute("role", "alert");
    const dismiss = button("rtw-notice-dismiss", "×", "Dismiss this notice");
    dismiss.addEventListener("click", () => this.model.send({ type: "ui", action: "dismiss_notice", id: notice.id }));
    row.append(h("span", "rtw-notice-text", notice.text), dismiss);
    return row;
  }
}
