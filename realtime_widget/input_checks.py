"""The small checks and message parts that every argument normalizer shares (pure).

Type tests that refuse a bool where a number is meant, the "unknown key" check, and
`normalize_int` for a ranged int argument. They sit below the normalizer modules (session
fields, connection settings, per-response overrides) so that all of them word their errors
the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

JSON = dict[str, Any]


def type_name(value: object) -> str:
    return type(value).__name__


def choices(values: Iterable[str]) -> str:
    return ", ".join(repr(v) for v in values)


def is_number(value: object) -> bool:
    # bool is an int subclass; True as a threshold is a mistake, not 1.0.
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_keys(arg: str, value: Mapping[str, Any], allowed: Sequence[str], what: str) -> None:
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ValueError(
            f"{arg}: unknown key(s) {choices(map(str, unknown))} for {what}; "
            f"allowed keys: {choices(allowed)}"
        )


def check_bool(arg: str, d: Mapping[str, Any], key: str) -> None:
    if key in d and not isinstance(d[key], bool):
        raise TypeError(f"{arg}: {key!r} must be True or False, got {type_name(d[key])}")


def check_ms(arg: str, d: Mapping[str, Any], key: str, *, nullable: bool = False) -> None:
    if key not in d or (nullable and d[key] is None):
        return
    v = d[key]
    if not is_int(v):
        raise TypeError(f"{arg}: {key!r} must be an int number of milliseconds, got {type_name(v)}")
    if v < 0:
        raise ValueError(f"{arg}: {key!r} must be >= 0 milliseconds, got {v}")


def normalize_int(arg: str, value: object, *, minimum: int, maximum: int, unit: str = "") -> int:
    suffix = f" {unit}" if unit else ""
    if not is_int(value):
        raise TypeError(
            f"{arg} must be an int{suffix} from {minimum} to {maximum}, got {type_name(value)}"
        )
    assert isinstance(value, int)
    if not minimum <= value <= maximum:
        raise ValueError(f"{arg} must be from {minimum} to {maximum}{suffix}, got {value}")
    return value
