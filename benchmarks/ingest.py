"""Benchmark: Conversation ingest, its cost relative to json.loads, and DataFrame builds.

Synthetic 60-minute voice session (>= 100,000 events, mostly transcript deltas, GA shapes as
in tests/fixtures). Prints ratios measured in one run; no pass/fail. The ratio to json.loads
of the same events is a relative cost, not a floor: `Conversation.ingest` receives events
already decoded (as the widget hands them over), so it can cost less than decoding them.

    .venv/bin/python benchmarks/ingest.py            # full: 60 minutes, ~105k events
    .venv/bin/python benchmarks/ingest.py --smoke    # tiny and fast (CI)

Targets (issue 4): ingest's relative cost vs json.loads <= 3x; every DataFrame < 1 s.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from realtime_widget.conversation import Conversation, EventRecord

BATCH = 200  # the widget's default batch_max_events


def synth_session(minutes: float) -> list[tuple[float, str, dict[str, Any]]]:
    """One user/assistant exchange every 6 s: ~176 events each, ~140 transcript deltas."""
    out: list[tuple[float, str, dict[str, Any]]] = []
    n = 0
    t = 1.8e9

    def add(direction: str, ev: dict[str, Any], dt: float = 0.02) -> None:
        nonlocal n, t
        n += 1
        ev["event_id"] = f"event_{n}"
        out.append((t, direction, ev))
        t += dt

    add(
        "server",
        {
            "type": "session.created",
            "session": {
                "type": "realtime",
                "model": "gpt-realtime",
                "instructions": "Be helpful.",
                "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}},
            },
        },
    )
    prev: str | None = None
    turns = int(minutes * 60 / 6)
    for k in range(turns):
        u, a, r = f"item_u{k}", f"item_a{k}", f"resp_{k}"
        add(
            "server",
            {"type": "input_audio_buffer.speech_started", "audio_start_ms": k * 6000, "item_id": u},
        )
        add(
            "server",
            {
                "type": "input_audio_buffer.speech_stopped",
                "audio_end_ms": k * 6000 + 2000,
                "item_id": u,
            },
            0.5,
        )
        add(
            "server",
            {"type": "input_audio_buffer.committed", "item_id": u, "previous_item_id": prev},
        )
        uitem = {
            "id": u,
            "object": "realtime.item",
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        add("server", {"type": "conversation.item.added", "item": uitem, "previous_item_id": prev})
        add("server", {"type": "conversation.item.done", "item": uitem, "previous_item_id": prev})
        add(
            "server",
            {
                "type": "response.created",
                "response": {
                    "id": r,
                    "object": "realtime.response",
                    "status": "in_progress",
                    "output": [],
                },
            },
        )
        aitem = {
            "id": a,
            "object": "realtime.item",
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        add(
            "server",
            {
                "type": "response.output_item.added",
                "response_id": r,
                "output_index": 0,
                "item": aitem,
            },
        )
        add("server", {"type": "conversation.item.added", "item": aitem, "previous_item_id": u})
        add(
            "server",
            {
                "type": "response.content_part.added",
                "response_id": r,
                "item_id": a,
                "output_index": 0,
                "content_index": 0,
                "part": {"type": "audio", "transcript": ""},
            },
        )
        add("server", {"type": "output_audio_buffer.started", "response_id": r})
        for j in range(10):
            add(
                "server",
                {
                    "type": "conversation.item.input_audio_transcription.delta",
                    "item_id": u,
                    "content_index": 0,
                    "delta": f" word{j}",
                },
            )
        add(
            "server",
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": u,
                "content_index": 0,
                "transcript": "words " * 10,
                "usage": {
                    "type": "tokens",
                    "input_tokens": 20,
                    "output_tokens": 10,
                    "total_tokens": 30,
                },
            },
        )
        for j in range(140):
            add(
                "server",
                {
                    "type": "response.output_audio_transcript.delta",
                    "response_id": r,
                    "item_id": a,
                    "output_index": 0,
                    "content_index": 0,
                    "delta": f" tok{j}",
                    "obfuscation": "abcdef",
                },
                0.015,
            )
        text = "".join(f" tok{j}" for j in range(140))
        add(
            "server",
            {
                "type": "response.output_audio_transcript.done",
                "response_id": r,
                "item_id": a,
                "output_index": 0,
                "content_index": 0,
                "transcript": text,
            },
        )
        done_item = {
            **aitem,
            "status": "completed",
            "content": [{"type": "output_audio", "transcript": text}],
        }
        add(
            "server",
            {
                "type": "response.output_item.done",
                "response_id": r,
                "output_index": 0,
                "item": done_item,
            },
        )
        add("server", {"type": "conversation.item.done", "item": done_item, "previous_item_id": u})
        use = {
            "total_tokens": 1200 + k,
            "input_tokens": 1000 + k,
            "output_tokens": 200,
            "input_token_details": {
                "text_tokens": 800 + k,
                "audio_tokens": 200,
                "image_tokens": 0,
                "cached_tokens": 768,
                "cached_tokens_details": {"text_tokens": 768, "audio_tokens": 0, "image_tokens": 0},
            },
            "output_token_details": {"text_tokens": 40, "audio_tokens": 160},
        }
        add(
            "server",
            {
                "type": "response.done",
                "response": {
                    "id": r,
                    "object": "realtime.response",
                    "status": "completed",
                    "output": [done_item],
                    "usage": use,
                },
            },
        )
        add(
            "server",
            {
                "type": "rate_limits.updated",
                "rate_limits": [
                    {"name": "requests", "limit": 5000, "remaining": 4999, "reset_seconds": 0.01}
                ],
            },
        )
        add("server", {"type": "output_audio_buffer.stopped", "response_id": r})
        prev = a
    return out


def best_of(repeat: int, fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def ingest_all(records: list[EventRecord], **kwargs: Any) -> Conversation:
    conv = Conversation(**kwargs)
    for i in range(0, len(records), BATCH):
        conv.ingest(records[i : i + BATCH])
    return conv


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="tiny session, one repetition")
    ap.add_argument("--minutes", type=float, default=60.0)
    args = ap.parse_args()
    minutes, repeat = (0.5, 1) if args.smoke else (args.minutes, 3)

    session = synth_session(minutes)
    lines = [json.dumps(ev) for _, _, ev in session]
    records: list[EventRecord] = [
        (t, "server" if d == "server" else "client", json.loads(s))
        for (t, d, _), s in zip(session, lines, strict=True)
    ]
    n = len(records)
    print(
        f"synthetic session: {minutes:g} min, {n:,} events "
        f"({sum(1 for _, _, e in session if e['type'].endswith('.delta')):,} deltas)"
    )

    # json.loads of the same events is a yardstick, not a floor (a relative cost, see above).
    floor = best_of(repeat, lambda: [json.loads(s) for s in lines])
    ing = best_of(repeat, lambda: ingest_all(records))
    print(f"json.loads (yardstick): {floor * 1e3:8.1f} ms  {n / floor:12,.0f} events/s")
    print(
        f"Conversation.ingest   : {ing * 1e3:8.1f} ms  {n / ing:12,.0f} events/s  "
        f"{ing / floor:.2f}x the cost of json.loads (target <= 3x)"
    )

    def with_callback() -> None:
        conv = Conversation()
        conv.on("*", lambda e: None)
        for i in range(0, n, BATCH):
            conv.ingest(records[i : i + BATCH])

    cb = best_of(repeat, with_callback)
    print(f"  + a '*' callback    : {cb * 1e3:8.1f} ms  {cb / floor:.2f}x json.loads")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "log.jsonl")

        def with_log() -> None:
            if os.path.exists(path):
                os.remove(path)
            ingest_all(records, log_path=path).close()

        lp = best_of(repeat, with_log)
    print(
        f"  + log_path= file    : {lp * 1e3:8.1f} ms  {lp / floor:.2f}x json.loads "
        f"(json.dumps of every event; not part of the target)"
    )

    conv = ingest_all(records)
    print("DataFrame build (fresh each time, target < 1000 ms):")
    worst = 0.0
    for name in ("transcript", "usage", "latency", "events", "sessions"):

        def build(name: str = name) -> None:
            conv._cache.clear()
            getattr(conv, name)

        dt = best_of(repeat, build)
        worst = max(worst, dt)
        print(f"  {name:<11}: {dt * 1e3:8.1f} ms  ({len(getattr(conv, name)):,} rows)")
    cost = best_of(repeat, conv.cost)
    summ = best_of(repeat, conv.summary)
    print(f"  cost()     : {cost * 1e3:8.1f} ms   summary(): {summ * 1e3:.1f} ms")
    print(
        f"slowest DataFrame {worst * 1e3:.0f} ms; ingest {ing / floor:.2f}x json.loads; "
        f"cost ${conv.cost():.2f} (estimate)"
    )


if __name__ == "__main__":
    main()
