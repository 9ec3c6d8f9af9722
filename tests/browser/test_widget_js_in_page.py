"""Tier 2 (DESIGN.md §6): the built widget.js in a plain page in headless Chromium, on the emulator.

The page (`js/tests/harness/`) hosts the widget with a small stand-in for the anywidget model that
plays the kernel's part (mints the client secret at the emulator, turns the Message box into client
events, records every batch). No JupyterLab: about two seconds a test.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from support.chromium import serve_harness, sync_chromium

from realtime_widget.emulator import Emulator, EmulatorThread

pytestmark = pytest.mark.browser

GOOD_KEY = "sk-harness-good"


@pytest.fixture(scope="module")
def page_server() -> Iterator[str]:
    with serve_harness() as url:
        yield url


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorThread]:
    with EmulatorThread(api_keys=[GOOD_KEY], ms_per_char=5.0) as emu:
        yield emu


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_chromium() as b:
        yield b


@pytest.fixture
def open_page(browser: Browser, page_server: str, emulator: EmulatorThread) -> Iterator[Any]:
    context = browser.new_context()
    problems: list[str] = []

    def open_(**query: str) -> Page:
        page = context.new_page()
        page.on("pageerror", lambda err: problems.append(f"pageerror: {err}"))

        def on_console(msg: ConsoleMessage) -> None:
            if msg.type == "error":
                problems.append(f"console.error: {msg.text}")

        page.on("console", on_console)
        params = {"base": emulator.base_url, "key": GOOD_KEY, **query}
        page.goto(f"{page_server}/?{urlencode(params)}")
        page.wait_for_selector("body[data-ready='1']")
        return page

    yield open_, problems
    context.close()


def _connect(page: Page) -> None:
    page.get_by_role("button", name="Connect", exact=True).first.click()
    expect(page.get_by_role("status").first).to_have_text("connected", timeout=15_000)


def _server_event_counts(emu: Emulator) -> dict[str, int]:
    """What the emulator's engine counted as sent on the last call, by event type."""
    call = emu.last_call
    assert call is not None, "the emulator saw no call"
    engine: Any = call.engine  # the default engine keeps stats; the Engine protocol does not say so
    return dict(engine.stats.server_events)


def _wait_for_idle_calls(emulator: EmulatorThread) -> None:
    for _ in range(100):
        if emulator.call(lambda emu: emu.active_call_count) == 0:
            return
        threading.Event().wait(0.05)
    raise AssertionError("the emulator still has an active call after Disconnect")


def test_connect_type_and_see_the_reply(open_page: Any, emulator: EmulatorThread) -> None:
    open_, problems = open_page
    # Muted: the fake microphone's beeps must not start a voice turn in this text test.
    page = open_(muted="1")
    mute = page.get_by_role("button", name="Mute microphone")
    expect(mute).to_have_attribute("aria-pressed", "true")
    _connect(page)
    expect(page.get_by_text("Offline emulator")).to_be_visible()

    box = page.get_by_role("textbox", name="Message")
    box.fill("Hello emulator")
    box.press("Enter")
    reply = page.locator(".rtw-turn.rtw-assistant.rtw-complete .rtw-text")
    expect(reply).to_have_text("You said: Hello emulator", timeout=15_000)
    expect(page.locator(".rtw-turn.rtw-user .rtw-text")).to_have_text("Hello emulator")
    # The reply's audio arrived on the remote track and the model's one audio element plays it.
    page.wait_for_function("harness.audio && harness.audio.currentTime > 0.2", timeout=15_000)
    assert page.evaluate("harness.audio.srcObject.getAudioTracks().length") == 1

    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_role("status")).to_have_text("idle")
    expect(reply).to_have_text("You said: Hello emulator")  # the transcript stays
    _wait_for_idle_calls(emulator)

    # Every event the emulator sent reached the "kernel" side, in batches numbered 0, 1, 2…
    seqs = page.evaluate("harness.model.seqs()")
    assert seqs == list(range(len(seqs)))
    records = page.evaluate("harness.model.records()")
    got = Counter(r["event"]["type"] for r in records if r["dir"] == "server" and "event" in r)
    sent = emulator.call(_server_event_counts)
    assert got == Counter(sent)
    client = [r["event"]["type"] for r in records if r["dir"] == "client"]
    assert client == ["conversation.item.create", "response.create"]
    assert page.evaluate("harness.model.get('call_id')").startswith("rtc_")
    assert problems == []


def test_two_views_share_one_connection(open_page: Any, emulator: EmulatorThread) -> None:
    open_, problems = open_page
    page = open_(muted="1", views="2")
    views = page.locator(".harness-view")
    expect(views).to_have_count(2)
    views.nth(1).get_by_role("button", name="Connect", exact=True).click()
    for i in range(2):
        expect(views.nth(i).get_by_role("status")).to_have_text("connected", timeout=15_000)
    views.nth(0).get_by_role("textbox", name="Message").fill("one peer")
    views.nth(0).get_by_role("textbox", name="Message").press("Enter")
    for i in range(2):
        expect(views.nth(i).locator(".rtw-assistant.rtw-complete .rtw-text")).to_have_text(
            "You said: one peer", timeout=15_000
        )
    assert page.evaluate("harness.peerConnections") == 1
    assert emulator.call(lambda emu: emu.active_call_count) == 1
    # Removing one view leaves the conversation running in the other.
    page.evaluate("harness.removeView(0)")
    expect(views.nth(0).locator(".rtw")).to_have_count(0)
    expect(views.nth(1).get_by_role("status")).to_have_text("connected")
    views.nth(1).get_by_role("button", name="Disconnect").click()
    _wait_for_idle_calls(emulator)
    assert problems == []


def test_rejected_client_secret_shows_a_readable_error(open_page: Any) -> None:
    open_, _problems = open_page
    page = open_(muted="1")
    # The stand-in hands over this bogus secret instead of minting one.
    page.evaluate("""() => {
        const m = harness.model;
        const send = m.send.bind(m);
        m.send = (msg) => {
            if (msg.type === "rpc") {
                m.sent.push(msg);
                const result = {value: "ek_not_a_real_secret", expires_at: 0};
                m.kernel({type: "rpc-reply", id: msg.id, ok: true, result});
                return;
            }
            send(msg);
        };
    }""")
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("error", timeout=15_000)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("client secret was rejected (401)")
    assert "ek_not_a_real_secret" not in alert.inner_text()
    expect(page.get_by_role("button", name="Connect", exact=True)).to_be_visible()
