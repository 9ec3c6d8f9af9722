"""What a scenario says: the user's turns, the checks on the replies, the seeded history.

Pure data, validated when built (a bad turn or check fails here, naming what was wrong,
not in the middle of a grid of runs). A *spoken* turn is one the user says (text, audio or
a barge-in); it gets a reply and a row in the result. A pause only waits.

    Scenario(
        "stock",
        turns=["How many pears are in stock?", pause(300), barge_in(after_ms=200, say="Stop.")],
        expect=[tool_called("stock_level", {"fruit": "pears"}, turn=0), contains("Stop")],
    )
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias

import numpy as np

from realtime_widget import session_audio

from .checks import Check, as_check

#: Roles of the conversation items a scenario may seed before its first turn.
SETUP_ROLES = ("user", "assistant", "system")


def _checks(expect: object, where: str) -> tuple[Check, ...]:
    if expect is None:
        return ()
    if isinstance(expect, Check) or callable(expect):
        expect = [expect]
    if isinstance(expect, str | bytes) or not isinstance(expect, Iterable):
        raise TypeError(
            f"{where}: expect must be a list of checks (evals.contains(...), a function of "
            f"the turn, ...), got {type(expect).__name__}"
        )
    return tuple(as_check(c, where) for c in expect)


def _in_turn(checks: tuple[Check, ...], where: str) -> tuple[Check, ...]:
    for check in checks:
        if check.turn is not None:
            raise ValueError(
                f"{where}: {check.label} is in a turn's expect, so it checks that turn; "
                "drop turn= (or move it to the scenario's expect)"
            )
    return checks


@dataclass(frozen=True)
class UserText:
    """The user types (or says, as text) `text`; the reply is awaited, tool calls included."""

    text: str
    expect: tuple[Check, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TypeError(f"a user turn's text must be a str, got {type(self.text).__name__}")
        if not self.text.strip():
            raise ValueError("a user turn's text is empty; write what the user says")
        object.__setattr__(self, "expect", _in_turn(_checks(self.expect, "user turn"), "turn"))

    @property
    def describe(self) -> str:
        return self.text


@dataclass(frozen=True, eq=False)
class UserAudio:
    """The user speaks: `samples` (PCM16, 24 kHz mono), streamed as the session's
    `send_audio` does. `source` says where it came from (a file name, "array")."""

    samples: np.ndarray[Any, np.dtype[np.int16]]
    source: str = "array"
    expect: tuple[Check, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "expect", _in_turn(_checks(self.expect, "audio turn"), "turn"))

    @property
    def seconds(self) -> float:
        return self.samples.size / session_audio.RATE

    @property
    def describe(self) -> str:
        return f"(audio: {self.source}, {self.seconds:.1f} s)"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, UserAudio)
            and self.source == other.source
            and self.expect == other.expect
            and np.array_equal(self.samples, other.samples)
        )

    def __hash__(self) -> int:
        return hash((self.source, self.samples.size, self.expect))


@dataclass(frozen=True)
class Pause:
    """Wait `ms` milliseconds before the next turn (the model may go on speaking)."""

    ms: float

    def __post_init__(self) -> None:
        _check_ms("pause", self.ms)


@dataclass(frozen=True)
class BargeIn:
    """Interrupt the reply to the previous turn `after_ms` after it started (its
    `response.created`), then say `say` (text, or a `UserAudio`)."""

    after_ms: float
    say: UserText | UserAudio
    expect: tuple[Check, ...] = ()

    def __post_init__(self) -> None:
        _check_ms("barge_in after_ms", self.after_ms)
        if not isinstance(self.say, UserText | UserAudio):
            raise TypeError("barge_in say= must be text or audio (a WAV path or an array)")
        if self.say.expect:
            raise ValueError("put the checks of a barge-in in barge_in(..., expect=[...])")
        object.__setattr__(self, "expect", _in_turn(_checks(self.expect, "barge_in"), "turn"))

    @property
    def describe(self) -> str:
        return self.say.describe


SpokenTurn: TypeAlias = UserText | UserAudio | BargeIn
ScenarioTurn: TypeAlias = UserText | UserAudio | Pause | BargeIn
TurnKind = Literal["text", "audio", "barge_in"]


def kind_of(turn: SpokenTurn) -> TurnKind:
    if isinstance(turn, BargeIn):
        return "barge_in"
    return "audio" if isinstance(turn, UserAudio) else "text"


def _check_ms(what: str, value: object) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"{what} must be a number of milliseconds, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{what} must be >= 0 ms, got {value}")


# -- the constructors people write -------------------------------------------------------


def user(text: str, expect: Iterable[Any] | None = None) -> UserText:
    """A user turn in text, with checks on its reply."""
    return UserText(text, _checks(expect, "user turn"))


def audio(
    source: Any, *, rate: int | None = None, expect: Iterable[Any] | None = None
) -> UserAudio:
    """A spoken user turn: a WAV path, PCM16 bytes or a numpy array (float in [-1, 1] or
    int16, at `rate`, default 24000). Read and checked now, resampled to 24 kHz."""
    samples = session_audio.load_audio(source, rate)
    name = Path(source).name if isinstance(source, str | os.PathLike) else type(source).__name__
    if isinstance(source, np.ndarray):
        name = "array"
    return UserAudio(samples, name, _checks(expect, "audio turn"))


def pause(ms: float) -> Pause:
    """Wait `ms` milliseconds between turns."""
    return Pause(ms)


def barge_in(*, after_ms: float, say: Any, expect: Iterable[Any] | None = None) -> BargeIn:
    """Interrupt the previous turn's reply `after_ms` after it started, then say `say`
    (text, or audio: a WAV path / an array / `audio(...)`)."""
    return BargeIn(after_ms, as_turn(say, "barge_in say"), _checks(expect, "barge_in"))  # type: ignore[arg-type]


def as_turn(value: object, where: str = "turns") -> ScenarioTurn:
    """A turn from what a list of turns may hold: a turn, a str (user text), a path or an
    array (user audio)."""
    if isinstance(value, UserText | UserAudio | Pause | BargeIn):
        return value
    if isinstance(value, str):
        return UserText(value)
    if isinstance(value, os.PathLike | np.ndarray):
        return audio(value)
    raise TypeError(
        f"{where}: a turn is text, audio (a WAV path or an array), evals.pause(ms) or "
        f"evals.barge_in(...); got {type(value).__name__}"
    )


@dataclass(frozen=True)
class Item:
    """A conversation item seeded before the first turn (earlier history)."""

    role: Literal["user", "assistant", "system"]
    text: str

    def __post_init__(self) -> None:
        if self.role not in SETUP_ROLES:
            raise ValueError(f"a setup item's role must be one of {SETUP_ROLES}, got {self.role!r}")
        if not isinstance(self.text, str) or not self.text.strip():
            raise ValueError(f"a setup item ({self.role}) needs a non-empty text")

    def event(self, item_id: str) -> dict[str, Any]:
        """The `conversation.item.create` that adds it, as item `item_id`."""
        part = "output_text" if self.role == "assistant" else "input_text"
        return {
            "type": "conversation.item.create",
            "item": {
                "id": item_id,
                "type": "message",
                "role": self.role,
                "content": [{"type": part, "text": self.text}],
            },
        }


def as_item(value: object) -> Item:
    if isinstance(value, Item):
        return value
    if isinstance(value, Mapping) and set(value) <= {"role", "text"} and "role" in value:
        return Item(value["role"], value.get("text", ""))
    if isinstance(value, tuple) and len(value) == 2:
        return Item(*value)
    raise TypeError(
        'a setup item is {"role": "user" | "assistant" | "system", "text": ...}, '
        f"(role, text) or evals.Item(role, text); got {value!r}"
    )


@dataclass(frozen=True)
class Scenario:
    """A scripted conversation and what its replies must satisfy.

    `turns`: user text (a str or `user(...)`), audio (`audio(...)`, a WAV path, an array),
    `pause(ms)`, `barge_in(after_ms=..., say=...)`; each spoken turn may carry its own
    `expect=`. `expect`: checks of the last spoken turn, or of `turn=i` (the i-th spoken
    turn, negative from the end) or `turn="all"` (every spoken turn). `setup`: items
    (role, text) added to the conversation before the first turn.
    """

    name: str
    turns: Sequence[Any]
    expect: Sequence[Any] = ()
    setup: Sequence[Any] = ()
    description: str = ""
    #: Per spoken turn, the checks that apply to it (built from the above).
    plan: tuple[tuple[Check, ...], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("a scenario needs a name (a non-empty str)")
        where = f"scenario {self.name!r}"
        if isinstance(self.turns, str | bytes) or not isinstance(self.turns, Iterable):
            raise TypeError(f"{where}: turns must be a list of turns")
        turns = tuple(as_turn(t, f"{where} turns") for t in self.turns)
        spoken = [t for t in turns if not isinstance(t, Pause)]
        if not spoken:
            raise ValueError(f"{where} has no turn the user says (only pauses, or none)")
        for i, turn in enumerate(turns):
            if isinstance(turn, BargeIn) and (i == 0 or isinstance(turns[i - 1], Pause)):
                raise ValueError(
                    f"{where}: turn {i} is a barge-in, which interrupts the reply to the turn "
                    "right before it; put it right after a user turn (not first, not after a pause)"
                )
        expect = _checks(self.expect, where)
        plan: list[list[Check]] = [list(t.expect) for t in spoken]
        for check in expect:
            if check.turn == "all":
                for checks in plan:
                    checks.append(check)
                continue
            index = len(spoken) - 1 if check.turn is None else check.turn
            if not -len(spoken) <= index < len(spoken):
                raise ValueError(
                    f"{where}: {check.label} has turn={check.turn}, but the scenario has "
                    f"{len(spoken)} spoken turns (0..{len(spoken) - 1}; pauses do not count)"
                )
            plan[index].append(check)
        for i, checks in enumerate(plan):
            labels = [c.label for c in checks]
            twice = sorted({x for x in labels if labels.count(x) > 1})
            if twice:
                raise ValueError(
                    f"{where}: turn {i} has the check {twice[0]} twice; give one a name= "
                    "(check names are the result's column names)"
                )
        setup = tuple(as_item(item) for item in self.setup)
        if not isinstance(self.description, str):
            raise TypeError(f"{where}: description must be a str")
        object.__setattr__(self, "turns", turns)
        object.__setattr__(self, "expect", expect)
        object.__setattr__(self, "setup", setup)
        object.__setattr__(self, "plan", tuple(tuple(c) for c in plan))

    @property
    def spoken(self) -> tuple[SpokenTurn, ...]:
        """The turns the user says, in order (the rows of the result)."""
        return tuple(t for t in self.turns if not isinstance(t, Pause))
