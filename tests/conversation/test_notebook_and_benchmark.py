"""The analysis notebook's code runs on the shipped session; the benchmark's --smoke mode runs.

A behaviour test of Conversation's users: notebooks/analysis.ipynb and benchmarks/ingest.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


PLOT_TITLES = ["Tokens per turn", "Cumulative cost (USD, estimate)", "Latency per turn (ms)"]


def test_analysis_notebook_cells_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # matplotlib is in the dev and notebooks extras: the plots run here, headless.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    nb = json.loads((ROOT / "notebooks" / "analysis.ipynb").read_text())
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs", []) == [], "outputs must be cleared"
    monkeypatch.chdir(ROOT / "notebooks")
    shown: list[Any] = []
    ns: dict[str, Any] = {"display": lambda *objs: shown.extend(objs)}
    for src in code:
        exec(compile(src, "analysis.ipynb", "exec"), ns)
    conv = ns["conv"]
    assert len(conv.transcript) == 12
    assert (conv.transcript["status"] == "interrupted").sum() == 1
    assert ns["responses"]["instructions_version"].nunique() == 2
    # Three plots, each on its own figure with its own title (not drawn over one another).
    try:
        figures = [plt.figure(n) for n in plt.get_fignums()]
        titles = [[ax.get_title() for ax in f.axes] for f in figures]
        assert titles == [[t] for t in PLOT_TITLES], titles
        assert shown == [], "with matplotlib the notebook plots instead of showing tables"
    finally:
        plt.close("all")


def test_benchmark_smoke_runs() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "ingest.py"), "--smoke"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    ).stdout
    assert "x the cost of json.loads" in out and "events/s" in out
    for name in ("transcript", "usage", "latency", "events", "sessions"):
        assert name in out
