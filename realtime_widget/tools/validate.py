"""Check the model's arguments against a tool's JSON schema, then turn them into Python values.

The validator covers the JSON schema subset that :mod:`.schema` produces (and
that pydantic emits for ordinary models): ``type``, ``enum``, ``const``,
``properties``, ``required``, ``additionalProperties``, ``items``,
``prefixItems``, ``min/maxItems``, ``uniqueItems``, ``anyOf``/``oneOf``/``allOf``,
local ``$ref``, string length and ``pattern``, numeric bounds. Unknown keywords
(``format``, ``description``, ``default`` …) are ignored. Every problem is
reported at once so the model can fix all of them in one retry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
import re
import types
import typing
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from .schema import (
    DICT_ORIGINS,
    LIST_ORIGINS,
    SET_ORIGINS,
    annotation_schema,
    is_pydantic_model,
    is_typed_dict,
    strip_annotated,
)

__all__ = ["ArgumentValidationError", "coerce_arguments", "schema_errors", "validate_arguments"]


class ArgumentValidationError(ValueError):
    """The arguments do not fit the schema; ``problems`` lists each one as ``"path: what"``."""

    def __init__(self, problems: list[str], *, tool: str | None = None) -> None:
        self.problems = problems
        self.tool = tool
        subject = f"tool {tool!r}" if tool else "the tool"
        lines = "\n".join(f"- {p}" for p in problems)
        super().__init__(f"Invalid arguments for {subject}:\n{lines}")


def validate_arguments(
    schema: Mapping[str, Any],
    args: Any,
    *,
    types: Mapping[str, Any] | None = None,
    tool: str | None = None,
) -> dict[str, Any]:
    """Validate ``args`` (the decoded JSON object) and return them as keyword arguments.

    ``schema`` is a parameters schema or a whole function tool spec. With
    ``types`` (parameter name → annotation) the values are also converted into
    Python values: Enum members, pydantic models, dataclasses, tuples, sets,
    datetimes. Raises :class:`ArgumentValidationError` listing every problem.
    """
    if schema.get("type") == "function" and isinstance(schema.get("parameters"), Mapping):
        tool = tool or schema.get("name")
        schema = schema["parameters"]
    problems = schema_errors(schema, args)
    if problems:
        raise ArgumentValidationError(problems, tool=tool)
    assert isinstance(args, dict)  # the schema is an object schema
    if types is None:
        return dict(args)
    return coerce_arguments(types, args, tool=tool)


def schema_errors(schema: Any, value: Any, *, root: Any = None) -> list[str]:
    """Every way ``value`` fails ``schema``, as ``"path: problem"`` strings (empty if valid)."""
    problems: list[str] = []
    _check(schema, value, "", problems, schema if root is None else root)
    return problems


# --------------------------------------------------------------------------- validation


def _where(path: str) -> str:
    return path or "arguments"


def _show(value: Any) -> str:
    text = json.dumps(value, default=repr)
    return text if len(text) <= 60 else text[:57] + "..."


_JSON_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
    "array": "an array",
    "object": "an object",
}


def _is_type(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if kind == "array":
        return isinstance(value, list | tuple)
    if kind == "object":
        return isinstance(value, dict)
    if isinstance(value, bool):
        return False
    if kind == "integer":
        # JSON has one number type: 3.0 is an integer (JSON Schema draft 6 and later).
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, int | float)
    return True


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


def _resolve(ref: str, root: Any) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref values are supported, got {ref!r}")
    node = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _check(schema: Any, value: Any, path: str, problems: list[str], root: Any) -> None:
    if schema is True or schema == {}:
        return
    if schema is False:
        problems.append(f"{_where(path)}: no value is allowed here")
        return
    if not isinstance(schema, Mapping):
        return
    if "$ref" in schema:
        _check(_resolve(schema["$ref"], root), value, path, problems, root)
    for sub in schema.get("allOf", ()):
        _check(sub, value, path, problems, root)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            _check_alternatives(key, schema[key], value, path, problems, root)

    if "const" in schema and not _json_equal(value, schema["const"]):
        problems.append(f"{_where(path)}: must be {_show(schema['const'])}, got {_show(value)}")
        return
    if "enum" in schema and not any(_json_equal(value, e) for e in schema["enum"]):
        allowed = ", ".join(_show(e) for e in schema["enum"])
        problems.append(f"{_where(path)}: {_show(value)} is not one of {allowed}")
        return

    kind = schema.get("type")
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        if not any(_is_type(value, k) for k in kinds):
            wanted = " or ".join(_JSON_TYPE_NAMES.get(k, k) for k in kinds)
            problems.append(f"{_where(path)}: expected {wanted}, got {_show(value)}")
            return

    if isinstance(value, str):
        _check_string(schema, value, path, problems)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        _check_number(schema, value, path, problems)
    elif isinstance(value, list | tuple):
        _check_array(schema, list(value), path, problems, root)
    elif isinstance(value, dict):
        _check_object(schema, value, path, problems, root)


def _check_alternatives(
    key: str, options: list[Any], value: Any, path: str, problems: list[str], root: Any
) -> None:
    results: list[list[str]] = []
    for option in options:
        found: list[str] = []
        _check(option, value, path, found, root)
        results.append(found)
    matches = sum(1 for r in results if not r)
    if matches == 0:
        kinds = [o.get("type") for o in options if isinstance(o, Mapping)]
        simple = len(kinds) == len(options) and all(isinstance(k, str) for k in kinds)
        if simple and not any(_is_type(value, str(k)) for k in kinds):
            wanted = " or ".join(_JSON_TYPE_NAMES.get(str(k), str(k)) for k in kinds)
            problems.append(f"{_where(path)}: expected {wanted}, got {_show(value)}")
            return
        # The closest alternative's failure is more useful than every alternative's.
        closest = min(results, key=len)
        if len(results) > 1:
            problems.append(
                f"{_where(path)}: {_show(value)} matches none of the {len(results)} allowed "
                f"forms; the closest fails with: {'; '.join(closest)}"
            )
        else:
            problems.extend(closest)
    elif key == "oneOf" and matches > 1:
        problems.append(f"{_where(path)}: {_show(value)} matches more than one allowed form")


def _check_string(schema: Mapping[str, Any], value: str, path: str, problems: list[str]) -> None:
    if "minLength" in schema and len(value) < schema["minLength"]:
        problems.append(f"{_where(path)}: must have at least {schema['minLength']} characters")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        problems.append(f"{_where(path)}: must have at most {schema['maxLength']} characters")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        problems.append(f"{_where(path)}: {_show(value)} does not match {schema['pattern']!r}")


def _check_number(schema: Mapping[str, Any], value: float, path: str, problems: list[str]) -> None:
    where = _where(path)
    if "minimum" in schema and value < schema["minimum"]:
        problems.append(f"{where}: must be >= {schema['minimum']}, got {_show(value)}")
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        problems.append(f"{where}: must be > {schema['exclusiveMinimum']}, got {_show(value)}")
    if "maximum" in schema and value > schema["maximum"]:
        problems.append(f"{where}: must be <= {schema['maximum']}, got {_show(value)}")
    if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
        problems.append(f"{where}: must be < {schema['exclusiveMaximum']}, got {_show(value)}")
    step = schema.get("multipleOf")
    if step and not math.isclose(value / step, round(value / step), abs_tol=1e-9):
        problems.append(f"{where}: must be a multiple of {step}, got {_show(value)}")


def _check_array(
    schema: Mapping[str, Any], value: list[Any], path: str, problems: list[str], root: Any
) -> None:
    where = _where(path)
    if "minItems" in schema and len(value) < schema["minItems"]:
        problems.append(f"{where}: needs at least {schema['minItems']} items, got {len(value)}")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        problems.append(f"{where}: allows at most {schema['maxItems']} items, got {len(value)}")
    if schema.get("uniqueItems"):
        for i, item in enumerate(value):
            if any(_json_equal(item, other) for other in value[:i]):
                problems.append(f"{path}[{i}]: repeats an earlier item ({_show(item)})")
    prefix = schema.get("prefixItems", [])
    for i, item in enumerate(value):
        sub = prefix[i] if i < len(prefix) else schema.get("items", True)
        _check(sub, item, f"{path}[{i}]", problems, root)


def _check_object(
    schema: Mapping[str, Any], value: dict[str, Any], path: str, problems: list[str], root: Any
) -> None:
    properties: Mapping[str, Any] = schema.get("properties", {})
    for key in schema.get("required", ()):
        if key not in value:
            problems.append(f"{_join(path, key)}: required but missing")
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if key in properties:
            _check(properties[key], item, _join(path, key), problems, root)
        elif extra is False:
            allowed = ", ".join(properties) or "none"
            problems.append(f"{_join(path, key)}: unexpected property (allowed: {allowed})")
        else:
            _check(extra, item, _join(path, key), problems, root)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# --------------------------------------------------------------------------- coercion


class _CoercionError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def coerce_arguments(
    types: Mapping[str, Any], args: Mapping[str, Any], *, tool: str | None = None
) -> dict[str, Any]:
    """Convert already validated JSON arguments into values of the annotated Python types."""
    out: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in args.items():
        try:
            out[name] = _coerce(types[name], value, name) if name in types else value
        except _CoercionError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ArgumentValidationError(problems, tool=tool)
    return out


def _coerce(tp: Any, value: Any, path: str) -> Any:
    tp = strip_annotated(tp)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any or tp is object:
        return value
    if origin is typing.Union or origin is types.UnionType:
        return _coerce_union(args, value, path)
    if origin is typing.Literal or tp is None or tp is type(None):
        return value
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        if isinstance(value, float):
            value = int(value)
        return tp(value)
    if tp is int:
        return int(value)
    if tp is float:
        return float(value)
    if tp in (str, bool):
        return value
    if tp in (dt.datetime, dt.date, dt.time, uuid.UUID):
        return _parse_string(tp, value, path)
    if tp in LIST_ORIGINS or origin in LIST_ORIGINS:
        return _coerce_items(args[0] if args else Any, value, path)
    if tp in SET_ORIGINS or origin in SET_ORIGINS:
        items = _coerce_items(args[0] if args else Any, value, path)
        return frozenset(items) if frozenset in (tp, origin) else set(items)
    if tp is tuple or origin is tuple:
        if not args or (len(args) == 2 and args[1] is Ellipsis):
            return tuple(_coerce_items(args[0] if args else Any, value, path))
        entries = zip(range(len(value)), args, value, strict=True)
        return tuple(_coerce_each((i, a, v, f"{path}[{i}]") for i, a, v in entries).values())
    if tp in DICT_ORIGINS or origin in DICT_ORIGINS:
        item = args[1] if args else Any
        return _coerce_each((k, item, v, _join(path, k)) for k, v in value.items())
    if is_typed_dict(tp):
        hints = typing.get_type_hints(tp, include_extras=True)
        return _coerce_each((k, hints[k], v, _join(path, k)) for k, v in value.items())
    if is_pydantic_model(tp):
        return _coerce_pydantic(tp, value, path)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = typing.get_type_hints(tp, include_extras=True)
        fields = _coerce_each((k, hints[k], v, _join(path, k)) for k, v in value.items())
        try:
            return tp(**fields)
        except (TypeError, ValueError) as exc:
            raise _CoercionError([f"{_where(path)}: {type(exc).__name__}: {exc}"]) from exc
    return value


def _coerce_union(members: tuple[Any, ...], value: Any, path: str) -> Any:
    if value is None and type(None) in members:
        return None
    candidates = [m for m in members if m is not type(None)]
    for member in candidates:
        if not schema_errors(annotation_schema(member), value):
            return _coerce(member, value, path)
    return _coerce(candidates[0], value, path) if candidates else value


def _coerce_items(tp: Any, value: list[Any], path: str) -> list[Any]:
    return list(_coerce_each((i, tp, v, f"{path}[{i}]") for i, v in enumerate(value)).values())


def _coerce_each(entries: Iterable[tuple[Any, Any, Any, str]]) -> dict[Any, Any]:
    """Convert each ``(key, type, value, path)``, reporting every failure, not just the first."""
    out: dict[Any, Any] = {}
    problems: list[str] = []
    for key, tp, value, path in entries:
        try:
            out[key] = _coerce(tp, value, path)
        except _CoercionError as exc:
            problems.extend(exc.problems)
    if problems:
        raise _CoercionError(problems)
    return out


def _parse_string(tp: Any, value: str, path: str) -> Any:
    try:
        if tp is uuid.UUID:
            return uuid.UUID(value)
        parsed = tp.fromisoformat(value)
    except ValueError as exc:
        kind = {
            dt.datetime: "an ISO 8601 date-time",
            dt.date: "an ISO 8601 date (YYYY-MM-DD)",
            dt.time: "an ISO 8601 time (HH:MM[:SS])",
            uuid.UUID: "a UUID",
        }[tp]
        raise _CoercionError([f"{_where(path)}: {_show(value)} is not {kind}"]) from exc
    return parsed


def _coerce_pydantic(model: Any, value: Any, path: str) -> Any:
    from pydantic import ValidationError

    try:
        return model.model_validate(value)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = path
            for part in error["loc"]:
                loc = f"{loc}[{part}]" if isinstance(part, int) else _join(loc, str(part))
            problems.append(f"{_where(loc)}: {error['msg']}")
        raise _CoercionError(problems) from exc
