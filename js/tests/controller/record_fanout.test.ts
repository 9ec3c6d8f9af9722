// The record fan-out (src/controller/record_fanout.ts): which consumers see which records, in order.
import { describe, expect, it } from "vitest";
import { fanOutRecord, type RecordConsumers } from "../../src/controller/record_fanout";
import type { EventRecord, JsonObject, RecordType } from "../../src/protocol";
import { createDisplayState } from "../../src/reducer";

function consumers(): { to: RecordConsumers; seen: string[] } {
  const seen: string[] = [];
  const to: RecordConsumers = {
    batcher: { push: () => void seen.push("batcher") },
    eventLog: { push: (_r: EventRecord, type: RecordType) => void seen.push(`log:${type.ga}`) },
    callControls: { observe: (_e: JsonObject, type: string) => void seen.push(`controls:${type}`) },
    display: createDisplayState(),
    serverError: () => void seen.push("error"),
  };
  return { to, seen };
}

describe("fanOutRecord", () => {
  it("hands a client event to the batcher and the log only", () => {
    const { to, seen } = consumers();
    fanOutRecord({ t: 1, dir: "client", event: { type: "response.create" } }, to);
    expect(seen).toEqual(["batcher", "log:response.create"]);
    expect(to.display.rev).toBe(0);
  });

  it("hands a server event, with its GA type, to every consumer", () => {
    const { to, seen } = consumers();
    fanOutRecord({ t: 1, dir: "server", event: { type: "response.text.delta" } }, to);
    expect(seen).toEqual(["batcher", "log:response.output_text.delta", "controls:response.output_text.delta"]);
    expect(to.display.rev).toBe(1);
  });

  it("reports a server error event before the others observe it", () => {
    const { to, seen } = consumers();
    fanOutRecord({ t: 1, dir: "server", event: { type: "error", error: { message: "x" } } }, to);
    expect(seen).toEqual(["batcher", "log:error", "error", "controls:error"]);
  });

  it("a server message that is not JSON is logged and bumps the display, nothing else", () => {
    const { to, seen } = consumers();
    fanOutRecord({ t: 1, dir: "server", raw: "{oops" }, to);
    expect(seen).toEqual(["batcher", "log:(not JSON)"]);
    expect(to.display.rev).toBe(1);
  });
});
