"""Benchmark (issue 15): an `evals.run` grid of 200 short runs at concurrency 1, 8 and 32.

The emulator runs in a process of its own (benchmarks/evals_grid_emulator.py: a free port on
127.0.0.1, a key made up for this run, fast pacing) and each grid in a fresh process
(benchmarks/evals_grid_worker.py), so that process is the "kernel" (the client side alone)
and its memory at the end is that grid's. The grid: 2 scenarios (one with a tool call, one
of two text turns) × 4 variants (three with text replies, one with a voice) × 25 repeats.

Printed per concurrency: wall time, the sum of the runs' durations, wall ÷ sum (its inverse
is how many runs were in flight on average), runs/s, completed / errored runs, the CPU
seconds of the client and of the emulator over the grid (what limits the speed-up on this
machine), and the client's RSS at the end after a full collection, its growth over the
start (measured after one warm-up round) and per run. Then the speed-ups, wall@1 ÷ wall@c,
taken in this run. Nothing passes or fails on a time.

    .venv/bin/python benchmarks/evals_grid.py            # full: 200 runs at 1, 8, 32
    .venv/bin/python benchmarks/evals_grid.py --smoke    # 12 runs at 1 and 4 (CI)
    .venv/bin/python benchmarks/evals_grid.py --rounds 2 # each concurrency twice, alternating
    .venv/bin/python benchmarks/evals_grid.py --profile 8  # cProfile of that grid's client
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import pstats
import secrets
import selectors
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _proc_stats import cpu_seconds, run_queue_wait_s  # noqa: E402
from _processes import stop_process  # noqa: E402

REPO = HERE.parent
KEY_VARIABLE = "EVALS_BENCH_KEY"
START_TIMEOUT_S = 120.0
GRID_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Plan:
    concurrencies: tuple[int, ...]
    repeats: int
    variants: int

    @property
    def runs(self) -> int:
        return 2 * self.variants * self.repeats  # 2 scenarios


FULL = Plan((1, 8, 32), repeats=25, variants=4)  # 2 × 4 × 25 = 200 runs
SMOKE = Plan((1, 4), repeats=3, variants=2)  # 2 × 2 × 3 = 12 runs


def order(concurrencies: Sequence[int], rounds: int) -> list[int]:
    """Each round in turn forwards and backwards (1 8 32, 32 8 1, ...): every concurrency
    has the same mean position, so a machine getting busier over the run favours none."""
    out: list[int] = []
    for r in range(rounds):
        out += list(concurrencies) if r % 2 == 0 else list(reversed(concurrencies))
    return out


# -- processes --------------------------------------------------------------------------------


def environment(key: str) -> dict[str, str]:
    # No OpenAI key or base URL from the caller's environment reaches either process.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.pop("REALTIME_WIDGET_BASE_URL", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env[KEY_VARIABLE] = key
    return env


def read_line(stream: IO[str], timeout_s: float, what: str) -> str:
    """The next line of a child's stdout, or an error after `timeout_s` or at its end."""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout_s):
            raise TimeoutError(f"no {what} within {timeout_s:g} s")
    line = stream.readline()
    if not line:
        raise RuntimeError(f"the process ended before {what}")
    return line


class EmulatorProcess:
    """The emulator's process; `url()` waits for the address it prints first."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self._url: str | None = None

    def url(self) -> str:
        if self._url is None:
            assert self.proc.stdout is not None
            line = read_line(self.proc.stdout, START_TIMEOUT_S, "the emulator's URL")
            self._url = next((w for w in line.split() if w.startswith("http://")), None)
            if self._url is None:
                raise RuntimeError(f"the emulator printed {line.strip()!r}, not its URL")
        return self._url

    def cpu_s(self) -> tuple[float, float]:
        """(CPU seconds, seconds waiting for a CPU) so far."""
        return cpu_seconds(self.proc.pid), run_queue_wait_s(self.proc.pid)


@contextlib.contextmanager
def emulator(key: str, log: IO[str]) -> Iterator[EmulatorProcess]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "evals_grid_emulator.py")],
        cwd=REPO,
        env=environment(key),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        yield EmulatorProcess(proc)
    finally:
        stop_process(proc)
        if proc.stdout is not None:
            proc.stdout.close()


def grid(
    plan: Plan, concurrency: int, emu: EmulatorProcess, key: str, log: IO[str], profile: Path | None
) -> dict[str, Any]:
    """One grid in a fresh worker process; its `done` record plus the emulator's CPU time.
    The worker imports while the emulator may still be starting (the first grid's)."""
    args = [
        sys.executable,
        str(HERE / "evals_grid_worker.py"),
        "--concurrency",
        str(concurrency),
        "--repeats",
        str(plan.repeats),
        "--variants",
        str(plan.variants),
    ]
    if profile is not None:
        args += ["--profile", str(profile)]
    proc = subprocess.Popen(
        args,
        cwd=REPO,
        env=environment(key),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(emu.url() + "\n")
        proc.stdin.flush()
        ready = json.loads(read_line(proc.stdout, START_TIMEOUT_S, "the worker's ready line"))
        emu_cpu0, load0 = emu.cpu_s(), os.getloadavg()[0]
        proc.stdin.write("go\n")
        proc.stdin.flush()
        done = json.loads(read_line(proc.stdout, GRID_TIMEOUT_S, "the end of the grid"))
        emu_cpu1 = emu.cpu_s()
        proc.wait(timeout=60)
    finally:
        stop_process(proc)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
    return {
        **done,
        "rss_import_mb": ready["rss_import_mb"],
        "warm_up_errors": ready["warm_up_errors"],
        "emulator_cpu_s": emu_cpu1[0] - emu_cpu0[0],
        "emulator_wait_s": emu_cpu1[1] - emu_cpu0[1],
        "load_1min": load0,
    }


# -- figures ----------------------------------------------------------------------------------


def timing_table(grids: Sequence[dict[str, Any]]) -> str:
    head = (
        f"{'conc':>4} {'runs':>5} {'done':>5} {'err':>4} {'wall s':>7} {'Σ run s':>8} "
        f"{'wall÷Σ':>7} {'Σ÷wall':>7} {'runs/s':>7} {'run p50 s':>9} {'run max s':>9} {'load':>5}"
    )
    rows = [
        f"{g['concurrency']:>4} {g['runs']:>5} {g['completed']:>5} {g['errored']:>4} "
        f"{g['wall_s']:>7.1f} {g['run_s']:>8.1f} {g['wall_s'] / g['run_s']:>7.3f} "
        f"{g['run_s'] / g['wall_s']:>7.2f} {g['runs'] / g['wall_s']:>7.2f} "
        f"{g['run_s_median']:>9.2f} {g['run_s_max']:>9.2f} {g['load_1min']:>5.1f}"
        for g in grids
    ]
    return "\n".join([head, *rows])


def cpu_table(grids: Sequence[dict[str, Any]]) -> str:
    head = (
        f"{'conc':>4} {'client CPU s':>12} {'/wall':>6} {'ms/run':>6} {'waited':>6} "
        f"{'emulator CPU s':>14} {'/wall':>6} {'ms/run':>6} {'waited':>6} {'of 2 cores':>10}"
    )
    rows = []
    for g in grids:
        client, emu, wall, n = g["cpu_s"], g["emulator_cpu_s"], g["wall_s"], g["runs"]
        rows.append(
            f"{g['concurrency']:>4} {client:>12.1f} {client / wall:>6.2f} "
            f"{client / n * 1e3:>6.0f} {g['cpu_wait_s'] / wall:>6.2f} {emu:>14.1f} "
            f"{emu / wall:>6.2f} {emu / n * 1e3:>6.0f} {g['emulator_wait_s'] / wall:>6.2f} "
            f"{(client + emu) / wall / 2:>10.0%}"
        )
    return "\n".join([head, *rows])


def memory_table(grids: Sequence[dict[str, Any]]) -> str:
    head = (
        f"{'conc':>4} {'imports MB':>10} {'start MB':>8} {'end MB':>7} {'peak MB':>7} "
        f"{'growth MB':>9} {'KB/run':>6} {'objects +':>9} {'/run':>5} {'blocks +':>9} {'/run':>5}"
    )
    rows = []
    for g in grids:
        growth = g["rss_end_mb"] - g["rss_start_mb"]
        objects = g["gc_objects_end"] - g["gc_objects_start"]
        blocks = g["blocks_end"] - g["blocks_start"]
        n = g["runs"]
        rows.append(
            f"{g['concurrency']:>4} {g['rss_import_mb']:>10.1f} {g['rss_start_mb']:>8.1f} "
            f"{g['rss_end_mb']:>7.1f} {g['rss_peak_mb']:>7.1f} {growth:>9.1f} "
            f"{growth * 1024 / n:>6.0f} {objects:>9,.0f} {objects / n:>5,.0f} "
            f"{blocks:>9,.0f} {blocks / n:>5,.0f}"
        )
    return "\n".join([head, *rows])


def median_wall(grids: Sequence[dict[str, Any]], concurrency: int) -> float:
    return float(statistics.median(g["wall_s"] for g in grids if g["concurrency"] == concurrency))


def speed_ups(grids: Sequence[dict[str, Any]], concurrencies: Sequence[int]) -> list[str]:
    base, rounds = concurrencies[0], sum(1 for g in grids if g["concurrency"] == concurrencies[0])
    note = f" (median of {rounds} rounds)" if rounds > 1 else ""
    out = []
    for c in concurrencies[1:]:
        ratio = median_wall(grids, base) / median_wall(grids, c)
        out.append(
            f"speed-up wall@{base} ÷ wall@{c}: {ratio:.2f}x{note} "
            f"(ideal {c}x; {ratio / c:.0%} of it)"
        )
    return out


def outside_runs(grids: Sequence[dict[str, Any]], concurrency: int) -> list[str]:
    """At concurrency 1 the runs follow one another: what the wall has beyond their sum is
    the runner's own work per run, outside duration_s (reading its turns from the log, the
    checks, the rows, starting the next session)."""
    out = []
    for g in grids:
        if g["concurrency"] == concurrency == 1:
            gap = g["wall_s"] - g["run_s"]
            out.append(
                f"outside the runs at concurrency 1: {gap:.1f} s, {gap / g['runs'] * 1e3:.0f} ms "
                "per run (the runner reading each run after its duration_s ends)"
            )
    return out


def ceiling(grids: Sequence[dict[str, Any]]) -> list[str]:
    """The most runs per second one core could give the client at its CPU cost per run
    (the least of the grids'), against the best measured."""
    per_run = min(g["cpu_s"] / g["runs"] for g in grids)
    best = max(grids, key=lambda g: g["runs"] / g["wall_s"])
    return [
        f"client CPU per run {per_run * 1e3:.0f} ms at least: one core gives at most "
        f"{1 / per_run:.1f} runs/s; measured at best {best['runs'] / best['wall_s']:.2f} runs/s "
        f"(concurrency {best['concurrency']})"
    ]


def limit(g: dict[str, Any]) -> str:
    """What held the grid back, from each process's CPU time and its time waiting for a
    CPU (runnable, while other processes had both cores), per wall second."""
    wall = g["wall_s"]
    client, client_wait = g["cpu_s"] / wall, g["cpu_wait_s"] / wall
    emu, emu_wait = g["emulator_cpu_s"] / wall, g["emulator_wait_s"] / wall
    figures = (
        f"client ran {client:.2f} and waited for a core {client_wait:.2f} s per wall s, "
        f"the emulator {emu:.2f} and {emu_wait:.2f}"
    )
    client_share = client + client_wait  # of the wall time, the client's loop had work
    if client_share >= 0.85:
        busy = "ran" if client >= 2 * client_wait else "was ready to run"
        return (
            f"the client: its one event loop {busy} nearly all the time ({figures}); "
            "more runs in flight cannot go faster than that one core"
            + ("; a quieter machine would give it more" if client_wait >= 0.15 else "")
        )
    if emu + emu_wait >= 0.85:
        return f"the emulator's one event loop ({figures})"
    if client_share >= 0.5:
        return (
            f"mostly the client's CPU: its loop had work {client_share:.0%} of the wall time "
            f"({figures}); the rest is waiting on the emulator, pacing and connects"
        )
    return (
        f"neither process is CPU-bound ({figures}): the rest is waiting (pacing, connects, timers)"
    )


def report(grids: Sequence[dict[str, Any]], plan: Plan, seconds: float) -> str:
    errors = sorted({e for g in grids for e in g["errors"]})
    lines = [
        f"evals grid: 2 scenarios × {plan.variants} variants × {plan.repeats} repeats = "
        f"{plan.runs} runs per grid, at concurrency {', '.join(map(str, plan.concurrencies))}; "
        "each grid in a fresh client process, the emulator in its own (fast pacing); "
        f"{os.cpu_count()} cores; {seconds:.0f} s in all",
        "",
        "Timing (Σ run s = the sum of the runs' duration_s; wall÷Σ is 1/runs in flight):",
        timing_table(grids),
        "",
        "CPU over the grid (client = this grid's process: evals, RealtimeSession, the SDK's "
        "WebSocket; emulator = its process; /wall = CPU s per wall s; waited = s per wall s "
        "runnable but without a core, taken by other processes):",
        cpu_table(grids),
        "",
        "Client memory (RSS after a full collection; start = after the warm-up, end = with "
        "the result still held; objects = tracked by the collector, blocks = Python's "
        "allocator, strings included: what is still held, where RSS also keeps the peak):",
        memory_table(grids),
        "",
        *speed_ups(grids, plan.concurrencies),
        *outside_runs(grids, plan.concurrencies[0]),
        *ceiling(grids),
        *[f"limit at concurrency {g['concurrency']}: {limit(g)}" for g in grids],
    ]
    warm = sum(g["warm_up_errors"] for g in grids)
    if warm:
        lines.append(f"warm-up runs that failed: {warm}")
    if errors:
        lines.append("errors: " + " | ".join(errors[:3]))
    return "\n".join(lines)


def profile_report(path: Path, rows_shown: int = 15) -> str:
    """The package's functions with the most self time in the profiled grid, then the
    heaviest of all (the SDK's, pandas', the standard library's)."""
    stats = pstats.Stats(str(path))
    entries: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    everything = [
        (tt, ct, calls, file, f"{Path(file).name}:{line} {name}")
        for (file, line, name), (_cc, calls, tt, ct, _callers) in entries.items()
    ]
    everything.sort(key=lambda r: r[0], reverse=True)
    total = sum(r[0] for r in everything)
    ours = [r for r in everything if "realtime_widget/" in r[3]]
    package = sum(r[0] for r in ours)

    def table(rows: Sequence[tuple[float, float, int, str, str]]) -> list[str]:
        head = f"{'self s':>7} {'cumul s':>8} {'calls':>9}  function"
        body = [f"{tt:>7.2f} {ct:>8.2f} {n:>9,}  {fn}" for tt, ct, n, _f, fn in rows]
        return [head, *body]

    return "\n".join(
        [
            f"cProfile of the client: {total:.1f} s of self time, {package:.1f} s "
            f"({package / total:.0%}) in realtime_widget; its top {rows_shown} by self time:",
            *table(ours[:rows_shown]),
            "",
            f"the top {rows_shown} of all by self time:",
            *table(everything[:rows_shown]),
            "",
            f"realtime_widget's top {rows_shown} by cumulative time:",
            *table(sorted(ours, key=lambda r: r[1], reverse=True)[:rows_shown]),
        ]
    )


def check_figures(grids: Sequence[dict[str, Any]]) -> int:
    """1 (and why, on stderr) when a grid had a failed run or a figure that is not positive."""
    bad = [
        f"concurrency {g['concurrency']}: {g['errored']} failed, {g['skipped']} skipped runs"
        for g in grids
        if g["completed"] != g["runs"]
    ]
    bad += [
        f"concurrency {g['concurrency']}: a figure is not a positive number"
        for g in grids
        if not all(math.isfinite(x) and x > 0 for x in (g["wall_s"], g["run_s"], g["rss_end_mb"]))
    ]
    for line in bad:
        print(f"evals_grid: {line}", file=sys.stderr)
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="12 runs at concurrency 1 and 4")
    parser.add_argument("--rounds", type=int, default=1, help="grids per concurrency")
    parser.add_argument(
        "--profile", type=int, metavar="C", help="only: the grid at concurrency C under cProfile"
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be >= 1")
    plan = SMOKE if args.smoke else FULL
    key = f"sk-evalsbench-{secrets.token_hex(12)}"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rtw-evals-bench-") as tmp:
        log_path = Path(tmp) / "stderr.log"
        with log_path.open("w") as log:
            try:
                with emulator(key, log) as emu:
                    if args.profile is not None:
                        stats = Path(tmp) / "grid.prof"
                        g = grid(plan, args.profile, emu, key, log, stats)
                        print(timing_table([g]))
                        print(profile_report(stats))
                        return 0
                    grids = []
                    for c in order(plan.concurrencies, args.rounds):
                        grids.append(grid(plan, c, emu, key, log, None))
            except Exception:
                log.flush()
                sys.stderr.write(log_path.read_text()[-4000:])
                raise
    print(report(grids, plan, time.monotonic() - started))
    return check_figures(grids)


if __name__ == "__main__":
    sys.exit(main())
