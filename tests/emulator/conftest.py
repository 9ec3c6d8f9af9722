"""Fixtures for driving a SessionEngine without any transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from engine_harness import FakeLink, Harness, MakeEngine

from realtime_widget.emulator.engine import EngineOptions, SessionEngine


@pytest.fixture
async def make_engine() -> AsyncIterator[MakeEngine]:
    made: list[SessionEngine] = []
    links: list[FakeLink] = []

    def make(session: dict[str, Any] | None = None, start: bool = True, **opts: Any) -> Harness:
        opts.setdefault("text_delta_interval_s", 0.001)
        opts.setdefault("transcription_delay_s", 0.01)
        opts.setdefault("audio_clock_speed", 50.0)
        link = FakeLink()
        engine = SessionEngine(
            call_id="rtc_test", session=session or {}, link=link, options=EngineOptions(**opts)
        )
        made.append(engine)
        links.append(link)
        if start:
            engine.start()
        return Harness(engine, link)

    yield make
    for engine in made:
        engine.close()
    for link in links:
        assert not link.invalid, "server events that fail SDK validation:\n" + "\n".join(
            link.invalid
        )
