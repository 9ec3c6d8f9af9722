"""RealtimeWidget's Python side: arguments, backend choice, traits, messages, live updates."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import pytest
from openai.types.realtime import (
    ConversationItemCreateEvent,
    ResponseCreateEvent,
    SessionUpdateEvent,
)

import realtime_widget.backend as backend_module
from realtime_widget import RealtimeWidget
from realtime_widget.widget import ReadOnlyTraitError

from .conftest import KEY, Browser


@pytest.mark.parametrize(
    ("kwargs", "exc", "words"),
    [
        ({"voice": "maryn"}, ValueError, ["voice", "'marin'"]),
        ({"turn_detection": {"type": "server_vad", "threshold": 2}}, ValueError, ["threshold"]),
        ({"turn_detection": "push"}, ValueError, ["turn_detection"]),
        ({"transcription": 3}, TypeError, ["transcription"]),
        ({"instructions": None}, TypeError, ["instructions"]),
        ({"noise_reduction": "loud"}, ValueError, ["noise_reduction", "'far_field'"]),
        ({"output_modalities": ["audio", "text"]}, ValueError, ["output_modalities"]),
        ({"secret_ttl_s": 3}, ValueError, ["secret_ttl_s"]),
        ({"batch_interval_ms": 0}, ValueError, ["batch_interval_ms"]),
        ({"batch_max_events": "many"}, TypeError, ["batch_max_events"]),
        ({"base_url": "ftp://x"}, ValueError, ["base_url"]),
        ({"api_key": 42}, TypeError, ["api_key"]),
        ({"log_path": 5}, TypeError, ["log_path"]),
    ],
)
def test_bad_arguments_fail_before_anything_starts(
    monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, Any], exc: type[Exception], words: list[str]
) -> None:
    def no_emulator() -> str:
        raise AssertionError("the emulator must not start for invalid arguments")

    monkeypatch.setattr(backend_module, "emulator_base_url", no_emulator)
    with pytest.raises(exc) as info:
        RealtimeWidget(**kwargs)
    for word in words:
        assert word in str(info.value)


def test_assigning_validates_like_the_constructor(widget: RealtimeWidget) -> None:
    with pytest.raises(ValueError, match="voice 'nobody'"):
        widget.voice = "nobody"
    assert widget.voice == "marin"
    widget.turn_detection = "semantic_vad"
    assert widget.turn_detection == {"type": "semantic_vad"}
    widget.transcription = "whisper-1"
    assert widget.transcription == {"model": "whisper-1"}
    widget.transcription = None
    assert widget.transcription is None
    with pytest.raises(TypeError, match="instructions"):
        widget.instructions = 5


@pytest.mark.parametrize("name", ["status", "error", "call_id", "base_url", "backend"])
def test_reports_are_read_only_in_python(widget: RealtimeWidget, name: str) -> None:
    with pytest.raises(ReadOnlyTraitError, match=f"{name} is read-only in Python"):
        setattr(widget, name, "x")
    with pytest.raises(AttributeError):  # also an AttributeError, like a read-only property
        setattr(widget, name, "x")


def test_the_browser_writes_reports(widget: RealtimeWidget) -> None:
    widget.set_state(
        {"status": "error", "error": "Microphone permission denied", "call_id": "rtc_1"}
    )
    assert (widget.status, widget.error, widget.call_id) == (
        "error",
        "Microphone permission denied",
        "rtc_1",
    )


def test_backend_from_argument_env_or_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    w = RealtimeWidget(api_key=KEY)
    assert (w.backend, w.base_url) == ("openai", "https://api.openai.com")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    w2 = RealtimeWidget(base_url="https://proxy.example/v1")
    assert (w2.backend, w2.base_url, w2._api_key) == ("openai", "https://proxy.example", KEY)
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setattr(backend_module, "emulator_base_url", lambda: "http://127.0.0.1:4321")
    w3 = RealtimeWidget()
    assert (w3.backend, w3.base_url) == ("emulator", "http://127.0.0.1:4321")
    assert w3._api_key.startswith("emulator-")
    # base_url without a key: an emulator started elsewhere (e.g. the CLI).
    w4 = RealtimeWidget(base_url="http://127.0.0.1:5555")
    assert (w4.backend, w4.base_url) == ("emulator", "http://127.0.0.1:5555")


def test_missing_emulator_packages_say_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(sys.modules):
        if (
            name.startswith("realtime_widget.emulator.")
            and name != "realtime_widget.emulator.faults"
        ):
            monkeypatch.delitem(sys.modules, name)
    # What an install made with --no-deps (or a package removed since) sees.
    monkeypatch.setitem(sys.modules, "aiortc", None)
    with pytest.raises(ImportError, match=r"needs 'aiortc'.*pip install realtime-widget "):
        RealtimeWidget()


def test_missing_front_end_build_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RealtimeWidget, "_esm", "export default {}")
    with pytest.raises(FileNotFoundError, match="npm run build"):
        RealtimeWidget(api_key=KEY)


def test_secret_never_in_state_repr_or_logs(
    browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    w = browser.widget
    browser.message({"type": "log", "level": "error", "message": f"fetch failed for {KEY}"})
    browser.message({"type": "rpc", "id": 1, "method": "client_secret", "params": {}})
    for text in (json.dumps(w.get_state(), default=str), repr(w), str(w), caplog.text):
        assert KEY not in text
        assert "SECRET" not in text
    assert "fetch failed for ***" in caplog.text
    assert "_api_key" not in w.keys


def test_events_batches_reach_the_conversation(browser: Browser) -> None:
    browser.batch(
        {
            "t": 1_700_000_000_000.0,
            "dir": "server",
            "event": {"type": "session.created", "session": {}},
        },
        {"t": 1_700_000_000_250.0, "dir": "client", "event": {"type": "response.create"}},
        {"t": 1_700_000_000_500.0, "dir": "server", "raw": "{not json"},
    )
    browser.batch({"t": 1_700_000_001_000.0, "dir": "server", "event": {"type": "x.unknown"}})
    records = browser.widget.conversation.raw_events
    assert records == [
        (1_700_000_000.0, "server", {"type": "session.created", "session": {}}),
        (1_700_000_000.25, "client", {"type": "response.create"}),
        (1_700_000_000.5, "server", "{not json"),
        (1_700_000_001.0, "server", {"type": "x.unknown"}),
    ]
    assert len(browser.widget.events) == 4
    assert browser.widget.lost_batches == 0


def test_sequence_gaps_are_reported(browser: Browser, caplog: pytest.LogCaptureFixture) -> None:
    ev = {"t": 1.0, "dir": "server", "event": {"type": "a"}}
    browser.batch(ev, seq=0)
    browser.batch(ev, seq=3)
    assert browser.widget.lost_batches == 2
    assert "lost 2 events batch(es)" in caplog.text
    caplog.clear()
    browser.batch(ev, seq=0)  # a reloaded page numbers from 0 again: not a loss
    assert browser.widget.lost_batches == 2
    assert "lost" not in caplog.text


def test_malformed_records_are_skipped_and_reported(
    browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    browser.batch(
        {"t": "now", "dir": "server", "event": {"type": "a"}},
        {"t": 1.0, "dir": "sideways", "event": {"type": "a"}},
        {"t": 1.0, "dir": "server"},
        "junk",
        {"t": 2.0, "dir": "server", "event": {"type": "kept"}},
    )
    assert browser.widget.conversation.raw_events == [(0.002, "server", {"type": "kept"})]
    assert "skipped 4 malformed record(s)" in caplog.text


def test_handler_problems_are_logged_not_raised(
    browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    browser.message({"type": "events", "seq": 0, "events": "not a list"})
    browser.message(["not", "a", "dict"])
    browser.message({"type": "mystery"})
    assert "failed to handle a message from the browser" in caplog.text
    assert "unknown type 'mystery'" in caplog.text


def test_a_second_call_gets_a_session_boundary(browser: Browser) -> None:
    created = {"type": "session.created", "session": {"type": "realtime"}}
    browser.server(created, {"type": "response.done", "response": {"id": "r1"}})
    browser.server({"type": "x"}, created)
    types = [e["type"] for _, _, e in browser.widget.conversation.raw_events if isinstance(e, dict)]
    assert types == [
        "session.created",
        "response.done",
        "x",
        "realtime_widget.session_boundary",
        "session.created",
    ]


def test_commands(browser: Browser) -> None:
    browser.widget.connect()
    browser.widget.disconnect()
    assert browser.sent == [
        {"type": "command", "name": "connect"},
        {"type": "command", "name": "disconnect"},
    ]


def test_send_event_validates_before_sending(browser: Browser) -> None:
    w = browser.widget
    with pytest.raises(TypeError, match="dict"):
        w.send_event("response.create")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'type'"):
        w.send_event({"response": {}})
    with pytest.raises(TypeError, match=r"event\['item'\]\['ids'\] is a set"):
        w.send_event({"type": "conversation.item.create", "item": {"ids": {1, 2}}})
    with pytest.raises(TypeError, match="not finite"):
        w.send_event({"type": "x", "value": float("nan")})
    with pytest.raises(ValueError, match="event_id"):
        w.send_event({"type": "x", "event_id": "e" * 513})
    assert browser.sent == []
    event = {"type": "response.cancel"}
    # With no call and none starting, nothing could receive it: refused, not dropped.
    with pytest.raises(RuntimeError, match=r"w\.connect"):
        w.send_event(event)
    assert browser.sent == []
    browser.set_status("connected")
    event_id = w.send_event(event)
    assert event == {"type": "response.cancel"}  # the caller's dict is not changed
    assert browser.sent == [
        {"type": "client-event", "event": {"type": "response.cancel", "event_id": event_id}}
    ]
    assert w.send_event({"type": "response.cancel", "event_id": "mine"}) == "mine"
    # Logged only when the browser echoes it, so the log keeps the real send order.
    assert len(w.conversation) == 0


def test_send_text_needs_a_connection_then_sends_item_and_response(browser: Browser) -> None:
    w = browser.widget
    with pytest.raises(RuntimeError, match=r"w\.connect"):
        w.send_text("hello")
    browser.set_status("connected")
    with pytest.raises(ValueError, match="empty"):
        w.send_text("  ")
    w.send_text("Hello there")
    item, response = browser.client_events()
    ConversationItemCreateEvent.model_validate(item)
    ResponseCreateEvent.model_validate(response)
    assert item["item"] == {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "Hello there"}],
    }
    assert response["type"] == "response.create"
    assert item["event_id"] != response["event_id"]


def test_message_box_sends_text(browser: Browser, caplog: pytest.LogCaptureFixture) -> None:
    browser.message({"type": "ui", "action": "send_text", "text": "typed"})
    assert browser.client_events() == []
    assert "could not send the typed message" in caplog.text
    browser.set_status("connected")
    browser.message({"type": "ui", "action": "send_text", "text": "typed"})
    assert browser.client_events()[0]["item"]["content"][0]["text"] == "typed"


def test_live_changes_become_one_session_update_each(browser: Browser) -> None:
    w = browser.widget
    w.instructions = "Offline change."  # not connected: goes into the next secret only
    assert browser.client_events() == []
    browser.set_status("connected")
    assert browser.client_events() == []  # nothing changed since the call started
    w.instructions = "Speak French."
    w.turn_detection = None
    w.model = "gpt-realtime-mini"  # fixed for a running session
    w.voice = "cedar"  # allowed: the model has not spoken yet
    events = browser.client_events()
    for e in events:
        SessionUpdateEvent.model_validate(e)
    assert [e["session"] for e in events] == [
        {"type": "realtime", "instructions": "Speak French."},
        {"type": "realtime", "audio": {"input": {"turn_detection": None}}},
        {"type": "realtime", "audio": {"output": {"voice": "cedar"}}},
    ]


def test_changes_while_connecting_are_sent_once_connected(browser: Browser) -> None:
    w = browser.widget
    browser.set_status("connecting")
    w._core.settings.minted(w._core.settings.values)  # what the secret was minted with
    w.instructions = "Changed while connecting."
    w.noise_reduction = "far_field"
    assert browser.client_events() == []
    browser.set_status("connected")
    (update,) = browser.client_events()
    assert update["session"] == {
        "type": "realtime",
        "instructions": "Changed while connecting.",
        "audio": {"input": {"noise_reduction": {"type": "far_field"}}},
    }


def test_voice_is_locked_after_the_model_spoke(browser: Browser) -> None:
    w = browser.widget
    browser.set_status("connected")
    browser.server({"type": "session.created", "session": {}})
    browser.server({"type": "output_audio_buffer.started", "response_id": "r1"})
    with pytest.raises(ValueError, match="model has already spoken"):
        w.voice = "cedar"
    assert w.voice == "marin"
    # The same change from a UI control is refused and the browser is set back.
    resent: list[Any] = []
    w.send_state = lambda key=None: resent.append(key)
    w.set_state({"voice": "cedar"})
    assert w.voice == "marin"
    assert resent == [["voice"]]
    assert browser.client_events() == []
    # A new call may use any voice again.
    browser.set_status("idle")
    w.voice = "cedar"
    assert w.voice == "cedar"


def test_delegates_to_the_conversation(browser: Browser, tmp_path: Any) -> None:
    w = browser.widget
    browser.server({"type": "session.created", "session": {"type": "realtime"}})
    assert list(w.events.columns) == list(w.conversation.events.columns)
    assert w.cost() == w.conversation.cost()
    assert len(w.transcript) == len(w.conversation.transcript)
    seen: list[str] = []
    w.on("session.updated", lambda e: seen.append(e["type"]))
    browser.server({"type": "session.updated", "session": {"type": "realtime"}})
    assert seen == ["session.updated"]
    path = tmp_path / "talk.jsonl"
    w.save(path)
    assert len(path.read_text().splitlines()) == 2


def test_log_path_appends_as_events_arrive(tmp_path: Any) -> None:
    path = tmp_path / "live.jsonl"
    w = RealtimeWidget(api_key=KEY, log_path=path)
    browser = Browser(w)
    browser.server({"type": "session.created", "session": {}})
    w.conversation.close()
    assert "session.created" in path.read_text()


def test_interrupt_cancels_only_what_is_running(browser: Browser) -> None:
    w = browser.widget
    assert w.interrupt() is False  # not connected
    browser.set_status("connected")
    browser.server({"type": "session.created", "session": {}})
    assert w.interrupt() is False  # nothing to stop: no request the server would refuse
    assert browser.client_events() == []
    browser.server(
        {"type": "response.created", "response": {"id": "resp_1"}},
        {"type": "output_audio_buffer.started", "response_id": "resp_1"},
    )
    assert w.interrupt() is True
    # The browser builds cancel + clear + truncate: only it knows how much was played.
    assert browser.of_type("command")[-1] == {"type": "command", "name": "interrupt"}
    assert browser.client_events() == []
    browser.server(
        {"type": "response.done", "response": {"id": "resp_1", "status": "cancelled"}},
        {"type": "output_audio_buffer.cleared", "response_id": "resp_1"},
    )
    assert w.interrupt() is False


def test_secret_ttl_is_validated_on_assignment(widget: RealtimeWidget) -> None:
    assert widget.secret_ttl_s == 120
    widget.secret_ttl_s = 600
    assert widget.secret_ttl_s == 600
    with pytest.raises(ValueError, match="secret_ttl_s"):
        widget.secret_ttl_s = 7201
    assert widget.secret_ttl_s == 600


def test_close_keeps_the_conversation_readable(browser: Browser) -> None:
    browser.server({"type": "session.created", "session": {}})
    browser.widget.close()
    assert len(browser.widget.events) == 1


def test_a_report_that_arrives_after_a_later_one_is_ignored(browser: Browser) -> None:
    # marimo posts each message on its own: "closing" (#2) may arrive after "idle" (#3).
    browser.message({"type": "report", "status": "connecting", "fe": "fe1", "seq": 1})
    browser.message({"type": "report", "status": "idle", "fe": "fe1", "seq": 3})
    browser.message({"type": "report", "status": "closing", "fe": "fe1", "seq": 2})
    assert browser.widget.status == "idle"
    # Another front end (a reloaded page) numbers from 1 again.
    browser.message({"type": "report", "status": "connecting", "fe": "fe2", "seq": 1})
    assert browser.widget.status == "connecting"
