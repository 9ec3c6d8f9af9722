"""GPT-Live test clients of the emulator, through the official SDK: `client.live.create`
signaling a real aiortc peer (`webrtc_session`), `client.live.connect()` (`LiveSocket`),
and `client.live.sideband.connect(session_id=…)`. Every event sent and received is
validated strictly against its own `openai.types.live` type (`live_types.py`)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from openai import AsyncOpenAI

from realtime_widget.emulator import Emulator

from .live_types import assert_live_client_event, assert_live_server_event
from .rtc_client import RtcClient
from .sdk_ws import KEY, ValidatedConnection, sdk_client

Event = dict[str, Any]
MODEL = "gpt-live-1.1"


def live_sdk(emu: Emulator, key: str = KEY) -> AsyncOpenAI:
    return sdk_client(emu, key)


async def webrtc_session(
    emu: Emulator,
    session: dict[str, Any] | None = None,
    *,
    mic: np.ndarray | None = None,
    key: str = KEY,
) -> RtcClient:
    """A connected aiortc peer whose offer the SDK's `client.live.create` answered."""
    sdk = live_sdk(emu, key)

    async def signal(sdp: str) -> tuple[str, str]:
        created = await sdk.live.create(
            session={"model": MODEL, **(session or {})},  # type: ignore[typeddict-item]
            transport={"type": "webrtc", "sdp": sdp},
        )
        return created.transport.sdp, created.session.id

    client = RtcClient(emu.base_url, "", mic=mic)
    await client.connect(signal=signal)
    return client


def send_live(client: RtcClient, evt: Event) -> None:
    """A Live client event on the data channel, validated first."""
    assert_live_client_event(evt)
    client.send(evt)


def said(events: list[Event], kind: str = "session.output_transcript.delta") -> str:
    """The text of every fragment of `kind`, joined."""
    return "".join(e["delta"] for e in events if e.get("type") == kind)


def validate_all(events: list[Event], *, sideband: bool = False) -> None:
    for evt in events:
        assert_live_server_event(evt, sideband=sideband)


class LiveSocket(ValidatedConnection):
    """One GPT-Live SDK connection (`client.live.connect()` or the sideband), checked
    against `openai.types.live` (the sideband's own event set with `sideband=True`)."""

    wait_timeout = 20.0

    def __init__(self, conn: Any, *, sideband: bool = False) -> None:
        super().__init__(conn)
        self.sideband = sideband

    def check_sent(self, evt: Event) -> None:
        assert_live_client_event(evt)

    def check_received(self, evt: Event) -> None:
        assert_live_server_event(evt, sideband=self.sideband)


async def send_invalid(socket: LiveSocket, evt: Event) -> None:
    """Send an event the SDK's own types refuse (the validator must reject it first)."""
    try:
        assert_live_client_event(evt)
    except AssertionError:
        await socket.conn.send_raw(json.dumps(evt))
        return
    raise AssertionError(f"the SDK types accept {evt!r}: not an invalid event")


def pcm24(samples_48k: np.ndarray) -> bytes:
    """48 kHz mono int16 (the test signals) as PCM16 24 kHz bytes (Live's default format)."""
    return np.asarray(samples_48k, dtype=np.int16)[::2].astype("<i2").tobytes()
