"""`@w.tool`: the schema reaches the session, and the model's calls run in the kernel.

A behaviour test across modules: widget.py's `@w.tool`, tools/ and call/core.py.
"""

from __future__ import annotations

from openai.types.realtime import (
    ConversationItemCreateEvent,
    ResponseCreateEvent,
    SessionUpdateEvent,
)

from .conftest import Browser

CALL = {
    "id": "item_1",
    "type": "function_call",
    "status": "completed",
    "call_id": "call_1",
    "name": "add",
    "arguments": '{"a": 2, "b": 3}',
}


def _register(browser: Browser) -> list[tuple[int, int]]:
    seen: list[tuple[int, int]] = []

    @browser.widget.tool
    def add(a: int, b: int) -> int:
        """Add two whole numbers."""
        seen.append((a, b))
        return a + b

    return seen


def test_registering_a_tool_updates_the_live_session(browser: Browser) -> None:
    browser.set_status("connected")
    _register(browser)
    (update,) = browser.client_events()
    SessionUpdateEvent.model_validate(update)
    (spec,) = update["session"]["tools"]
    assert spec["name"] == "add" and spec["type"] == "function"
    assert spec["parameters"]["required"] == ["a", "b"]
    assert update["session"]["tool_choice"] == "auto"
    assert browser.widget.tool_specs == [spec]
    browser.widget.remove_tool("add")
    assert browser.client_events()[-1]["session"] == {"type": "realtime", "tools": []}


async def test_a_function_call_runs_and_is_answered(browser: Browser) -> None:
    seen = _register(browser)
    browser.set_status("connected")
    sent_before = len(browser.client_events())
    browser.server(
        {
            "type": "response.output_item.done",
            "response_id": "resp_1",
            "output_index": 0,
            "item": CALL,
        },
        {
            "type": "response.done",
            "response": {"id": "resp_1", "status": "completed", "output": [CALL]},
        },
    )
    await browser.widget._core.drain_tools()
    assert seen == [(2, 3)]
    output, follow_up = browser.client_events()[sent_before:]
    ConversationItemCreateEvent.model_validate(output)
    ResponseCreateEvent.model_validate(follow_up)
    assert output["item"] == {"type": "function_call_output", "call_id": "call_1", "output": "5"}
    assert follow_up["type"] == "response.create"
