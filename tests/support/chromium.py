"""Headless Chromium for the browser tests: where it is, how it is launched, and the small
static server that hands it the harness pages (`js/tests/harness/`) and the built widget.

Every browser and JupyterLab test launches Chromium through here, so the flags that make
WebRTC work against a loopback emulator live in one place.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from playwright.async_api import Browser as AsyncBrowser
from playwright.async_api import async_playwright
from playwright.sync_api import Browser, sync_playwright

REPO = Path(__file__).resolve().parents[2]
HARNESS = REPO / "js" / "tests" / "harness"
STATIC = REPO / "realtime_widget" / "static"

#: Debian's Chromium, the default.
CHROMIUM = Path("/usr/bin/chromium")

#: Flags for every test browser.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    # Without this the SDP exchange with a loopback peer succeeds but no packet ever flows.
    "--allow-loopback-in-peer-connection",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Outside hosts fail at once instead of timing out inside ICE or background lookups.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)

#: For pages that play audio without a click first (JupyterLab, the plain client page).
AUTOPLAY_WITHOUT_GESTURE = "--autoplay-policy=no-user-gesture-required"

#: For the autoplay tests: the model's voice may not play until a click on the page.
AUTOPLAY_NEEDS_GESTURE = "--autoplay-policy=user-gesture-required"

#: Every permission prompt is answered "deny" (the microphone, as a person who refuses it).
DENY_PERMISSION_PROMPTS = "--deny-permission-prompts"

MISSING_CHROMIUM = (
    "Chromium not found (REALTIME_WIDGET_CHROMIUM, /usr/bin/chromium or `chromium` on PATH); "
    "install it with `apt-get install chromium` to run browser and JupyterLab tests"
)


def chromium_path() -> Path | None:
    """Where the system Chromium is, or None.

    REALTIME_WIDGET_CHROMIUM names it explicitly (and only it is tried); otherwise Debian's
    /usr/bin/chromium, then `chromium` on PATH.
    """
    explicit = os.environ.get("REALTIME_WIDGET_CHROMIUM")
    if explicit:
        return Path(explicit) if Path(explicit).exists() else None
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


def chromium_executable() -> str:
    """`chromium_path()` as a string for Playwright; a missing browser is an error here
    (tests/conftest.py has already turned it into a skip where that is allowed)."""
    path = chromium_path()
    if path is None:
        raise RuntimeError(MISSING_CHROMIUM)
    return str(path)


def without(*flags: str) -> tuple[str, ...]:
    """CHROMIUM_ARGS less some flags (e.g. no fake microphone, to test its absence)."""
    return tuple(a for a in CHROMIUM_ARGS if a not in flags)


def with_host_aliases(args: Sequence[str], *hosts: str) -> tuple[str, ...]:
    """`args` with `hosts` resolving to 127.0.0.1 (everything else still fails at once).

    A page from http://<alias>:PORT reaches a loopback server yet is NOT a secure context
    (only localhost and loopback addresses are), as a notebook served over plain HTTP from
    another machine is; Chromium reads the one resolver-rules flag, so it is replaced.
    """
    maps = ", ".join(f"MAP {host} 127.0.0.1" for host in hosts)
    kept = tuple(a for a in args if not a.startswith("--host-resolver-rules="))
    return (*kept, f"--host-resolver-rules={maps}, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")


@contextmanager
def sync_chromium(args: Sequence[str] = CHROMIUM_ARGS) -> Iterator[Browser]:
    """A headless Chromium for the sync Playwright API, closed on exit."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_executable(), headless=True, args=list(args)
        )
        try:
            yield browser
        finally:
            browser.close()


@asynccontextmanager
async def async_chromium(args: Sequence[str] = CHROMIUM_ARGS) -> AsyncIterator[AsyncBrowser]:
    """A headless Chromium for the async Playwright API, closed on exit."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium_executable(), headless=True, args=list(args)
        )
        try:
            yield browser
        finally:
            await browser.close()


class _HarnessHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the harness pages at / and the built widget at /static/, never cached."""

    index = "index.html"

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0].split("#", 1)[0]
        if path.startswith("/static/"):
            return str(STATIC / Path(path).name)
        return str(HARNESS / (Path(path).name or self.index))

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_harness(index: str = "index.html") -> Iterator[str]:
    """A static server on a free loopback port for the harness pages (`index` at /);
    yields its base URL."""
    if not (STATIC / "widget.js").exists():
        raise RuntimeError(
            "realtime_widget/static/widget.js is missing: run `npm run build` in js/ first"
        )

    class Handler(_HarnessHandler):
        pass

    Handler.index = index
    with serve_on_loopback(functools.partial(Handler, directory=str(HARNESS))) as url:
        yield url


@contextmanager
def serve_on_loopback(handler: Callable[..., http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on a free 127.0.0.1 port from a thread; yields the base URL and stops
    the server on exit."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
