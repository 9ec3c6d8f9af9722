"""The emulator process of benchmarks/evals_grid.py: the real `Emulator`, fast pacing.

    EVALS_BENCH_KEY=sk-... python benchmarks/evals_grid_emulator.py   # prints its URL first

It runs in its own process so that the process measuring a grid holds the client side alone
(the "kernel": `evals.run`, its `RealtimeSession`s, the SDK's WebSocket clients), and so that
the two sides' CPU seconds can be told apart. It accepts only the key in EVALS_BENCH_KEY (a
key made up per benchmark run; never printed). Text deltas are 2 ms apart and the voice's
playback clock runs 20x real time, as in the evals tests (tests/support/headless.py), so a
run costs a few hundred milliseconds and the grid measures the client, not the pacing.
Stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from realtime_widget.emulator import Emulator

KEY_VARIABLE = "EVALS_BENCH_KEY"
TEXT_DELTA_INTERVAL_S = 0.002
AUDIO_CLOCK_SPEED = 20.0


async def serve(key: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    emulator = Emulator(
        api_keys=[key],
        text_delta_interval_s=TEXT_DELTA_INTERVAL_S,
        audio_clock_speed=AUDIO_CLOCK_SPEED,
    )
    await emulator.start()
    print(f"evals grid emulator listening on {emulator.base_url}", flush=True)
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def main() -> int:
    key = os.environ.get(KEY_VARIABLE, "")
    if not key:
        print(f"error: set {KEY_VARIABLE} to the key the emulator accepts", file=sys.stderr)
        return 2
    asyncio.run(serve(key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
