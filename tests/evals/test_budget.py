"""`evals.budget`: when the next run may not start (pure)."""

from __future__ import annotations

import math

import pytest

from realtime_widget.evals.budget import Budget


def test_no_budget_never_refuses() -> None:
    assert not Budget().active
    assert Budget().refusal(costs=[1e9], durations=[1e9], in_flight=9, elapsed_s=1e9) is None


def test_usd_refuses_the_run_that_would_exceed_it() -> None:
    budget = Budget(usd=0.25)
    assert budget.refusal(costs=[], durations=[], in_flight=0, elapsed_s=0) is None  # no estimate
    assert budget.refusal(costs=[0.1], durations=[1], in_flight=0, elapsed_s=1) is None  # 0.2
    why = budget.refusal(costs=[0.1, 0.1], durations=[1, 1], in_flight=0, elapsed_s=2)
    assert why == "budget_usd: $0.2000 spent + $0.1000 a run × 1 (this one) > $0.25"
    # Runs still going count at the estimate too.
    busy = budget.refusal(costs=[0.1], durations=[1], in_flight=1, elapsed_s=1)
    assert busy is not None and "× 2 (this one and 1 running)" in busy
    # An unpriced run (NaN) gives no estimate and spends nothing known.
    assert budget.refusal(costs=[math.nan], durations=[1], in_flight=0, elapsed_s=1) is None


def test_minutes_refuses_a_run_that_would_end_past_it() -> None:
    budget = Budget(minutes=1)
    assert budget.refusal(costs=[], durations=[], in_flight=0, elapsed_s=10) is None
    assert budget.refusal(costs=[0], durations=[20], in_flight=3, elapsed_s=39) is None
    why = budget.refusal(costs=[0], durations=[20], in_flight=0, elapsed_s=41)
    assert why == "budget_minutes: 41.0 s elapsed + 20.0 s a run > 60 s"
    assert Budget(minutes=0).refusal(costs=[], durations=[], in_flight=0, elapsed_s=0) == (
        "budget_minutes: 0.0 s elapsed, the budget is 0 s"
    )


@pytest.mark.parametrize("bad", [-1, math.nan, "1", True])
def test_bad_budgets_are_refused(bad: object) -> None:
    with pytest.raises((TypeError, ValueError), match="budget_usd"):
        Budget(usd=bad)  # type: ignore[arg-type]
