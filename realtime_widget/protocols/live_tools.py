"""Python tools under GPT-Live's Responses delegation, through the one tool runner.

With `delegation={"type": "responses", ...}` the Live session runs a Responses model as its
backend, and that model's function calls reach the application inside `response.event`
(the nested Responses stream event, with the Live `delegation_id`). The application
answers with `response.item.create` (a `function_call_output` item) and `response.create`
(continue the delegated response). `tools.ToolCallRunner` already does the Realtime half
of this (start each call when its item is done, answer it, ask for one response when the
response completed), so this module only translates: Responses stream events in, as the
runner reads them; the runner's client events out, as Live takes them.

Why a stateful feed: Responses' `response.output_item.done` carries no response id, and
its lifecycle snapshots (`response.completed`) arrive with `output` cleared, so the feed
remembers which response each delegation is running (from `response.created`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

JSON = dict[str, Any]

#: Responses' terminal lifecycle events → the status the runner reads in `response.done`.
_TERMINAL: Final = {
    "response.completed": "completed",
    "response.incomplete": "incomplete",
    "response.failed": "failed",
}


class LiveToolFeed:
    """Server events of a Live session → the Realtime-shaped events the tool runner reads."""

    def __init__(self) -> None:
        self._response_of: dict[str | None, str] = {}

    def __call__(self, event: Mapping[str, Any]) -> list[JSON]:
        if event.get("type") != "response.event":
            return []
        inner = event.get("event")
        if not isinstance(inner, Mapping):
            return []
        delegation = event.get("delegation_id")
        key = delegation if isinstance(delegation, str) else None
        kind = inner.get("type")
        response = inner.get("response")
        response = response if isinstance(response, Mapping) else {}
        if kind == "response.created":
            rid = response.get("id")
            if isinstance(rid, str):
                self._response_of[key] = rid
            return []
        if kind == "response.output_item.done":
            return [
                {
                    "type": "response.output_item.done",
                    "item": inner.get("item"),
                    "response_id": self._response_of.get(key),
                }
            ]
        status = _TERMINAL.get(str(kind))
        if status is None:
            return []
        rid = response.get("id")
        if not isinstance(rid, str):
            rid = self._response_of.get(key)
        self._response_of.pop(key, None)
        return [{"type": "response.done", "response": {"id": rid, "status": status, "output": []}}]


def live_tool_event(event: Mapping[str, Any]) -> JSON:
    """The runner's client event (Realtime shape) as GPT-Live takes it.

    `conversation.item.create` of a `function_call_output` → `response.item.create` of the
    same item (a Responses input item has the same three fields); `response.create` →
    Live's `response.create` (which continues the delegated response). A Live event (the
    delegation runner's `session.commentary.append`) passes as it is. Raises ValueError for
    anything else: the runners send nothing else.
    """
    kind = event.get("type")
    if kind == "session.commentary.append":
        return dict(event)
    if kind == "response.create":
        return {"type": "response.create"}
    item = event.get("item")
    output = isinstance(item, Mapping) and item.get("type") == "function_call_output"
    if kind == "conversation.item.create" and isinstance(item, Mapping) and output:
        return {
            "type": "response.item.create",
            "item": {
                "type": "function_call_output",
                "call_id": item.get("call_id"),
                "output": item.get("output"),
            },
        }
    raise ValueError(f"no GPT-Live equivalent of the tool runner's {kind!r} event")
