"""`evals.summary`: the Wilson interval and the per-variant table (pure)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from realtime_widget.evals import wilson
from realtime_widget.evals.summary import summary_frame


def test_wilson_interval_known_values() -> None:
    # Values from the closed form (Wilson 1927), z = 1.96.
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson(1, 1) == pytest.approx((0.2065, 1.0), abs=1e-4)
    low, high = wilson(0, 0)
    assert math.isnan(low) and math.isnan(high)


def _run(run: int, variant: str, status: str, passed: bool | None, cost: float) -> dict[str, Any]:
    return {
        "run": run,
        "scenario": "s",
        "variant": variant,
        "status": status,
        "passed": passed,
        "checks": 2 if status == "completed" else 0,
        "checks_passed": 2 if passed else (1 if status == "completed" else 0),
        "cost_usd": cost,
    }


def _turn(run: int, ms: float | None, cost: float) -> dict[str, Any]:
    return {
        "run": run,
        "reached": True,
        "to_response_ms": ms,
        "to_audio_ms": None,
        "cost_usd": cost,
    }


def test_summary_per_variant_in_grid_order() -> None:
    runs = [
        _run(0, "b", "completed", True, 0.02),
        _run(1, "a", "completed", False, 0.01),
        _run(2, "b", "error", False, 0.0),
        _run(3, "a", "completed", True, 0.01),
        _run(4, "b", "skipped", None, 0.0),
    ]
    turns = [_turn(0, 100.0, 0.02), _turn(1, 300.0, 0.01), _turn(3, 200.0, 0.01)]
    frame = summary_frame(runs, turns, ["variant"], {"variant": ["a", "b"]})
    assert list(frame.index) == ["a", "b"]
    a, b = frame.loc["a"], frame.loc["b"]
    assert (a["runs"], a["passed"], a["errors"], a["skipped"]) == (2, 1, 0, 0)
    assert (b["runs"], b["passed"], b["errors"], b["skipped"]) == (2, 1, 1, 1)
    assert a["pass_rate"] == 0.5 and (a["pass_rate_low"], a["pass_rate_high"]) == wilson(1, 2)
    assert a["response_ms_median"] == 250.0 and a["response_ms_p95"] == pytest.approx(295.0)
    assert a["cost_per_turn_usd"] == pytest.approx(0.01) and b["cost_usd"] == pytest.approx(0.02)
    assert math.isnan(float(a["audio_ms_median"]))
    assert a["check_pass_rate"] == 0.75
