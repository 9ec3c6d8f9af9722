"""Fake input transcription for voice turns (deterministic text, delivered in pieces)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeAlias

# The i-th voice turn's transcript, or a function of (turn index, audio ms).
TranscriptScript: TypeAlias = Sequence[str] | Callable[[int, float], str]


def default_transcript(audio_ms: float) -> str:
    return f"(spoken {audio_ms / 1000:.1f} s)"


def transcript_for(script: TranscriptScript | None, index: int, audio_ms: float) -> str:
    if script is None:
        return default_transcript(audio_ms)
    if callable(script):
        return script(index, audio_ms)
    return script[index] if index < len(script) else default_transcript(audio_ms)


def split_deltas(text: str) -> list[str]:
    """Word-sized pieces (each keeps its leading space) that join back to `text`."""
    parts = re.findall(r"\s*\S+", text)
    if not parts:
        return [text] if text else []
    parts[-1] += text[len("".join(parts)) :]
    return parts
