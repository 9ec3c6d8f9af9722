// Interrupt for GPT-Live (pure state): the model decides when it stops speaking and no
// client event cancels, clears or truncates its answer, so Interrupt can only silence
// the playback in this browser. The silence lasts for what the model is saying now and
// ends when the user speaks (their transcript arrives) or the model starts a new
// utterance: its transcript resumes after a pause on the session timeline (the
// fragments' start_ms / end_ms). The controller applies `silenced` to the received
// audio track (track.enabled), so the microphone and the call are untouched.
import type { JsonObject } from "./protocol";

/** A pause in the model's speech (session timeline) after which it is a new utterance. */
export const NEW_UTTERANCE_GAP_MS = 1000;

/** What the view says while playback is silenced. */
export const LIVE_INTERRUPT_NOTE =
  "GPT-Live decides when it stops speaking: Interrupt only silenced its voice in this browser " +
  "(the model may go on, and still has all of it in context). You hear it again when you speak or it starts a new answer.";

export class LivePlayback {
  /** The model spoke last (its transcript came after the user's). */
  modelSpeaking = false;
  /** Playback is silenced here (Interrupt); the model goes on. */
  silenced = false;
  /** Bumped on every change a view may draw. */
  rev = 0;
  #lastOutputEndMs: number | null = null;

  /** A server event (its type read once by the controller). True when `silenced` changed. */
  observe(event: JsonObject, type: string): boolean {
    const was = this.silenced;
    switch (type) {
      case "session.started":
      case "session.closed":
        this.modelSpeaking = false;
        this.silenced = false;
        this.#lastOutputEndMs = null;
        break;
      case "session.input_transcript.delta":
        // The user took the turn: what the model says next is an answer to hear.
        this.modelSpeaking = false;
        this.silenced = false;
        break;
      case "session.output_transcript.delta": {
        const start = ms(event["start_ms"]);
        const last = this.#lastOutputEndMs;
        if (this.silenced && start !== null && last !== null && start - last >= NEW_UTTERANCE_GAP_MS) this.silenced = false;
        this.modelSpeaking = true;
        this.#lastOutputEndMs = ms(event["end_ms"]) ?? start ?? last;
        break;
      }
      default:
        return false;
    }
    this.rev++;
    return this.silenced !== was;
  }

  get canInterrupt(): boolean {
    return this.modelSpeaking && !this.silenced;
  }

  /** Silences playback here; false when there was nothing to silence. */
  interrupt(): boolean {
    if (!this.canInterrupt) return false;
    this.silenced = true;
    this.rev++;
    return true;
  }
}

/** Plays (enabled) or silences the received audio: a disabled track renders silence. */
export function setPlaybackAudible(stream: MediaStream | null, audible: boolean): void {
  for (const track of stream?.getAudioTracks() ?? []) track.enabled = audible;
}

function ms(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
