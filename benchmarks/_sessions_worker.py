"""One measured run of benchmarks/sessions.py, in a fresh process: N clients, K text turns each.

    SESSIONS_BENCH_KEY=… python benchmarks/_sessions_worker.py CLIENT --n N --turns K --url URL

CLIENT is `session` (N `RealtimeSession`s) or a baseline, the thinnest client a user writes
with the same official SDK: `AsyncOpenAI(...).realtime.connect(model=...)`, one
`session.update` (text output), then per turn `conversation.item.create` + `response.create`
and read events until `response.done`, keeping nothing. `sdk-raw` reads frames with
`recv_bytes()` + `json.loads` (the decoding the session does itself); `sdk-typed` with
`recv()`, what `async for event in conn` yields (an SDK pydantic model per event).

Prints one JSON line (see `Run` in sessions.py). A fresh process per run, so that neither
the CPU time nor the memory of one client kind is mixed into the other's (freed memory is
not handed back to the system, so a second run in one process would look cheaper). Each
run first connects one client of its kind and does two turns (imports, lazy SDK set-up;
it stays open to the end, so the measured clients do not move into the memory it holds),
then measures:

- connect: all N clients connect concurrently (ready: `session.updated` received);
- turns: all N clients do their K turns concurrently; wall time, this process's CPU time
  (`time.process_time()`: the client side only, the emulator is another process) and the
  server events received in that window;
- memory: VmRSS after a full GC, before the N clients are created and after their turns
  (the clients still open), so the growth is what N connected clients with K turns keep.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Protocol

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

KEY_ENV = "SESSIONS_BENCH_KEY"
MODEL = "gpt-realtime"
#: How long a turn's reply may sit in the log before the turn counts as lost (twice).
LOST_REPLY_GRACE_S = 0.5
CLIENTS = ("session", "sdk-raw", "sdk-typed")


def turn_text(k: int) -> str:
    """The k-th scripted user message (the emulator answers "You said: …", word by word)."""
    return f"Turn {k}: please repeat these twelve words back to me, one by one, in order."


def rss_mb() -> float:
    """This process's resident set size after a full garbage collection, in MB."""
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status (this benchmark needs Linux)")


class Client(Protocol):
    lost: int  # turns ended by the benchmark (see SessionClient.turn)

    async def open(self) -> None: ...

    async def turn(self, text: str) -> None: ...

    def events(self) -> int: ...  # server events received so far

    async def close(self) -> None: ...


class SessionClient:
    """The measured client: one `RealtimeSession`, text output, `await s.send_text()` a turn."""

    def __init__(self, url: str, key: str) -> None:
        from realtime_widget import RealtimeSession

        self.s = RealtimeSession(api_key=key, base_url=url, output_modalities="text")
        self.lost = 0

    async def open(self) -> None:
        await self.s.connect()

    async def turn(self, text: str) -> None:
        # `send_text` waits for its reply polling `conversation.wait_for` (0.25 s at a time);
        # a response.done ingested while one of those waits is being cancelled never reaches
        # the next one, and the turn would sit out its 60 s timeout (seen at N = 50). Such a
        # turn is ended here once its reply has been in the log for a grace period, and
        # counted. The common path is `await s.send_text(text)` in a task, nothing else.
        start = len(self.s.conversation)
        task = asyncio.ensure_future(self.s.send_text(text))
        replied = False
        while True:
            done, _ = await asyncio.wait({task}, timeout=LOST_REPLY_GRACE_S)
            if done:
                task.result()
                return
            if replied:
                break
            replied = self._replied_since(start)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        self.lost += 1

    def _replied_since(self, start: int) -> bool:
        # The slow path only (a turn slower than the grace period): it copies the log.
        records = self.s.conversation.raw_events[start:]
        return any(
            direction == "server"
            and isinstance(event, dict)
            and event.get("type") == "response.done"
            for _, direction, event in records
        )

    def events(self) -> int:
        # Read after the timed window only (it copies the log).
        return sum(1 for _, direction, _ in self.s.conversation.raw_events if direction == "server")

    async def close(self) -> None:
        await self.s.close()


class SdkClient:
    """The baseline: the SDK's connection, driven by hand, keeping nothing."""

    def __init__(self, url: str, key: str, *, typed: bool) -> None:
        self.url, self.key, self.typed = url, key, typed
        self.received = 0
        self.lost = 0
        self.conn: Any = None

    async def open(self) -> None:
        from openai import AsyncOpenAI

        ws = "ws://" + self.url.split("://", 1)[1] + "/v1"
        client = AsyncOpenAI(api_key=self.key, base_url=self.url + "/v1", websocket_base_url=ws)
        self.conn = await client.realtime.connect(model=MODEL).enter()
        await self.conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        await self._until("session.updated")

    async def turn(self, text: str) -> None:
        await self.conn.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": text}],
            }
        )
        await self.conn.response.create()
        await self._until("response.done")

    async def _until(self, kind: str) -> None:
        conn = self.conn
        while True:
            if self.typed:
                event_type = (await conn.recv()).type
            else:
                event_type = json.loads(await conn.recv_bytes()).get("type")
            self.received += 1
            if event_type == "error":
                raise RuntimeError(f"the emulator answered with an error while waiting for {kind}")
            if event_type == kind:
                return

    def events(self) -> int:
        return self.received

    async def close(self) -> None:
        await self.conn.close()


def make_client(kind: str, url: str, key: str) -> Client:
    if kind == "session":
        return SessionClient(url, key)
    return SdkClient(url, key, typed=kind == "sdk-typed")


async def _turns(client: Client, turns: int) -> None:
    for k in range(turns):
        await client.turn(turn_text(k))


async def measure(
    kind: str, n: int, turns: int, url: str, key: str, profiler: cProfile.Profile | None = None
) -> dict[str, Any]:
    # Kept open to the end: closed, it would leave memory for the measured clients to fill.
    warm = make_client(kind, url, key)
    await warm.open()
    await _turns(warm, 2)

    rss_before = rss_mb()
    clients = [make_client(kind, url, key) for _ in range(n)]
    t0 = time.perf_counter()
    await asyncio.gather(*(c.open() for c in clients))
    connect_s = time.perf_counter() - t0
    events_before = [c.events() for c in clients]

    if profiler is not None:
        profiler.enable()
    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(_turns(c, turns) for c in clients))
    wall_s, cpu_s = time.perf_counter() - t0, time.process_time() - cpu0
    if profiler is not None:
        profiler.disable()

    rss_after = rss_mb()
    events = sum(c.events() - b for c, b in zip(clients, events_before, strict=True))
    lost = sum(c.lost for c in clients)
    await asyncio.gather(*(c.close() for c in [warm, *clients]))
    return {
        "client": kind,
        "n": n,
        "turns": n * turns,
        "events": events,
        "connect_s": connect_s,
        "wall_s": wall_s,
        "cpu_s": cpu_s,
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_after,
        "lost": lost,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("client", choices=CLIENTS)
    ap.add_argument("--n", type=int, required=True, help="concurrent clients")
    ap.add_argument("--turns", type=int, required=True, help="text turns per client")
    ap.add_argument("--url", required=True, help="the emulator's base URL (http://127.0.0.1:…)")
    ap.add_argument("--profile", type=Path, help="write a cProfile of the timed turns here")
    args = ap.parse_args()
    key = os.environ.get(KEY_ENV)
    if not key:
        ap.error(f"set {KEY_ENV} to a key the emulator accepts")
    if args.n < 1 or args.turns < 1:
        ap.error("--n and --turns must be at least 1")
    profiler = None if args.profile is None else cProfile.Profile()
    result = asyncio.run(measure(args.client, args.n, args.turns, args.url, key, profiler))
    if profiler is not None:
        profiler.dump_stats(args.profile)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
