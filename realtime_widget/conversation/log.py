"""The append-only event log, stored column by column.

Each event costs four list appends (amortized O(1)); nothing is parsed, copied or dropped, so
unknown event types, unknown fields and non-JSON messages survive intact for `events` and `save`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, TypeAlias

Direction: TypeAlias = Literal["server", "client"]
#: A server or client event as decoded JSON.
Event: TypeAlias = dict[str, Any]
#: (epoch seconds, direction, decoded event or the raw text of a non-JSON message)
EventRecord: TypeAlias = tuple[float, Direction, Event | str]


class EventLog:
    """Columnar, append-only storage of event records."""

    __slots__ = ("directions", "payloads", "times", "types", "vias")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.directions: list[Direction] = []
        self.payloads: list[Event | str] = []
        # The type as received (beta names kept); "<raw>" for non-JSON messages.
        self.types: list[str] = []
        # Index → the path that brought it, for records that did not come the call's own
        # way (the kernel's sideband beside the browser's call): sparse, usually empty.
        self.vias: dict[int, str] = {}

    def append(self, time: float, direction: Direction, payload: Event | str, type_: str) -> None:
        self.times.append(time)
        self.directions.append(direction)
        self.payloads.append(payload)
        self.types.append(type_)

    def __len__(self) -> int:
        return len(self.times)

    def __iter__(self) -> Iterator[EventRecord]:
        return zip(self.times, self.directions, self.payloads, strict=True)

    def records(self, start: int = 0) -> list[EventRecord]:
        """The records from index `start` on, as `(time, direction, event_or_raw)` tuples."""
        return list(
            zip(self.times[start:], self.directions[start:], self.payloads[start:], strict=True)
        )
