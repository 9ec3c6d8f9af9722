"""Run every benchmark in one JupyterLab + Chromium session and write benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/run_all.py            # full (~12 min on 2 cores)
    .venv/bin/python benchmarks/run_all.py --smoke    # small runs (~2 min), for CI
    .venv/bin/python benchmarks/run_all.py --smoke --out /tmp/results.md

Full mode writes benchmarks/RESULTS.md unless --out is given; smoke mode writes only to --out
(so a CI smoke run never replaces the real figures). Absolute times on a shared machine are
noisy: the load average is recorded, and comparisons are ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata as md
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import connect
import delivery
import delivery_hosts
import frontend
from _session import REPO, session

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "RESULTS.md"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return md.version(package)
    except md.PackageNotFoundError:
        return "-"


def _git_commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    )
    return out.stdout.strip() or "-"


SCRIPT_TIMEOUT_S = 600


def _script(name: str, smoke: bool) -> tuple[int | str, str]:
    """Run another benchmark script (its own process); (exit code, its output). A script
    that hangs is killed after SCRIPT_TIMEOUT_S and reported, with what it printed, instead
    of ending the whole run without a RESULTS.md."""
    path = HERE / name
    args = [sys.executable, str(path)] + (["--smoke"] if smoke else [])
    try:
        done = subprocess.run(
            args, cwd=REPO, capture_output=True, text=True, timeout=SCRIPT_TIMEOUT_S
        )
    except subprocess.TimeoutExpired as exc:
        parts = [p.decode() if isinstance(p, bytes) else p for p in (exc.stdout, exc.stderr)]
        printed = "".join(p for p in parts if p).strip()
        return f"killed after {SCRIPT_TIMEOUT_S} s", printed or "(nothing printed)"
    return done.returncode, (done.stdout + done.stderr).strip()


def _fmt(value: Any, spec: str, suffix: str = "") -> str:
    return "n/a" if value is None else f"{value:{spec}}{suffix}"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


SESSIONS_INTRO = (
    "N `RealtimeSession`s in one asyncio process (a fresh process per run), all connected "
    "at once, each doing scripted text turns against the emulator in its own process (so "
    "the CPU measured is the client side only), vs the thinnest client written with the "
    "same SDK: `sdk-raw` reads frames with `recv_bytes()` + `json.loads` (the decoding the "
    "session does too, so session ÷ sdk-raw is the session's own overhead per event), "
    "`sdk-typed` with `recv()` (an SDK pydantic model per event, the loop of the SDK's "
    "examples). Runs alternate per N so that drift falls on every client."
)


def markdown(ctx: dict[str, Any]) -> str:
    d, c, f = ctx["delivery"], ctx["connect"], ctx["frontend"]
    sustained, p95, vs_list = d["sustained_events_per_s"], d["paced_p95_ms"], d["vs_list_ratio"]
    gz_kb = f["total_gzip"] / 1024
    rows = [
        (
            f"delivery, sustained (in-page source, {_fmt(d['sustained_n'], ',')} events)",
            f"{_fmt(sustained, ',.0f')} events/s",
            ">= 25,000 events/s",
            _fmt(None if sustained is None else sustained / 25_000, ".2f", "x"),
            _verdict(None if sustained is None else sustained >= 25_000),
        ),
        (
            f"delivery p95 at {d['paced_rate']} (network source)",
            f"{_fmt(p95, '.0f')} ms",
            "< 100 ms",
            _fmt(None if p95 is None else p95 / 100, ".2f", "x"),
            _verdict(None if p95 is None else p95 < 100),
        ),
        (
            f"widget vs naive List trait at {_fmt(d['vs_list_n'], ',')} events",
            f"{_fmt(vs_list, '.1f', 'x')}",
            ">= 50x",
            _fmt(None if vs_list is None else vs_list / 50, ".2f", "x"),
            _verdict(None if vs_list is None else vs_list >= 50),
        ),
        (
            "connect, widget / plain page (median)",
            f"{_fmt(c['ratio'], '.2f', 'x')}",
            "<= 1.2x",
            _fmt(None if c["ratio"] is None else c["ratio"] / 1.2, ".2f", "x"),
            _verdict(None if c["ratio"] is None else c["ratio"] <= 1.2),
        ),
        (
            "front end, gzip total",
            f"{gz_kb:.1f} KB",
            "< 40 KB",
            f"{gz_kb / 40:.2f}x",
            _verdict(gz_kb < 40),
        ),
    ]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `benchmarks/run_all.py{' --smoke' if ctx['smoke'] else ''}` "
        f"on {ctx['date']} (commit {ctx['commit']}), in {ctx['seconds']:.0f} s.",
        "",
        "## Machine",
        "",
        f"- {ctx['cpu']}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        f"- load average at start {ctx['load_start']}, at end {ctx['load_end']} "
        "(a shared machine: absolute times are noisy, ratios are taken in the same run)",
        f"- Python {platform.python_version()}, Chromium {ctx['chromium']}, "
        + ", ".join(f"{p} {_version(p)}" for p in ctx["packages"]),
        "",
        "## Targets",
        "",
        "| what | measured | target | measured / target | |",
        "|---|---|---|---|---|",
        *[f"| {a} | {b} | {t} | {r} | {v} |" for a, b, t, r, v in rows],
        "",
        "## 1. Event delivery, emulator/page → Chromium → kernel (real JupyterLab)",
        "",
        "### Widget vs the naive baselines, by number of events",
        "",
        "In-page source, as fast as possible; every receiver at every size in this run, "
        "one page and kernel, in alternating order (ABCD, DCBA, ...), each run after a full "
        "garbage collection in the page and the kernel, before any other delivery run. "
        "events/s as in the table below; widget ÷ baseline is the ratio of "
        "events/s at the same size. The baselines (benchmarks/kernel_side.py): "
        "per-message = one custom message per event; list-trait = a synced List trait "
        "appended and saved per event; list-trait/frame = the same List trait, appended "
        "per event and saved at most once per animation frame (the whole list each time).",
        "",
        "```",
        delivery.curve_table(d["curve"]),
        "```",
        "",
        "### Every run",
        "",
        "Delay: send time → the kernel's `time.time()` once the event is handled (for the "
        "widget: after its batch is in `w.conversation`). Send time is the emulator's "
        "`time.time()` (network) or the page's `Date.now()` (in-page): one wall clock, "
        "same machine. events/s = events / (first send → last kernel arrival). source/s = "
        "how fast the sender managed to send (the emulator's aiortc data channel is the "
        "ceiling for network runs).",
        "",
        "```",
        delivery.HEADER,
        *[delivery.format_row(delivery.Run(**r)) for r in d["runs"]],
        "```",
        "",
        "### The widget in marimo vs JupyterLab (benchmarks/delivery_hosts.py)",
        "",
        "The widget alone, the same bench emulator and sources as above, a JupyterLab page "
        "and a `marimo run` page in the same Chromium, each host with the default batching "
        "(50 ms / 200 events) and a large one (100 ms / 1,000 events), in alternating order "
        "per size. marimo hands each `model.send` to its kernel as its own HTTP request "
        "(JupyterLab: a message on the kernel's WebSocket): batches = the `events` messages "
        "the kernel received in the run, so in marimo its HTTP requests. Ratios are events/s "
        "(or p95) of the same step.",
        "",
        "```",
        delivery_hosts.HEADER,
        *[delivery_hosts.format_row(r) for r in ctx["delivery_hosts"]],
        "",
        delivery_hosts.ratio_table(ctx["delivery_hosts"]),
        "```",
        "",
        "## 2. Connect → session.created (widget modes: in the kernel; plain page: in the page)",
        "",
        f"Median of {c['repeats']} alternating rounds (browser, kernel, sideband, plain; the "
        "order reversed every round) after one warm-up round.",
        "",
        "```",
        connect.table(c),
        "```",
        "",
        "## 3. Kernel-side cost (benchmarks/ingest.py)",
        "",
        "The ratios are a relative cost vs `json.loads` of the same events, not a floor: "
        "`Conversation.ingest` receives events already decoded (as the widget does), so it "
        "can cost less than decoding them.",
        "",
        "```",
        ctx["ingest"],
        "```",
        "",
        "## 4. Front-end weight and first render",
        "",
        "```",
        frontend.table(f),
        "```",
        "",
    ]
    if ctx.get("load") is not None:
        lines += [
            "## 5. Load and fault suite (benchmarks/load.py)",
            "",
            "```",
            ctx["load"],
            "```",
            "",
        ]
    if ctx.get("sessions") is not None:
        lines += [
            "## 6. Concurrent headless sessions (benchmarks/sessions.py)",
            "",
            SESSIONS_INTRO,
            "",
            "```",
            ctx["sessions"],
            "```",
            "",
        ]
    lines += [
        "## 7. Evals grid (benchmarks/evals_grid.py)",
        "",
        "```",
        ctx["evals_grid"],
        "```",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small, fast runs (CI)")
    parser.add_argument("--out", type=Path, help="where to write the Markdown summary")
    args = parser.parse_args()
    out: Path | None = args.out or (None if args.smoke else DEFAULT_OUT)
    started = time.monotonic()
    ctx: dict[str, Any] = {
        "smoke": args.smoke,
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "cpu": _cpu(),
        "load_start": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
        "packages": ["anywidget", "ipykernel", "ipywidgets", "jupyterlab", "aiortc", "pandas"],
    }
    print("== frontend weight", flush=True)
    ctx["frontend"] = frontend.sizes()  # builds first if stale, before the page loads it
    with session() as s:
        ctx["chromium"] = s.browser.version
        print("== event delivery", flush=True)
        print(delivery.HEADER, flush=True)
        ctx["delivery"] = delivery.summary(delivery.run(s, args.smoke))
        print(delivery.curve_table(ctx["delivery"]["curve"]), flush=True)
        print("== event delivery, marimo vs JupyterLab", flush=True)
        print(delivery_hosts.HEADER, flush=True)
        ctx["delivery_hosts"] = delivery_hosts.run(s, args.smoke)
        print(delivery_hosts.ratio_table(ctx["delivery_hosts"]), flush=True)
        print("== connect time", flush=True)
        ctx["connect"] = connect.run(s, args.smoke)
        print(connect.table(ctx["connect"]), flush=True)
        print("== first render", flush=True)
        ctx["frontend"]["first_render_ms"] = frontend.first_render_ms(s, 1 if args.smoke else 5)
    print(frontend.table(ctx["frontend"]), flush=True)
    print("== ingest", flush=True)
    code, text = _script("ingest.py", args.smoke)
    ctx["ingest"] = text if code == 0 else f"ingest.py failed (exit {code}):\n{text}"
    print(ctx["ingest"], flush=True)
    print("== concurrent sessions", flush=True)
    code, text = _script("sessions.py", args.smoke)
    ctx["sessions"] = text if code == 0 else f"sessions.py failed (exit {code}):\n{text}"
    print(ctx["sessions"], flush=True)
    if (HERE / "load.py").exists():
        print("== load", flush=True)
        code, text = _script("load.py", args.smoke)
        ctx["load"] = text if code == 0 else f"load.py failed (exit {code}):\n{text}"
        print(ctx["load"], flush=True)
    print("== evals grid", flush=True)
    code, text = _script("evals_grid.py", args.smoke)
    ctx["evals_grid"] = text if code == 0 else f"evals_grid.py failed (exit {code}):\n{text}"
    print(ctx["evals_grid"], flush=True)
    ctx["load_end"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    ctx["seconds"] = time.monotonic() - started
    text = markdown(ctx)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}", flush=True)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
