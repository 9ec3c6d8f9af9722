"""Fixtures for the fault suite: one emulator, one page server and one Chromium per module
(all on the module's event loop), a fresh page + Python widget per test, faults reset after
each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser
from support.chromium import async_chromium

from realtime_widget.emulator import EmulatorThread

from .bridge import FAKE_KEY, OpenBridge, open_bridges, serve_pages, wire_tapped_engine

__all__ = ["OpenBridge"]


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
        # Every call keeps its wire (engine.wire_log) for assert_events_kept.
        engine_factory=wire_tapped_engine,
    ) as emu:
        yield emu


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_chromium() as b:
        yield b


@pytest_asyncio.fixture(loop_scope="module")
async def open_bridge(
    browser: Browser, pages: str, emulator: EmulatorThread
) -> AsyncIterator[OpenBridge]:
    async with open_bridges(browser, pages, emulator) as open_:
        yield open_
