"""GPT-Live's HTTP face: keys (standard only), the 400s of `POST /v1/live/sessions` (each
naming the field), its HTTP fault, and the WebSocket upgrade's refusals. Real requests
(httpx, the official SDK) to the emulator on 127.0.0.1; offers from a real aiortc peer.

Covers emulator/live/http.py, live/config.py, http_middleware.py's Live endpoints.
"""

# ruff: noqa: F811  (pytest fixtures imported from support.emulator_server are redefined as arguments)

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest
from aiortc import RTCPeerConnection
from support.emulator_server import StartEmulator, emulator, start_emulator  # noqa: F401
from support.live_client import MODEL, live_sdk, validate_all, webrtc_session
from support.sdk_ws import KEY

from realtime_widget.emulator import Emulator, HttpFault
from realtime_widget.emulator.peer import loopback_ice


async def an_offer() -> str:
    pc = RTCPeerConnection()
    pc.createDataChannel("oai-events")
    pc.addTransceiver("audio", direction="sendrecv")
    with loopback_ice():
        await pc.setLocalDescription(await pc.createOffer())
    sdp: str = pc.localDescription.sdp
    await pc.close()
    return sdp


async def post(emu: Emulator, body: Any, key: str | None = KEY) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    async with httpx.AsyncClient(base_url=emu.base_url, timeout=15) as http:
        if isinstance(body, str):
            headers["Content-Type"] = "application/json"
            return await http.post("/v1/live/sessions", content=body, headers=headers)
        return await http.post("/v1/live/sessions", json=body, headers=headers)


async def test_client_secrets_and_missing_keys_get_401(emulator: Emulator) -> None:
    body = {"session": {"model": MODEL}, "transport": {"type": "webrtc", "sdp": await an_offer()}}
    refused = await post(emulator, body, key="ek_0123456789abcdef0123456789abcdef")
    assert refused.status_code == 401
    error = refused.json()["error"]
    assert error["code"] == "invalid_api_key" and "no ephemeral keys" in error["message"]
    assert set(error) == {"message", "type", "code", "param"}
    missing = await post(emulator, body, key=None)
    assert missing.status_code == 401 and "didn't provide an API key" in missing.text
    with pytest.raises(openai.AuthenticationError):
        await live_sdk(emulator, key="ek_0123456789abcdef0123456789abcdef").live.create(
            session={"model": MODEL}, transport={"type": "webrtc", "sdp": body["transport"]["sdp"]}
        )
    # The WebSocket and the sideband take standard keys only as well (refused before the upgrade).
    async with httpx.AsyncClient(base_url=emulator.base_url) as http:
        for path in ("/v1/live/sessions", "/v1/live/sessions/live_x/attach"):
            answer = await http.get(path, headers={"Authorization": "Bearer ek_abc"})
            assert answer.status_code == 401
    assert emulator.calls == {}


@pytest.mark.parametrize(
    ("session", "transport", "param", "code"),
    [
        (None, {"type": "webrtc"}, "session", "missing_required_parameter"),
        ({}, None, "session.model", "missing_required_parameter"),
        ({"model": "gpt-realtime-2.1"}, None, "session.model", "invalid_value"),
        ({"model": MODEL, "voice": "marin"}, None, "session.voice", "unknown_parameter"),
        (
            {"model": MODEL, "audio": {"output": {"voice": 3}}},
            None,
            "session.audio.output.voice",
            "invalid_type",
        ),
        (
            {"model": MODEL, "audio": {"format": {"type": "audio/pcm", "rate": 24000}}},
            None,
            "session.audio.format",
            "unknown_parameter",
        ),
        (
            {"model": MODEL, "delegation": {"type": "responses"}},
            None,
            "session.delegation.responses",
            "missing_required_parameter",
        ),
        (
            {"model": MODEL, "delegation": {"type": "responses", "responses": {}}},
            None,
            "session.delegation.responses.model",
            "missing_required_parameter",
        ),
        (
            {"model": MODEL, "delegation": {"type": "robots"}},
            None,
            "session.delegation.type",
            "invalid_value",
        ),
        ({"model": MODEL, "instructions": 7}, None, "session.instructions", "invalid_type"),
        ({"model": MODEL}, {"type": "websocket", "sdp": "x"}, "transport.type", "invalid_value"),
        ({"model": MODEL}, {"type": "webrtc", "sdp": "hello"}, "transport.sdp", "invalid_value"),
        ({"model": MODEL}, "missing", "transport", "missing_required_parameter"),
    ],
)
async def test_bad_bodies_get_400_naming_the_field(
    emulator: Emulator, session: Any, transport: Any, param: str, code: str
) -> None:
    offer = {"type": "webrtc", "sdp": await an_offer()}
    body: dict[str, Any] = {}
    if session is not None:
        body["session"] = session
    if transport != "missing":
        body["transport"] = offer if transport is None else {**offer, **transport}
        if "sdp" not in body["transport"]:
            body["transport"]["sdp"] = offer["sdp"]
    answer = await post(emulator, body)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (error["param"], error["code"]) == (param, code)
    assert error["type"] == "invalid_request_error" and param in error["message"]
    assert emulator.calls == {}


async def test_not_json_and_unknown_top_level_fields_get_400(emulator: Emulator) -> None:
    answer = await post(emulator, "{not json")
    assert answer.status_code == 400 and "JSON" in answer.json()["error"]["message"]
    answer = await post(emulator, {"session": {"model": MODEL}, "sdp": "x"})
    assert answer.status_code == 400 and answer.json()["error"]["param"] == "sdp"


async def test_the_websocket_takes_no_query_and_needs_an_upgrade(emulator: Emulator) -> None:
    async with httpx.AsyncClient(base_url=emulator.base_url) as http:
        with_model = await http.get(
            "/v1/live/sessions", params={"model": MODEL}, headers={"Authorization": f"Bearer {KEY}"}
        )
        plain = await http.get("/v1/live/sessions", headers={"Authorization": f"Bearer {KEY}"})
        unknown = await http.get(
            "/v1/live/sessions/live_nothing/attach", headers={"Authorization": f"Bearer {KEY}"}
        )
    assert with_model.status_code == 400 and with_model.json()["error"]["param"] == "model"
    assert plain.status_code == 400 and "WebSocket" in plain.json()["error"]["message"]
    assert unknown.status_code == 404 and unknown.json()["error"]["param"] == "session_id"


async def test_http_fault_on_live_sessions_then_recovery(start_emulator: StartEmulator) -> None:
    emu = await start_emulator()
    emu.faults.live_sessions = HttpFault(
        503, {"error": {"message": "overloaded", "type": "server_error", "code": None}}, times=1
    )
    sdp = await an_offer()
    sdk = live_sdk(emu).with_options(max_retries=0)
    with pytest.raises(openai.InternalServerError) as failed:
        await sdk.live.create(session={"model": MODEL}, transport={"type": "webrtc", "sdp": sdp})
    assert failed.value.status_code == 503 and emu.calls == {}
    assert emu.stats.live_session_requests[503] == 1
    client = await webrtc_session(emu)  # the fault was used up: the next one works
    try:
        await client.wait_for("session.started")
        assert emu.stats.live_session_requests[200] == 1
    finally:
        await client.close()
    validate_all(client.events)


async def test_a_realtime_sideband_cannot_attach_to_a_live_session(emulator: Emulator) -> None:
    client = await webrtc_session(emulator)
    try:
        await client.wait_for("session.started")
        async with httpx.AsyncClient(base_url=emulator.base_url) as http:
            answer = await http.get(
                "/v1/realtime",
                params={"call_id": client.call_id},
                headers={"Authorization": f"Bearer {KEY}"},
            )
        assert answer.status_code == 404
    finally:
        await client.close()
