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

The work is split by job: `type_hints` reads annotations, `type_schema` maps one annotation
to a JSON schema, `pydantic_schema` tidies pydantic's own schemas, and this module reads the
function (name, signature, docstring) and assembles the tool.
"""

from __future__ import annotations

import functools
import inspect
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .docstrings import parse_docstring
from .type_hints import DICT_ORIGINS as DICT_ORIGINS
from .type_hints import LIST_ORIGINS as LIST_ORIGINS
from .type_hints import SET_ORIGINS as SET_ORIGINS
from .type_hints import annotated_description, is_pydantic_model, is_typed_dict, strip_annotated
from .type_schema import NO_DEFAULT, SchemaBuilder, ToolSchemaError, annotation_schema, json_default

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

    builder = SchemaBuilder(label)
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
        text = annotated_description(annotation) or doc.params.get(param.name)
        if text:
            prop = {**prop, "description": text}
        if param.default is inspect.Parameter.empty:
            required.append(param.name)
        else:
            encoded = json_default(param.default)
            if encoded is not NO_DEFAULT:
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
