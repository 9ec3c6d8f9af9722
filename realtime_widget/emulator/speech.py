"""A deterministic, audible, speech-like signal for the emulator's voice.

Not speech: a voiced tone (a fundamental plus decaying harmonics, with a slow
pitch contour) whose loudness is modulated at a syllable rate (about 4 per
second) with short pauses between words, so that it sounds like talking,
meters like talking (about -20 dBFS RMS) and triggers a VAD like talking.
Length is proportional to the text: `ms_per_char` per character.
"""

from __future__ import annotations

import zlib

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 48_000
DEFAULT_MS_PER_CHAR = 60.0
_SYLLABLE_HZ = 4.0


def speech_duration_ms(text: str, ms_per_char: float = DEFAULT_MS_PER_CHAR) -> float:
    """How long the synthesized reading of `text` lasts, in milliseconds."""
    return max(len(text), 1) * ms_per_char if text else 0.0


def synthesize(
    text: str,
    *,
    ms_per_char: float = DEFAULT_MS_PER_CHAR,
    sample_rate: int = SAMPLE_RATE,
    pitch_hz: float | None = None,
    amplitude: float = 0.25,
) -> npt.NDArray[np.int16]:
    """int16 mono PCM of a speech-like reading of `text` (deterministic per text)."""
    n = round(speech_duration_ms(text, ms_per_char) * sample_rate / 1000.0)
    if n == 0:
        return np.zeros(0, dtype=np.int16)
    seed = zlib.crc32(text.encode("utf-8"))
    f0 = pitch_hz if pitch_hz is not None else 110.0 + (seed % 80)
    t = np.arange(n, dtype=np.float64) / sample_rate
    # Slow pitch contour (intonation) and its phase, so harmonics stay coherent.
    contour = f0 * (1.0 + 0.08 * np.sin(2 * np.pi * 0.7 * t + (seed % 7)))
    phase = 2 * np.pi * np.cumsum(contour) / sample_rate
    voiced = np.zeros(n)
    for k, weight in enumerate((1.0, 0.6, 0.4, 0.25, 0.15), start=1):
        voiced += weight * np.sin(k * phase)
    voiced /= 2.4
    # Syllables: raised-cosine bumps, never fully silent inside a word.
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * _SYLLABLE_HZ * t - np.pi / 2) ** 2
    # Short dips at word boundaries, placed proportionally to the spaces in the text.
    gaps = np.ones(n)
    for idx, ch in enumerate(text):
        if ch == " ":
            centre = int((idx + 0.5) / len(text) * n)
            half = int(0.03 * sample_rate)
            lo, hi = max(0, centre - half), min(n, centre + half)
            gaps[lo:hi] = 0.35
    # 10 ms fade in/out avoids clicks.
    fade = min(n // 2, int(0.01 * sample_rate))
    ramp = np.ones(n)
    if fade > 0:
        ramp[:fade] = np.linspace(0.0, 1.0, fade)
        ramp[-fade:] = np.linspace(1.0, 0.0, fade)
    signal = amplitude * voiced * envelope * gaps * ramp
    out: npt.NDArray[np.int16] = np.clip(signal * 32767.0, -32768, 32767).astype(np.int16)
    return out
