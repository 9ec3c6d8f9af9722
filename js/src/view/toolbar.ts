// The toolbar's own parts: Connect, Mute, the connection status, who is speaking, and the token summary.
import type { Phase } from "../event_log";
import { h } from "./dom";

/** Chip text and its tooltip per sideband state ("off" shows nothing). */
const SIDEBAND_TEXT: Record<string, [string, string]> = {
  attaching: ["Sideband…", "The kernel is attaching its own connection to this call."],
  attached: ["Sideband", "The kernel is attached to this call: tools and Python's events reach the model without this page."],
  failed: ["No sideband", "The kernel could not attach to this call; everything goes through this page (see the notice)."],
  dropped: ["Sideband lost", "The kernel's connection to this call dropped; everything goes through this page (see the notice)."],
};

export interface ToolbarActions {
  /** Connect when there is no call, hang up when there is one. */
  toggleCall(): void;
  toggleMute(): void;
}

export interface CallTraits {
  status: string;
  muted: boolean;
  /** The kernel restarted or stopped: nothing that needs it can work (the error says why). */
  kernelGone: boolean;
  /** The call is listen-only (no microphone): Mute has nothing to mute. */
  micUnavailable?: boolean;
}

export class Toolbar {
  readonly el = h("div", "rtw-bar");
  readonly #connect = h("button", "rtw-connect");
  readonly #mute = h("button", "rtw-mute", "Mute microphone");
  readonly #status = h("span", "rtw-status");
  readonly #user = h("span", "rtw-ind rtw-ind-user", "You");
  readonly #thinking = h("span", "rtw-ind rtw-ind-thinking", "Thinking");
  readonly #model = h("span", "rtw-ind rtw-ind-model", "Model");
  readonly #tokens = h("span", "rtw-tokens");
  readonly #sideband = h("span", "rtw-sideband");
  readonly #actions: ToolbarActions;
  readonly #announce: (text: string) => void;
  #drawnStatus = "";
  #drawnPhase = "";

  /** `clock` (the session clock) goes after the indicators. */
  constructor(actions: ToolbarActions, announce: (text: string) => void, clock: HTMLElement) {
    this.#actions = actions;
    this.#announce = announce;
    this.#connect.type = "button";
    this.#mute.type = "button";
    this.#status.setAttribute("role", "status");
    this.#status.setAttribute("aria-live", "polite");
    const activity = h("span", "rtw-activity");
    activity.append(this.#user, this.#thinking, this.#model);
    this.#sideband.hidden = true;
    this.el.append(this.#connect, this.#mute, this.#status, this.#sideband, activity, clock, this.#tokens);
    this.#connect.addEventListener("click", this.#onConnect);
    this.#mute.addEventListener("click", this.#onMute);
  }

  /** Puts the call controls between Mute and the status. */
  placeCallControls(controls: HTMLElement): void {
    this.el.insertBefore(controls, this.#status);
  }

  drawCall({ status, muted, kernelGone, micUnavailable = false }: CallTraits): void {
    if (this.#drawnStatus && status !== this.#drawnStatus && (status === "connected" || status === "idle")) {
      this.#announce(status === "connected" ? "Connected." : "Disconnected.");
    }
    this.#drawnStatus = status;
    this.#status.textContent = status;
    const active = status === "connecting" || status === "connected";
    this.#connect.textContent = active ? "Disconnect" : "Connect";
    this.#connect.disabled = status === "closing" || kernelGone;
    this.#mute.setAttribute("aria-pressed", String(muted));
    this.#mute.disabled = kernelGone || micUnavailable;
    this.#mute.textContent = micUnavailable ? "Microphone unavailable" : "Mute microphone";
    this.#mute.title = micUnavailable ? "No microphone in this call (listen-only): see the line under the toolbar" : "";
  }

  /** The indicators follow the call: with no call (disconnected, failed, kernel gone) all are off. */
  drawPhase(live: boolean, phase: Phase): void {
    const user = live && phase.userSpeaking;
    const thinking = live && phase.thinking;
    const speaking = live && phase.modelSpeaking;
    const key = `${user}|${thinking}|${speaking}`;
    if (key === this.#drawnPhase) return;
    this.#drawnPhase = key;
    this.#user.dataset["active"] = String(user);
    this.#thinking.dataset["active"] = String(thinking);
    this.#model.dataset["active"] = String(speaking);
    this.#user.textContent = user ? "You: speaking" : "You";
    this.#thinking.textContent = "Thinking…";
    this.#thinking.hidden = !thinking;
    this.#model.textContent = speaking ? "Model: speaking" : "Model";
  }

  /** The kernel's sideband to the call (the `sideband_state` trait); hidden while "off". */
  drawSideband(state: string): void {
    const text = SIDEBAND_TEXT[state];
    this.#sideband.hidden = text === undefined;
    if (text === undefined) return;
    this.#sideband.dataset["state"] = state;
    this.#sideband.textContent = text[0];
    this.#sideband.title = text[1];
  }

  setTokens(text: string): void {
    if (this.#tokens.textContent !== text) this.#tokens.textContent = text;
  }

  dispose(): void {
    this.#connect.removeEventListener("click", this.#onConnect);
    this.#mute.removeEventListener("click", this.#onMute);
  }

  readonly #onConnect = (): void => this.#actions.toggleCall();
  readonly #onMute = (): void => this.#actions.toggleMute();
}
