"""Every benchmark runs in its --smoke mode so that none of them rots.

Asserts that each ran to the end and printed a sane table (all events delivered, positive
figures, every connect step present); never a timing threshold (DESIGN.md §6).
"""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from support.sessions_output import ratios as session_ratios

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

REPO = Path(__file__).resolve().parents[2]
RUN_ALL = REPO / "benchmarks" / "run_all.py"

ROW = re.compile(
    r"^(widget|per-message|list-trait/frame|list-trait)\s+(network|in-page)\s+(max|\d+/s)\s+([\d,]+)\s+([\d,]+)\s+"
    r"([\d,]+)\s+([\d,]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$",
    re.MULTILINE,
)
# delivery_hosts.py: host, batching, source, events, arrived, events/s, batches.
HOST_ROW = re.compile(
    r"^(jupyterlab|marimo)\s+(default|large)\s+(network|in-page)\s+(?:max|\d+/s)\s+([\d,]+)\s+"
    r"([\d,]+)\s+([\d,]+)\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+([\d,]+)\s+[\d.]+\s*$",
    re.MULTILINE,
)


@pytest.mark.timeout(420)
def test_run_all_smoke_writes_every_section(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, str(RUN_ALL), "--smoke", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=400,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-4000:]
    # A connect retried or a receiver rebuilt is a recovery, not a failure: shown, not hidden.
    recovered = [ln for ln in log.splitlines() if ln.startswith(("[delivery]", "[connect]"))]
    if recovered:
        warnings.warn("benchmark smoke recovered:\n" + "\n".join(recovered), stacklevel=1)
    text = out.read_text(encoding="utf-8")

    # Delivery: all four receivers ran, and every event reached the kernel.
    rows = ROW.findall(text)
    receivers = {"widget", "per-message", "list-trait", "list-trait/frame"}
    assert {r[0] for r in rows} == receivers, text
    assert {r[1] for r in rows} == {"network", "in-page"}
    for receiver, source, pacing, sent, arrived, per_s, _src, p50, p95, worst in rows:
        assert sent == arrived, f"{receiver}/{source}/{pacing}: {arrived} of {sent} arrived"
        assert int(per_s.replace(",", "")) > 0
        assert 0 < float(p50) <= float(p95) <= float(worst)
    # The curve: one size in the smoke, every receiver's events/s and the three ratios.
    curve = re.search(r"^\s*([\d,]+)((?:\s+[\d,]+){4})((?:\s+[\d.]+x){3})\s*$", text, re.M)
    assert curve, "the widget-vs-baselines table is missing or incomplete"
    assert "widget ÷ list-trait/frame" in text

    # The widget in marimo vs JupyterLab (delivery_hosts.py): every host and batching, each
    # source, every event arrived, and a marimo ÷ JupyterLab ratio per step.
    hosts = HOST_ROW.findall(text)
    assert {(h, b, src) for h, b, src, *_ in hosts} == {
        (h, b, src)
        for h in ("jupyterlab", "marimo")
        for b in ("default", "large")
        for src in ("in-page", "network")
    }, text
    for host, batching, source, sent, arrived, per_s, batches in hosts:
        assert sent == arrived, f"{host}/{batching}/{source}: {arrived} of {sent} arrived"
        assert int(per_s.replace(",", "")) > 0 and int(batches.replace(",", "")) > 0
    ratio_rows = re.findall(
        r"^(?:in-page|network)\s+(?:max|\d+/s)\s+[\d,]+((?:\s+[\d.]+x){6})\s*$", text, re.M
    )
    assert len(ratio_rows) == 2, "the marimo vs JupyterLab ratios are missing or incomplete"

    # Connect: both columns have every step and a total, and the ratio was computed.
    for step in ("secret", "getUserMedia", "offer", "POST SDP", "ICE", "channel open", "total"):
        line = next((ln for ln in text.splitlines() if ln.startswith(step)), None)
        assert line is not None and len(line.split()) >= 3, f"connect step {step!r} missing"
    assert re.search(r"to kernel\s+[\d.]+", text), "the widget's kernel hand-off is not timed"
    # The modes (issue 16): each ratio to the browser widget printed, finite and positive.
    for name in (
        "kernel/browser",
        "sideband/browser (session.created)",
        "sideband-attached/browser session.created",
        "widget/plain",
    ):
        found = re.search(rf"^ratio {re.escape(name)}: (\S+)x", text, re.M)
        assert found, f"connect ratio {name!r} missing"
        assert 0 < float(found[1]) < float("inf"), found[0]
    # One figure, in the sideband column only ([ \t]: the row must not run into the next).
    attached = re.search(r"^sideband attached[ \t]+([\d.]+)[ \t]*$", text, re.M)
    assert attached and float(attached[1]) > 0, "the sideband's attach is not timed"

    # Weight and render, ingest, and the summary table.
    assert re.search(r"widget\.js\s+[\d.]+\s+[\d.]+", text)
    assert re.search(r"first render in JupyterLab .*: \d+ ms", text)
    assert "Conversation.ingest" in text and "ingest.py failed" not in text
    assert "load.py failed" not in text
    # Concurrent headless sessions: every session ÷ baseline ratio, finite and positive.
    assert "sessions.py failed" not in text
    assert "## 6. Concurrent headless sessions" in text
    session_ratios(text, (1, 3))
    assert text.count("| ") >= 5 * 5, "the targets table is incomplete"


@pytest.mark.timeout(120)
def test_evals_grid_smoke_prints_finite_positive_ratios() -> None:
    script = REPO / "benchmarks" / "evals_grid.py"
    done = subprocess.run(
        [sys.executable, str(script), "--smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=110,
    )
    text = done.stdout + done.stderr
    assert done.returncode == 0, text[-4000:]
    number = r"(\S+)"  # any token: float() below reads "nan" and "inf", which then fail
    timing = re.findall(
        rf"^\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+{number}\s+{number}\s+{number}\s+{number}\s+",
        text.split("CPU over the grid")[0],
        re.M,
    )
    assert [row[0] for row in timing] == ["1", "4"], text
    for conc, runs, completed, errored, wall, total, wall_per_sum, in_flight in timing:
        assert runs == completed == "12" and errored == "0", f"concurrency {conc}: {text}"
        for value in (wall, total, wall_per_sum, in_flight):
            assert 0 < float(value) < float("inf"), f"concurrency {conc}: {value}"
    speed_up = re.search(r"^speed-up wall@1 ÷ wall@4: (\S+)x", text, re.M)
    assert speed_up, text
    assert 0 < float(speed_up[1]) < float("inf"), speed_up[0]
    memory = re.findall(
        r"^\s+([14])\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s", text.split("Client memory")[-1], re.M
    )
    assert [m[0] for m in memory] == ["1", "4"] and all(float(m[3]) > 0 for m in memory), text
    assert re.search(r"^limit at concurrency 4: \S", text, re.M), text
