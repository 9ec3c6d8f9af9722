"""`Conversation`: the event log, its reduction, the DataFrames, callbacks and persistence."""

from __future__ import annotations

import asyncio
import bisect
import logging
import math
import os
import time as _time
import weakref
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol, overload

import pandas as pd

from realtime_widget.conversation import frames
from realtime_widget.conversation.callbacks import (
    WAIT_TIMEOUT_HELP,
    Callback,
    CallbackError,
    CallbackRegistry,
    ErrorHook,
    Predicate,
)
from realtime_widget.conversation.jsonl import (
    DEFAULT_API,
    JsonlAppender,
    read_api,
    read_records_with_via,
    write_records,
)
from realtime_widget.conversation.log import Direction, Event, EventLog, EventRecord
from realtime_widget.conversation.names import RAW_TYPE, SESSION_BOUNDARY_TYPE, canonical_type
from realtime_widget.conversation.pricing import PRICES, PriceTable, validate_prices
from realtime_widget.conversation.reduce import Reducer
from realtime_widget.conversation.reduce_live import DEFAULT_LIVE_MODEL, LIVE_EVENTS
from realtime_widget.conversation.summary import Summary, summarize

logger = logging.getLogger("realtime_widget.conversation")

_DIRECTIONS = frozenset(("server", "client"))


class EventModel(Protocol):
    """What a conversation needs from its voice API: its name (saved in the log when not the
    Realtime API), a reducer of its events and the prices its usage is metered with
    (`protocols.VoiceProtocol` provides them; this package stays free of the rest of
    realtime_widget)."""

    name: str

    def new_reducer(self, model: str) -> Reducer: ...

    def default_prices(self) -> PriceTable: ...


def _default_model(protocol: EventModel) -> str:
    return DEFAULT_LIVE_MODEL if protocol.name == LIVE_EVENTS.name else "gpt-realtime"


class Conversation:
    """A voice conversation reconstructed from its events; works without any widget.

    The Realtime API's by default; GPT-Live's with `protocol=protocols.LIVE` (or
    `reduce_live.LIVE_EVENTS`): the same tables, from that API's events.

    Feed it with `ingest` (batches of `(epoch_seconds, "server"|"client", event_or_raw_text)`)
    or `ingest_event`; read `transcript`, `usage`, `latency`, `events`, `sessions` as
    DataFrames; `cost()` is the estimated total in USD (see `realtime_widget.PRICES`).
    """

    def __init__(
        self,
        *,
        model: str = "gpt-realtime",
        prices: PriceTable | None = None,
        log_path: str | os.PathLike[str] | None = None,
        protocol: EventModel | None = None,
    ) -> None:
        self._log = EventLog()
        # The voice API whose events these are (its reducer and price meters); the
        # tables have one shape for every API (protocols.base.VoiceProtocol).
        self._protocol = protocol
        self._state = Reducer(model) if protocol is None else protocol.new_reducer(model)
        self._prices = prices
        self._callbacks = CallbackRegistry()
        self._cache: dict[str, tuple[Any, pd.DataFrame]] = {}
        self._appender: JsonlAppender | None = None
        self.log_error: BaseException | None = None
        if log_path is not None:
            self._appender = JsonlAppender(log_path, self.api)
            weakref.finalize(self, self._appender.close)

    # -- ingest --------------------------------------------------------------------------------

    def ingest(self, records: Iterable[EventRecord], via: str = "") -> None:
        """Append a batch of records, reduce them, write them to `log_path`, then run callbacks.

        Costs O(1) amortized per event. Callbacks and waiters see each event after the whole
        batch is in the log, so tables read from a callback already include the batch.
        `via`: the path that brought the batch when it is not the call's own ("sideband");
        the `events` table and the JSONL log keep it.
        """
        log = self._log
        start = len(log)
        try:
            self._append(records)
        finally:
            # Even if a bad record stops the batch, what was appended is written and announced.
            if len(log) > start:
                if via:
                    log.vias.update(dict.fromkeys(range(start, len(log)), via))
                self._after_batch(start, via)

    def _append(self, records: Iterable[EventRecord]) -> None:
        log = self._log
        times, dirs, payloads, types = log.times, log.directions, log.payloads, log.types
        apply = self._state.apply
        for t, direction, payload in records:
            if direction not in _DIRECTIONS:
                raise ValueError(
                    f"direction must be 'server' or 'client', got {direction!r} (record at {t!r})"
                )
            if type(payload) is dict:
                etype = payload.get("type")
                if type(etype) is not str:
                    etype = "<untyped>"
                times.append(t)
                dirs.append(direction)
                payloads.append(payload)
                types.append(etype)
                apply(payload, direction, t)
            elif isinstance(payload, str):
                times.append(t)
                dirs.append(direction)
                payloads.append(payload)
                types.append(RAW_TYPE)
            else:
                raise TypeError(
                    f"an event must be a dict (decoded JSON) or a str (raw message), "
                    f"got {type(payload).__name__}"
                )

    def _after_batch(self, start: int, via: str = "") -> None:
        log = self._log
        if self._appender is not None:
            try:
                self._appender.write(log.records(start), via)
            except OSError as exc:
                self.log_error = exc
                logger.error("could not append to %s: %s", self._appender.path, exc)
        reg = self._callbacks
        if reg.active:
            payloads, types = log.payloads, log.types
            for i in range(start, len(log)):
                p = payloads[i]
                if type(p) is dict:
                    reg.dispatch(p, canonical_type(types[i]))

    def ingest_event(
        self, event: Event, *, direction: Direction = "server", time: float | None = None
    ) -> None:
        """Ingest one event (a batch of one); `time` defaults to now (epoch seconds)."""
        self.ingest([(_time.time() if time is None else time, direction, event)])

    def mark_session_boundary(self, reason: str) -> None:
        """Record that a new call starts here (reconnect): item order and latency restart."""
        self.ingest_event({"type": SESSION_BOUNDARY_TYPE, "reason": reason}, direction="client")

    @property
    def reducer(self) -> Reducer:
        """The incremental state of this conversation (its API's reducer); read-only use."""
        return self._state

    # -- tables --------------------------------------------------------------------------------

    @property
    def prices(self) -> PriceTable:
        """The price table in use (this conversation's override, else `realtime_widget.PRICES`)."""
        if self._prices is not None:
            return self._prices
        return PRICES if self._protocol is None else self._protocol.default_prices()

    @prices.setter
    def prices(self, table: PriceTable | None) -> None:
        """Price this conversation with `table` (None: `realtime_widget.PRICES` again).

        Checked (TypeError naming the bad entry) and copied; `usage` and `cost()` reprice.
        """
        self._prices = None if table is None else validate_prices(table)
        self._cache.pop("usage", None)

    def _frame(self, name: str, build: Callable[[], pd.DataFrame], key: Any = None) -> pd.DataFrame:
        stamp = (len(self._log), key)
        hit = self._cache.get(name)
        if hit is None or hit[0] != stamp:
            hit = (stamp, build())
            self._cache[name] = hit
        # A shallow copy is free under copy-on-write and keeps the cached frame safe from edits.
        return hit[1].copy(deep=False)

    def _price_key(self) -> Any:
        return tuple(self.prices.items())

    @property
    def transcript(self) -> pd.DataFrame:
        """One row per item in conversation order (not arrival order)."""
        return self._frame("transcript", lambda: frames.transcript_frame(self._state))

    @property
    def usage(self) -> pd.DataFrame:
        """One row per response and per billed transcription, tokens and estimated cost (USD)."""
        return self._frame(
            "usage", lambda: frames.usage_frame(self._state, self.prices), self._price_key()
        )

    @property
    def out_of_band(self) -> pd.DataFrame:
        """One row per out-of-band response (`response.create` with `conversation: "none"`:
        classifiers, judges, summaries): status, text, function calls, metadata, times,
        tokens and estimated cost (USD).

        They are not conversation turns (not in `transcript` or `latency`, never re-inserted
        on reconnect), but they are billed: their tokens and cost are also in `usage` and
        `cost()`.
        """
        return self._frame(
            "out_of_band",
            lambda: frames.out_of_band_frame(self._state, self.prices),
            self._price_key(),
        )

    @property
    def latency(self) -> pd.DataFrame:
        """Per response: ms from end of user speech / text send to first event, delta, audio."""
        return self._frame("latency", lambda: frames.latency_frame(self._state))

    @property
    def events(self) -> pd.DataFrame:
        """The raw log, one row per event (type GA-normalised, `raw_type` as received)."""
        return self._frame("events", lambda: frames.events_frame(self._log))

    @property
    def sessions(self) -> pd.DataFrame:
        """Each session.update / session.updated with its instructions version and hash."""
        return self._frame("sessions", lambda: frames.sessions_frame(self._state))

    @property
    def raw_events(self) -> list[EventRecord]:
        """The log as `(epoch_seconds, direction, event_or_raw_text)` records (a copy)."""
        return self._log.records()

    def __len__(self) -> int:
        return len(self._log)

    @property
    def api(self) -> str:
        """The voice API whose events these are ("realtime" or "live")."""
        return DEFAULT_API if self._protocol is None else self._protocol.name

    @property
    def model(self) -> str:
        """The realtime model in force (from session.created/updated, else the constructor)."""
        return self._state.model

    def cost(self) -> float:
        """Estimated total USD of the session so far (NaN if a model has no price)."""
        return frames.total_cost(self._state, self.prices)

    def summary(self) -> Summary:
        """Turns, tokens, estimated cost and event count; cheap enough to call per batch."""
        return summarize(self._state, len(self._log), self.cost())

    @overload
    def instructions_version(self) -> int: ...
    @overload
    def instructions_version(self, at: float | datetime | pd.Timestamp) -> int: ...

    def instructions_version(self, at: float | datetime | pd.Timestamp | None = None) -> int:
        """The instructions version in force now, or at a time (epoch seconds or datetime).

        Versions count distinct instructions as they are set: 0 before any are known, 1 for
        the first, +1 at each change. `sessions` lists them with a short hash.
        """
        if at is None:
            return self._state.version
        t = at.timestamp() if isinstance(at, datetime) else float(at)
        vt = self._state.version_times
        k = bisect.bisect_right([x[0] for x in vt], t)
        return vt[k - 1][1] if k else 0

    # -- callbacks -----------------------------------------------------------------------------

    @overload
    def on(self, event_type: str) -> Callable[[Callback], Callback]: ...
    @overload
    def on(self, event_type: str, fn: Callback) -> Callback: ...

    def on(
        self, event_type: str, fn: Callback | None = None
    ) -> Callback | Callable[[Callback], Callback]:
        """Call `fn(event)` for each event of `event_type` (GA or beta name, or "*" for all).

        Usable as a decorator: `@conv.on("response.done")`. Exceptions are logged, kept in
        `callback_errors` and passed to `on_callback_error`; they never stop ingest.
        """
        if fn is None:
            return lambda f: self._callbacks.on(event_type, f)
        return self._callbacks.on(event_type, fn)

    def off(self, event_type: str | None = None, fn: Callback | None = None) -> None:
        """Remove a callback (`off(type, fn)`), all of a type (`off(type)`), or `fn` everywhere."""
        self._callbacks.off(event_type, fn)

    @property
    def on_callback_error(self) -> ErrorHook | None:
        return self._callbacks.on_error

    @on_callback_error.setter
    def on_callback_error(self, hook: ErrorHook | None) -> None:
        self._callbacks.on_error = hook

    @property
    def callback_errors(self) -> list[CallbackError]:
        return list(self._callbacks.errors)

    @property
    def last_callback_error(self) -> CallbackError | None:
        """The newest callback failure (which callback, for which event type, what it raised).

        Inside `on_callback_error` it is the failure being reported.
        """
        return self._callbacks.last_error

    async def wait_for(
        self, event_type: str, timeout: float = 30.0, predicate: Predicate | None = None
    ) -> Event:
        """Wait for the next event of `event_type` (optionally matching `predicate`).

        Needs ipykernel >= 7.4 and a cell that *awaits* (top-level `await`): the kernel only
        receives widget messages then. On timeout raises `TimeoutError` saying so.
        """
        if not isinstance(timeout, int | float) or math.isnan(timeout) or timeout < 0:
            # No "wait forever": a wait that cannot be served must fail, not hang the cell.
            raise ValueError(f"timeout must be a number of seconds >= 0, got {timeout!r}")
        fut, remove = self._callbacks.add_waiter(event_type, predicate)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no {event_type!r} event arrived within {timeout} s. {WAIT_TIMEOUT_HELP}"
            ) from None
        finally:
            remove()

    # -- persistence ---------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the whole log as JSON Lines (the public format; secrets redacted)."""
        write_records(path, self._log, self._log.vias, self.api)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        model: str | None = None,
        prices: PriceTable | None = None,
        protocol: EventModel | None = None,
    ) -> Conversation:
        """Rebuild a conversation from a JSON Lines log (a cut-off last line is skipped).

        The log says its voice API (`"api": "live"` on its lines; none: the Realtime API), and
        it is reduced as that API's events; `protocol` overrides it. `model` is the model
        until a session event names one (default: the API's default model).
        """
        if protocol is None and read_api(path) == LIVE_EVENTS.name:
            protocol = LIVE_EVENTS
        if model is None:
            model = "gpt-realtime" if protocol is None else _default_model(protocol)
        conv = cls(model=model, prices=prices, protocol=protocol)
        batch: list[EventRecord] = []
        batch_via = ""
        for record, via in read_records_with_via(path):
            if via != batch_via and batch:
                conv.ingest(batch, batch_via)
                batch = []
            batch_via = via
            batch.append(record)
        if batch:
            conv.ingest(batch, batch_via)
        return conv

    def close(self) -> None:
        """Close the `log_path` file (also done when the conversation is garbage-collected)."""
        if self._appender is not None:
            self._appender.close()

    def __repr__(self) -> str:
        return f"<Conversation model={self.model!r}: {self.summary()}>"
