"""The four things every fault test proves, in one place (issue 6: "each ending with")."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

from playwright.async_api import expect

from .bridge import FAKE_KEY, Bridge, reset_faults


async def assert_fault_reported(b: Bridge, *parts: str, timeout: float = 20_000) -> str:
    """Status error in the view and in Python, and the same clear message in both."""
    await expect(b.page.get_by_role("status")).to_have_text("error", timeout=timeout)
    alert = b.page.get_by_role("alert")
    for part in parts:
        await expect(alert).to_contain_text(part)
    await b.until(lambda: b.widget.status == "error", "Python status 'error'")
    await b.until(lambda: b.widget.error != "", "Python error text")
    shown = await alert.inner_text()
    for part in parts:
        assert part in b.widget.error, (part, b.widget.error)
    assert b.widget.error in shown or shown in b.widget.error, (shown, b.widget.error)
    assert FAKE_KEY not in shown and "ek_" not in shown.replace("ek_…", "")
    return shown


async def assert_released(
    b: Bridge, *, mic_opened: bool | None = True, timeout: float = 15.0
) -> None:
    """No live microphone track, no open peer connection, no call left on the emulator.

    Waits (up to `timeout`) for all three at once. `mic_opened`: the test made the widget open
    the microphone, so at least one track must have been handed out (an empty list would
    prove nothing); with False, none may have been; with None either is right (the secret
    request runs beside getUserMedia, so a fast minting failure may end the attempt before
    the microphone was granted: then no track exists, or the late one was stopped)."""
    state: dict[str, object] = {}

    async def probe() -> bool:
        tracks = await b.mic_tracks()
        live = [t for t in tracks if t["readyState"] != "ended"]
        state.update(tracks=tracks, peers=await b.open_peers(), calls=b.active_calls())
        return not live and state["peers"] == 0 and state["calls"] == 0

    deadline = asyncio.get_running_loop().time() + timeout
    while not await probe():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(
                f"not released after {timeout:g} s: mic tracks {state['tracks']}, "
                f"open peers {state['peers']}, active calls on the emulator {state['calls']}"
            )
        await asyncio.sleep(0.05)
    if mic_opened is True:
        assert state["tracks"], "no microphone track was ever opened: nothing was released"
    elif mic_opened is False:
        assert state["tracks"] == [], f"a microphone track was opened: {state['tracks']}"


def _wire_key(message: object) -> str:
    """An event's identity: its event_id; a message that is not a JSON event: its text."""
    if isinstance(message, dict):
        return f"id:{message.get('event_id')}"
    assert isinstance(message, str), message
    try:
        event = json.loads(message)
    except ValueError:
        return f"raw:{message}"
    return f"id:{event.get('event_id')}" if isinstance(event, dict) else f"raw:{message}"


def _wire_type(message: str) -> str:
    try:
        event = json.loads(message)
    except ValueError:
        return "<raw>"
    return str(event.get("type", "?")) if isinstance(event, dict) else "<raw>"


def assert_events_kept(b: Bridge, call_id: str | None = None) -> Counter[str]:
    """Every server event the emulator put on the call's wire is in the Python log, once, in
    the order sent (by event_id; raw non-JSON messages by their text). Returns the wire's
    counts by event type (non-JSON messages under '<raw>')."""
    call_id, wire = b.wire_log(call_id)
    assert wire, f"the emulator sent nothing on call {call_id}: nothing to compare"
    sent = [_wire_key(m) for m in wire]
    assert len(set(sent)) == len(sent), f"the emulator repeated an event_id on {call_id}"
    on_call = set(sent)
    logged = [k for k in (_wire_key(p) for p in b.kernel_server_log()) if k in on_call]
    if logged != sent:
        pairs = enumerate(zip(sent, logged, strict=False))
        at = next((i for i, (x, y) in pairs if x != y), min(len(sent), len(logged)))
        missing = [k for k in sent if k not in logged]
        raise AssertionError(
            f"the Python log of call {call_id} differs from its wire at event {at}: "
            f"{len(sent)} sent, {len(logged)} logged; missing {missing[:5]}; "
            f"sent {sent[at : at + 3]}, logged {logged[at : at + 3]}"
        )
    return Counter(_wire_type(m) for m in wire)


def assert_clean(b: Bridge, *allowed_console: str) -> None:
    """No uncaught exception in the page or the kernel side."""
    # Chromium itself logs every HTTP error answer of a fetch as a console error; that is the
    # browser's network log, not an exception in the widget.
    allowed = (*allowed_console, "Failed to load resource: the server responded with a status of")
    problems = [p for p in b.page_problems if not any(a in p for a in allowed)]
    assert problems == [], problems
    assert b.kernel_exceptions() == []


async def assert_reconnects(b: Bridge) -> None:
    """With the fault gone, Connect works again, for real, and Disconnect ends the call."""
    reset_faults(b.emulator)
    await expect(b.button("Connect")).to_be_enabled()
    before = len(b.widget.conversation)
    await b.connect()
    await b.until(lambda: len(b.widget.conversation) > before, "events of the new call")
    assert b.widget.error == ""
    await b.disconnect()
    await assert_released(b)
