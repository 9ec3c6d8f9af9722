"""Minting the client secret fails: 401, 429, 500, timeout, connection refused, non-JSON.

The kernel mints with the API key; every failure must reach the view and `w.mint_error` as a
specific message, leave the widget ready to Connect again (and connecting must then work),
open no microphone that stays open, and leak nothing of the key.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from realtime_widget import minting
from realtime_widget.emulator.faults import HttpFault

from .bridge import FAKE_KEY, Bridge, handler_outcomes
from .checks import assert_clean, assert_fault_reported, assert_reconnects, assert_released
from .conftest import OpenBridge

pytestmark = [pytest.mark.faults, pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


async def _fails_then_recovers(b: Bridge, *parts: str, status: int | None) -> None:
    await b.click_connect()
    shown = await assert_fault_reported(b, *parts)
    assert b.widget.mint_error is not None
    assert b.widget.mint_error.status == status
    assert b.widget.mint_error.message in shown
    assert FAKE_KEY not in repr(b.widget.mint_error) + str(b.widget.mint_error)
    await assert_released(b, mic_opened=None)  # minting failed beside getUserMedia
    assert_clean(b)
    await assert_reconnects(b)
    assert b.widget.mint_error is None
    assert_clean(b)


@pytest.mark.parametrize(
    ("status", "body", "parts"),
    [
        (
            401,
            # OpenAI quotes (part of) the rejected key back; the whole key here, to prove redaction.
            {
                "error": {
                    "message": f"Incorrect API key provided: {FAKE_KEY}.",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                }
            },
            ("rejected the API key (401)", "OPENAI_API_KEY"),
        ),
        (
            429,
            {"error": {"message": "You exceeded your current quota.", "code": "quota"}},
            ("rate limit or quota exceeded (429)", "You exceeded your current quota."),
        ),
        (
            500,
            {"error": {"message": "The server had an error.", "type": "server_error"}},
            ("server error (500)", "try again"),
        ),
    ],
    ids=["401", "429", "500"],
)
async def test_mint_http_error(
    open_bridge: OpenBridge, status: int, body: dict[str, object], parts: tuple[str, ...]
) -> None:
    b = await open_bridge(muted=True)
    b.emulator.set_faults(client_secrets=HttpFault(status, body, times=1))
    await _fails_then_recovers(b, *parts, status=status)


async def test_mint_not_json(open_bridge: OpenBridge) -> None:
    b = await open_bridge(muted=True)
    page = "<html><body>502 Bad Gateway from the corporate proxy</body></html>"
    b.emulator.set_faults(client_secrets=HttpFault(200, page, content_type="text/html", times=1))
    await _fails_then_recovers(b, "not JSON", "text/html", "Is base_url", status=200)


async def test_mint_timeout(open_bridge: OpenBridge, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(minting, "DEFAULT_TIMEOUT", httpx.Timeout(0.5))
    b = await open_bridge(muted=True)
    b.emulator.set_faults(client_secrets_delay_s=2.0)
    with handler_outcomes(b.emulator, "_client_secrets_inner") as outcomes:
        await b.click_connect()
        await assert_fault_reported(b, "timed out after 0.5 s", "Check the network")
        assert b.widget.mint_error is not None and b.widget.mint_error.code == "timeout"
        await assert_released(b)
        # The emulator finishes the delayed request it still holds.
        await b.until(lambda: outcomes, "the emulator to finish the abandoned mint")
    await assert_reconnects(b)
    assert_clean(b)


@contextlib.asynccontextmanager
async def _forwarder(port: int, target_port: int) -> AsyncIterator[None]:
    """A TCP forwarder 127.0.0.1:port → 127.0.0.1:target_port (the 'server comes back')."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target_port)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()


async def test_mint_connection_refused(open_bridge: OpenBridge) -> None:
    with socket.socket() as s:  # a port nobody listens on (yet)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    b0 = await open_bridge(muted=True)  # only for the emulator's port
    target = int(b0.emulator.base_url.rsplit(":", 1)[1])
    b = await open_bridge(muted=True, base_url=f"http://127.0.0.1:{port}")
    await b.click_connect()
    await assert_fault_reported(b, f"Cannot reach http://127.0.0.1:{port}", "base_url")
    assert b.widget.mint_error is not None and b.widget.mint_error.code == "connection_error"
    await assert_released(b, mic_opened=None)  # refused at once, beside getUserMedia
    assert_clean(b)
    async with _forwarder(port, target):
        await assert_reconnects(b)
    assert_clean(b)
