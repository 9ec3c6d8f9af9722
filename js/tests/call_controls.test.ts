// Interrupt (cancel and clear, as the WebRTC server expects), push-to-talk and tool
// outcomes: the pure state (src/call_controls.ts); its wiring and view: view/call_controls.test.ts.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeEach, describe, expect, it } from "vitest";
import { CallControlsState, pushToTalkPress, pushToTalkRelease } from "../src/call_controls";
import type { JsonObject } from "../src/protocol";

let n = 0;
const ids = (): string => `e${++n}`;

function playing(state: CallControlsState): void {
  state.observe({ type: "response.created", response: { id: "r1", conversation_id: "conv_1" } });
  state.observe({ type: "response.output_item.added", response_id: "r1", item: { id: "i1", type: "message", role: "assistant" } });
  state.observe({ type: "response.content_part.added", response_id: "r1", item_id: "i1", content_index: 0, part: { type: "audio" } });
  state.observe({ type: "output_audio_buffer.started", response_id: "r1" });
}

describe("CallControlsState", () => {
  beforeEach(() => {
    n = 0;
  });

  it("cancels and clears; never truncates (the server truncates to what was played)", () => {
    const state = new CallControlsState();
    expect(state.canInterrupt).toBe(false);
    expect(state.interruptEvents(ids)).toEqual([]);
    playing(state);
    expect(state.canInterrupt).toBe(true);
    expect(state.interruptEvents(ids)).toEqual([
      { type: "response.cancel", event_id: "e1", response_id: "r1" },
      { type: "output_audio_buffer.clear", event_id: "e2" },
    ]);
  });

  it("after response.done only the audio still playing is cleared", () => {
    const state = new CallControlsState();
    playing(state);
    state.observe({ type: "response.done", response: { id: "r1", status: "completed" } });
    expect(state.interruptEvents(ids)).toEqual([{ type: "output_audio_buffer.clear", event_id: "e1" }]);
    state.observe({ type: "output_audio_buffer.stopped", response_id: "r1" });
    expect(state.canInterrupt).toBe(false);
  });

  it("a text answer is cancelled only (nothing plays)", () => {
    const state = new CallControlsState();
    state.observe({ type: "response.created", response: { id: "r2" } });
    state.observe({ type: "response.content_part.added", response_id: "r2", item_id: "i2", part: { type: "text" } });
    expect(state.interruptEvents(ids).map((e) => e["type"])).toEqual(["response.cancel"]);
  });

  it("an out-of-band response is never the one Interrupt cancels, and does not end the active one", () => {
    const state = new CallControlsState();
    playing(state);
    state.observe({ type: "response.created", response: { id: "oob1", conversation_id: null, metadata: { purpose: "classify" } } });
    expect(state.activeResponse).toBe("r1");
    state.observe({ type: "response.done", response: { id: "oob1", conversation_id: null, status: "completed" } });
    expect(state.activeResponse).toBe("r1");
    expect(state.interruptEvents(ids)[0]).toEqual({ type: "response.cancel", event_id: "e1", response_id: "r1" });
    // Alone, an out-of-band response gives nothing to interrupt.
    const idle = new CallControlsState();
    idle.observe({ type: "response.created", response: { id: "oob2", conversation_id: null } });
    expect(idle.canInterrupt).toBe(false);
  });

  it("a new session forgets the old one", () => {
    const state = new CallControlsState();
    playing(state);
    state.observe({ type: "session.created", session: {} });
    expect(state.canInterrupt).toBe(false);
  });

  it("push-to-talk clears on press, commits and asks for a response on release", () => {
    expect(pushToTalkPress(ids)).toEqual([{ type: "input_audio_buffer.clear", event_id: "e1" }]);
    expect(pushToTalkRelease(ids)).toEqual([
      { type: "input_audio_buffer.commit", event_id: "e2" },
      { type: "response.create", event_id: "e3" },
    ]);
  });

  it("records tool outcomes from the kernel", () => {
    const state = new CallControlsState();
    expect(state.toolResult({ type: "tool-result" })).toBeNull();
    const outcome = state.toolResult({ type: "tool-result", call_id: "c1", name: "div", ok: false, error: "ZeroDivisionError: x", duration_ms: 2 });
    expect(outcome).toEqual({ callId: "c1", name: "div", ok: false, error: "ZeroDivisionError: x", durationMs: 2 });
    expect(state.tools.get("c1")?.ok).toBe(false);
  });

  it("leaves no in-conversation response running at the end of the shared fixtures (out-of-band ones never are)", () => {
    const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "tests", "fixtures");
    const names = readdirSync(fixtures).filter((f) => f.endsWith(".jsonl"));
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const name of names) {
      const state = new CallControlsState();
      for (const line of readFileSync(join(fixtures, name), "utf8").split("\n")) {
        if (!line.trim()) continue;
        const record = JSON.parse(line) as { direction?: unknown; event?: unknown };
        if (record.direction === "server" && typeof record.event === "object" && record.event !== null) state.observe(record.event as JsonObject);
      }
      expect([name, state.activeResponse]).toEqual([name, null]);
    }
  });
});
