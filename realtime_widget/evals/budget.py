"""Budgets of a grid of runs: whether the next run may start (pure).

A budget stops *starting* runs; a run that started always finishes. The next run is
refused when what was spent plus its estimate (the mean of the runs finished so far, for
each run still going and for this one) would exceed the budget. Before any run has
finished there is no estimate: the runner then starts one run alone, so that the
second already has one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def _limit(name: str, value: object) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number or None, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be >= 0 (or None: no limit), got {value}")
    return float(value)


def _mean(values: Sequence[float]) -> float | None:
    known = [v for v in values if not math.isnan(v)]
    return math.fsum(known) / len(known) if known else None


@dataclass(frozen=True)
class Budget:
    usd: float | None = None
    minutes: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "usd", _limit("budget_usd", self.usd))
        object.__setattr__(self, "minutes", _limit("budget_minutes", self.minutes))

    @property
    def active(self) -> bool:
        return self.usd is not None or self.minutes is not None

    def refusal(
        self,
        *,
        costs: Sequence[float],
        durations: Sequence[float],
        in_flight: int,
        elapsed_s: float,
    ) -> str | None:
        """Why the next run may not start (None: it may). `costs` and `durations` (s) are
        those of the runs finished so far; `in_flight` runs are still going."""
        ahead = in_flight + 1
        if self.usd is not None:
            spent = math.fsum(c for c in costs if not math.isnan(c))
            estimate = _mean(costs)
            if spent > self.usd:
                return f"budget_usd: ${spent:.4f} spent, over ${self.usd:g}"
            if estimate is not None and spent + estimate * ahead > self.usd:
                return (
                    f"budget_usd: ${spent:.4f} spent + ${estimate:.4f} a run × {ahead} "
                    f"(this one{f' and {in_flight} running' if in_flight else ''}) > ${self.usd:g}"
                )
        if self.minutes is not None:
            limit_s = self.minutes * 60.0
            estimate = _mean(durations)
            if elapsed_s >= limit_s:
                return f"budget_minutes: {elapsed_s:.1f} s elapsed, the budget is {limit_s:g} s"
            if estimate is not None and elapsed_s + estimate > limit_s:
                return (
                    f"budget_minutes: {elapsed_s:.1f} s elapsed + {estimate:.1f} s a run "
                    f"> {limit_s:g} s"
                )
        return None
