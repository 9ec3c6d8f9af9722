"""The emulator's HTTP endpoints answer like api.openai.com (status, JSON errors, CORS, faults).

Covers server.py and the HTTP layer: http_handlers.py, http_middleware.py, http_errors.py,
http_state.py, faults.py.
"""

# ruff: noqa: F811  (pytest fixtures imported from support.emulator_server are redefined as arguments)

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection
from openai.types.realtime import ClientSecretCreateResponse
from support.emulator_server import StartEmulator, emulator, start_emulator  # noqa: F401

from realtime_widget.api_facts import DEFAULT_MODEL
from realtime_widget.emulator import Emulator, Faults, HttpFault

KEY = "sk-test-0123456789abcdef0123456789"


async def offer_sdp() -> str:
    """A real browser-like offer: audio sendrecv plus the `oai-events` data channel."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.createDataChannel("oai-events")
    pc.addTransceiver("audio", direction="sendrecv")
    await pc.setLocalDescription(await pc.createOffer())
    sdp: str = pc.localDescription.sdp
    await pc.close()
    return sdp


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def post_secret(
    emu: Emulator, body: Any = None, *, key: str | None = KEY, raw: str | None = None
) -> httpx.Response:
    headers = auth(key) if key is not None else {}
    async with httpx.AsyncClient(base_url=emu.base_url, timeout=10) as http:
        if raw is not None:
            return await http.post(
                "/v1/realtime/client_secrets",
                content=raw,
                headers={**headers, "Content-Type": "application/json"},
            )
        return await http.post(
            "/v1/realtime/client_secrets",
            json=body if body is not None else {"session": {"type": "realtime"}},
            headers=headers,
        )


async def post_call(
    emu: Emulator, secret: str, sdp: str, content_type: str = "application/sdp"
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=emu.base_url, timeout=15) as http:
        return await http.post(
            "/v1/realtime/calls",
            content=sdp,
            headers={**auth(secret), "Content-Type": content_type},
        )


def assert_error_shape(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"message", "type", "code", "param"}
    assert isinstance(error["message"], str) and error["message"]
    return dict(error)


# --- client secrets ---------------------------------------------------------------------


async def test_mint_returns_secret_and_full_session(emulator: Emulator) -> None:
    before = time.time()
    response = await post_secret(
        emulator,
        {
            "expires_after": {"anchor": "created_at", "seconds": 120},
            "session": {
                "type": "realtime",
                "model": "gpt-realtime",
                "instructions": "Be brief.",
                "audio": {"output": {"voice": "cedar"}},
            },
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    parsed = ClientSecretCreateResponse.model_validate(body)
    assert parsed.value.startswith("ek_")
    assert before + 119 <= body["expires_at"] <= time.time() + 121
    session = body["session"]
    assert session["id"].startswith("sess_")
    assert session["type"] == "realtime"
    assert session["instructions"] == "Be brief."
    assert session["audio"]["output"]["voice"] == "cedar"
    # Defaults are filled in, as the real answer shows the whole session.
    assert session["audio"]["input"]["turn_detection"]["type"] == "server_vad"
    assert emulator.stats.client_secret_requests[200] == 1


async def test_mint_with_empty_body_uses_defaults(emulator: Emulator) -> None:
    response = await post_secret(emulator, raw="")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["session"]["model"] == DEFAULT_MODEL
    assert body["expires_at"] - time.time() == pytest.approx(600, abs=5)


async def test_missing_key_is_401(emulator: Emulator) -> None:
    error = assert_error_shape(await post_secret(emulator, key=None), 401)
    assert "Authorization" in error["message"]


async def test_wrong_key_is_401_and_key_is_masked(start_emulator: StartEmulator) -> None:
    emu = await start_emulator(api_keys=["sk-right-key-0000000000000"])
    wrong = "sk-wrong-key-123456789012345"
    error = assert_error_shape(await post_secret(emu, key=wrong), 401)
    assert error["code"] == "invalid_api_key"
    assert wrong not in error["message"]
    assert wrong[-4:] in error["message"]
    ok = await post_secret(emu, key="sk-right-key-0000000000000")
    assert ok.status_code == 200
    assert emu.stats.client_secret_requests == {401: 1, 200: 1}


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"session": {"type": "transcriptionx"}}, "session.type"),
        ({"session": {"model": "gpt-realtime"}}, "session.type"),
        (
            {"session": {"type": "realtime", "audio": {"output": {"voice": "bob"}}}},
            "session.audio.output.voice",
        ),
        (
            {
                "session": {
                    "type": "realtime",
                    "audio": {"input": {"turn_detection": {"type": "magic_vad"}}},
                }
            },
            "session.audio.input.turn_detection.type",
        ),
        ({"expires_after": {"anchor": "created_at", "seconds": 9}}, "expires_after.seconds"),
        ({"expires_after": {"anchor": "created_at", "seconds": 7201}}, "expires_after.seconds"),
        ({"expires_after": {"anchor": "now", "seconds": 60}}, "expires_after.anchor"),
        ({"session": {"type": "realtime"}, "sesion": {}}, "sesion"),
    ],
)
async def test_invalid_bodies_are_400_naming_the_param(
    emulator: Emulator, body: dict[str, Any], param: str
) -> None:
    error = assert_error_shape(await post_secret(emulator, body), 400)
    assert error["param"] == param
    assert error["type"] == "invalid_request_error"


async def test_body_not_json_is_400(emulator: Emulator) -> None:
    error = assert_error_shape(await post_secret(emulator, raw="{not json"), 400)
    assert "JSON" in error["message"]


# --- calls --------------------------------------------------------------------------------


async def test_call_answers_sdp_with_location(emulator: Emulator) -> None:
    secret = (await post_secret(emulator)).json()["value"]
    response = await post_call(emulator, secret, await offer_sdp())
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/sdp")
    call_id = response.headers["Location"].rsplit("/", 1)[-1]
    assert call_id.startswith("rtc_")
    assert response.text.startswith("v=0")
    assert "a=candidate:" in response.text
    candidates = [ln for ln in response.text.splitlines() if ln.startswith("a=candidate:")]
    assert all(ln.split()[4] == "127.0.0.1" for ln in candidates), candidates
    assert emulator.calls[call_id].state == "active"
    assert emulator.stats.calls_created == 1


async def test_unknown_and_expired_secrets_are_401_on_calls(emulator: Emulator) -> None:
    sdp = await offer_sdp()
    assert_error_shape(await post_call(emulator, "ek_unknown", sdp), 401)
    secret = (await post_secret(emulator, {"expires_after": {"seconds": 10}})).json()["value"]
    emulator.secrets.expire(secret)
    error = assert_error_shape(await post_call(emulator, secret, sdp), 401)
    assert secret not in error["message"]
    assert emulator.stats.calls_created == 0


async def test_not_an_sdp_is_400(emulator: Emulator) -> None:
    secret = (await post_secret(emulator)).json()["value"]
    error = assert_error_shape(await post_call(emulator, secret, '{"sdp": "no"}'), 400)
    assert "SDP" in error["message"]
    error = assert_error_shape(
        await post_call(emulator, secret, await offer_sdp(), "application/json"), 400
    )
    assert "Content-Type" in error["message"]


async def test_standard_key_with_multipart_session(emulator: Emulator) -> None:
    async with httpx.AsyncClient(base_url=emulator.base_url, timeout=15) as http:
        response = await http.post(
            "/v1/realtime/calls",
            headers=auth(KEY),
            files={
                "sdp": (None, await offer_sdp(), "application/sdp"),
                "session": (None, '{"type": "realtime", "instructions": "Hi"}', "application/json"),
            },
        )
    assert response.status_code == 201, response.text
    call = emulator.last_call
    assert call is not None
    assert call.engine.session["instructions"] == "Hi"  # type: ignore[attr-defined]


async def test_hangup_closes_the_call(emulator: Emulator) -> None:
    secret = (await post_secret(emulator)).json()["value"]
    call_id = (
        (await post_call(emulator, secret, await offer_sdp()))
        .headers["Location"]
        .rsplit("/", 1)[-1]
    )
    async with httpx.AsyncClient(base_url=emulator.base_url, timeout=10) as http:
        ok = await http.post(f"/v1/realtime/calls/{call_id}/hangup", headers=auth(KEY))
        missing = await http.post("/v1/realtime/calls/rtc_nope/hangup", headers=auth(KEY))
    assert ok.status_code == 200
    assert_error_shape(missing, 404)
    assert emulator.calls[call_id].state == "closed"
    assert emulator.calls[call_id].close_reason == "hangup"
    assert emulator.active_call_count == 0
    assert emulator.stats.calls_closed == 1


async def test_unknown_route_is_json_404(emulator: Emulator) -> None:
    async with httpx.AsyncClient(base_url=emulator.base_url, timeout=10) as http:
        response = await http.post("/v1/realtime/sessions", headers=auth(KEY), json={})
    error = assert_error_shape(response, 404)
    assert "/v1/realtime/sessions" in error["message"]


# --- CORS ----------------------------------------------------------------------------------


async def test_preflight_echoes_requested_headers(emulator: Emulator) -> None:
    asked = "authorization, content-type, x-stainless-os, openai-beta"
    async with httpx.AsyncClient(base_url=emulator.base_url, timeout=10) as http:
        response = await http.options(
            "/v1/realtime/calls",
            headers={
                "Origin": "http://127.0.0.1:9999",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": asked,
            },
        )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:9999"
    assert response.headers["Access-Control-Allow-Headers"] == asked
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


async def test_responses_expose_location_to_other_origins(emulator: Emulator) -> None:
    secret = (await post_secret(emulator)).json()["value"]
    async with httpx.AsyncClient(base_url=emulator.base_url, timeout=15) as http:
        response = await http.post(
            "/v1/realtime/calls",
            content=await offer_sdp(),
            headers={
                **auth(secret),
                "Content-Type": "application/sdp",
                "Origin": "http://localhost:8888",
            },
        )
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:8888"
    assert "Location" in response.headers["Access-Control-Expose-Headers"]


# --- HTTP faults -----------------------------------------------------------------------------


async def test_status_fault_applies_given_times(start_emulator: StartEmulator) -> None:
    body = {
        "error": {
            "message": "Rate limit reached",
            "type": "requests",
            "code": "rate_limit_exceeded",
            "param": None,
        }
    }
    emu = await start_emulator(faults=Faults(client_secrets=HttpFault(429, body, times=1)))
    first = await post_secret(emu)
    assert first.status_code == 429
    assert first.json() == body
    second = await post_secret(emu)
    assert second.status_code == 200
    assert emu.faults.client_secrets is None
    assert emu.stats.client_secret_requests == {429: 1, 200: 1}


async def test_fault_body_that_is_not_json(emulator: Emulator) -> None:
    emulator.faults.calls = HttpFault(502, "<html>Bad gateway</html>", content_type="text/html")
    secret = (await post_secret(emulator)).json()["value"]
    response = await post_call(emulator, secret, await offer_sdp())
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == "<html>Bad gateway</html>"
    assert emulator.stats.calls_created == 0
    # The fault stays until cleared (times=None).
    assert (await post_call(emulator, secret, await offer_sdp())).status_code == 502
    emulator.faults.calls = None
    assert (await post_call(emulator, secret, await offer_sdp())).status_code == 201


async def test_delay_fault_holds_the_answer(emulator: Emulator) -> None:
    emulator.faults.client_secrets_delay_s = 30.0
    with pytest.raises(httpx.ReadTimeout):
        async with httpx.AsyncClient(base_url=emulator.base_url, timeout=0.5) as http:
            await http.post("/v1/realtime/client_secrets", headers=auth(KEY), json={})
    emulator.faults.client_secrets_delay_s = 0.0
    assert (await post_secret(emulator)).status_code == 200
