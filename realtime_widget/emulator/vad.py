"""Energy-based voice activity detection for the emulator (pure, numpy).

The audio is cut into 10 ms windows; a window is *loud* when its RMS level,
in dB relative to full scale, reaches the activation level derived from the
session's `threshold`:

    level_dbfs = -60 + 50 * threshold      (0.0 → -60 dBFS, 0.5 → -35 dBFS, 1.0 → -10 dBFS)

So the default 0.5 triggers on ordinary speech into a microphone (about -30 to
-20 dBFS RMS) and ignores room noise (below -45 dBFS); a higher threshold needs
louder audio, as with the real server VAD.

Speech starts after `MIN_SPEECH_MS` of consecutive loud windows. As the real
API documents, `audio_start_ms` includes the prefix padding (it is the
onset minus `prefix_padding_ms`, not before 0) and `audio_end_ms` includes the
silence duration (last loud audio plus `silence_duration_ms`, i.e. the moment
the stop is decided). Both count milliseconds of audio since the detector was
created, which is "since the session's audio began".

`semantic_vad` has no language model here; its eagerness is mapped to a
silence duration: low 1500 ms, medium/auto 800 ms, high 400 ms (the real
one's maximum waits are 8 s, 4 s and 2 s; these are typical values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

WINDOW_MS = 10
MIN_SPEECH_MS = 20
SEMANTIC_SILENCE_MS: dict[str, int] = {"low": 1500, "medium": 800, "auto": 800, "high": 400}
SEMANTIC_PREFIX_MS = 300


def threshold_to_dbfs(threshold: float) -> float:
    """The RMS level (dBFS) a 10 ms window must reach to count as speech."""
    return -60.0 + 50.0 * min(max(threshold, 0.0), 1.0)


@dataclass(frozen=True)
class VadConfig:
    threshold: float = 0.5
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 500

    @classmethod
    def from_turn_detection(cls, td: Mapping[str, Any]) -> VadConfig:
        """Read a GA `turn_detection` object (server_vad or semantic_vad)."""
        if td.get("type") == "semantic_vad":
            eagerness = str(td.get("eagerness") or "auto")
            return cls(0.5, SEMANTIC_PREFIX_MS, SEMANTIC_SILENCE_MS.get(eagerness, 800))
        return cls(
            float(td.get("threshold", 0.5)),
            int(td.get("prefix_padding_ms", 300)),
            int(td.get("silence_duration_ms", 500)),
        )


@dataclass(frozen=True)
class VadEvent:
    kind: Literal["start", "stop"]
    audio_ms: int  # audio_start_ms for "start", audio_end_ms for "stop"


def rms_dbfs(samples: npt.NDArray[np.int16]) -> float:
    if samples.size == 0:
        return -120.0
    x = samples.astype(np.float64) / 32768.0
    rms = float(np.sqrt(np.mean(x * x)))
    return 20.0 * float(np.log10(max(rms, 1e-6)))


class EnergyVad:
    """Streaming detector: feed int16 mono audio of any rate, get start/stop events."""

    def __init__(self, config: VadConfig | None = None) -> None:
        self.config = config or VadConfig()
        self._rate: int | None = None
        self._pending = np.zeros(0, dtype=np.int16)
        self._windows = 0  # 10 ms windows consumed so far
        self._loud_run = 0
        self._speaking = False
        self._last_loud_end_ms = 0

    @property
    def position_ms(self) -> int:
        return self._windows * WINDOW_MS

    @property
    def speaking(self) -> bool:
        return self._speaking

    def reconfigure(self, config: VadConfig) -> None:
        self.config = config

    def reset_speech(self) -> None:
        """Forget a speech in progress (turn detection switched off, or buffer cleared)."""
        self._speaking = False
        self._loud_run = 0

    def process(self, samples: npt.NDArray[np.int16], sample_rate: int) -> list[VadEvent]:
        if self._rate is not None and sample_rate != self._rate:
            self._pending = np.zeros(0, dtype=np.int16)  # rate changed: drop the partial window
        self._rate = sample_rate
        data = np.concatenate([self._pending, np.asarray(samples, dtype=np.int16).ravel()])
        per_window = max(1, sample_rate * WINDOW_MS // 1000)
        whole = data.size // per_window
        self._pending = data[whole * per_window :]
        events: list[VadEvent] = []
        level = threshold_to_dbfs(self.config.threshold)
        for i in range(whole):
            window = data[i * per_window : (i + 1) * per_window]
            loud = rms_dbfs(window) >= level
            self._windows += 1
            end_ms = self.position_ms
            if loud:
                self._loud_run += 1
                self._last_loud_end_ms = end_ms
                if not self._speaking and self._loud_run * WINDOW_MS >= MIN_SPEECH_MS:
                    self._speaking = True
                    onset = end_ms - self._loud_run * WINDOW_MS
                    start = max(0, onset - self.config.prefix_padding_ms)
                    events.append(VadEvent("start", start))
            else:
                self._loud_run = 0
                silent_for = end_ms - self._last_loud_end_ms
                if self._speaking and silent_for >= self.config.silence_duration_ms:
                    self._speaking = False
                    events.append(
                        VadEvent("stop", self._last_loud_end_ms + self.config.silence_duration_ms)
                    )
        return events
