"""Per-variant figures of a grid (pure): pass rate with its Wilson interval, latency
quantiles, cost per turn."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

#: The normal quantile of a two-sided 95 % interval.
Z95 = 1.959963984540054


def wilson(passed: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of `passed` successes in `n` trials (NaN, NaN for n = 0);
    unlike p ± z·se it stays within [0, 1] and is not empty at 0/n or n/n."""
    if n <= 0:
        return math.nan, math.nan
    p = passed / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _quantile(values: Sequence[float], q: float) -> float:
    known = np.array([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    return float(np.quantile(known, q)) if known.size else math.nan


def _mean(values: Sequence[float]) -> float:
    known = [v for v in values if v is not None and not math.isnan(v)]
    return math.fsum(known) / len(known) if known else math.nan


SUMMARY_COLUMNS = (
    "runs",
    "errors",
    "skipped",
    "passed",
    "pass_rate",
    "pass_rate_low",
    "pass_rate_high",
    "checks",
    "checks_passed",
    "check_pass_rate",
    "turns",
    "response_ms_median",
    "response_ms_p95",
    "audio_ms_median",
    "audio_ms_p95",
    "cost_per_turn_usd",
    "cost_usd",
)


def summary_frame(
    runs: Sequence[Mapping[str, Any]],
    turns: Sequence[Mapping[str, Any]],
    by: Sequence[str],
    order: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """One row per group of `by` (columns of the runs: "variant", "scenario"), in the
    order the grid gave them. A run passes when it completed and no check of it failed;
    a run that failed (error) counts as not passed; skipped runs do not count."""
    keys = [tuple(r[b] for b in by) for r in runs]
    groups = list(dict.fromkeys(keys))
    rank = {b: {v: i for i, v in enumerate(order.get(b, ()))} for b in by}
    groups.sort(
        key=lambda g: tuple(rank[b].get(v, len(rank[b])) for b, v in zip(by, g, strict=True))
    )
    rows: list[dict[str, Any]] = []
    for group in groups:
        mine = [r for r, k in zip(runs, keys, strict=True) if k == group]
        played = [r for r in mine if r["status"] != "skipped"]
        decided = [r for r in played if r["passed"] is not None]
        passed = sum(1 for r in decided if r["passed"])
        low, high = wilson(passed, len(decided))
        ids = {r["run"] for r in played}
        reached = [t for t in turns if t["run"] in ids and t["reached"]]
        checks = sum(int(r["checks"]) for r in played)
        checks_passed = sum(int(r["checks_passed"]) for r in played)
        rows.append(
            {
                **dict(zip(by, group, strict=True)),
                "runs": len(played),
                "errors": sum(1 for r in played if r["status"] == "error"),
                "skipped": len(mine) - len(played),
                "passed": passed,
                "pass_rate": passed / len(decided) if decided else math.nan,
                "pass_rate_low": low,
                "pass_rate_high": high,
                "checks": checks,
                "checks_passed": checks_passed,
                "check_pass_rate": checks_passed / checks if checks else math.nan,
                "turns": len(reached),
                "response_ms_median": _quantile([t["to_response_ms"] for t in reached], 0.5),
                "response_ms_p95": _quantile([t["to_response_ms"] for t in reached], 0.95),
                "audio_ms_median": _quantile([t["to_audio_ms"] for t in reached], 0.5),
                "audio_ms_p95": _quantile([t["to_audio_ms"] for t in reached], 0.95),
                "cost_per_turn_usd": _mean([t["cost_usd"] for t in reached]),
                "cost_usd": math.fsum(r["cost_usd"] for r in played if r["cost_usd"] is not None),
            }
        )
    columns = [*by, *SUMMARY_COLUMNS]
    frame = pd.DataFrame(rows, columns=columns)
    for name in ("runs", "errors", "skipped", "passed", "checks", "checks_passed", "turns"):
        frame[name] = frame[name].astype("int64")
    return frame.set_index(list(by))
