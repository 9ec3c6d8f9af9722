// "Kernel" signaling in the Transport: no client secret is asked for, the offer goes to the
// kernel (relayOffer) instead of a fetch, its answer is applied, and what the kernel's POST
// got reads exactly as the same outcome of the browser's own POST.
import { describe, expect, it, vi } from "vitest";
import type { EventRecord } from "../src/protocol";
import {
  RELAY_MARGIN_MS,
  Transport,
  describeHttpError,
  type ConnectionState,
  type RelayedAnswer,
  type TransportDeps,
} from "../src/transport";
import { ANSWER_SDP, deferred, fakeWorld, type FakePeerConnection } from "./fakes";

const URL = "http://127.0.0.1:8123/v1/realtime/calls";

interface RelayCall {
  sdp: string;
  signal: AbortSignal;
  timeoutMs: number;
}

function setup(relay: (call: RelayCall) => Promise<RelayedAnswer>, extra: Partial<TransportDeps> = {}) {
  const world = fakeWorld();
  const states: ConnectionState[] = [];
  const records: EventRecord[] = [];
  const relays: RelayCall[] = [];
  let secretCalls = 0;
  const transport = new Transport(
    {
      ...world.deps,
      getClientSecret: async () => {
        secretCalls++;
        return { value: "ek_must_not_be_asked_for", expires_at: 1 };
      },
      signaling: () => "kernel",
      relayOffer: (sdp, options) => {
        const call = { sdp, ...options };
        relays.push(call);
        return relay(call);
      },
      baseUrl: () => "http://127.0.0.1:8123/",
      now: () => 1_700_000_000_000.5,
      ...extra,
    },
    { onState: (s) => states.push(s), onRecord: (r) => records.push(r), onRemoteStream: () => undefined },
  );
  return { world, transport, states, records, relays, secretCalls: () => secretCalls };
}

const answer = async (): Promise<RelayedAnswer> => ({ kind: "answer", sdp: ANSWER_SDP, callId: "rtc_kernel1" });

async function failWith(outcome: RelayedAnswer | Error, extra: Partial<TransportDeps> = {}) {
  const t = setup(async () => {
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }, extra);
  const state = await t.transport.connect();
  expect(state.kind).toBe("error");
  // Nothing is left open by a failed relay.
  await vi.waitFor(() => expect(t.world.liveStreams()).toHaveLength(0));
  expect(t.world.openPeers()).toHaveLength(0);
  expect(t.world.pcs[0]?.remoteDescription ?? null).toBeNull();
  return (state as { message: string }).message;
}

/** The message the browser's own POST shows for this HTTP answer (transport.test.ts's path). */
async function browserPostMessage(response: () => Response): Promise<string> {
  const world = fakeWorld();
  world.setFetch(async () => response());
  const transport = new Transport(
    { ...world.deps, getClientSecret: async () => ({ value: "ek_x_123456" }), baseUrl: () => "http://127.0.0.1:8123/" },
    { onState: () => undefined, onRecord: () => undefined, onRemoteStream: () => undefined },
  );
  const state = await transport.connect();
  return (state as { message: string }).message;
}

describe("Transport with kernel signaling", () => {
  it("hands the offer to the kernel, applies its answer and never asks for a client secret", async () => {
    const t = setup(answer);
    const done = t.transport.connect();
    await vi.waitFor(() => expect(t.world.pcs[0]?.remoteDescription).toBeTruthy());
    const pc = t.world.pcs[0] as FakePeerConnection;
    expect(t.relays).toHaveLength(1);
    expect(t.relays[0]!.sdp).toBe(pc.localDescription?.sdp);
    // The mic track and the channel are in the offer, as with the browser's own POST.
    expect(pc.tracks).toHaveLength(1);
    expect(pc.channel.label).toBe("oai-events");
    expect(pc.remoteDescription).toEqual({ type: "answer", sdp: ANSWER_SDP });
    expect(t.secretCalls()).toBe(0);
    expect(t.world.fetches).toHaveLength(0);
    pc.channel.open();
    pc.channel.receive({ type: "session.created", session: { type: "realtime" } });
    expect(await done).toEqual({ kind: "connected", attempt: 1, callId: "rtc_kernel1" });
  });

  it("gives the kernel the call timeout and a margin for the comm", async () => {
    const t = setup(answer, { postTimeoutMs: () => 700 });
    void t.transport.connect();
    await vi.waitFor(() => expect(t.relays).toHaveLength(1));
    expect(t.relays[0]!.timeoutMs).toBe(700 + RELAY_MARGIN_MS);
  });

  it("reads the mode at each attempt: back to the browser's POST when it says browser", async () => {
    let mode: "kernel" | "browser" = "kernel";
    const t = setup(answer, { signaling: () => mode });
    void t.transport.connect();
    await vi.waitFor(() => expect(t.world.pcs[0]?.remoteDescription).toBeTruthy());
    t.transport.disconnect();
    mode = "browser";
    void t.transport.connect();
    await vi.waitFor(() => expect(t.world.fetches).toHaveLength(1));
    expect(t.relays).toHaveLength(1);
    expect(t.secretCalls()).toBe(1);
  });

  it("a refused POST reads as the browser's own (same status, same server words)", async () => {
    const body = JSON.stringify({ error: { message: "Service temporarily unavailable.", type: "server_error" } });
    const relayed = await failWith({ kind: "refused", status: 503, body });
    const own = await browserPostMessage(() => new Response(body, { status: 503 }));
    expect(relayed).toBe(own);
    expect(relayed).toBe(describeHttpError(503, body, URL));
    expect(relayed).toContain("failed to start the call (503)");

    const bad = JSON.stringify({ error: { message: "Invalid SDP offer: no audio section.", code: "invalid_offer" } });
    expect(await failWith({ kind: "refused", status: 400, body: bad })).toBe(
      await browserPostMessage(() => new Response(bad, { status: 400 })),
    );
    expect(await failWith({ kind: "refused", status: 404, body: "" })).toContain(`404 at ${URL}`);
  });

  it("a rejected API key names the key, not a client secret, and never repeats it", async () => {
    const body = JSON.stringify({
      error: { message: "Incorrect API key provided: sk-proj-abcdEFGH1234. You can find your API key at …", code: "invalid_api_key" },
    });
    const message = await failWith({ kind: "refused", status: 401, body });
    expect(message).toContain("The API key was rejected (401) when the kernel started the call");
    expect(message).toContain("OPENAI_API_KEY");
    expect(message).toContain("(invalid_api_key)");
    expect(message).not.toContain("client secret");
    expect(message).not.toContain("abcdEFGH1234");
    expect(await failWith({ kind: "refused", status: 403, body: "{}" })).toContain("API key may not start this call (403)");
  });

  it("a 2xx answer that is not SDP is refused in the browser's words", async () => {
    const html = "<html>Welcome to nginx!</html>";
    const relayed = await failWith({ kind: "answer", sdp: html, callId: null });
    const own = await browserPostMessage(() => new Response(html, { status: 201 }));
    expect(relayed).toBe(own);
    expect(relayed).toContain("not an SDP answer");
  });

  it("a failure without an answer shows the kernel's message as it is", async () => {
    const words = "The server did not answer the call request within 0.7 s (POST http://127.0.0.1:8123/v1/realtime/calls).";
    expect(await failWith(new Error(words))).toBe(words);
  });

  it("disconnect while the kernel posts gives the request up; its late answer is never applied", async () => {
    const pending = deferred<RelayedAnswer>();
    const t = setup(() => pending.promise);
    const done = t.transport.connect();
    await vi.waitFor(() => expect(t.relays).toHaveLength(1));
    const { signal } = t.relays[0]!;
    expect(signal.aborted).toBe(false);
    t.transport.disconnect();
    expect((await done).kind).toBe("idle");
    expect(signal.aborted).toBe(true); // the kernel is told to stop its POST
    pending.resolve({ kind: "answer", sdp: ANSWER_SDP, callId: "rtc_late" });
    await new Promise((r) => setTimeout(r, 0));
    expect(t.world.pcs[0]!.remoteDescription).toBeNull();
    expect(t.world.liveStreams()).toHaveLength(0);
    expect(t.world.openPeers()).toHaveLength(0);
    expect(t.transport.state).toEqual({ kind: "idle" });
    expect(t.states.map((s) => s.kind)).toEqual(["connecting", "closing", "idle"]);
  });

  it("a late failure of a superseded attempt is not shown; the newer attempt connects", async () => {
    const first = deferred<RelayedAnswer>();
    let n = 0;
    const t = setup(() => (n++ === 0 ? first.promise : answer()));
    const a = t.transport.connect();
    await vi.waitFor(() => expect(t.relays).toHaveLength(1));
    const b = t.transport.connect();
    await vi.waitFor(() => expect(t.world.pcs[1]?.remoteDescription).toBeTruthy());
    first.reject(new Error("The server did not answer the call request within 15 s"));
    const pc = t.world.pcs[1]!;
    pc.channel.open();
    pc.channel.receive({ type: "session.created", session: {} });
    const [sa, sb] = await Promise.all([a, b]);
    expect(sb).toMatchObject({ kind: "connected", attempt: 2, callId: "rtc_kernel1" });
    expect(sa.kind).not.toBe("error");
    expect(t.relays[0]!.signal.aborted).toBe(true);
    expect(t.states.some((s) => s.kind === "error")).toBe(false);
    expect(t.world.openPeers()).toEqual([pc]);
    expect(t.world.liveStreams()).toHaveLength(1);
  });

  it("without a way to reach the kernel it says so instead of hanging", async () => {
    const message = await failWith({ kind: "answer", sdp: ANSWER_SDP, callId: null }, { relayOffer: undefined });
    expect(message).toContain('signaling="kernel"');
  });
});
