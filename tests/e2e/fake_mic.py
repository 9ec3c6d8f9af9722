"""A speech-like WAV for Chromium's fake microphone (`--use-file-for-fake-audio-capture`).

Chromium loops the file, so one period is a burst of voiced sound followed by silence: the
emulator's voice activity detection sees speech start, then enough silence to end the turn.
A harmonic tone with a syllable-rate envelope survives Opus much better than a pure sine,
which the codec may treat as a tone rather than speech energy.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 48_000


def speech_like_pcm(
    *,
    speech_s: float = 1.2,
    silence_s: float = 1.8,
    fundamental_hz: float = 160.0,
    syllables_per_s: float = 4.0,
    peak: float = 0.5,
    sample_rate: int = SAMPLE_RATE,
) -> npt.NDArray[np.int16]:
    """One period: `speech_s` of voiced sound, then `silence_s` of digital silence."""
    t = np.arange(int(speech_s * sample_rate)) / sample_rate
    voiced = np.zeros_like(t)
    for harmonic, weight in ((1, 1.0), (2, 0.6), (3, 0.4), (4, 0.25), (5, 0.15)):
        voiced += weight * np.sin(2 * np.pi * fundamental_hz * harmonic * t)
    # Syllables: the level rises and falls but never drops to zero, so VAD sees one utterance.
    envelope = 0.6 + 0.4 * np.abs(np.sin(np.pi * syllables_per_s * t))
    # 20 ms fades keep the edges from clicking.
    fade = min(len(t) // 2, int(0.02 * sample_rate))
    ramp = np.linspace(0.0, 1.0, fade)
    envelope[:fade] *= ramp
    envelope[len(t) - fade :] *= ramp[::-1]
    voiced *= envelope / np.max(np.abs(voiced))
    pcm = np.concatenate([voiced * peak, np.zeros(int(silence_s * sample_rate))])
    return (pcm * 32767).astype(np.int16)


def write_wav(path: Path, samples: npt.NDArray[np.int16], sample_rate: int = SAMPLE_RATE) -> Path:
    """Write mono 16-bit PCM, the only WAV layout Chromium's fake capture is sure to read."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(samples.tobytes())
    return path
