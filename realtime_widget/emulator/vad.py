"""Energy-based voice activity detection for the emulator (pure, numpy).

The audio is cut into 10 ms windows; a window is *loud* when its RMS level,
in dB relative to full scale, reaches the activation level derived from the
session's `threshold`:

    level_dbfs = -60 + 50 * threshold      (0.0 → -60 dBFS, 0.5 → -35 dBFS, 1.0 → -10 dBFS)

So the default 0.5 triggers on ordinary speech into a microphone (about -30 to
-20 dBFS RMS) and ignores room noise (below -45 dBFS); a higher threshold needs
louder audio, as with the real server VAD.

Two rules keep signals that are loud but are not speech from making one endless
turn (Chromium's default fake microphone, a test tone, mains hum, a fan):

* **Steady sound becomes background.** The detector follows a background level: the
  lowest 40 ms level of the last `BACKGROUND_MS` (1 s). A window is loud only when its
  40 ms level is also `BACKGROUND_MARGIN_DB` (2 dB) above that background. Speech rises and falls
  with its syllables (even a synthetic voice whose level only swings 4 dB), so it keeps
  being heard; a tone, hum or noise whose level stays within 2 dB becomes the background
  after 1 s and its turn ends `silence_duration_ms` later, with no new turn while it lasts.
  Speech over a hum is heard as soon as it rises 2 dB above the hum.
* **Short bursts do not hold a turn open.** A loud run shorter than `BURST_MS` (100 ms,
  shorter than a syllable) neither refreshes the silence timer of a turn in progress nor
  postpones its end; only the run that started the turn, or a run of at least 100 ms, does.
  Chromium's fake microphone (`--use-fake-device-for-media-stream` without a file) sends a
  20 ms 400 Hz beep every 500 ms; after Opus each beep is loud for about 60 ms, leaving
  440 ms below the activation level, less than the default 500 ms silence, so without this
  rule the beeps made one turn that never ended. Now a beep may start a turn, which ends
  `silence_duration_ms` after that beep (about one short turn a second).

There is no maximum turn length: a signal that keeps changing like speech (music, say)
holds a turn as long as it lasts, as on the real server.

Speech starts after `MIN_SPEECH_MS` of consecutive loud windows (the decision is made
window by window, with no look-ahead). As the real API documents, `audio_start_ms`
includes the prefix padding (it is the onset minus `prefix_padding_ms`, not before 0)
and `audio_end_ms` includes the silence duration (last speech plus
`silence_duration_ms`, i.e. the moment the stop is decided). Both count milliseconds
of audio since the detector was created, which is "since the session's audio began".

`semantic_vad` has no language model here; its eagerness is mapped to a
silence duration: low 1500 ms, medium/auto 800 ms, high 400 ms (the real
one's maximum waits are 8 s, 4 s and 2 s; these are typical values).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

WINDOW_MS = 10
MIN_SPEECH_MS = 20
#: Loud runs shorter than this neither keep a turn going nor postpone its end.
BURST_MS = 100
#: The background level is the lowest 40 ms level over this long.
BACKGROUND_MS = 1000
#: How far above the background level a window must be to be loud.
BACKGROUND_MARGIN_DB = 2.0
_SMOOTH_WINDOWS = 4  # the background follows 40 ms levels
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
        self._first_run = False  # the loud run that started the turn is still going
        self._last_speech_end_ms = 0
        self._energies: deque[float] = deque(maxlen=_SMOOTH_WINDOWS)
        self._smoothed_db: deque[float] = deque(maxlen=BACKGROUND_MS // WINDOW_MS)

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
        self._first_run = False
        self._loud_run = 0

    def _levels(self, window: npt.NDArray[np.int16]) -> tuple[float, float, float]:
        """This window's level, its 40 ms level and the background level (dBFS; the
        background is -inf until a full `BACKGROUND_MS` of audio is known)."""
        x = window.astype(np.float64) / 32768.0
        energy = float(np.mean(x * x))
        self._energies.append(energy)
        smoothed = 10.0 * float(np.log10(max(sum(self._energies) / len(self._energies), 1e-12)))
        self._smoothed_db.append(smoothed)
        level = 10.0 * float(np.log10(max(energy, 1e-12)))
        if len(self._smoothed_db) < (self._smoothed_db.maxlen or 0):
            return level, smoothed, -np.inf
        return level, smoothed, min(self._smoothed_db)

    def process(self, samples: npt.NDArray[np.int16], sample_rate: int) -> list[VadEvent]:
        if self._rate is not None and sample_rate != self._rate:
            self._pending = np.zeros(0, dtype=np.int16)  # rate changed: drop the partial window
        self._rate = sample_rate
        data = np.concatenate([self._pending, np.asarray(samples, dtype=np.int16).ravel()])
        per_window = max(1, sample_rate * WINDOW_MS // 1000)
        whole = data.size // per_window
        self._pending = data[whole * per_window :]
        events: list[VadEvent] = []
        activation = threshold_to_dbfs(self.config.threshold)
        for i in range(whole):
            window = data[i * per_window : (i + 1) * per_window]
            level, smoothed, background = self._levels(window)
            loud = level >= activation and smoothed >= background + BACKGROUND_MARGIN_DB
            self._windows += 1
            end_ms = self.position_ms
            if loud:
                self._loud_run += 1
                if not self._speaking and self._loud_run * WINDOW_MS >= MIN_SPEECH_MS:
                    self._speaking = True
                    self._first_run = True
                    onset = end_ms - self._loud_run * WINDOW_MS
                    start = max(0, onset - self.config.prefix_padding_ms)
                    events.append(VadEvent("start", start))
                if self._speaking and (self._first_run or self._loud_run * WINDOW_MS >= BURST_MS):
                    self._last_speech_end_ms = end_ms
            else:
                self._loud_run = 0
                self._first_run = False
                silent_for = end_ms - self._last_speech_end_ms
                if self._speaking and silent_for >= self.config.silence_duration_ms:
                    self._speaking = False
                    events.append(
                        VadEvent("stop", self._last_speech_end_ms + self.config.silence_duration_ms)
                    )
        return events
