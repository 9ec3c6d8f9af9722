"""Faults that need a real JupyterLab: the kernel restarts while connected, the notebook is
closed while connected, and the saved notebook (widget state on) / HTML export / iopub
traffic never carry the API key or a client secret.

The emulator runs in this test process (not in the kernel), so a call that outlives its
kernel or its notebook would still be visible in its counters.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from queue import Empty
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from support.chromium import sync_chromium

from realtime_widget.emulator import EmulatorThread
from tests.e2e.lab import (
    AttachedKernel,
    LabServer,
    NotebookPage,
    PageProblems,
    start_lab,
    wait_until,
    write_notebook,
)

from .bridge import FAKE_KEY

pytestmark = [pytest.mark.faults, pytest.mark.browser, pytest.mark.jupyter]

SECRET_SHAPE = re.compile(r"\bek_[A-Za-z0-9_\-]{6,}")


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorThread]:
    with EmulatorThread(api_keys=[FAKE_KEY], ms_per_char=5.0, connect_timeout_s=4.0) as emu:
        yield emu


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    server = start_lab(tmp_path_factory.mktemp("lab"), [])
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_chromium() as b:
        yield b


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # Keep every microphone track the page hands out, to prove each one is stopped.
    context.add_init_script(
        """(() => {
            window.__rtwMicTracks = [];
            const md = navigator.mediaDevices;
            if (!md || !md.getUserMedia) return;
            const gum = md.getUserMedia.bind(md);
            md.getUserMedia = async (c) => {
                const s = await gum(c);
                window.__rtwMicTracks.push(...s.getTracks());
                return s;
            };
        })()"""
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


def _notebook(lab: LabServer, page: Page, emulator: EmulatorThread, name: str) -> NotebookPage:
    # The key comes from a file, as from a secrets store: the notebook's source must not hold
    # it, so that any copy found in the saved notebook or its export is a leak.
    key_file = lab.root_dir.parent / "api_key.txt"
    key_file.write_text(FAKE_KEY)
    write_notebook(
        lab.root_dir / name,
        [
            (
                "code",
                "from realtime_widget import RealtimeWidget\n"
                "from pathlib import Path\n"
                f"key = Path({str(key_file)!r}).read_text().strip()\n"
                f"w = RealtimeWidget(api_key=key, base_url={emulator.base_url!r}, muted=True)\n"
                "del key\nw",
            )
        ],
    )
    notebook = NotebookPage(page, lab, name)
    notebook.open()
    notebook.run_all()
    return notebook


def _view(notebook: NotebookPage) -> Locator:
    view = notebook.output_of(0)
    expect(view.get_by_role("button", name="Connect", exact=True)).to_be_visible(timeout=30_000)
    return view


def _connect(view: Locator, kernel: AttachedKernel, emulator: EmulatorThread) -> None:
    view.get_by_role("button", name="Connect", exact=True).click()
    expect(view.get_by_role("status")).to_have_text("connected", timeout=30_000)
    kernel.wait_for("w.status == 'connected'", timeout=15, what="w.status")
    assert _active_calls(emulator) == 1


def _connected(
    lab: LabServer, page: Page, emulator: EmulatorThread, name: str
) -> tuple[NotebookPage, AttachedKernel, Locator]:
    """A new notebook `name` showing the widget, connected. The kernel's iopub queue holds only
    what came after the kernel was attached (rendering the view, connecting)."""
    notebook = _notebook(lab, page, emulator, name)
    kernel = notebook.kernel()
    kernel.drain_iopub()
    view = _view(notebook)
    _connect(view, kernel, emulator)
    return notebook, kernel, view


def _active_calls(emulator: EmulatorThread) -> int:
    return emulator.call(lambda emu: emu.active_call_count)


def _mic_tracks(page: Page) -> tuple[int, int]:
    """(microphone tracks handed out, still live) on the page."""
    counts: list[int] = page.evaluate(
        "() => [window.__rtwMicTracks.length,"
        " window.__rtwMicTracks.filter(t => t.readyState !== 'ended').length]"
    )
    return counts[0], counts[1]


def _no_call(emulator: EmulatorThread, timeout: float = 20) -> None:
    wait_until(lambda: _active_calls(emulator) == 0 or None, timeout=timeout, what="no active call")


@pytest.fixture(autouse=True)
def _no_call_left(emulator: EmulatorThread) -> Iterator[None]:
    yield
    for _ in range(100):
        if _active_calls(emulator) == 0:
            return
        time.sleep(0.1)
    for call_id in emulator.call(lambda emu: list(emu.calls)):
        emulator.run(emulator.emulator.hangup(call_id))


def test_kernel_restart_while_connected(
    lab: LabServer, page: Page, emulator: EmulatorThread
) -> None:
    problems = PageProblems()
    problems.watch(page)
    notebook, kernel, view = _connected(lab, page, emulator, "restart.ipynb")
    # A turn, so that "New session with context" is offered once the call has ended.
    box = view.get_by_role("textbox", name="Message")
    box.fill("Hello")
    box.press("Enter")
    expect(view.locator(".rtw-turn.rtw-assistant")).to_have_count(1, timeout=30_000)
    kernel.close()
    # What Kernel > Restart Kernel does once confirmed.
    page.evaluate(
        "async () => { await window.jupyterapp.shell.currentWidget.sessionContext"
        ".session.kernel.restart(); }"
    )
    # The browser must not keep talking to nobody: the call ends on the server.
    _no_call(emulator)
    # And the view says why.
    expect(view.get_by_role("alert")).to_contain_text(
        "The Python kernel restarted or stopped, so the call was closed", timeout=15_000
    )
    assert _mic_tracks(page) == (1, 0)
    # What needs the kernel is disabled (issue 13): re-running the cell is the way back.
    connect = view.get_by_role("button", name="Connect", exact=True)
    reconnect = view.get_by_role("button", name="New session with context")
    for control in (
        connect,
        reconnect,
        view.get_by_role("button", name="Send"),
        view.get_by_role("textbox", name="Message"),
        view.get_by_role("button", name="Mute microphone"),
    ):
        expect(control).to_be_disabled()
    expect(view.get_by_role("button", name="Download JSONL")).to_be_enabled()
    # A click (forced past the disabled state) neither replaces the reason nor throws.
    connect.click(force=True)
    reconnect.click(force=True)
    page.wait_for_timeout(1_000)
    alert = view.get_by_role("alert")
    expect(alert).to_contain_text("Re-run the cell that creates the widget")
    expect(alert).not_to_contain_text("Cannot send")
    assert problems.page_errors == []
    assert problems.unexpected_console_errors() == []
    notebook.close()


def test_notebook_closed_while_connected(
    lab: LabServer, page: Page, emulator: EmulatorThread
) -> None:
    problems = PageProblems()
    problems.watch(page)
    notebook, kernel, _ = _connected(lab, page, emulator, "closed.ipynb")
    # Close the notebook's tab only (saved first: no "unsaved changes" dialog); the kernel
    # keeps running.
    notebook.save()
    page.evaluate("() => window.jupyterapp.commands.execute('application:close')")
    expect(page.locator(".jp-Notebook")).to_have_count(0)

    _no_call(emulator)
    assert _mic_tracks(page) == (1, 0)
    assert problems.page_errors == []
    kernel.close()
    lab.shutdown_sessions_for("closed.ipynb")


def _iopub(kernel: AttachedKernel) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        try:
            out.append(kernel.client.get_iopub_msg(timeout=0.2))
        except Empty:
            return out


def test_key_not_in_iopub_saved_notebook_or_html_export(
    lab: LabServer, page: Page, emulator: EmulatorThread, tmp_path: Path
) -> None:
    notebook, kernel, view = _connected(lab, page, emulator, "secret.ipynb")
    box = view.get_by_role("textbox", name="Message")
    box.fill("hello")
    box.press("Enter")
    expect(view.locator(".rtw-assistant.rtw-complete .rtw-text")).to_have_text(
        "You said: hello", timeout=20_000
    )
    view.get_by_role("button", name="Disconnect", exact=True).click()
    _no_call(emulator)
    # Everything the kernel published (comm messages to the browser included).
    traffic = json.dumps([m.get("content") for m in _iopub(kernel)], default=str)
    assert '"method": "custom"' in traffic, "no widget message seen on iopub"
    notebook.save()
    saved = lab.read_notebook_file("secret.ipynb")
    assert "application/vnd.jupyter.widget-state+json" in saved, "widget state was not saved"
    html = tmp_path / "secret.html"
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html",
         "--output", str(html), str(lab.root_dir / "secret.ipynb")],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    for where, text in {
        "iopub traffic": traffic,
        "saved notebook": saved,
        "HTML export": html.read_text(),
    }.items():
        assert "DO-NOT-LEAK" not in text, f"the API key is in the {where}"
        assert not SECRET_SHAPE.search(text), f"a client secret is in the {where}"
    kernel.close()
    notebook.close()
    time.sleep(0)
