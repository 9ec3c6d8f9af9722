// The call controls of one view: Interrupt, hold-to-talk (when turn detection
// is off), and "New session with context" after a session ended. DOM only; the
// controller builds and sends the events (js/src/call_controls.ts). With GPT-Live,
// Interrupt only silences playback here (js/src/live_playback.ts) and says so, and there
// is no hold-to-talk (the model takes turns itself).
import type { ModelLike, WidgetController } from "../controller";
import { LIVE_INTERRUPT_NOTE } from "../live_playback";

export class CallControlsView {
  /** Goes in the toolbar. */
  readonly el: HTMLSpanElement;
  /** Goes near the error line: offered when a session has ended. */
  readonly endedEl: HTMLDivElement;
  /** GPT-Live: what Interrupt did (shown while playback is silenced). */
  readonly liveNoteEl: HTMLParagraphElement;
  readonly #interrupt: HTMLButtonElement;
  readonly #talk: HTMLButtonElement;
  readonly #reconnect: HTMLButtonElement;
  readonly #root: HTMLElement;
  readonly #model: ModelLike;
  readonly #controller: WidgetController;
  #holding: "pointer" | "key" | null = null;
  readonly #off: Array<() => void> = [];

  constructor(root: HTMLElement, model: ModelLike, controller: WidgetController) {
    this.#root = root;
    this.#model = model;
    this.#controller = controller;
    // Focusable by a click (not in the tab order), so that Space reaches the widget.
    if (!root.hasAttribute("tabindex")) root.tabIndex = -1;
    this.el = h("span", "rtw-proto");
    const live = controller.api === "live";
    this.#interrupt = button(
      "rtw-interrupt",
      "Interrupt",
      live ? "Interrupt: silence the model's voice here (GPT-Live decides when it stops speaking)" : "Interrupt the model's answer",
    );
    this.#talk = button("rtw-ptt", "Hold to talk", "Hold to talk (or hold Space)");
    this.#talk.setAttribute("aria-pressed", "false");
    this.el.append(this.#interrupt, this.#talk);
    this.endedEl = h("div", "rtw-ended");
    this.#reconnect = button("rtw-reconnect", "New session with context");
    this.#reconnect.title = "Start a new call that gets this conversation as its context";
    this.endedEl.append(this.#reconnect);
    this.liveNoteEl = document.createElement("p");
    this.liveNoteEl.className = "rtw-hint rtw-live-interrupt-note";
    this.liveNoteEl.textContent = LIVE_INTERRUPT_NOTE;
    this.liveNoteEl.hidden = true;

    this.#on(this.#interrupt, "click", () => {
      this.#controller.interrupt();
    });
    this.#on(this.#reconnect, "click", () => this.#controller.reconnectWithContext());
    this.#on(this.#talk, "pointerdown", (ev) => {
      const e = ev as PointerEvent;
      if (e.button !== 0) return;
      this.#talk.setPointerCapture?.(e.pointerId);
      this.#press("pointer");
    });
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
      this.#on(this.#talk, type, () => this.#release("pointer"));
    }
    // Hold Space while the widget (not the message box or another field) has focus.
    this.#on(root, "keydown", (ev) => {
      const e = ev as KeyboardEvent;
      if (e.code !== "Space" || !this.#pttActive() || typingIn(e.target)) return;
      e.preventDefault();
      if (!e.repeat) this.#press("key");
    });
    this.#on(root, "keyup", (ev) => {
      const e = ev as KeyboardEvent;
      if (e.code !== "Space" || this.#holding !== "key") return;
      e.preventDefault();
      this.#release("key");
    });
    this.draw();
  }

  draw(): void {
    const status = String(this.#model.get("status") ?? "idle");
    const connected = status === "connected";
    this.#interrupt.disabled = !connected || !this.#controller.canInterrupt;
    this.liveNoteEl.hidden = !(connected && this.#controller.api === "live" && this.#controller.livePlayback.silenced);
    const ptt = this.#pttActive();
    this.#talk.hidden = !ptt;
    if (!ptt && this.#holding) this.#holding = null;
    this.#talk.setAttribute("aria-pressed", String(this.#holding !== null));
    // The accessible name starts with the visible label (WCAG 2.5.3 label in name).
    this.#talk.textContent = this.#holding ? "Release to send" : "Hold to talk";
    this.#talk.setAttribute("aria-label", this.#holding ? "Release to send (or release Space)" : "Hold to talk (or hold Space)");
    this.#root.dataset["pushToTalk"] = String(ptt);
    const ended = (status === "error" || status === "idle") && this.#controller.display.order.length > 0;
    this.endedEl.hidden = !ended;
    // After a kernel restart there is no kernel to re-insert the turns (re-run the cell).
    this.#reconnect.disabled = this.#controller.kernelGone;
  }

  dispose(): void {
    for (const off of this.#off) off();
    this.#off.length = 0;
  }

  #pttActive(): boolean {
    if (this.#controller.api === "live") return false;
    return String(this.#model.get("status")) === "connected" && this.#model.get("turn_detection") === null;
  }

  #press(how: "pointer" | "key"): void {
    if (this.#holding || !this.#pttActive()) return;
    this.#holding = how;
    this.#controller.pushToTalk(true);
    this.draw();
  }

  #release(how: "pointer" | "key"): void {
    if (this.#holding !== how) return;
    this.#holding = null;
    this.#controller.pushToTalk(false);
    this.draw();
  }

  #on(target: EventTarget, type: string, fn: (ev: Event) => void): void {
    target.addEventListener(type, fn);
    this.#off.push(() => target.removeEventListener(type, fn));
  }
}

function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
}

function h<K extends keyof HTMLElementTagNameMap>(tag: K, className: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  return node;
}

function button(className: string, text: string, label?: string): HTMLButtonElement {
  const b = h("button", className);
  b.type = "button";
  b.textContent = text;
  if (label) b.setAttribute("aria-label", label);
  return b;
}
