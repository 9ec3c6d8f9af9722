// Test doubles for the browser APIs the transport uses (RTCPeerConnection,
// getUserMedia, fetch) and for anywidget's model.
import { afterEach, beforeEach, vi } from "vitest";
import type { ModelLike } from "../src/controller";

/** requestAnimationFrame under the test's control: callbacks wait until `flush()`. */
export class FakeFrames {
  private nextId = 1;
  private readonly queued = new Map<number, () => void>();

  /** How many callbacks wait for the next frame. */
  get pending(): number {
    return this.queued.size;
  }

  install(): void {
    this.queued.clear();
    vi.stubGlobal("requestAnimationFrame", (cb: () => void) => {
      const id = this.nextId++;
      this.queued.set(id, cb);
      return id;
    });
    vi.stubGlobal("cancelAnimationFrame", (id: number) => {
      this.queued.delete(id);
    });
  }

  /** Runs one frame: the callbacks queued so far (the ones they queue wait for the next). */
  flush(): void {
    const due = [...this.queued.values()];
    this.queued.clear();
    for (const cb of due) cb();
  }
}

/** Per test: a fresh FakeFrames and an empty document; globals restored afterwards. */
export function freshDomEachTest(): FakeFrames {
  const frames = new FakeFrames();
  beforeEach(() => {
    frames.install();
    document.body.innerHTML = "";
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });
  return frames;
}

export class FakeTrack {
  kind = "audio";
  enabled = true;
  stopped = false;
  stop(): void {
    this.stopped = true;
  }
}

export class FakeStream {
  readonly tracks = [new FakeTrack()];
  getTracks(): FakeTrack[] {
    return this.tracks;
  }
  getAudioTracks(): FakeTrack[] {
    return this.tracks;
  }
  get live(): boolean {
    return this.tracks.some((t) => !t.stopped);
  }
}

export class FakeChannel {
  readyState: RTCDataChannelState = "connecting";
  readonly sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly label: string) {}
  send(data: string): void {
    if (this.readyState !== "open") throw new Error(`send on a ${this.readyState} channel`);
    this.sent.push(data);
  }
  close(): void {
    this.readyState = "closed";
  }
  // test controls
  open(): void {
    this.readyState = "open";
    this.onopen?.();
  }
  receive(data: unknown): void {
    this.onmessage?.({ data: typeof data === "string" ? data : JSON.stringify(data) });
  }
  remoteClose(): void {
    this.readyState = "closed";
    this.onclose?.();
  }
  sentEvents(): Array<Record<string, unknown>> {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }
}

export class FakePeerConnection {
  closed = false;
  connectionState: RTCPeerConnectionState = "new";
  iceConnectionState: RTCIceConnectionState = "new";
  readonly tracks: FakeTrack[] = [];
  readonly channels: FakeChannel[] = [];
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: { type: string; sdp: string } | null = null;
  ontrack: ((ev: { track: FakeTrack; streams: unknown[] }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  oniceconnectionstatechange: (() => void) | null = null;
  constructor(readonly config?: unknown) {}
  addTrack(track: FakeTrack): void {
    this.tracks.push(track);
  }
  /** Listen-only calls: what was asked for, e.g. [["audio", "recvonly"]]. */
  readonly transceivers: Array<[string, string | undefined]> = [];
  addTransceiver(kind: string, init?: { direction?: string }): void {
    this.transceivers.push([kind, init?.direction]);
  }
  createDataChannel(label: string): FakeChannel {
    const ch = new FakeChannel(label);
    this.channels.push(ch);
    return ch;
  }
  async createOffer(): Promise<{ type: "offer"; sdp: string }> {
    return { type: "offer", sdp: "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=fake-offer\r\n" };
  }
  async setLocalDescription(desc: { type: string; sdp: string }): Promise<void> {
    this.localDescription = desc;
  }
  async setRemoteDescription(desc: { type: string; sdp: string }): Promise<void> {
    this.remoteDescription = desc;
  }
  close(): void {
    this.closed = true;
    this.connectionState = "closed";
    for (const ch of this.channels) ch.readyState = "closed";
  }
  get channel(): FakeChannel {
    const ch = this.channels[0];
    if (!ch) throw new Error("no data channel yet");
    return ch;
  }
  // test controls
  setState(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
  setIceState(state: RTCIceConnectionState): void {
    this.iceConnectionState = state;
    this.oniceconnectionstatechange?.();
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const ANSWER_SDP = "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=fake-answer\r\n";

export interface FetchCall {
  url: string;
  init: RequestInit;
}

/** A fake WebRTC world: records every peer, stream and fetch. */
export function fakeWorld() {
  const pcs: FakePeerConnection[] = [];
  const streams: FakeStream[] = [];
  const fetches: FetchCall[] = [];
  let gumImpl: () => Promise<FakeStream> = async () => {
    const s = new FakeStream();
    streams.push(s);
    return s;
  };
  let fetchImpl: (call: FetchCall) => Promise<Response> = async () =>
    new Response(ANSWER_SDP, { status: 201, headers: { Location: "/v1/realtime/calls/rtc_test123" } });

  class PC extends FakePeerConnection {
    constructor(config?: unknown) {
      super(config);
      pcs.push(this);
    }
  }
  return {
    pcs,
    streams,
    fetches,
    deps: {
      RTCPeerConnection: PC as unknown as new (c?: RTCConfiguration) => RTCPeerConnection,
      getUserMedia: (() => gumImpl()) as unknown as (c: MediaStreamConstraints) => Promise<MediaStream>,
      fetch: ((url: string, init: RequestInit) => {
        const call = { url: String(url), init };
        fetches.push(call);
        return fetchImpl(call);
      }) as unknown as typeof fetch,
    },
    setGetUserMedia(impl: () => Promise<FakeStream>) {
      gumImpl = impl;
    },
    /** A getUserMedia that waits for the test; the stream it yields is recorded. */
    pendingGetUserMedia(): Deferred<void> {
      const gate = deferred<void>();
      gumImpl = async () => {
        await gate.promise;
        const s = new FakeStream();
        streams.push(s);
        return s;
      };
      return gate;
    },
    setFetch(impl: (call: FetchCall) => Promise<Response>) {
      fetchImpl = impl;
    },
    liveStreams(): FakeStream[] {
      return streams.filter((s) => s.live);
    },
    openPeers(): FakePeerConnection[] {
      return pcs.filter((p) => !p.closed);
    },
  };
}

type Handler = (...args: unknown[]) => void;

/** Enough of anywidget's model (Backbone semantics: set fires change:<key> when the value changes). */
export class FakeModel implements ModelLike {
  readonly attrs: Record<string, unknown>;
  readonly sent: Array<Record<string, unknown>> = [];
  saves = 0;
  readonly #handlers = new Map<string, Set<Handler>>();

  constructor(attrs: Record<string, unknown> = {}) {
    this.attrs = {
      model: "gpt-realtime",
      voice: "marin",
      muted: false,
      base_url: "http://127.0.0.1:9999",
      backend: "openai",
      batch_interval_ms: 50,
      batch_max_events: 200,
      status: "idle",
      error: "",
      call_id: "",
      ...attrs,
    };
  }
  get(key: string): unknown {
    return this.attrs[key];
  }
  set(key: string, value: unknown): void {
    if (this.attrs[key] === value) return;
    this.attrs[key] = value;
    this.emit(`change:${key}`);
  }
  save_changes(): void {
    this.saves++;
  }
  send(content: unknown): void {
    this.sent.push(content as Record<string, unknown>);
  }
  on(event: string, callback: (...args: never[]) => void): void {
    let set = this.#handlers.get(event);
    if (!set) this.#handlers.set(event, (set = new Set()));
    set.add(callback as unknown as Handler);
  }
  off(event?: string | null, callback?: ((...args: never[]) => void) | null): void {
    if (!event) {
      this.#handlers.clear();
      return;
    }
    if (!callback) this.#handlers.delete(event);
    else this.#handlers.get(event)?.delete(callback as unknown as Handler);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const h of [...(this.#handlers.get(event) ?? [])]) h(...args);
  }
  /** A custom message from the kernel. */
  fromKernel(msg: Record<string, unknown>): void {
    this.emit("msg:custom", msg, []);
  }
  listenerCount(): number {
    let n = 0;
    for (const set of this.#handlers.values()) n += set.size;
    return n;
  }
  sentOfType(type: string): Array<Record<string, unknown>> {
    return this.sent.filter((m) => m["type"] === type);
  }
}
