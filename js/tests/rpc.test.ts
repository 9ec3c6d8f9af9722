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

  it("rejects outstanding calls on dispose", async () => {
    const rpc = new Rpc((m) => sent.push(m), 1000);
    const p = rpc.call("client_secret");
    rpc.dispose();
    await expect(p).rejects.toThrow("The widget was closed.");
  });
});
