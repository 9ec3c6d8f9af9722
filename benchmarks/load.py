"""Load benchmark (issue 6): an event flood through the real stack, and a 60-minute session.

1. Flood: the emulator sends N `response.output_text.delta` events as fast as its data channel
   takes them (default 100,000) to the real widget JS in headless Chromium, which batches them
   to a real Python `RealtimeWidget` (the fault suite's bridge, tests/faults/bridge.py).
   Prints events sent / received, order violations, the browser's longest main-thread task
   during the flood (PerformanceObserver 'longtask'), and the kernel side's memory per 100k
   events (Python heap kept after the flood, tracemalloc; the in-process emulator keeps
   nothing per event).
2. Session: a simulated 60-minute voice conversation (benchmarks/ingest.py's synthetic
   session, ~105k events) fed through the widget's message path in batches of 200, as the
   browser sends them; prints per-event cost and memory growth of the first vs last decile.

    .venv/bin/python benchmarks/load.py            # full
    .venv/bin/python benchmarks/load.py --smoke    # small and fast (CI)

Figures are measured in one run and printed; nothing here passes or fails on a time.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ingest import synth_session  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from realtime_widget import RealtimeWidget  # noqa: E402
from realtime_widget.emulator import EmulatorThread  # noqa: E402
from tests.faults.bridge import CHROMIUM_ARGS, FAKE_KEY, Bridge, serve_pages  # noqa: E402

FLOOD_PREFIX = "event_flood_"
LONG_TASK_LIMIT_MS = 200.0


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _delta(i: int) -> dict[str, Any]:
    return {
        "type": "response.output_text.delta",
        "event_id": f"{FLOOD_PREFIX}{i:07d}",
        "response_id": "resp_flood",
        "item_id": "item_flood",
        "output_index": 0,
        "content_index": 0,
        "delta": f"w{i} ",
    }


async def _flood(emu: Any, call_id: str, n: int) -> float:
    """On the emulator's loop: a response whose text arrives as n deltas; returns seconds."""
    call = emu.calls[call_id]
    engine, channel = call.engine, call.peer._channel
    rid, iid = "resp_flood", "item_flood"
    item = {
        "id": iid,
        "object": "realtime.item",
        "type": "message",
        "role": "assistant",
        "status": "in_progress",
        "content": [],
    }
    response = {"id": rid, "object": "realtime.response", "status": "in_progress", "output": []}
    engine.inject({"type": "response.created", "response": response})
    engine.inject(
        {"type": "response.output_item.added", "response_id": rid, "output_index": 0, "item": item}
    )
    engine.inject({"type": "conversation.item.added", "previous_item_id": None, "item": item})
    start = time.perf_counter()
    for i in range(n):
        engine.inject(_delta(i))
        if i % 200 == 199:
            # As fast as the channel takes them, without queueing the whole flood in memory.
            while channel is not None and channel.bufferedAmount > 2_000_000:
                await asyncio.sleep(0.002)
            await asyncio.sleep(0)
    elapsed = time.perf_counter() - start
    return elapsed


async def flood(n: int) -> None:
    print(f"== flood: {n:,} text deltas, emulator → Chromium (widget JS) → Python widget")
    pages = serve_pages()
    base = next(pages)
    with EmulatorThread(api_keys=[FAKE_KEY]) as emu:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            b = await Bridge.open(browser, base, emu, muted=True)
            await b.connect()
            await b.page.evaluate("harness.longTasks().length")  # observer is live
            before_tasks = len(await b.page.evaluate("harness.longTasks()"))
            logged_before = len(b.widget.conversation)
            gc.collect()
            rss0 = _rss_mb()
            t0 = time.perf_counter()
            sent_task = asyncio.ensure_future(
                asyncio.wrap_future(
                    asyncio.run_coroutine_threadsafe(
                        _flood(emu.emulator, b.widget.call_id, n), emu._require_loop()
                    )
                )
            )
            send_s = await sent_task
            expected = logged_before + n + 3
            await b.until(
                lambda: len(b.widget.conversation) >= expected, "the flood in Python", 60 + n / 500
            )
            total_s = time.perf_counter() - t0
            gc.collect()
            rss1 = _rss_mb()
            # Let the view settle, then read what the page measured.
            await asyncio.sleep(0.5)
            tasks = (await b.page.evaluate("harness.longTasks()"))[before_tasks:]
            ids = [
                p["event_id"]
                for _t, d, p in b.widget.conversation.raw_events
                if d == "server" and isinstance(p, dict)
                and str(p.get("event_id", "")).startswith(FLOOD_PREFIX)
            ]  # fmt: skip
            violations = sum(
                1 for a, c in itertools.pairwise(ids) if int(c[12:]) != int(a[12:]) + 1
            )
            # textContent, not innerText: a long turn's off-screen blocks are skipped by
            # rendering (content-visibility: auto) but are in the DOM.
            shown = await b.page.locator(".rtw-turn.rtw-assistant .rtw-text").last.evaluate(
                "n => n.textContent"
            )
            await b.disconnect()
            lost = b.widget.lost_batches
            await b.close()
            await browser.close()
    next(pages, None)
    per100k = 100_000 / n
    print(f"events sent:                {n:,} (+3 framing) in {send_s:.2f} s "
          f"({n / send_s:,.0f}/s from the emulator)")  # fmt: skip
    print(f"events received in Python:  {len(ids):,} flood deltas, end to end {total_s:.2f} s "
          f"({len(ids) / total_s:,.0f}/s); lost batches: {lost}")  # fmt: skip
    print(f"order violations:           {violations}")
    longest = max(tasks, default=0.0)
    over = sum(1 for d in tasks if d > LONG_TASK_LIMIT_MS)
    print(f"longest main-thread task:   {longest:.0f} ms ({len(tasks)} long tasks > 50 ms, "
          f"{over} > {LONG_TASK_LIMIT_MS:.0f} ms)")  # fmt: skip
    print(f"view text length:           {len(shown):,} chars (last assistant turn)")
    print(
        f"process RSS per 100k:       {(rss1 - rss0) * per100k:+.1f} MB (kernel side, "
        "emulator and Playwright client together)"
    )
    print(
        f"kernel memory per 100k:     {kernel_heap_per_100k(n):.1f} MB Python heap kept by the "
        "widget for these events (same messages replayed with tracemalloc)"
    )


def _flood_batches(n: int) -> list[str]:
    """The flood as the browser sends it: JSON text of batches of 200 records."""
    out = []
    for seq, start in enumerate(range(0, n, 200)):
        stop = min(n, start + 200)
        recs = [{"t": 1.8e12 + i, "dir": "server", "event": _delta(i)} for i in range(start, stop)]
        out.append(json.dumps({"type": "events", "seq": seq, "events": recs}))
    return out


def _feed(w: RealtimeWidget, text: str) -> int:
    msg = json.loads(text)  # the comm layer's decode, as in a kernel
    w._handle_msg({"content": {"data": {"method": "custom", "content": msg}}, "buffers": []})
    return len(msg["events"])


def kernel_heap_per_100k(n: int) -> float:
    batches = _flood_batches(n)
    w = RealtimeWidget(api_key=FAKE_KEY, base_url="http://127.0.0.1:9")
    w.send = lambda *a, **k: None  # type: ignore[method-assign]
    gc.collect()
    tracemalloc.start()
    heap0 = tracemalloc.get_traced_memory()[0]
    for text in batches:
        _feed(w, text)
    gc.collect()
    kept = tracemalloc.get_traced_memory()[0] - heap0
    tracemalloc.stop()
    w.close()
    return kept / 2**20 * 100_000 / n


def session(minutes: float) -> None:
    events = synth_session(minutes)
    n = len(events)
    print(f"\n== simulated {minutes:g}-minute conversation: {n:,} events through the widget")
    w = RealtimeWidget(api_key=FAKE_KEY, base_url="http://127.0.0.1:9")
    w.send = lambda *a, **k: None  # type: ignore[method-assign]
    # What the browser sends: JSON text of batches of 200 records.
    batches = []
    for seq, start in enumerate(range(0, n, 200)):
        recs = [{"t": t * 1000.0, "dir": d, "event": e} for t, d, e in events[start : start + 200]]
        batches.append(json.dumps({"type": "events", "seq": seq, "events": recs}))
    deciles: list[tuple[float, float, int]] = []  # (seconds, heap bytes, events)
    gc.collect()
    tracemalloc.start()
    for d in range(10):
        chunk = batches[d * len(batches) // 10 : (d + 1) * len(batches) // 10]
        heap0 = tracemalloc.get_traced_memory()[0]
        t0 = time.perf_counter()
        count = sum(_feed(w, text) for text in chunk)
        dt = time.perf_counter() - t0
        deciles.append((dt, tracemalloc.get_traced_memory()[0] - heap0, count))
    tracemalloc.stop()
    t0 = time.perf_counter()
    _ = (w.transcript, w.usage, w.latency, w.cost())
    frames_s = time.perf_counter() - t0
    assert len(w.conversation) == n, (len(w.conversation), n)
    w.close()
    first, last = deciles[0], deciles[-1]
    print("decile  µs/event  KB kept/1k events   (tracemalloc on: absolute µs are inflated)")
    for i, (dt, heap, count) in enumerate(deciles):
        print(f"{i + 1:>6}  {dt / count * 1e6:8.1f}  {heap / 1024 / count * 1000:12.1f}")
    print(f"per-event cost, last/first decile: {(last[0] / last[2]) / (first[0] / first[2]):.2f}x")
    print(
        f"memory per event, last/first decile: {(last[1] / last[2]) / (first[1] / first[2]):.2f}x"
    )
    print(f"DataFrames + cost at the end: {frames_s:.2f} s for {n:,} events")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="small and fast (CI)")
    parser.add_argument("--events", type=int, default=None, help="flood size (100,000)")
    parser.add_argument("--minutes", type=float, default=None, help="session length (60)")
    args = parser.parse_args()
    n = args.events or (3_000 if args.smoke else 100_000)
    minutes = args.minutes or (3.0 if args.smoke else 60.0)
    asyncio.run(flood(n))
    session(minutes)


if __name__ == "__main__":
    main()
