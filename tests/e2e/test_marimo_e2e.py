"""notebooks/marimo_quickstart.py in a real marimo server (`marimo run` on 127.0.0.1), Debian's
Chromium with the e2e fake microphone, WebRTC to the widget's built-in emulator (no key).

marimo has no second kernel client to attach, so the kernel side is checked the way a marimo
user sees it: the notebook's next cell, which marimo runs again by itself when the kernel's
`w.turns` changes (through `mo.state`) and when the browser reports the call's status (the
anywidget's value), shows the status, the number of model turns and `w.transcript`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import NOTEBOOKS
from .lab import ARTIFACTS, PageProblems
from .marimo_server import MarimoServer, marimo_run

pytestmark = [pytest.mark.browser]

NOTEBOOK = NOTEBOOKS / "marimo_quickstart.py"
# Generous: several helpers share two cores, and a marimo session starts its kernel per page.
APP_READY_MS = 120_000
TURN_MS = 45_000


@pytest.fixture
def marimo_app(tmp_path: Path) -> Iterator[MarimoServer]:
    with marimo_run(NOTEBOOK, tmp_path / "marimo") as server:
        yield server
        if server.proc.poll() is not None:
            pytest.fail(f"marimo exited during the test:\n{server.log_tail()}")


def _summary_cell(page: Page) -> Locator:
    """The notebook's next cell after the widget: the status, the turns and `w.transcript`."""
    return page.locator(".marimo-cell").filter(has_text="model turn(s) so far")


def _type_message(view: Locator, text: str) -> None:
    box = view.get_by_role("textbox", name="Message")
    box.fill(text)
    box.press("Enter")
    # The view empties the box once the message is handed to the kernel.
    expect(box, "Enter in the Message box did not send the message").to_have_value("")


def _turns(at_least: int) -> re.Pattern[str]:
    """The next cell's count of model turns, `at_least` (1-9) or more."""
    return re.compile(rf"\b(?:[{at_least}-9]|[1-9]\d+) model turn\(s\) so far")


@pytest.mark.timeout(420)
def test_connect_type_talk_and_the_next_cell_reads_the_transcript(
    marimo_app: MarimoServer, page: Page, page_problems: PageProblems
) -> None:
    page.goto(marimo_app.url)
    view = page.locator("marimo-anywidget")  # the widget's view (in marimo's shadow root)
    summary = _summary_cell(page)
    connect = view.get_by_role("button", name="Connect", exact=True)
    expect(connect, f"the widget never showed; marimo log:\n{marimo_app.log_tail()}").to_be_visible(
        timeout=APP_READY_MS
    )
    # No key in the environment: the built-in emulator, and the widget says so.
    expect(view).to_contain_text("Offline emulator")
    expect(summary).to_contain_text("0 model turn(s) so far; the call is idle.")

    # The fake microphone loops speech: quiet until the voice turn, so the typed turn is not
    # interrupted by it.
    mute = view.get_by_role("button", name="Mute microphone")
    mute.click()
    expect(mute).to_have_attribute("aria-pressed", "true")
    connect.click()
    expect(view.get_by_role("button", name="Disconnect", exact=True)).to_be_visible(timeout=TURN_MS)
    # The browser's report reached the kernel's `w.status`, and marimo ran the next cell again.
    expect(summary).to_contain_text("the call is connected.", timeout=TURN_MS)

    # A typed turn: the emulator echoes typed text (realtime_widget/emulator/replies.py).
    typed = "Hello from the marimo end-to-end test"
    reply = f"You said: {typed}"
    _type_message(view, typed)
    expect(view).to_contain_text(reply, timeout=TURN_MS)
    # The kernel has the turn: the next cell shows it in `w.transcript`, with no re-run by hand.
    expect(summary).to_contain_text(_turns(1), timeout=TURN_MS)
    expect(summary).to_contain_text(typed)
    expect(summary).to_contain_text(reply)

    # A spoken turn: unmuted, the fake microphone's bursts reach the emulator's VAD, which
    # answers with how long the user spoke; no transcription model is set, so the user's row
    # is "(spoken … s)".
    mute.click()
    expect(mute).to_have_attribute("aria-pressed", "false")
    expect(view).to_contain_text(
        re.compile(r"I heard you speak for [\d.]+ seconds"), timeout=TURN_MS
    )
    expect(summary).to_contain_text(_turns(2), timeout=TURN_MS)
    expect(summary).to_contain_text(re.compile(r"\(spoken [\d.]+ s\)"))
    expect(summary).to_contain_text(re.compile(r"I heard you speak for [\d.]+ seconds"))
    mute.click()
    expect(mute).to_have_attribute("aria-pressed", "true")

    view.get_by_role("button", name="Disconnect", exact=True).click()
    expect(connect).to_be_visible(timeout=TURN_MS)
    expect(summary).to_contain_text("the call is idle.", timeout=TURN_MS)

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "marimo-quickstart.png"), full_page=True)
    assert page_problems.page_errors == []
    assert page_problems.failed_requests == []
    assert page_problems.console_errors == []
