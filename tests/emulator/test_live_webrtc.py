"""GPT-Live over real WebRTC: the official SDK's `client.live.create` posts a real aiortc
offer to the emulator's `POST /v1/live/sessions`; events arrive on the `oai-events` data
channel and the voice on the audio track. Every server event is validated against its own
`openai.types.live` type, every client event before it is sent.

Covers emulator/live/ (engine.py, fronts.py, http.py, turns.py) over a real peer.
"""

# ruff: noqa: F811  (pytest fixtures imported from support.emulator_server are redefined as arguments)

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from support.emulator_server import StartEmulator, start_emulator  # noqa: F401
from support.live_client import MODEL, said, send_live, validate_all, webrtc_session
from support.rtc_client import RtcClient, speech_then_silence

from realtime_widget.emulator import Emulator

Open = Callable[..., Awaitable[RtcClient]]


@pytest.fixture
async def open_session() -> AsyncIterator[Open]:
    clients: list[RtcClient] = []

    async def _open(emu: Emulator, session: dict[str, Any] | None = None, **kw: Any) -> RtcClient:
        client = await webrtc_session(emu, session, **kw)
        clients.append(client)
        return client

    yield _open
    for client in clients:
        await client.close()
    for client in clients:
        validate_all(client.events)


async def test_create_answers_and_the_session_starts_on_the_data_channel(
    start_emulator: StartEmulator, open_session: Open
) -> None:
    emu = await start_emulator()
    client = await open_session(emu, {"instructions": "Be brief."})
    started = await client.wait_for("session.started")
    assert client.events[0] is started
    session = started["session"]
    assert session["id"] == client.call_id and session["id"].startswith("live_")
    assert session["model"] == MODEL and session["status"] == "active"
    assert session["audio"]["output"]["voice"] == "marin"
    assert session["delegation"] is None and session["instructions"] == "Be brief."
    assert session["expires_at"] > 0
    assert emu.calls[client.call_id].api == "live"


async def test_spoken_turn_gives_transcripts_and_the_voice_back(
    start_emulator: StartEmulator, open_session: Open
) -> None:
    emu = await start_emulator(transcripts=["hello there"], ms_per_char=25)
    client = await open_session(emu, mic=speech_then_silence(1.2, 0.0))
    await client.wait_for("session.started")
    await client.wait_for("session.usage.updated", timeout=30)
    heard = client.of_type("session.input_transcript.delta")
    assert said(heard, "session.input_transcript.delta") == "hello there"
    assert all(e["start_ms"] <= e["end_ms"] for e in heard)
    assert heard[0]["start_ms"] < heard[-1]["end_ms"]
    spoken = client.of_type("session.output_transcript.delta")
    assert said(spoken) == "You said: hello there"
    starts = [e["start_ms"] for e in spoken]
    assert starts == sorted(starts) and spoken[-1]["end_ms"] > spoken[0]["start_ms"]
    # The model spoke after the user's turn ended, on one session timeline.
    assert spoken[0]["start_ms"] >= heard[-1]["end_ms"] - 200
    await client.wait_until(lambda: client.audio.loud_frames > 10, timeout=10)
    usage = client.of_type("session.usage.updated")[-1]["usage"]
    assert usage["seconds"] == int(usage["seconds"]) and usage["seconds"] >= 1


async def test_commentary_is_answered_thinking_is_silent(
    start_emulator: StartEmulator, open_session: Open
) -> None:
    emu = await start_emulator(ms_per_char=10)
    client = await open_session(emu)
    await client.wait_for("session.started")
    send_live(client, {"type": "session.thinking.append", "content": "VIP", "event_id": "t1"})
    thought = await client.wait_for("session.thinking.appended")
    assert thought["client_event_id"] == "t1"
    send_live(
        client,
        {"type": "session.commentary.append", "content": "the train is late", "event_id": "c1"},
    )
    appended = await client.wait_for("session.commentary.appended")
    assert appended["client_event_id"] == "c1"
    assert appended["start_ms"] <= appended["end_ms"]
    await client.wait_for("session.usage.updated", timeout=20)
    # One utterance, for the commentary; the thinking made none.
    assert said(client.events) == "You said: the train is late"
    assert len(client.of_type("session.usage.updated")) == 1


async def test_client_delegation_round_trip(
    start_emulator: StartEmulator, open_session: Open
) -> None:
    emu = await start_emulator(transcripts=["What's the weather in Paris?"], ms_per_char=10)
    client = await open_session(emu, mic=speech_then_silence(1.0, 0.0))
    await client.wait_for("session.started")
    created = await client.wait_for("session.delegation.created", timeout=30)
    delegation = created["delegation"]
    assert delegation["target"] == "client" and delegation["type"] == "delegation"
    assert "response_id" not in delegation and created["offset_ms"] >= 0
    send_live(
        client,
        {
            "type": "session.commentary.append",
            "content": "Sunny, 21 C",
            "delegation_id": delegation["id"],
            "event_id": "result",
        },
    )
    await client.wait_for("session.usage.updated", count=2, timeout=20)
    assert "The tool returned: Sunny, 21 C" in said(client.events)
    send_live(
        client, {"type": "session.commentary.append", "content": "x", "delegation_id": "nope"}
    )
    refused = await client.wait_for("error")
    assert refused["error"]["param"] == "delegation_id"


async def test_close_ends_the_session_with_close_requested(
    start_emulator: StartEmulator, open_session: Open
) -> None:
    emu = await start_emulator()
    client = await open_session(emu)
    await client.wait_for("session.started")
    send_live(client, {"type": "session.input_audio.mute", "event_id": "m"})
    assert (await client.wait_for("session.input_audio.muted"))["client_event_id"] == "m"
    send_live(client, {"type": "session.close", "event_id": "bye"})
    closed = await client.wait_for("session.closed")
    assert closed["reason"] == "close_requested" and closed["client_event_id"] == "bye"
    assert closed["session"]["id"] == client.call_id
    assert closed["usage"]["seconds"] >= 0
    await client.wait_until(lambda: emu.calls[client.call_id].state == "closed", timeout=10)
    assert emu.calls[client.call_id].close_reason == "close_requested"


async def test_session_start_on_the_data_channel_is_an_error(
    start_emulator: StartEmulator, open_session: Open
) -> None:
    emu = await start_emulator()
    client = await open_session(emu)
    await client.wait_for("session.started")
    send_live(client, {"type": "session.start", "session": {"model": MODEL}, "event_id": "s"})
    error = await client.wait_for("error")
    assert error["error"]["client_event_id"] == "s"
    assert "do not send session.start" in error["error"]["message"]


async def test_barge_in_on_the_track_stops_the_voice(
    start_emulator: StartEmulator, open_session: Open
) -> None:
    emu = await start_emulator(transcripts=["stop"], ms_per_char=60)
    client = await open_session(emu)
    await client.wait_for("session.started")
    long = "let me tell you a very long story about the sea and the ships on it"
    send_live(client, {"type": "session.commentary.append", "content": long})
    await client.wait_for("session.output_transcript.delta", count=2, timeout=15)
    await client.wait_until(lambda: client.audio.loud_frames > 5, timeout=10)
    assert client.mic_track is not None
    client.mic_track.play(speech_then_silence(0.8, 0.0, lead_s=0.0))  # the user talks over it
    await client.wait_for("session.usage.updated", timeout=20)  # the cut utterance
    cut = said(client.events)
    assert cut and not cut.endswith(long)
    engine = emu.calls[client.call_id].engine
    assert not engine.audio_out.busy  # the rest of its voice was dropped
    await client.wait_for("session.usage.updated", count=2, timeout=20)
    assert said(client.events).endswith("You said: stop")
