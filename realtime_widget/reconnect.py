"""The conversation so far, as client events that give a new session the same context (pure).

A Realtime session ends after 60 minutes (`session_expired`); audio cannot be carried
over, so a new session gets the earlier turns as text items (GA shapes, accepted by
`conversation.item.create`):

- user speech or text → `message` / role `user` / `input_text` (its transcript);
- assistant speech or text → `message` / role `assistant` / `output_text`: only what
  the model still has. A truncated reply (`heard_ms` set: barge-in, Interrupt) keeps
  only its `heard_text` (the server removed the rest of its transcript, and the user
  never heard it); one cut at 0 ms is left out;
- system text → `message` / role `system` / `input_text`;
- function calls and their outputs → `function_call` / `function_call_output` with the
  same `call_id`, so the model sees which tool answered what.

Turns without text (speech whose transcription failed or was off), deleted items, and
outputs whose call is not kept are left out: the API rejects an output without its call.
MCP items (tool listings, calls, approvals) and item types this package does not know are
left out too: the new session lists its MCP tools itself. Out-of-band responses are never
in the transcript, so they are never re-inserted.

Each item keeps its original `id` (the client may choose item ids): the new session's
echo of it then updates the same transcript row instead of adding a copy, so the
conversation reads as one across sessions, and a second reconnect re-inserts each turn
once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from realtime_widget.conversation.reduce import heard_split

__all__ = ["MAX_ITEM_ID_CHARS", "context_events", "history_items"]

# Longer ids are not reused (the API limits client-chosen item ids to 32 characters).
MAX_ITEM_ID_CHARS = 32


def _text(row: Mapping[str, Any]) -> str:
    value = row.get("text")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _str_or_none(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value)
    return text or None


def history_items(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Conversation items for `conversation.item.create`, from transcript rows in order.

    `rows` are the records of `Conversation.transcript` (`role`, `kind`, `text`,
    `deleted`, `name`, `call_id`, `heard_ms`, `heard_text`); other keys are ignored.
    """
    items: list[dict[str, Any]] = []
    calls: set[str] = set()
    for row in rows:
        item = _item(row, calls)
        if item is None:
            continue
        item_id = _str_or_none(row.get("item_id"))
        if item_id is not None and len(item_id) <= MAX_ITEM_ID_CHARS:
            item = {"id": item_id, **item}
        items.append(item)
    return items


def _item(row: Mapping[str, Any], calls: set[str]) -> dict[str, Any] | None:
    """One row as an item (without id), or None when it is left out; notes kept calls."""
    if row.get("deleted") is True:
        return None
    role = _str_or_none(row.get("role"))
    kind = _str_or_none(row.get("kind"))
    text = _text(row)
    call_id = _str_or_none(row.get("call_id"))
    if kind == "function_call":
        name = _str_or_none(row.get("name"))
        if call_id is None or name is None:
            return None
        calls.add(call_id)
        return {"type": "function_call", "call_id": call_id, "name": name, "arguments": text}
    if kind == "function_output":
        if call_id is None or call_id not in calls:
            return None
        return {"type": "function_call_output", "call_id": call_id, "output": text}
    if kind not in (None, "audio", "text", "image"):
        return None  # MCP items, unknown item types
    if role == "assistant":
        text = _heard(row, text)
    if role in ("user", "system", "assistant") and text.strip():
        part_type = "output_text" if role == "assistant" else "input_text"
        return {"type": "message", "role": role, "content": [{"type": part_type, "text": text}]}
    return None


def _heard(row: Mapping[str, Any], text: str) -> str:
    """What the model still has of an assistant reply: all of it unless it was truncated."""
    heard_ms = row.get("heard_ms")
    if not isinstance(heard_ms, int | float) or math.isnan(heard_ms):
        return text
    if heard_ms <= 0:
        return ""
    heard = row.get("heard_text")
    if isinstance(heard, str):
        return heard
    return heard_split(text, float(heard_ms), None)[0]


def context_events(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One `conversation.item.create` per item, appended in order (no response asked)."""
    return [{"type": "conversation.item.create", "item": dict(item)} for item in items]
