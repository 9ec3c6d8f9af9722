"""Faults that need a real JupyterLab: the kernel restarts while connected, the notebook is
closed while connected, the page reloads mid-response, the data channel drops mid-response,
the server answers a client event with an error; and the saved notebook (widget state on) /
HTML export / iopub traffic never carry the API key or a client secret (with
signaling="kernel", no client secret at all).

The emulator runs in this test process (not in the kernel), so a call that outlives its
kernel or its notebook would still be visible in its counters.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from queue import Empty
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
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

from .bridge import FAKE_KEY, reset_faults, wire_tapped_engine

pytestmark = [pytest.mark.faults, pytest.mark.browser, pytest.mark.jupyter]

SECRET_SHAPE = re.compile(r"\bek_[A-Za-z0-9_\-]{6,}")


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorThread]:
    with EmulatorThread(
        api_keys=[FAKE_KEY],
        ms_per_char=5.0,
        connect_timeout_s=4.0,
        engine_factory=wire_tapped_engine,
    ) as emu:
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


def _notebook(
    lab: LabServer, page: Page, emulator: EmulatorThread, name: str, signaling: str = "browser"
) -> NotebookPage:
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
                f"w = RealtimeWidget(api_key=key, base_url={emulator.base_url!r}, muted=True, "
                f"signaling={signaling!r})\n"
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
    # Deliberate: a second passes, then the NEGATIVE check that nothing replaced the reason.
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


class _IopubRecorder:
    """A client of its own on the kernel's iopub channel (the notebook's connection file), read
    by a thread of its own: it keeps every message the kernel publishes, whatever any other
    client (the attached one's execute_interactive discards what is not its own) reads."""

    def __init__(self, connection_file: Path) -> None:
        self.messages: list[dict[str, Any]] = []
        self._client = BlockingKernelClient(connection_file=str(connection_file))
        self._client.load_connection_file()
        self._client.start_channels(shell=False, iopub=True, stdin=False, hb=False, control=False)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="iopub-recorder", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                self.messages.append(self._client.get_iopub_msg(timeout=0.1))
            except Empty:
                continue

    def subscribed(self, kernel: AttachedKernel, timeout: float = 20) -> None:
        """Returns once this client provably receives: a marker printed in the kernel arrived
        (a SUB socket misses what is published before its subscription has reached the
        kernel)."""
        marker = f"iopub-recorder-{secrets.token_hex(4)}"
        deadline = time.monotonic() + timeout
        while True:
            kernel.run(f"print({marker!r})")
            try:
                wait_until(lambda: self._has(marker), timeout=1, what="the recorder's marker")
                return
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise

    def _has(self, text: str) -> bool:
        return any(text in json.dumps(m.get("content"), default=str) for m in self.messages)

    def close(self) -> list[dict[str, Any]]:
        """Stop reading (after the kernel's last idle status is in) and return the messages."""
        wait_until(self._settled, timeout=10, what="the kernel's iopub to go quiet")
        self._stop.set()
        self._thread.join(timeout=5)
        self._client.stop_channels()
        return list(self.messages)

    def _settled(self) -> bool:
        n = len(self.messages)
        time.sleep(0.5)  # no new message for half a second: the kernel has published all
        return len(self.messages) == n


def _wire(message: dict[str, Any]) -> str:
    """Everything of one iopub message a reader could see: header, parent, metadata,
    content and buffers."""
    parts = {k: message.get(k) for k in ("header", "parent_header", "metadata", "content")}
    buffers = [bytes(b).decode("utf-8", "replace") for b in message.get("buffers") or []]
    return json.dumps({**parts, "buffers": buffers}, default=str)


def _minted(emulator: EmulatorThread) -> set[str]:
    """The client secrets the emulator has minted and still holds."""
    return set(emulator.call(lambda emu: list(emu.secrets._secrets)))


@pytest.mark.parametrize("signaling", ["browser", "kernel"])
def test_key_not_in_iopub_saved_notebook_or_html_export(
    lab: LabServer, page: Page, emulator: EmulatorThread, tmp_path: Path, signaling: str
) -> None:
    name = f"secret-{signaling}.ipynb"
    notebook = _notebook(lab, page, emulator, name, signaling)
    kernel = notebook.kernel()
    view = _view(notebook)
    # Subscribed before Connect, so the mint's rpc-reply is on record.
    recorder = _IopubRecorder(lab.connection_file(notebook.kernel_id))
    recorder.subscribed(kernel)
    minted_before = _minted(emulator)
    _connect(view, kernel, emulator)
    box = view.get_by_role("textbox", name="Message")
    box.fill("hello")
    box.press("Enter")
    expect(view.locator(".rtw-assistant.rtw-complete .rtw-text")).to_have_text(
        "You said: hello", timeout=20_000
    )
    view.get_by_role("button", name="Disconnect", exact=True).click()
    _no_call(emulator)
    messages = recorder.close()
    new_secrets = _minted(emulator) - minted_before
    if signaling == "kernel":
        # The kernel posted the offer with the key: no secret was minted, none travelled.
        assert new_secrets == set(), f"a client secret was minted: {len(new_secrets)}"
        others = messages
        secret = None
    else:
        assert len(new_secrets) == 1, f"one client secret minted for the call, got {new_secrets}"
        secret = new_secrets.pop()
        # The secret travels to the browser once, in the reply to its request, and nowhere else.
        carrying = [m for m in messages if secret in _wire(m)]
        assert len(carrying) == 1, (
            f"the client secret is in {len(carrying)} iopub messages (expected 1): "
            f"{[(m['msg_type'], m.get('content')) for m in carrying][:3]}"
        )
        reply = carrying[0]
        assert reply["msg_type"] == "comm_msg", reply["msg_type"]
        data = reply["content"]["data"]
        assert data["method"] == "custom"
        assert data["content"]["type"] == "rpc-reply" and data["content"]["ok"] is True
        assert data["content"]["result"]["value"] == secret
        assert _wire(reply).count(secret) == 1, "the secret is repeated inside its rpc-reply"
        others = [m for m in messages if m is not reply]
    assert any(
        m["msg_type"] == "comm_msg" and m["content"]["data"].get("method") == "custom"
        for m in others
    ), "no other widget message seen on iopub"
    traffic = "\n".join(_wire(m) for m in others)

    notebook.save()
    saved = lab.read_notebook_file(name)
    assert "application/vnd.jupyter.widget-state+json" in saved, "widget state was not saved"
    html = tmp_path / "secret.html"
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html",
         "--output", str(html), str(lab.root_dir / name)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    for where, text in {
        "iopub traffic (besides the rpc-reply)" if secret else "iopub traffic": traffic,
        "saved notebook": saved,
        "HTML export": html.read_text(),
    }.items():
        assert FAKE_KEY not in text and "DO-NOT-LEAK" not in text, f"the API key is in the {where}"
        assert secret is None or secret not in text, f"the client secret is in the {where}"
        assert not SECRET_SHAPE.search(text), f"a client secret is in the {where}"
    kernel.close()
    notebook.close()


# --------------------------------------------------------------------------- mid-response


def _wire_ids(emulator: EmulatorThread, call_id: str) -> list[str]:
    """The event ids the emulator put on the call's data channel, in order."""

    def read(emu: Any) -> list[str]:
        ids = []
        for message in emu.calls[call_id].engine.wire_log:
            event = json.loads(message) if isinstance(message, str) else message
            ids.append(str(event.get("event_id")))
        return ids

    return emulator.call(read)


def _kernel_ids(kernel: AttachedKernel) -> list[str]:
    return kernel.eval(
        "[str(p.get('event_id')) for _t, d, p in w.conversation.raw_events"
        " if d == 'server' and isinstance(p, dict)]"
    )


def _assert_kept_in_order(kernel: AttachedKernel, emulator: EmulatorThread, call_id: str) -> None:
    """The call's events in the kernel are exactly the first N the emulator sent, once each
    and in order: no gap and no copy. (After a reload, what the old page had not yet handed
    to the kernel is gone with it, so N may be less than everything sent.)"""
    wire = _wire_ids(emulator, call_id)
    on_call = set(wire)
    logged = [i for i in _kernel_ids(kernel) if i in on_call]
    assert logged, "nothing of the call reached the kernel"
    assert len(set(logged)) == len(logged), "an event reached the kernel twice"
    assert logged == wire[: len(logged)], "the kernel's events differ from the wire's order"


def _send_long_text(kernel: AttachedKernel) -> None:
    kernel.run("w.send_text('Please answer at length: ' + 'tell me more about the sea. ' * 40)")


def test_page_reload_mid_response_releases_the_call_and_keeps_what_arrived(
    lab: LabServer, page: Page, emulator: EmulatorThread
) -> None:
    notebook, kernel, view = _connected(lab, page, emulator, "reload.ipynb")
    call_id = kernel.eval("w.call_id")
    _send_long_text(kernel)
    kernel.wait_for(
        "sum(1 for _t, d, p in w.conversation.raw_events if d == 'server' and isinstance(p, dict)"
        " and p.get('type', '').endswith('.delta')) >= 5",
        timeout=20,
        what="the reply streaming",
    )
    page.reload()
    _no_call(emulator)  # the page's call is gone with it
    # The reloaded notebook comes from disk, without outputs: show the same widget again.
    notebook.open()
    cell = notebook.add_cell_and_run("w")
    view = cell.locator(".rtw")
    expect(view.get_by_role("button", name="Connect", exact=True)).to_be_visible()
    kernel.wait_for("w.status == 'idle'", timeout=20, what="status idle after the reload")
    expect(view.get_by_role("status")).to_have_text("idle")
    _assert_kept_in_order(kernel, emulator, call_id)
    # Connect works again from the new page, for real.
    _connect(view, kernel, emulator)
    view.get_by_role("button", name="Disconnect", exact=True).click()
    _no_call(emulator)


def test_data_channel_dropped_mid_response(
    lab: LabServer, page: Page, emulator: EmulatorThread
) -> None:
    _notebook, kernel, view = _connected(lab, page, emulator, "dropped.ipynb")
    call_id = kernel.eval("w.call_id")
    emulator.set_faults(drop_channel_after_response_events=6)
    try:
        _send_long_text(kernel)
        kernel.wait_for("w.status == 'error'", timeout=30, what="the call to end with an error")
        error = kernel.eval("w.error")
        assert error, "no error text in Python"
        expect(view.locator(".rtw-error")).to_contain_text(error[:40])
        _no_call(emulator)
        assert _mic_tracks(page)[1] == 0, "a microphone track is still live"
        _assert_kept_in_order(kernel, emulator, call_id)
    finally:
        reset_faults(emulator)
    _connect(view, kernel, emulator)
    kernel.run("w.send_text('Hello again')")
    kernel.wait_for(
        "any(isinstance(p, dict) and p.get('type') == 'response.done'"
        " for _t, d, p in w.conversation.raw_events[-200:])",
        timeout=30,
        what="a reply on the new call",
    )
    view.get_by_role("button", name="Disconnect", exact=True).click()
    _no_call(emulator)


def test_a_server_error_event_is_shown_and_the_session_goes_on(
    lab: LabServer, page: Page, emulator: EmulatorThread
) -> None:
    _notebook, kernel, view = _connected(lab, page, emulator, "server-error.ipynb")
    emulator.set_faults(error_on_client_event_types={"response.create"})
    try:
        event_id = kernel.eval("w.respond('Say hi.')")
        alert = view.get_by_role("alert").filter(has_text="The server reported an error")
        expect(alert).to_contain_text(f"caused by the client event response.create {event_id}")
        kernel.wait_for(f"{event_id!r} in w.error", timeout=15, what="the error in Python")
        assert kernel.eval("w.status") == "connected"
    finally:
        reset_faults(emulator)
    before = kernel.eval("len(w.conversation)")
    kernel.run("w.send_text('Are you still there?')")
    kernel.wait_for(
        f"any(isinstance(p, dict) and p.get('type') == 'response.done'"
        f" for _t, d, p in w.conversation.raw_events[{before}:])",
        timeout=30,
        what="a reply after the error",
    )
    expect(view.get_by_role("status")).to_have_text("connected")
    view.get_by_role("button", name="Disconnect", exact=True).click()
    _no_call(emulator)
