// What was sent while the call starts, drawn as pending rows until the kernel sends it.
import type { PendingItem } from "../protocol";
import { h } from "./dom";

export class OutboxList {
  readonly el = h("ol", "rtw-outbox");
  #drawn: readonly PendingItem[] | null = null;

  constructor() {
    this.el.setAttribute("aria-label", "Waiting to be sent");
    this.el.hidden = true;
  }

  /** The controller replaces the array on each change, so identity says whether to redraw. */
  draw(items: readonly PendingItem[]): void {
    if (items === this.#drawn) return;
    this.#drawn = items;
    this.el.replaceChildren(
      ...items.map((item) => {
        const li = h("li", "rtw-turn rtw-user rtw-pending");
        li.dataset["pendingId"] = String(item.id);
        li.append(h("span", "rtw-who", "You"), h("span", "rtw-text", item.label), h("span", "rtw-meta", "waiting for the connection…"));
        return li;
      }),
    );
    this.el.hidden = items.length === 0;
  }
}
