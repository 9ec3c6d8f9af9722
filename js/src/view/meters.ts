// Level meters for the microphone and the model's voice: Web Audio
// AnalyserNodes on the actual tracks, drawn once per animation frame only
// while connected and visible (on screen and the tab shown), and torn down
// (nodes disconnected, AudioContext closed) on disconnect.
import { h } from "./dom";

/** 0..1 from time-domain samples: RMS in dBFS mapped linearly from -60 dB (0) to 0 dB (1). */
export function levelOf(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] ?? 0;
    sum += v * v;
  }
  const rms = Math.sqrt(sum / samples.length);
  if (rms <= 1e-6) return 0;
  const db = 20 * Math.log10(rms);
  return Math.min(1, Math.max(0, (db + 60) / 60));
}

export interface MeterSources {
  /** Connected: meters may run. */
  active: boolean;
  mic: MediaStream | null;
  remote: MediaStream | null;
}

type AudioContextCtor = new () => AudioContext;

export interface MeterDeps {
  AudioContext?: AudioContextCtor | undefined;
  requestAnimationFrame?: (cb: FrameRequestCallback) => number;
  cancelAnimationFrame?: (id: number) => void;
  IntersectionObserver?: typeof IntersectionObserver | undefined;
}

interface Channel {
  name: "mic" | "model";
  el: HTMLDivElement;
  fill: HTMLSpanElement;
  stream: MediaStream | null;
  source: MediaStreamAudioSourceNode | null;
  analyser: AnalyserNode | null;
  buffer: Float32Array<ArrayBuffer> | null;
  level: number;
  /** The scale last written to the DOM ("" before the first draw). */
  drawn: string;
}

export class LevelMeters {
  readonly el: HTMLDivElement;
  /** Frames drawn so far (tests and the benchmark read it). */
  frames = 0;
  readonly #channels: Channel[];
  readonly #deps: Required<Omit<MeterDeps, "AudioContext" | "IntersectionObserver">> & MeterDeps;
  readonly #sources: () => MeterSources;
  #ctx: AudioContext | null = null;
  #frame: number | null = null;
  #onScreen = true;
  #observer: IntersectionObserver | null = null;
  readonly #onVisibility = (): void => this.update();

  constructor(sources: () => MeterSources, deps: MeterDeps = {}) {
    this.#sources = sources;
    const g = globalThis as unknown as { webkitAudioContext?: AudioContextCtor };
    this.#deps = {
      AudioContext: deps.AudioContext ?? (typeof AudioContext === "function" ? AudioContext : g.webkitAudioContext),
      requestAnimationFrame: deps.requestAnimationFrame ?? ((cb) => requestAnimationFrame(cb)),
      cancelAnimationFrame: deps.cancelAnimationFrame ?? ((id) => cancelAnimationFrame(id)),
      IntersectionObserver: deps.IntersectionObserver ?? (typeof IntersectionObserver === "function" ? IntersectionObserver : undefined),
    };
    this.el = h("div", "rtw-meters");
    this.el.setAttribute("role", "group");
    this.el.setAttribute("aria-label", "Audio levels");
    this.el.dataset["running"] = "false";
    this.#channels = [this.#channel("mic", "Mic"), this.#channel("model", "Model")];
    const IO = this.#deps.IntersectionObserver;
    if (IO) {
      this.#observer = new IO((entries) => {
        const last = entries[entries.length - 1];
        if (last) this.#onScreen = last.isIntersecting;
        this.update();
      });
      this.#observer.observe(this.el);
    }
    if (typeof document !== "undefined") document.addEventListener("visibilitychange", this.#onVisibility);
  }

  /** True while the animation loop runs. */
  get running(): boolean {
    return this.#frame !== null;
  }

  /** Call after the connection state or the streams changed: starts or stops the loop. */
  update(): void {
    const src = this.#sources();
    const visible = this.#onScreen && (typeof document === "undefined" || document.visibilityState !== "hidden");
    if (!src.active) {
      this.#teardown();
      return;
    }
    if (!visible) {
      this.#stopLoop();
      return;
    }
    const Ctor = this.#deps.AudioContext;
    if (!Ctor) return;
    try {
      this.#ctx ??= new Ctor();
    } catch {
      return; // no audio output device, for instance: the meters stay empty
    }
    const [mic, model] = this.#channels as [Channel, Channel];
    this.#attach(mic, src.mic);
    this.#attach(model, src.remote);
    if (this.#frame === null) this.#frame = this.#deps.requestAnimationFrame(this.#tick);
    this.el.dataset["running"] = "true";
  }

  /** From a user gesture: browsers start an AudioContext suspended without one. */
  resume(): void {
    if (this.#ctx?.state === "suspended") void this.#ctx.resume().catch(() => undefined);
  }

  dispose(): void {
    this.#teardown();
    this.#observer?.disconnect();
    this.#observer = null;
    if (typeof document !== "undefined") document.removeEventListener("visibilitychange", this.#onVisibility);
  }

  // ---------------------------------------------------------------- internals

  readonly #tick = (): void => {
    this.#frame = null;
    this.frames++;
    for (const ch of this.#channels) {
      if (!ch.analyser || !ch.buffer) continue;
      ch.analyser.getFloatTimeDomainData(ch.buffer);
      // Fast attack, slow release, as level meters do.
      ch.level = Math.max(levelOf(ch.buffer), ch.level * 0.85);
      this.#draw(ch);
    }
    this.#frame = this.#deps.requestAnimationFrame(this.#tick);
  };

  #channel(name: Channel["name"], label: string): Channel {
    const el = h("div", `rtw-meter rtw-meter-${name}`);
    el.dataset["level"] = "0";
    const text = h("span", "rtw-meter-label", label);
    const track = h("span", "rtw-meter-track");
    track.setAttribute("aria-hidden", "true");
    const fill = h("span", "rtw-meter-fill");
    track.append(fill);
    el.append(text, track);
    this.el.append(el);
    const ch: Channel = { name, el, fill, stream: null, source: null, analyser: null, buffer: null, level: 0, drawn: "" };
    this.#draw(ch);
    return ch;
  }

  #attach(ch: Channel, stream: MediaStream | null): void {
    if (ch.stream === stream) return;
    this.#detach(ch);
    const ctx = this.#ctx;
    if (!ctx || !stream || stream.getAudioTracks().length === 0) return;
    try {
      const source = ctx.createMediaStreamSource(stream);
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 1024;
      source.connect(analyser); // not to the destination: the model's audio element plays it
      ch.stream = stream;
      ch.source = source;
      ch.analyser = analyser;
      ch.buffer = new Float32Array(analyser.fftSize);
    } catch {
      // A stream without audio, or a closed context: leave this meter empty.
    }
  }

  #detach(ch: Channel): void {
    ch.source?.disconnect();
    ch.analyser?.disconnect();
    ch.stream = ch.source = ch.analyser = ch.buffer = null;
    ch.level = 0;
    this.#draw(ch);
  }

  #draw(ch: Channel): void {
    // Written only when it changes: a style write makes the browser render a frame of the
    // whole page (several ms in JupyterLab), and a silent channel sits at 0 most of the time.
    const scale = ch.level.toFixed(3);
    if (scale === ch.drawn) return;
    ch.drawn = scale;
    ch.fill.style.transform = `scaleX(${scale})`;
    ch.el.dataset["level"] = ch.level.toFixed(2);
  }

  #stopLoop(): void {
    if (this.#frame !== null) this.#deps.cancelAnimationFrame(this.#frame);
    this.#frame = null;
    this.el.dataset["running"] = "false";
  }

  #teardown(): void {
    this.#stopLoop();
    for (const ch of this.#channels) this.#detach(ch);
    const ctx = this.#ctx;
    this.#ctx = null;
    if (ctx && ctx.state !== "closed") void ctx.close().catch(() => undefined);
  }
}
