"""`evals.checks`: each check a pure function of a hand-made `Turn`, its pass/fail and reason."""

from __future__ import annotations

import math
import re

import pytest

from realtime_widget import evals
from realtime_widget.evals import Outcome

from .conftest import make_turn


def verdict(check: evals.Check, **turn: object) -> Outcome:
    return check.evaluate(make_turn(**turn))


def test_contains_and_not_contains_ignore_case_unless_told() -> None:
    assert verdict(evals.contains("paris"), reply="It is Paris.") == Outcome(
        True, "the reply contains 'paris'"
    )
    assert verdict(evals.contains("paris", case_sensitive=True), reply="Paris").passed is False
    missing = verdict(evals.contains("Rome"), reply="It is Paris.")
    assert missing.passed is False and missing.reason == "'Rome' is not in the reply 'It is Paris.'"
    assert verdict(evals.not_contains("sorry"), reply="Sorry, no.").passed is False
    assert verdict(evals.not_contains("sorry"), reply="Sure.").passed is True
    assert evals.contains("Paris").label == "contains('Paris')"
    assert evals.not_contains("x", name="polite").label == "polite"


def test_matches_searches_a_regular_expression() -> None:
    check = evals.matches(r"\b\d+ (pears|apples)\b")
    assert verdict(check, reply="We have 12 PEARS left") == Outcome(True, "matched '12 PEARS'")
    assert verdict(check, reply="None left").passed is False
    with pytest.raises(ValueError, match=re.escape("matches('(oops'): not a valid regular")):
        evals.matches("(oops")


def test_tool_called_matches_a_subset_of_the_arguments() -> None:
    calls = [("stock_level", {"fruit": "pears", "shop": {"city": "Lyon", "id": 3}}, "12")]
    assert verdict(evals.tool_called("stock_level"), calls=calls).passed is True
    assert verdict(evals.tool_called("stock_level", {"fruit": "pears"}), calls=calls).passed
    nested = evals.tool_called("stock_level", {"shop": {"city": "Lyon"}})
    assert verdict(nested, calls=calls).passed is True
    wrong = verdict(evals.tool_called("stock_level", {"fruit": "plums"}), calls=calls)
    assert wrong.passed is False and "not with {'fruit': 'plums'}" in wrong.reason
    absent = verdict(evals.tool_called("weather"), calls=calls)
    assert absent == Outcome(False, "weather was not called (calls: stock_level)")
    assert verdict(evals.tool_called("weather")) == Outcome(
        False, "weather was not called (calls: none)"
    )
    assert (
        evals.tool_called("stock_level", {"fruit": "pears"}).label
        == "tool_called('stock_level', fruit='pears')"
    )
    with pytest.raises(TypeError, match="args must be a dict"):
        evals.tool_called("stock_level", ["pears"])  # type: ignore[arg-type]


def test_tool_not_called_any_or_by_name() -> None:
    calls: list[tuple[str, dict[str, object], None]] = [("stock_level", {}, None)]
    assert verdict(evals.tool_not_called(), calls=calls) == Outcome(False, "stock_level was called")
    assert verdict(evals.tool_not_called()) == Outcome(True, "no tool was called")
    assert verdict(evals.tool_not_called("weather"), calls=calls).passed is True
    assert verdict(evals.tool_not_called("stock_level"), calls=calls).passed is False


def test_latency_checks_and_a_turn_without_audio() -> None:
    fast = evals.first_response_within(200)
    assert verdict(fast, to_response_ms=120.0).passed is True
    slow = verdict(fast, to_response_ms=250.0)
    assert slow == Outcome(False, "first response event after 250 ms, over 200 ms")
    audio = evals.first_audio_within(500)
    assert verdict(audio, to_audio_ms=math.nan) == Outcome(False, "no audio came in this turn")
    assert verdict(audio, to_audio_ms=499.0).passed is True
    assert fast.label == "first_response_within(200)"
    for bad in (0, -1, math.inf, "100", True):
        with pytest.raises(ValueError, match="milliseconds > 0"):
            evals.first_audio_within(bad)  # type: ignore[arg-type]


def test_cost_under() -> None:
    assert verdict(evals.cost_under(0.01), cost_usd=0.002).passed is True
    over = verdict(evals.cost_under(0.001), cost_usd=0.002)
    assert over == Outcome(False, "$0.002000 > $0.001")
    unknown = verdict(evals.cost_under(0.01), cost_usd=math.nan)
    assert unknown.passed is False and "unknown" in unknown.reason
    with pytest.raises(ValueError, match="USD >= 0"):
        evals.cost_under(-1)


def test_a_function_of_the_turn_is_a_check() -> None:
    def short(turn: evals.Turn) -> bool:
        return len(turn.reply) < 20

    assert evals.check(short).label == "check(short)"
    assert verdict(evals.check(short), reply="Hi") == Outcome(True, "short returned True")
    with_reason = evals.check(lambda t: (False, f"{len(t.reply)} chars"), name="brief")
    assert with_reason.label == "brief"
    assert verdict(with_reason, reply="abc") == Outcome(False, "3 chars")
    raises = evals.check(lambda t: 1 / 0)
    assert raises.label == "check(lambda)"
    assert verdict(raises) == Outcome(False, "the check raised ZeroDivisionError: division by zero")
    odd = verdict(evals.check(lambda t: "yes"))
    assert odd.passed is False and "must return a bool or (bool, reason)" in odd.reason
    with pytest.raises(TypeError, match="needs a function of the turn"):
        evals.check("not callable")  # type: ignore[arg-type]


def test_turn_targets_are_checked() -> None:
    assert evals.contains("x", turn=2).turn == 2
    assert evals.contains("x", turn="all").turn == "all"
    with pytest.raises(TypeError, match="turn= must be"):
        evals.contains("x", turn="last")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="non-empty str"):
        evals.contains("")
