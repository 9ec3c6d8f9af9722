"""One emulated call: an aiortc peer connection bound to a session engine.

The browser creates the `oai-events` data channel and adds its microphone track
before the offer, exactly as it does against OpenAI. This side answers, reads the
microphone into the engine, serves the engine's outgoing audio as a real-time
paced 48 kHz track, and carries one JSON event per data channel message.

ICE is kept on the loopback interface (see `ice`, whose helpers are importable from
here too).
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame

from .ice import (
    GatedTransport,
    gate_ice,
    keep_loopback_candidates,
    loopback_ice,
    open_ice_refuser,
    point_candidates_at,
)

log = logging.getLogger(__name__)

DATA_CHANNEL_LABEL = "oai-events"
OUT_SAMPLE_RATE = 48_000
FRAME_MS = 20
OUT_FRAME_SAMPLES = OUT_SAMPLE_RATE * FRAME_MS // 1000
_CLOSE_FLUSH_S = 1.0  # longest wait for queued events when the engine ends a call

_DETACHED: set[asyncio.Task[None]] = set()


class EngineLike(Protocol):
    """What the peer needs from a session engine (see engine.SessionEngine)."""

    def start(self) -> None: ...
    def handle_message(self, text: str) -> None: ...
    def feed_mic(self, samples: np.ndarray[Any, Any], sample_rate: int) -> None: ...
    def close(self) -> None: ...


class AudioSource(Protocol):
    def read_frame(self, samples: int, sample_rate: int) -> np.ndarray[Any, Any]: ...


def to_mono_int16(frame: AudioFrame) -> np.ndarray[Any, np.dtype[np.int16]]:
    """Decoded Opus arrives as packed stereo s16; average the channels to mono."""
    data = frame.to_ndarray()
    channels = len(frame.layout.channels)
    if frame.format.name != "s16":
        raise ValueError(f"expected s16 audio from the decoder, got {frame.format.name}")
    if frame.format.is_planar:
        pcm = data.astype(np.int32)
        mono = pcm.mean(axis=0)
    else:
        pcm = data.reshape(-1, channels).astype(np.int32)
        mono = pcm.mean(axis=1)
    result: np.ndarray[Any, np.dtype[np.int16]] = mono.astype(np.int16)
    return result


class EngineAudioTrack(MediaStreamTrack):
    """The model's voice: 20 ms mono s16 frames at 48 kHz, paced in real time.

    Each `recv` pulls one frame from the engine's AudioOut, which is how the
    engine learns that playback really started, progressed and stopped.
    """

    kind = "audio"

    def __init__(self, source: AudioSource) -> None:
        super().__init__()
        self._source = source
        self._start: float | None = None
        self._pts = 0
        self.frames_sent = 0

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._pts += OUT_FRAME_SAMPLES
            wait = self._start + self._pts / OUT_SAMPLE_RATE - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        samples = np.asarray(
            self._source.read_frame(OUT_FRAME_SAMPLES, OUT_SAMPLE_RATE), dtype=np.int16
        )
        if samples.shape != (OUT_FRAME_SAMPLES,):
            samples = np.resize(samples, OUT_FRAME_SAMPLES)
        frame = AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = OUT_SAMPLE_RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, OUT_SAMPLE_RATE)
        self.frames_sent += 1
        return frame


class CallPeer:
    """The WebRTC side of one call; implements the engine's `CallLink`.

    Create it, build the engine with `link=peer`, `attach(engine)`, then
    `answer(offer_sdp)`. `on_closed(reason)` runs once when the call ends for any
    reason (peer closed or failed, ICE never connected, hangup, session expiry).
    """

    def __init__(
        self,
        *,
        call_id: str,
        on_closed: Callable[[str], None],
        connect_timeout_s: float = 30.0,
        silent: Callable[[], bool] | None = None,
    ) -> None:
        self.call_id = call_id
        # Faults.silent_calls, read live: drop everything on the wire, close nothing.
        self._silent: Callable[[], bool] = silent or (lambda: False)
        self.ice_gates: list[GatedTransport] = []
        self._on_closed = on_closed
        self._connect_timeout_s = connect_timeout_s
        self._pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self._engine: EngineLike | None = None
        self._channel: Any = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.close_reason: str | None = None
        self.out_track: EngineAudioTrack | None = None
        self.created_at = time.monotonic()
        self.channel_open_at: float | None = None
        self.messages_dropped = 0
        self._refuser: asyncio.DatagramTransport | None = None

        self._pc.on("datachannel", self._on_datachannel)
        self._pc.on("track", self._on_track)
        self._pc.on("connectionstatechange", self._on_connection_state)

    # -- set-up -------------------------------------------------------------------

    def attach(self, engine: EngineLike) -> None:
        self._engine = engine

    async def answer(
        self, offer_sdp: str, *, audio_source: AudioSource | None, refuse_ice: bool = False
    ) -> str:
        """Apply the offer and return the answer SDP (with loopback candidates).

        Raises ValueError when the offer is not a usable SDP.
        """
        # With refuse_ice no remote candidate is kept at all: this side must not
        # send checks, or the caller would learn its real address from them.
        offer = RTCSessionDescription(
            sdp=keep_loopback_candidates(offer_sdp, keep=not refuse_ice), type="offer"
        )
        try:
            await self._pc.setRemoteDescription(offer)
        except Exception as exc:  # aiortc raises several types for a bad offer
            await self._pc.close()
            raise ValueError(f"the SDP offer could not be applied: {exc}") from exc
        if audio_source is not None:
            if any(t.kind == "audio" for t in self._pc.getTransceivers()):
                self.out_track = EngineAudioTrack(audio_source)
                self._pc.addTrack(self.out_track)
            else:
                # A data-channel-only caller: nobody pulls the audio, so let the
                # source's own clock play it out (playback events still happen).
                start_clock = getattr(audio_source, "start_clock", None)
                if callable(start_clock):
                    start_clock()
        answer = await self._pc.createAnswer()
        with loopback_ice():
            await self._pc.setLocalDescription(answer)
        sdp: str = self._pc.localDescription.sdp
        self.ice_gates = gate_ice(self._pc, self._silent)
        if refuse_ice:
            # Hand out a candidate that refuses every check and drop the real
            # socket, so the caller's ICE fails (and only ICE: the SDP was fine).
            transport, port = await open_ice_refuser(sdp)
            self._refuser = transport
            sdp = point_candidates_at(sdp, port)
            self._spawn(self._close_async("ice_refused"))
        else:
            self._spawn(self._watch_connect())
        return sdp

    # -- CallLink -----------------------------------------------------------------

    def send_text(self, text: str) -> None:
        ch = self._channel
        if ch is None or ch.readyState != "open" or self._silent():
            self.messages_dropped += 1
            return
        ch.send(text)

    def close_channel(self) -> bool:
        if self._channel is not None:
            self._channel.close()
        return False

    def close_call(self, reason: str) -> None:
        self._spawn(self._close_async(reason, flush_s=_CLOSE_FLUSH_S))

    # -- lifecycle ----------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def connection_state(self) -> str:
        return str(self._pc.connectionState)

    async def close(self, reason: str = "closed") -> None:
        await self._close_async(reason)

    async def _close_async(self, reason: str, *, flush_s: float = 0.0) -> None:
        if self._closed:
            return
        self._closed = True
        self.close_reason = reason
        if flush_s > 0:
            await self._flush_channel(flush_s)
        if self._engine is not None:
            self._engine.close()
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
        with contextlib.suppress(Exception):
            await self._pc.close()
        if self._refuser is not None:
            # Keep refusing for a while: the caller is still running its checks.
            self._spawn_detached(self._close_refuser_later(self._refuser))
            self._refuser = None
        try:
            self._on_closed(reason)
        except Exception:  # a bookkeeping bug must not leave the peer half closed
            log.exception("on_closed callback failed for %s", self.call_id)

    async def _flush_channel(self, limit_s: float) -> None:
        """Let the last events (e.g. the `session_expired` error) leave before closing.

        aiortc drops what is still queued when the connection closes, so wait for
        the channel's buffer to empty, then a few round trips for SCTP to deliver it.
        """
        ch = self._channel
        if ch is None or ch.readyState != "open":
            return
        deadline = time.monotonic() + limit_s
        while ch.bufferedAmount > 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(min(0.1, max(0.0, deadline - time.monotonic())))

    async def _close_refuser_later(self, transport: asyncio.DatagramTransport) -> None:
        try:
            await asyncio.sleep(self._connect_timeout_s)
        finally:
            transport.close()

    def _spawn_detached(self, coro: Any) -> None:
        # Not in self._tasks: closing the peer must not cancel it.
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        _DETACHED.add(task)
        task.add_done_callback(_DETACHED.discard)

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _watch_connect(self) -> None:
        await asyncio.sleep(self._connect_timeout_s)
        if not self._closed and self._pc.connectionState != "connected":
            await self._close_async("ice_timeout")

    # -- aiortc events ----------------------------------------------------------

    def _on_connection_state(self) -> None:
        state = self._pc.connectionState
        if state in ("failed", "closed") and not self._closed:
            self._spawn(self._close_async(f"peer_{state}"))

    def _on_datachannel(self, channel: Any) -> None:
        if channel.label != DATA_CHANNEL_LABEL or self._channel is not None:
            channel.close()
            return
        self._channel = channel
        channel.on("message", self._on_message)
        if channel.readyState == "open":
            self._on_channel_open()
        else:
            channel.on("open", self._on_channel_open)

    def _on_channel_open(self) -> None:
        if self.channel_open_at is None:
            self.channel_open_at = time.monotonic()
            if self._engine is not None and not self._closed:
                self._engine.start()

    def _on_message(self, message: str | bytes) -> None:
        if self._engine is None or self._closed:
            return
        text = message if isinstance(message, str) else message.decode("utf-8", "replace")
        self._engine.handle_message(text)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio":
            self._spawn(self._read_mic(track))

    async def _read_mic(self, track: MediaStreamTrack) -> None:
        while not self._closed:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if self._engine is not None and isinstance(frame, AudioFrame):
                self._engine.feed_mic(to_mono_int16(frame), int(frame.sample_rate))


__all__ = [
    "DATA_CHANNEL_LABEL",
    "AudioSource",
    "CallPeer",
    "EngineAudioTrack",
    "EngineLike",
    "GatedTransport",
    "gate_ice",
    "keep_loopback_candidates",
    "loopback_ice",
    "open_ice_refuser",
    "point_candidates_at",
    "to_mono_int16",
]
