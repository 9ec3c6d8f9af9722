"""Helpers for driving a SessionEngine without any transport (used by conftest and tests)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import numpy as np
from support.openai_types import assert_server_event

from realtime_widget.emulator.engine import SessionEngine
from realtime_widget.emulator.speech import synthesize


class FakeLink:
    """Collects what the engine sends; validates every server event against the SDK."""

    def __init__(self) -> None:
        self.raw: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.channel_closed = False
        self.call_closed: str | None = None
        self.validate = True
        # Failures raised inside engine tasks would be swallowed by the task: keep them.
        self.invalid: list[str] = []

    def send_text(self, text: str) -> None:
        self.raw.append(text)
        try:
            evt = json.loads(text)
        except ValueError:
            return
        if self.validate:
            try:
                assert_server_event(evt)
            except AssertionError as exc:
                self.invalid.append(str(exc))
                raise
        self.events.append(evt)

    def close_channel(self) -> bool:
        self.channel_closed = True
        return False

    def close_call(self, reason: str) -> None:
        self.call_closed = reason

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]

    async def wait_for(self, kind: str, count: int = 1, timeout: float = 10.0) -> dict[str, Any]:
        async def poll() -> dict[str, Any]:
            while len(self.of(kind)) < count:
                await asyncio.sleep(0.005)
            return self.of(kind)[count - 1]

        return await asyncio.wait_for(poll(), timeout)


class Harness:
    def __init__(self, engine: SessionEngine, link: FakeLink) -> None:
        self.engine = engine
        self.link = link

    def send(self, evt: dict[str, Any]) -> None:
        self.engine.handle_message(json.dumps(evt))

    def feed(self, samples: np.ndarray, rate: int = 48_000, frame_ms: int = 20) -> None:
        step = rate * frame_ms // 1000
        for i in range(0, len(samples), step):
            self.engine.feed_mic(samples[i : i + step], rate)


MakeEngine = Callable[..., Harness]


def silence(ms: float, rate: int = 48_000) -> np.ndarray:
    return np.zeros(int(rate * ms / 1000), dtype=np.int16)


def speech(text: str = "hello there, how are you today", rate: int = 48_000) -> np.ndarray:
    return synthesize(text, sample_rate=rate)
