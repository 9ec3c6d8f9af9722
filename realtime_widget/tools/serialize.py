"""Turn a tool's return value into the ``output`` string the model receives."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import uuid
from typing import Any

__all__ = ["ToolOutputError", "serialize_result", "to_jsonable"]


class ToolOutputError(TypeError):
    """The tool returned something that has no JSON form."""


def serialize_result(value: Any) -> str:
    """``str`` passes through; anything JSON can represent is ``json.dumps``-ed.

    Also understood: Enum members, dataclasses, pydantic models, sets, dates,
    UUIDs, Decimals, numpy arrays and scalars, pandas DataFrames (as a list of
    row records) and Series. Anything else raises :class:`ToolOutputError`.
    """
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=to_jsonable, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ToolOutputError(
            f"the tool returned a {type(value).__qualname__}, which cannot be sent to the model "
            f"({exc}). Return a str, or a dict/list of str, numbers, bools and None."
        ) from exc


def to_jsonable(value: Any) -> Any:
    """``json.dumps(default=...)`` hook for the common non-JSON values in notebooks."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        return dump(mode="json")
    module = type(value).__module__.split(".")[0]
    if module == "pandas":
        name = type(value).__name__
        if name == "DataFrame":
            return json.loads(value.to_json(orient="records", date_format="iso"))
        if name == "Series":
            return json.loads(value.to_json(date_format="iso"))
        if hasattr(value, "isoformat"):  # Timestamp
            return value.isoformat()
    if module == "numpy" and callable(getattr(value, "tolist", None)):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__qualname__} is not JSON serializable")
