"""Checking client events before they are sent (pure): JSON-ready, typed, with an event_id."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping
from typing import Any

from . import api_facts as facts


def new_event_id() -> str:
    return "evt_rw_" + uuid.uuid4().hex[:20]


def find_unserializable(value: Any, path: str = "event") -> str | None:
    """The path of the first value that JSON cannot carry, with its type, or None."""
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{path} = {value!r} (not finite)"
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                return f"{path} has a non-str key {k!r} ({type(k).__name__})"
            found = find_unserializable(v, f"{path}[{k!r}]")
            if found:
                return found
        return None
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            found = find_unserializable(v, f"{path}[{i}]")
            if found:
                return found
        return None
    return f"{path} is a {type(value).__name__}"


def check_client_event(event: object) -> dict[str, Any]:
    """A JSON-ready copy of a client event, or TypeError/ValueError naming the problem.

    Checked in this order: a dict with a str `type`, JSON values only, a valid `event_id`
    (added when missing), then a GA client event type (api_facts.CLIENT_EVENT_TYPES) with
    its required fields present.
    """
    copy = json_ready_event(event, example_type="response.create")
    check_event_shape(copy)
    return copy


def json_ready_event(event: object, *, example_type: str) -> dict[str, Any]:
    """A JSON-ready copy of `event` with a valid `event_id` (added when missing), or
    TypeError/ValueError naming the problem; what any API's client event must be before its
    own shape is checked. `example_type` is the type the error names as an example."""
    if not isinstance(event, Mapping):
        raise TypeError(f"event must be a dict with a 'type' key, got {type(event).__name__}")
    kind = event.get("type")
    if not isinstance(kind, str) or not kind:
        raise ValueError(
            f"event must have a non-empty str 'type', such as {example_type!r}; got {kind!r}"
        )
    bad = find_unserializable(dict(event))
    if bad:
        raise TypeError(f"event cannot be sent as JSON: {bad}")
    copy: dict[str, Any] = json.loads(json.dumps(event, allow_nan=False))
    event_id = copy.get("event_id")
    if event_id is None:
        copy["event_id"] = new_event_id()
    elif not isinstance(event_id, str) or not 0 < len(event_id) <= facts.EVENT_ID_MAX_CHARS:
        raise ValueError(
            f"event['event_id'] must be a str of 1 to {facts.EVENT_ID_MAX_CHARS} characters"
        )
    return copy


def check_event_shape(event: Mapping[str, Any]) -> None:
    """ValueError unless `event` is a GA client event type with its required fields."""
    kind = event.get("type")
    required = facts.CLIENT_EVENT_REQUIRED_FIELDS.get(kind) if isinstance(kind, str) else None
    if required is None:
        valid = ", ".join(repr(t) for t in facts.CLIENT_EVENT_TYPES)
        raise ValueError(f"unknown client event type {kind!r}; the GA client events are: {valid}")
    missing = sorted(f for f in required if event.get(f) is None)
    if missing:
        names = ", ".join(repr(f) for f in missing)
        needs = ", ".join(repr(f) for f in sorted(required))
        raise ValueError(
            f"a {kind!r} event is missing the required field(s) {names} (it needs {needs})"
        )
