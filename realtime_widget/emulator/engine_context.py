"""What every layer of the session engine shares: ids, options, counters, the context.

The engine is split by layer (`items`, `input_audio`, `responses`, `response_output`,
`playback`); `engine.SessionEngine` builds them and is their `EngineContext`: the one
place that holds the session configuration in force, the options and counters, and
sends events. A layer sees the façade only through that protocol.
"""

from __future__ import annotations

import asyncio
import secrets
import string
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from .audio_out import AudioOut
from .faults import Faults
from .replies import ReplyScript
from .transcribe import TranscriptScript

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 21) -> str:
    """An id shaped like the real ones (`event_…`, `item_…`, `resp_…`, `call_…`)."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


#: How a session reaches its client. "webrtc": events on the data channel, the model's voice
#: on the media track (the server plays it, so it knows what was heard). "websocket": events
#: as text frames, the voice as `response.output_audio.delta` events (the client plays it).
Transport = Literal["webrtc", "websocket"]


class CallLink(Protocol):
    """What the engine needs from the peer side (`peer.CallPeer`, `ws_link.WebSocketLink`)."""

    def send_text(self, text: str) -> None: ...  # one event (a data channel message or frame)

    def close_channel(self) -> bool:
        """Fault: drop the event channel; True when events still have a path (a sideband)."""
        ...

    def close_call(self, reason: str) -> None: ...  # end the call (expiry, drop-peer fault)


@dataclass
class EngineOptions:
    replies: ReplyScript | None = None
    faults: Faults = field(default_factory=Faults)  # shared, mutable, per emulator
    max_session_seconds: float = 3600.0
    ms_per_char: float = 60.0
    transcription_delay_s: float = 0.15
    text_delta_interval_s: float = 0.02  # pacing of transcript/text deltas
    # The i-th voice turn's transcript (default: "(spoken 1.4 s)").
    transcripts: TranscriptScript | None = None
    # None: the peer's track pulls `audio_out` in real time. A number: an internal
    # clock consumes the audio at that speed (tests without WebRTC; 1.0 = real time).
    audio_clock_speed: float | None = None
    transport: Transport = "webrtc"


@dataclass
class EngineStats:
    client_events: Counter[str] = field(default_factory=Counter)  # by type
    client_raw: list[str] = field(default_factory=list)  # every client message as received
    mic_frames: int = 0
    mic_peak: float = 0.0  # 0..1 of full scale
    mic_ms: float = 0.0
    server_events: Counter[str] = field(default_factory=Counter)
    responses: int = 0

    def count_mic_frame(self, data: npt.NDArray[Any]) -> None:
        """One frame of mic audio arrived (int16 samples): count it, keep the loudest peak."""
        self.mic_frames += 1
        if data.size:
            peak = float(np.max(np.abs(data.astype(np.int32)))) / 32768.0
            self.mic_peak = max(self.mic_peak, min(peak, 1.0))


class EngineTasks:
    """An engine's timed work: tasks it starts and cancels, all at once, when it closes."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task

    def cancel_all(self) -> None:
        for task in list(self._running):
            task.cancel()
        self._running.clear()


class MessageGate:
    """Client messages wait here until the engine can handle them (a client may send the
    moment the channel opens, before the session is ready); once the gate opens they are
    handled in order, and every later one at once."""

    def __init__(self, handle: Callable[[str], None]) -> None:
        self._handle = handle
        self._open = False
        self._held: list[str] = []

    def receive(self, text: str) -> None:
        if self._open:
            self._handle(text)
        else:
            self._held.append(text)

    def open(self) -> None:
        if self._open:
            return
        self._open = True
        held, self._held = self._held, []
        for text in held:
            self._handle(text)


class EngineContext(Protocol):
    """The façade as the layers see it (implemented by `engine.SessionEngine`)."""

    session_id: str
    options: EngineOptions
    stats: EngineStats
    audio_out: AudioOut

    @property
    def config(self) -> dict[str, Any]:
        """The session configuration in force (the live object: read, do not change)."""
        ...

    def send(self, evt: dict[str, Any]) -> None:
        """Send one server event (an `event_id` is added)."""
        ...

    def error(
        self,
        code: str,
        message: str,
        *,
        param: str | None = None,
        event_id: str | None = None,
        kind: str = "invalid_request_error",
    ) -> None:
        """Send an `error` event shaped like the real server's."""
        ...

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run timed work as a task the engine cancels when it closes."""
        ...

    def lock_voice(self) -> None:
        """Assistant audio now exists: `session.update` may no longer change the voice."""
        ...
