"""Kernel signaling end to end (issue 16): real JupyterLab, Chromium, WebRTC to the emulator.

`RealtimeWidget(signaling="kernel")` in a notebook: Connect in the page, a typed turn gets its
reply, and no client secret exists anywhere. The built-in emulator (in the kernel) counts no
`client_secrets` request and holds no secret; the page never requests the API itself (the
kernel posted the offer); and neither an `ek_`-shaped value nor the key the widget uses is in
anything the page sent or received over its websockets, in its DOM, in the saved notebook
(widget state on), in the widget's log records, its JSONL log or JupyterLab's server log.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import Page, WebSocket, expect

from .conftest import OpenNotebook
from .lab import LabServer, PageProblems, write_notebook
from .test_widget_e2e import KERNEL_PROBE, connect, type_message, wait_assistant_reply, widget_view

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

CLIENT_SECRET = re.compile(r"\bek_[A-Za-z0-9_\-]{6,}")

NOTEBOOK = "kernel-signaling.ipynb"
LOG_FILE = "kernel-signaling.jsonl"
WIDGET = f"""\
from realtime_widget import RealtimeWidget
w = RealtimeWidget(signaling="kernel", log_path="{LOG_FILE}")
w"""

# Run in the kernel before the notebook: every realtime_widget log record, kept as text.
CAPTURE_LOGS = """\
import logging
e2e_log_lines = []

class E2eLogLines(logging.Handler):
    def emit(self, record):
        e2e_log_lines.append(self.format(record))

_e2e_handler = E2eLogLines(logging.DEBUG)
_e2e_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
logging.getLogger("realtime_widget").addHandler(_e2e_handler)
logging.getLogger("realtime_widget").setLevel(logging.DEBUG)
"""

# The built-in emulator's counters and secret store, read on its own loop.
COUNTERS = (
    "e2e_shared_emulator().call(lambda emu: {"
    "'client_secrets': dict(emu.stats.client_secret_requests), "
    "'calls': dict(emu.stats.call_requests), "
    "'minted': len(emu.secrets._secrets)})"
)


class PageTraffic:
    """Every frame the page sent or received on its websockets, and every request it made."""

    def __init__(self, page: Page) -> None:
        self.frames: list[str] = []
        self.requests: list[str] = []
        page.on("websocket", self._on_websocket)
        page.on("request", lambda request: self.requests.append(f"{request.method} {request.url}"))

    def _on_websocket(self, ws: WebSocket) -> None:
        ws.on("framesent", self._keep)
        ws.on("framereceived", self._keep)

    def _keep(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            payload = payload.decode("utf-8", "replace")
        self.frames.append(payload)

    def text(self) -> str:
        return "\n".join(self.frames)


def test_kernel_signaling_talks_and_no_client_secret_exists_anywhere(
    jupyter_server: LabServer,
    open_notebook: OpenNotebook,
    page: Page,
    page_problems: PageProblems,
) -> None:
    started = time.monotonic()
    traffic = PageTraffic(page)
    source = write_notebook(jupyter_server.root_dir / NOTEBOOK, [("code", WIDGET)])
    notebook = open_notebook(NOTEBOOK)  # its own copy, with its own kernel
    source.unlink()
    kernel = notebook.kernel()
    kernel.run(CAPTURE_LOGS + KERNEL_PROBE)
    notebook.run_all()
    kernel.run("w.muted = True")  # typed turns only: the fake microphone stays out of it
    assert kernel.eval("w.signaling") == "kernel"

    view = widget_view(notebook, 0)
    connect(view, kernel)
    call_id: str = kernel.eval("w.call_id")
    assert call_id.startswith("rtc_")
    assert kernel.eval("w._offers.call_ids") == [call_id]  # the call the kernel started
    typed = "Hello over kernel signaling"
    type_message(view, typed)
    reply = wait_assistant_reply(kernel, after=0)
    expect(view).to_contain_text(reply, timeout=15_000)
    expect(view).to_contain_text(typed)
    assert kernel.eval("e2e_server_types(w)[0]") == "session.created"

    # No client secret was asked for or minted; one call request, answered 201.
    counters: dict[str, Any] = kernel.eval(COUNTERS)
    # (The status keys come back as JSON object keys: strings.)
    assert counters == {"client_secrets": {}, "calls": {"201": 1}, "minted": 0}, counters
    # The page never talked to the API: the kernel posted the offer.
    assert not [r for r in traffic.requests if "/v1/realtime" in r], traffic.requests

    notebook.save()
    saved = jupyter_server.read_notebook_file(notebook.notebook)
    assert "application/vnd.jupyter.widget-state+json" in saved, "widget state was not saved"
    logs: list[str] = kernel.eval("e2e_log_lines")
    assert any(call_id in line for line in logs), "the log does not say which call started"
    places = {
        "the page's websocket traffic": traffic.text(),
        "the page's requests": "\n".join(traffic.requests),
        "the page": page.content(),
        "the saved notebook": saved,
        "the widget's log records": "\n".join(logs),
        "the JSONL log": (jupyter_server.root_dir / LOG_FILE).read_text(encoding="utf-8"),
        "JupyterLab's log": jupyter_server.log_tail(2_000_000),
        "the widget state": kernel.eval("e2e_state_json(w)"),
    }
    assert "sdp_offer" in places["the page's websocket traffic"], "no comm traffic recorded"
    # Read only now: the attached client's result is broadcast to the page's websocket too.
    key: str = kernel.eval("w._api_key")  # the built-in emulator's key: it must stay there
    assert key.startswith("emulator-")
    for where, text in places.items():
        assert key not in text, f"the widget's API key is in {where}"
        found = CLIENT_SECRET.findall(text)
        assert not found, f"something shaped like a client secret in {where}: {found[:3]}"

    view.get_by_role("button", name="Disconnect", exact=True).click()
    kernel.wait_for("e2e_active_calls() == 0", timeout=15, what="the emulator to see the hang-up")
    (jupyter_server.root_dir / LOG_FILE).unlink(missing_ok=True)
    assert page_problems.page_errors == []
    assert page_problems.console_errors == []
    assert page_problems.failed_requests == []
    print(f"\n[e2e] kernel signaling: open, talk and scan in {time.monotonic() - started:.1f} s")
