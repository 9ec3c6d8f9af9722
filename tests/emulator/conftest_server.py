"""Fixtures for the emulator server tests (imported by those test modules).

`start_emulator(**kwargs)` starts a real `Emulator` on 127.0.0.1 and stops it at
the end of the test, so a test can run several side by side.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from realtime_widget.emulator import Emulator

try:  # TEMPORARY until engine.py lands: a do-nothing engine so HTTP tests can run.
    import realtime_widget.emulator.engine  # noqa: F401

    _TEMP_ENGINE: Any = None
except ImportError:
    import numpy as np

    class _NullOut:
        def read_frame(self, samples: int, sample_rate: int) -> Any:
            return np.zeros(samples, np.int16)

    class _NullEngine:
        def __init__(self, *, session: dict[str, Any], **_: Any) -> None:
            self.session = session
            self.audio_out = _NullOut()

        def start(self) -> None: ...
        def handle_message(self, text: str) -> None: ...
        def feed_mic(self, samples: Any, sample_rate: int) -> None: ...
        def close(self) -> None: ...

    _TEMP_ENGINE = _NullEngine

StartEmulator = Callable[..., Awaitable[Emulator]]


@pytest.fixture
async def start_emulator() -> AsyncIterator[StartEmulator]:
    started: list[Emulator] = []

    async def _start(**kwargs: Any) -> Emulator:
        if _TEMP_ENGINE is not None:
            kwargs.setdefault("engine_factory", _TEMP_ENGINE)
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
