// The Message box: a one-line form whose text the controller hands to the kernel.
import { h } from "./dom";

let boxes = 0;

export class MessageBox {
  readonly el = h("form", "rtw-compose");
  readonly #input = h("input", "rtw-message");
  readonly #send = h("button", "rtw-send", "Send");
  readonly #sendText: (text: string) => void;

  constructor(sendText: (text: string) => void) {
    this.#sendText = sendText;
    const id = `rtw-${++boxes}-message`;
    const label = h("label", "rtw-visually-hidden", "Message");
    label.htmlFor = id;
    const input = this.#input;
    input.type = "text";
    input.id = id;
    input.placeholder = "Type a message and press Enter";
    input.autocomplete = "off";
    this.#send.type = "submit";
    this.el.append(label, input, this.#send);
    this.el.addEventListener("submit", this.#onSubmit);
    input.addEventListener("keydown", this.#onKeydown);
  }

  /** After a kernel restart there is nobody to send to. */
  setDisabled(disabled: boolean): void {
    this.#input.disabled = disabled;
    this.#send.disabled = disabled;
  }

  dispose(): void {
    this.el.removeEventListener("submit", this.#onSubmit);
    this.#input.removeEventListener("keydown", this.#onKeydown);
  }

  readonly #onSubmit = (ev: Event): void => {
    ev.preventDefault();
    const text = this.#input.value.trim();
    if (!text) return;
    this.#sendText(text);
    this.#input.value = "";
  };

  // Inside a JupyterLab output area the browser's implicit submit on Enter never fires
  // (the notebook's own key handling sees the event first), so submit explicitly.
  readonly #onKeydown = (ev: KeyboardEvent): void => {
    if (ev.key !== "Enter" || ev.isComposing) return;
    ev.preventDefault();
    ev.stopPropagation();
    this.el.requestSubmit();
  };
}
