"""The conversation: its items in order, and `conversation.item.create/retrieve/delete/truncate`.

`Conversation` owns the item list, each item's audio length (ms, what usage bills and a
truncate may cut), the last user turn a response will answer and the function call
outputs given since the last response. The other layers add items through `insert`
(input audio commits, response output) and read the rest.
"""

from __future__ import annotations

import base64
from typing import Any

from .engine_context import EngineContext, new_id

# The string fields a client's function-call items must carry, by item type.
_FUNCTION_ITEM_STRINGS: dict[str, tuple[str, ...]] = {
    "function_call_output": ("call_id", "output"),
    "function_call": ("name", "arguments"),
}
# The content part types each role may send, and the field each part needs.
_ALLOWED_PARTS: dict[str, tuple[str, ...]] = {
    "user": ("input_text", "input_audio", "input_image"),
    "system": ("input_text",),
    "assistant": ("output_text", "output_audio"),
}
# An assistant `output_audio` part is refused without `text` (the real server's answer,
# openai/openai-agents-js#963), even when it has `transcript`.
_PART_FIELD: dict[str, str] = {
    "input_text": "text",
    "output_text": "text",
    "output_audio": "text",
    "input_audio": "audio",
}


def validate_item(item: Any) -> tuple[str, str, str] | None:
    """(param, code, message) of the first problem with a client item, or None."""
    if not isinstance(item, dict):
        return ("item", "invalid_type", "Invalid type for 'item': expected an object.")
    kind = item.get("type")
    if kind == "message":
        role = item.get("role")
        if role not in _ALLOWED_PARTS:
            return (
                "item.role",
                "invalid_value",
                f"Invalid value: '{role}'. Supported values are: 'user', 'system', 'assistant'.",
            )
        content = item.get("content")
        if not isinstance(content, list):
            return (
                "item.content",
                "missing_required_parameter",
                "Missing required parameter: 'item.content'.",
            )
        for i, part in enumerate(content):
            ptype = part.get("type") if isinstance(part, dict) else None
            if ptype not in _ALLOWED_PARTS[role]:
                supported = ", ".join(f"'{t}'" for t in _ALLOWED_PARTS[role])
                return (
                    f"item.content[{i}].type",
                    "invalid_value",
                    f"Invalid value: '{ptype}'. Supported values are: {supported}.",
                )
            key = _PART_FIELD.get(ptype)
            if key is not None and not isinstance(part.get(key), str):
                if ptype == "input_audio" and part.get("transcript") is not None:
                    continue
                return (
                    f"item.content[{i}].{key}",
                    "missing_required_parameter",
                    f"Missing required parameter: 'item.content[{i}].{key}'.",
                )
        return None
    required = _FUNCTION_ITEM_STRINGS.get(kind) if isinstance(kind, str) else None
    if required is not None:
        for key in required:
            if not isinstance(item.get(key), str):
                return (
                    f"item.{key}",
                    "missing_required_parameter",
                    f"Missing required parameter: 'item.{key}'.",
                )
        return None
    return (
        "item.type",
        "invalid_value",
        f"Invalid value: '{kind}'. Supported values are: 'message', 'function_call', "
        "'function_call_output'.",
    )


class Conversation:
    def __init__(self, ctx: EngineContext) -> None:
        self._ctx = ctx
        self.items: list[dict[str, Any]] = []
        self.item_audio_ms: dict[str, float] = {}
        # The last user turn: (text if known, audio ms if spoken); a response consumes it.
        self.last_user: tuple[str | None, float | None] = (None, None)
        # function_call_output items created since the last in-conversation response.
        self.pending_outputs: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ order

    def index(self, item_id: str) -> int | None:
        for i, item in enumerate(self.items):
            if item.get("id") == item_id:
                return i
        return None

    def insert(self, item: dict[str, Any], previous_item_id: str | None = None) -> str | None:
        """Add an item after `previous_item_id` (end when None); returns the real previous id."""
        if previous_item_id is None:
            prev = self.items[-1]["id"] if self.items else None
            self.items.append(item)
            return prev
        if previous_item_id == "root":
            self.items.insert(0, item)
            return None
        idx = self.index(previous_item_id)
        assert idx is not None
        self.items.insert(idx + 1, item)
        return previous_item_id

    def truncate(self, item: dict[str, Any], content_index: int, end_ms: float) -> None:
        """Cut an assistant item's audio at `end_ms` and drop its transcript.

        The real server removes the server-side transcript of a truncated part, so that
        no text the user did not hear stays in the model's context: the item then shows
        `transcript: null` and later responses bill only the audio that was kept.
        """
        total = self.item_audio_ms.get(item["id"], 0.0)
        part = item["content"][content_index]
        part["transcript"] = None
        part.pop("text", None)
        self.item_audio_ms[item["id"]] = min(end_ms, total)

    # ------------------------------------------------------------------ client events

    def on_create(self, evt: dict[str, Any], event_id: str | None) -> None:
        ctx = self._ctx
        problem = validate_item(evt.get("item"))
        if problem is not None:
            ctx.error(problem[1], problem[2], param=problem[0], event_id=event_id)
            return
        prev = evt.get("previous_item_id")
        if prev is not None and prev != "root" and self.index(prev) is None:
            ctx.error(
                "invalid_value",
                f"Invalid 'previous_item_id': no item with id '{prev}' in the conversation.",
                param="previous_item_id",
                event_id=event_id,
            )
            return
        src: dict[str, Any] = evt["item"]
        item_id = src.get("id") or new_id("item_")
        if self.index(item_id) is not None:
            ctx.error(
                "invalid_value",
                f"Invalid 'item.id': an item with id '{item_id}' already exists.",
                param="item.id",
                event_id=event_id,
            )
            return
        item = self._stored_item(item_id, src)
        previous = self.insert(item, prev)
        if item.get("role") == "user":
            texts = [p.get("text") for p in item["content"] if p.get("type") == "input_text"]
            self.last_user = (" ".join(t for t in texts if t) or None, None)
        ctx.send({"type": "conversation.item.added", "previous_item_id": previous, "item": item})
        ctx.send({"type": "conversation.item.done", "previous_item_id": previous, "item": item})

    def _stored_item(self, item_id: str, src: dict[str, Any]) -> dict[str, Any]:
        """The item as the server keeps it (a validated client item)."""
        item: dict[str, Any] = {"id": item_id, "type": src["type"], "object": "realtime.item"}
        if src["type"] == "message":
            item.update(status="completed", role=src["role"])
            content = []
            for part in src["content"]:
                part = dict(part)
                if part["type"] == "input_audio":
                    raw = base64.b64decode(part.get("audio") or "")
                    self.item_audio_ms[item_id] = len(raw) / 2 / 24.0  # pcm16 at 24 kHz
                    part.setdefault("transcript", None)
                    part.pop("audio", None)
                elif part["type"] == "output_audio":
                    # The given text stands for what the assistant said.
                    part.setdefault("transcript", part["text"])
                content.append(part)
            item["content"] = content
        elif src["type"] == "function_call_output":
            item.update(status="completed", call_id=src["call_id"], output=src["output"])
            self.pending_outputs.append(item)
        else:
            item.update(
                status="completed",
                name=src["name"],
                call_id=src.get("call_id") or new_id("call_", 16),
                arguments=src["arguments"],
            )
        return item

    def _named_item(
        self, evt: dict[str, Any], event_id: str | None, action: str, doing: str
    ) -> tuple[str, int] | None:
        """(id, index) of the item a retrieve/delete/truncate names; None once the real API's
        `item_<action>_invalid_item_id` error has been sent."""
        item_id = str(evt.get("item_id"))
        idx = self.index(item_id)
        if idx is None:
            self._ctx.error(
                f"item_{action}_invalid_item_id",
                f"Error {doing} item: the item with id '{item_id}' does not exist.",
                param="item_id",
                event_id=event_id,
            )
            return None
        return item_id, idx

    def on_retrieve(self, evt: dict[str, Any], event_id: str | None) -> None:
        found = self._named_item(evt, event_id, "retrieve", "retrieving")
        if found is None:
            return
        self._ctx.send({"type": "conversation.item.retrieved", "item": self.items[found[1]]})

    def on_delete(self, evt: dict[str, Any], event_id: str | None) -> None:
        found = self._named_item(evt, event_id, "delete", "deleting")
        if found is None:
            return
        item_id, idx = found
        del self.items[idx]
        self._ctx.send({"type": "conversation.item.deleted", "item_id": item_id})

    def on_truncate(self, evt: dict[str, Any], event_id: str | None) -> None:
        ctx = self._ctx
        found = self._named_item(evt, event_id, "truncate", "truncating")
        if found is None:
            return
        item_id, idx = found
        item = self.items[idx]
        ci = evt.get("content_index", 0)
        content = item.get("content") or []
        if (
            item.get("role") != "assistant"
            or not isinstance(ci, int)
            or not 0 <= ci < len(content)
            or content[ci].get("type") != "output_audio"
        ):
            ctx.error(
                "invalid_value",
                "Only assistant messages with audio content can be truncated; "
                f"item '{item_id}' has no audio at content_index {ci}.",
                param="content_index",
                event_id=event_id,
            )
            return
        end = evt.get("audio_end_ms")
        total = self.item_audio_ms.get(item_id, 0.0)
        if not isinstance(end, int) or end < 0:
            ctx.error(
                "invalid_type",
                "Invalid type for 'audio_end_ms': expected a non-negative integer.",
                param="audio_end_ms",
                event_id=event_id,
            )
            return
        if end > total + 1:
            ctx.error(
                "invalid_value",
                f"Audio content of {total:.0f}ms is already shorter than {end}ms",
                param="audio_end_ms",
                event_id=event_id,
            )
            return
        self.truncate(item, ci, float(end))
        ctx.send(
            {
                "type": "conversation.item.truncated",
                "item_id": item_id,
                "content_index": ci,
                "audio_end_ms": end,
            }
        )
