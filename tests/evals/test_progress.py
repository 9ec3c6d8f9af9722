"""`evals.progress`: a bar in a Jupyter kernel, lines elsewhere."""

from __future__ import annotations

import io
from typing import Any

import IPython
import pytest

from realtime_widget.evals import progress


def row(status: str, **extra: Any) -> dict[str, Any]:
    base = {"scenario": "s", "variant": "v", "repeat": 0, "status": status}
    base.update(
        {
            "checks": 2,
            "checks_passed": 1,
            "duration_s": 1.25,
            "cost_usd": 0.5,
            "error": "",
            "skip_reason": "",
        }
    )
    base.update(extra)
    return base


def test_lines_outside_a_kernel() -> None:
    assert not progress.in_kernel()
    out = io.StringIO()
    lines = progress.Lines(3, out)
    lines.run_done(row("completed"))
    lines.run_done(row("error", error="401"))
    lines.run_done(row("skipped", skip_reason="budget_usd: …"))
    lines.close("done")
    assert out.getvalue().splitlines() == [
        "[1/3] s × v #0: 1/2 checks passed (1.2 s, $0.5000)",
        "[2/3] s × v #0: error: 401",
        "[3/3] s × v #0: skipped (budget_usd: …)",
        "done",
    ]
    assert isinstance(progress.make_progress(False, 3), progress.Silent)
    assert isinstance(progress.make_progress(True, 3), progress.Lines)


def test_a_bar_in_a_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    class ZMQInteractiveShell:  # what ipykernel's shell is called
        pass

    shown: list[Any] = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: ZMQInteractiveShell())
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.extend(objs))
    assert progress.in_kernel()
    bar = progress.make_progress(True, 2)
    assert isinstance(bar, progress.Bar) and len(shown) == 1
    bar.run_done(row("completed"))
    bar.run_done(row("error"))
    assert (bar.bar.value, bar.bar.max) == (2, 2)
    assert bar.label.value == "2 / 2 runs, 1 failed"
    bar.close("2 runs in 1.0 s")
    assert bar.bar.bar_style == "warning" and bar.label.value == "2 runs in 1.0 s"
