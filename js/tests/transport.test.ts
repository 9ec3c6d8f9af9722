import { describe, expect, it, vi } from "vitest";
import type { EventRecord } from "../src/protocol";
import {
  Transport,
  callIdFromLocation,
  describeHttpError,
  redact,
  type ConnectionState,
  type TransportDeps,
} from "../src/transport";
import { ANSWER_SDP, FakeStream, deferred, fakeWorld, type FakePeerConnection } from "./fakes";

const SECRET = "ek_test_SECRET_value_123";

function setup(extra: Partial<TransportDeps> = {}) {
  const world = fakeWorld();
  const states: ConnectionState[] = [];
  const records: EventRecord[] = [];
  const remote: unknown[] = [];
  let secretCalls = 0;
  const transport = new Transport(
    {
      ...world.deps,
      getClientSecret: async () => {
        secretCalls++;
        return { value: SECRET, expires_at: 1_900_000_000 };
      },
      baseUrl: () => "http://127.0.0.1:8123/",
      now: () => 1_700_000_000_000.5,
      ...extra,
    },
    {
      onState: (s) => states.push(s),
      onRecord: (r) => records.push(r),
      onRemoteStream: (s) => remote.push(s),
    },
  );
  return { world, transport, states, records, remote, secretCalls: () => secretCalls };
}

/** Waits until the attempt has set the remote answer (the peer is ready for ICE). */
async function answered(world: ReturnType<typeof fakeWorld>, index = 0): Promise<FakePeerConnection> {
  await vi.waitFor(() => expect(world.pcs[index]?.remoteDescription).toBeTruthy());
  return world.pcs[index] as FakePeerConnection;
}

async function connected(t: ReturnType<typeof setup>) {
  const done = t.transport.connect();
  const pc = await answered(t.world);
  pc.channel.open();
  pc.channel.receive({ type: "session.created", event_id: "event_1", session: { type: "realtime" } });
  const state = await done;
  return { pc, state };
}

describe("Transport happy path", () => {
  it("connects in the documented order and becomes connected on session.created", async () => {
    const t = setup();
    const done = t.transport.connect();
    expect(t.transport.state.kind).toBe("connecting");
    const pc = await answered(t.world);

    // The mic track and the oai-events channel exist before the offer went out.
    expect(pc.tracks).toHaveLength(1);
    expect(pc.channel.label).toBe("oai-events");
    expect(t.world.fetches).toHaveLength(1);
    const call = t.world.fetches[0]!;
    expect(call.url).toBe("http://127.0.0.1:8123/v1/realtime/calls");
    expect(call.init.method).toBe("POST");
    const headers = call.init.headers as Record<string, string>;
    expect(headers["Authorization"]).toBe(`Bearer ${SECRET}`);
    expect(headers["Content-Type"]).toBe("application/sdp");
    expect(call.init.body).toBe(pc.localDescription?.sdp);
    expect(pc.remoteDescription).toEqual({ type: "answer", sdp: ANSWER_SDP });

    // Channel open is not enough: ready means session.created arrived.
    pc.channel.open();
    expect(t.transport.state.kind).toBe("connecting");
    pc.channel.receive({ type: "session.created", event_id: "event_1", session: { type: "realtime" } });
    const state = await done;
    expect(state).toEqual({ kind: "connected", attempt: 1, callId: "rtc_test123" });
    expect(t.states.map((s) => s.kind)).toEqual(["connecting", "connected"]);
    expect(t.records).toEqual([
      { t: 1_700_000_000_000.5, dir: "server", event: { type: "session.created", event_id: "event_1", session: { type: "realtime" } } },
    ]);
  });

  it("hands the remote audio stream over once", async () => {
    const t = setup();
    const { pc } = await connected(t);
    const stream = { id: "remote" };
    pc.ontrack?.({ track: pc.tracks[0]!, streams: [stream] });
    expect(t.remote).toEqual([stream]);
  });

  it("records a non-JSON message as raw and keeps going", async () => {
    const t = setup();
    const { pc } = await connected(t);
    pc.channel.receive("{not json");
    pc.channel.receive({ type: "response.created", response: { id: "resp_1" } });
    expect(t.records.slice(1)).toEqual([
      { t: 1_700_000_000_000.5, dir: "server", raw: "{not json" },
      { t: 1_700_000_000_000.5, dir: "server", event: { type: "response.created", response: { id: "resp_1" } } },
    ]);
    expect(t.transport.state.kind).toBe("connected");
  });

  it("sends client events on the open channel and records them with dir client", async () => {
    const t = setup();
    const { pc } = await connected(t);
    const event = { type: "response.create", event_id: "evt_c1" };
    expect(t.transport.send(event)).toBe("sent");
    expect(pc.channel.sentEvents()).toEqual([event]);
    expect(t.records.at(-1)).toEqual({ t: 1_700_000_000_000.5, dir: "client", event });
  });

  it("mutes by disabling the track, without a new connection", async () => {
    const t = setup();
    await connected(t);
    t.transport.setMuted(true);
    expect(t.world.streams[0]!.tracks[0]!.enabled).toBe(false);
    t.transport.setMuted(false);
    expect(t.world.streams[0]!.tracks[0]!.enabled).toBe(true);
    expect(t.world.pcs).toHaveLength(1);
    expect(t.world.fetches).toHaveLength(1);
  });

  it("starts muted when muted before connecting", async () => {
    const t = setup();
    t.transport.setMuted(true);
    await connected(t);
    expect(t.world.streams[0]!.tracks[0]!.enabled).toBe(false);
  });

  it("disconnect stops the mic, closes channel and peer, and returns to idle", async () => {
    const t = setup();
    const { pc } = await connected(t);
    t.transport.disconnect();
    expect(t.transport.state.kind).toBe("idle");
    expect(t.states.map((s) => s.kind)).toEqual(["connecting", "connected", "closing", "idle"]);
    expect(t.world.liveStreams()).toHaveLength(0);
    expect(pc.closed).toBe(true);
    expect(pc.channel.readyState).toBe("closed");
    expect(t.transport.send({ type: "response.create" })).toBe("dropped");
  });

  it("can connect again after a disconnect (a new secret, peer and mic)", async () => {
    const t = setup();
    await connected(t);
    t.transport.disconnect();
    const done = t.transport.connect();
    const pc2 = await answered(t.world, 1);
    pc2.channel.open();
    pc2.channel.receive({ type: "session.created", session: {} });
    expect((await done).kind).toBe("connected");
    expect(t.secretCalls()).toBe(2);
    expect(t.world.openPeers()).toEqual([pc2]);
    expect(t.world.liveStreams()).toHaveLength(1);
  });
});

describe("Transport stale attempts", () => {
  it("disconnect while getUserMedia is pending releases the mic that arrives later", async () => {
    const t = setup();
    const gate = t.world.pendingGetUserMedia();
    const done = t.transport.connect();
    await vi.waitFor(() => expect(t.secretCalls()).toBe(1));
    t.transport.disconnect();
    expect(t.transport.state.kind).toBe("idle");
    gate.resolve();
    const final = await done;
    expect(final.kind).toBe("idle");
    // The mic that arrives after the cancel is stopped as soon as it arrives.
    await vi.waitFor(() => expect(t.world.streams).toHaveLength(1));
    await vi.waitFor(() => expect(t.world.liveStreams()).toHaveLength(0));
    expect(t.world.pcs).toHaveLength(0);
    expect(t.world.fetches).toHaveLength(0);
  });

  it("disconnect while the SDP POST is pending aborts it and releases mic and peer", async () => {
    const t = setup();
    const posted = deferred<void>();
    let signal: AbortSignal | undefined;
    t.world.setFetch(async (call) => {
      signal = call.init.signal ?? undefined;
      posted.resolve();
      return new Promise<Response>(() => undefined);
    });
    const done = t.transport.connect();
    await posted.promise;
    t.transport.disconnect();
    expect((await done).kind).toBe("idle");
    expect(signal?.aborted).toBe(true);
    expect(t.world.liveStreams()).toHaveLength(0);
    expect(t.world.openPeers()).toHaveLength(0);
  });

  it("a second connect while connecting supersedes the first and leaves one mic and one peer", async () => {
    const t = setup();
    const gate = t.world.pendingGetUserMedia();
    const first = t.transport.connect();
    await vi.waitFor(() => expect(t.secretCalls()).toBe(1));
    t.world.setGetUserMedia(async () => {
      const { FakeStream } = await import("./fakes");
      const s = new FakeStream();
      t.world.streams.push(s);
      return s;
    });
    const second = t.transport.connect();
    gate.resolve(); // the first attempt's mic arrives after it was superseded
    const pc = await answered(t.world, 0);
    pc.channel.open();
    pc.channel.receive({ type: "session.created", session: {} });
    const [a, b] = await Promise.all([first, second]);
    expect(b).toMatchObject({ kind: "connected", attempt: 2 });
    expect(a).toMatchObject({ kind: "connecting", attempt: 2 }); // the state when the first attempt ended
    expect(t.world.streams).toHaveLength(2);
    expect(t.world.liveStreams()).toHaveLength(1);
    expect(t.world.pcs).toHaveLength(1);
    expect(t.world.openPeers()).toHaveLength(1);
  });

  it("messages from a superseded attempt's channel are ignored", async () => {
    const t = setup();
    const { pc } = await connected(t);
    const oldChannel = pc.channel;
    t.transport.disconnect();
    const done = t.transport.connect();
    const pc2 = await answered(t.world, 1);
    oldChannel.onmessage?.({ data: JSON.stringify({ type: "session.created" }) });
    expect(t.transport.state.kind).toBe("connecting");
    pc2.channel.open();
    pc2.channel.receive({ type: "session.created" });
    expect((await done).kind).toBe("connected");
    expect(t.records.filter((r) => r.dir === "server")).toHaveLength(2);
  });
});

describe("Transport failures", () => {
  it("401 JSON error → readable message, no setRemoteDescription, mic released", async () => {
    const t = setup();
    t.world.setFetch(async () =>
      new Response(JSON.stringify({ error: { message: "Invalid ephemeral key.", code: "invalid_api_key", type: "invalid_request_error" } }), {
        status: 401,
        headers: { "Content-Type": "application/json" },
      }),
    );
    const state = await t.transport.connect();
    expect(state.kind).toBe("error");
    const message = (state as { message: string }).message;
    expect(message).toContain("client secret was rejected (401)");
    expect(message).toContain("Invalid ephemeral key.");
    expect(message).toContain("invalid_api_key");
    expect(t.world.pcs[0]!.remoteDescription).toBeNull();
    expect(t.world.liveStreams()).toHaveLength(0);
    expect(t.world.openPeers()).toHaveLength(0);
  });

  it("a 2xx answer that is not SDP is refused", async () => {
    const t = setup();
    t.world.setFetch(async () => new Response("<html>proxy login</html>", { status: 200 }));
    const state = await t.transport.connect();
    expect(state.kind).toBe("error");
    expect((state as { message: string }).message).toContain("not an SDP answer");
    expect(t.world.pcs[0]!.remoteDescription).toBeNull();
    expect(t.world.liveStreams()).toHaveLength(0);
  });

  it("microphone permission denied → a listen-only call: recvonly audio, the reason, still connected", async () => {
    const t = setup({ pageFacts: () => ({ host: "browser", secureContext: true, hasMediaDevices: true, origin: "http://localhost:8888" }) });
    t.world.setGetUserMedia(async () => {
      throw new DOMException("Permission denied", "NotAllowedError");
    });
    const { pc, state } = await connected(t);
    expect(state.kind).toBe("connected");
    // No send track, but the offer still negotiates the audio the model speaks on.
    expect(pc.tracks).toHaveLength(0);
    expect(pc.transceivers).toEqual([["audio", "recvonly"]]);
    expect(t.transport.micProblem?.reason).toBe("denied");
    expect(t.transport.micProblem?.message).toMatch(/Microphone permission was denied \(NotAllowedError\)/);
    // Typed turns go out on the data channel as usual; mute has nothing to act on.
    t.transport.setMuted(true);
    expect(t.transport.send({ type: "response.create" })).toBe("sent");
    t.transport.disconnect();
    expect(t.transport.micProblem).toBeNull();
    expect(pc.closed).toBe(true);
  });

  it("no microphone → listen-only with the 'connect a microphone' fix; a later attempt with a mic sends it", async () => {
    const t = setup();
    t.world.setGetUserMedia(async () => {
      throw new DOMException("Requested device not found", "NotFoundError");
    });
    const first = await connected(t);
    expect(first.state.kind).toBe("connected");
    expect(t.transport.micProblem?.reason).toBe("absent");
    expect(t.transport.micProblem?.message).toMatch(/No microphone was found/);
    t.transport.disconnect();
    t.world.setGetUserMedia(async () => {
      const s = new FakeStream();
      t.world.streams.push(s);
      return s;
    });
    const done = t.transport.connect();
    const pc = await answered(t.world, 1);
    pc.channel.open();
    pc.channel.receive({ type: "session.created", event_id: "event_2", session: {} });
    expect((await done).kind).toBe("connected");
    expect(t.transport.micProblem).toBeNull();
    expect(pc.tracks).toHaveLength(1);
    expect(pc.transceivers).toEqual([]);
  });

  it("no getUserMedia at all → listen-only, and the page's facts decide the words (plain HTTP)", async () => {
    const logs: Array<[string, string]> = [];
    const world = fakeWorld();
    const transport = new Transport(
      {
        ...world.deps,
        getUserMedia: undefined,
        getClientSecret: async () => ({ value: SECRET }),
        baseUrl: () => "http://127.0.0.1:8123",
        pageFacts: () => ({ host: "browser", secureContext: false, hasMediaDevices: false, origin: "http://10.0.0.5:8888" }),
      },
      { onState: () => undefined, onRecord: () => undefined, onRemoteStream: () => undefined, onLog: (l, m) => logs.push([l, m]) },
    );
    vi.stubGlobal("navigator", {});
    try {
      const done = transport.connect();
      const pc = await answered(world);
      pc.channel.open();
      pc.channel.receive({ type: "session.created", event_id: "event_1", session: {} });
      expect((await done).kind).toBe("connected");
      expect(pc.transceivers).toEqual([["audio", "recvonly"]]);
      expect(transport.micProblem?.reason).toBe("insecure");
      expect(transport.micProblem?.message).toContain("http://10.0.0.5:8888");
      // The kernel's log hears it too.
      expect(logs).toEqual([["warning", transport.micProblem?.message]]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("in a VS Code webview the microphone is not even asked for: listen-only with the host's fix", async () => {
    let asked = 0;
    const t = setup({ pageFacts: () => ({ host: "vscode", secureContext: true, hasMediaDevices: true, origin: "vscode-webview://abc" }) });
    t.world.setGetUserMedia(() => {
      asked++;
      return new Promise(() => undefined); // as a prompt that never comes
    });
    const { pc, state } = await connected(t);
    expect(state.kind).toBe("connected");
    expect(asked).toBe(0);
    expect(pc.transceivers).toEqual([["audio", "recvonly"]]);
    expect(t.transport.micProblem?.reason).toBe("host-blocked");
    expect(t.transport.micProblem?.message).toContain("open this notebook in JupyterLab in a browser");
  });

  it("a mic refusal for a superseded attempt is not classified or kept", async () => {
    const t = setup();
    const gum = deferred<never>();
    t.world.setGetUserMedia(() => gum.promise);
    const first = t.transport.connect();
    t.transport.disconnect();
    await first;
    gum.reject(new DOMException("Permission denied", "NotAllowedError"));
    await new Promise((r) => setTimeout(r, 0));
    expect(t.transport.micProblem).toBeNull();
    expect(t.world.pcs).toHaveLength(0);
    expect(t.transport.state.kind).toBe("idle");
  });

  it("a client secret request that fails ends the attempt with the kernel's message", async () => {
    const t = setup({
      getClientSecret: async () => {
        throw new Error("OpenAI rejected the API key (401). Check OPENAI_API_KEY.");
      },
    });
    const state = await t.transport.connect();
    expect(state).toEqual({ kind: "error", message: "OpenAI rejected the API key (401). Check OPENAI_API_KEY." });
    // The mic was asked for in parallel with the secret: it is released, no peer is left.
    await vi.waitFor(() => expect(t.world.liveStreams()).toHaveLength(0));
    expect(t.world.openPeers()).toHaveLength(0);
    expect(t.world.fetches).toHaveLength(0);
  });

  it("asks for the secret while the mic, peer and offer are prepared; POSTs only once it arrives", async () => {
    const secret = deferred<{ value: string; expires_at: number }>();
    const t = setup({ getClientSecret: () => secret.promise });
    const done = t.transport.connect();
    // Mic, peer and local offer are ready before the kernel answered.
    await vi.waitFor(() => expect(t.world.pcs[0]?.localDescription).toBeTruthy());
    expect(t.world.streams).toHaveLength(1);
    expect(t.world.fetches).toHaveLength(0);
    secret.resolve({ value: SECRET, expires_at: 1_900_000_000 });
    const pc = await answered(t.world, 0);
    expect(t.world.fetches).toHaveLength(1);
    expect(new Headers(t.world.fetches[0]!.init.headers).get("Authorization")).toBe(`Bearer ${SECRET}`);
    pc.channel.open();
    pc.channel.receive({ type: "session.created", session: {} });
    expect((await done).kind).toBe("connected");
  });

  it("a secret failure while getUserMedia is pending ends the attempt at once and releases the mic when it arrives", async () => {
    const secret = deferred<{ value: string; expires_at: number }>();
    const t = setup({ getClientSecret: () => secret.promise });
    const gate = t.world.pendingGetUserMedia();
    const done = t.transport.connect();
    secret.reject(new Error("Minting the client secret failed: OpenAI answered 500 (server error). Try again."));
    const state = await done; // without waiting for the mic prompt
    expect(state).toEqual({ kind: "error", message: "Minting the client secret failed: OpenAI answered 500 (server error). Try again." });
    gate.resolve();
    await vi.waitFor(() => expect(t.world.streams).toHaveLength(1));
    await vi.waitFor(() => expect(t.world.liveStreams()).toHaveLength(0));
    expect(t.world.pcs).toHaveLength(0);
    expect(t.world.fetches).toHaveLength(0);
    expect(t.transport.state).toEqual(state);
  });

  it("a getUserMedia failure while the secret is pending goes listen-only and still POSTs with the late secret", async () => {
    const secret = deferred<{ value: string; expires_at: number }>();
    const t = setup({ getClientSecret: () => secret.promise });
    t.world.setGetUserMedia(async () => {
      throw Object.assign(new Error("denied"), { name: "NotAllowedError" });
    });
    const done = t.transport.connect();
    await vi.waitFor(() => expect(t.world.pcs[0]?.localDescription).toBeTruthy());
    expect(t.world.fetches).toHaveLength(0);
    secret.resolve({ value: SECRET, expires_at: 1_900_000_000 });
    const pc = await answered(t.world);
    expect(new Headers(t.world.fetches[0]!.init.headers).get("Authorization")).toBe(`Bearer ${SECRET}`);
    pc.channel.open();
    pc.channel.receive({ type: "session.created", session: {} });
    expect((await done).kind).toBe("connected");
    expect(t.transport.micProblem?.reason).toBe("denied");
    expect(t.world.liveStreams()).toHaveLength(0);
  });

  it("the channel closing while connected → error, mic released, peer closed", async () => {
    const t = setup();
    const { pc } = await connected(t);
    pc.channel.receive({ type: "error", error: { type: "invalid_request_error", code: "session_expired", message: "Your session hit the maximum duration of 60 minutes." } });
    pc.channel.remoteClose();
    const state = t.transport.state;
    expect(state.kind).toBe("error");
    expect((state as { message: string }).message).toContain("maximum duration of 60 minutes");
    expect(t.world.liveStreams()).toHaveLength(0);
    expect(pc.closed).toBe(true);
  });

  it("ICE failure → error and everything released", async () => {
    const t = setup();
    const done = t.transport.connect();
    const pc = await answered(t.world);
    pc.setState("failed");
    const state = await done;
    expect(state.kind).toBe("error");
    expect((state as { message: string }).message).toMatch(/ICE/);
    expect(t.world.liveStreams()).toHaveLength(0);
    expect(pc.closed).toBe(true);
  });

  it("ICE disconnected for longer than the grace period → error naming it, everything released", async () => {
    const t = setup({ disconnectGraceMs: 40 });
    const { pc } = await connected(t);
    pc.setIceState("disconnected");
    expect(t.transport.state.kind).toBe("connected");
    await vi.waitFor(() => expect(t.transport.state.kind).toBe("error"));
    expect((t.transport.state as { message: string }).message).toContain("no answer for 0 s");
    expect(t.world.liveStreams()).toHaveLength(0);
    expect(pc.closed).toBe(true);
  });

  it("ICE that recovers within the grace period keeps the call", async () => {
    const t = setup({ disconnectGraceMs: 60 });
    const { pc } = await connected(t);
    pc.setIceState("disconnected");
    await new Promise((r) => setTimeout(r, 20));
    pc.setIceState("connected");
    await new Promise((r) => setTimeout(r, 80));
    expect(t.transport.state.kind).toBe("connected");
    // A second loss starts a fresh grace period, which then ends the call.
    pc.setIceState("disconnected");
    await vi.waitFor(() => expect(t.transport.state.kind).toBe("error"));
  });

  it("a disconnect during the grace period cancels the timer (no late error)", async () => {
    const t = setup({ disconnectGraceMs: 30 });
    const { pc } = await connected(t);
    pc.setIceState("disconnected");
    t.transport.disconnect();
    await new Promise((r) => setTimeout(r, 60));
    expect(t.transport.state.kind).toBe("idle");
  });

  it("times out the SDP POST with a message naming the URL", async () => {
    const t = setup({ postTimeoutMs: 20 });
    t.world.setFetch(
      (call) =>
        new Promise<Response>((_, reject) => {
          call.init.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
        }),
    );
    const state = await t.transport.connect();
    expect(state.kind).toBe("error");
    expect((state as { message: string }).message).toContain("did not answer the call request");
    expect((state as { message: string }).message).toContain("http://127.0.0.1:8123/v1/realtime/calls");
    expect(t.world.liveStreams()).toHaveLength(0);
  });

  it("times out when the channel never opens", async () => {
    const t = setup({ readyTimeoutMs: 20 });
    const state = await t.transport.connect();
    expect(state.kind).toBe("error");
    expect((state as { message: string }).message).toContain("did not open");
    expect(t.world.openPeers()).toHaveLength(0);
  });

  it("a network failure names the URL", async () => {
    const t = setup();
    t.world.setFetch(async () => {
      throw new TypeError("Failed to fetch");
    });
    const state = await t.transport.connect();
    expect((state as { message: string }).message).toContain("Could not reach http://127.0.0.1:8123/v1/realtime/calls");
  });
});

describe("Transport readiness with session.update", () => {
  it("queues client events while connecting and waits for session.updated", async () => {
    const t = setup();
    const done = t.transport.connect();
    const update = { type: "session.update", event_id: "evt_u1", session: { type: "realtime", instructions: "Be brief." } };
    expect(t.transport.send(update)).toBe("queued");
    const pc = await answered(t.world);
    pc.channel.open();
    expect(pc.channel.sentEvents()).toEqual([update]);
    pc.channel.receive({ type: "session.created", session: {} });
    expect(t.transport.state.kind).toBe("connecting");
    pc.channel.receive({ type: "session.updated", session: {} });
    expect((await done).kind).toBe("connected");
  });

  it("a rejected session.update (error naming its event_id) does not hang the connect", async () => {
    const t = setup();
    const done = t.transport.connect();
    t.transport.send({ type: "session.update", event_id: "evt_bad", session: { type: "realtime", voice: "nope" } });
    const pc = await answered(t.world);
    pc.channel.open();
    pc.channel.receive({ type: "session.created", session: {} });
    pc.channel.receive({ type: "error", error: { type: "invalid_request_error", message: "Invalid voice", event_id: "evt_bad" } });
    expect((await done).kind).toBe("connected");
  });

  it("drops client events when idle", () => {
    const t = setup();
    expect(t.transport.send({ type: "response.create" })).toBe("dropped");
  });
});

describe("pure helpers", () => {
  it("takes the call id from the last path segment of Location", () => {
    expect(callIdFromLocation("/v1/realtime/calls/rtc_abc")).toBe("rtc_abc");
    expect(callIdFromLocation("https://api.openai.com/v1/realtime/calls/rtc_x9/?a=b")).toBe("rtc_x9");
    expect(callIdFromLocation(null)).toBeNull();
  });

  it("maps statuses to advice and never repeats a secret", () => {
    const body = JSON.stringify({ error: { message: `bad key ${SECRET} and sk-proj-abcdefghijk` } });
    const msg = describeHttpError(401, body, "http://x/v1/realtime/calls");
    expect(msg).not.toContain(SECRET);
    expect(msg).not.toContain("abcdefghijk");
    expect(describeHttpError(429, "{}", "u")).toMatch(/429/);
    expect(describeHttpError(503, "oops", "u")).toMatch(/503.*oops/);
    expect(describeHttpError(404, "", "http://h/v1/realtime/calls")).toMatch(/base_url/);
  });

  it("redacts keys and client secrets", () => {
    expect(redact("key sk-abc123456 secret ek_68af_xyz end")).toBe("key sk-abc… secret ek_… end");
  });
});
