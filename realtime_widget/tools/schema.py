"""Turn a typed Python function into a Realtime function tool (GA shape).

``function_schema(fn)`` returns ``{"type": "function", "name", "description",
"parameters"}`` where ``parameters`` is a JSON schema object derived from the
signature (types, defaults) and the docstring (descriptions).

Supported annotations: ``str``, ``int``, ``float``, ``bool``, ``None``,
``Any`` (any JSON value), ``Literal[...]``, ``Enum`` subclasses with str or int
values, ``list[T]`` / ``Sequence[T]``, ``set[T]``, ``tuple[A, B]`` and
``tuple[T, ...]``, ``dict[str, T]`` / ``Mapping[str, T]``, ``Optional[T]`` /
``T | None`` and other unions, ``datetime`` / ``date`` / ``time`` / ``UUID``
(strings with a format), ``TypedDict``, dataclasses, pydantic models (when
pydantic is installed) and ``Annotated[T, "description"]`` or
``Annotated[T, Field(description=..., ge=...)]``.

Anything else raises :class:`ToolSchemaError` naming the function, the
parameter and what to use instead, because a tool the model cannot call
correctly is worse than an error at definition time.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime as dt
import enum
import functools
import inspect
import json
import re
import types
import typing
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .docstrings import parse_docstring
from .serialize import to_jsonable

__all__ = [
    "TOOL_NAME_PATTERN",
    "ToolDefinition",
    "ToolSchemaError",
    "annotation_schema",
    "describe_tool",
    "function_schema",
    "is_pydantic_model",
    "is_typed_dict",
    "strip_annotated",
]

TOOL_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")

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
LIST_ORIGINS = {
    list,
    collections.abc.Sequence,
    collections.abc.MutableSequence,
    collections.abc.Iterable,
    collections.abc.Collection,
}
SET_ORIGINS = {set, frozenset, collections.abc.Set, collections.abc.MutableSet}
DICT_ORIGINS = {dict, collections.abc.Mapping, collections.abc.MutableMapping}
# Keywords whose value is a schema, a list of schemas or a mapping of schemas;
# used to walk pydantic's output without mistaking a property named "title" for a title.
_SCHEMA_KEYS = {"items", "additionalProperties", "not", "contains", "propertyNames"}
_SCHEMA_LIST_KEYS = {"anyOf", "oneOf", "allOf", "prefixItems"}
_SCHEMA_MAP_KEYS = {"properties", "$defs", "definitions", "patternProperties"}


class ToolSchemaError(TypeError):
    """A function cannot be described as a Realtime tool; the message says how to fix it."""


@dataclass(frozen=True)
class ToolDefinition:
    """A function together with everything needed to call it from the model."""

    fn: Callable[..., Any]
    name: str
    description: str
    parameters: dict[str, Any]
    # Annotation of every parameter, used to turn JSON arguments into Python values.
    hints: Mapping[str, Any]
    positional_only: tuple[str, ...] = ()

    def spec(self) -> dict[str, Any]:
        """The GA function tool for ``session.tools``."""
        return {
            "type": "function",
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters,
        }


def function_schema(
    fn: Callable[..., Any], *, name: str | None = None, description: str | None = None
) -> dict[str, Any]:
    """Return the GA function tool (``{"type": "function", ...}``) describing ``fn``."""
    return describe_tool(fn, name=name, description=description).spec()


def describe_tool(
    fn: Callable[..., Any], *, name: str | None = None, description: str | None = None
) -> ToolDefinition:
    """Derive the tool definition of ``fn`` (see the module docstring for the rules)."""
    if not callable(fn):
        raise ToolSchemaError(f"A tool must be a function; got {type(fn).__name__} {fn!r}.")
    tool_name = name if name is not None else _default_name(fn)
    if not isinstance(tool_name, str) or not TOOL_NAME_PATTERN.match(tool_name):
        raise ToolSchemaError(
            f"Tool name {tool_name!r} is not allowed: the Realtime API needs 1 to 64 letters, "
            "digits, '_' or '-'. Pass name='...' to choose another."
        )
    label = f"tool {tool_name!r} ({_qualname(fn)})"
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise ToolSchemaError(f"Cannot read the signature of {label}: {exc}.") from exc
    hints = _resolve_hints(fn, label)
    doc = parse_docstring(inspect.getdoc(fn))

    builder = _SchemaBuilder(label)
    properties: dict[str, Any] = {}
    required: list[str] = []
    param_hints: dict[str, Any] = {}
    positional_only: list[str] = []
    for param in signature.parameters.values():
        where = f"parameter {param.name!r}"
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            star = "*" if param.kind is param.VAR_POSITIONAL else "**"
            raise ToolSchemaError(
                f"Cannot make {label} a tool: {star}{param.name} cannot be described to the model. "
                "Use named parameters, or one parameter typed dict[str, T] or list[T]."
            )
        if param.name not in hints:
            raise ToolSchemaError(
                f"Cannot make {label} a tool: {where} has no type annotation. Annotate it, "
                f"e.g. `{param.name}: str`, or `{param.name}: Any` to accept any JSON value."
            )
        annotation = hints[param.name]
        prop = builder.schema(annotation, where)
        text = _annotated_description(annotation) or doc.params.get(param.name)
        if text:
            prop = {**prop, "description": text}
        if param.default is inspect.Parameter.empty:
            required.append(param.name)
        else:
            encoded = _json_default(param.default)
            if encoded is not _NO_DEFAULT:
                prop = {**prop, "default": encoded}
        properties[param.name] = prop
        param_hints[param.name] = annotation
        if param.kind is param.POSITIONAL_ONLY:
            positional_only.append(param.name)

    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    parameters["additionalProperties"] = False
    if builder.defs:
        parameters["$defs"] = builder.defs

    if description is None:
        description = doc.description
    return ToolDefinition(
        fn=fn,
        name=tool_name,
        description=description,
        parameters=parameters,
        hints=param_hints,
        positional_only=tuple(positional_only),
    )


def annotation_schema(annotation: Any) -> dict[str, Any]:
    """The JSON schema of one annotation (``$defs`` inlined into it when needed)."""
    builder = _SchemaBuilder("annotation")
    result = builder.schema(annotation, "value")
    if builder.defs:
        result = {**result, "$defs": builder.defs}
    return result


def strip_annotated(annotation: Any) -> Any:
    """``Annotated[T, ...]``, ``Required[T]`` and ``NotRequired[T]`` → ``T``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated or origin in _REQUIRED_WRAPPERS:
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


_REQUIRED_WRAPPERS = _required_wrappers()


def _default_name(fn: Callable[..., Any]) -> str:
    if isinstance(fn, functools.partial):
        raise ToolSchemaError(
            f"A functools.partial has no name of its own; pass name='...' for {fn!r}."
        )
    name = getattr(fn, "__name__", None)
    if name is None:
        name = type(fn).__name__
    if name == "<lambda>":
        raise ToolSchemaError("A lambda has no usable name; pass name='...' (e.g. 'get_weather').")
    return str(name)


def _qualname(fn: Callable[..., Any]) -> str:
    return str(getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn))


def _resolve_hints(fn: Callable[..., Any], label: str) -> dict[str, Any]:
    target: Any = fn
    if isinstance(fn, functools.partial):
        target = fn.func
    elif not (inspect.isfunction(fn) or inspect.ismethod(fn)) and callable(fn):
        # A callable object: its __call__ carries the annotations.
        target = type(fn).__call__ if not inspect.isbuiltin(fn) else fn
    try:
        return typing.get_type_hints(target, include_extras=True)
    except NameError as exc:
        missing = getattr(exc, "name", None) or ""
        annotations = getattr(target, "__annotations__", {})
        culprits = [
            f"parameter {param!r}"
            for param, text in annotations.items()
            if param != "return" and isinstance(text, str) and missing and missing in text
        ]
        where = culprits[0] if culprits else "an annotation"
        raise ToolSchemaError(
            f"Cannot make {label} a tool: {where} names {missing or 'something'!r}, which is "
            f"not defined ({exc}). Define or import it at module level before registering "
            "the tool (classes local to a function cannot be resolved from string annotations)."
        ) from exc
    except TypeError:
        return {}


def _annotated_description(annotation: Any) -> str | None:
    if typing.get_origin(annotation) is not typing.Annotated:
        return None
    for meta in typing.get_args(annotation)[1:]:
        if isinstance(meta, str):
            return meta
        text = getattr(meta, "description", None)
        if isinstance(text, str):
            return text
    return None


_NO_DEFAULT: Any = object()


def _json_default(value: Any) -> Any:
    """The JSON form of a parameter default, or ``_NO_DEFAULT`` if it has none."""
    try:
        encoded = json.loads(json.dumps(value, default=to_jsonable))
    except (TypeError, ValueError):
        return _NO_DEFAULT
    return encoded


class _SchemaBuilder:
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
        if origin in _REQUIRED_WRAPPERS:
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
            text = _annotated_description(hint) or descriptions.get(key)
            if text:
                prop = {**prop, "description": text}
            if key in defaults:
                encoded = _json_default(defaults[key])
                if encoded is not _NO_DEFAULT:
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
        inlined = _inline_refs(
            _strip_titles(raw), {k: _strip_titles(v) for k, v in defs.items()}, self.defs, ()
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


def _strip_titles(schema: Any) -> Any:
    """Drop pydantic's auto ``title`` keywords (they cost tokens and say nothing new)."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title":
            continue
        if key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
            out[key] = {k: _strip_titles(v) for k, v in value.items()}
        elif key in _SCHEMA_LIST_KEYS and isinstance(value, list):
            out[key] = [_strip_titles(v) for v in value]
        elif key in _SCHEMA_KEYS:
            out[key] = _strip_titles(value)
        else:
            out[key] = value
    return out


def _inline_refs(
    schema: Any, defs: Mapping[str, Any], hoisted: dict[str, Any], stack: tuple[str, ...]
) -> Any:
    """Replace ``$ref``s with their definitions; a recursive one stays a ``$ref``
    and its definition moves to the top of the parameters schema (``hoisted``)."""
    if isinstance(schema, list):
        return [_inline_refs(v, defs, hoisted, stack) for v in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.removeprefix("#/$defs/")
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        if name in stack:
            if name not in hoisted:
                hoisted[name] = {}  # placeholder stops endless recursion
                hoisted[name] = _inline_refs(defs[name], defs, hoisted, (name,))
            return schema
        target = _inline_refs(defs[name], defs, hoisted, (*stack, name))
        return {**target, **siblings}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
            out[key] = {k: _inline_refs(v, defs, hoisted, stack) for k, v in value.items()}
        elif key in _SCHEMA_LIST_KEYS or key in _SCHEMA_KEYS:
            out[key] = _inline_refs(value, defs, hoisted, stack)
        else:
            out[key] = value
    return out


def _type_repr(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__qualname__
    return repr(annotation).replace("typing.", "")
