"""Read the role, kind and text of a GA conversation item (pure).

These functions look only at one item object (a message, a function call or output, an MCP
item, or a type this package does not know) and never at reducer state, so the reducer's
folding rules stay apart from the details of the item shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

#: Kinds of message items (the text is the content's text or transcript).
MESSAGE_KINDS: Final = ("audio", "text", "image")
#: MCP item types of the SDK's ConversationItem union; each is its own kind.
MCP_KINDS: Final = ("mcp_list_tools", "mcp_call", "mcp_approval_request", "mcp_approval_response")
MCP_ROLES: Final = {
    "mcp_list_tools": "tool",
    "mcp_call": "assistant",
    "mcp_approval_request": "assistant",
    "mcp_approval_response": "user",
}


def mcp_text(item: Mapping[str, Any]) -> str:
    """A readable one-line text for an MCP item."""
    itype = item.get("type")
    label = str(item.get("server_label") or "")
    if itype == "mcp_list_tools":
        names = [
            str(t.get("name"))
            for t in item.get("tools") or ()
            if isinstance(t, Mapping) and t.get("name")
        ]
        if label and names:
            return f"{label}: {', '.join(names)}"
        return label or ", ".join(names)
    if itype in ("mcp_call", "mcp_approval_request"):
        call = f"{label}.{item.get('name') or ''}" if label else str(item.get("name") or "")
        text = f"{call}({item.get('arguments') or ''})"
        out = item.get("output")
        if out is not None:
            text += f" → {out}"
        err = item.get("error")
        if isinstance(err, Mapping):
            text += f" → error: {err.get('message') or err.get('type') or 'failed'}"
        return text
    if itype == "mcp_approval_response":
        text = "approved" if item.get("approve") else "denied"
        reason = item.get("reason")
        return f"{text}: {reason}" if reason else text
    return ""


def content_kind(item: Mapping[str, Any]) -> tuple[str, str | None]:
    """(role, kind) of a GA conversation item; kind None while a message has no content
    part yet (an assistant item at output_item.added: its first delta or part says)."""
    itype = item.get("type")
    if itype == "function_call":
        return "assistant", "function_call"
    if itype == "function_call_output":
        return "tool", "function_output"
    if itype in MCP_ROLES:
        return MCP_ROLES[itype], str(itype)
    if isinstance(itype, str) and itype and itype != "message":
        # A type this package does not know: kept, with its type name as kind.
        return str(item.get("role") or "tool"), itype
    role = str(item.get("role") or "")
    content = item.get("content") or ()
    if not content:
        return role, None
    kind = "text"
    for part in content:
        ptype = part.get("type") if isinstance(part, Mapping) else None
        if ptype in ("input_audio", "output_audio", "audio"):
            kind = "audio"
            break
        if ptype == "input_image":
            kind = "image"
    return role, kind


def content_text(item: Mapping[str, Any]) -> str | None:
    """Text of a message item's content, or None while any audio part has no transcript yet."""
    texts: list[str] = []
    for part in item.get("content") or ():
        if not isinstance(part, Mapping):
            continue
        ptype = part.get("type")
        if ptype in ("input_audio", "output_audio", "audio"):
            tr = part.get("transcript")
            if tr is None:
                return None
            texts.append(str(tr))
        elif part.get("text") is not None:
            texts.append(str(part["text"]))
    return "".join(texts)
