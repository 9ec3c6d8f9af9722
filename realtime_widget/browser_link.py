"""The browser transport: the widget's comm to the front end that runs the WebRTC call.

Kernel → browser messages wait for the front end's `ready` (`lifecycle.FrontendGate`);
event batches from the browser are taken exactly once and in order
(`lifecycle.BatchSequencer`, go-back-N with `ack`s) and parsed into log records. The
messages are those of docs/architecture.md; this module knows nothing of what they mean
to the call (that is `call.CallCore`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeGuard

from .call import Record
from .lifecycle import BatchSequencer, FrontendGate

log = logging.getLogger("realtime_widget")


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_record(rec: Any) -> Record | None:
    """`{"t": epoch ms, "dir", "event" | "raw"}` → (epoch s, direction, payload), or None."""
    if not isinstance(rec, dict):
        return None
    t = rec.get("t")
    direction = rec.get("dir")
    if not isinstance(t, int | float) or isinstance(t, bool) or not math.isfinite(t):
        return None
    if direction not in ("server", "client"):
        return None
    payload: dict[str, Any] | str
    if isinstance(rec.get("event"), dict):
        payload = rec["event"]
    elif isinstance(rec.get("raw"), str):
        payload = rec["raw"]
    else:
        return None
    dir_: Literal["server", "client"] = direction
    return (t / 1000.0, dir_, payload)


class BrowserLink:
    """A `call.Transport` over the widget's comm, plus the browser's event batches."""

    def __init__(self, send: Callable[[dict[str, Any]], None]) -> None:
        self._send = send
        self._gate = FrontendGate()
        self._sequencer = BatchSequencer()
        self._next_seq: int | None = None
        #: Batches the browser numbered but the kernel never received.
        self.lost_batches = 0

    @property
    def ready(self) -> bool:
        """A front end has built the widget's model (and said so)."""
        return self._gate.ready

    def post(self, msg: dict[str, Any]) -> None:
        """Send to the browser, or hold until its front end is ready."""
        if self._gate.offer(msg):
            self._send(msg)

    def on_ready(self) -> bool:
        """A front end is ready: deliver what waited for it, in order. True when another
        front end was ready before (a page reload, a second tab)."""
        again = self._gate.ready
        for msg in self._gate.open():
            self._send(msg)
        return again

    # -- call.Transport -------------------------------------------------------------------

    def open(self) -> None:
        self.post({"type": "command", "name": "connect"})

    def close(self) -> None:
        self.post({"type": "command", "name": "disconnect"})

    def send(self, event: dict[str, Any]) -> None:
        self.post({"type": "client-event", "event": event})

    def interrupt(self) -> None:
        self.post({"type": "command", "name": "interrupt"})

    # -- event batches --------------------------------------------------------------------

    def take_batch(
        self, msg: Mapping[str, Any]
    ) -> tuple[list[Record], tuple[str, int] | None] | None:
        """The records of a batch to ingest and the ack to send once they are ingested
        (None for a batch without a front-end id); None for a copy (acknowledged here).

        Raises ValueError for a batch without a list of events.
        """
        seq = msg.get("seq")
        batch = msg.get("events")
        if not isinstance(batch, list):
            raise ValueError(f"events batch without a list of events (seq={seq!r})")
        fe, base = msg.get("fe"), msg.get("base", seq)
        ack: tuple[str, int] | None = None
        if isinstance(fe, str) and _is_int(seq) and _is_int(base):
            # Exactly once, in order: copies and batches after a gap are dropped here and
            # come again (js/src/delivery.ts); acknowledged only once ingested (and logged).
            lost = self._sequencer.lost
            take, upto = self._sequencer.accept(fe, seq, base)
            gave_up = self._sequencer.lost - lost
            if gave_up:
                self.lost_batches += gave_up
                log.warning("the browser gave up %d unacknowledged batch(es)", gave_up)
            if not take:
                self.ack(fe, upto)
                return None
            ack = (fe, upto)
        elif _is_int(seq):
            self._track_seq(seq)
        else:
            log.warning("events batch without an int seq; loss cannot be detected")
        records = [parsed for parsed in map(parse_record, batch) if parsed is not None]
        if len(records) < len(batch):
            log.warning(
                "skipped %d malformed record(s) in events batch %r", len(batch) - len(records), seq
            )
        return records, ack

    def ack(self, fe: str, seq: int) -> None:
        self.post({"type": "ack", "fe": fe, "seq": seq})

    def _track_seq(self, seq: int) -> None:
        expected = self._next_seq
        if expected is not None and seq > expected:
            self.lost_batches += seq - expected
            log.warning(
                "lost %d events batch(es) from the browser (seq %d, expected %d); "
                "the event log has a gap",
                seq - expected,
                seq,
                expected,
            )
        elif expected is not None and seq < expected:
            # A new front-end model (page reload) numbers from 0 again.
            log.info(
                "the browser restarted its batch numbering (seq %d after %d)", seq, expected - 1
            )
        self._next_seq = seq + 1
