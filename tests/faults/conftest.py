"""Fixtures for the fault suite: one emulator, one page server and one Chromium per module
(all on the module's event loop), a fresh page + Python widget per test, faults reset after
each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

from realtime_widget.emulator import EmulatorThread

from .bridge import CHROMIUM_ARGS, FAKE_KEY, Bridge, reset_faults, serve_pages

OpenBridge = Callable[..., Any]


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@pytest.fixture(scope="module")
def pages() -> Iterator[str]:
    yield from serve_pages()


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorThread]:
    with EmulatorThread(
        # A peer whose browser gave up (slow answer) is reaped in seconds, not 30.
        api_keys=[FAKE_KEY],
        ms_per_char=5.0,
        connect_timeout_s=4.0,
    ) as emu:
        yield emu


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            await b.close()


@pytest_asyncio.fixture(loop_scope="module")
async def open_bridge(
    browser: Browser, pages: str, emulator: EmulatorThread
) -> AsyncIterator[OpenBridge]:
    opened: list[Bridge] = []

    async def open_(**kwargs: Any) -> Bridge:
        b = await Bridge.open(browser, pages, emulator, **kwargs)
        opened.append(b)
        return b

    try:
        yield open_
    finally:
        for b in opened:
            await b.close()
        reset_faults(emulator)
        for _ in range(100):
            if emulator.call(lambda emu: emu.active_call_count) == 0:
                break
            await _sleep(0.05)


async def _sleep(s: float) -> None:
    import asyncio

    await asyncio.sleep(s)
