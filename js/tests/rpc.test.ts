import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BrowserMessage } from "../src/protocol";
import { Rpc, RpcError } from "../src/rpc";

describe("Rpc", () => {
  let sent: BrowserMessage[];
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
  });
  afterEach(() => vi.useRealTimers());

  it("sends a request and resolves with the matching reply", async () => {
    const rpc = new Rpc((m) => sent.push(m), 1000);
    const a = rpc.call("client_secret");
    const b = rpc.call("other", { x: 1 });
    expect(sent).toEqual([
      { type: "rpc", id: 1, method: "client_secret", params: {} },
      { type: "rpc", id: 2, method: "other", params: { x: 1 } },
    ]);
    expect(rpc.handleReply({ type: "rpc-reply", id: 2, ok: true, result: "B" })).toBe(true);
    expect(rpc.handleReply({ type: "rpc-reply", id: 1, ok: true, result: { value: "ek_1", expires_at: 5 } })).toBe(true);
    await expect(a).resolves.toEqual({ value: "ek_1", expires_at: 5 });
    await expect(b).resolves.toBe("B");
    expect(rpc.pendingCount).toBe(0);
  });

  it("rejects with the kernel's message and code on an error reply", async () => {
    const rpc = new Rpc((m) => sent.push(m), 1000);
    const p = rpc.call("client_secret");
    rpc.handleReply({ type: "rpc-reply", id: 1, ok: false, error: { message: "OpenAI rejected the API key (401).", code: "invalid_api_key" } });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).message).toBe("OpenAI rejected the API key (401).");
    expect((err as RpcError).code).toBe("invalid_api_key");
  });

  it("times out with a message that explains the likely cause", async () => {
    const rpc = new Rpc((m) => sent.push(m), 1000);
    const p = rpc.call("client_secret");
    const caught = p.catch((e: unknown) => e);
    vi.advanceTimersByTime(1000);
    const err = (await caught) as RpcError;
    expect(err.code).toBe("rpc_timeout");
    expect(err.message).toContain('"client_secret"');
    expect(err.message).toContain("within 1 s");
    expect(rpc.pendingCount).toBe(0);
    // A late reply after the timeout is ignored.
    expect(rpc.handleReply({ type: "rpc-reply", id: 1, ok: true, result: {} })).toBe(false);
  });

  it("ignores replies for unknown ids and duplicates", async () => {
    const rpc = new Rpc((m) => sent.push(m), 1000);
    const p = rpc.call("client_secret");
    expect(rpc.handleReply({ type: "rpc-reply", id: 99, ok: true, result: "x" })).toBe(false);
    expect(rpc.pendingCount).toBe(1);
    rpc.handleReply({ type: "rpc-reply", id: 1, ok: true, result: "ok" });
    expect(rpc.handleReply({ type: "rpc-reply", id: 1, ok: true, result: "again" })).toBe(false);
    await expect(p).resolves.toBe("ok");
  });

  it("keeps the kernel's whole error object on the RpcError", async () => {
    const rpc = new Rpc((m) => sent.push(m), 1000);
    const p = rpc.call("sdp_offer", { sdp: "v=0" });
    const error = { message: "POST … answered 503", code: null, status: 503, body: '{"error":{}}' };
    rpc.handleReply({ type: "rpc-reply", id: 1, ok: false, error });
    const err = (await p.catch((e: unknown) => e)) as RpcError;
    expect(err.detail).toEqual(error);
    expect(err.code).toBeUndefined();
  });

  it("takes a per-call timeout", async () => {
    const rpc = new Rpc((m) => sent.push(m), 30_000);
    const caught = rpc.call("sdp_offer", {}, { timeoutMs: 2_500 }).catch((e: unknown) => e);
    vi.advanceTimersByTime(2_499);
    expect(rpc.pendingCount).toBe(1);
    vi.advanceTimersByTime(1);
    const err = (await caught) as RpcError;
    expect(err.code).toBe("rpc_timeout");
    expect(err.message).toContain("within 3 s");
  });

  it("an aborted call rejects at once, tells the kernel, and ignores the late reply", async () => {
    const rpc = new Rpc((m) => sent.push(m), 1000);
    const abort = new AbortController();
    const caught = rpc.call("sdp_offer", { sdp: "v=0" }, { signal: abort.signal }).catch((e: unknown) => e);
    abort.abort();
    const err = (await caught) as RpcError;
    expect(err.code).toBe("rpc_cancelled");
    expect(sent).toEqual([
      { type: "rpc", id: 1, method: "sdp_offer", params: { sdp: "v=0" } },
      { type: "rpc-cancel", id: 1 },
    ]);
    expect(rpc.pendingCount).toBe(0);
    expect(rpc.handleReply({ type: "rpc-reply", id: 1, ok: true, result: {} })).toBe(false);
    // Aborting after the reply, or before the call, sends no cancel.
    const done = new AbortController();
    const p = rpc.call("sdp_offer", {}, { signal: done.signal });
    rpc.handleReply({ type: "rpc-reply", id: 2, ok: true, result: "answer" });
    await expect(p).resolves.toBe("answer");
    done.abort();
    await expect(rpc.call("sdp_offer", {}, { signal: done.signal })).rejects.toMatchObject({ code: "rpc_cancelled" });
    expect(sent.filter((m) => m.type === "rpc-cancel")).toHaveLength(1);
    expect(sent.filter((m) => m.type === "rpc")).toHaveLength(2);
  });

  it("rejects outstanding calls on dispose", async () => {
    const rpc = new Rpc((m) => sent.push(m), 1000);
    const p = rpc.call("client_secret");
    rpc.dispose();
    await expect(p).rejects.toThrow("The widget was closed.");
  });
});
