"""Fixtures for `RealtimeSession` / `WebSocketTransport` tests: a real in-process emulator
on 127.0.0.1 and sessions over real WebSocket, each checked when the test ends (every
logged event valid against its SDK type, no task left running)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from realtime_widget import RealtimeSession
from realtime_widget.conversation import Conversation
from realtime_widget.emulator import Emulator

from .live_types import assert_live_client_event, assert_live_server_event
from .openai_types import assert_client_event, assert_server_event

KEY = "sk-test-0123456789abcdef0123456789"

MakeSession = Callable[..., Awaitable[RealtimeSession]]


def assert_events_valid(conversation: Conversation) -> int:
    """Every event in the log, strictly against its own SDK type (of the conversation's
    API: `openai.types.realtime` or `openai.types.live`); returns how many."""
    count = 0
    for _, direction, payload in conversation.raw_events:
        assert isinstance(payload, dict), f"a non-JSON {direction} frame: {payload!r}"
        if str(payload.get("type", "")).startswith("realtime_widget."):
            continue  # the conversation's own marks (a session boundary), never on the wire
        if conversation.api == "live":
            if direction == "server":
                assert_live_server_event(payload)
            else:
                assert_live_client_event(payload)
        elif direction == "server":
            assert_server_event(payload)
        else:
            assert_client_event(payload)
        count += 1
    return count


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """An emulator that knows KEY, with fast text and a fast estimate of playback."""
    emulator = Emulator(api_keys=[KEY], text_delta_interval_s=0.002, audio_clock_speed=20.0)
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def make_session(emu: Emulator) -> AsyncIterator[MakeSession]:
    """`await make_session(**kwargs)`: a connected session on `emu` (connect=False: not)."""
    made: list[RealtimeSession] = []

    async def make(connect: bool = True, **kwargs: Any) -> RealtimeSession:
        kwargs.setdefault("api_key", KEY)
        kwargs.setdefault("base_url", emu.base_url)
        session = RealtimeSession(**kwargs)
        made.append(session)
        if connect:
            await session.connect()
        return session

    yield make
    for session in made:
        await session.close()
        assert session.running_tasks == 0
        assert_events_valid(session.conversation)
