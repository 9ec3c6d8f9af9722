// Issue 11 in the display: what of a truncated reply was heard (reducer.heardSplit,
// view/transcript.ts updateTurnText, view/text_row.ts), out-of-band responses, MCP kinds.
import { describe, expect, it } from "vitest";
import type { JsonObject } from "../src/protocol";
import { createDisplayState, heardSplit, reduceDisplay, transcriptOf, type DisplayState } from "../src/reducer";
import { textSlot } from "../src/view/text_row";
import { heardParts, transcriptAsText, updateTurnText, whoOf } from "../src/view/transcript";
import { CallControlsState } from "../src/call_controls";
import { EventLog } from "../src/event_log";

function run(events: JsonObject[], state: DisplayState = createDisplayState()): DisplayState {
  for (const e of events) state = reduceDisplay(state, e);
  return state;
}

const TEXT = "The Moon is Earth's only natural satellite.";

describe("heardSplit", () => {
  it("is all heard when never truncated, nothing when cut at 0 ms", () => {
    expect(heardSplit(TEXT, null, 3000)).toEqual({ heard: TEXT, unheard: "" });
    expect(heardSplit(TEXT, 0, 3000)).toEqual({ heard: "", unheard: TEXT });
    expect(heardSplit(TEXT, 5000, 3000)).toEqual({ heard: TEXT, unheard: "" });
  });

  it("cuts the share heard back to a whole word, from the audio length", () => {
    // 43 chars, 1000 of 3000 ms → 14.3 → 14 chars "The Moon is Ea" (mid-word) → "The Moon is".
    expect(heardSplit(TEXT, 1000, 3000)).toEqual({ heard: "The Moon is", unheard: " Earth's only natural satellite." });
  });

  it("uses 60 ms per character without an audio length", () => {
    // 43 × 60 = 2580 ms; 1200 ms → 20 chars "The Moon is Earth's " → at a space → "The Moon is Earth's".
    expect(heardSplit(TEXT, 1200, null)).toEqual({ heard: "The Moon is Earth's", unheard: " only natural satellite." });
  });
});

describe("truncated reply in the display", () => {
  const events: JsonObject[] = [
    { type: "response.created", response: { id: "r1", status: "in_progress", conversation_id: "conv_1" } },
    { type: "response.output_item.added", response_id: "r1", item: { id: "a1", type: "message", role: "assistant", status: "in_progress", content: [] } },
    { type: "response.output_audio_transcript.delta", response_id: "r1", item_id: "a1", delta: TEXT },
    {
      type: "response.done",
      response: {
        id: "r1",
        status: "completed",
        conversation_id: "conv_1",
        output: [{ id: "a1", type: "message", role: "assistant", status: "completed", content: [{ type: "output_audio", transcript: TEXT }] }],
        usage: { input_tokens: 10, output_tokens: 70, total_tokens: 80, output_token_details: { text_tokens: 10, audio_tokens: 60 } },
      },
    },
    { type: "conversation.item.truncated", item_id: "a1", content_index: 0, audio_end_ms: 1000 },
    // A later snapshot with only what the server kept does not cut what was received.
    { type: "conversation.item.retrieved", item: { id: "a1", type: "message", role: "assistant", status: "incomplete", content: [{ type: "output_audio", transcript: "The Moon" }] } },
  ];

  it("keeps the text, records heardMs and the audio length from the output audio tokens", () => {
    const s = run(events);
    const turn = s.turns.get("a1")!;
    expect(turn.text).toBe(TEXT);
    expect(turn.status).toBe("interrupted");
    expect(turn.heardMs).toBe(1000);
    expect(turn.audioMs).toBe(3000);
    expect(heardParts(turn)).toEqual({ heard: "The Moon is", unheard: " Earth's only natural satellite." });
  });

  it("shows the unheard rest struck through with a title, as text nodes", () => {
    const turn = run(events).turns.get("a1")!;
    const parent = document.createElement("span");
    const slot = textSlot(parent);
    expect(updateTurnText(slot, turn, turn.text)).not.toBe("same");
    expect(parent.textContent).toBe(TEXT);
    const s = parent.querySelector("s.rtw-unheard")!;
    expect(s.textContent).toBe(" Earth's only natural satellite.");
    expect(s.getAttribute("title")).toBe("not heard — not in the model's context");
    expect(s.childNodes).toHaveLength(1);
    expect(s.firstChild!.nodeType).toBe(Node.TEXT_NODE);
    expect(slot.node.data).toBe("The Moon is");
    expect(updateTurnText(slot, turn, turn.text)).toBe("same");
  });

  it("does not take markup in the text as HTML", () => {
    const turn = { ...run(events).turns.get("a1")!, text: "<b>bold</b> and <i>more</i> words here" };
    const parent = document.createElement("span");
    updateTurnText(textSlot(parent), turn, turn.text);
    expect(parent.querySelector("b, i")).toBeNull();
    expect(parent.textContent).toBe(turn.text);
  });

  it("copies the transcript with the unheard part marked", () => {
    const s = run(events);
    const text = transcriptAsText(transcriptOf(s), new EventLog());
    expect(text).toBe("Assistant: The Moon is [not heard: Earth's only natural satellite.] [interrupted]");
  });

  it("hides the unheard part again when a turn has none", () => {
    const parent = document.createElement("span");
    const slot = textSlot(parent);
    const turn = run(events).turns.get("a1")!;
    updateTurnText(slot, turn, turn.text);
    updateTurnText(slot, { ...turn, heardMs: null }, turn.text);
    expect((parent.querySelector("s.rtw-unheard") as HTMLElement).hidden).toBe(true);
    expect(slot.node.data).toBe(TEXT);
  });
});

describe("out-of-band responses", () => {
  it("are no turns, do not touch the active response, and count in the billed totals", () => {
    const events: JsonObject[] = [
      { type: "response.created", response: { id: "r1", status: "in_progress", conversation_id: "conv_1" } },
      { type: "response.created", response: { id: "oob", status: "in_progress", conversation_id: null, metadata: { purpose: "x" } } },
      { type: "response.output_item.added", response_id: "oob", item: { id: "x1", type: "message", role: "assistant", status: "in_progress", content: [] } },
      { type: "response.output_text.delta", response_id: "oob", item_id: "x1", delta: "question" },
      { type: "response.function_call_arguments.delta", response_id: "oob", item_id: "x2", delta: "{}" },
      {
        type: "response.done",
        response: { id: "oob", status: "completed", conversation_id: null, output: [{ id: "x1", type: "message", role: "assistant", content: [{ type: "output_text", text: "question" }] }], usage: { input_tokens: 5, output_tokens: 1, total_tokens: 6 } },
      },
    ];
    const s = run(events);
    expect(transcriptOf(s)).toEqual([]);
    // The running response and the billed totals are the call controls' and the event log's.
    const controls = new CallControlsState();
    const log = new EventLog();
    for (const event of events) {
      controls.observe(event);
      log.push({ t: 0, dir: "server", event });
    }
    expect(controls.activeResponse).toBe("r1"); // r1 is still running
    expect([...log.responses.values()].filter((r) => r.counts !== null)).toHaveLength(1);
    expect(log.sessionTokens().responses.total_tokens).toBe(6);
  });

  it("a response without conversation_id (old logs) is in the conversation", () => {
    const s = run([
      { type: "response.created", response: { id: "r1", status: "in_progress" } },
      { type: "response.output_text.delta", response_id: "r1", item_id: "a1", delta: "hi" },
    ]);
    expect(transcriptOf(s).map((t) => t.text)).toEqual(["hi"]);
  });
});

describe("MCP and unknown items", () => {
  it("get their type as kind and a readable text", () => {
    const s = run([
      { type: "conversation.item.added", previous_item_id: null, item: { id: "l1", type: "mcp_list_tools", server_label: "wiki", tools: [] } },
      { type: "conversation.item.done", previous_item_id: null, item: { id: "l1", type: "mcp_list_tools", server_label: "wiki", tools: [{ name: "ask", input_schema: {} }, { name: "read", input_schema: {} }] } },
      { type: "conversation.item.added", previous_item_id: "l1", item: { id: "q1", type: "mcp_approval_request", server_label: "wiki", name: "ask", arguments: "{}" } },
      { type: "conversation.item.added", previous_item_id: "q1", item: { id: "p1", type: "mcp_approval_response", approval_request_id: "q1", approve: false, reason: "not now" } },
      { type: "conversation.item.done", previous_item_id: "p1", item: { id: "c1", type: "mcp_call", server_label: "wiki", name: "ask", arguments: "{}", error: { type: "http_error", code: 500, message: "boom" } } },
      { type: "conversation.item.done", previous_item_id: "c1", item: { id: "z1", type: "future_thing", role: "assistant", content: [{ type: "output_text", text: "later" }] } },
    ]);
    expect(transcriptOf(s).map((t) => [t.itemId, t.role, t.kind, t.text, t.status])).toEqual([
      ["l1", "tool", "mcp_list_tools", "wiki: ask, read", "complete"],
      ["q1", "assistant", "mcp_approval_request", "wiki.ask({})", "partial"],
      ["p1", "user", "mcp_approval_response", "denied: not now", "complete"],
      ["c1", "assistant", "mcp_call", "wiki.ask({}) → error: boom", "failed"],
      ["z1", "assistant", "future_thing", "later", "complete"],
    ]);
    expect(s.turns.get("c1")!.error).toBe("boom");
    expect(whoOf(s.turns.get("l1")!)).toBe("MCP tools");
    expect(whoOf(s.turns.get("z1")!)).toBe("Assistant");
  });

  it("a failed tool listing is failed", () => {
    const s = run([
      { type: "conversation.item.added", previous_item_id: null, item: { id: "l1", type: "mcp_list_tools", server_label: "wiki", tools: [] } },
      { type: "mcp_list_tools.failed", item_id: "l1" },
    ]);
    expect(s.turns.get("l1")!.status).toBe("failed");
  });
});
