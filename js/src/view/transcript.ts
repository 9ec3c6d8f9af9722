// Per-turn extras in the transcript (time, latency badge, how much of an
// interrupted reply was heard, a button to inspect the turn's events) and the
// transcript as plain text for "Copy transcript".
import { heardSplit, type Turn } from "../reducer";
import { button, formatClock, h } from "./dom";
import type { EventLog } from "../event_log";
import { updateText, type TextSlot, type TextUpdate } from "./text_row";

const WHO: Record<Turn["role"], string> = { user: "You", assistant: "Assistant", system: "System", tool: "Tool" };
const WHO_KIND: Record<string, string> = {
  function_call: "Tool call",
  mcp_list_tools: "MCP tools",
  mcp_call: "MCP call",
  mcp_approval_request: "MCP approval request",
  mcp_approval_response: "MCP approval",
  // GPT-Live's context rows (js/src/reducer/live.ts): what the application sent, not speech.
  commentary: "Context you sent (the model may speak about it)",
  thinking: "Silent context you sent",
  delegation_output: "Your application's answer",
};
/** GPT-Live delegations, by where the model handed the work (the row's name). */
const DELEGATED_TO: Record<string, string> = {
  client: "Delegated to your application",
  responses: "Delegated to Responses",
  decisions: "Delegated to Decisions",
};

/** The heard and unheard parts of a turn's text (all heard unless it was truncated). */
export function heardParts(turn: Turn): { heard: string; unheard: string } {
  return heardSplit(turn.text, turn.heardMs, turn.audioMs);
}

/**
 * Shows `target` (the row's text for `turn`) in `slot`; when it is the text of a
 * truncated reply, the part not heard is struck through with a tooltip ("not heard — not
 * in the model's context"). Text nodes only, never HTML.
 */
export function updateTurnText(slot: TextSlot, turn: Turn, target: string): TextUpdate {
  if (turn.heardMs === null || target !== turn.text) return updateText(slot, target);
  return updateText(slot, target, heardParts(turn).heard.length);
}

export interface TurnExtras {
  /** Changes whenever the nodes would: the view redraws a row's extras only then. */
  key: string;
  nodes: Node[];
}

export function whoOf(turn: Turn): string {
  if (turn.kind === "delegation") return DELEGATED_TO[turn.name ?? ""] ?? "Delegated";
  return WHO_KIND[turn.kind] ?? WHO[turn.role];
}

/** Cheap (a few map reads): the view calls it per turn per frame and builds nodes only when it changes. */
export function turnExtrasKey(turn: Turn, log: EventLog): string {
  const t = log.itemFirstT.get(turn.itemId);
  const latency = turn.role === "assistant" ? log.latencyOfItem(turn.itemId) : null;
  const heard = log.heardMs.get(turn.itemId) ?? turn.heardMs ?? undefined;
  return `${t ?? ""}|${latency ?? ""}|${heard ?? ""}|${turn.status}|${turn.kind}`;
}

export function turnExtras(turn: Turn, log: EventLog): TurnExtras {
  const t = log.itemFirstT.get(turn.itemId);
  const latency = turn.role === "assistant" ? log.latencyOfItem(turn.itemId) : null;
  const heard = log.heardMs.get(turn.itemId) ?? turn.heardMs ?? undefined;
  const key = turnExtrasKey(turn, log);
  const nodes: Node[] = [];
  if (t !== undefined) {
    const time = h("time", "rtw-time", formatClock(t));
    time.dateTime = new Date(t).toISOString();
    nodes.push(time);
  }
  if (latency !== null) {
    const badge = h("span", "rtw-latency", `${Math.round(latency)} ms`);
    badge.title = "Latency: from the end of your speech (or your message) to the first reply text, as in w.latency (to_first_delta_ms)";
    nodes.push(badge);
  }
  if (turn.status === "interrupted") {
    const text = heard !== undefined ? `interrupted · heard ${(heard / 1000).toFixed(1)} s` : "interrupted";
    const mark = h("span", "rtw-interrupted-mark", text);
    mark.title =
      heard !== undefined
        ? "You spoke over this reply; the server kept only the first " +
          `${(heard / 1000).toFixed(1)} s of its audio (conversation.item.truncated). The struck-through rest was not heard and is not in the model's context.`
        : "This reply was cut off before it finished.";
    nodes.push(mark);
  }
  const label = `Show the events of the ${whoOf(turn)} turn${t !== undefined ? ` at ${formatClock(t)}` : ""}`;
  nodes.push(button("rtw-turn-events", "events", label));
  return { key, nodes };
}

/** "[14:03:07] You: Hello" lines, in conversation order. */
export function transcriptAsText(turns: Turn[], log: EventLog): string {
  return turns
    .map((turn) => {
      const t = log.itemFirstT.get(turn.itemId);
      const stamp = t !== undefined ? `[${formatClock(t)}] ` : "";
      const { heard, unheard } = heardParts(turn);
      const spoken = unheard.trim() ? `${heard} [not heard: ${unheard.trim()}]` : turn.text;
      const text = turn.kind === "function_call" ? `${turn.name ?? "function"}(${turn.text})` : spoken || (turn.kind === "audio" ? "(speech)" : "");
      // Failed speech is a failed transcription; anything else says its own error (an MCP call, refused GPT-Live context).
      const failed = turn.kind === "audio" ? " [transcription failed]" : ` [failed${turn.error ? `: ${turn.error}` : ""}]`;
      const mark = turn.status === "interrupted" ? " [interrupted]" : turn.status === "failed" ? failed : "";
      return `${stamp}${whoOf(turn)}: ${text}${mark}`;
    })
    .join("\n");
}
