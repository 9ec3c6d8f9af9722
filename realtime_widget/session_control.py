"""What session config is in force, and which `session.update`s are still in flight (pure).

The server answers `session.update` events in the order it receives them: each one with
either `session.updated` or an `error` whose `error.event_id` names it. `SessionControl`
keeps the confirmed config (`in_force`) and the pending updates keyed by their event_id,
so that a rejected update can be rolled back to exactly what the server still uses,
even with several updates in flight. No I/O, no widget: the widget feeds it events.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Rejected", "SessionControl", "changed_fields"]


def changed_fields(
    current: Mapping[str, Any], expected: Mapping[str, Any], *, skip: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The fields of `current` whose value differs from `expected`, in `current`'s order."""
    return {
        name: copy.deepcopy(value)
        for name, value in current.items()
        if name not in skip and (name not in expected or value != expected[name])
    }


@dataclass(frozen=True)
class Rejected:
    """A `session.update` the server refused."""

    event_id: str
    #: The fields the update tried to set, with the refused values.
    attempted: dict[str, Any]
    #: Field → the value the widget should show again (what the server will use).
    rollback: dict[str, Any]
    message: str
    code: str | None


class SessionControl:
    """The confirmed session fields and the updates sent but not yet answered."""

    def __init__(self, in_force: Mapping[str, Any]) -> None:
        self._in_force: dict[str, Any] = copy.deepcopy(dict(in_force))
        self._pending: OrderedDict[str, dict[str, Any]] = OrderedDict()

    @property
    def in_force(self) -> dict[str, Any]:
        """What the server has confirmed (a copy)."""
        return copy.deepcopy(self._in_force)

    @property
    def pending(self) -> dict[str, dict[str, Any]]:
        """event_id → fields of each update not yet answered, oldest first (a copy)."""
        return copy.deepcopy(dict(self._pending))

    def expected(self) -> dict[str, Any]:
        """What will be in force once every pending update is applied."""
        view = copy.deepcopy(self._in_force)
        for changes in self._pending.values():
            view.update(copy.deepcopy(changes))
        return view

    def sent(self, event_id: str, changes: Mapping[str, Any]) -> None:
        """Record a `session.update` that carries `changes` (widget field → value)."""
        if event_id in self._pending:
            raise ValueError(f"event_id {event_id!r} is already pending; event ids must be unique")
        self._pending[event_id] = copy.deepcopy(dict(changes))

    def confirmed(self) -> dict[str, Any] | None:
        """A `session.updated` arrived: the oldest pending update is in force.

        Returns its fields, or None when nothing was pending (the server may confirm
        updates sent by others, e.g. `send_event`, which this does not track)."""
        if not self._pending:
            return None
        _, changes = self._pending.popitem(last=False)
        self._in_force.update(changes)
        return changes

    def rejected(self, event_id: str, message: str, code: str | None = None) -> Rejected | None:
        """An `error` named `event_id`; None when that id is not a pending update."""
        if event_id not in self._pending:
            return None
        ids = list(self._pending)
        later_ids = ids[ids.index(event_id) + 1 :]
        changes = self._pending.pop(event_id)
        expected = self.expected()
        # A field that a later pending update sets again keeps that later value.
        later = {name for i in later_ids for name in self._pending[i]}
        rollback = {
            name: copy.deepcopy(expected[name])
            for name in changes
            if name not in later and name in expected
        }
        return Rejected(event_id, changes, rollback, message, code)
