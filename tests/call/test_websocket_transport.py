"""`WebSocketTransport` under a real `CallCore`, against a real in-process emulator over
real WebSocket (the official SDK's client): the setup of a call (one session.update,
connected on its answer), the log's order, and how calls end (hang-up, the server's
normal close, expiry 1001, a drop 1006, a refused key, nothing listening)."""

# ruff: noqa: F811  (pytest fixtures imported from support.headless are redefined as arguments)

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from support.headless import KEY, assert_events_valid, emu  # noqa: F401

import realtime_widget
from realtime_widget.call import CallCore
from realtime_widget.call.websocket_transport import WebSocketTransport
from realtime_widget.config import SessionSettings
from realtime_widget.conversation import Conversation
from realtime_widget.emulator import Emulator
from tests.call.fakes import FakeHost


def test_the_worktree_is_what_runs() -> None:
    here = __file__.rsplit("/tests/", 1)[0]
    assert realtime_widget.__file__.startswith(here + "/realtime_widget/")


class WsCall:
    """A core on a WebSocket transport, with a recording host."""

    def __init__(self, base_url: str, key: str = KEY, **settings: Any) -> None:
        self.host = FakeHost()
        self.conversation = Conversation(model="gpt-realtime-2.1")
        self.transport = WebSocketTransport(api_key=key, base_url=base_url, connect_timeout_s=5)
        self.core = CallCore(
            self.transport,
            self.host,  # type: ignore[arg-type]
            self.conversation,
            SessionSettings(**settings),
        )
        self.transport.attach(self.core)
        self.statuses: list[str] = []
        changed = self.core.status_changed

        def record(status: Any, error: str = "") -> None:
            self.statuses.append(status)
            changed(status, error)

        self.core.status_changed = record  # type: ignore[method-assign]

    def types(self, direction: str | None = None) -> list[str]:
        return [
            p["type"]
            for _, d, p in self.conversation.raw_events
            if isinstance(p, dict) and direction in (None, d)
        ]

    async def until(self, status: str, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while self.core.status != status:
                await asyncio.sleep(0.01)

    async def ended(self) -> None:
        await self.transport.wait_closed()
        assert self.transport.running_tasks == 0
        assert_events_valid(self.conversation)


async def test_a_call_is_set_up_with_one_session_update(emu: Emulator) -> None:
    call = WsCall(emu.base_url, instructions="Be brief.", output_modalities=("text",))
    call.core.connect()
    await call.core.wait_until_connected(10)
    assert call.statuses == ["connecting", "connected"]
    # session.created, then the full session (no model: it is in the URL), then its answer.
    assert call.types()[:3] == ["session.created", "session.update", "session.updated"]
    update = next(p for _, d, p in call.conversation.raw_events if d == "client")
    assert isinstance(update, dict) and "model" not in update["session"]
    assert update["session"]["instructions"] == "Be brief."
    call.core.send_text("Hello there")
    await call.conversation.wait_for("response.done", 10)
    # The minted snapshot stopped the core from sending the same settings again.
    assert call.types("client").count("session.update") == 1
    # Client events are logged once written, before what answers them.
    types = call.types()
    assert types.index("conversation.item.create") < types.index("conversation.item.added")
    assert types.index("response.create") < types.index("response.created")
    call.core.disconnect()
    assert call.core.status == "idle"
    await call.ended()
    assert emu.last_call is not None and emu.last_call.transport == "websocket"


async def test_a_bad_key_ends_in_error_with_the_servers_message_and_no_key(
    emu: Emulator,
) -> None:
    bad = "sk-wrong-0123456789abcdef0123456789"
    call = WsCall(emu.base_url, key=bad)
    call.core.connect()
    with pytest.raises(RuntimeError) as caught:
        await call.core.wait_until_connected(10)
    text = str(caught.value)
    assert "HTTP 401" in text and "Incorrect API key" in text, text
    assert bad not in text and bad not in call.core.error
    assert call.statuses == ["connecting", "error"]
    await call.ended()


async def test_nothing_listening_is_a_readable_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    call = WsCall(f"http://127.0.0.1:{port}")
    call.core.connect()
    with pytest.raises(RuntimeError, match=r"cannot reach http://127\.0\.0\.1"):
        await call.core.wait_until_connected(10)
    await call.ended()


async def test_expiry_closes_1001_and_reports_an_error(emu: Emulator) -> None:
    emu.faults.expire_after_s = 0.3
    call = WsCall(emu.base_url)
    call.core.connect()
    await call.core.wait_until_connected(10)
    await call.until("error")
    assert "1001" in call.core.error and "expired" in call.core.error.lower(), call.core.error
    assert "error" in call.types("server")
    await call.ended()


async def test_the_servers_normal_close_is_idle(emu: Emulator) -> None:
    call = WsCall(emu.base_url)
    call.core.connect()
    await call.core.wait_until_connected(10)
    assert emu.last_call is not None
    assert await emu.hangup(emu.last_call.call_id)
    await call.until("idle")
    assert call.statuses == ["connecting", "connected", "idle"] and call.core.error == ""
    await call.ended()


async def test_a_drop_is_an_error_1006(emu: Emulator) -> None:
    emu.faults.drop_peer_after_response_events = 2
    call = WsCall(emu.base_url, output_modalities=("text",))
    call.core.connect()
    await call.core.wait_until_connected(10)
    call.core.send_text("Tell me something")
    await call.until("error")
    assert "1006" in call.core.error, call.core.error
    await call.ended()
    # The SDK's own reconnect is off (its first retry comes after 0.5 s): no fresh session.
    await asyncio.sleep(1.0)
    assert emu.stats.calls_created == 1 and call.core.status == "error"


async def test_send_without_a_call_is_refused_and_a_second_open_is_ignored(
    emu: Emulator,
) -> None:
    call = WsCall(emu.base_url)
    with pytest.raises(RuntimeError, match="no WebSocket call"):
        call.transport.send({"type": "response.create"})
    call.core.connect()
    call.transport.open()  # a second open while one runs: ignored
    await call.core.wait_until_connected(10)
    assert emu.stats.calls_created == 1
    call.core.disconnect()
    await call.ended()
