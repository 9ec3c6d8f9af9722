"""Fixtures of the evals tests: the real in-process emulator of tests/support/headless.py
(fast text and playback) and helpers to build turns and voices."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from support.headless import KEY, emu  # noqa: F401  (the fixture, for every test here)
from support.rtc_client import silence, speech_like

from realtime_widget.evals import ToolCallMade, Turn

RATE = 24_000
__all__ = ["KEY", "RATE", "make_turn", "voice"]


def voice(seconds: float = 1.2) -> np.ndarray:
    """Lead-in silence and a speech-like burst (the session appends the trailing silence)."""
    return np.concatenate([silence(0.3, rate=RATE), speech_like(seconds, rate=RATE)])


def make_turn(**fields: Any) -> Turn:
    """A turn as a check sees it, with what the test says and neutral defaults."""
    base: dict[str, Any] = {
        "scenario": "s",
        "variant": "v",
        "repeat": 0,
        "index": 0,
        "kind": "text",
        "user_text": "Hello",
        "reply": "You said: Hello",
        "to_response_ms": 120.0,
        "to_first_delta_ms": 150.0,
        "to_audio_ms": math.nan,
        "cost_usd": 0.002,
    }
    base.update(fields)
    calls = base.pop("calls", None)
    if calls is not None:
        base["tool_calls"] = tuple(ToolCallMade(n, a, o) for n, a, o in calls)
    return Turn(**base)
