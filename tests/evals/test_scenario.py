"""`evals.scenario`: turns and checks validated when a scenario is built, each check
routed to the spoken turn it applies to."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from realtime_widget import evals
from realtime_widget.evals import BargeIn, Pause, UserAudio, UserText

from .conftest import RATE, voice


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())
    return path


def test_turns_from_text_paths_arrays_pauses_and_barge_ins(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "q.wav", voice(0.5))
    s = evals.Scenario(
        "mixed",
        turns=[
            "Hi",
            wav,
            voice(0.5),
            evals.pause(200),
            "Tell me more",
            evals.barge_in(after_ms=50, say="Stop"),
        ],
    )
    kinds = [type(t) for t in s.turns]
    assert kinds == [UserText, UserAudio, UserAudio, Pause, UserText, BargeIn]
    assert len(s.spoken) == 5 and s.turns[1].source == "q.wav"
    assert s.turns[2].source == "array"
    assert isinstance(s.turns[5], BargeIn) and s.turns[5].say == UserText("Stop")
    # A file at 16 kHz is resampled to the session's 24 kHz when the scenario is built.
    low = evals.audio(write_wav(tmp_path / "low.wav", voice(0.5)[::3], rate=8_000))
    assert abs(low.samples.size - voice(0.5)[::3].size * 3) <= 3
    assert evals.audio(voice(0.5)) == evals.audio(voice(0.5))


def test_checks_go_to_their_turn() -> None:
    last = evals.contains("bye")
    first = evals.contains("hello", turn=0)
    every = evals.not_contains("sorry", turn="all")
    own = evals.contains("two")
    s = evals.Scenario(
        "routing",
        turns=["Hello", evals.pause(10), evals.user("Two", expect=[own]), "Bye"],
        expect=[last, first, every, evals.tool_not_called(turn=-2)],
    )
    labels = [[c.label for c in checks] for checks in s.plan]
    assert labels == [
        ["contains('hello')", "not_contains('sorry')"],
        ["contains('two')", "not_contains('sorry')", "tool_not_called()"],
        ["contains('bye')", "not_contains('sorry')"],
    ]


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: evals.Scenario("", turns=["Hi"]), ValueError, "needs a name"),
        (lambda: evals.Scenario("s", turns=[evals.pause(5)]), ValueError, "no turn the user says"),
        (lambda: evals.Scenario("s", turns="Hi"), TypeError, "turns must be a list"),
        (lambda: evals.Scenario("s", turns=[3]), TypeError, "a turn is text, audio"),
        (
            lambda: evals.Scenario("s", turns=[evals.barge_in(after_ms=5, say="x")]),
            ValueError,
            "right after a user turn",
        ),
        (
            lambda: evals.Scenario(
                "s", turns=["a", evals.pause(5), evals.barge_in(after_ms=5, say="x")]
            ),
            ValueError,
            "not after a pause",
        ),
        (
            lambda: evals.Scenario("s", turns=["a"], expect=[evals.contains("x", turn=1)]),
            ValueError,
            "has 1 spoken turns",
        ),
        (
            lambda: evals.Scenario(
                "s", turns=["a"], expect=[evals.contains("x"), evals.contains("x")]
            ),
            ValueError,
            "twice; give one a name=",
        ),
        (
            lambda: evals.user("a", expect=[evals.contains("x", turn=0)]),
            ValueError,
            "drop turn=",
        ),
        (lambda: evals.Scenario("s", turns=["a"], expect=["Paris"]), TypeError, "is not a check"),
        (
            lambda: evals.Scenario("s", turns=["a"], setup=[{"role": "bot", "text": "x"}]),
            ValueError,
            "role must be one of",
        ),
        (lambda: evals.Scenario("s", turns=["a"], setup=["hi"]), TypeError, "a setup item is"),
        (lambda: evals.user("  "), ValueError, "text is empty"),
        (lambda: evals.pause(-1), ValueError, ">= 0 ms"),
        (lambda: evals.barge_in(after_ms="soon", say="x"), TypeError, "milliseconds"),  # type: ignore[arg-type]
        (lambda: evals.audio(Path("/nonexistent/q.wav")), ValueError, "no audio file"),
        (lambda: evals.audio(np.full(10, 3.0)), ValueError, "beyond"),
    ],
)
def test_bad_scenarios_are_refused_when_built(build: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        build()  # type: ignore[operator]


def test_setup_items_become_conversation_items() -> None:
    s = evals.Scenario(
        "seeded",
        turns=["Hi"],
        setup=[("user", "I run a shop."), {"role": "assistant", "text": "Noted."}],
    )
    assert [i.event("x")["item"]["content"][0] for i in s.setup] == [
        {"type": "input_text", "text": "I run a shop."},
        {"type": "output_text", "text": "Noted."},
    ]
