"""A real aiortc client peer for tests: what a browser does, in Python.

    secret = await mint_secret(emu.base_url)
    async with RtcClient(emu.base_url, secret["value"], mic=speech_then_silence()) as client:
        await client.wait_for("session.created")
        client.send({"type": "response.create"})
        done = await client.wait_for("response.done")

Every data channel message is kept (`events` for JSON objects, `raw` for the rest),
and the audio coming back is counted (`audio.frames`, `audio.peak`,
`audio.loud_frames`) so tests can prove the model's voice really arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame

from realtime_widget.emulator.peer import loopback_ice, to_mono_int16

RATE = 48_000
FRAME = 960  # 20 ms at 48 kHz

Event = dict[str, Any]
#: How an offer gets its answer: offer SDP → (answer SDP, the call's or session's id).
Signal = Callable[[str], Awaitable[tuple[str, str]]]


# --- synthetic microphone signals ----------------------------------------------------


def speech_like(
    seconds: float, *, rate: int = RATE, level: float = 0.3, seed: int = 1
) -> np.ndarray:
    """A voiced, syllable-modulated harmonic signal: loud enough for any energy VAD."""
    t = np.arange(int(seconds * rate)) / rate
    f0 = 140.0 + 20.0 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 6))
    syllables = 0.6 + 0.4 * np.abs(np.sin(2 * np.pi * 2.0 * t))
    noise = np.random.default_rng(seed).normal(0.0, 0.02, t.shape)
    signal = voice / np.max(np.abs(voice)) * syllables + noise
    return np.clip(signal * level * 32767, -32768, 32767).astype(np.int16)


def silence(seconds: float, *, rate: int = RATE) -> np.ndarray:
    return np.zeros(int(seconds * rate), dtype=np.int16)


def speech_then_silence(
    speech_s: float = 1.2, silence_s: float = 0.0, *, lead_s: float = 0.5
) -> np.ndarray:
    """Lead-in silence, a speech-like burst, then `silence_s` (the track pads silence forever)."""
    return np.concatenate([silence(lead_s), speech_like(speech_s), silence(silence_s)])


class PcmTrack(MediaStreamTrack):  # type: ignore[misc]
    """Plays mono int16 PCM at 48 kHz in real time, then silence for as long as asked."""

    kind = "audio"

    def __init__(self, pcm: np.ndarray | None = None) -> None:
        super().__init__()
        self._pcm = np.zeros(0, np.int16) if pcm is None else np.asarray(pcm, np.int16)
        self._pos = 0
        self._start: float | None = None
        self._pts = 0
        self.started_at: float | None = None  # wall clock of the first frame

    def play(self, pcm: np.ndarray) -> None:
        """Queue more audio after what is left (e.g. to barge in later)."""
        rest = self._pcm[self._pos :]
        self._pcm = np.concatenate([rest, np.asarray(pcm, np.int16)])
        self._pos = 0

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
            self.started_at = time.time()
        else:
            self._pts += FRAME
            wait = self._start + self._pts / RATE - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        chunk = self._pcm[self._pos : self._pos + FRAME]
        self._pos += len(chunk)
        if len(chunk) < FRAME:
            chunk = np.concatenate([chunk, np.zeros(FRAME - len(chunk), np.int16)])
        frame = AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, RATE)
        return frame


# --- HTTP ----------------------------------------------------------------------------


async def mint_secret(
    base_url: str,
    api_key: str = "sk-test-emulator",
    *,
    session: dict[str, Any] | None = None,
    expires_s: int | None = None,
) -> dict[str, Any]:
    """POST /v1/realtime/client_secrets and return the JSON body (raises on non-200)."""
    body: dict[str, Any] = {"session": session or {"type": "realtime"}}
    if expires_s is not None:
        body["expires_after"] = {"anchor": "created_at", "seconds": expires_s}
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        response = await http.post(
            "/v1/realtime/client_secrets",
            json=body,
            headers={"Authorization": f"Bearer {api_key}"},
        )
    if response.status_code != 200:
        raise AssertionError(f"minting failed: {response.status_code} {response.text}")
    result: dict[str, Any] = response.json()
    return result


# --- the client peer -------------------------------------------------------------------


@dataclass
class AudioStats:
    frames: int = 0
    loud_frames: int = 0  # frames whose peak exceeds 1% of full scale
    peak: float = 0.0  # 0..1
    first_frame_at: float | None = None


@dataclass
class CallFailed(Exception):
    status: int
    body: str

    def __str__(self) -> str:
        return f"POST /v1/realtime/calls answered {self.status}: {self.body}"


@dataclass
class RtcClient:
    base_url: str
    secret: str
    mic: np.ndarray | None = None
    send_mic: bool = True  # False: offer audio recvonly (no microphone)
    pc: RTCPeerConnection = field(init=False)
    events: list[Event] = field(default_factory=list, init=False)
    raw: list[str] = field(default_factory=list, init=False)
    audio: AudioStats = field(default_factory=AudioStats, init=False)
    call_id: str | None = field(default=None, init=False)
    mic_track: PcmTrack | None = field(default=None, init=False)
    channel_open_at: float | None = field(default=None, init=False)
    offer_posted_at: float | None = field(default=None, init=False)
    channel_closed: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    peer_closed: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    ice_states: list[str] = field(default_factory=list, init=False)  # iceConnectionState log
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition, init=False)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, init=False)
    _channel: Any = field(default=None, init=False)

    async def __aenter__(self) -> RtcClient:
        await self.connect()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def connect(
        self, *, wait_open: bool = True, timeout: float = 15.0, signal: Signal | None = None
    ) -> None:
        """Offer, have it answered (`signal`: offer SDP → (answer SDP, session id); default:
        the Realtime `POST /v1/realtime/calls` with `secret`), apply the answer."""
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self._channel = self.pc.createDataChannel("oai-events")
        self._channel.on("open", self._on_open)
        self._channel.on("message", self._on_message)
        self._channel.on("close", self.channel_closed.set)
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_state)
        self.pc.on("iceconnectionstatechange", self._on_ice_state)
        if self.send_mic:
            self.mic_track = PcmTrack(self.mic)
            self.pc.addTrack(self.mic_track)
        else:
            self.pc.addTransceiver("audio", direction="recvonly")
        offer = await self.pc.createOffer()
        with loopback_ice():
            await self.pc.setLocalDescription(offer)
        self.offer_posted_at = time.monotonic()
        try:
            answer, self.call_id = await (signal or self._post_call)(self.pc.localDescription.sdp)
        except BaseException:
            await self.pc.close()
            raise
        await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        if wait_open:
            await self.wait_until(lambda: self.channel_open_at is not None, timeout=timeout)

    async def _post_call(self, sdp: str) -> tuple[str, str]:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=15) as http:
            response = await http.post(
                "/v1/realtime/calls",
                content=sdp,
                headers={
                    "Authorization": f"Bearer {self.secret}",
                    "Content-Type": "application/sdp",
                },
            )
        if response.status_code != 201:
            raise CallFailed(response.status_code, response.text)
        return response.text, response.headers["Location"].rsplit("/", 1)[-1]

    @property
    def connect_seconds(self) -> float | None:
        """SDP POST → data channel open."""
        if self.channel_open_at is None or self.offer_posted_at is None:
            return None
        return self.channel_open_at - self.offer_posted_at

    # -- sending and waiting --------------------------------------------------------

    def send(self, event: Event) -> None:
        self._channel.send(json.dumps(event))

    def send_raw(self, text: str) -> None:
        self._channel.send(text)

    def of_type(self, type_: str) -> list[Event]:
        return [e for e in self.events if e.get("type") == type_]

    def types(self) -> list[str]:
        return [str(e.get("type")) for e in self.events]

    async def wait_until(self, predicate: Callable[[], bool], *, timeout: float = 10.0) -> None:
        async def _wait() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        try:
            await asyncio.wait_for(_wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"condition not met within {timeout} s; events so far: {self.types()}"
            ) from None

    async def wait_for(self, type_: str, *, count: int = 1, timeout: float = 10.0) -> Event:
        """The `count`-th event of this type received since the call started."""
        await self.wait_until(lambda: len(self.of_type(type_)) >= count, timeout=timeout)
        return self.of_type(type_)[count - 1]

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await self.pc.close()

    # -- callbacks --------------------------------------------------------------------

    def _notify(self) -> None:
        async def _go() -> None:
            async with self._changed:
                self._changed.notify_all()

        self._spawn(_go())

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_open(self) -> None:
        self.channel_open_at = time.monotonic()
        self._notify()

    def _on_message(self, message: str | bytes) -> None:
        text = message if isinstance(message, str) else message.decode("utf-8", "replace")
        try:
            event = json.loads(text)
        except json.JSONDecodeError:
            self.raw.append(text)
        else:
            if isinstance(event, dict):
                self.events.append(event)
            else:
                self.raw.append(text)
        self._notify()

    def _on_state(self) -> None:
        if self.pc.connectionState in ("failed", "closed"):
            self.peer_closed.set()
        self._notify()

    def _on_ice_state(self) -> None:
        self.ice_states.append(str(self.pc.iceConnectionState))
        self._notify()

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio":
            self._spawn(self._read_audio(track))

    async def _read_audio(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            pcm = to_mono_int16(frame)
            peak = float(np.max(np.abs(pcm.astype(np.int32)))) / 32768 if len(pcm) else 0.0
            stats = self.audio
            stats.frames += 1
            if stats.first_frame_at is None:
                stats.first_frame_at = time.monotonic()
            if peak > 0.01:
                stats.loud_frames += 1
            stats.peak = max(stats.peak, peak)
            if stats.frames % 10 == 0:
                self._notify()
