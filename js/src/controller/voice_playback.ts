// The one audio element that plays the model's voice, owned by the model rather than any view.
// It knows when the browser's autoplay policy refused to play, so a view can offer the click
// that the browser waits for (nothing is lost meanwhile: the call and its events go on).

export class VoicePlayback {
  readonly #audio: HTMLAudioElement | null;
  #blocked = false;
  #resuming: Promise<void> | null = null;

  /** `audio` null plays nothing (tests, or no document). */
  constructor(audio: HTMLAudioElement | null) {
    this.#audio = audio;
  }

  /** True while the browser refuses to play until a user gesture (play() rejected with NotAllowedError). */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** `blocked` hears the reason when the browser refuses to autoplay. */
  play(stream: MediaStream, blocked: (err: unknown) => void): void {
    const audio = this.#audio;
    if (!audio) return;
    audio.srcObject = stream;
    this.#blocked = false;
    const played = audio.play?.();
    if (!played || typeof played.catch !== "function") return;
    played.catch((err: unknown) => {
      // An AbortError only means a newer stream replaced this one before it started.
      if (audio.srcObject !== stream || !isAutoplayRefusal(err)) return;
      this.#blocked = true;
      blocked(err);
    });
  }

  /**
   * Retries playback after the browser blocked autoplay (call it from a user gesture).
   * Resolves once the browser answered; `blocked` is false when it plays.
   */
  resume(): Promise<void> {
    // One click reaches both the control and the widget's own handler: one retry only.
    this.#resuming ??= this.#retry().finally(() => (this.#resuming = null));
    return this.#resuming;
  }

  async #retry(): Promise<void> {
    const audio = this.#audio;
    if (!audio?.srcObject || !audio.paused) {
      this.#blocked = false;
      return;
    }
    try {
      await audio.play?.();
      this.#blocked = false;
    } catch (err) {
      this.#blocked = isAutoplayRefusal(err);
    }
  }

  dispose(): void {
    if (this.#audio) this.#audio.srcObject = null;
    this.#blocked = false;
  }
}

function isAutoplayRefusal(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "NotAllowedError";
}

export function defaultAudio(): HTMLAudioElement | null {
  if (typeof document === "undefined") return null;
  // Kept out of the DOM: it belongs to the model, not to any one view.
  const audio = document.createElement("audio");
  audio.autoplay = true;
  return audio;
}
