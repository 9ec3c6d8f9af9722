"""Fixtures for the emulator server tests (imported by those test modules).

`start_emulator(**kwargs)` starts a real `Emulator` on 127.0.0.1 and stops it at
the end of the test, so a test can run several side by side.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from realtime_widget.emulator import Emulator

StartEmulator = Callable[..., Awaitable[Emulator]]


@pytest.fixture
async def start_emulator() -> AsyncIterator[StartEmulator]:
    started: list[Emulator] = []

    async def _start(**kwargs: Any) -> Emulator:
        emu = Emulator(**kwargs)
        await emu.start()
        started.append(emu)
        return emu

    yield _start
    for emu in started:
        await emu.stop()


@pytest.fixture
async def emulator(start_emulator: StartEmulator) -> Emulator:
    return await start_emulator()
