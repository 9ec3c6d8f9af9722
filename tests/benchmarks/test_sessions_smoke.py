"""benchmarks/sessions.py in its --smoke mode: it runs to the end and prints every ratio.

No browser and no JupyterLab (the emulator and the clients are Python processes), so this
runs apart from run_all's smoke test, in ~25 s. Asserts completeness and that each
session ÷ baseline ratio is a finite, positive number; never a timing (DESIGN.md §6).
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from support.sessions_output import BASELINES, CLIENTS, ratios, runs

REPO = Path(__file__).resolve().parents[2]
SESSIONS = REPO / "benchmarks" / "sessions.py"
SMOKE_SIZES = (1, 3)


@pytest.mark.timeout(150)
def test_sessions_smoke_prints_every_ratio_finite_and_positive() -> None:
    done = subprocess.run(
        [sys.executable, str(SESSIONS), "--smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=140,
    )
    text = done.stdout + done.stderr
    assert done.returncode == 0, text[-4000:]

    # Every client ran at every size, and each of its turns received events.
    measured = runs(text)
    assert {(n, c) for n, c, *_ in measured} == {(n, c) for n in SMOKE_SIZES for c in CLIENTS}
    for n, client, turns, events, lost in measured:
        assert turns > 0 and events >= turns, f"{client} at N={n}: {events} events, {turns} turns"
        if lost:
            warnings.warn(f"{client} at N={n}: {lost} turn(s) lost by send_text", stacklevel=1)

    found = ratios(text, SMOKE_SIZES)
    assert set(found) == {(n, b) for n in SMOKE_SIZES for b in BASELINES}
