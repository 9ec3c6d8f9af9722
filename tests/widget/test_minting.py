"""Minting client secrets against the emulator, and every failure's message."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from realtime_widget import config
from realtime_widget.emulator.faults import Faults, HttpFault
from realtime_widget.emulator.server import Emulator
from realtime_widget.minting import (
    ClientSecret,
    RealtimeAPIError,
    amint_client_secret,
    mint_client_secret,
    redact,
)

KEY = "sk-test-SECRET-0123456789abcdefWXYZ"
SESSION = config.build_session(config.SessionSettings())


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(api_keys=[KEY]) as emulator:
        yield emulator


def assert_no_secret(text: str) -> None:
    assert KEY not in text
    assert "SECRET" not in text
    assert "WXYZ" not in text  # not even the tail that OpenAI's own messages keep


async def test_mint_against_the_emulator(emu: Emulator) -> None:
    secret = await amint_client_secret(KEY, emu.base_url, SESSION, 60)
    assert secret.value.startswith("ek_")
    assert secret.expires_at > 0
    assert secret.session["audio"]["output"]["voice"] == "marin"
    assert secret.value not in repr(secret)
    assert secret.to_json() == {"value": secret.value, "expires_at": secret.expires_at}
    # The emulator really stored it, with our session.
    stored = emu.secrets.lookup(secret.value)
    assert stored is not None
    assert stored.session["instructions"] == SESSION["instructions"]


async def test_blocking_variant_against_the_emulator(emu: Emulator) -> None:
    secret = await asyncio.to_thread(mint_client_secret, KEY, emu.base_url + "/v1", SESSION, 60)
    assert isinstance(secret, ClientSecret)
    assert emu.secrets.lookup(secret.value) is not None


async def test_rejected_key_is_401_without_the_key(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bad = "sk-test-SECRET-wrong-key-0000WXYZ"
    with pytest.raises(RealtimeAPIError) as info:
        await amint_client_secret(bad, emu.base_url, SESSION, 60)
    err = info.value
    assert err.status == 401
    assert "rejected the API key" in err.message
    assert "OPENAI_API_KEY" in err.message
    for text in (err.message, repr(err), str(err), caplog.text):
        assert bad not in text
        assert "SECRET" not in text


@pytest.mark.parametrize(
    ("fault", "status", "words", "code"),
    [
        (
            HttpFault(
                429,
                {
                    "error": {
                        "message": "You exceeded your current quota.",
                        "type": "insufficient_quota",
                        "code": "insufficient_quota",
                        "param": None,
                    }
                },
            ),
            429,
            ["quota", "429", "You exceeded your current quota."],
            "insufficient_quota",
        ),
        (
            HttpFault(
                400,
                {
                    "error": {
                        "message": "Invalid value: 'x'.",
                        "type": "invalid_request_error",
                        "code": "invalid_value",
                        "param": "session.audio.output.voice",
                    }
                },
            ),
            400,
            ["Invalid value: 'x'.", "param: session.audio.output.voice"],
            "invalid_value",
        ),
        (HttpFault(503, "upstream overloaded"), 503, ["server error", "503"], "server_error"),
        (HttpFault(404, {"error": "nope"}), 404, ["base_url", "404"], "not_found"),
        (
            HttpFault(
                401,
                {"error": {"message": f"Incorrect API key provided: {KEY[:8]}****WXYZ."}},
            ),
            401,
            ["rejected the API key", "Incorrect API key provided"],
            "invalid_api_key",
        ),
    ],
)
async def test_error_statuses_become_readable(
    emu: Emulator, fault: HttpFault, status: int, words: list[str], code: str
) -> None:
    emu.faults.client_secrets = fault
    with pytest.raises(RealtimeAPIError) as info:
        await amint_client_secret(KEY, emu.base_url, SESSION, 60)
    err = info.value
    assert err.status == status
    assert err.code == code
    for word in words:
        assert word in err.message
    assert_no_secret(err.message)


async def test_non_json_success_is_explained(emu: Emulator) -> None:
    emu.faults.client_secrets = HttpFault(200, "<html>captive portal</html>", "text/html")
    with pytest.raises(RealtimeAPIError) as info:
        await amint_client_secret(KEY, emu.base_url, SESSION, 60)
    assert info.value.code == "bad_response"
    assert "not JSON" in info.value.message
    assert "text/html" in info.value.message


async def test_json_without_a_secret_is_explained(emu: Emulator) -> None:
    emu.faults.client_secrets = HttpFault(200, {"hello": "world"})
    with pytest.raises(RealtimeAPIError, match="without a client secret"):
        await amint_client_secret(KEY, emu.base_url, SESSION, 60)


async def test_slow_answer_times_out_with_the_limit_in_the_message(emu: Emulator) -> None:
    emu.faults = Faults(client_secrets_delay_s=5.0)
    timeout = httpx.Timeout(connect=2.0, read=0.2, write=2.0, pool=2.0)
    with pytest.raises(RealtimeAPIError) as info:
        await amint_client_secret(KEY, emu.base_url, SESSION, 60, timeout=timeout)
    assert info.value.code == "timeout"
    assert "timed out after 0.2 s" in info.value.message
    assert info.value.status is None


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "does-not-exist.invalid"])
async def test_unreachable_host(host: str) -> None:
    base = "http://" + host.format(port=_closed_port())
    with pytest.raises(RealtimeAPIError) as info:
        await amint_client_secret(KEY, base, SESSION, 60, timeout=5.0)
    assert info.value.code == "connection_error"
    assert f"Cannot reach {base}" in info.value.message
    assert_no_secret(info.value.message)


async def test_emulator_refuses_a_bad_session_with_400(emu: Emulator) -> None:
    # The emulator validates like the API: a wrong voice comes back as a readable 400.
    bad: dict[str, Any] = dict(SESSION, audio={"output": {"voice": "nobody"}})
    with pytest.raises(RealtimeAPIError) as info:
        await amint_client_secret(KEY, emu.base_url, bad, 60)
    assert info.value.status == 400
    assert "refused the session configuration" in info.value.message


def test_missing_key_is_refused_before_any_request() -> None:
    with pytest.raises(RealtimeAPIError, match="no API key"):
        mint_client_secret("", "http://127.0.0.1:9", SESSION, 60)


def test_redact_removes_keys_secrets_and_starred_fragments() -> None:
    text = (
        f"key {KEY} masked sk-tes*****WXYZ secret ek_abc123def456 "
        "other abcd*******wxyz header Bearer token123"
    )
    out = redact(text, KEY)
    for leaked in (KEY, "WXYZ", "ek_abc", "wxyz", "token123"):
        assert leaked not in out
    assert out.startswith("key ***")


async def test_minter_reuses_one_client_and_close_releases_it(emu: Emulator) -> None:
    from realtime_widget.minting import AsyncMinter

    minter = AsyncMinter()
    first = await minter.mint(KEY, emu.base_url, SESSION, 60)
    client = minter.client
    assert client is not None
    second = await minter.mint(KEY, emu.base_url, SESSION, 60)
    assert minter.client is client  # the same pool and TLS context, not a client per mint
    assert first.value != second.value
    assert emu.secrets.lookup(second.value) is not None
    minter.close()
    await asyncio.sleep(0)  # the close runs as a task on this loop
    await asyncio.sleep(0.05)
    assert client.is_closed
    assert minter.client is None
    with pytest.raises(RealtimeAPIError) as err:
        await minter.mint(KEY, emu.base_url, SESSION, 60)
    assert err.value.code == "closed"
    assert_no_secret(str(err.value))


async def test_minter_failures_keep_their_messages(emu: Emulator) -> None:
    from realtime_widget.minting import AsyncMinter

    minter = AsyncMinter()
    with pytest.raises(RealtimeAPIError) as err:
        await minter.mint("sk-wrong-SECRET-key-WXYZ", emu.base_url, SESSION, 60)
    assert err.value.status == 401
    assert_no_secret(str(err.value))
    # The client survives a failed mint and serves the next one.
    assert (await minter.mint(KEY, emu.base_url, SESSION, 60)).value.startswith("ek_")
    minter.close()
