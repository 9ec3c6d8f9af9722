"""The call's lifecycle on the kernel side: nothing sent before the view or the session is
ready is lost (realtime_widget/lifecycle.py and RealtimeWidget)."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest

from realtime_widget import RealtimeWidget
from realtime_widget.lifecycle import FrontendGate, Outbox, label_of, not_sent_text
from tests.support.openai_types import assert_client_event

from .conftest import KEY, Browser, deliver

CREATED = {"type": "session.created", "session": {"type": "realtime"}}


def _types(sent: list[dict[str, Any]]) -> list[str]:
    return [
        m["event"]["type"] if m["type"] == "client-event" else f"{m['type']}:{m.get('name', '')}"
        for m in sent
        if m["type"] in ("client-event", "command")
    ]


def _client(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["event"] for m in sent if m["type"] == "client-event"]


def _outbox_views(sent: list[dict[str, Any]]) -> list[list[str]]:
    return [[i["label"] for i in m["items"]] for m in sent if m["type"] == "outbox"]


@pytest.fixture
def fresh() -> Any:
    """A widget whose front end has not said `ready` yet, and what the kernel sends it."""
    w = RealtimeWidget(api_key=KEY, base_url="http://127.0.0.1:9")
    sent: list[dict[str, Any]] = []
    w.send = sent.append  # type: ignore[method-assign]
    yield w, sent
    w.close()


# -- pure parts ---------------------------------------------------------------------------


def test_gate_holds_until_ready_then_passes_everything_in_order() -> None:
    gate = FrontendGate(limit=3)
    assert [gate.offer({"n": i}) for i in range(3)] == [False, False, False]
    with pytest.raises(OverflowError, match="display the widget"):
        gate.offer({"n": 3})
    assert gate.open() == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert gate.offer({"n": 4}) is True and gate.held == 0


def test_outbox_keeps_order_labels_and_limit() -> None:
    box = Outbox(limit=2)
    text = {
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "Hi"}],
        },
    }
    assert label_of([text, {"type": "response.create"}]) == "Hi"
    assert label_of([{"type": "response.cancel"}]) == "response.cancel"
    first = box.add("Hi", [text])
    box.add("two", [{"type": "response.create"}])
    with pytest.raises(OverflowError, match="wait_until_connected"):
        box.add("three", [])
    assert box.view() == [{"id": first.id, "label": "Hi"}, {"id": first.id + 1, "label": "two"}]
    assert [p.label for p in box.drain()] == ["Hi", "two"] and len(box) == 0
    message = not_sent_text([first], "the connection failed: 401")
    assert "“Hi”" in message and "401" in message and "w.unsent" in message


# -- before the view is ready ---------------------------------------------------------------


def test_commands_before_the_view_is_ready_are_held_and_delivered_in_order(fresh: Any) -> None:
    w, sent = fresh
    w._repr_mimebundle_()  # displayed; its view is not built yet
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # displayed: no "not displayed" warning
        w.connect()
    w.send_text("typed in the same cell")
    assert sent == []  # anywidget would drop these: held instead
    deliver(w, {"type": "ready"})
    assert _types(sent) == ["command:connect"]
    assert _outbox_views(sent) == [["typed in the same cell"]]
    # A second front end (page reload) does not replay the connect; it is shown what waits.
    sent.clear()
    deliver(w, {"type": "ready"})
    assert _types(sent) == []
    assert _outbox_views(sent) == [["typed in the same cell"]]


def test_connect_on_a_widget_never_displayed_says_so(fresh: Any) -> None:
    w, sent = fresh
    with pytest.warns(UserWarning, match="not displayed yet"):
        w.connect()
    deliver(w, {"type": "ready"})
    assert _types(sent) == ["command:connect"]


# -- while the call starts -------------------------------------------------------------------


def test_connect_then_send_text_in_one_cell_sends_once_the_session_is_ready(
    browser: Browser,
) -> None:
    w = browser.widget
    w.connect()
    w.send_text("Hello!")
    w.respond(instructions="Say it in French.")
    assert _types(browser.sent) == ["command:connect"]
    assert _outbox_views(browser.sent)[-1] == ["Hello!", "response.create"]
    browser.set_status("connecting")
    w.send_text("and one more")  # typed while connecting
    assert _types(browser.sent) == ["command:connect"]
    browser.set_status("connected")
    browser.server(CREATED)
    sent = _client(browser.sent)
    assert [e["type"] for e in sent] == [
        "conversation.item.create",  # what waited, in order
        "response.create",
        "response.create",
        "conversation.item.create",
        "response.create",
    ]
    assert sent[0]["item"]["content"][0]["text"] == "Hello!"
    assert sent[2]["response"]["instructions"] == "Say it in French."
    assert sent[3]["item"]["content"][0]["text"] == "and one more"
    for event in sent:
        assert_client_event(event)
    assert _outbox_views(browser.sent)[-1] == []  # the view's pending rows are gone
    assert w.unsent == []


def test_text_typed_in_the_view_while_connecting_is_queued_then_sent(browser: Browser) -> None:
    w = browser.widget
    browser.set_status("connecting")  # the Connect button, pressed in the view
    browser.message({"type": "ui", "action": "send_text", "text": "typed at once"})
    assert _client(browser.sent) == []
    assert _outbox_views(browser.sent) == [["typed at once"]]
    browser.set_status("connected")
    assert [e["type"] for e in _client(browser.sent)] == [
        "conversation.item.create",
        "response.create",
    ]
    assert w.unsent == []


def test_a_failed_connection_reports_every_queued_item_as_not_sent(browser: Browser) -> None:
    w = browser.widget
    w.connect()
    w.send_text("first")
    w.send_text("second")
    browser.set_status("connecting")
    with pytest.warns(RuntimeWarning, match=r"Not sent \(the connection failed: .*401"):
        browser.widget.set_state(
            {"status": "error", "error": "The client secret was rejected (401)."}
        )
    assert [p.label for p in w.unsent] == ["first", "second"]
    (notice,) = browser.widget.notices
    assert "“first”" in notice["text"] and "“second”" in notice["text"]
    assert _outbox_views(browser.sent)[-1] == []
    assert _client(browser.sent) == []  # nothing went out later either
    browser.set_status("connected")
    assert _client(browser.sent) == []


def test_a_disconnect_while_connecting_reports_queued_items(browser: Browser) -> None:
    w = browser.widget
    w.connect()
    w.send_text("never mind")
    with pytest.warns(RuntimeWarning, match="you disconnected"):
        w.disconnect()
    assert [p.label for p in w.unsent] == ["never mind"]


def test_sending_with_no_call_is_refused_in_python_and_shown_from_the_view(
    browser: Browser,
) -> None:
    w = browser.widget
    with pytest.raises(RuntimeError, match=r"w\.connect"):
        w.send_text("hello")
    with pytest.raises(RuntimeError, match=r"w\.connect"):
        w.respond()
    browser.message({"type": "ui", "action": "send_text", "text": "typed while idle"})
    (notice,) = browser.widget.notices
    assert notice["text"].startswith("Your message was not sent: cannot send text")


# -- waiting for the connection in a cell ------------------------------------------------------


async def test_wait_until_connected_returns_fails_and_times_out(browser: Browser) -> None:
    w = browser.widget
    with pytest.raises(RuntimeError, match="nothing is connecting"):
        await w.wait_until_connected(timeout=1)
    w.connect()

    async def later(status: dict[str, Any]) -> None:
        await asyncio.sleep(0.05)
        w.set_state(status)

    task = asyncio.create_task(later({"status": "connected"}))
    await w.wait_until_connected(timeout=5)
    await task
    await w.wait_until_connected(timeout=0.01)  # already connected: at once

    w.set_state({"status": "idle"})
    w.connect()
    task = asyncio.create_task(later({"status": "error", "error": "ICE failed."}))
    with pytest.raises(RuntimeError, match="the connection failed: ICE failed"):
        await w.wait_until_connected(timeout=5)
    await task

    w.connect()
    with pytest.raises(TimeoutError, match=r"not connected after 0\.1 s \(status 'error'\)"):
        await w.wait_until_connected(timeout=0.1)


# -- typos ---------------------------------------------------------------------------------------


def test_an_unknown_setting_names_the_closest_one(browser: Browser) -> None:
    w = browser.widget
    with pytest.raises(AttributeError, match="no setting 'mute'; did you mean 'muted'"):
        w.mute = True
    with pytest.raises(AttributeError, match="no setting 'instruction'; did you mean"):
        w.instruction = "x"
    w.muted = True  # real settings and attributes still work
    w.auto_reconnect = True
    assert w.muted is True and not hasattr(w, "mute")


# -- every event once, in order, across a dropped connection ---------------------------------


def test_sequencer_takes_the_next_batch_only_and_acknowledges_what_it_has() -> None:
    from realtime_widget.lifecycle import BatchSequencer

    s = BatchSequencer()
    assert s.accept("fe1", 0, 0) == (True, 0)
    assert s.accept("fe1", 2, 1) == (False, 0)  # after a gap: wait for 1, ack 0
    assert s.accept("fe1", 1, 1) == (True, 1)
    assert s.accept("fe1", 2, 1) == (True, 2)
    assert s.accept("fe1", 1, 1) == (False, 2)  # a resent copy
    assert s.duplicates == 1
    assert s.accept("fe2", 0, 0) == (True, 0)  # another front end numbers on its own
    assert s.accept("fe1", 7, 5) == (False, 4)  # the browser gave up 3 and 4
    assert s.lost == 2
    assert s.accept("fe1", 5, 5) == (True, 5)


def _batch(seq: int, base: int, *ids: str, fe: str = "fe_test") -> dict[str, Any]:
    events = [
        {"t": 1_700_000_000_000.0 + i, "dir": "server", "event": {"type": "x.test", "event_id": e}}
        for i, e in enumerate(ids)
    ]
    return {"type": "events", "seq": seq, "fe": fe, "base": base, "events": events}


def test_resent_and_out_of_order_batches_reach_the_log_once_in_order(browser: Browser) -> None:
    w = browser.widget
    browser.message(_batch(0, 0, "e1", "e2"))
    browser.message(_batch(2, 1, "e5"))  # batch 1 was lost on the wire
    browser.message(_batch(1, 1, "e3", "e4"))  # the browser goes back to 1 …
    browser.message(_batch(2, 1, "e5"))  # … and resends 2
    browser.message(_batch(1, 1, "e3", "e4"))  # a late copy
    ids = [p["event_id"] for _t, _d, p in w.conversation.raw_events if isinstance(p, dict)]
    assert ids == ["e1", "e2", "e3", "e4", "e5"]
    acks = [m["seq"] for m in browser.of_type("ack")]
    assert acks == [0, 0, 1, 2, 2]
    assert all(m["fe"] == "fe_test" for m in browser.of_type("ack"))
    assert w.lost_batches == 0


def test_reports_also_arrive_as_custom_messages(browser: Browser) -> None:
    """The browser sends status/error/call_id as a `report` message too: a trait sync sent
    while a cell awaits can be held by ipywidgets forever (js/src/controller.ts)."""
    w = browser.widget
    w.connect()
    w.send_text("waiting")
    browser.message({"type": "report", "status": "connecting", "error": "", "call_id": ""})
    assert w.status == "connecting"
    with pytest.warns(RuntimeWarning, match="Not sent"):
        browser.message({"type": "report", "status": "error", "error": "OpenAI rejected (401)"})
    assert w.status == "error" and w.error == "OpenAI rejected (401)"
    assert [p.label for p in w.unsent] == ["waiting"]
    # The same report by trait sync afterwards changes nothing and reports nothing twice.
    browser.set_status("error")
    assert len(w.unsent) == 1 and len(w.notices) == 1
    browser.message({"type": "report", "status": "sideways"})  # not a status: ignored
    assert w.status == "error"
