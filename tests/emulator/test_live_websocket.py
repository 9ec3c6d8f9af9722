"""GPT-Live over WebSocket and the sideband, through the official SDK: `client.live.connect()`
(then `session.start`) and `client.live.sideband.connect(session_id=…)` against the
emulator on 127.0.0.1. Every event sent and received is validated against its own
`openai.types.live` type (invalid ones are shown invalid by those types first).

Covers emulator/live/ (engine.py, responses_backend.py, config.py, fronts.py, http.py),
ws_link.py and sideband.py as the Live fronts use them.
"""

# ruff: noqa: F811  (pytest fixtures imported from support.emulator_server are redefined as arguments)

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import numpy as np
import pytest
from support.emulator_server import StartEmulator, start_emulator  # noqa: F401
from support.live_client import (
    MODEL,
    LiveSocket,
    live_sdk,
    pcm24,
    said,
    send_invalid,
    send_live,
    validate_all,
    webrtc_session,
)
from support.rtc_client import silence, speech_like
from support.sdk_ws import WEATHER_TOOL
from websockets.exceptions import ConnectionClosed

from realtime_widget.emulator import Emulator


@pytest.fixture
async def stack() -> AsyncIterator[AsyncExitStack]:
    async with AsyncExitStack() as s:
        yield s


async def connect(emu: Emulator, stack: AsyncExitStack, **session: object) -> LiveSocket:
    conn = await stack.enter_async_context(live_sdk(emu).live.connect())
    socket = LiveSocket(conn)
    await socket.send(
        {"type": "session.start", "session": {"model": MODEL, **session}, "event_id": "start"}
    )
    started = await socket.wait_for("session.started")
    assert started["client_event_id"] == "start"
    return socket


async def speak(socket: LiveSocket, seconds: float = 1.0) -> None:
    """A spoken turn as 100 ms appends: speech, then enough silence to end it."""
    audio = pcm24(np.concatenate([silence(0.3), speech_like(seconds), silence(1.0)]))
    step = 4800  # 100 ms of PCM16 at 24 kHz
    for i in range(0, len(audio), step):
        chunk = base64.b64encode(audio[i : i + step]).decode()
        await socket.send({"type": "session.input_audio.append", "audio": chunk})


async def test_commentary_and_an_audio_exchange(
    start_emulator: StartEmulator, stack: AsyncExitStack
) -> None:
    emu = await start_emulator(transcripts=["good morning"], ms_per_char=10)
    socket = await connect(emu, stack, instructions="Be brief.")
    started = socket.of("session.started")[0]["session"]
    assert started["audio"]["output"]["voice"] == "marin"
    await socket.send({"type": "session.commentary.append", "content": "a parcel arrived"})
    await socket.wait_for("session.usage.updated")
    assert said(socket.events) == "You said: a parcel arrived"
    await speak(socket)
    await socket.wait_for("session.usage.updated")
    assert said(socket.events, "session.input_transcript.delta") == "good morning"
    assert said(socket.events).endswith("You said: good morning")
    audio = socket.of("session.output_audio.delta")
    pcm = np.frombuffer(b"".join(base64.b64decode(e["delta"]) for e in audio), "<i2")
    # The voice of both utterances, at 24 kHz: 10 ms a character.
    chars = len("You said: a parcel arrived") + len("You said: good morning")
    assert abs(pcm.size - chars * 240) < 2 * 240 and int(np.abs(pcm).max()) > 3000
    assert all(e["start_ms"] <= e["end_ms"] for e in audio)


async def test_barge_in_stops_the_model(
    start_emulator: StartEmulator, stack: AsyncExitStack
) -> None:
    emu = await start_emulator(transcripts=["one", "two"], ms_per_char=60)
    socket = await connect(emu, stack)
    long = "tell me everything about the history of the city " * 2
    await socket.send({"type": "session.commentary.append", "content": long})
    await socket.wait_for("session.output_transcript.delta")
    await speak(socket, 0.6)  # the user talks over it
    await socket.wait_for("session.usage.updated")  # the cut utterance ends
    cut = said(socket.events)
    assert cut and not cut.endswith(long.strip())
    await socket.wait_for("session.usage.updated")  # the reply to the user's turn
    assert said(socket.events).endswith("You said: one")


async def test_responses_delegation_with_a_function_call(
    start_emulator: StartEmulator, stack: AsyncExitStack
) -> None:
    emu = await start_emulator(transcripts=["get_weather for city Paris"], ms_per_char=10)
    delegation = {
        "type": "responses",
        "responses": {"model": "gpt-5.5", "instructions": "Use tools.", "tools": [WEATHER_TOOL]},
    }
    socket = await connect(emu, stack, delegation=delegation)
    await speak(socket)
    created = await socket.wait_for("session.delegation.created")
    assert created["delegation"]["target"] == "responses"
    first_response = created["delegation"]["response_id"]
    completed = await socket.wait_for("response.event")
    while completed["event"]["type"] != "response.completed":
        completed = await socket.wait_for("response.event")
    assert completed["delegation_id"] == created["delegation"]["id"]
    response = completed["event"]["response"]
    assert response["id"] == first_response and response["usage"]["total_tokens"] > 0
    call = response["output"][0]
    assert call["type"] == "function_call" and call["name"] == "get_weather"
    assert call["arguments"] == '{"city":"Paris"}'
    await socket.send(
        {
            "type": "response.item.create",
            "item": {"type": "function_call_output", "call_id": call["call_id"], "output": "Sunny"},
        }
    )
    await socket.send({"type": "response.create", "event_id": "go"})
    while True:
        evt = await socket.wait_for("response.event")
        if evt["event"]["type"] == "response.completed":
            break
    answer = evt["event"]["response"]
    assert answer["id"] != first_response
    assert answer["output"][0]["content"][0]["text"] == "The tool returned: Sunny"
    while "The tool returned: Sunny" not in said(socket.events):
        await socket.wait_for("session.output_transcript.delta")


async def test_responses_events_need_responses_delegation(
    start_emulator: StartEmulator, stack: AsyncExitStack
) -> None:
    emu = await start_emulator()
    socket = await connect(emu, stack)
    item = {"type": "function_call_output", "call_id": "call_1", "output": "x"}
    await socket.send({"type": "response.item.create", "item": item, "event_id": "i1"})
    error = (await socket.wait_for("error"))["error"]
    assert error["message"] == "response.item.create requires Responses delegation."
    assert error["client_event_id"] == "i1"
    await socket.send({"type": "response.create", "event_id": "r1"})
    error = (await socket.wait_for("error"))["error"]
    assert error["message"] == "response.create requires Responses delegation."


async def test_session_update_changes_only_delegation_and_triggers(
    start_emulator: StartEmulator, stack: AsyncExitStack
) -> None:
    emu = await start_emulator()
    socket = await connect(emu, stack, instructions="Be brief.")
    await socket.send(
        {"type": "session.instructions.append", "content": "Speak French.", "event_id": "a"}
    )
    assert (await socket.wait_for("session.instructions.appended"))["client_event_id"] == "a"
    await send_invalid(
        socket, {"type": "session.update", "session": {"instructions": "x"}, "event_id": "u1"}
    )
    error = (await socket.wait_for("error"))["error"]
    assert error["param"] == "session.instructions" and error["client_event_id"] == "u1"
    assert "session.instructions.append" in error["message"]
    await send_invalid(socket, {"type": "session.update", "session": {"model": "gpt-live-1"}})
    assert (await socket.wait_for("error"))["error"]["param"] == "session.model"
    await socket.send(
        {
            "type": "session.update",
            "session": {"delegation": {"type": "client", "acknowledgement_delay_ms": 100}},
            "event_id": "u2",
        }
    )
    updated = await socket.wait_for("session.updated")
    assert updated["client_event_id"] == "u2"
    assert updated["session"]["delegation"] == {"type": "client", "acknowledgement_delay_ms": 100}
    assert updated["session"]["instructions"] == "Be brief.\nSpeak French."
    await send_invalid(socket, {"type": "response.cancel", "event_id": "c"})
    error = (await socket.wait_for("error"))["error"]
    assert error["param"] == "type" and error["client_event_id"] == "c"
    await socket.send({"type": "session.input_audio.unmute"})
    await socket.wait_for("session.input_audio.unmuted")


async def test_events_before_session_start_and_a_bad_start_are_refused(
    start_emulator: StartEmulator, stack: AsyncExitStack
) -> None:
    emu = await start_emulator()
    conn = await stack.enter_async_context(live_sdk(emu).live.connect())
    socket = LiveSocket(conn)
    await socket.send({"type": "session.commentary.append", "content": "hi", "event_id": "early"})
    error = (await socket.wait_for("error"))["error"]
    assert error["client_event_id"] == "early" and "session.start" in error["message"]
    await send_invalid(socket, {"type": "session.start", "session": {"voice": "marin"}})
    assert (await socket.wait_for("error"))["error"]["param"] == "session.voice"
    await socket.send({"type": "session.start", "session": {"model": "gpt-realtime-2.1"}})
    assert (await socket.wait_for("error"))["error"]["param"] == "session.model"
    await socket.send({"type": "session.start", "session": {"model": MODEL}})
    await socket.wait_for("session.started")


async def test_expiry_closes_with_expired(
    start_emulator: StartEmulator, stack: AsyncExitStack
) -> None:
    emu = await start_emulator()
    emu.faults.expire_after_s = 1.0
    socket = await connect(emu, stack)
    closed = await socket.wait_for("session.closed")
    assert closed["reason"] == "expired" and closed["usage"]["seconds"] >= 1


async def test_sideband_gets_the_sessions_events_and_the_lost_connection(
    start_emulator: StartEmulator, stack: AsyncExitStack
) -> None:
    emu = await start_emulator(ms_per_char=10)
    client = await webrtc_session(emu)
    try:
        await client.wait_for("session.started")
        assert client.call_id is not None
        manager = live_sdk(emu).live.sideband.connect(session_id=client.call_id)
        sideband = LiveSocket(await stack.enter_async_context(manager), sideband=True)
        await asyncio.sleep(0.2)  # attached: the emulator counts it
        assert emu.stats.sidebands_attached == 1
        await sideband.send(
            {"type": "session.commentary.append", "content": "from the server", "event_id": "sb"}
        )
        appended = await sideband.wait_for("session.commentary.appended")
        assert appended["client_event_id"] == "sb"
        await sideband.wait_for("session.usage.updated")
        assert said(sideband.events) == "You said: from the server"
        # The data channel got the same events, with the same ids, in the same order.
        await client.wait_for("session.usage.updated")
        ids = [e["event_id"] for e in sideband.events]
        on_channel = [e["event_id"] for e in client.events]
        assert on_channel[-len(ids) :] == ids
        send_live(client, {"type": "session.input_audio.mute"})
        await sideband.wait_for("session.input_audio.muted")
    finally:
        await client.close()  # the browser goes away
    closed = await sideband.wait_for("session.closed")
    assert closed["reason"] == "connection_lost"
    validate_all(client.events)


async def test_a_dropped_connection_reaches_the_sideband(
    start_emulator: StartEmulator, stack: AsyncExitStack
) -> None:
    emu = await start_emulator(ms_per_char=10)
    socket = await connect(emu, stack)
    session_id = socket.of("session.started")[0]["session"]["id"]
    manager = live_sdk(emu).live.sideband.connect(session_id=session_id)
    sideband = LiveSocket(await stack.enter_async_context(manager), sideband=True)
    emu.faults.drop_peer_after_response_events = 3
    await socket.send({"type": "session.commentary.append", "content": "a long enough sentence"})
    with pytest.raises(ConnectionClosed):
        await socket.drain(10)
        await socket.recv()
    closed = await sideband.wait_for("session.closed")
    assert closed["reason"] == "connection_lost" and closed["session"]["id"] == session_id
    assert emu.calls[session_id].close_reason == "fault: drop_peer_after_response_events"
