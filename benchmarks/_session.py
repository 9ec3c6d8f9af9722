"""One benchmark session: the bench emulator process, JupyterLab, headless Chromium, a notebook.

Reuses the end-to-end harness (`tests/e2e/lab.py`, `tests/e2e/conftest.py`) by import, so the
benchmarks drive JupyterLab exactly as the e2e tests do. Also serves the plain HTML page
(the tutorial pattern) and a stand-in page for render timing from a second origin.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import math
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path  # noqa: E402
from tests.e2e.lab import (  # noqa: E402
    AttachedKernel,
    LabServer,
    NotebookPage,
    PageProblems,
    kernel_environment,
    start_lab,
    stop_process,
    write_notebook,
)
from tests.e2e.lab import KernelError as KernelError  # noqa: E402  (re-exported)
from tests.support.chromium import serve_on_loopback  # noqa: E402

PAGES = Path(__file__).resolve().parent / "pages"
STATIC = REPO / "realtime_widget" / "static"
INSTRUMENT_JS = (PAGES / "instrument.js").read_text(encoding="utf-8")

# The notebook only displays objects; they are created through the attached kernel client so
# that the emulator key never appears in a cell (and so never in a saved notebook).
NOTEBOOK_CELLS = [
    ("code", "w"),
    ("code", "naive_msg"),
    ("code", "naive_list"),
    ("code", "naive_frame"),
    # connect.py's three modes, one widget each (appended: delivery.py uses the cells above).
    ("code", "cw_browser"),
    ("code", "cw_kernel"),
    ("code", "cw_sideband"),
]
WIDGET_CELL, MSG_CELL, LIST_CELL, FRAME_CELL = 0, 1, 2, 3
CONNECT_CELLS = {"cw_browser": 4, "cw_kernel": 5, "cw_sideband": 6}


@dataclass
class BenchEmulator:
    url: str
    api_key: str
    proc: subprocess.Popen[bytes]
    http: httpx.Client

    def flood(self, tag: str, n: int, rate: float = 0.0, call_id: str | None = None) -> str:
        body: dict[str, Any] = {"tag": tag, "n": n, "rate": rate}
        if call_id:
            body["call_id"] = call_id
        response = self.http.post("/bench/flood", json=body)
        response.raise_for_status()
        return str(response.json()["call_id"])

    def sent(self, tag: str) -> dict[str, Any]:
        response = self.http.get("/bench/sent", params={"tag": tag})
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def active_calls(self) -> list[str]:
        response = self.http.get("/bench/calls")
        response.raise_for_status()
        return list(response.json()["active"])


@contextlib.contextmanager
def bench_emulator() -> Iterator[BenchEmulator]:
    key = f"sk-bench-{secrets.token_hex(12)}"
    log_fd, log_name = tempfile.mkstemp(prefix="bench-emulator-", suffix=".log")
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("bench_emulator.py")), "--api-key", key],
        cwd=REPO,
        env=kernel_environment(),
        stdout=subprocess.PIPE,
        stderr=log_fd,
        start_new_session=True,
    )
    os.close(log_fd)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode().strip()
    url = next((w for w in line.split() if w.startswith("http://")), None)
    if url is None:
        stop_process(proc)
        raise RuntimeError(f"bench emulator did not start (got {line!r}); log: {log_name}")
    client = httpx.Client(base_url=url, timeout=30.0)
    try:
        yield BenchEmulator(url=url, api_key=key, proc=proc, http=client)
    finally:
        client.close()
        stop_process(proc)
        proc.stdout.close()


class _PageHandler(http.server.SimpleHTTPRequestHandler):
    """Serves benchmarks/pages/ at / and the built widget at /static/, plus POST-less /secret."""

    emulator_url = ""
    api_key = ""

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0]
        if path.startswith("/static/"):
            return str(STATIC / Path(path).name)
        return str(PAGES / (Path(path).name or "plain.html"))

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/secret":
            self._secret()
            return
        super().do_GET()

    def _secret(self) -> None:
        # The tutorial's server endpoint: mint a client secret with the standard key.
        body = {"session": {"type": "realtime", "model": "gpt-realtime"}}
        with httpx.Client(timeout=10.0) as client:
            r = client.post(
                f"{self.emulator_url}/v1/realtime/client_secrets",
                json=body,
                headers={"Authorization": f"Bearer {self.api_key}"},
            )
        data = json.dumps({"value": r.json()["value"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def page_server(emulator: BenchEmulator) -> Iterator[str]:
    handler = type(
        "Handler", (_PageHandler,), {"emulator_url": emulator.url, "api_key": emulator.api_key}
    )
    with serve_on_loopback(functools.partial(handler, directory=str(PAGES))) as url:
        yield url


@dataclass
class Session:
    emulator: BenchEmulator
    lab: LabServer
    browser: Browser
    page: Page
    notebook: NotebookPage
    kernel: AttachedKernel
    pages_url: str
    tmp: Path
    problems: PageProblems  # console errors and uncaught exceptions of the notebook page
    lab_start_s: float
    notebook_open_s: float

    def new_page(self) -> Page:
        context = self.browser.new_context(permissions=["microphone"])
        context.add_init_script(INSTRUMENT_JS)
        page = context.new_page()
        page.set_default_timeout(60_000)
        return page


_KERNEL_SETUP = """
import sys, logging
sys.path.insert(0, {repo!r})
logging.getLogger("realtime_widget").setLevel(logging.ERROR)
from realtime_widget import RealtimeWidget
from benchmarks.kernel_side import record_widget, PerMessageWidget, ListTraitWidget, FrameListWidget
w = RealtimeWidget(api_key={key!r}, base_url={url!r}, turn_detection=None, transcription=None)
w.muted = True
rec = record_widget(w)
naive_msg = PerMessageWidget({url!r}, {key!r})
naive_list = ListTraitWidget({url!r}, {key!r})
naive_frame = FrameListWidget({url!r}, {key!r})
import time
_cw = dict(api_key={key!r}, base_url={url!r}, turn_detection=None, transcription=None)
cw_browser = RealtimeWidget(signaling="browser", sideband=False, **_cw)
cw_kernel = RealtimeWidget(signaling="kernel", sideband=False, **_cw)
cw_sideband = RealtimeWidget(signaling="browser", sideband=True, **_cw)
cw_rec = {{}}
for _name in ("cw_browser", "cw_kernel", "cw_sideband"):
    globals()[_name].muted = True
    cw_rec[_name] = record_widget(globals()[_name])
cw_attached = []  # time.time() of each sideband_state -> "attached" of cw_sideband
cw_sideband.observe(
    lambda change: cw_attached.append(time.time()) if change["new"] == "attached" else None,
    names="sideband_state",
)
"""


@contextlib.contextmanager
def session() -> Iterator[Session]:
    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Chromium not found (expected /usr/bin/chromium)")
    with tempfile.TemporaryDirectory(prefix="rtw-bench-") as tmp_name:
        tmp = Path(tmp_name)
        with bench_emulator() as emulator, page_server(emulator) as pages_url:
            notebook_path = write_notebook(tmp / "bench.ipynb", NOTEBOOK_CELLS)
            started = time.monotonic()
            lab = start_lab(tmp / "lab", [notebook_path])
            lab_start_s = time.monotonic() - started
            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=str(executable),
                        headless=True,
                        args=[*CHROMIUM_ARGS, "--js-flags=--expose-gc"],
                    )
                    try:
                        context = browser.new_context(
                            viewport={"width": 1280, "height": 900}, permissions=["microphone"]
                        )
                        context.add_init_script(INSTRUMENT_JS)
                        page = context.new_page()
                        page.set_default_timeout(60_000)
                        problems = PageProblems()
                        problems.watch(page)
                        notebook = NotebookPage(page, lab, notebook_path.name)
                        started = time.monotonic()
                        notebook.open()
                        kernel = notebook.kernel()
                        setup = _KERNEL_SETUP.format(
                            repo=str(REPO), key=emulator.api_key, url=emulator.url
                        )
                        kernel.run(setup)
                        notebook.run_all()
                        # A connect() sent before the browser has built the widget's model is
                        # lost, so wait until the view is drawn.
                        page.get_by_role("button", name="Connect", exact=True).first.wait_for()
                        open_s = time.monotonic() - started
                        yield Session(
                            emulator=emulator,
                            lab=lab,
                            browser=browser,
                            page=page,
                            notebook=notebook,
                            kernel=kernel,
                            pages_url=pages_url,
                            tmp=tmp,
                            problems=problems,
                            lab_start_s=lab_start_s,
                            notebook_open_s=open_s,
                        )
                        notebook.close()
                    finally:
                        browser.close()
            finally:
                lab.close()


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return percentile(values, 50)
