"""Run an `Emulator` on a daemon thread with its own event loop.

A kernel already runs an event loop (and a cell may block it), so the emulator
the widget talks to when no API key is set lives on a thread of its own. The
emulator's state belongs to that thread's loop: read or change it through
`call()` (or the helpers built on it), never directly from another thread.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from dataclasses import fields, is_dataclass
from types import TracebackType
from typing import Any, TypeVar

from .server import Emulator

T = TypeVar("T")

_START_TIMEOUT_S = 30.0


class EmulatorThread:
    """`with EmulatorThread(api_keys=["k"]) as t: t.base_url` (kwargs go to `Emulator`)."""

    def __init__(self, **emulator_kwargs: Any) -> None:
        self._kwargs = emulator_kwargs
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._emulator: Emulator | None = None
        self._lock = threading.Lock()

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> EmulatorThread:
        with self._lock:
            if self._thread is not None:
                return self
            ready: concurrent.futures.Future[Emulator] = concurrent.futures.Future()
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=self._run, args=(loop, ready), name="realtime-emulator", daemon=True
            )
            thread.start()
            self._emulator = ready.result(timeout=_START_TIMEOUT_S)
            self._loop, self._thread = loop, thread
        return self

    def _run(
        self, loop: asyncio.AbstractEventLoop, ready: concurrent.futures.Future[Emulator]
    ) -> None:
        asyncio.set_event_loop(loop)
        try:
            emulator = Emulator(**self._kwargs)
            loop.run_until_complete(emulator.start())
        except BaseException as exc:  # report start-up failures to the starting thread
            ready.set_exception(exc)
            loop.close()
            return
        ready.set_result(emulator)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the emulator (closing every call), then the loop and the thread. Idempotent."""
        with self._lock:
            loop, thread, emulator = self._loop, self._thread, self._emulator
            if loop is None or thread is None or emulator is None:
                return
            self._loop = self._thread = None
        if loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(emulator.stop(), loop).result(timeout)
            finally:
                loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)

    def __enter__(self) -> EmulatorThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- access -----------------------------------------------------------------

    @property
    def emulator(self) -> Emulator:
        """The emulator object; touch its state only through `call()`."""
        if self._emulator is None:
            raise RuntimeError("EmulatorThread is not started: use `with EmulatorThread() as t:`")
        return self._emulator

    @property
    def base_url(self) -> str:
        return self.emulator.base_url

    def _require_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None or not self._loop.is_running():
            raise RuntimeError("EmulatorThread is not running")
        return self._loop

    def call(self, fn: Callable[[Emulator], T], timeout: float = 10.0) -> T:
        """Run `fn(emulator)` on the emulator's loop and return its result."""
        loop = self._require_loop()
        emulator = self.emulator

        async def _go() -> T:
            return fn(emulator)

        return asyncio.run_coroutine_threadsafe(_go(), loop).result(timeout)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Await a coroutine on the emulator's loop (e.g. `t.run(t.emulator.hangup(id))`)."""
        return asyncio.run_coroutine_threadsafe(coro, self._require_loop()).result(timeout)

    def set_faults(self, **changes: Any) -> None:
        """Change fault switches live, e.g. `t.set_faults(calls_delay_s=2.0)`."""

        def _apply(emulator: Emulator) -> None:
            for name, value in changes.items():
                if not hasattr(emulator.faults, name):
                    raise AttributeError(f"Faults has no switch {name!r}")
                setattr(emulator.faults, name, value)

        self.call(_apply)

    def stats(self) -> dict[str, Any]:
        """A plain snapshot of the counters (HTTP, calls, per-call engine stats)."""
        return self.call(stats_snapshot)


def _plain(value: Any) -> Any:
    # Not dataclasses.asdict: it rebuilds a Counter from (key, value) pairs and so
    # counts the pairs instead of copying the counts.
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def stats_snapshot(emulator: Emulator) -> dict[str, Any]:
    """Copy the emulator's counters into plain data (call it on the emulator's loop)."""
    snapshot: dict[str, Any] = _plain(emulator.stats)
    snapshot["active_calls"] = emulator.active_call_count
    snapshot["calls"] = {
        call_id: {
            "state": call.state,
            "created_at": call.created_at,
            "close_reason": call.close_reason,
            "connect_seconds": call.connect_seconds,
            "engine": _plain(getattr(call.engine, "stats", None)),
        }
        for call_id, call in emulator.calls.items()
    }
    return snapshot


_shared: EmulatorThread | None = None
_shared_lock = threading.Lock()


def shared_emulator() -> EmulatorThread:
    """The process-wide emulator for kernels without an API key, started on first use.

    It accepts any bearer key and stops when the interpreter exits.
    """
    global _shared
    with _shared_lock:
        if _shared is None or not _shared.running:
            _shared = EmulatorThread().start()
            atexit.register(_shared.stop)
        return _shared
