"""Tidy the JSON schema pydantic writes for a model so it fits a tool's parameters (pure).

pydantic's ``model_json_schema`` adds a ``title`` to everything and puts nested models in
``$defs``; a tool schema is smaller and easier for the model to follow with the titles gone
and the definitions inlined. Only recursive definitions stay ``$ref``s, hoisted to the top of
the parameters. This walk is apart from `type_schema` because it rewrites finished JSON
schemas rather than reading Python types.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Keywords whose value is a schema, a list of schemas or a mapping of schemas;
# used to walk pydantic's output without mistaking a property named "title" for a title.
_SCHEMA_KEYS = {"items", "additionalProperties", "not", "contains", "propertyNames"}
_SCHEMA_LIST_KEYS = {"anyOf", "oneOf", "allOf", "prefixItems"}
_SCHEMA_MAP_KEYS = {"properties", "$defs", "definitions", "patternProperties"}


def strip_titles(schema: Any) -> Any:
    """Drop pydantic's auto ``title`` keywords (they cost tokens and say nothing new)."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title":
            continue
        if key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
            out[key] = {k: strip_titles(v) for k, v in value.items()}
        elif key in _SCHEMA_LIST_KEYS and isinstance(value, list):
            out[key] = [strip_titles(v) for v in value]
        elif key in _SCHEMA_KEYS:
            out[key] = strip_titles(value)
        else:
            out[key] = value
    return out


def inline_refs(
    schema: Any, defs: Mapping[str, Any], hoisted: dict[str, Any], stack: tuple[str, ...]
) -> Any:
    """Replace ``$ref``s with their definitions; a recursive one stays a ``$ref``
    and its definition moves to the top of the parameters schema (``hoisted``)."""
    if isinstance(schema, list):
        return [inline_refs(v, defs, hoisted, stack) for v in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.removeprefix("#/$defs/")
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        if name in stack:
            if name not in hoisted:
                hoisted[name] = {}  # placeholder stops endless recursion
                hoisted[name] = inline_refs(defs[name], defs, hoisted, (name,))
            return schema
        target = inline_refs(defs[name], defs, hoisted, (*stack, name))
        return {**target, **siblings}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
            out[key] = {k: inline_refs(v, defs, hoisted, stack) for k, v in value.items()}
        elif key in _SCHEMA_LIST_KEYS or key in _SCHEMA_KEYS:
            out[key] = inline_refs(value, defs, hoisted, stack)
        else:
            out[key] = value
    return out
