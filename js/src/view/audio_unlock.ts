// "Click to enable audio": shown while the browser's autoplay policy keeps the model's voice
// silent (a connect from Python with no click on the page, Safari, Colab). The click is the
// user gesture the browser waits for; the call goes on meanwhile, so nothing is lost.
import { button } from "./dom";

export class AudioUnlock {
  readonly el = button("rtw-enable-audio", "Click to enable audio", "Click to enable audio: the browser blocked the model's audio until a click");
  readonly #onClick: () => void;

  /** `enable` plays the voice and resumes the widget's suspended audio contexts. */
  constructor(enable: () => void) {
    this.#onClick = enable;
    this.el.hidden = true;
    this.el.addEventListener("click", this.#onClick);
  }

  draw(blocked: boolean): void {
    if (this.el.hidden === !blocked) return;
    this.el.hidden = !blocked;
  }

  dispose(): void {
    this.el.removeEventListener("click", this.#onClick);
  }
}
