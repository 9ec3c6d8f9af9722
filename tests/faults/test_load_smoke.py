"""The load benchmark in its small mode: every flood event reaches Python, in order, with no
lost batch (figures are printed by the benchmark; no timing is asserted here)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.faults, pytest.mark.browser]

REPO = Path(__file__).resolve().parents[2]


def test_flood_smoke_is_complete_and_in_order() -> None:
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "load.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    sent = int(re.search(r"events sent:\s+([\d,]+)", out).group(1).replace(",", ""))  # type: ignore[union-attr]
    got = re.search(r"events received in Python:\s+([\d,]+).*lost batches: (\d+)", out)
    assert got is not None, out
    assert int(got.group(1).replace(",", "")) == sent
    assert got.group(2) == "0"
    assert re.search(r"order violations:\s+0\b", out), out
    assert "per-event cost, last/first decile" in out
