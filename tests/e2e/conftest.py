"""Fixtures for the end-to-end tests: emulator process, JupyterLab, Chromium, one page per test.

One JupyterLab server and one browser serve the whole e2e package (each costs seconds to
start); every test gets a fresh browser context and page, and its own copy of a notebook so
that it also gets its own kernel.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

# Through `tests.`: benchmarks/_session.py imports this module with only the repository on
# sys.path.
from tests.support.chromium import AUTOPLAY_WITHOUT_GESTURE, sync_chromium
from tests.support.chromium import CHROMIUM_ARGS as BASE_ARGS
from tests.support.chromium import chromium_path as chromium_path

from .fake_mic import speech_like_pcm, write_wav
from .lab import (
    ARTIFACTS,
    REPO,
    LabServer,
    NotebookPage,
    PageProblems,
    kernel_environment,
    start_lab,
)
from .lab import stop_process as _stop

NOTEBOOKS = REPO / "notebooks"

OpenNotebook = Callable[[str], NotebookPage]


# JupyterLab plays the model's audio without a click first. (benchmarks/_session.py imports
# these two names from here.)
CHROMIUM_ARGS = [*BASE_ARGS, AUTOPLAY_WITHOUT_GESTURE]


# --------------------------------------------------------------------------- emulator (CLI)


@dataclass(frozen=True)
class EmulatorProcess:
    url: str
    api_key: str  # the only key it accepts; anything else gets the real API's 401


@pytest.fixture(scope="package")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """`python -m realtime_widget.emulator` restricted to one key, reachable by any kernel."""
    api_key = f"sk-e2e-{secrets.token_hex(12)}"
    log_path = tmp_path_factory.mktemp("emulator") / "emulator.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "realtime_widget.emulator",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--api-key",
                api_key,
            ],
            cwd=REPO,
            env=kernel_environment(),
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,
        )
    assert proc.stdout is not None
    first_line = proc.stdout.readline().decode().strip()
    try:
        url = next(word for word in first_line.split() if word.startswith("http://"))
    except StopIteration:
        _stop(proc)
        pytest.fail(
            f"emulator CLI did not print its URL first (got {first_line!r}); "
            f"log: {log_path.read_text(errors='replace')[-2000:]}"
        )
    try:
        yield EmulatorProcess(url=url.rstrip("/"), api_key=api_key)
    finally:
        _stop(proc)
        proc.stdout.close()


@pytest.fixture(scope="package")
def emulator_url(emulator: EmulatorProcess) -> str:
    return emulator.url


# --------------------------------------------------------------------------- JupyterLab


@pytest.fixture(scope="package")
def jupyter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    base = tmp_path_factory.mktemp("jupyterlab")
    lab = start_lab(base, sorted(NOTEBOOKS.glob("*.ipynb")))
    # The notebooks read their data (analysis.ipynb: data/demo_session.jsonl) beside them.
    shutil.copytree(NOTEBOOKS / "data", lab.root_dir / "data")
    print(f"\n[e2e] JupyterLab ready in {lab.started_in_s:.2f} s at {lab.url}")
    try:
        yield lab
    finally:
        lab.close()


# --------------------------------------------------------------------------- Chromium


@pytest.fixture(scope="package")
def fake_mic_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_wav(tmp_path_factory.mktemp("mic") / "speech-like.wav", speech_like_pcm())


@pytest.fixture(scope="package")
def browser(fake_mic_wav: Path) -> Iterator[Browser]:
    started = time.monotonic()
    with sync_chromium(
        [*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={fake_mic_wav}"]
    ) as browser:
        print(f"\n[e2e] Chromium up in {time.monotonic() - started:.2f} s")
        yield browser


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Keep each phase's report on the test so fixtures can tell at teardown that it failed.
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    report = getattr(request.node, "e2e_report_call", None)
    return bool(report is not None and report.failed)


@pytest.fixture
def page(
    browser: Browser, page_problems: PageProblems, request: pytest.FixtureRequest
) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        permissions=["microphone"],
        color_scheme="light",
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    page_problems.watch(page)
    try:
        yield page
        _record_failure(page, page_problems, request)
    finally:
        context.close()


def _record_failure(page: Page, problems: PageProblems, request: pytest.FixtureRequest) -> None:
    """After a failed test: what the page showed and said, once, before anything is torn down."""
    if not _failed(request) or getattr(request.node, "e2e_recorded", False):
        return
    request.node.e2e_recorded = True
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"FAILED-{request.node.name}.png"
    with suppress(Exception):
        page.screenshot(path=str(shot), full_page=True)
    print(f"\n[e2e] failure screenshot: {shot}")
    print(f"[e2e] console errors: {problems.console_errors}")
    print(f"[e2e] page errors: {problems.page_errors}")
    print(f"[e2e] failed requests: {problems.failed_requests}")


@pytest.fixture
def open_notebook(
    page: Page,
    jupyter_server: LabServer,
    page_problems: PageProblems,
    request: pytest.FixtureRequest,
) -> Iterator[OpenNotebook]:
    """Open a private copy of a notebook from notebooks/ (or the server root) in this page."""
    opened: list[tuple[NotebookPage, Path]] = []

    def factory(source: str) -> NotebookPage:
        name = f"{Path(source).stem}-{request.node.name}-{os.getpid()}.ipynb"
        name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
        target = jupyter_server.root_dir / name
        target.write_bytes((jupyter_server.root_dir / source).read_bytes())
        notebook = NotebookPage(page, jupyter_server, name)
        opened.append((notebook, target))
        notebook.open()
        return notebook

    yield factory
    # Shutting the kernel down ends the call too (the built-in emulator lives in the kernel),
    # so a failure is recorded first, as it was.
    _record_failure(page, page_problems, request)
    for notebook, target in opened:
        notebook.close()
        target.unlink(missing_ok=True)
