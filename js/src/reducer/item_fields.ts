// What an item snapshot (GA or beta shape) says about its turn: role, kind, text and
// status for messages, function calls and outputs, MCP items and unknown item types.
import { isJsonObject, type JsonObject } from "../protocol";
import type { McpKind, TurnKind, TurnRole, TurnStatus } from "./display_state";
import { obj, str } from "./json_read";

export interface TurnFields {
  role: TurnRole;
  /** null: the item has no content yet (a message at response.output_item.added). */
  kind: TurnKind | null;
  text: string;
  status: TurnStatus;
  name?: string | null;
  error?: string | null;
}

export const MCP_KINDS: readonly McpKind[] = ["mcp_list_tools", "mcp_call", "mcp_approval_request", "mcp_approval_response"];
const MCP_ROLES: Record<McpKind, TurnRole> = {
  mcp_list_tools: "tool",
  mcp_call: "assistant",
  mcp_approval_request: "assistant",
  mcp_approval_response: "user",
};

function isMcpKind(type: string): type is McpKind {
  return (MCP_KINDS as readonly string[]).includes(type);
}

/**
 * What an item (GA or beta shape) says about its turn. `done`: the snapshot is final
 * (conversation.item.done, response.output_item.done, response.done), which is what
 * completes items that have no status field (MCP items, unknown types).
 */
export function fieldsOfItem(item: JsonObject, done = false): TurnFields | null {
  const itemStatus = str(item["status"]);
  const type = str(item["type"]);
  if (isMcpKind(type)) {
    const failed = isJsonObject(item["error"]);
    return {
      role: MCP_ROLES[type],
      kind: type,
      text: mcpText(item),
      status: failed ? "failed" : done || type === "mcp_approval_response" ? "complete" : "partial",
      name: typeof item["name"] === "string" ? item["name"] : null,
      error: failed ? str(obj(item["error"])["message"]) || str(obj(item["error"])["type"]) || "MCP call failed" : null,
    };
  }
  if (type === "function_call") {
    return {
      role: "assistant",
      kind: "function_call",
      text: str(item["arguments"]),
      status: itemStatus === "incomplete" ? "interrupted" : itemStatus === "completed" ? "complete" : "partial",
      name: typeof item["name"] === "string" ? item["name"] : null,
    };
  }
  if (type === "function_call_output") {
    return { role: "tool", kind: "function_output", text: str(item["output"]), status: "complete" };
  }
  if (type && type !== "message") {
    // A type this package does not know: kept, with its type name as kind.
    const r = str(item["role"]);
    const role: TurnRole = r === "user" || r === "assistant" || r === "system" || r === "tool" ? r : "tool";
    return { role, kind: type, text: contentText(item), status: done ? "complete" : "partial" };
  }
  const roleRaw = str(item["role"]);
  const role: TurnRole = roleRaw === "user" || roleRaw === "system" ? roleRaw : "assistant";
  const content = Array.isArray(item["content"]) ? item["content"] : [];
  let kind: TurnKind | null = content.length > 0 ? "text" : null;
  let text = "";
  let hasAudioTranscript = false;
  for (const part of content) {
    const p = obj(part);
    const ptype = str(p["type"]);
    if (ptype === "input_audio" || ptype === "output_audio" || ptype === "audio") {
      kind = "audio";
      if (typeof p["transcript"] === "string") {
        hasAudioTranscript = true;
        text += p["transcript"];
      }
    } else if (typeof p["text"] === "string") {
      text += p["text"];
    }
  }
  let status: TurnStatus;
  if (itemStatus === "incomplete") status = "interrupted";
  else if (role === "user" && kind === "audio") status = hasAudioTranscript ? "complete" : "partial";
  else if (itemStatus === "in_progress") status = "partial";
  else status = "complete";
  return { role, kind, text, status };
}

/** A readable one-line text for an MCP item (same as Python's `conversation.item_content.mcp_text`). */
export function mcpText(item: JsonObject): string {
  const type = str(item["type"]);
  const label = str(item["server_label"]);
  if (type === "mcp_list_tools") {
    const tools = Array.isArray(item["tools"]) ? item["tools"] : [];
    const names = tools.map((t) => str(obj(t)["name"])).filter((n) => n);
    if (label && names.length > 0) return `${label}: ${names.join(", ")}`;
    return label || names.join(", ");
  }
  if (type === "mcp_call" || type === "mcp_approval_request") {
    const name = str(item["name"]);
    let text = `${label ? `${label}.${name}` : name}(${str(item["arguments"])})`;
    if (typeof item["output"] === "string") text += ` → ${item["output"]}`;
    if (isJsonObject(item["error"])) {
      const err = item["error"];
      text += ` → error: ${str(err["message"]) || str(err["type"]) || "failed"}`;
    }
    return text;
  }
  if (type === "mcp_approval_response") {
    const text = item["approve"] === true ? "approved" : "denied";
    const reason = str(item["reason"]);
    return reason ? `${text}: ${reason}` : text;
  }
  return "";
}

function contentText(item: JsonObject): string {
  let text = "";
  for (const part of Array.isArray(item["content"]) ? item["content"] : []) {
    const p = obj(part);
    if (typeof p["transcript"] === "string") text += p["transcript"];
    else if (typeof p["text"] === "string") text += p["text"];
  }
  return text;
}
