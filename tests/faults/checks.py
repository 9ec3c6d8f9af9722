"""The four things every fault test proves, in one place (issue 6: "each ending with")."""

from __future__ import annotations

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


async def assert_released(b: Bridge) -> None:
    """No live microphone track, no open peer connection, no call left on the emulator."""
    await b.until(lambda: True, "")  # let queued page messages land
    tracks = await b.mic_tracks()
    assert all(t["readyState"] == "ended" for t in tracks), tracks
    assert await b.open_peers() == 0
    await b.until(lambda: b.active_calls() == 0, "the emulator's active calls to reach 0")


def assert_events_kept(b: Bridge, call_id: str | None = None) -> Counter[str]:
    """Every server event the emulator sent before the fault is in the Python log."""
    sent = b.server_counts(call_id)
    logged = b.logged_counts()
    missing = sent - logged
    assert not missing, f"events the emulator sent but the Python log lacks: {dict(missing)}"
    return sent


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
