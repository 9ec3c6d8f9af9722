"""Trait types that enforce the widget's split of synced state (DESIGN §3).

Inputs go through a `config.normalize_*` function; reports are written only by the browser;
live figures are Python-only summaries. Assigning a read-only one raises a readable error.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final

import traitlets

from .conversation import Summary


class ReadOnlyTraitError(traitlets.TraitError, AttributeError):
    """Assigning a trait that Python may only read."""


class Report(traitlets.Unicode):  # type: ignore[type-arg]
    """A report: written only by the browser (set_state), read-only from Python."""

    def __init__(self, default: str, hint: str) -> None:
        super().__init__(default)
        self.hint = hint

    def __set__(self, obj: traitlets.HasTraits, value: Any) -> None:
        raise ReadOnlyTraitError(f"{self.name} is read-only in Python: {self.hint}")


class Input(traitlets.TraitType[Any, Any]):
    """An input whose value goes through a `config.normalize_*` function.

    Raises the normalizer's TypeError/ValueError unchanged (they name the argument and the
    allowed values), for assignments from Python and changes from the browser alike.
    """

    def __init__(self, normalize: Callable[[Any], Any], default: Any, **kwargs: Any) -> None:
        super().__init__(default_value=default, **kwargs)
        self._normalize = normalize

    def validate(self, obj: Any, value: Any) -> Any:
        value = self._normalize(value)
        check = getattr(obj, "_check_input", None)
        if check is not None:
            check(self.name, value)
        return value


_LIVE_HINT: Final = (
    "it summarizes w.conversation and is updated after each batch of events; "
    "observe it with w.observe(fn, names=[...])"
)


class LiveInt(traitlets.Int):  # type: ignore[type-arg]
    """A live summary figure: observable, Python-only (never synced), read-only for users."""

    def __set__(self, obj: traitlets.HasTraits, value: Any) -> None:
        raise ReadOnlyTraitError(f"{self.name} is read-only: {_LIVE_HINT}")


class LiveFloat(traitlets.Float):  # type: ignore[type-arg]
    """Like `LiveInt`, for a float figure (NaN when a price is unknown)."""

    def __set__(self, obj: traitlets.HasTraits, value: Any) -> None:
        raise ReadOnlyTraitError(f"{self.name} is read-only: {_LIVE_HINT}")


def live_values(summary: Summary) -> dict[str, int | float]:
    """The live traits' values from a conversation summary."""
    return {
        "turns": summary.turns,
        "total_tokens": summary.total_tokens,
        "cost_usd": summary.cost_usd,
        "event_count": summary.events,
    }


def same(a: object, b: object) -> bool:
    # NaN != NaN would notify observers on every batch while a price is unknown.
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b
