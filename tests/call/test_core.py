"""`CallCore` with a fake transport and host: every status transition, what waits for the
session, settings and their live updates, interrupt facts, reconnect and expiry, tools."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from .fakes import Call, created, response_created, response_done


def test_a_new_core_is_idle_and_refuses_to_send_with_a_hint() -> None:
    call = Call()
    assert call.core.status == "idle" and not call.core.starting
    with pytest.raises(RuntimeError, match=r"cannot send text while status is 'idle'.*connect"):
        call.core.send_text("hi")
    assert call.transport.sent == [] and call.transport.calls == []


def test_connect_opens_the_transport_and_what_is_sent_meanwhile_waits_in_order() -> None:
    call = Call()
    call.core.connect()
    assert call.transport.calls == ["open"] and call.core.starting
    call.core.send_text("first")  # before the transport even reports connecting
    call.core.status_changed("connecting")
    call.core.send_event({"type": "response.create", "response": {"instructions": "x"}})
    assert call.transport.sent == []
    assert call.host.pending == [["first"], ["first", "response.create"]]
    call.core.status_changed("connected")
    assert call.transport.types() == [
        "conversation.item.create",
        "response.create",
        "response.create",
    ]
    assert call.transport.sent[0]["item"]["content"][0]["text"] == "first"
    assert call.host.pending[-1] == [] and call.core.pending == []
    assert call.core.unsent == []


@pytest.mark.parametrize(
    ("ending", "reason"),
    [
        (("error", "OpenAI rejected the key (401)"), "the connection failed: OpenAI rejected"),
        (("idle", ""), "the call ended before it was ready"),
    ],
)
def test_a_call_that_never_became_ready_reports_everything_queued(
    ending: tuple[Any, str], reason: str
) -> None:
    call = Call()
    call.core.connect()
    call.core.status_changed("connecting")
    call.core.send_text("one")
    call.core.send_text("two")
    with pytest.warns(RuntimeWarning, match="Not sent"):
        call.core.status_changed(*ending)
    assert [p.label for p in call.core.unsent] == ["one", "two"]
    ((level, text),) = call.host.notices
    assert level == "error" and reason in text and "“one”" in text and "“two”" in text
    assert call.host.pending[-1] == []
    assert call.transport.sent == []
    # Nothing is replayed into a later call by surprise.
    call.core.connect()
    call.core.status_changed("connecting")
    call.core.status_changed("connected")
    assert call.transport.sent == []


def test_disconnect_before_ready_reports_the_queue_and_closes() -> None:
    call = Call()
    call.core.connect()
    call.core.send_text("never mind")
    with pytest.warns(RuntimeWarning, match="you disconnected"):
        call.core.disconnect()
    assert call.transport.calls == ["open", "close"]
    assert [p.label for p in call.core.unsent] == ["never mind"]
    assert not call.core.connect_requested and not call.core.starting


def test_connected_sends_at_once_and_a_change_goes_as_one_session_update() -> None:
    call = Call()
    core = call.connected()
    assert call.transport.sent == []  # nothing changed since the call was set up
    core.send_text("hi")
    assert call.transport.types() == ["conversation.item.create", "response.create"]
    event_id = core.change({"instructions": "Be brief."})
    update = call.transport.sent[-1]
    assert update["type"] == "session.update" and update["event_id"] == event_id
    assert update["session"] == {"type": "realtime", "instructions": "Be brief."}
    assert core.change({"instructions": "Be brief."}) is None  # no difference, no event


def test_changes_while_starting_go_in_one_update_when_the_call_is_live() -> None:
    call = Call(instructions="v1")
    call.core.connect()
    payload, snapshot = call.core.settings.for_new_call()
    assert payload["instructions"] == "v1"
    call.core.settings.minted(snapshot)  # the secret carries v1
    call.core.change({"instructions": "v2"})
    call.core.change({"voice": "cedar"})
    assert call.transport.sent == []
    call.core.status_changed("connecting")
    call.core.status_changed("connected")
    (update,) = call.transport.sent
    assert update["session"] == {
        "type": "realtime",
        "instructions": "v2",
        "audio": {"output": {"voice": "cedar"}},
    }


def test_update_checks_everything_first_then_sends_once_and_mirrors() -> None:
    call = Call()
    core = call.connected()
    with pytest.raises(ValueError):
        core.update({"instructions": "ok", "voice": "no-such-voice"})
    assert call.transport.sent == [] and call.host.mirrored == []
    assert core.settings.values["instructions"] != "ok"
    event_id = core.update({"instructions": "ok", "speed": 1.2})
    assert call.transport.types() == ["session.update"]
    assert call.transport.sent[0]["event_id"] == event_id
    assert call.host.mirrored == [{"instructions": "ok", "speed": 1.2}]
    assert core.update({"model": "gpt-realtime-2.1-mini"}) is None  # next call only
    assert core.settings.settings().model == "gpt-realtime-2.1-mini"


def test_a_refused_update_rolls_back_mirrors_and_tells_the_host() -> None:
    call = Call(instructions="v1")
    core = call.connected()
    first = core.change({"instructions": "v2"})
    call.server({"type": "session.updated", "event_id": "ev_u", "session": {"type": "realtime"}})
    refused = core.change({"instructions": "v3"})
    with pytest.warns(RuntimeWarning, match="refused"):
        call.server(
            {
                "type": "error",
                "event_id": "ev_e",
                "error": {
                    "type": "invalid_request_error",
                    "message": "nope",
                    "code": "bad",
                    "event_id": refused,
                },
            }
        )
    assert first != refused
    assert core.settings.values["instructions"] == "v2"
    assert call.host.mirrored == [{"instructions": "v2"}]
    assert core.settings.session_error is not None
    assert core.settings.session_error.attempted == {"instructions": "v3"}
    ((level, text),) = call.host.notices
    assert level == "error" and "nope (bad)" in text


def test_the_voice_is_locked_once_the_model_has_spoken_in_this_call() -> None:
    call = Call(voice="marin")
    core = call.connected()
    core.check_change({"voice": "cedar"})  # fine before the model speaks
    call.server({"type": "output_audio_buffer.started", "event_id": "e", "response_id": "r1"})
    assert core.facts.model_spoke
    with pytest.raises(ValueError, match="already spoken"):
        core.check_change({"voice": "cedar"})
    core.check_change({"voice": "marin"})  # the same voice is no change
    core.status_changed("idle")
    core.check_change({"voice": "cedar"})  # the next call may use another voice


def test_interrupt_only_when_the_in_conversation_response_runs_or_audio_plays() -> None:
    call = Call()
    assert call.core.interrupt() is False  # not connected
    core = call.connected()
    assert core.interrupt() is False
    call.server(response_created("oob", out_of_band=True))
    assert core.interrupt() is False  # an out-of-band response is left alone
    call.server(response_created("r1"))
    assert core.facts.active_response == "r1"
    assert core.interrupt() is True
    call.server(response_done("oob"))
    assert core.facts.active_response == "r1"
    call.server(response_done("r1"))
    assert core.interrupt() is False
    call.server({"type": "output_audio_buffer.started", "event_id": "e1", "response_id": "r1"})
    assert core.interrupt() is True
    call.server({"type": "output_audio_buffer.cleared", "event_id": "e2", "response_id": "r1"})
    assert core.interrupt() is False
    assert call.transport.calls.count("interrupt") == 2


def test_a_second_session_in_one_conversation_marks_a_boundary_before_it() -> None:
    call = Call()
    core = call.connected()
    call.core.status_changed("idle")
    core.connect()
    core.status_changed("connecting")
    core.status_changed("connected")
    call.server({"type": "rate_limits.updated", "event_id": "r", "rate_limits": []}, created("s2"))
    types = [r[2]["type"] for r in call.conversation.raw_events if isinstance(r[2], dict)]
    assert types == [
        "session.created",
        "rate_limits.updated",
        "realtime_widget.session_boundary",
        "session.created",
    ]
    assert core.facts.sessions == 2


def _expire(call: Call) -> None:
    call.server(
        {
            "type": "error",
            "event_id": "ev_x",
            "error": {
                "type": "invalid_request_error",
                "code": "session_expired",
                "message": "Your session hit the maximum duration of 60 minutes.",
            },
        }
    )


def test_expiry_waits_for_the_user_unless_auto_reconnect() -> None:
    call = Call()
    call.connected()
    _expire(call)
    assert call.transport.calls == ["open"] and not call.core.facts.expired


def test_expiry_with_auto_reconnect_starts_a_call_that_gets_the_earlier_turns() -> None:
    call = Call()
    core = call.connected()
    core.auto_reconnect = True
    call.server(
        {
            "type": "conversation.item.added",
            "event_id": "ev_i",
            "previous_item_id": None,
            "item": {
                "id": "item_u",
                "type": "message",
                "role": "user",
                "status": "completed",
                "content": [{"type": "input_text", "text": "My name is Ada."}],
            },
        }
    )
    _expire(call)
    assert call.transport.calls == ["open", "close", "open"]
    core.status_changed("idle")
    core.status_changed("connecting")
    core.status_changed("connected")
    restored = [e for e in call.transport.sent if e["type"] == "conversation.item.create"]
    assert [e["item"]["content"][0]["text"] for e in restored] == ["My name is Ada."]


def test_callback_errors_of_one_batch_make_one_notice() -> None:
    call = Call()
    core = call.connected()

    def boom(event: dict[str, Any]) -> None:
        raise ZeroDivisionError("x")

    call.conversation.on("rate_limits.updated", boom)
    call.server(
        *({"type": "rate_limits.updated", "event_id": f"r{i}", "rate_limits": []} for i in range(3))
    )
    ((level, text),) = call.host.notices
    assert level == "error" and "and 2 more callback error(s)" in text
    assert len(call.conversation) == 4  # ingest went on
    assert core.status == "connected"


async def test_a_python_tool_answers_and_asks_for_the_next_response() -> None:
    call = Call()
    core = call.connected()

    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    core.tools.add(add)
    item = {
        "id": "item_f",
        "type": "function_call",
        "status": "completed",
        "call_id": "call_1",
        "name": "add",
        "arguments": '{"a": 2, "b": 3}',
    }
    call.server(
        response_created("r1"),
        {
            "type": "response.output_item.done",
            "event_id": "ev_o",
            "response_id": "r1",
            "output_index": 0,
            "item": item,
        },
    )
    await core.drain_tools()
    done = response_done("r1")
    done["response"]["output"] = [item]
    call.server(done)
    await core.drain_tools()
    await asyncio.sleep(0)
    assert call.transport.types() == ["conversation.item.create", "response.create"]
    assert call.transport.sent[0]["item"] == {
        "type": "function_call_output",
        "call_id": "call_1",
        "output": "5",
    }
    ((finished, result),) = call.host.tools
    assert finished.name == "add" and result.ok and core.tool_errors == []


def test_the_core_and_the_protocols_import_no_widget_code() -> None:
    """Checked statically: the core runs without ipywidgets, anywidget or traitlets."""
    import ast
    from pathlib import Path

    import realtime_widget

    root = Path(realtime_widget.__file__).parent
    forbidden = {"anywidget", "ipywidgets", "traitlets", "realtime_widget.widget"}
    checked = 0
    for path in [*(root / "call").glob("*.py"), *(root / "protocols").glob("*.py")]:
        checked += 1
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module if not node.level else f"relative:{node.module}"]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in forbidden and name not in forbidden, (
                    f"{path.name} imports {name}"
                )
                assert not name.startswith("relative:widget"), f"{path.name} imports the widget"
    assert checked >= 6
