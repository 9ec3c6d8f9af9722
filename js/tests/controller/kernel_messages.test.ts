// The kernel → browser message dispatch (src/controller/kernel_messages.ts): each known type
// reaches its one handler with checked contents; anything else is ignored.
import { describe, expect, it, vi } from "vitest";
import { dispatchKernelMessage, isPendingItem, type KernelMessageHandlers } from "../../src/controller/kernel_messages";

function handlers(): { [K in keyof KernelMessageHandlers]: ReturnType<typeof vi.fn> } {
  return {
    rpcReply: vi.fn(),
    command: vi.fn(),
    toolResult: vi.fn(),
    ack: vi.fn(),
    outbox: vi.fn(),
    clientEvent: vi.fn(),
    sentByKernel: vi.fn(),
    malformed: vi.fn(),
  };
}

function called(on: ReturnType<typeof handlers>): string[] {
  return Object.entries(on)
    .filter(([, fn]) => fn.mock.calls.length > 0)
    .map(([name]) => name);
}

describe("dispatchKernelMessage", () => {
  it("routes each type to its handler", () => {
    const on = handlers();
    const reply = { type: "rpc-reply", id: 1, ok: true, result: 2 };
    dispatchKernelMessage(reply, on);
    expect(on.rpcReply).toHaveBeenCalledWith(reply);
    dispatchKernelMessage({ type: "ack", fe: "f", seq: 3 }, on);
    expect(on.ack).toHaveBeenCalledWith("f", 3);
    const result = { type: "tool-result", call_id: "c" };
    dispatchKernelMessage(result, on);
    expect(on.toolResult).toHaveBeenCalledWith(result);
    dispatchKernelMessage({ type: "client-event", event: { type: "response.create" } }, on);
    expect(on.clientEvent).toHaveBeenCalledWith({ type: "response.create" });
    expect(on.malformed).not.toHaveBeenCalled();
  });

  it("passes only the three known commands", () => {
    const on = handlers();
    for (const name of ["interrupt", "connect", "disconnect", "explode", 7]) dispatchKernelMessage({ type: "command", name }, on);
    expect(on.command.mock.calls).toEqual([["interrupt"], ["connect"], ["disconnect"]]);
  });

  it("keeps only well-formed outbox items; no list is an empty outbox", () => {
    const on = handlers();
    dispatchKernelMessage({ type: "outbox", items: [{ id: 1, label: "hi" }, { id: "2", label: "x" }, null, { id: 3 }] }, on);
    dispatchKernelMessage({ type: "outbox" }, on);
    expect(on.outbox.mock.calls).toEqual([[[{ id: 1, label: "hi" }]], [[]]]);
  });

  it("a client event the kernel sent over its sideband is remembered, never sent again", () => {
    const on = handlers();
    const event = { type: "response.create", event_id: "evt_1" };
    dispatchKernelMessage({ type: "client-event", event, via: "sideband" }, on);
    expect(called(on)).toEqual(["sentByKernel"]);
    expect(on.sentByKernel).toHaveBeenCalledWith(event);
  });

  it("warns about a client-event without an event object", () => {
    const on = handlers();
    dispatchKernelMessage({ type: "client-event", event: "response.create" }, on);
    expect(called(on)).toEqual(["malformed"]);
    expect(on.malformed.mock.calls[0]?.[0]).toMatch(/without an event object/);
  });

  it("ignores non-objects and unknown types", () => {
    const on = handlers();
    for (const msg of [null, "ack", [1], { type: "future-thing" }, {}]) dispatchKernelMessage(msg, on);
    expect(called(on)).toEqual([]);
  });
});

describe("isPendingItem", () => {
  it("needs a numeric id and a string label", () => {
    expect(isPendingItem({ id: 0, label: "" })).toBe(true);
    expect(isPendingItem({ id: 0 })).toBe(false);
    expect(isPendingItem({ label: "x" })).toBe(false);
  });
});
