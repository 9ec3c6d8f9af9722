"""Benchmark: N concurrent headless `RealtimeSession`s against the emulator vs the SDK alone.

The emulator runs in its own process (benchmarks/bench_emulator.py, a free 127.0.0.1 port,
a key made up for this run, text deltas unpaced), so the CPU time measured is the client
side only. Each run is a fresh process (benchmarks/_sessions_worker.py) with N clients of
one kind, all connected at once, each doing K scripted text turns:

- `session`: `RealtimeSession(api_key=…, base_url=emulator, output_modalities="text")`,
  `await s.send_text(…)` per turn;
- `sdk-raw`: the thinnest client a user writes with the same official SDK,
  `AsyncOpenAI(…).realtime.connect(model=…)`, one `session.update` (text output), then per
  turn `conversation.item.create` + `response.create` and `recv_bytes()` + `json.loads`
  until `response.done`, keeping nothing (the decoding the session does itself, so
  session ÷ sdk-raw is the session's own overhead);
- `sdk-typed`: the same, reading with the SDK's typed `recv()` (what `async for event in
  conn` does: a pydantic model per event), the loop the SDK's examples show.

Per N the runs alternate (session, sdk-raw, sdk-typed, sdk-raw, session) so that drift
(the shared machine, the emulator's growing store of finished calls) falls on all of them;
the figures per client pool its runs. Prints a table and the session ÷ baseline ratios;
nothing passes or fails on a time.

    .venv/bin/python benchmarks/sessions.py            # N = 1, 10, 50; 20 turns each (~2 min)
    .venv/bin/python benchmarks/sessions.py --smoke    # N = 1, 3; 3 turns each
    .venv/bin/python benchmarks/sessions.py --profile  # cProfile of the session at N = 10
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import pstats
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from _processes import stop_process  # noqa: E402

WORKER = HERE / "_sessions_worker.py"
EMULATOR = HERE / "bench_emulator.py"
KEY_ENV = "SESSIONS_BENCH_KEY"  # the worker reads the key here, never from its argv
RUN_TIMEOUT_S = 180.0

BASELINES = ("sdk-raw", "sdk-typed")


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]
    turns: int
    # The order of the runs at each size; a size's list is reversed for the next one.
    order: tuple[str, ...]


FULL = Plan((1, 10, 50), 20, ("session", "sdk-raw", "sdk-typed", "sdk-raw", "session"))
SMOKE = Plan((1, 3), 3, ("session", "sdk-raw", "sdk-typed"))


@dataclass(frozen=True)
class Run:
    """What one worker process measured (its JSON line)."""

    client: str
    n: int
    turns: int  # all clients' turns
    events: int  # server events received during the turns
    connect_s: float  # all N clients connected concurrently
    wall_s: float  # the turns, all clients concurrently
    cpu_s: float  # this process's CPU time during the turns
    rss_before_mb: float
    rss_after_mb: float
    lost: int = 0  # session turns whose reply send_text missed (see the worker)


@dataclass(frozen=True)
class Row:
    """One client kind at one size, its runs pooled."""

    client: str
    n: int
    runs: int
    turns: int
    connect_s: float  # mean over runs
    turns_per_s: float
    cpu_ms_per_turn: float
    cpu_us_per_event: float
    events_per_turn: float
    rss_mb_per_client: float  # mean over runs of (after - before) / N
    lost: int


def pool(runs: Sequence[Run]) -> Row:
    """Pooled figures: totals over totals (each run weighs as much as it measured)."""
    first = runs[0]
    turns = sum(r.turns for r in runs)
    events = sum(r.events for r in runs)
    cpu = sum(r.cpu_s for r in runs)
    wall = sum(r.wall_s for r in runs)
    return Row(
        client=first.client,
        n=first.n,
        runs=len(runs),
        turns=turns,
        connect_s=sum(r.connect_s for r in runs) / len(runs),
        turns_per_s=turns / wall if wall > 0 else math.nan,
        cpu_ms_per_turn=cpu * 1e3 / turns if turns else math.nan,
        cpu_us_per_event=cpu * 1e6 / events if events else math.nan,
        events_per_turn=events / turns if turns else math.nan,
        rss_mb_per_client=sum((r.rss_after_mb - r.rss_before_mb) / r.n for r in runs) / len(runs),
        lost=sum(r.lost for r in runs),
    )


def rows_of(runs: Sequence[Run]) -> list[Row]:
    """One row per (size, client), sizes ascending, the session first."""
    kinds = ("session", *BASELINES)
    keys = sorted({(r.n, r.client) for r in runs}, key=lambda k: (k[0], kinds.index(k[1])))
    return [pool([r for r in runs if (r.n, r.client) == key]) for key in keys]


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 and math.isfinite(a) and math.isfinite(b) else math.nan


def ratios(rows: Sequence[Row]) -> list[tuple[int, str, float, float, float]]:
    """(N, baseline, CPU per event, turns/s, memory per client), each session ÷ baseline."""
    by = {(r.n, r.client): r for r in rows}
    out = []
    for (n, client), base in by.items():
        s = by.get((n, "session"))
        if client in BASELINES and s is not None:
            out.append(
                (
                    n,
                    client,
                    _ratio(s.cpu_us_per_event, base.cpu_us_per_event),
                    _ratio(s.turns_per_s, base.turns_per_s),
                    _ratio(s.rss_mb_per_client, base.rss_mb_per_client),
                )
            )
    return sorted(out, key=lambda r: (r[0], BASELINES.index(r[1])))


def _x(value: float) -> str:
    return f"{value:.2f}x" if math.isfinite(value) else "n/a"


HEADER = (
    f"{'N':>4}  {'client':<10}{'runs':>5}{'turns':>7}{'connect s':>11}{'turns/s':>9}"
    f"{'CPU ms/turn':>13}{'CPU µs/event':>14}{'events/turn':>13}{'RSS MB/client':>15}{'lost':>6}"
)


def table(rows: Sequence[Row]) -> str:
    lines = [HEADER]
    for r in rows:
        lost = str(r.lost) if r.client == "session" else "-"
        lines.append(
            f"{r.n:>4}  {r.client:<10}{r.runs:>5}{r.turns:>7,}{r.connect_s:>11.2f}"
            f"{r.turns_per_s:>9.1f}{r.cpu_ms_per_turn:>13.2f}{r.cpu_us_per_event:>14.1f}"
            f"{r.events_per_turn:>13.1f}{r.rss_mb_per_client:>15.3f}{lost:>6}"
        )
    lines += [
        "",
        "session ÷ baseline, same N, same run (CPU per event: the session's own overhead per "
        "event; turns/s > 1: the session is faster; RSS per client)",
        f"{'N':>4}  {'baseline':<10}{'CPU/event':>11}{'turns/s':>9}{'RSS/client':>12}",
    ]
    for n, base, cpu, speed, mem in ratios(rows):
        lines.append(f"{n:>4}  {base:<10}{_x(cpu):>11}{_x(speed):>9}{_x(mem):>12}")
    lines.append(
        "RSS at N = 1: a baseline client mostly reuses memory its warm-up client freed, so "
        "the per-client memory is read at the larger N."
    )
    if any(r.lost for r in rows):
        lines += [
            "",
            "lost: turns whose response.done reached the session's log while "
            "`await s.send_text()` went on waiting; the benchmark ended each such turn "
            "within 1 s of its response.done (its wall time includes that wait).",
        ]
    return "\n".join(lines)


# -- processes ------------------------------------------------------------------------------


def _environment(key: str) -> dict[str, str]:
    # Nothing of a real account may reach a run: only the made-up key, only the emulator.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.pop("REALTIME_WIDGET_BASE_URL", None)
    env[KEY_ENV] = key
    env["PYTHONUNBUFFERED"] = "1"
    return env


@contextlib.contextmanager
def emulator_process(key: str) -> Iterator[str]:
    """The emulator in its own process, text deltas unpaced; yields its base URL."""
    args = [sys.executable, str(EMULATOR), "--api-key", key, "--text-delta-interval-s", "0"]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            args,
            cwd=REPO,
            env=_environment(key),
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline().decode().strip()
            url = next((w for w in line.split() if w.startswith("http://")), None)
            if url is None:
                stop_process(proc)
                log.seek(0)
                err = log.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"the emulator did not start (printed {line!r}):\n{err}")
            yield url
        finally:
            stop_process(proc)
            if proc.stdout is not None:
                proc.stdout.close()


def run_worker(
    client: str, n: int, turns: int, url: str, key: str, profile: Path | None = None
) -> Run:
    args = [sys.executable, str(WORKER), client, "--n", str(n), "--turns", str(turns)]
    args += ["--url", url] + (["--profile", str(profile)] if profile else [])
    done = subprocess.run(
        args, cwd=REPO, env=_environment(key), capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    last = done.stdout.strip().splitlines()[-1:] if done.stdout.strip() else []
    if done.returncode != 0 or not last:
        raise RuntimeError(
            f"{client} at N={n} failed (exit {done.returncode}):\n"
            f"{(done.stdout + done.stderr)[-3000:]}"
        )
    return Run(**json.loads(last[0]))


def run_line(run: Run) -> str:
    """One run as measured, printed as it ends (the table pools them)."""
    grew = (run.rss_after_mb - run.rss_before_mb) / run.n
    return (
        f"{run.n:>4}  {run.client:<10}{run.turns:>7,}{run.events:>8,}{run.connect_s:>11.2f}"
        f"{run.wall_s:>8.2f}{run.cpu_s:>8.2f}{grew:>15.3f}{run.lost:>6}"
    )


RUN_HEADER = (
    f"{'N':>4}  {'client':<10}{'turns':>7}{'events':>8}{'connect s':>11}{'wall s':>8}"
    f"{'CPU s':>8}{'RSS MB/client':>15}{'lost':>6}"
)


def measure(plan: Plan, url: str, key: str) -> list[Run]:
    """Every run of the plan, in its order; each printed as it ends."""
    print("every run, in order:")
    print(RUN_HEADER, flush=True)
    runs = []
    order = list(plan.order)
    for n in plan.sizes:
        for client in order:
            run = run_worker(client, n, plan.turns, url, key)
            print(run_line(run), flush=True)
            runs.append(run)
        order.reverse()
    return runs


def profile_report(path: Path, limit: int = 15) -> str:
    """The top self-time functions of realtime_widget, then of everything."""
    stats = pstats.Stats(str(path))
    entries: list[tuple[float, float, int, str]] = []
    for (file, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        entries.append((tottime, cumtime, calls, f"{file}:{line}({name})"))
    entries.sort(reverse=True)
    total = sum(e[0] for e in entries)

    def block(title: str, chosen: list[tuple[float, float, int, str]]) -> list[str]:
        out = [title, f"{'self s':>8}{'% all':>7}{'cum s':>8}{'calls':>10}  function"]
        for tottime, cumtime, calls, where in chosen[:limit]:
            short = where.split(str(REPO) + "/", 1)[-1].split("site-packages/", 1)[-1]
            share = 100 * tottime / total if total else 0.0
            out.append(f"{tottime:>8.3f}{share:>7.1f}{cumtime:>8.3f}{calls:>10,}  {short}")
        return out

    ours = [e for e in entries if "/realtime_widget/" in e[3]]
    own = sum(e[0] for e in ours)
    lines = block("realtime_widget, by self time:", ours)
    lines += [f"realtime_widget self time: {own:.3f} s of {total:.3f} s profiled", ""]
    lines += block("everything, by self time:", entries)
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="N = 1, 3 and 3 turns (CI)")
    ap.add_argument("--profile", action="store_true", help="cProfile the session at N = 10")
    args = ap.parse_args()
    key = f"sk-bench-{secrets.token_hex(12)}"
    started = time.monotonic()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    with emulator_process(key) as url:
        if args.profile:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "session.pstats"
                run = run_worker("session", 10, FULL.turns, url, key, profile=path)
                print(
                    f"cProfile of the session worker at N=10, {FULL.turns} turns each "
                    f"(the timed turns only: {run.events:,} server events; under the profiler "
                    f"CPU {run.cpu_s:.2f} s, so {run.cpu_s * 1e6 / run.events:.0f} µs/event)"
                )
                print(profile_report(path))
            return 0
        plan = SMOKE if args.smoke else FULL
        print(
            "N concurrent headless sessions vs the SDK alone, against the emulator in its "
            f"own process (text deltas unpaced); {plan.turns} text turns per client; one "
            f"fresh process per run, per N in the order {', '.join(plan.order)} (reversed "
            "for the next N)"
        )
        print(
            "CPU = the measuring process's time.process_time() during the turns (client "
            "side only); RSS MB/client = VmRSS growth after a GC, before the clients vs "
            "after their turns, / N"
        )
        runs = measure(plan, url, key)
    print()
    print("per client and N, its runs pooled:")
    print(table(rows_of(runs)))
    end = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average {load} at start, {end} at end; {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
