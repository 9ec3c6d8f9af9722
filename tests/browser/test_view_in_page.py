"""Tier 2 for the view (issue 8): the built widget.js in a plain page, Chromium's fake
microphone, WebRTC to the emulator; about three seconds a test.

The meters follow the real tracks and stop on disconnect; the JSONL the view downloads is the
package's format (Conversation.load reads it) and the dollars the view shows are the ones
Python computes from that same log with the price table Python ships.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect
from support.view_text import format_usd

from realtime_widget.conversation import Conversation
from realtime_widget.conversation.pricing import PRICES, prices_json
from realtime_widget.emulator import EmulatorThread

from . import test_widget_js_in_page as harness

# The harness page, its server, the emulator and Chromium, shared with the widget's tier-2 tests.
pytestmark = harness.pytestmark
page_server = harness.page_server
emulator = harness.emulator
browser = harness.browser
open_page = harness.open_page
_connect = harness._connect
_wait_for_idle_calls = harness._wait_for_idle_calls


def _level_above(page: Page, meter: Locator, level: float, timeout_ms: int = 15_000) -> None:
    page.wait_for_function(
        "([el, level]) => Number(el.dataset.level) > level",
        arg=[meter.element_handle(), level],
        timeout=timeout_ms,
        polling=50,
    )


def test_meters_move_with_the_tracks_and_stop_on_disconnect(open_page: Any) -> None:
    open_, problems = open_page
    page: Page = open_()  # not muted: Chromium's fake microphone beeps
    meters = page.locator(".rtw-meters")
    expect(meters).to_have_attribute("data-running", "false")
    _connect(page)
    expect(meters).to_have_attribute("data-running", "true")
    _level_above(page, page.locator(".rtw-meter-mic"), 0.1)

    # A typed turn: the emulator answers with audio on the remote track.
    page.get_by_role("button", name="Mute microphone").click()
    box = page.get_by_role("textbox", name="Message")
    box.fill("Say something")
    box.press("Enter")
    _level_above(page, page.locator(".rtw-meter-model"), 0.05)

    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_role("status")).to_have_text("idle")
    expect(meters).to_have_attribute("data-running", "false")
    for which in ("mic", "model"):
        expect(page.locator(f".rtw-meter-{which}")).to_have_attribute("data-level", "0.00")
    assert problems == []


def test_downloaded_jsonl_and_dollars_match_python(
    open_page: Any, emulator: EmulatorThread, tmp_path: Path
) -> None:
    open_, problems = open_page
    page: Page = open_(muted="1")
    # What RealtimeWidget puts in its price_table trait.
    page.evaluate(
        "(table) => harness.model.set('price_table', table)",
        json.loads(json.dumps(prices_json(PRICES))),
    )
    _connect(page)
    box = page.get_by_role("textbox", name="Message")
    for text in ("One", "Two"):
        box.fill(text)
        box.press("Enter")
        expect(page.locator(".rtw-turn.rtw-assistant.rtw-complete")).to_have_count(
            1 if text == "One" else 2, timeout=15_000
        )
    page.locator(".rtw-usage > summary").click()
    expect(page.locator(".rtw-usage-table tbody tr").nth(1).locator("th")).to_have_text(
        "Session (2 responses)", timeout=10_000
    )
    page.get_by_role("button", name="Disconnect").click()
    _wait_for_idle_calls(emulator)

    with page.expect_download() as info:
        page.get_by_role("button", name="Download JSONL").click()
    path = tmp_path / "session.jsonl"
    info.value.save_as(path)
    conversation = Conversation.load(path)
    # Everything the "kernel" received, and in the same order.
    records = page.evaluate("harness.model.records()")
    assert [r[1] for r in conversation.raw_events] == [r["dir"] for r in records]
    assert [r[2] for r in conversation.raw_events] == [
        r.get("event", r.get("raw")) for r in records
    ]

    usd = conversation.cost()
    assert usd > 0
    session_usd = page.locator(".rtw-usage-table tbody tr").nth(1).locator(".rtw-usd")
    expect(session_usd).to_have_text(format_usd(usd))
    expect(page.locator(".rtw-usage-note")).to_contain_text("realtime_widget.PRICES")
    assert problems == []


def test_interrupt_and_hold_to_talk_never_touch(open_page: Any) -> None:
    """Issue 13: a visible gap between the two buttons at every width down to 400 px."""
    open_, problems = open_page
    page: Page = open_(muted="1")
    _connect(page)
    # Push-to-talk (turn detection off) shows Hold to talk beside Interrupt.
    page.evaluate("harness.model.set('turn_detection', null)")
    interrupt = page.locator(".rtw-interrupt")
    talk = page.get_by_role("button", name="Hold to talk (or hold Space)")
    expect(talk).to_be_visible()
    for width in (1280, 800, 600, 480, 400):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(50)
        a, b = interrupt.bounding_box(), talk.bounding_box()
        assert a is not None and b is not None
        # Side by side with a gap, or on separate rows with a gap.
        h_gap = max(b["x"] - (a["x"] + a["width"]), a["x"] - (b["x"] + b["width"]))
        v_gap = max(b["y"] - (a["y"] + a["height"]), a["y"] - (b["y"] + b["height"]))
        assert max(h_gap, v_gap) >= 4, f"at {width} px the buttons touch: {a} {b}"
    assert problems == []
