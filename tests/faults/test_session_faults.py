"""Faults on a live session: malformed JSON and unknown event types (kept, not fatal), server
`error` events (shown with the client event that caused them), session expiry."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from .checks import (
    assert_clean,
    assert_events_kept,
    assert_fault_reported,
    assert_reconnects,
    assert_released,
)
from .conftest import OpenBridge

pytestmark = [pytest.mark.faults, pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


async def test_malformed_json_and_unknown_events_are_kept_as_raw(open_bridge: OpenBridge) -> None:
    b = await open_bridge(muted=True)
    b.emulator.set_faults(malformed_json_messages=3, unknown_event_messages=2)
    await b.connect()
    # Not fatal: the session goes on and answers.
    await b.type_message("still there?")
    reply = b.page.locator(".rtw-turn.rtw-assistant.rtw-complete .rtw-text")
    await expect(reply).to_have_text("You said: still there?", timeout=15_000)
    # The turn ends when its audio has played (output_audio_buffer.stopped, after response.done).
    await b.until(
        lambda: b.logged_counts()["output_audio_buffer.stopped"] == 1, "the whole turn in Python"
    )
    logged = b.logged_counts()
    assert logged["<raw>"] == 3
    assert logged["emulator.unknown_event"] == 2
    raw = [p for _t, d, p in b.widget.conversation.raw_events if isinstance(p, str)]
    assert all(r.startswith('{"type": "response.output_text.delta"') for r in raw)
    assert_events_kept(b)
    assert b.widget.status == "connected" and b.widget.error == ""
    await b.disconnect()
    await assert_released(b)
    assert_clean(b)


async def test_server_error_event_names_the_client_event(open_bridge: OpenBridge) -> None:
    b = await open_bridge(muted=True)
    b.emulator.set_faults(error_on_client_event_types={"response.create"})
    await b.connect()
    event_id = b.widget.send_event({"type": "response.create"})
    alert = b.page.get_by_role("alert")
    await expect(alert).to_contain_text("The server reported an error", timeout=15_000)
    await expect(alert).to_contain_text("(injected_fault)")
    await expect(alert).to_contain_text(f"caused by the client event response.create {event_id}")
    await b.until(lambda: event_id in b.widget.error, "the error in Python")
    # The error event is in the log with the id of the client event that caused it.
    await b.until(lambda: b.logged_counts()["error"] == 1, "the error event in Python")
    errors = [
        p
        for _t, d, p in b.widget.conversation.raw_events
        if d == "server" and isinstance(p, dict) and p.get("type") == "error"
    ]
    assert [e["error"]["event_id"] for e in errors] == [event_id]
    # A rejected client event is not fatal.
    assert b.widget.status == "connected"
    await expect(b.page.get_by_role("status")).to_have_text("connected")
    assert_events_kept(b)
    b.emulator.set_faults(error_on_client_event_types=set())
    await b.disconnect()
    await assert_released(b)
    await assert_reconnects(b)
    assert_clean(b)


async def test_session_expiry(open_bridge: OpenBridge) -> None:
    b = await open_bridge(muted=True)
    b.emulator.set_faults(expire_after_s=2.0)
    await b.connect()
    call_id = b.widget.call_id
    await assert_fault_reported(
        b, "maximum duration of 60 minutes", "transcript is kept", "press Connect"
    )
    sent = assert_events_kept(b, call_id)
    assert sent["error"] == 1
    errors = [
        p
        for _t, d, p in b.widget.conversation.raw_events
        if isinstance(p, dict) and p.get("type") == "error"
    ]
    assert errors[-1]["error"]["code"] == "session_expired"
    await assert_released(b)
    await assert_reconnects(b)
    assert_clean(b)
