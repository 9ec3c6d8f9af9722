"""The analysis notebook's code runs on the shipped session; the benchmark's --smoke mode runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_analysis_notebook_cells_run(monkeypatch: pytest.MonkeyPatch) -> None:
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
    assert "x floor" in out and "events/s" in out
    for name in ("transcript", "usage", "latency", "events", "sessions"):
        assert name in out
