"""`python -m realtime_widget.emulator`: serve the local Realtime API and GPT-Live until Ctrl-C
or SIGTERM.

The first line of output carries the base URL, flushed at once, so a script can
start it with `--port 0` and read where it landed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence

from .server import Emulator


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m realtime_widget.emulator",
        description=(
            "A local stand-in for the OpenAI Realtime API (GA) and GPT-Live, with real WebRTC."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accept only this bearer key (repeatable); default: any non-empty key",
    )
    parser.add_argument(
        "--max-session-seconds",
        type=float,
        default=3600.0,
        help="end each call with session_expired after this long (default 3600)",
    )
    args = parser.parse_args(argv)
    if args.max_session_seconds <= 0:
        parser.error("--max-session-seconds must be positive")
    return args


async def serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    emulator = Emulator(
        host=args.host,
        port=args.port,
        api_keys=args.api_keys,
        max_session_seconds=args.max_session_seconds,
    )
    await emulator.start()
    keys = f"{len(args.api_keys)} accepted key(s)" if args.api_keys else "any non-empty key"
    print(f"Realtime API emulator listening on {emulator.base_url} ({keys})", flush=True)
    try:
        await stop.wait()
    finally:
        print("Stopping the emulator…", flush=True)
        await emulator.stop()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:  # a second Ctrl-C while stopping
        return 130
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
