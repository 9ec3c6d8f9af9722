"""Emulator fidelity (issue 11) over HTTP and real WebRTC (tier 1, aiortc client).

Every server event received over WebRTC is validated against the openai SDK types.

A behaviour test across modules: server.py, http_handlers.py, peer.py and ice.py.
"""

# ruff: noqa: F811  (pytest fixtures imported from support.emulator_server are redefined as arguments)

from __future__ import annotations

import asyncio
import json
import time

import aioice.ice
import httpx
import pytest
from support.emulator_server import StartEmulator, emulator, start_emulator  # noqa: F401
from support.openai_types import assert_server_event
from support.rtc_client import RtcClient, mint_secret
from test_server_http import KEY, auth, offer_sdp, post_secret

from realtime_widget.emulator import Emulator


async def test_minted_session_expires_at_is_zero(emulator: Emulator) -> None:
    response = await post_secret(emulator)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["session"]["expires_at"] == 0  # the real answer's; the secret has its own
    assert body["expires_at"] - time.time() == pytest.approx(600, abs=5)


@pytest.mark.parametrize(
    ("session", "name"),
    [
        ({"type": "realtime", "model": "gpt-4o-realtime-preview"}, "gpt-4o-realtime-preview"),
        (
            {"type": "realtime", "model": "gpt-realtime-mini-2025-10-06"},
            "gpt-realtime-mini-2025-10-06",
        ),
    ],
)
async def test_shut_down_models_get_the_real_400(
    emulator: Emulator, session: dict[str, str], name: str
) -> None:
    response = await post_secret(emulator, {"session": session})
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "message": f"The model `{name}` has been deprecated, learn more here: "
            "https://platform.openai.com/docs/deprecations",
            "type": "invalid_request_error",
            "code": "model_not_found",
            "param": None,
        }
    }
    async with httpx.AsyncClient(base_url=emulator.base_url, timeout=15) as http:
        call = await http.post(
            "/v1/realtime/calls",
            headers=auth(KEY),
            files={
                "sdp": (None, await offer_sdp(), "application/sdp"),
                "session": (None, json.dumps(session), "application/json"),
            },
        )
    assert call.status_code == 400 and call.json()["error"]["code"] == "model_not_found"
    assert emulator.stats.calls_created == 0


async def test_multipart_session_is_merged_into_the_secret_session(emulator: Emulator) -> None:
    minted = await mint_secret(
        emulator.base_url,
        session={
            "type": "realtime",
            "instructions": "From the secret.",
            "audio": {"output": {"voice": "cedar"}},
        },
    )
    async with httpx.AsyncClient(base_url=emulator.base_url, timeout=15) as http:
        response = await http.post(
            "/v1/realtime/calls",
            headers=auth(minted["value"]),
            files={
                "sdp": (None, await offer_sdp(), "application/sdp"),
                "session": (
                    None,
                    '{"type": "realtime", "instructions": "From the call."}',
                    "application/json",
                ),
            },
        )
    assert response.status_code == 201, response.text
    call = emulator.last_call
    assert call is not None
    session = call.engine.session  # type: ignore[attr-defined]
    assert session["instructions"] == "From the call."  # overridden ...
    assert session["audio"]["output"]["voice"] == "cedar"  # ... the rest kept
    assert call.engine.session_id == minted["session"]["id"]  # type: ignore[attr-defined]


async def test_silent_calls_fault_stops_everything_without_closing(
    start_emulator: StartEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # aioice checks consent every 5 s and gives up after 6 misses; make that quick
    # (for both peers: the emulator's own checks go unanswered too).
    monkeypatch.setattr(aioice.ice, "CONSENT_INTERVAL", 0.2)
    emu = await start_emulator()
    secret = await mint_secret(emu.base_url)
    client = RtcClient(emu.base_url, secret["value"])
    try:
        await client.connect()
        await client.wait_for("session.created")
        await client.wait_until(lambda: client.audio.frames >= 20)  # RTP flows (silence)
        assert client.pc.iceConnectionState in ("completed", "connected")
        call = emu.last_call
        assert call is not None
        emu.faults.silent_calls = True  # live: no reconnect, no new call
        await asyncio.sleep(0.3)  # let what was already on the wire arrive
        events, frames = len(client.events) + len(client.raw), client.audio.frames
        client.send({"type": "response.create"})
        await client.wait_until(
            lambda: client.pc.iceConnectionState not in ("completed", "connected"), timeout=20
        )
        # Nothing was sent or answered: no events, no audio, the request never arrived.
        assert len(client.events) + len(client.raw) == events
        assert client.audio.frames <= frames + 2
        assert call.engine.stats.client_events["response.create"] == 0  # type: ignore[attr-defined]
        assert sum(g.dropped for g in call.peer.ice_gates) > 0
        # ... and nothing was closed by the emulator: the caller saw no channel close.
        # aiortc has no `disconnected`: a consent failure closes its ICE transport (a
        # browser reports `disconnected` first). The data channel was never closed.
        assert client.ice_states[-2:] == ["completed", "closed"]
        assert not client.channel_closed.is_set()
    finally:
        emu.faults.silent_calls = False
        await client.close()
    for event in client.events:
        assert_server_event(event)
