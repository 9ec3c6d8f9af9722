"""What Linux's /proc says about a process: CPU seconds, time waiting for a CPU, RSS.

Used by benchmarks/evals_grid.py (for the emulator's process) and its worker (for itself).
"""

from __future__ import annotations

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU seconds of a live process (all its threads), from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)"; comm may hold spaces
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def run_queue_wait_s(pid: int | str = "self") -> float:
    """Seconds the process's live threads were runnable but waiting for a CPU (what other
    processes took from it), from /proc/<pid>/task/*/schedstat."""
    waited = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            _ran, wait_ns, _slices = (task / "schedstat").read_text().split()
        except (OSError, ValueError):
            continue  # a thread that ended in between
        waited += int(wait_ns)
    return waited / 1e9


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
