// The one audio element that plays the model's voice, owned by the model rather than any view.

export class VoicePlayback {
  readonly #audio: HTMLAudioElement | null;

  /** `audio` null plays nothing (tests, or no document). */
  constructor(audio: HTMLAudioElement | null) {
    this.#audio = audio;
  }

  /** `blocked` hears the reason when the browser refuses to autoplay. */
  play(stream: MediaStream, blocked: (err: unknown) => void): void {
    const audio = this.#audio;
    if (!audio) return;
    audio.srcObject = stream;
    const played = audio.play?.();
    if (played && typeof played.catch === "function") played.catch(blocked);
  }

  /** Retries playback after the browser blocked autoplay (call it from a user gesture). */
  resume(): void {
    const audio = this.#audio;
    if (audio?.srcObject && audio.paused) void audio.play?.()?.catch(() => undefined);
  }

  dispose(): void {
    if (this.#audio) this.#audio.srcObject = null;
  }
}

export function defaultAudio(): HTMLAudioElement | null {
  if (typeof document === "undefined") return null;
  // Kept out of the DOM: it belongs to the model, not to any one view.
  const audio = document.createElement("audio");
  audio.autoplay = true;
  return audio;
}
