"""Checks that need no model: each a pure function of a `Turn` giving pass/fail and why.

A check applies to the turn whose `expect` holds it; in a scenario's `expect` to the last
spoken turn, or to `turn=i` / `turn="all"`. Its `label` (code-like, e.g.
`contains('Paris')`, or the `name=` given) names its columns in the result. Any function
`(turn) -> bool | (bool, str)` is a check too (`check(fn)`, or put the function in a list of
checks). `judge(...)` (judge.py) is the one that asks a model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

if TYPE_CHECKING:
    from .turn import Turn

TurnRef: TypeAlias = int | Literal["all"] | None


@dataclass(frozen=True)
class Outcome:
    """`passed`: True / False, or None when the check could not be decided (skipped: a
    judge with no key; not reached: the run failed first). `reason` always says why."""

    passed: bool | None
    reason: str


def _check_turn(turn: object) -> TurnRef:
    if turn is None or turn == "all":
        return turn
    if isinstance(turn, int) and not isinstance(turn, bool):
        return turn
    raise TypeError(f"turn= must be a spoken turn's index (an int), 'all' or None, got {turn!r}")


@dataclass(frozen=True, eq=False)
class Check:
    """One expectation on a turn. `spec` is its plain description (kind and parameters),
    as a scenario file writes it."""

    label: str
    test: Callable[[Turn], Outcome] = field(repr=False)
    turn: TurnRef = None
    spec: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "turn", _check_turn(self.turn))
        if not isinstance(self.label, str) or not self.label.strip():
            raise ValueError("a check needs a non-empty name")

    def evaluate(self, turn: Turn) -> Outcome:
        """Pass/fail and the reason; an exception in the check is a failure saying so."""
        try:
            return self.test(turn)
        except Exception as exc:  # a user's check must not stop the grid
            return Outcome(False, f"the check raised {type(exc).__name__}: {exc}")

    async def evaluate_async(self, turn: Turn) -> Outcome:
        return self.evaluate(turn)

    def __eq__(self, other: object) -> bool:
        # Two checks built from the same description are the same check (a scenario file
        # and the same scenario written in Python compare equal).
        if not isinstance(other, Check) or type(other) is not type(self):
            return False
        if self.spec and other.spec:
            return (self.label, self.turn, dict(self.spec)) == (
                other.label,
                other.turn,
                dict(other.spec),
            )
        return self is other

    def __hash__(self) -> int:
        return hash((self.label, self.turn))


def _named(name: str | None, default: str) -> str:
    if name is None:
        return default
    if not isinstance(name, str) or not name.strip():
        raise ValueError("name= must be a non-empty str")
    return name


def _text_arg(what: str, text: object) -> str:
    if not isinstance(text, str) or not text:
        raise TypeError(f"{what}() needs a non-empty str, got {text!r}")
    return text


def _short(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def contains(
    text: str, *, case_sensitive: bool = False, turn: TurnRef = None, name: str | None = None
) -> Check:
    """The reply contains `text` (case-insensitive unless `case_sensitive`)."""
    needle = _text_arg("contains", text)

    def test(t: Turn) -> Outcome:
        hay, pin = (t.reply, needle) if case_sensitive else (t.reply.lower(), needle.lower())
        if pin in hay:
            return Outcome(True, f"the reply contains {needle!r}")
        return Outcome(False, f"{needle!r} is not in the reply {_short(t.reply)!r}")

    spec = {"contains": needle, **({"case_sensitive": True} if case_sensitive else {})}
    return Check(_named(name, f"contains({needle!r})"), test, turn, spec)


def not_contains(
    text: str, *, case_sensitive: bool = False, turn: TurnRef = None, name: str | None = None
) -> Check:
    """The reply does not contain `text` (case-insensitive unless `case_sensitive`)."""
    needle = _text_arg("not_contains", text)

    def test(t: Turn) -> Outcome:
        hay, pin = (t.reply, needle) if case_sensitive else (t.reply.lower(), needle.lower())
        if pin in hay:
            return Outcome(False, f"the reply contains {needle!r}: {_short(t.reply)!r}")
        return Outcome(True, f"{needle!r} is not in the reply")

    spec = {"not_contains": needle, **({"case_sensitive": True} if case_sensitive else {})}
    return Check(_named(name, f"not_contains({needle!r})"), test, turn, spec)


def matches(
    pattern: str, *, case_sensitive: bool = False, turn: TurnRef = None, name: str | None = None
) -> Check:
    """A regular expression (`re.search`) matches the reply."""
    source = _text_arg("matches", pattern)
    try:
        compiled = re.compile(source, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"matches({source!r}): not a valid regular expression: {exc}") from None

    def test(t: Turn) -> Outcome:
        found = compiled.search(t.reply)
        if found:
            return Outcome(True, f"matched {found.group(0)!r}")
        return Outcome(False, f"no match for {source!r} in {_short(t.reply)!r}")

    spec = {"matches": source, **({"case_sensitive": True} if case_sensitive else {})}
    return Check(_named(name, f"matches({source!r})"), test, turn, spec)


def _subset(expected: Any, actual: Any) -> bool:
    """`expected` is within `actual`: dicts key by key (recursively), anything else equal."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and _subset(v, actual[k]) for k, v in expected.items()
        )
    return bool(expected == actual)


def tool_called(
    name: str,
    args: Mapping[str, Any] | None = None,
    *,
    turn: TurnRef = None,
    label: str | None = None,
) -> Check:
    """The model called tool `name` in the turn, with arguments that include `args` (each
    key given must be there with that value; others may be there too)."""
    tool = _text_arg("tool_called", name)
    if args is not None and not isinstance(args, Mapping):
        raise TypeError(f"tool_called({tool!r}, args=...): args must be a dict, got {args!r}")
    wanted = dict(args or {})
    shown = ", ".join(f"{k}={v!r}" for k, v in wanted.items())

    def test(t: Turn) -> Outcome:
        calls = [c for c in t.tool_calls if c.name == tool]
        if not calls:
            made = ", ".join(t.tool_names()) or "none"
            return Outcome(False, f"{tool} was not called (calls: {made})")
        for call in calls:
            if _subset(wanted, call.arguments):
                return Outcome(True, f"{tool} was called with {call.arguments!r}")
        got = "; ".join(repr(c.arguments) for c in calls)
        return Outcome(False, f"{tool} was called with {got}, not with {wanted!r}")

    spec: dict[str, Any] = {"tool_called": tool, **({"args": wanted} if wanted else {})}
    default = f"tool_called({tool!r}{', ' + shown if shown else ''})"
    return Check(_named(label, default), test, turn, spec)


def tool_not_called(
    name: str | None = None, *, turn: TurnRef = None, label: str | None = None
) -> Check:
    """The model did not call tool `name` in the turn (None: no tool at all)."""
    tool = None if name is None else _text_arg("tool_not_called", name)

    def test(t: Turn) -> Outcome:
        made = t.tool_names()
        hit = made if tool is None else [n for n in made if n == tool]
        if hit:
            return Outcome(False, f"{', '.join(hit)} was called")
        return Outcome(True, "no tool was called" if tool is None else f"{tool} was not called")

    default = "tool_not_called()" if tool is None else f"tool_not_called({tool!r})"
    return Check(_named(label, default), test, turn, {"tool_not_called": tool})


def _ms_arg(what: str, ms: object) -> float:
    if not isinstance(ms, int | float) or isinstance(ms, bool) or not math.isfinite(ms) or ms <= 0:
        raise ValueError(f"{what}() needs a number of milliseconds > 0, got {ms!r}")
    return float(ms)


def _latency(what: str, key: str, attr: str, ms: float, turn: TurnRef, name: str | None) -> Check:
    limit = _ms_arg(what, ms)
    noun = {"to_response_ms": "response event", "to_audio_ms": "audio"}[attr]

    def test(t: Turn) -> Outcome:
        value = float(getattr(t, attr))
        if math.isnan(value):
            return Outcome(False, f"no {noun} came in this turn")
        if value <= limit:
            return Outcome(True, f"first {noun} after {value:.0f} ms (limit {limit:g} ms)")
        return Outcome(False, f"first {noun} after {value:.0f} ms, over {limit:g} ms")

    return Check(_named(name, f"{what}({limit:g})"), test, turn, {key: limit})


def first_response_within(ms: float, *, turn: TurnRef = None, name: str | None = None) -> Check:
    """The first response event (`response.created`) came within `ms` of the end of the
    user's turn."""
    return _latency(
        "first_response_within", "first_response_within_ms", "to_response_ms", ms, turn, name
    )


def first_audio_within(ms: float, *, turn: TurnRef = None, name: str | None = None) -> Check:
    """The first audio of the reply came within `ms` of the end of the user's turn."""
    return _latency("first_audio_within", "first_audio_within_ms", "to_audio_ms", ms, turn, name)


def cost_under(usd: float, *, turn: TurnRef = None, name: str | None = None) -> Check:
    """The turn's estimated cost (its responses and the transcription of its audio) is
    at most `usd`."""
    if not isinstance(usd, int | float) or isinstance(usd, bool) or not usd >= 0:
        raise ValueError(f"cost_under() needs a number of USD >= 0, got {usd!r}")
    limit = float(usd)

    def test(t: Turn) -> Outcome:
        if math.isnan(t.cost_usd):
            return Outcome(False, "the turn's cost is unknown (a model without a price)")
        verdict = t.cost_usd <= limit
        return Outcome(verdict, f"${t.cost_usd:.6f} {'<=' if verdict else '>'} ${limit:g}")

    return Check(_named(name, f"cost_under({limit:g})"), test, turn, {"cost_under_usd": limit})


def check(fn: Callable[[Turn], Any], *, name: str | None = None, turn: TurnRef = None) -> Check:
    """Any function of the turn: it returns a bool, or (bool, reason)."""
    if not callable(fn):
        raise TypeError(f"check() needs a function of the turn, got {type(fn).__name__}")
    default = getattr(fn, "__name__", "") or type(fn).__name__
    if default == "<lambda>":
        default = "lambda"

    def test(t: Turn) -> Outcome:
        value = fn(t)
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], bool | None):
            verdict, reason = value
            return Outcome(None if verdict is None else bool(verdict), str(reason))
        if isinstance(value, bool):
            return Outcome(value, f"{default} returned {value}")
        raise TypeError(f"a check must return a bool or (bool, reason), got {value!r}")

    return Check(_named(name, f"check({default})"), test, turn)


def as_check(value: object, where: str = "expect") -> Check:
    """A check, or a plain function of the turn made into one."""
    if isinstance(value, Check):
        return value
    if callable(value):
        return check(value)
    raise TypeError(
        f"{where}: {value!r} is not a check; use evals.contains(...), evals.tool_called(...), "
        "... or a function (turn) -> bool"
    )
