"""The browser's client-secret request, answered by minting against a real emulator."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest

from realtime_widget import RealtimeWidget
from realtime_widget.emulator.background import EmulatorThread
from realtime_widget.emulator.faults import HttpFault
from realtime_widget.emulator.server import Emulator

from .conftest import KEY, Browser, deliver


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(api_keys=[KEY]) as emulator:
        yield emulator


async def _reply(browser: Browser, rid: int) -> dict[str, Any]:
    for _ in range(500):
        replies = [m for m in browser.of_type("rpc-reply") if m["id"] == rid]
        if replies:
            assert len(replies) == 1
            return replies[0]
        await asyncio.sleep(0.01)
    raise AssertionError(f"no rpc-reply for id {rid}")


def _request(browser: Browser, rid: int, method: str = "client_secret") -> None:
    browser.message({"type": "rpc", "id": rid, "method": method, "params": {}})


async def test_client_secret_minted_on_the_running_loop(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    w = RealtimeWidget(api_key=KEY, base_url=emu.base_url, voice="cedar", instructions="Be brief.")
    browser = Browser(w)
    _request(browser, 7)
    assert len(w._secrets._tasks) == 1  # scheduled on this loop, not a thread
    reply = await _reply(browser, 7)
    assert reply["ok"] is True
    secret = reply["result"]["value"]
    assert secret.startswith("ek_")
    assert isinstance(reply["result"]["expires_at"], int)
    assert w.mint_error is None
    # The secret carries the widget's session configuration.
    stored = emu.secrets.lookup(secret)
    assert stored is not None
    assert stored.session["audio"]["output"]["voice"] == "cedar"
    assert stored.session["instructions"] == "Be brief."
    # The client secret travels only in the reply: not in state, not in logs.
    assert secret not in str(w.get_state())
    assert secret not in caplog.text
    assert KEY not in caplog.text


async def test_rejected_key_goes_back_to_the_browser(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    bad = "sk-test-SECRET-not-accepted-9999"
    w = RealtimeWidget(api_key=bad, base_url=emu.base_url)
    browser = Browser(w)
    _request(browser, 1)
    reply = await _reply(browser, 1)
    assert reply["ok"] is False
    assert "rejected the API key (401)" in reply["error"]["message"]
    assert reply["error"]["status"] == 401
    assert w.mint_error is not None and w.mint_error.status == 401
    assert "rejected the API key" in caplog.text
    for text in (str(reply), caplog.text, repr(w.mint_error)):
        assert bad not in text
        assert "SECRET" not in text


async def test_fault_then_recovery(emu: Emulator) -> None:
    emu.faults.client_secrets = HttpFault(
        429, {"error": {"message": "Rate limit reached.", "code": "rate_limit_exceeded"}}, times=1
    )
    w = RealtimeWidget(api_key=KEY, base_url=emu.base_url)
    browser = Browser(w)
    _request(browser, 1)
    first = await _reply(browser, 1)
    assert first["ok"] is False
    assert first["error"]["code"] == "rate_limit_exceeded"
    assert "Rate limit reached." in first["error"]["message"]
    _request(browser, 2)
    second = await _reply(browser, 2)
    assert second["ok"] is True
    assert w.mint_error is None


async def test_unknown_method_gets_an_error_reply(browser: Browser) -> None:
    _request(browser, 3, method="launch_rockets")
    reply = await _reply(browser, 3)
    assert reply == {
        "type": "rpc-reply",
        "id": 3,
        "ok": False,
        "error": {
            "message": "unknown rpc method 'launch_rockets'; the kernel answers 'client_secret' "
            "(signaling='browser') and 'sdp_offer' (signaling='kernel')",
            "code": "unknown_method",
            "status": None,
        },
    }


def test_without_a_running_loop_a_thread_mints() -> None:
    with EmulatorThread(api_keys=[KEY]) as emu:
        w = RealtimeWidget(api_key=KEY, base_url=emu.base_url)
        done = threading.Event()
        replies: list[dict[str, Any]] = []

        def send(msg: dict[str, Any]) -> None:
            replies.append(msg)
            done.set()

        w.send = send
        deliver(w, {"type": "rpc", "id": 5, "method": "client_secret"})
        assert done.wait(20)
        (reply,) = replies
        assert reply["id"] == 5 and reply["ok"] is True
        assert reply["result"]["value"].startswith("ek_")


def test_blocking_mint_from_python() -> None:
    with EmulatorThread(api_keys=[KEY]) as emu:
        w = RealtimeWidget(api_key=KEY, base_url=emu.base_url, model="gpt-realtime-mini")
        secret = w.mint_client_secret()
        assert secret.session["model"] == "gpt-realtime-mini"


async def test_no_key_uses_the_shared_emulator_end_to_end() -> None:
    from realtime_widget.emulator.background import shared_emulator

    w = RealtimeWidget()  # no api_key and (autouse fixture) no OPENAI_API_KEY
    assert w.backend == "emulator"
    assert w.base_url == shared_emulator().base_url
    browser = Browser(w)
    _request(browser, 1)
    reply = await _reply(browser, 1)
    assert reply["ok"] is True
    assert reply["result"]["value"].startswith("ek_")
