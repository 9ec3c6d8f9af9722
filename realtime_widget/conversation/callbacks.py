"""Callbacks (`on`/`off`) and awaitable waits (`wait_for`) fed by ingest.

A callback that raises never breaks ingest: the error is logged through `logging`, kept in
`CallbackRegistry.errors`, and passed to the `on_error` hook (the widget shows it under itself).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from realtime_widget.conversation.log import Event
from realtime_widget.conversation.names import canonical_type

logger = logging.getLogger("realtime_widget.conversation")

Callback: TypeAlias = Callable[[Event], Any]
Predicate: TypeAlias = Callable[[Event], bool]
ErrorHook: TypeAlias = Callable[[str, BaseException], None]

ANY: Final = "*"
#: Kept errors are capped so a callback failing on every delta cannot grow memory without end.
MAX_KEPT_ERRORS: Final = 1000

WAIT_TIMEOUT_HELP: Final = (
    "Events reach the kernel only while a cell is awaiting (top-level `await`) with "
    "ipykernel >= 7.4, or between cells; they never arrive while a cell blocks, e.g. in "
    "time.sleep(). Check that the widget is connected, that the event type is spelled as in "
    "the GA API (e.g. 'response.done'), and await instead of sleeping."
)


@dataclass(frozen=True, slots=True)
class CallbackError:
    event_type: str
    callback: str
    error: BaseException


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


class CallbackRegistry:
    """Event-type → callbacks, plus the pending `wait_for` futures."""

    def __init__(self) -> None:
        self._callbacks: dict[str, list[Callback]] = {}
        self._waiters: dict[str, list[tuple[asyncio.Future[Event], Predicate | None]]] = {}
        self.errors: list[CallbackError] = []
        #: The newest failure, kept even when `errors` is full (the error hook reads it to
        #: name the callback).
        self.last_error: CallbackError | None = None
        self.on_error: ErrorHook | None = None

    @property
    def active(self) -> bool:
        """Whether any callback or waiter exists (ingest skips dispatch entirely otherwise)."""
        return bool(self._callbacks) or bool(self._waiters)

    def on(self, event_type: str, fn: Callback) -> Callback:
        if not isinstance(event_type, str) or not event_type:
            raise TypeError(f"event_type must be an event type string or '*', not {event_type!r}")
        if not callable(fn):
            raise TypeError(f"callback for {event_type!r} must be callable, not {fn!r}")
        # Stored under the GA name, so a beta name and its GA name are the same subscription.
        self._callbacks.setdefault(canonical_type(event_type), []).append(fn)
        return fn

    def off(self, event_type: str | None = None, fn: Callback | None = None) -> None:
        """Remove `fn` from `event_type` (or from every type); no `fn`: all of that type."""
        types = [canonical_type(event_type)] if event_type is not None else list(self._callbacks)
        for t in types:
            fns = self._callbacks.get(t)
            if fns is None:
                continue
            if fn is None:
                fns.clear()
            else:
                fns[:] = [f for f in fns if f is not fn and f != fn]
            if not fns:
                del self._callbacks[t]

    def _report(self, event_type: str, fn: Callable[..., Any], exc: BaseException) -> None:
        logger.error(
            "callback %s for %r raised %s: %s",
            _name(fn),
            event_type,
            type(exc).__name__,
            exc,
            exc_info=exc,
        )
        error = CallbackError(event_type, _name(fn), exc)
        self.last_error = error
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(error)
        hook = self.on_error
        if hook is not None:
            try:
                hook(event_type, exc)
            except Exception:
                logger.exception("on_callback_error hook raised")

    def dispatch(self, event: Event, ga_type: str) -> None:
        cbs = self._callbacks
        if cbs:
            fns = cbs.get(ga_type, [])
            star = cbs.get(ANY)
            if star:
                fns = fns + star
            for fn in fns:
                try:
                    fn(event)
                except Exception as exc:
                    self._report(ga_type, fn, exc)
        if self._waiters:
            self._resolve(event, ga_type)
            self._resolve(event, ANY)

    # -- waiting -----------------------------------------------------------------------------

    def add_waiter(
        self, event_type: str, predicate: Predicate | None
    ) -> tuple[asyncio.Future[Event], Callable[[], None]]:
        fut: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        entry = (fut, predicate)
        event_type = canonical_type(event_type)
        self._waiters.setdefault(event_type, []).append(entry)

        def remove() -> None:
            lst = self._waiters.get(event_type)
            if lst is not None:
                lst[:] = [e for e in lst if e is not entry]
                if not lst:
                    del self._waiters[event_type]

        return fut, remove

    def _resolve(self, event: Event, key: str) -> None:
        entries = self._waiters.get(key)
        if not entries:
            return
        for fut, predicate in list(entries):
            if fut.done():
                continue
            try:
                ok = predicate is None or bool(predicate(event))
            except Exception as exc:
                self._report(key, predicate, exc)  # type: ignore[arg-type]
                _settle(fut, exc=exc)
                continue
            if ok:
                _settle(fut, result=event)


def _settle(
    fut: asyncio.Future[Event], *, result: Event | None = None, exc: BaseException | None = None
) -> None:
    """Resolve `fut` on its own loop, even when ingest runs on another thread."""
    loop = fut.get_loop()
    try:
        same = asyncio.get_running_loop() is loop
    except RuntimeError:
        same = False

    def settle() -> None:
        if fut.done():
            return
        if exc is not None:
            fut.set_exception(exc)
        else:
            fut.set_result(result)  # type: ignore[arg-type]

    if same:
        settle()
    else:
        loop.call_soon_threadsafe(settle)
