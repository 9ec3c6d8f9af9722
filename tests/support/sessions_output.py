"""Reading what benchmarks/sessions.py printed: its runs and its session ÷ baseline ratios.

Shared by the benchmark smoke tests (sessions.py alone, and its section in run_all's
Markdown), so that both hold the output to the same rules: every client ran at every size,
and every ratio is a finite, positive number.
"""

from __future__ import annotations

import math
import re

CLIENTS = ("session", "sdk-raw", "sdk-typed")
BASELINES = ("sdk-raw", "sdk-typed")
RATIO_HEADER = re.compile(r"^\s*N\s+baseline\s+CPU/event\s+turns/s\s+RSS/client\s*$", re.M)
# N, baseline, then the three ratios as printed ("1.23x", or "n/a" when one was not computed).
RATIO_LINE = re.compile(r"^\s*(\d+)\s+(sdk-raw|sdk-typed)\s+(\S+)\s+(\S+)\s+(\S+)\s*$", re.M)
# N, client, turns, events, connect s, wall s, CPU s, RSS MB/client, lost.
RUN_LINE = re.compile(
    r"^\s*(\d+)\s+(session|sdk-raw|sdk-typed)\s+([\d,]+)\s+([\d,]+)\s+([\d.]+)\s+([\d.]+)"
    r"\s+([\d.]+)\s+(-?[\d.]+)\s+(\d+)\s*$",
    re.M,
)


def _ratio(text: str, what: str) -> float:
    if not text.endswith("x"):
        raise AssertionError(f"{what} is {text!r}, not a ratio like '1.23x'")
    value = float(text[:-1])
    if not (math.isfinite(value) and value > 0):
        raise AssertionError(f"{what} is {text!r}: a ratio must be finite and positive")
    return value


def runs(text: str) -> list[tuple[int, str, int, int, int]]:
    """(N, client, turns, events, lost) of every run printed, in order."""
    return [
        (int(m[0]), m[1], int(m[2].replace(",", "")), int(m[3].replace(",", "")), int(m[8]))
        for m in RUN_LINE.findall(text)
    ]


def ratios(text: str, sizes: tuple[int, ...]) -> dict[tuple[int, str], tuple[float, float, float]]:
    """{(N, baseline): (CPU per event, turns/s, RSS per client)} for every size and baseline;
    AssertionError naming what is missing or not a finite, positive ratio."""
    header = RATIO_HEADER.search(text)
    if header is None:
        raise AssertionError("the session ÷ baseline table is missing:\n" + text[-3000:])
    found: dict[tuple[int, str], tuple[float, float, float]] = {}
    for n, base, cpu, speed, mem in RATIO_LINE.findall(text[header.end() :]):
        where = f"session ÷ {base} at N={n}"
        found[(int(n), base)] = (
            _ratio(cpu, f"{where}, CPU per event"),
            _ratio(speed, f"{where}, turns/s"),
            _ratio(mem, f"{where}, RSS per client"),
        )
    wanted = {(n, b) for n in sizes for b in BASELINES}
    missing = sorted(wanted - set(found))
    if missing:
        raise AssertionError(f"no ratios for {missing}:\n{text[header.start() :]}")
    return found
