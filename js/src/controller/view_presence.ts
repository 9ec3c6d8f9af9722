// Whether any view of the widget is still on the page while a call is live; a call nobody can see ends.
//
// JupyterLab keeps a model alive after its notebook is closed (or its output cleared) but
// drops the views: nobody could see or stop the call, so it ends after a grace period that
// lets a re-run cell draw its new view first. A view counts while its element, or the
// notebook panel it was last seen in, is in the document (notebook windowing may detach
// off-screen cells).

export interface ViewPresenceHooks {
  /** True while there is a call a view would be needed for. */
  callLive(): boolean;
  /** Called once the grace period passed with no view on the page. */
  abandoned(): void;
}

const VIEW_CHECK_MS = 500;
const NO_VIEW_GRACE_MS = 1_500;

export class ViewPresence {
  readonly #hooks: ViewPresenceHooks;
  readonly #views = new Set<{ el: HTMLElement; anchor: Element | null }>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #noViewSince: number | null = null;
  #disposed = false;

  constructor(hooks: ViewPresenceHooks) {
    this.#hooks = hooks;
  }

  /** Views registered now (drawn or not). */
  get count(): number {
    return this.#views.size;
  }

  /** Registers a view's element; the returned function unregisters it. */
  track(el: HTMLElement): () => void {
    const view = { el, anchor: null as Element | null };
    this.#views.add(view);
    this.#noViewSince = null;
    if (this.#timer === null && typeof setInterval === "function") {
      this.#timer = setInterval(() => this.check(), VIEW_CHECK_MS);
    }
    return () => {
      this.#views.delete(view);
      this.check();
    };
  }

  check(): void {
    if (this.#disposed || !this.#hooks.callLive()) {
      this.#noViewSince = null;
      return;
    }
    let seen = false;
    for (const view of this.#views) {
      if (view.el.isConnected) {
        view.anchor = view.el.closest(".jp-NotebookPanel") ?? view.anchor;
        seen = true;
      } else if (view.anchor?.isConnected) {
        seen = true;
      }
    }
    const now = Date.now();
    if (seen) {
      this.#noViewSince = null;
    } else if (this.#noViewSince === null) {
      this.#noViewSince = now;
    } else if (now - this.#noViewSince >= NO_VIEW_GRACE_MS) {
      this.#noViewSince = null;
      this.#hooks.abandoned();
    }
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
