// The Message box: a one-line form whose text the controller hands to the kernel.
import { h } from "./dom";

let boxes = 0;

/** What a typed message becomes, when the API makes it something other than a user turn. */
export interface MessageBoxWording {
  placeholder: string;
  /** Shown under the box and named as its description. */
  hint: string;
}

/** GPT-Live has no typed user turn: the kernel sends the text as session.commentary.append. */
export const LIVE_MESSAGE_WORDING: MessageBoxWording = {
  placeholder: "Type context for the model and press Enter",
  hint: "GPT-Live has no typed turns: your text is sent as context the model may speak about (commentary), not as something you said.",
};

export class MessageBox {
  readonly el = h("form", "rtw-compose");
  readonly #input = h("input", "rtw-message");
  readonly #send = h("button", "rtw-send", "Send");
  readonly #sendText: (text: string) => void;

  constructor(sendText: (text: string) => void, wording?: MessageBoxWording) {
    this.#sendText = sendText;
    const id = `rtw-${++boxes}-message`;
    const label = h("label", "rtw-visually-hidden", "Message");
    label.htmlFor = id;
    const input = this.#input;
    input.type = "text";
    input.id = id;
    input.placeholder = wording?.placeholder ?? "Type a message and press Enter";
    input.autocomplete = "off";
    this.#send.type = "submit";
    this.el.append(label, input, this.#send);
    if (wording) {
      this.el.classList.add("rtw-compose-hinted");
      const hint = h("p", "rtw-hint rtw-compose-hint", wording.hint);
      hint.id = `${id}-hint`;
      input.setAttribute("aria-describedby", hint.id);
      this.el.append(hint);
    }
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
