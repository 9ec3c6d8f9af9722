"""Client events that hand a tool's result back to the model (GA shapes)."""

from __future__ import annotations

from typing import Any

from .registry import ToolResult

__all__ = ["function_call_output_events"]


def function_call_output_events(
    call_id: str, result: ToolResult | str, *, respond: bool = True
) -> list[dict[str, Any]]:
    """``conversation.item.create`` with the ``function_call_output``, then ``response.create``.

    The API does not answer a function call by itself: the client must add the
    output item and ask for a new response. Pass ``respond=False`` when several
    calls of one response are answered and only the last should ask for a response.
    """
    if not call_id:
        raise ValueError("call_id is empty; use the call_id of the function_call item.")
    output = result.output if isinstance(result, ToolResult) else result
    events: list[dict[str, Any]] = [
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": call_id, "output": output},
        }
    ]
    if respond:
        events.append({"type": "response.create"})
    return events
