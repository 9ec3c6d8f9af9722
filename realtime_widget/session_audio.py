"""Audio for a session without a browser: what `send_audio` takes, what `audio()` gives.

The Realtime API's default format both ways is PCM16, 24 kHz, mono, little-endian. Input
is a WAV path, raw PCM16 bytes (24 kHz mono unless `rate=` says otherwise; a WAV file's
bytes are read as WAV) or a numpy array (float in [-1, 1] or int16; 1-D, or 2-D as
samples × channels, mixed down), resampled to 24 kHz (linear interpolation: speech for a
model, not hi-fi). Every refusal is a ValueError (or TypeError) naming what was wrong.
"""

from __future__ import annotations

import base64
import io
import os
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

#: The session's audio rate (PCM16 mono) both ways.
RATE = 24_000
#: Samples per `input_audio_buffer.append` (100 ms, a real-time-sized chunk).
CHUNK = RATE // 10
MIN_RATE, MAX_RATE = 8_000, 192_000
MAX_CHANNELS = 8

Samples = npt.NDArray[np.int16]


def _check_rate(rate: object) -> int:
    if not isinstance(rate, int) or isinstance(rate, bool):
        raise TypeError(f"rate must be an int number of samples per second, got {rate!r}")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ValueError(f"rate must be {MIN_RATE}..{MAX_RATE} Hz, got {rate}")
    return rate


def _from_wav(data: io.BytesIO | str, what: str) -> tuple[Samples, int]:
    try:
        with wave.open(data, "rb") as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"{what} is not a readable WAV file: {exc}") from None
    if width != 2:
        raise ValueError(f"{what} has {8 * width}-bit samples; only 16-bit PCM WAV is read")
    samples = np.frombuffer(frames, dtype="<i2")
    if channels > 1:
        samples = samples[: samples.size - samples.size % channels].reshape(-1, channels)
    return _mono(samples, what), _check_rate(rate)


def _mono(samples: npt.NDArray[Any], what: str) -> Samples:
    if samples.ndim == 2:
        if not 1 <= samples.shape[1] <= MAX_CHANNELS:
            raise ValueError(
                f"{what} has shape {samples.shape}: expected (samples,) or (samples, channels) "
                f"with at most {MAX_CHANNELS} channels"
            )
        samples = samples.astype(np.float64).mean(axis=1)
    elif samples.ndim != 1:
        raise ValueError(f"{what} has shape {samples.shape}: expected (samples,) or (samples, ch)")
    if samples.dtype.kind == "f":
        if not np.all(np.isfinite(samples)):
            raise ValueError(f"{what} holds NaN or infinite samples")
        return np.asarray(np.clip(np.round(samples), -32768, 32767), dtype=np.int16)
    return np.asarray(samples, dtype=np.int16)


def _from_array(array: npt.NDArray[Any]) -> Samples:
    what = "the audio array"
    if array.dtype.kind == "f":
        floats = array.astype(np.float64)
        if floats.size and np.all(np.isfinite(floats)) and np.abs(floats).max() > 1.0 + 1e-6:
            raise ValueError(
                f"{what} is float with values beyond [-1, 1] (max |x| = "
                f"{np.abs(floats).max():.3g}); scale it, or pass int16"
            )
        return _mono(floats * 32767.0, what)
    if array.dtype != np.int16:
        raise ValueError(f"{what} has dtype {array.dtype}; pass float (in [-1, 1]) or int16")
    return _mono(array, what)


def resample(samples: Samples, rate: int, to: int = RATE) -> Samples:
    """`samples` at `rate` → at `to` (linear interpolation)."""
    if rate == to or samples.size == 0:
        return samples
    n = max(1, round(samples.size * to / rate))
    positions = np.arange(n) * (rate / to)
    out = np.interp(positions, np.arange(samples.size), samples.astype(np.float64))
    return np.asarray(np.round(out), dtype=np.int16)


def load_audio(source: object, rate: int | None = None) -> Samples:
    """`source` (see the module docstring) as PCM16 samples at 24 kHz mono."""
    given = None if rate is None else _check_rate(rate)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise ValueError(f"no audio file at {str(path)!r}")
        samples, found = _from_wav(str(path), f"{path.name!r}")
        if given is not None and given != found:
            raise ValueError(f"{path.name!r} is {found} Hz, not rate={given}; drop rate=")
        rate = found
    elif isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if data[:4] == b"RIFF":
            samples, rate = _from_wav(io.BytesIO(data), "the WAV bytes")
        else:
            if len(data) % 2:
                raise ValueError(
                    f"PCM16 bytes come in pairs; got {len(data)} bytes (an odd count: not PCM16)"
                )
            samples, rate = np.frombuffer(data, dtype="<i2").astype(np.int16), given or RATE
    elif isinstance(source, np.ndarray):
        samples, rate = _from_array(source), given or RATE
    else:
        raise TypeError(
            "audio must be a WAV path, PCM16 bytes (24 kHz mono) or a numpy array, "
            f"got {type(source).__name__}"
        )
    if samples.size == 0:
        raise ValueError("the audio is empty (0 samples)")
    return resample(samples, rate)


def chunks(samples: Samples) -> Iterator[str]:
    """Base64 PCM16 of each 100 ms of `samples` (the last one may be shorter)."""
    for start in range(0, samples.size, CHUNK):
        yield base64.b64encode(samples[start : start + CHUNK].astype("<i2").tobytes()).decode()


def as_array(pcm: bytes) -> Samples:
    """PCM16 little-endian bytes → int16 samples (a copy)."""
    return np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.int16)


def write_wav(path: str | os.PathLike[str], samples: Samples, rate: int = RATE) -> None:
    """16-bit mono WAV."""
    with wave.open(os.fspath(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())
