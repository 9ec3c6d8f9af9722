"""The emulator's WebSocket interface, driven by the official `openai` SDK unchanged.

`AsyncOpenAI(websocket_base_url="ws://127.0.0.1:PORT/v1").realtime.connect(model=…)`
against an in-process emulator: a text turn, a voice turn ended by server VAD (audio in
as `input_audio_buffer.append`, out as `response.output_audio.delta`), a function call
round trip, refusals before the upgrade (bad or missing key, shut-down model) and the
end of a session. Every event received is validated against its own SDK type
(`assert_server_event`), every event sent against the client types
(`assert_client_event`). Covers ws_link.py, audio_events.py, the WebSocket handler in
http_handlers.py and the engine's `transport="websocket"` (playback.SocketPlayback).
"""

# ruff: noqa: F811  (pytest fixtures imported from support.emulator_server are redefined as arguments)

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import httpx
import numpy as np
import pytest
from openai import AsyncOpenAI
from support.emulator_server import StartEmulator, emulator, start_emulator  # noqa: F401
from support.rtc_client import silence, speech_like
from support.sdk_ws import KEY, WEATHER_TOOL, Session, sdk_client, user_text
from websockets.exceptions import ConnectionClosedError, InvalidStatus

import realtime_widget
from realtime_widget.emulator import Emulator, Faults
from realtime_widget.emulator.audio_events import PCM_RATE, decode, encode

MODEL = "gpt-realtime-2.1"
WEBRTC_ONLY = ("output_audio_buffer.started", "output_audio_buffer.stopped")

Event = dict[str, Any]


def test_the_worktree_is_what_runs() -> None:
    """These tests must exercise this checkout's emulator, not an installed copy."""
    here = __file__.rsplit("/tests/", 1)[0]
    assert realtime_widget.__file__.startswith(here + "/realtime_widget/")


@asynccontextmanager
async def connect(emu: Emulator, model: str = MODEL) -> AsyncIterator[Session]:
    async with sdk_client(emu).realtime.connect(model=model) as conn:
        session = Session(conn)
        first = await session.recv()
        assert first["type"] == "session.created", first
        yield session


async def emulator_ws(start_emulator: StartEmulator, **kwargs: Any) -> Emulator:
    kwargs.setdefault("api_keys", [KEY])
    kwargs.setdefault("text_delta_interval_s", 0.002)
    return await start_emulator(**kwargs)


def voice_pcm() -> np.ndarray:
    """Lead-in silence, a speech-like burst, then silence long enough for server VAD."""
    return np.concatenate(
        [
            silence(0.3, rate=PCM_RATE),
            speech_like(1.2, rate=PCM_RATE),
            silence(1.2, rate=PCM_RATE),
        ]
    )


def audio_of(deltas: list[Event]) -> np.ndarray:
    raw = b"".join(base64.b64decode(d["delta"]) for d in deltas)
    return np.frombuffer(raw, dtype="<i2")


# --- conversations ----------------------------------------------------------------------


async def test_text_turn(start_emulator: StartEmulator) -> None:
    emu = await emulator_ws(start_emulator)
    async with connect(emu) as s:
        created = s.events[0]["session"]
        assert created["model"] == MODEL and created["id"].startswith("sess_")
        await s.send(
            {
                "type": "session.update",
                "session": {"type": "realtime", "output_modalities": ["text"]},
            }
        )
        updated = await s.wait_for("session.updated")
        assert updated["session"]["output_modalities"] == ["text"]
        await s.send(user_text("What is the capital of France?"))
        await s.send({"type": "response.create"})
        done = await s.wait_for("response.done")
    assert done["response"]["status"] == "completed"
    text = s.of("response.output_text.done")[0]["text"]
    assert text and "".join(d["delta"] for d in s.of("response.output_text.delta")) == text
    assert not [t for t in s.types() if "audio" in t]
    call = emu.last_call
    assert call is not None and call.transport == "websocket" and call.call_id.startswith("ws_")
    assert emu.stats.websocket_requests[101] == 1


async def test_audio_turn_ended_by_server_vad(start_emulator: StartEmulator) -> None:
    # The server's estimate of the client's playback runs 20x faster than real time.
    emu = await emulator_ws(start_emulator, audio_clock_speed=20.0)
    async with connect(emu) as s:
        turn = s.events[0]["session"]["audio"]["input"]["turn_detection"]
        assert turn["type"] == "server_vad"
        pcm = voice_pcm()
        step = PCM_RATE // 10  # 100 ms per append
        for i in range(0, pcm.size, step):
            chunk = pcm[i : i + step].astype("<i2").tobytes()
            await s.send(
                {"type": "input_audio_buffer.append", "audio": base64.b64encode(chunk).decode()}
            )
        started = await s.wait_for("input_audio_buffer.speech_started")
        stopped = await s.wait_for("input_audio_buffer.speech_stopped")
        committed = await s.wait_for("input_audio_buffer.committed")
        done = await s.wait_for("response.done")
        # By now the (estimated) playback has ended: nothing is sent for it, as
        # output_audio_buffer.* are WebRTC/SIP only.
        await s.drain(0.5)
    assert started["item_id"] == stopped["item_id"] == committed["item_id"]
    assert 0 <= started["audio_start_ms"] <= 400  # speech at 300 ms, less the prefix padding
    assert stopped["audio_end_ms"] > started["audio_start_ms"] + 1000
    assert done["response"]["status"] == "completed"
    assert done["response"]["usage"]["output_token_details"]["audio_tokens"] > 0
    deltas = s.of("response.output_audio.delta")
    assert deltas, s.types()
    item_id = deltas[0]["item_id"]
    assert {d["item_id"] for d in deltas} == {item_id}
    voice = audio_of(deltas)
    assert voice.size / PCM_RATE > 0.3 and int(np.abs(voice.astype(np.int32)).max()) > 1000
    order = s.types()
    assert order.index("response.output_audio.done") > max(
        i for i, t in enumerate(order) if t == "response.output_audio.delta"
    )
    assert order.index("response.output_audio.done") < order.index("response.done")
    assert s.of("response.output_audio_transcript.done")
    assert not [t for t in order if t.startswith("output_audio_buffer.")]


async def test_function_call_round_trip(start_emulator: StartEmulator) -> None:
    emu = await emulator_ws(start_emulator)
    async with connect(emu) as s:
        await s.send(
            {
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "output_modalities": ["text"],
                    "tools": [WEATHER_TOOL],
                },
            }
        )
        await s.wait_for("session.updated")
        await s.send(user_text("Please get_weather for Paris"))
        await s.send({"type": "response.create"})
        args_done = await s.wait_for("response.function_call_arguments.done")
        first = await s.wait_for("response.done")
        assert args_done["name"] == "get_weather"
        assert isinstance(json.loads(args_done["arguments"]), dict)
        assert [o["type"] for o in first["response"]["output"]] == ["function_call"]
        await s.send(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "function_call_output",
                    "call_id": args_done["call_id"],
                    "output": json.dumps({"temperature_c": 21}),
                },
            }
        )
        await s.wait_for("conversation.item.added")
        await s.send({"type": "response.create"})
        second = await s.wait_for("response.done")
    assert second["response"]["status"] == "completed"
    assert "21" in s.of("response.output_text.done")[-1]["text"]


async def test_output_audio_buffer_clear_is_not_a_websocket_event(
    start_emulator: StartEmulator,
) -> None:
    emu = await emulator_ws(start_emulator)
    async with connect(emu) as s:
        await s.send({"type": "output_audio_buffer.clear"})
        error = await s.wait_for("error")
    assert error["error"]["code"] == "invalid_value" and error["error"]["param"] == "type"
    supported = error["error"]["message"].split("Supported values are:")[1]
    assert "'response.create'" in supported and "output_audio_buffer" not in supported


# --- refusals before the upgrade --------------------------------------------------------


async def test_bad_key_is_refused_with_the_real_401(start_emulator: StartEmulator) -> None:
    emu = await emulator_ws(start_emulator)
    bad = "sk-wrong-0123456789abcdef0123456789"
    with pytest.raises(InvalidStatus) as caught:
        async with sdk_client(emu, key=bad).realtime.connect(model=MODEL):
            pass
    response = caught.value.response
    assert response.status_code == 401
    error = json.loads(bytes(response.body))["error"]
    assert error["code"] == "invalid_api_key" and error["type"] == "invalid_request_error"
    assert bad not in error["message"] and bad[-4:] in error["message"]
    assert emu.stats.websocket_requests[401] == 1 and emu.stats.calls_created == 0


async def test_missing_key_and_shut_down_model_are_refused(emulator: Emulator) -> None:
    url = emulator.base_url + "/v1/realtime?model=" + MODEL
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await http.ws_connect(url)
        assert caught.value.status == 401
        async with http.get(url) as response:  # the same check, readable body
            assert response.status == 401
            assert (await response.json())["error"]["code"] is None
    gone = "gpt-4o-realtime-preview"
    with pytest.raises(InvalidStatus) as refused:
        async with sdk_client(emulator).realtime.connect(model=gone):
            pass
    assert refused.value.response.status_code == 400
    error = json.loads(bytes(refused.value.response.body))["error"]
    assert error["code"] == "model_not_found" and error["param"] is None
    assert gone in error["message"]
    assert emulator.stats.calls_created == 0


# --- the end of a session ---------------------------------------------------------------


async def test_session_expiry_sends_the_error_then_closes_1001(
    start_emulator: StartEmulator,
) -> None:
    emu = await emulator_ws(start_emulator, faults=Faults(expire_after_s=0.5))
    async with connect(emu) as s:
        error = await s.wait_for("error", timeout=10)
        assert error["error"]["code"] == "session_expired"
        events = [e async for e in s.conn]  # ends cleanly: the close is 1001 (going away)
        assert events == []
        assert s.conn._connection.close_code == 1001
    call = emu.last_call
    assert call is not None and call.state == "closed" and call.close_reason == "session_expired"


async def test_drop_fault_aborts_the_connection(start_emulator: StartEmulator) -> None:
    emu = await emulator_ws(start_emulator, faults=Faults(drop_peer_after_response_events=3))
    async with connect(emu) as s:
        await s.send(user_text("Hello there"))
        await s.send({"type": "response.create"})
        with pytest.raises(ConnectionClosedError) as caught:
            for _ in range(100):
                await asyncio.wait_for(s.recv(), 10)
        assert s.conn._connection.close_code == 1006, caught.value
    assert "response.done" not in s.types()
    call = emu.last_call
    assert call is not None and call.close_reason == "fault: drop_peer_after_response_events"


# --- formats and keys -------------------------------------------------------------------


async def test_g711_session_streams_mulaw_both_ways(start_emulator: StartEmulator) -> None:
    emu = await emulator_ws(start_emulator, audio_clock_speed=20.0)
    pcmu = {"type": "audio/pcmu"}
    async with connect(emu) as s:
        await s.send(
            {
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "audio": {"input": {"format": pcmu}, "output": {"format": pcmu}},
                },
            }
        )
        await s.wait_for("session.updated")
        mulaw = encode(voice_pcm(), PCM_RATE, pcmu)  # 8 kHz, one byte a sample
        for i in range(0, len(mulaw), 800):
            await s.send(
                {
                    "type": "input_audio_buffer.append",
                    "audio": base64.b64encode(mulaw[i : i + 800]).decode(),
                }
            )
        stopped = await s.wait_for("input_audio_buffer.speech_stopped")
        done = await s.wait_for("response.done")
    assert 1200 <= stopped["audio_end_ms"] <= 2200  # the burst ends at 1.5 s (+ silence wait)
    assert done["response"]["audio"]["output"]["format"] == pcmu
    raw = b"".join(base64.b64decode(d["delta"]) for d in s.of("response.output_audio.delta"))
    item_id = s.of("response.output_audio.delta")[0]["item_id"]
    audio_ms = emu.last_call.engine._item_audio_ms[item_id]  # type: ignore[union-attr]
    assert abs(len(raw) / 8 - audio_ms) <= 5  # 8 bytes per ms at 8 kHz
    assert int(np.abs(decode(raw, pcmu).astype(np.int32)).max()) > 1000


async def test_a_client_secret_connects_to_its_own_session(emulator: Emulator) -> None:
    async with httpx.AsyncClient(base_url=emulator.base_url, timeout=10) as http:
        minted = await http.post(
            "/v1/realtime/client_secrets",
            json={"session": {"type": "realtime", "model": MODEL, "instructions": "Be brief."}},
            headers={"Authorization": f"Bearer {KEY}"},
        )
    secret = minted.json()
    ws_base = emulator.base_url.replace("http://", "ws://", 1) + "/v1"
    client = AsyncOpenAI(api_key=secret["value"], websocket_base_url=ws_base)
    async with client.realtime.connect(model=MODEL) as conn:
        s = Session(conn)
        created = await s.recv()
    assert created["type"] == "session.created"
    assert created["session"]["id"] == secret["session"]["id"]
    assert created["session"]["instructions"] == "Be brief."
