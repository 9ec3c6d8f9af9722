"""Responses-delegated function calls of GPT-Live, translated for the one tool runner."""

from __future__ import annotations

from typing import Any

import pytest

from realtime_widget.protocols.live_tools import LiveToolFeed, live_tool_event


def _wrapped(inner: dict[str, Any], delegation: str | None = "dlg_1") -> dict[str, Any]:
    return {"type": "response.event", "event_id": "ev", "delegation_id": delegation, "event": inner}


def test_a_function_call_of_the_backend_reaches_the_runner_under_its_response() -> None:
    feed = LiveToolFeed()
    call = {
        "type": "function_call",
        "call_id": "call_1",
        "name": "weather",
        "arguments": '{"city": "Paris"}',
        "status": "completed",
    }
    assert feed(_wrapped({"type": "response.created", "response": {"id": "resp_1"}})) == []
    assert feed(_wrapped({"type": "response.output_item.done", "item": call})) == [
        {"type": "response.output_item.done", "item": call, "response_id": "resp_1"}
    ]
    # Lifecycle snapshots come with output cleared; the id is remembered.
    done = feed(_wrapped({"type": "response.completed", "response": {"output": []}}))
    assert done == [
        {"type": "response.done", "response": {"id": "resp_1", "status": "completed", "output": []}}
    ]
    assert feed({"type": "session.output_transcript.delta", "delta": "hi"}) == []
    assert feed(_wrapped({"type": "response.output_text.delta", "delta": "x"})) == []


def test_the_runners_events_become_live_client_events() -> None:
    output = {
        "type": "conversation.item.create",
        "item": {"type": "function_call_output", "call_id": "call_1", "output": "22 C"},
    }
    assert live_tool_event(output) == {
        "type": "response.item.create",
        "item": {"type": "function_call_output", "call_id": "call_1", "output": "22 C"},
    }
    assert live_tool_event({"type": "response.create"}) == {"type": "response.create"}
    answer = {"type": "session.commentary.append", "content": "x", "delegation_id": "d"}
    assert live_tool_event(answer) == answer
    with pytest.raises(ValueError, match="no GPT-Live equivalent"):
        live_tool_event({"type": "response.cancel"})
