"""The emulator process the benchmarks talk to: the real `Emulator` plus a few control routes.

    python benchmarks/bench_emulator.py --api-key KEY      # prints its URL on the first line
    python benchmarks/bench_emulator.py --api-key KEY --text-delta-interval-s 0   # unpaced text

Extra routes (benchmark only, same origin as the emulator):

- `POST /bench/flood` `{"tag", "n", "rate", "call_id"?}` pushes `n` transcript deltas into a
  live call (the newest active one by default) at `rate` events/s, or as fast as the data
  channel drains when `rate` is 0. The events are ordinary SDK-shaped server events
  (`response.output_audio_transcript.delta`); the send time of each is kept here, keyed by
  its `event_id` (`event_b<tag>_<i>`), never inside the event.
- `GET /bench/sent?tag=…` returns `{"done": bool, "sent": {event_id: epoch s}, "send_s": …}`.
- `GET /bench/calls` returns `{"active": [call_id, …]}`: the benchmark waits for the previous
  receiver's call to be gone before it connects the next one.

Send time is `time.time()` taken just before the event is handed to the data channel; the
kernel stamps arrivals with `time.time()` on the same machine, so both use one clock.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from realtime_widget.emulator import Call, Emulator

# Keep at most this much queued in the SCTP send buffer: a real server also waits for the
# channel to drain instead of queueing without bound (and an unbounded queue would turn
# "delay" into "how long the sender was ahead of the wire").
_HIGH_WATER_BYTES = 256 * 1024


@dataclass
class Flood:
    tag: str
    n: int
    rate: float
    sent: dict[str, float] = field(default_factory=dict)
    started: float = 0.0
    finished: float | None = None
    error: str | None = None


def delta_event(tag: str, i: int) -> dict[str, Any]:
    """One assistant transcript delta, shaped like the SDK's ResponseAudioTranscriptDeltaEvent."""
    return {
        "type": "response.output_audio_transcript.delta",
        "event_id": f"event_b{tag}_{i}",
        "response_id": f"resp_bench{tag}",
        "item_id": f"item_bench{tag}",
        "output_index": 0,
        "content_index": 0,
        "delta": "w" if i % 8 else " w",
    }


def preamble(tag: str) -> list[dict[str, Any]]:
    """response.created + the assistant item, so the deltas belong to a known response."""
    response_id, item_id = f"resp_bench{tag}", f"item_bench{tag}"
    item = {
        "id": item_id,
        "object": "realtime.item",
        "type": "message",
        "status": "in_progress",
        "role": "assistant",
        "content": [],
    }
    return [
        {
            "type": "response.created",
            "response": {
                "id": response_id,
                "object": "realtime.response",
                "status": "in_progress",
                "status_details": None,
                "output": [],
                "conversation_id": "conv_bench",
                "output_modalities": ["audio"],
                "max_output_tokens": "inf",
                "audio": {"output": {"format": {"type": "audio/pcm", "rate": 24000}}},
                "usage": None,
                "metadata": None,
            },
        },
        {
            "type": "response.output_item.added",
            "response_id": response_id,
            "output_index": 0,
            "item": item,
        },
    ]


class BenchEmulator(Emulator):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.floods: dict[str, Flood] = {}
        self._flood_tasks: set[asyncio.Task[None]] = set()

    def make_app(self) -> web.Application:
        app = super().make_app()
        app.router.add_post("/bench/flood", self._flood)
        app.router.add_get("/bench/sent", self._sent)
        app.router.add_get("/bench/calls", self._calls)
        return app

    async def _calls(self, _request: web.Request) -> web.Response:
        active = [c.call_id for c in self.calls.values() if c.state == "active"]
        return web.json_response({"active": active})

    def _pick_call(self, call_id: str | None) -> Call | None:
        if call_id:
            call = self.calls.get(call_id)
            return call if call is not None and call.state == "active" else None
        active = [c for c in self.calls.values() if c.state == "active"]
        return active[-1] if active else None

    async def _flood(self, request: web.Request) -> web.Response:
        body = await request.json()
        tag = str(body["tag"])
        n = int(body["n"])
        rate = float(body.get("rate") or 0.0)
        call = self._pick_call(body.get("call_id"))
        if call is None:
            return web.json_response({"error": "no active call to flood"}, status=409)
        if tag in self.floods:
            return web.json_response({"error": f"tag {tag!r} already used"}, status=409)
        flood = Flood(tag=tag, n=n, rate=rate)
        self.floods[tag] = flood
        task = asyncio.ensure_future(self._run(call, flood))
        self._flood_tasks.add(task)
        task.add_done_callback(self._flood_tasks.discard)
        return web.json_response({"call_id": call.call_id})

    async def _run(self, call: Call, flood: Flood) -> None:
        engine: Any = call.engine
        channel: Any = getattr(call.peer, "_channel", None)
        try:
            for event in preamble(flood.tag):
                engine.inject(event)
            await asyncio.sleep(0.05)
            start = time.perf_counter()
            flood.started = time.time()
            for i in range(flood.n):
                if flood.rate > 0:
                    delay = start + i / flood.rate - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                elif channel is not None and channel.bufferedAmount > _HIGH_WATER_BYTES:
                    while channel.bufferedAmount > _HIGH_WATER_BYTES // 2:
                        await asyncio.sleep(0.001)
                event = delta_event(flood.tag, i)
                flood.sent[event["event_id"]] = time.time()
                engine.inject(event)
            flood.finished = time.time()
        except Exception as exc:  # reported through /bench/sent
            flood.error = repr(exc)
            flood.finished = time.time()

    async def _sent(self, request: web.Request) -> web.Response:
        flood = self.floods.get(request.query.get("tag", ""))
        if flood is None:
            return web.json_response({"error": "unknown tag"}, status=404)
        done = flood.finished is not None
        return web.json_response(
            {
                "done": done,
                "error": flood.error,
                "count": len(flood.sent),
                "sent": flood.sent if done else {},
                "send_s": (flood.finished - flood.started) if done and flood.finished else None,
            }
        )


async def serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    # Only options given on the command line reach the engine (the rest keep its defaults).
    options: dict[str, Any] = {}
    if args.text_delta_interval_s is not None:
        options["text_delta_interval_s"] = args.text_delta_interval_s
    emulator = BenchEmulator(host="127.0.0.1", port=0, api_keys=args.api_keys, **options)
    await emulator.start()
    print(f"bench emulator listening on {emulator.base_url}", flush=True)
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-key", action="append", dest="api_keys", required=True)
    parser.add_argument(
        "--text-delta-interval-s",
        type=float,
        default=None,
        help="pause before each text/transcript delta (default: the engine's, 0.02 s)",
    )
    args = parser.parse_args()
    if args.text_delta_interval_s is not None and args.text_delta_interval_s < 0:
        parser.error("--text-delta-interval-s must be 0 or more seconds")
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
