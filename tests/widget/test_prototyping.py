"""Live prototyping from Python: session updates and rollback, steering, tools, reconnect.

A behaviour test across modules: widget.py, call/core.py, call/live_settings.py,
call/commands.py, session_control.py, response_create.py, reconnect.py and tools/.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from realtime_widget import RealtimeWidget
from tests.support.openai_types import assert_client_event

from .conftest import KEY, Browser

CREATED = {"type": "session.created", "session": {"type": "realtime"}}


def _connected(browser: Browser) -> RealtimeWidget:
    browser.set_status("connected")
    browser.server(CREATED)
    return browser.widget


def _updates(browser: Browser) -> list[dict[str, Any]]:
    return [e for e in browser.client_events() if e["type"] == "session.update"]


def test_update_session_sends_several_fields_in_one_event(browser: Browser) -> None:
    w = _connected(browser)
    event_id = w.update_session(
        instructions="Speak like a pirate.",
        turn_detection={"type": "semantic_vad", "eagerness": "high"},
        noise_reduction="far_field",
        tools=[{"type": "function", "name": "f", "parameters": {"type": "object"}}],
    )
    (update,) = _updates(browser)
    assert_client_event(update)
    assert update["event_id"] == event_id
    session = update["session"]
    assert session["instructions"] == "Speak like a pirate."
    assert session["audio"]["input"]["turn_detection"] == {
        "type": "semantic_vad",
        "eagerness": "high",
    }
    assert session["audio"]["input"]["noise_reduction"] == {"type": "far_field"}
    assert session["tools"][0]["name"] == "f"
    assert w.instructions == "Speak like a pirate." and w.noise_reduction == "far_field"
    # Nothing differs any more: no second event.
    assert w.update_session(instructions="Speak like a pirate.") is None
    assert len(_updates(browser)) == 1


def test_update_session_is_all_or_nothing(browser: Browser) -> None:
    w = _connected(browser)
    with pytest.raises(ValueError, match="voice"):
        w.update_session(instructions="new", voice="nobody")
    with pytest.raises(TypeError, match="unknown field 'temperature'"):
        w.update_session(instructions="new", temperature=0.3)
    assert w.instructions != "new"
    assert _updates(browser) == []


def test_update_session_while_idle_applies_at_connect(browser: Browser) -> None:
    w = browser.widget
    assert w.update_session(instructions="later", voice="cedar") is None
    assert browser.client_events() == []
    assert w.settings().instructions == "later" and w.settings().voice == "cedar"


def test_rejected_update_rolls_back_and_is_reported(
    browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    w = _connected(browser)
    w.instructions = "v2"
    browser.server({"type": "session.updated", "session": {"type": "realtime"}})
    w.update_session(instructions="v3", voice="ash")
    (_, rejected_update) = _updates(browser)
    with caplog.at_level(logging.WARNING, "realtime_widget"), pytest.warns(RuntimeWarning):
        browser.server(
            {
                "type": "error",
                "event_id": "event_1",
                "error": {
                    "type": "invalid_request_error",
                    "code": "invalid_value",
                    "message": "Invalid value for voice.",
                    "param": "session.audio.output.voice",
                    "event_id": rejected_update["event_id"],
                },
            }
        )
    # Back to what the session uses: v2 was confirmed, marin never changed.
    assert w.instructions == "v2" and w.voice == "marin"
    assert w.session_error is not None
    assert w.session_error.attempted == {"instructions": "v3", "voice": "ash"}
    assert "Invalid value for voice" in caplog.text
    notice = browser.widget.notices[-1]
    assert "refused" in notice["text"] and "instructions, voice" in notice["text"]
    # The rollback itself sends nothing; a new change is diffed against what is in force.
    assert len(_updates(browser)) == 2
    w.instructions = "v4"
    assert _updates(browser)[-1]["session"] == {"type": "realtime", "instructions": "v4"}


def test_error_for_another_event_does_not_roll_back(browser: Browser) -> None:
    w = _connected(browser)
    w.instructions = "v2"
    browser.server(
        {
            "type": "error",
            "event_id": "event_2",
            "error": {"type": "invalid_request_error", "message": "x", "event_id": "evt_other"},
        }
    )
    assert w.instructions == "v2" and w.session_error is None


def test_voice_after_model_spoke_is_refused_up_front(browser: Browser) -> None:
    w = _connected(browser)
    browser.server({"type": "output_audio_buffer.started", "response_id": "resp_1"})
    with pytest.raises(ValueError, match="already spoken"):
        w.voice = "ash"
    with pytest.raises(ValueError, match="already spoken"):
        w.update_session(voice="ash", instructions="x")
    assert w.instructions != "x" and _updates(browser) == []


def test_respond_sends_one_response_create_with_overrides(browser: Browser) -> None:
    w = _connected(browser)
    w.tool_specs = [{"type": "function", "name": "lookup", "parameters": {"type": "object"}}]
    browser.sent.clear()  # (its session.update)
    event_id = w.respond(
        instructions="Answer in French.",
        output_modalities="text",
        voice="cedar",
        tool_choice="lookup",
        max_output_tokens=200,
        conversation="none",
        metadata={"purpose": "test"},
    )
    (event,) = browser.client_events()
    assert_client_event(event)
    assert event["event_id"] == event_id
    assert event["response"] == {
        "instructions": "Answer in French.",
        "output_modalities": ["text"],
        "audio": {"output": {"voice": "cedar"}},
        "tool_choice": {"type": "function", "name": "lookup"},
        "max_output_tokens": 200,
        "conversation": "none",
        "metadata": {"purpose": "test"},
    }
    w.respond()
    assert browser.client_events()[-1] == {
        "type": "response.create",
        "event_id": browser.client_events()[-1]["event_id"],
    }
    with pytest.raises(TypeError, match="temperature"):
        w.respond(temperature=0.5)
    with pytest.raises(ValueError, match="max_output_tokens"):
        w.respond(max_output_tokens=99999)


def test_respond_and_send_text_need_a_connection(browser: Browser) -> None:
    with pytest.raises(RuntimeError, match=r"w\.connect"):
        browser.widget.respond(instructions="x")
    with pytest.raises(RuntimeError, match=r"w\.connect"):
        browser.widget.send_text("hi", role="system")


def test_send_text_system_steers_without_a_response(browser: Browser) -> None:
    w = _connected(browser)
    w.send_text("The user is a child; keep it simple.", role="system")
    (item,) = browser.client_events()
    assert_client_event(item)
    assert item["item"]["role"] == "system"
    assert item["item"]["content"] == [
        {"type": "input_text", "text": "The user is a child; keep it simple."}
    ]
    w.send_text("Hello")
    user, create = browser.client_events()[1:]
    assert user["item"]["role"] == "user" and create["type"] == "response.create"
    w.send_text("Now answer.", role="system", respond=True)
    assert browser.client_events()[-1]["type"] == "response.create"
    with pytest.raises(ValueError, match="role"):
        w.send_text("x", role="assistant")  # type: ignore[arg-type]


def test_add_tool_and_failed_tool_reaches_python_and_view(browser: Browser) -> None:
    w = browser.widget

    def divide(a: float, b: float) -> float:
        """Divide a by b."""
        return a / b

    w.add_tool(divide, name="div", description="Divide two numbers.")
    assert [t["name"] for t in w.tool_specs] == ["div"]
    assert w.tool_specs[0]["description"] == "Divide two numbers."
    assert w.tools.specs() == w.tool_specs
    _connected(browser)
    call = {
        "id": "item_1",
        "type": "function_call",
        "status": "completed",
        "call_id": "call_1",
        "name": "div",
        "arguments": '{"a": 1, "b": 0}',
    }

    async def run() -> None:
        browser.server(
            {
                "type": "response.output_item.done",
                "response_id": "r1",
                "output_index": 0,
                "item": call,
            },
            {
                "type": "response.done",
                "response": {"id": "r1", "status": "completed", "output": [call]},
            },
        )
        await w._core.drain_tools()

    asyncio.run(run())
    (result,) = browser.of_type("tool-result")
    assert result["ok"] is False and result["name"] == "div" and result["call_id"] == "call_1"
    assert "ZeroDivisionError" in result["error"]
    assert len(w.tool_errors) == 1
    output, follow_up = browser.client_events()
    assert_client_event(output)
    assert output["item"]["output"].startswith("Error: ZeroDivisionError")
    assert follow_up["type"] == "response.create"


async def test_tool_timeout_is_configurable(browser: Browser) -> None:
    w = browser.widget
    assert w.tool_timeout_s == 60.0
    w.tool_timeout_s = 0.05

    @w.tool
    async def slow() -> str:
        """Take a long time."""
        await asyncio.sleep(5)
        return "done"

    _connected(browser)
    call = {
        "id": "item_1",
        "type": "function_call",
        "status": "completed",
        "call_id": "call_s",
        "name": "slow",
        "arguments": "{}",
    }
    browser.server(
        {"type": "response.done", "response": {"id": "r1", "status": "completed", "output": [call]}}
    )
    await w._core.drain_tools()
    (result,) = browser.of_type("tool-result")
    assert result["ok"] is False and "TimeoutError" in result["error"]
    with pytest.raises(ValueError, match="tool_timeout_s"):
        w.tool_timeout_s = 0
    with pytest.raises(TypeError, match="tool_timeout_s"):
        RealtimeWidget(api_key=KEY, base_url="http://127.0.0.1:9", tool_timeout_s="5")  # type: ignore[arg-type]


def _talk(browser: Browser) -> None:
    """One text turn, an assistant audio answer and a tool call, as the server reports them."""
    user = {
        "id": "item_u1",
        "type": "message",
        "role": "user",
        "status": "completed",
        "content": [{"type": "input_text", "text": "What is 2+3?"}],
    }
    call = {
        "id": "item_f1",
        "type": "function_call",
        "status": "completed",
        "call_id": "call_1",
        "name": "add",
        "arguments": '{"a":2,"b":3}',
    }
    output = {
        "id": "item_o1",
        "type": "function_call_output",
        "call_id": "call_1",
        "output": "5",
    }
    answer = {
        "id": "item_a1",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_audio", "transcript": "It is 5."}],
    }
    prev = None
    for item in (user, call, output, answer):
        browser.server(
            {"type": "conversation.item.added", "previous_item_id": prev, "item": item},
            {"type": "conversation.item.done", "previous_item_id": prev, "item": item},
        )
        prev = item["id"]


def test_session_expiry_with_auto_reconnect_restores_the_context(browser: Browser) -> None:
    w = browser.widget
    w.auto_reconnect = True
    _connected(browser)
    _talk(browser)
    browser.server(
        {
            "type": "error",
            "event_id": "event_x",
            "error": {
                "type": "invalid_request_error",
                "code": "session_expired",
                "message": "Your session hit the maximum duration of 60 minutes.",
            },
        }
    )
    # The kernel asks for a new call right away (the browser hangs up the old one first).
    assert [m["name"] for m in browser.of_type("command")][-2:] == ["disconnect", "connect"]
    assert browser.client_events() == []  # nothing is sent before the new call is up
    browser.set_status("connecting")
    browser.set_status("connected")
    events = browser.client_events()
    for event in events:
        assert_client_event(event)
    items = [e["item"] for e in events]
    assert [i["type"] for i in items] == [
        "message",
        "function_call",
        "function_call_output",
        "message",
    ]
    assert items[0]["content"] == [{"type": "input_text", "text": "What is 2+3?"}]
    assert items[3] == {
        "id": "item_a1",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "It is 5."}],
    }
    # The second call's session.created marks a boundary; the log stays one conversation.
    browser.server(CREATED)
    assert list(w.events["type"]).count("realtime_widget.session_boundary") == 1
    # The new session's echo of a re-inserted item updates its row: no duplicate turns.
    browser.server(
        {"type": "conversation.item.added", "previous_item_id": None, "item": dict(items[0])}
    )
    assert list(w.transcript["item_id"]).count("item_u1") == 1


def test_expiry_without_auto_reconnect_waits_for_the_user(browser: Browser) -> None:
    w = _connected(browser)
    _talk(browser)
    browser.server(
        {
            "type": "error",
            "error": {"type": "invalid_request_error", "code": "session_expired", "message": "x"},
        }
    )
    assert browser.of_type("command") == []
    browser.set_status("error")
    # The view's "New session with context" button.
    browser.message({"type": "ui", "action": "reconnect"})
    assert [m["name"] for m in browser.of_type("command")] == ["connect"]
    browser.set_status("connecting")
    browser.set_status("connected")
    assert len(browser.client_events()) == 4
    assert w.status == "connected"
