"""One stream of server events from two paths of the same call (pure).

With a sideband attached, the server sends every event of a WebRTC call twice: on the
browser's data channel (the primary path, reaching the kernel in batches through the
comm) and on the kernel's sideband WebSocket, each path in the server's order and each
event with the same `event_id`. `PathMerge` keeps each event once, in the server's order:

- a primary event is taken at once, unless already taken (it came by the sideband);
- a sideband event is held until the primary path brings the same event, then taken
  with every held event before it (the primary is then behind: they are what it has
  not brought yet). While the primary path is healthy the merged order is its order,
  whichever path is ahead;
- held events are taken by `expire` once the primary path has brought nothing for
  `hold_s` and they have waited that long: the primary has stalled (a hidden tab, a held
  comm) and the sideband alone keeps the log and the tools going. A primary that is
  merely slow but still delivering is waited for, since only it knows the order of what
  it has not brought yet (the events from before the sideband attached, say).

Two in-order copies of one sequence merged this way stay in order whenever the primary
path keeps delivering within `hold_s` of itself; after a stall longer than that, the
events the sideband alone brought meanwhile come before any older ones the primary
brings late (only events from before the sideband attached can be such). Events
without an `event_id` (a non-JSON message) are taken at once. Each taken event says
which path brought it first ("browser" or "sideband").
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Path = Literal["browser", "sideband"]
#: (epoch seconds, direction, event or raw text), as `Conversation.ingest` takes them.
Record = tuple[float, Any, Any]

#: How many taken event ids are remembered to drop the second copy (a few minutes of a
#: busy call; the other copy arrives within a batch or a hold, never minutes later).
REMEMBERED_IDS = 20_000


@dataclass(frozen=True)
class Taken:
    record: Record
    via: Path


def _event_id(record: Record) -> str | None:
    payload = record[2]
    if record[1] != "server" or not isinstance(payload, dict):
        return None
    event_id = payload.get("event_id")
    return event_id if isinstance(event_id, str) and event_id else None


class PathMerge:
    """Merges the primary (browser) and sideband records of one call; see the module."""

    def __init__(self, hold_s: float = 0.5) -> None:
        self.hold_s = hold_s
        self._held: OrderedDict[str, tuple[float, Record]] = OrderedDict()
        self._taken: set[str] = set()
        self._taken_order: deque[str] = deque()
        self._last_primary = float("-inf")  # when the primary path last brought anything
        #: Second copies dropped, per path that brought them late.
        self.duplicates: dict[Path, int] = {"browser": 0, "sideband": 0}

    @property
    def held(self) -> int:
        """Sideband events waiting for the primary path (or for `expire`)."""
        return len(self._held)

    def from_primary(self, records: Iterable[Record], now: float) -> list[Taken]:
        self._last_primary = now
        out: list[Taken] = []
        for record in records:
            event_id = _event_id(record)
            if event_id is None:
                out.append(Taken(record, "browser"))
            elif event_id in self._taken:
                self.duplicates["browser"] += 1
            elif event_id in self._held:
                # The sideband had it first: take what it held up to it, in its order.
                while self._held:
                    held_id, (_, held) = self._held.popitem(last=False)
                    self._take(held_id)
                    out.append(Taken(held, "sideband"))
                    if held_id == event_id:
                        break
                self.duplicates["browser"] += 1
            else:
                self._take(event_id)
                out.append(Taken(record, "browser"))
        return out

    def from_sideband(self, records: Iterable[Record], now: float) -> list[Taken]:
        """Holds new sideband events (nothing is taken here but non-event records)."""
        out: list[Taken] = []
        for record in records:
            event_id = _event_id(record)
            if event_id is None:
                out.append(Taken(record, "sideband"))
            elif event_id in self._taken or event_id in self._held:
                self.duplicates["sideband"] += 1
            else:
                self._held[event_id] = (now, record)
        return out

    def expire(self, now: float) -> list[Taken]:
        """Take the held events that are due (the primary path has stalled; see above)."""
        out: list[Taken] = []
        while self._held:
            event_id, (arrived, record) = next(iter(self._held.items()))
            if now < max(arrived, self._last_primary) + self.hold_s:
                break
            self._held.popitem(last=False)
            self._take(event_id)
            out.append(Taken(record, "sideband"))
        return out

    def flush(self) -> list[Taken]:
        """Take everything held (the sideband ended: nothing will confirm it)."""
        return self.expire(float("inf"))

    def next_expiry(self) -> float | None:
        """When the oldest held event will be due, if the primary brings nothing before
        (None: nothing held)."""
        if not self._held:
            return None
        arrived, _ = next(iter(self._held.values()))
        return max(arrived, self._last_primary) + self.hold_s

    def _take(self, event_id: str) -> None:
        self._taken.add(event_id)
        self._taken_order.append(event_id)
        if len(self._taken_order) > REMEMBERED_IDS:
            self._taken.discard(self._taken_order.popleft())


def records_of(taken: Sequence[Taken]) -> list[Record]:
    return [t.record for t in taken]
