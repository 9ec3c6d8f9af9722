"""What the kernel holds back until the browser can take it (pure, no I/O).

Two waits, each with one rule:

- `FrontendGate`: anywidget drops custom messages sent before the browser built the widget's
  model (anywidget#436), so messages to the browser wait until its `ready` message (sent from
  `initialize`) and then go in the order they were sent. Nothing is kept across page loads:
  a saved notebook opened later never replays an old `connect`.
- `Outbox`: client events asked for while the call is still starting (text typed the moment
  the box appears, `w.connect()` then `w.send_text(...)` in one cell, "Run All") wait for the
  session to be ready and then go in order; if the call fails instead, every one of them is
  reported as not sent. Nothing the user typed or sent is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

#: Messages held for a browser that is not ready; more means it will never be.
MAX_HELD: Final = 1000
#: Client events asked for before the session is ready (a person types far fewer).
MAX_PENDING: Final = 200


class FrontendGate:
    """Messages to the browser, held until it says it is ready."""

    def __init__(self, limit: int = MAX_HELD) -> None:
        self.ready = False
        self._held: list[dict[str, Any]] = []
        self._limit = limit

    def offer(self, msg: dict[str, Any]) -> bool:
        """True: send `msg` now. False: it is held until `open()`.

        Raises OverflowError when the browser never became ready and the hold is full.
        """
        if self.ready:
            return True
        if len(self._held) >= self._limit:
            raise OverflowError(
                f"{self._limit} messages are waiting for the widget's view: display the widget "
                "(put it on the last line of a cell) so they can be delivered"
            )
        self._held.append(msg)
        return False

    def open(self) -> list[dict[str, Any]]:
        """The browser is ready: the held messages, in order (the gate stays open)."""
        self.ready = True
        held, self._held = self._held, []
        return held

    @property
    def held(self) -> int:
        return len(self._held)


@dataclass(frozen=True)
class Pending:
    """One thing the user asked to send, with the client events that make it."""

    id: int
    #: What the view shows for it ("Hello!" for typed text, the event type otherwise).
    label: str
    events: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label}


@dataclass
class Outbox:
    """Client events waiting for the session to be ready, oldest first."""

    limit: int = MAX_PENDING
    _items: list[Pending] = field(default_factory=list)
    _next_id: int = 0

    def add(self, label: str, events: Iterable[Mapping[str, Any]]) -> Pending:
        if len(self._items) >= self.limit:
            raise OverflowError(
                f"{self.limit} messages are already waiting for the connection; wait until "
                "status is 'connected' (await w.wait_until_connected()) before sending more"
            )
        item = Pending(self._next_id, label, tuple(dict(e) for e in events))
        self._next_id += 1
        self._items.append(item)
        return item

    def drain(self) -> list[Pending]:
        """Everything waiting, in order; the outbox is empty afterwards."""
        items, self._items = self._items, []
        return items

    def view(self) -> list[dict[str, Any]]:
        return [p.to_json() for p in self._items]

    def __len__(self) -> int:
        return len(self._items)


def label_of(events: Iterable[Mapping[str, Any]]) -> str:
    """The text a person would recognise for queued events: a message's text, else types."""
    types: list[str] = []
    for event in events:
        item = event.get("item")
        if event.get("type") == "conversation.item.create" and isinstance(item, Mapping):
            for part in item.get("content") or ():
                if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                    return str(part["text"])
        types.append(str(event.get("type")))
    return ", ".join(types)


def not_sent_text(items: Iterable[Pending], reason: str) -> str:
    """One message that names everything that was not sent and why."""
    labels = [p.label for p in items]
    shown = "; ".join(f"“{_short(label)}”" for label in labels[:5])
    more = f" and {len(labels) - 5} more" if len(labels) > 5 else ""
    return (
        f"Not sent ({reason}): {shown}{more}. Nothing was delivered to the model; connect and "
        "send again (they are in w.unsent)."
    )


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class BatchSequencer:
    """Which event batches from the browser to take: go-back-N per front end.

    The browser (js/src/delivery.ts) numbers its batches (`seq`), names itself (`fe`: a new
    id per page load) and resends everything not acknowledged after a dropped connection.
    Only the next expected batch is taken; copies and batches after a gap are dropped and
    come again in order. `base` is the oldest batch the browser still holds: batches before
    it were given up by the browser and are not waited for (counted in `lost`).
    """

    def __init__(self) -> None:
        self._next: dict[str, int] = {}
        self.lost = 0
        self.duplicates = 0

    def accept(self, fe: str, seq: int, base: int) -> tuple[bool, int]:
        """(take this batch, the seq to acknowledge: everything up to it is in the log)."""
        expected = self._next.get(fe, base)
        if base > expected:
            self.lost += base - expected
            expected = base
        if seq == expected:
            self._next[fe] = seq + 1
            return True, seq
        if seq < expected:
            self.duplicates += 1
        self._next[fe] = expected
        return False, expected - 1
