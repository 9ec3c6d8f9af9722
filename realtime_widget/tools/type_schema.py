"""Map a Python annotation to a JSON schema (the rules listed in `schema`'s docstring).

`SchemaBuilder` walks one annotation tree and refuses, with a `ToolSchemaError` that names
the function and parameter, any type that has no JSON form. It does not read the function:
`schema.describe_tool` reads the signature and docstring and calls it once per parameter
(the docstrings of TypedDicts and dataclasses are read here, for their field descriptions).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import types
import typing
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from .docstrings import parse_docstring
from .pydantic_schema import inline_refs, strip_titles
from .serialize import to_jsonable
from .type_hints import (
    DICT_ORIGINS,
    LIST_ORIGINS,
    REQUIRED_WRAPPERS,
    SET_ORIGINS,
    annotated_description,
    is_pydantic_model,
    is_typed_dict,
    strip_annotated,
)

_SUPPORTED = (
    "str, int, float, bool, Literal[...], an Enum with str or int values, list[T], set[T], "
    "tuple[...], dict[str, T], T | None, datetime/date/time/UUID, a TypedDict, a dataclass, "
    "a pydantic model, or Any for any JSON value"
)

_STRING_FORMATS: dict[Any, str] = {
    dt.datetime: "date-time",
    dt.date: "date",
    dt.time: "time",
    uuid.UUID: "uuid",
}
_PRIMITIVES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


class ToolSchemaError(TypeError):
    """A function cannot be described as a Realtime tool; the message says how to fix it."""


def annotation_schema(annotation: Any) -> dict[str, Any]:
    """The JSON schema of one annotation (``$defs`` inlined into it when needed)."""
    builder = SchemaBuilder("annotation")
    result = builder.schema(annotation, "value")
    if builder.defs:
        result = {**result, "$defs": builder.defs}
    return result


NO_DEFAULT: Any = object()


def json_default(value: Any) -> Any:
    """The JSON form of a parameter default, or ``NO_DEFAULT`` if it has none."""
    try:
        encoded = json.loads(json.dumps(value, default=to_jsonable))
    except (TypeError, ValueError):
        return NO_DEFAULT
    return encoded


class SchemaBuilder:
    """Walks one annotation tree; keeps definitions that must stay as ``$ref``."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.defs: dict[str, Any] = {}
        self._stack: list[Any] = []

    def fail(self, where: str, annotation: Any, why: str) -> ToolSchemaError:
        return ToolSchemaError(
            f"Cannot make {self.label} a tool: {where} has type {_type_repr(annotation)}, {why}"
        )

    def schema(self, annotation: Any, where: str) -> dict[str, Any]:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)

        if origin is typing.Annotated:
            inner = self.schema(args[0], where)
            return {**inner, **_constraints(args[1:], inner)}
        if origin in REQUIRED_WRAPPERS:
            return self.schema(args[0], where)
        if annotation is Any:
            return {}
        if annotation is None or annotation is type(None):
            return {"type": "null"}
        if isinstance(annotation, str | typing.ForwardRef):
            raise self.fail(where, annotation, "which could not be resolved. Define it first.")
        if isinstance(annotation, typing.TypeVar):
            raise self.fail(
                where, annotation, f"a type variable. Use a concrete type: {_SUPPORTED}."
            )
        if origin is typing.Literal:
            return _literal_schema(args)
        if origin is typing.Union or origin is types.UnionType:
            return self._union(args, where)
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            return self._enum(annotation, where)
        if annotation in _PRIMITIVES:
            return {"type": _PRIMITIVES[annotation]}
        if annotation in _STRING_FORMATS:
            return {"type": "string", "format": _STRING_FORMATS[annotation]}
        if annotation in LIST_ORIGINS or origin in LIST_ORIGINS:
            return self._array(args, where)
        if annotation in SET_ORIGINS or origin in SET_ORIGINS:
            return {**self._array(args, where), "uniqueItems": True}
        if annotation is tuple or origin is tuple:
            return self._tuple(annotation, args, where)
        if annotation in DICT_ORIGINS or origin in DICT_ORIGINS:
            return self._dict(annotation, args, where)
        if is_typed_dict(annotation):
            return self._guard(annotation, where, self._typed_dict)
        if is_pydantic_model(annotation):
            return self._pydantic(annotation)
        if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
            return self._guard(annotation, where, self._dataclass)
        raise self.fail(where, annotation, f"which has no JSON form. Use {_SUPPORTED}.")

    def _guard(
        self, tp: Any, where: str, build: Callable[[Any, str], dict[str, Any]]
    ) -> dict[str, Any]:
        if tp in self._stack:
            raise self.fail(
                where,
                tp,
                "which refers to itself. Recursive types need a pydantic model "
                "(its schema keeps the recursion as a $ref).",
            )
        self._stack.append(tp)
        try:
            return build(tp, where)
        finally:
            self._stack.pop()

    def _union(self, args: tuple[Any, ...], where: str) -> dict[str, Any]:
        members = [a for a in args if a is not type(None)]
        nullable = len(members) != len(args)
        schemas = [self.schema(m, where) for m in members]
        if len(schemas) == 1:
            result = schemas[0]
        elif all(set(s) == {"type"} and isinstance(s["type"], str) for s in schemas):
            # int | str reads better as {"type": ["integer", "string"]}.
            result = {"type": [s["type"] for s in schemas]}
        else:
            result = {"anyOf": schemas}
        return _nullable(result) if nullable else result

    def _enum(self, tp: type[enum.Enum], where: str) -> dict[str, Any]:
        values = [member.value for member in tp]
        if values and all(isinstance(v, str) for v in values):
            return {"type": "string", "enum": values}
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return {"type": "integer", "enum": values}
        raise self.fail(
            where,
            tp,
            "an Enum whose values are not all str or all int. "
            "Give the members str (or int) values, or use Literal[...].",
        )

    def _array(self, args: tuple[Any, ...], where: str) -> dict[str, Any]:
        if not args:
            return {"type": "array"}
        return {"type": "array", "items": self.schema(args[0], f"{where} (list item)")}

    def _tuple(self, annotation: Any, args: tuple[Any, ...], where: str) -> dict[str, Any]:
        if not args:
            return {"type": "array"}
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": self.schema(args[0], f"{where} (tuple item)")}
        if args == ((),):  # tuple[()]
            return {"type": "array", "maxItems": 0}
        items = [self.schema(a, f"{where} (tuple item {i})") for i, a in enumerate(args)]
        return {
            "type": "array",
            "prefixItems": items,
            "minItems": len(items),
            "maxItems": len(items),
        }

    def _dict(self, annotation: Any, args: tuple[Any, ...], where: str) -> dict[str, Any]:
        if not args:
            return {"type": "object"}
        key, value = args
        if strip_annotated(key) is not str:
            raise self.fail(
                where, annotation, "but JSON object keys are strings. Use dict[str, T]."
            )
        return {"type": "object", "additionalProperties": self.schema(value, f"{where} (value)")}

    def _typed_dict(self, tp: Any, where: str) -> dict[str, Any]:
        hints = typing.get_type_hints(tp, include_extras=True)
        required_keys: frozenset[str] = getattr(tp, "__required_keys__", frozenset(hints))
        doc = parse_docstring(tp.__doc__)
        return self._object(tp, hints, required_keys, doc.params, doc.description, where, {})

    def _dataclass(self, tp: Any, where: str) -> dict[str, Any]:
        hints = typing.get_type_hints(tp, include_extras=True)
        doc_text = tp.__doc__ or ""
        # The dataclass decorator writes "Name(a: int, ...)" when there is no docstring.
        doc = parse_docstring("" if doc_text.startswith(f"{tp.__name__}(") else doc_text)
        required: set[str] = set()
        defaults: dict[str, Any] = {}
        fields = [f for f in dataclasses.fields(tp) if f.init]
        for f in fields:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                required.add(f.name)
            elif f.default is not dataclasses.MISSING:
                defaults[f.name] = f.default
        field_hints = {f.name: hints[f.name] for f in fields}
        return self._object(
            tp, field_hints, frozenset(required), doc.params, doc.description, where, defaults
        )

    def _object(
        self,
        tp: Any,
        hints: Mapping[str, Any],
        required_keys: frozenset[str],
        descriptions: Mapping[str, str],
        description: str,
        where: str,
        defaults: Mapping[str, Any],
    ) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for key, hint in hints.items():
            prop = self.schema(hint, f"{where} (field {key!r} of {tp.__name__})")
            text = annotated_description(hint) or descriptions.get(key)
            if text:
                prop = {**prop, "description": text}
            if key in defaults:
                encoded = json_default(defaults[key])
                if encoded is not NO_DEFAULT:
                    prop = {**prop, "default": encoded}
            properties[key] = prop
        result: dict[str, Any] = {"type": "object", "properties": properties}
        required = [k for k in hints if k in required_keys]
        if required:
            result["required"] = required
        result["additionalProperties"] = False
        if description:
            result["description"] = description
        return result

    def _pydantic(self, model: Any) -> dict[str, Any]:
        raw = model.model_json_schema(ref_template="#/$defs/{model}")
        defs: dict[str, Any] = raw.pop("$defs", {})
        inlined = inline_refs(
            strip_titles(raw), {k: strip_titles(v) for k, v in defs.items()}, self.defs, ()
        )
        return typing.cast(dict[str, Any], inlined)


def _literal_schema(values: tuple[Any, ...]) -> dict[str, Any]:
    kinds: list[str] = []
    for value in values:
        kind = _json_type(value)
        if kind not in kinds:
            kinds.append(kind)
    return {"type": kinds[0] if len(kinds) == 1 else kinds, "enum": list(values)}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    raise ToolSchemaError(f"Literal value {value!r} is not a JSON value; use str, int or bool.")


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if kind == "null":
        return schema
    simple = "$ref" not in schema and not ({"anyOf", "oneOf", "allOf"} & set(schema))
    if simple and isinstance(kind, str):
        result = {**schema, "type": [kind, "null"]}
    elif simple and isinstance(kind, list):
        result = {**schema, "type": kind if "null" in kind else [*kind, "null"]}
    else:
        return {"anyOf": [schema, {"type": "null"}]}
    if "enum" in result and None not in result["enum"]:
        result["enum"] = [*result["enum"], None]
    return result


def _constraints(metadata: tuple[Any, ...], inner: Mapping[str, Any]) -> dict[str, Any]:
    """JSON schema keywords for ``annotated_types`` / pydantic ``Field`` metadata."""
    is_array = inner.get("type") == "array"
    is_object = inner.get("type") == "object"
    out: dict[str, Any] = {}
    pending = list(metadata)
    while pending:
        meta = pending.pop(0)
        if isinstance(meta, str):
            continue
        nested = getattr(meta, "metadata", None)
        if isinstance(nested, list):  # pydantic FieldInfo holds its constraints in .metadata
            pending.extend(nested)
        for attr, keyword in (
            ("ge", "minimum"),
            ("gt", "exclusiveMinimum"),
            ("le", "maximum"),
            ("lt", "exclusiveMaximum"),
            ("multiple_of", "multipleOf"),
            ("pattern", "pattern"),
        ):
            value = getattr(meta, attr, None)
            if value is not None and not callable(value):
                out[keyword] = value
        for attr, base in (("min_length", "min"), ("max_length", "max")):
            value = getattr(meta, attr, None)
            if isinstance(value, int):
                suffix = "Items" if is_array else "Properties" if is_object else "Length"
                out[f"{base}{suffix}"] = value
    return out


def _type_repr(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__qualname__
    return repr(annotation).replace("typing.", "")
