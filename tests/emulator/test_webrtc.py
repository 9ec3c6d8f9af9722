"""The emulator over real WebRTC: an aiortc client peer on 127.0.0.1 plays the browser.

Every server event received in these tests is validated against the openai SDK types.

Covers peer.py and ice.py, with audio_out.py and faults.py, over a real peer connection.
"""

# ruff: noqa: F811  (pytest fixtures imported from support.emulator_server are redefined as arguments)

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from support.emulator_server import StartEmulator, emulator, start_emulator  # noqa: F401
from support.openai_types import assert_server_event
from support.rtc_client import CallFailed, RtcClient, mint_secret, speech_then_silence

from realtime_widget.emulator import Emulator, Faults

Connect = Callable[..., Awaitable[RtcClient]]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """Open client calls; every server event they got is validated when the test ends."""
    clients: list[RtcClient] = []

    async def _connect(
        emu: Emulator, *, session: dict[str, Any] | None = None, **kwargs: Any
    ) -> RtcClient:
        secret = await mint_secret(emu.base_url, session=session)
        client = RtcClient(emu.base_url, secret["value"], **kwargs)
        clients.append(client)
        await client.connect()
        return client

    yield _connect
    for client in clients:
        await client.close()
    for client in clients:
        for event in client.events:
            assert_server_event(event)


def text_turn(client: RtcClient, text: str) -> None:
    client.send(
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": text}],
            },
        }
    )
    client.send({"type": "response.create"})


def assistant_transcript(client: RtcClient) -> str:
    done = client.of_type("response.output_audio_transcript.done")
    texts = client.of_type("response.output_text.done")
    return " ".join([e["transcript"] for e in done] + [e["text"] for e in texts])


async def test_text_turn_round_trip_with_audio(emulator: Emulator, connect: Connect) -> None:
    client = await connect(emulator)
    created = await client.wait_for("session.created")
    assert client.events[0] is created  # the first event, as on the real API
    text_turn(client, "hello over webrtc")
    done = await client.wait_for("response.done")
    assert done["response"]["status"] == "completed"
    await client.wait_for("output_audio_buffer.stopped", timeout=20)
    types = client.types()
    order = [
        "conversation.item.added",
        "response.created",
        "response.output_item.added",
        "response.content_part.added",
        "output_audio_buffer.started",
        "response.output_audio_transcript.delta",
        "response.output_audio_transcript.done",
        "response.done",
        "output_audio_buffer.stopped",
    ]
    positions = [types.index(t) for t in order]
    assert positions == sorted(positions), types
    assert "hello over webrtc" in assistant_transcript(client)
    # The model's voice really arrived: decoded frames with a real level.
    assert client.audio.loud_frames > 10
    assert client.audio.peak > 0.05
    call = emulator.calls[client.call_id or ""]
    assert call.state == "active"
    stats = call.engine.stats  # type: ignore[attr-defined]
    assert stats.client_events["conversation.item.create"] == 1
    assert stats.client_events["response.create"] == 1
    assert stats.mic_frames > 0
    assert call.connect_seconds is not None


async def test_voice_turn_from_the_mic_track(emulator: Emulator, connect: Connect) -> None:
    client = await connect(
        emulator,
        session={
            "type": "realtime",
            "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}},
        },
        mic=speech_then_silence(1.2, lead_s=0.6),
    )
    started = await client.wait_for("input_audio_buffer.speech_started", timeout=15)
    stopped = await client.wait_for("input_audio_buffer.speech_stopped", timeout=15)
    committed = await client.wait_for("input_audio_buffer.committed")
    assert started["item_id"] == stopped["item_id"] == committed["item_id"]
    # Speech starts ~0.6 s into the track (less the prefix padding) and lasts ~1.2 s.
    assert 0 <= started["audio_start_ms"] <= 900
    assert 900 <= stopped["audio_end_ms"] - started["audio_start_ms"] <= 2600
    added = next(
        e
        for e in client.of_type("conversation.item.added")
        if e["item"]["id"] == committed["item_id"]
    )
    assert added["item"]["role"] == "user"
    assert added["item"]["content"][0]["type"] == "input_audio"
    assert added["item"]["content"][0]["transcript"] is None
    done = await client.wait_for("response.done", timeout=15)
    assert done["response"]["status"] == "completed"
    completed = await client.wait_for(
        "conversation.item.input_audio_transcription.completed", timeout=15
    )
    assert completed["item_id"] == committed["item_id"]
    assert done["response"]["usage"]["input_token_details"]["audio_tokens"] > 0
    engine_stats = emulator.calls[client.call_id or ""].engine.stats  # type: ignore[attr-defined]
    assert engine_stats.mic_peak > 0.1


async def test_two_calls_are_kept_apart(emulator: Emulator, connect: Connect) -> None:
    alpha, beta = await asyncio.gather(connect(emulator), connect(emulator))
    assert alpha.call_id != beta.call_id
    assert emulator.active_call_count == 2
    await asyncio.gather(alpha.wait_for("session.created"), beta.wait_for("session.created"))
    text_turn(alpha, "alpha apples")
    text_turn(beta, "beta bananas")
    await asyncio.gather(alpha.wait_for("response.done"), beta.wait_for("response.done"))
    assert "alpha apples" in assistant_transcript(alpha)
    assert "beta bananas" not in assistant_transcript(alpha)
    assert "beta bananas" in assistant_transcript(beta)
    assert "alpha apples" not in assistant_transcript(beta)
    sessions = {c.of_type("session.created")[0]["session"]["id"] for c in (alpha, beta)}
    assert len(sessions) == 2
    for client in (alpha, beta):
        stats = emulator.calls[client.call_id or ""].engine.stats  # type: ignore[attr-defined]
        assert stats.client_events["response.create"] == 1


async def test_drop_channel_fault(start_emulator: StartEmulator, connect: Connect) -> None:
    emu = await start_emulator(faults=Faults(drop_channel_after_response_events=3))
    client = await connect(emu)
    await client.wait_for("session.created")
    text_turn(client, "drop the channel please")
    await asyncio.wait_for(client.channel_closed.wait(), 10)
    after_created = client.types()[client.types().index("response.created") + 1 :]
    assert "response.done" not in after_created
    assert len(after_created) <= 3
    # Only the channel went: the call itself (and its audio) is still up.
    assert emu.calls[client.call_id or ""].state == "active"
    assert client.pc.connectionState == "connected"


async def test_drop_peer_fault(start_emulator: StartEmulator, connect: Connect) -> None:
    emu = await start_emulator(faults=Faults(drop_peer_after_response_events=2))
    client = await connect(emu)
    await client.wait_for("session.created")
    text_turn(client, "drop the peer please")
    await asyncio.wait_for(client.peer_closed.wait(), 15)
    call = emu.calls[client.call_id or ""]
    assert call.state == "closed"
    assert call.close_reason is not None and "drop_peer" in call.close_reason
    assert "response.done" not in client.types()
    assert emu.stats.calls_closed == 1


async def test_refuse_ice_fault(start_emulator: StartEmulator) -> None:
    emu = await start_emulator(faults=Faults(refuse_ice=True))
    secret = await mint_secret(emu.base_url)
    client = RtcClient(emu.base_url, secret["value"])
    try:
        await client.connect(wait_open=False)  # the SDP exchange itself succeeds
        await asyncio.wait_for(client.peer_closed.wait(), 60)
        assert client.pc.connectionState == "failed"
        assert client.channel_open_at is None
        assert client.events == []
    finally:
        await client.close()
    call = emu.last_call
    assert call is not None and call.state == "closed" and call.close_reason == "ice_refused"


async def test_session_expiry_closes_the_call(
    start_emulator: StartEmulator, connect: Connect
) -> None:
    emu = await start_emulator(max_session_seconds=1.0)
    client = await connect(emu)
    error = await client.wait_for("error", timeout=10)
    assert error["error"]["code"] == "session_expired"
    await asyncio.wait_for(client.peer_closed.wait(), 10)
    call = emu.calls[client.call_id or ""]
    assert call.state == "closed"
    assert call.close_reason == "session_expired"
    assert emu.active_call_count == 0


async def test_client_hangup_and_http_hangup_close_calls(
    emulator: Emulator, connect: Connect
) -> None:
    first = await connect(emulator)
    await first.wait_for("session.created")
    await first.pc.close()  # the browser closes its peer connection
    for _ in range(100):
        if emulator.calls[first.call_id or ""].state == "closed":
            break
        await asyncio.sleep(0.05)
    assert emulator.calls[first.call_id or ""].close_reason == "peer_closed"

    second = await connect(emulator)
    await second.wait_for("session.created")
    assert await emulator.hangup(second.call_id or "")
    await asyncio.wait_for(second.peer_closed.wait(), 10)
    assert emulator.active_call_count == 0
    assert emulator.stats.calls_closed == 2


async def test_expired_secret_cannot_start_a_call(emulator: Emulator) -> None:
    secret = await mint_secret(emulator.base_url, expires_s=10)
    emulator.secrets.expire(secret["value"])
    with pytest.raises(CallFailed) as failed:
        await RtcClient(emulator.base_url, secret["value"]).connect()
    assert failed.value.status == 401
