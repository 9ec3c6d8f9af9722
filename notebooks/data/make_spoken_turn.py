"""Make `spoken_turn.wav`, the spoken turn of notebooks/headless.ipynb and evaluate.ipynb.

What it is: about two seconds of a *synthetic* voice, not a recording and not words. No
text-to-speech engine was available offline, so this builds a speech-like sound from the
parts speech is made of: a voiced source (harmonics of a falling-then-rising pitch,
like a question) shaped by vowel formants that glide from one syllable to the next, nasal
murmurs, noise for "h", "s" and the release of "p", "t", "k", and short pauses between
the words of the rhythm of "How many pears are in stock?". The offline emulator's voice
activity detection hears it as one spoken turn; the real model hears a hum with a
rhythm, so with an API key record your own question instead.

The format is 16 kHz mono PCM16 on purpose: the session resamples it to the Realtime
API's 24 kHz, which is what the notebook shows. It is deterministic (no random state:
the noise is a hash of the sample index), so the file is exactly what this script
writes; tests/test_notebook_data.py regenerates it and compares the bytes.

Regenerate (from the repository root)::

    python notebooks/data/make_spoken_turn.py            # writes notebooks/data/spoken_turn.wav
    python notebooks/data/make_spoken_turn.py OUT.wav    # writes elsewhere
"""

from __future__ import annotations

import sys
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

RATE = 16_000
WAV = Path(__file__).with_name("spoken_turn.wav")
#: Peak level of the result (of full scale): ordinary speech into a microphone.
PEAK = 0.5
#: Harmonics above this carry nothing audible for a formant-shaped voice at 16 kHz.
MAX_HARMONIC_HZ = 5_000.0

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Segment:
    """One sound: `ms` long; formants F1, F2 glide from `start` to `end` (Hz); `voice`
    and `noise` are levels (0: none); `bright` noise is an "s", else an "h" or a burst."""

    ms: int
    start: tuple[float, float] = (500.0, 1500.0)
    end: tuple[float, float] | None = None
    voice: float = 1.0
    noise: float = 0.0
    bright: bool = False


def vowel(ms: int, start: tuple[float, float], end: tuple[float, float] | None = None) -> Segment:
    return Segment(ms, start, end)


def nasal(ms: int) -> Segment:
    return Segment(ms, (280.0, 1300.0), voice=0.3)


def pause(ms: int) -> Segment:
    return Segment(ms, voice=0.0)


def noise(ms: int, level: float, *, bright: bool = False) -> Segment:
    return Segment(ms, voice=0.0, noise=level, bright=bright)


# "How many pears are in stock?": vowels by their first two formants (adult voice).
AH = (730.0, 1090.0)  # "ah"
OO = (350.0, 900.0)  # "oo"
EH = (550.0, 1800.0)  # "eh"
EE = (300.0, 2300.0)  # "ee"
AE = (660.0, 1700.0)  # "ea" of pears
R = (500.0, 1350.0)  # an r-coloured ending
IH = (400.0, 2000.0)  # "i" of in
OH = (600.0, 950.0)  # "o" of stock
SCRIPT: tuple[Segment, ...] = (
    pause(250),
    noise(50, 0.15),  # h
    vowel(210, AH, OO),  # ow
    nasal(60),  # m
    vowel(110, EH),  # a
    nasal(50),  # n
    vowel(120, EE),  # y
    pause(80),
    pause(30),  # p closure
    noise(15, 0.5),  # p release
    vowel(230, AE, R),  # ear
    Segment(70, R, voice=0.4, noise=0.08, bright=True),  # s (voiced: z)
    pause(70),
    vowel(150, AH, R),  # are
    vowel(90, IH),  # i
    nasal(70),  # n
    pause(70),
    noise(110, 0.25, bright=True),  # s
    pause(35),  # t closure
    noise(15, 0.45),  # t release
    vowel(190, OH),  # o
    pause(40),  # k closure
    noise(25, 0.35),  # k release
    pause(300),
)


def _per_sample(segments: tuple[Segment, ...]) -> tuple[Floats, Floats, Floats, Floats, Floats]:
    """F1, F2, voice level, noise level, brightness (0/1), one value per sample."""
    parts: list[list[Floats]] = [[], [], [], [], []]
    for seg in segments:
        n = RATE * seg.ms // 1000
        end = seg.end or seg.start
        parts[0].append(np.linspace(seg.start[0], end[0], n))
        parts[1].append(np.linspace(seg.start[1], end[1], n))
        # A syllable's loudness swells and fades; a steady tone would not sound spoken.
        swell = 0.6 + 0.4 * np.sin(np.pi * np.linspace(0.0, 1.0, n))
        parts[2].append(seg.voice * swell)
        parts[3].append(np.full(n, seg.noise))
        parts[4].append(np.full(n, 1.0 if seg.bright else 0.0))
    f1, f2, voice, hiss, bright = (np.concatenate(p) for p in parts)
    # Formants and levels change over a few milliseconds, not at once: no clicks.
    f1, f2 = _smooth(f1, 30), _smooth(f2, 30)
    return f1, f2, _smooth(voice, 12), _smooth(hiss, 6), bright


def _smooth(x: Floats, ms: int) -> Floats:
    width = max(3, RATE * ms // 1000) | 1
    window = np.hanning(width)
    window /= window.sum()
    padded = np.concatenate([np.full(width // 2, x[0]), x, np.full(width // 2, x[-1])])
    return np.convolve(padded, window, mode="valid")


def _pitch(n: int) -> Floats:
    """Falling from 150 to 110 Hz over the phrase, then rising on the last word."""
    t = np.linspace(0.0, 1.0, n)
    fall = 150.0 - 40.0 * t
    rise = np.where(t > 0.78, 80.0 * ((t - 0.78) / 0.22) ** 2, 0.0)
    return fall + rise


def _resonance(f: Floats, centre: Floats, bandwidth: float) -> Floats:
    """Gain of a two-pole resonator at `f` (1 at 0 Hz, about centre/bandwidth at centre)."""
    ratio = f / centre
    return 1.0 / np.sqrt((1.0 - ratio**2) ** 2 + (f * bandwidth / centre**2) ** 2)


def _noise(n: int) -> Floats:
    """White noise in [-1, 1) from a hash of the sample index (splitmix64's finaliser):
    the same on every machine, with no random generator whose stream could change."""
    with np.errstate(over="ignore"):
        x = np.arange(n, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(2**52) - 1.0


def synthesize() -> npt.NDArray[np.int16]:
    """The whole turn as 16 kHz int16 samples."""
    f1, f2, voice, hiss, bright = _per_sample(SCRIPT)
    n = f1.size
    f0 = _pitch(n)
    phase = 2.0 * np.pi * np.cumsum(f0) / RATE
    voiced = np.zeros(n)
    f3 = np.full(n, 2500.0)
    for k in range(1, int(MAX_HARMONIC_HZ // 100) + 1):
        f = k * f0
        gain = _resonance(f, f1, 90.0) * _resonance(f, f2, 110.0) * _resonance(f, f3, 170.0)
        gain = np.where(f < MAX_HARMONIC_HZ, gain / k, 0.0)  # a glottal source falls 6 dB/oct
        voiced += gain * np.sin(k * phase)
    voiced /= np.max(np.abs(voiced))
    white = _noise(n)
    soft = np.convolve(white, np.ones(4) / 4, mode="same")  # "h" and bursts: duller
    sharp = np.diff(white, prepend=0.0) / 2  # "s": brighter
    fricative = np.where(bright > 0.5, sharp, soft)
    signal = voiced * voice + fricative * hiss
    signal *= PEAK / np.max(np.abs(signal))
    return np.asarray(np.round(signal * 32767), dtype=np.int16)


def write(path: str | Path = WAV) -> Path:
    """Write the turn as a 16 kHz mono 16-bit WAV at `path`; return the path."""
    path = Path(path)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(synthesize().astype("<i2").tobytes())
    return path


if __name__ == "__main__":
    target = write(sys.argv[1] if len(sys.argv) > 1 else WAV)
    print(f"wrote {target} ({target.stat().st_size} bytes)")
