"""Lifecycle faults: rapid Connect/Disconnect, page reload, microphone denied or absent (a
listen-only call that says why, then a clean reconnect)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect
from support.chromium import async_chromium, without

from realtime_widget.emulator import EmulatorThread

from .bridge import Bridge
from .checks import (
    assert_clean,
    assert_events_kept,
    assert_reconnects,
    assert_released,
)
from .conftest import OpenBridge

pytestmark = [pytest.mark.faults, pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


async def test_rapid_connect_disconnect_50_times(open_bridge: OpenBridge) -> None:
    b = await open_bridge(muted=True)
    toggle = b.page.locator(".rtw-connect")
    for _ in range(50):
        await expect(toggle).to_have_text("Connect")
        await toggle.click()
        await expect(toggle).to_have_text("Disconnect")
        await toggle.click()
    await expect(b.page.get_by_role("status")).to_have_text("idle")
    # Calls the emulator created for abandoned attempts are reaped; none stays live.
    await b.until(lambda: b.active_calls() == 0, "no live call after the last Disconnect")
    assert await b.live_mic_tracks() == 0
    assert await b.open_peers() == 0
    # The same storm ending on Connect leaves exactly one call and one live microphone.
    for _ in range(10):
        await toggle.click()
        await toggle.click()
    await b.connect()
    await b.until(lambda: b.active_calls() == 1, "exactly one live call", timeout=20)
    assert await b.live_mic_tracks() == 1
    assert await b.open_peers() == 1
    await b.disconnect()
    await assert_released(b)
    assert_clean(b)


async def test_page_reload_releases_the_call(open_bridge: OpenBridge) -> None:
    b = await open_bridge(muted=True)
    await b.connect()
    await b.type_message("before the reload")
    # Everything of the turn is in Python first: the bridge's bindings cannot carry what the
    # page sends while it unloads (the pagehide flush is covered in js/tests/).
    await b.until(
        lambda: b.logged_counts()["output_audio_buffer.stopped"] == 1, "the whole turn in Python"
    )
    call_id = b.widget.call_id
    await b.page.reload()
    await b.page.wait_for_selector("body[data-ready='1']")
    await b.until(lambda: b.active_calls() == 0, "the emulator to see the call end")
    # The new page has no call, and says so on both sides (not a stale "connected").
    await expect(b.page.get_by_role("status")).to_have_text("idle")
    await b.until(lambda: b.widget.status == "idle", "Python status idle after the reload")
    assert b.widget.call_id == ""
    assert await b.live_mic_tracks() == 0
    assert_events_kept(b, call_id)
    await assert_reconnects(b)
    assert_clean(b)


Launch = Callable[[Sequence[str]], Awaitable[Browser]]


@pytest_asyncio.fixture(loop_scope="module")
async def launch() -> AsyncIterator[Launch]:
    """Chromium with other flags than the module's browser; each closed after the test."""
    async with contextlib.AsyncExitStack() as stack:

        async def launch_(args: Sequence[str]) -> Browser:
            return await stack.enter_async_context(async_chromium(args))

        yield launch_


async def assert_listen_only(b: Bridge, *parts: str) -> str:
    """No microphone is no failed call: connected, the reason and its fix in the view's
    listen-only line and in w.error, no alert, no microphone track handed out."""
    await expect(b.page.get_by_role("status")).to_have_text("connected", timeout=20_000)
    await b.until(lambda: b.widget.status == "connected", "Python status connected")
    line = b.page.locator(".rtw-listen-only")
    for part in ("listen-only", *parts):
        await expect(line).to_contain_text(part)
        assert part in b.widget.error, (part, b.widget.error)
    await expect(b.page.locator(".rtw-error")).to_be_hidden()
    assert await b.live_mic_tracks() == 0
    return b.widget.error


async def test_microphone_permission_denied(
    launch: Launch, pages: str, emulator: EmulatorThread
) -> None:
    browser = await launch(without("--use-fake-ui-for-media-stream"))
    b = await Bridge.open(browser, pages, emulator, muted=True, context_options={"permissions": []})
    try:
        await b.click_connect()
        await assert_listen_only(
            b, "Microphone permission was denied", "Disconnect and Connect again"
        )
        await b.disconnect()
        # Denied: no track was handed out at all, and no peer or call was left behind.
        await assert_released(b, mic_opened=False)
        # Allowing the microphone is all it takes.
        await b.page.context.grant_permissions(["microphone"])
        await assert_reconnects(b)
        assert_clean(b)
    finally:
        await b.close()


async def test_microphone_absent(launch: Launch, pages: str, emulator: EmulatorThread) -> None:
    browser = await launch(without("--use-fake-device-for-media-stream"))
    b = await Bridge.open(browser, pages, emulator, muted=True)
    try:
        for _ in range(2):  # not stuck: a second Connect gives the same clear answer
            await b.click_connect()
            await assert_listen_only(b, "No microphone was found", "connect a microphone")
            await b.disconnect()
            await expect(b.button("Connect")).to_be_enabled()
        await assert_released(b, mic_opened=False)
        assert_clean(b)
    finally:
        await b.close()
