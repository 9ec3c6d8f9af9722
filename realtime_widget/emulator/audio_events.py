"""Audio as Realtime events (the WebSocket interface): base64 in the session's audio format.

Over WebSocket there is no media track: the model's voice leaves as
`response.output_audio.delta` events and the user's arrives as `input_audio_buffer.append`,
both base64 in the session's `audio.{output,input}.format`: `audio/pcm` (16-bit little
endian mono at 24 kHz, the only rate the API takes), `audio/pcmu` or `audio/pcma` (G.711
µ-law / A-law at 8 kHz). The synthetic voice is made at `speech.SAMPLE_RATE`.
"""

from __future__ import annotations

import base64
import itertools
from typing import Any

import numpy as np
import numpy.typing as npt

from .speech import SAMPLE_RATE

PCM_RATE = 24_000
G711_RATE = 8_000
_MAX_CHUNK_MS = 200  # the longest audio delta (the real server's are short too)


def format_rate(fmt: dict[str, Any] | None) -> int:
    """The sample rate of an audio format object (`{"type": "audio/pcm", "rate": 24000}`)."""
    kind = (fmt or {}).get("type", "audio/pcm")
    return PCM_RATE if kind == "audio/pcm" else G711_RATE


def resample(samples: npt.NDArray[np.int16], src: int, dst: int) -> npt.NDArray[np.int16]:
    """Linear resampling: plenty for a synthetic voice and for a turn detector."""
    if src == dst or samples.size == 0:
        return samples.astype(np.int16)
    n = max(1, round(samples.size * dst / src))
    positions = np.linspace(0, samples.size - 1, n)
    out = np.interp(positions, np.arange(samples.size), samples.astype(np.float64))
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def _mulaw_encode(pcm: npt.NDArray[np.int16]) -> bytes:
    v = pcm.astype(np.int32) >> 2  # 14-bit, as G.711 reference code does
    negative = v < 0
    mag = np.minimum(np.where(negative, -v, v), 8159) + 33
    segment = np.maximum(np.floor(np.log2(mag)).astype(np.int32) - 5, 0)
    uval = np.where(segment >= 8, 0x7F, (segment << 4) | ((mag >> (segment + 1)) & 0x0F))
    return (uval ^ np.where(negative, 0x7F, 0xFF)).astype(np.uint8).tobytes()


def _mulaw_decode(data: bytes) -> npt.NDArray[np.int16]:
    u = ~np.frombuffer(data, dtype=np.uint8).astype(np.int32) & 0xFF
    mag = (((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 0x07)
    return np.where(u & 0x80, 0x84 - mag, mag - 0x84).astype(np.int16)


def _alaw_encode(pcm: npt.NDArray[np.int16]) -> bytes:
    x = pcm.astype(np.int32) >> 3  # 13-bit
    sign = np.where(x >= 0, 0x80, 0)
    mag = np.minimum(np.where(x < 0, -x - 1, x), 0x0FFF)
    exponent = np.where(mag < 32, 0, np.floor(np.log2(np.maximum(mag, 1))).astype(np.int32) - 4)
    mantissa = np.where(exponent == 0, mag >> 1, mag >> exponent) & 0x0F
    coded: npt.NDArray[np.uint8] = ((sign | (exponent << 4) | mantissa) ^ 0x55).astype(np.uint8)
    return coded.tobytes()


def _alaw_decode(data: bytes) -> npt.NDArray[np.int16]:
    a = np.frombuffer(data, dtype=np.uint8).astype(np.int32) ^ 0x55
    exponent = (a >> 4) & 0x07
    mantissa = a & 0x0F
    mag = np.where(exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << (exponent - 1))
    return np.where(a & 0x80, mag, -mag).astype(np.int16)


def encode(samples: npt.NDArray[np.int16], rate: int, fmt: dict[str, Any] | None) -> bytes:
    """Mono int16 audio at `rate` as the bytes of audio format `fmt`."""
    kind = (fmt or {}).get("type", "audio/pcm")
    pcm = resample(np.asarray(samples, dtype=np.int16), rate, format_rate(fmt))
    if kind == "audio/pcmu":
        return _mulaw_encode(pcm)
    if kind == "audio/pcma":
        return _alaw_encode(pcm)
    return pcm.astype("<i2").tobytes()


def decode(data: bytes, fmt: dict[str, Any] | None) -> npt.NDArray[np.int16]:
    """The bytes of audio format `fmt` as mono int16 samples (at `format_rate(fmt)`)."""
    kind = (fmt or {}).get("type", "audio/pcm")
    if kind == "audio/pcmu":
        return _mulaw_decode(data)
    if kind == "audio/pcma":
        return _alaw_decode(data)
    return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.int16)


def delta_chunks(
    samples: npt.NDArray[np.int16], fmt: dict[str, Any] | None, pieces: int
) -> list[tuple[list[str], float]]:
    """The voice (at `speech.SAMPLE_RATE`) as base64 deltas, in `pieces` groups, each with
    the ms of voice sent once it is out (a cancel keeps at least that much: the client
    has it and may truncate there).

    Group i goes out beside the i-th transcript delta, so audio and transcript advance
    together as the real server streams them; no delta is longer than 200 ms.
    """
    pieces = max(1, pieces)
    bounds = np.linspace(0, samples.size, pieces + 1).round().astype(int)
    step = SAMPLE_RATE * _MAX_CHUNK_MS // 1000
    groups: list[tuple[list[str], float]] = []
    for start, end in itertools.pairwise(bounds.tolist()):
        group = [
            base64.b64encode(encode(samples[i : min(i + step, end)], SAMPLE_RATE, fmt)).decode()
            for i in range(int(start), int(end), step)
        ]
        groups.append((group, int(end) * 1000 / SAMPLE_RATE))
    return groups
