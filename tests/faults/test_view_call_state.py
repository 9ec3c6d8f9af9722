"""The view follows the call on the real stack (issue 13): the Python widget bridged to the
built widget in Chromium, the fake microphone unmuted, the emulator's VAD.

The speaking chips are lit by server events; a disconnected call sends none, so the view must
clear them itself when the call ends (button or the kernel's `disconnect` command)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from .bridge import Bridge
from .checks import assert_clean
from .conftest import OpenBridge

pytestmark = [pytest.mark.faults, pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

# A long silence keeps the user's turn open between the fake microphone's beeps, so "You"
# stays lit until the call ends.
LONG_TURN = {"type": "server_vad", "silence_duration_ms": 8_000}


async def _speaking(b: Bridge) -> None:
    you = b.page.locator(".rtw-ind-user")
    await expect(you).to_have_text("You: speaking", timeout=15_000)
    await expect(you).to_have_attribute("data-active", "true")


async def _all_off(b: Bridge) -> None:
    await expect(b.page.locator(".rtw-ind-user")).to_have_text("You")
    await expect(b.page.locator(".rtw-ind-user")).to_have_attribute("data-active", "false")
    await expect(b.page.locator(".rtw-ind-model")).to_have_attribute("data-active", "false")
    await expect(b.page.locator(".rtw-ind-thinking")).to_be_hidden()


async def test_you_goes_off_when_the_call_ends(open_bridge: OpenBridge) -> None:
    b = await open_bridge(turn_detection=LONG_TURN, transcription=None)
    await b.connect()
    await _speaking(b)
    await b.disconnect()  # the Disconnect button
    await _all_off(b)

    # Again, ended by the kernel's `disconnect` command (w.disconnect()).
    await b.connect()
    await _speaking(b)
    b.widget.disconnect()
    await expect(b.page.get_by_role("status")).to_have_text("idle")
    await _all_off(b)
    assert_clean(b)
