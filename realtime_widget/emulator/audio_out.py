"""The emulator's outgoing audio: a queue of synthesized speech, played in real time.

The peer's outgoing aiortc track calls `read_frame(samples, rate)` every 20 ms
and gets queued speech or silence. Because playback is where the real server
knows what the listener heard, this is where `output_audio_buffer.started`
and `.stopped` are decided (through the `on_started` / `on_stopped`
callbacks) and where the played duration of each item is measured (for
`conversation.item.truncate` and barge-in).

With no track pulling (unit tests, a client that never plays audio), call
`start_clock()`: an internal task then consumes frames on a timer, optionally
faster than real time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .speech import SAMPLE_RATE

FRAME_MS = 20


@dataclass
class _Segment:
    response_id: str
    item_id: str
    samples: npt.NDArray[np.int16]  # at SAMPLE_RATE
    played: int = 0  # samples already read


class AudioOut:
    def __init__(self) -> None:
        self._queue: list[_Segment] = []
        self._played_ms: dict[str, float] = {}  # item_id -> ms played
        self._total_ms: dict[str, float] = {}  # item_id -> ms enqueued
        self._playing: str | None = None  # response_id whose audio is playing
        self._clock: asyncio.Task[None] | None = None
        self.frames_read = 0
        self.on_started: Callable[[str], None] | None = None
        self.on_stopped: Callable[[str], None] | None = None
        # Responses whose audio may still grow (being generated); stopped waits for them.
        self._open: set[str] = set()

    # ---- producer side (the engine) -------------------------------------------------

    def enqueue(self, response_id: str, item_id: str, samples: npt.NDArray[np.int16]) -> None:
        self._queue.append(_Segment(response_id, item_id, samples))
        self._total_ms[item_id] = (
            self._total_ms.get(item_id, 0.0) + samples.size * 1000 / SAMPLE_RATE
        )
        self._played_ms.setdefault(item_id, 0.0)

    def open_response(self, response_id: str) -> None:
        """Audio for this response may still be enqueued: do not report it stopped yet."""
        self._open.add(response_id)

    def close_response(self, response_id: str) -> None:
        """No more audio will come for this response."""
        self._open.discard(response_id)
        if self._playing == response_id and not self._pending(response_id):
            self._stop(response_id)

    def cut(self, response_id: str, keep_ms: float) -> None:
        """Keep only the first `keep_ms` of a response's audio (generation was cancelled)."""
        keep = int(keep_ms * SAMPLE_RATE / 1000)
        for seg in self._queue:
            if seg.response_id != response_id:
                continue
            if seg.samples.size > keep:
                removed = seg.samples.size - max(keep, seg.played)
                seg.samples = seg.samples[: max(keep, seg.played)]
                self._total_ms[seg.item_id] -= removed * 1000 / SAMPLE_RATE
            keep = max(0, keep - seg.samples.size)
        self._queue = [s for s in self._queue if s.played < s.samples.size]

    def clear(self) -> list[str]:
        """Stop at once and drop everything queued; returns the responses whose audio was
        playing or queued (in playback order). No `on_stopped` follows: the caller reports
        `output_audio_buffer.cleared` instead."""
        cut = list(
            dict.fromkeys(
                ([self._playing] if self._playing else []) + [s.response_id for s in self._queue]
            )
        )
        self._queue.clear()
        self._playing = None
        return cut

    # ---- queries -------------------------------------------------------------------

    def played_ms(self, item_id: str) -> float:
        return self._played_ms.get(item_id, 0.0)

    def total_ms(self, item_id: str) -> float:
        return self._total_ms.get(item_id, 0.0)

    @property
    def playing_response(self) -> str | None:
        return self._playing

    @property
    def busy(self) -> bool:
        """True while audio is queued or playing."""
        return bool(self._queue) or self._playing is not None

    def _pending(self, response_id: str) -> bool:
        return any(s.response_id == response_id for s in self._queue)

    # ---- consumer side (the track, or the internal clock) --------------------------

    def read_frame(self, samples: int, sample_rate: int) -> npt.NDArray[np.int16]:
        """The next `samples` samples at `sample_rate`: queued speech, else silence."""
        self.frames_read += 1
        want = round(samples * SAMPLE_RATE / sample_rate)
        out = np.zeros(want, dtype=np.int16)
        filled = 0
        while filled < want and self._queue:
            seg = self._queue[0]
            if self._playing != seg.response_id:
                if self._playing is not None:
                    self._stop(self._playing)
                self._playing = seg.response_id
                if self.on_started is not None:
                    self.on_started(seg.response_id)
            take = min(want - filled, seg.samples.size - seg.played)
            out[filled : filled + take] = seg.samples[seg.played : seg.played + take]
            seg.played += take
            filled += take
            self._played_ms[seg.item_id] = self._played_ms.get(seg.item_id, 0.0) + (
                take * 1000 / SAMPLE_RATE
            )
            if seg.played >= seg.samples.size:
                self._queue.pop(0)
        if (
            self._playing is not None
            and not self._pending(self._playing)
            and self._playing not in self._open
        ):
            self._stop(self._playing)
        if sample_rate == SAMPLE_RATE:
            return out
        # Linear resampling is plenty for a synthetic voice.
        positions = np.linspace(0, want - 1, samples) if want > 1 else np.zeros(samples)
        resampled = np.interp(positions, np.arange(want), out.astype(np.float64))
        return resampled.astype(np.int16)

    def _stop(self, response_id: str) -> None:
        self._playing = None
        if self.on_stopped is not None:
            self.on_stopped(response_id)

    # ---- internal clock --------------------------------------------------------------

    def start_clock(self, speed: float = 1.0) -> None:
        """Consume frames on a timer (no track pulling); `speed` > 1 plays faster."""
        if self._clock is None or self._clock.done():
            self._clock = asyncio.get_running_loop().create_task(self._run_clock(speed))

    async def _run_clock(self, speed: float) -> None:
        while True:
            await asyncio.sleep(FRAME_MS / 1000 / speed)
            self.read_frame(SAMPLE_RATE * FRAME_MS // 1000, SAMPLE_RATE)

    async def stop_clock(self) -> None:
        task, self._clock = self._clock, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def close(self) -> None:
        if self._clock is not None:
            self._clock.cancel()
            self._clock = None
        self._queue.clear()
        self._playing = None
