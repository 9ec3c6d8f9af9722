"""One grid of benchmarks/evals_grid.py, in a process of its own (the "kernel").

    EVALS_BENCH_KEY=sk-... python benchmarks/evals_grid_worker.py \
        --concurrency 8 --repeats 25 --variants 4      # then, on stdin: the URL, "go"

Imports everything, reads the emulator's URL from stdin (so it can import while the emulator
starts), plays a warm-up (each scenario once with the voice variant, so that the tool, text
and audio paths have run and what is loaded on first use is loaded), collects garbage, prints a
`ready` JSON line with its memory (after the imports and after the warm-up), then waits
for a line on stdin (so the parent can read the emulator's CPU time just before the grid),
runs the grid with `evals.run_sync`, collects garbage again with the result still held (a
kernel keeps it) and prints a `done` JSON line: wall time, the runs' durations, counts, this
process's CPU seconds over the grid, its RSS and the Python objects the collector tracks.
A fresh process per grid, so the memory at the end is that grid's alone. `--profile FILE`
runs the grid under cProfile and writes its stats there (the times are then inflated).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _proc_stats import cpu_seconds, rss_mb, run_queue_wait_s

from realtime_widget import evals

KEY_VARIABLE = "EVALS_BENCH_KEY"
#: A reply takes a few hundred ms here; a minute means something is stuck, not slow.
TIMEOUT_S = 60.0


def stock_level(fruit: str) -> int:
    """Units of a fruit in stock."""
    return {"pears": 12, "apples": 40}.get(fruit, 0)


SCENARIOS = [
    evals.Scenario(
        "stock",
        turns=["How many pears are in stock? Check the stock level."],
        expect=[evals.tool_called("stock_level", {"fruit": "pears"}), evals.contains("12")],
    ),
    evals.Scenario(
        "greeting",
        turns=["Hello there", "Goodbye"],
        expect=[evals.contains("Hello", turn=0), evals.tool_not_called(turn="all")],
    ),
]
#: Text replies but for "voice" (its audio comes as output_audio.delta events to decode).
VARIANTS: dict[str, dict[str, Any]] = {
    "brief": {"instructions": "Be brief.", "output_modalities": "text"},
    "voice": {"instructions": "Be brief.", "voice": "marin"},
    "formal": {"instructions": "Answer formally.", "output_modalities": "text"},
    "commit": {"turn_detection": None, "output_modalities": "text"},
}

WARM_UP_VARIANT = "voice"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def memory() -> dict[str, float]:
    """RSS, and what Python still holds: objects the collector tracks, and every block of
    Python's allocator (strings and numbers too); after a full collection."""
    gc.collect()
    return {
        "rss_mb": rss_mb(),
        "gc_objects": float(len(gc.get_objects())),
        "blocks": float(sys.getallocatedblocks()),
    }


def emit(kind: str, **fields: Any) -> None:
    print(json.dumps({"kind": kind, **fields}), flush=True)


def run_grid(
    args: argparse.Namespace,
    key: str,
    out_dir: Path,
    *,
    repeats: int,
    concurrency: int,
    warm_up: bool = False,
) -> evals.EvalResult:
    # The warm-up: both scenarios with the voice, so the tool, text and audio paths have run.
    names = [WARM_UP_VARIANT] if warm_up else list(VARIANTS)[: args.variants]
    return evals.run_sync(
        SCENARIOS,
        {name: VARIANTS[name] for name in names},
        repeats=repeats,
        concurrency=concurrency,
        tools=[stock_level],
        api_key=key,
        base_url=args.base_url,
        out_dir=out_dir,
        timeout_s=TIMEOUT_S,
        progress=False,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--repeats", type=int, required=True)
    parser.add_argument("--variants", type=int, default=len(VARIANTS), choices=range(1, 5))
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the grid here")
    args = parser.parse_args()
    key = os.environ.get(KEY_VARIABLE, "")
    if not key:
        parser.error(f"set {KEY_VARIABLE} to the emulator's key")

    with tempfile.TemporaryDirectory(prefix="rtw-evals-grid-") as tmp:
        imported = memory()
        args.base_url = sys.stdin.readline().strip()  # the emulator's http://127.0.0.1:PORT
        warm = run_grid(args, key, Path(tmp) / "warm-up", repeats=1, concurrency=1, warm_up=True)
        warm_errors = int((warm.runs["status"] != "completed").sum())
        del warm
        start = memory()
        emit(
            "ready",
            rss_import_mb=imported["rss_mb"],
            warm_up_errors=warm_errors,
            **start,
        )
        sys.stdin.readline()  # the parent's go, once it has read the emulator's CPU time
        profiler = cProfile.Profile() if args.profile else None
        cpu0, wait0, t0 = cpu_seconds(), run_queue_wait_s(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        result = run_grid(
            args, key, Path(tmp) / "out", repeats=args.repeats, concurrency=args.concurrency
        )
        if profiler is not None:
            profiler.disable()
        wall = time.perf_counter() - t0
        cpu1, wait1 = cpu_seconds(), run_queue_wait_s()
        if profiler is not None:
            profiler.dump_stats(str(args.profile))
        end = memory()  # `result` is still referenced: a kernel keeps it
        runs = result.runs
        errors = sorted({str(e) for e in runs.loc[runs["status"] == "error", "error"]})
        emit(
            "done",
            concurrency=args.concurrency,
            runs=len(runs),
            completed=int((runs["status"] == "completed").sum()),
            errored=int((runs["status"] == "error").sum()),
            skipped=int((runs["status"] == "skipped").sum()),
            passed=int(runs["passed"].fillna(False).astype(bool).sum()),
            wall_s=wall,
            run_s=float(runs["duration_s"].fillna(0.0).sum()),
            run_s_median=float(runs["duration_s"].median()),
            run_s_max=float(runs["duration_s"].max()),
            grid_wall_s=float(result.meta["wall_s"]),
            cpu_s=cpu1 - cpu0,
            cpu_wait_s=wait1 - wait0,
            rss_import_mb=imported["rss_mb"],
            rss_start_mb=start["rss_mb"],
            rss_end_mb=end["rss_mb"],
            rss_peak_mb=peak_rss_mb(),
            gc_objects_start=start["gc_objects"],
            gc_objects_end=end["gc_objects"],
            blocks_start=start["blocks"],
            blocks_end=end["blocks"],
            errors=errors[:3],
        )
        del result
    return 0


if __name__ == "__main__":
    sys.exit(main())
