"""Read Python annotations the way the tool schema and argument coercion both need.

Unwrapping ``Annotated`` / ``Required`` / ``NotRequired``, recognising TypedDicts and
pydantic models (without requiring pydantic), the container origins that map to JSON arrays
and objects, and the description an ``Annotated`` carries. `type_schema` builds schemas with
these and `validate` turns JSON arguments back into Python values with the same rules, so
both agree on what a type means.
"""

from __future__ import annotations

import collections.abc
import typing
from typing import Any

LIST_ORIGINS = {
    list,
    collections.abc.Sequence,
    collections.abc.MutableSequence,
    collections.abc.Iterable,
    collections.abc.Collection,
}
SET_ORIGINS = {set, frozenset, collections.abc.Set, collections.abc.MutableSet}
DICT_ORIGINS = {dict, collections.abc.Mapping, collections.abc.MutableMapping}


def strip_annotated(annotation: Any) -> Any:
    """``Annotated[T, ...]``, ``Required[T]`` and ``NotRequired[T]`` → ``T``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated or origin in REQUIRED_WRAPPERS:
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


def is_typed_dict(tp: Any) -> bool:
    if typing.is_typeddict(tp):
        return True
    try:
        import typing_extensions
    except ImportError:  # pragma: no cover - typing_extensions ships with most stacks
        return False
    return bool(typing_extensions.is_typeddict(tp))


def is_pydantic_model(tp: Any) -> bool:
    if not isinstance(tp, type):
        return False
    try:
        from pydantic import BaseModel
    except ImportError:
        return False
    return issubclass(tp, BaseModel)


def _required_wrappers() -> set[Any]:
    wrappers: set[Any] = {typing.Required, typing.NotRequired}
    try:
        import typing_extensions
    except ImportError:  # pragma: no cover
        return wrappers
    wrappers |= {typing_extensions.Required, typing_extensions.NotRequired}
    return wrappers


REQUIRED_WRAPPERS = _required_wrappers()


def annotated_description(annotation: Any) -> str | None:
    if typing.get_origin(annotation) is not typing.Annotated:
        return None
    for meta in typing.get_args(annotation)[1:]:
        if isinstance(meta, str):
            return meta
        text = getattr(meta, "description", None)
        if isinstance(text, str):
            return text
    return None
