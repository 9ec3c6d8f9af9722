"""The official SDK's realtime WebSocket client as a test client of the emulator: every
event sent and received validated strictly against its own SDK type."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from openai import AsyncOpenAI
from openai.resources.realtime.realtime import AsyncRealtimeConnection

from realtime_widget.emulator import Emulator

from .openai_types import assert_client_event, assert_server_event

Event = dict[str, Any]

KEY = "sk-test-0123456789abcdef0123456789"

#: A function tool the emulator calls when the user's text names it ("get_weather").
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def user_text(text: str) -> Event:
    """A user text message as a `conversation.item.create`."""
    return {
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": text}],
        },
    }


class ValidatedConnection:
    """One SDK connection: every event sent and received is kept and validated, each by
    the checks of its own API (`check_sent`, `check_received`, given by a subclass)."""

    wait_timeout = 15.0

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.events: list[Event] = []

    def check_sent(self, evt: Event) -> None:
        raise NotImplementedError

    def check_received(self, evt: Event) -> None:
        raise NotImplementedError

    async def send(self, evt: Event) -> None:
        self.check_sent(evt)
        await self.conn.send(evt)

    async def recv(self) -> Event:
        evt: Event = json.loads(await self.conn.recv_bytes())
        self.check_received(evt)
        self.events.append(evt)
        return evt

    async def wait_for(self, kind: str, timeout: float | None = None) -> Event:
        async def read() -> Event:
            while True:
                evt = await self.recv()
                if evt["type"] == kind:
                    return evt

        return await asyncio.wait_for(read(), self.wait_timeout if timeout is None else timeout)

    async def drain(self, seconds: float) -> None:
        """Keep every event that arrives within `seconds`."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while True:
                    await self.recv()

    def of(self, kind: str) -> list[Event]:
        return [e for e in self.events if e["type"] == kind]

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]


class Session(ValidatedConnection):
    """One Realtime API connection (`client.realtime.connect()`), checked against
    `openai.types.realtime`."""

    def __init__(self, conn: AsyncRealtimeConnection) -> None:
        super().__init__(conn)

    def check_sent(self, evt: Event) -> None:
        assert_client_event(evt)

    def check_received(self, evt: Event) -> None:
        assert_server_event(evt)


def sdk_client(emu: Emulator, key: str = KEY) -> AsyncOpenAI:
    """`AsyncOpenAI` pointed at `emu` (the URL is all a third-party client may change)."""
    ws_base = emu.base_url.replace("http://", "ws://", 1) + "/v1"
    return AsyncOpenAI(api_key=key, base_url=emu.base_url + "/v1", websocket_base_url=ws_base)
