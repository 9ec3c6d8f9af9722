"""Validate Realtime events against the official `openai` SDK types, strictly.

The SDK models accept unknown keys silently (pydantic `extra="allow"`), so a
misspelt field would pass a plain `TypeAdapter` check. These helpers validate
with the SDK's discriminated unions and then walk the parsed model tree: any
key that landed in a model's `model_extra` is a field the SDK does not know and
fails the check, with the path to it.

Known exceptions (fields the real server sends but the SDK request models do
not declare) are listed in `_ALLOWED_EXTRAS` with the reason.
"""

from __future__ import annotations

from typing import Any

from openai.types.realtime import (
    RealtimeClientEvent,
    RealtimeServerEvent,
    RealtimeSessionCreateRequest,
    RealtimeSessionCreateResponse,
)
from pydantic import BaseModel, TypeAdapter, ValidationError

_SERVER = TypeAdapter[Any](RealtimeServerEvent)
_CLIENT = TypeAdapter[Any](RealtimeClientEvent)

# `session.created/updated` carry the session as `RealtimeSessionCreateRequest`
# in the SDK, but the real server adds the response fields (`id`, `object`,
# `expires_at`) that `RealtimeSessionCreateResponse` declares.
_ALLOWED_EXTRAS: dict[type[BaseModel], frozenset[str]] = {
    RealtimeSessionCreateRequest: frozenset(RealtimeSessionCreateResponse.model_fields),
}


class EventShapeError(AssertionError):
    """An event does not match the SDK type for its `type`."""


def _unknown_keys(value: Any, path: str) -> list[str]:
    found: list[str] = []
    if isinstance(value, BaseModel):
        allowed = _ALLOWED_EXTRAS.get(type(value), frozenset())
        for key in value.model_extra or {}:
            if key not in allowed:
                found.append(f"{path}.{key}" if path else key)
        for name in type(value).model_fields:
            found.extend(_unknown_keys(getattr(value, name), f"{path}.{name}" if path else name))
    elif isinstance(value, list | tuple):
        for i, entry in enumerate(value):
            found.extend(_unknown_keys(entry, f"{path}[{i}]"))
    elif isinstance(value, dict):
        for key, entry in value.items():
            found.extend(_unknown_keys(entry, f"{path}.{key}"))
    return found


def _check(adapter: TypeAdapter[Any], evt: dict[str, Any], side: str) -> BaseModel:
    if not isinstance(evt, dict):
        raise EventShapeError(f"{side} event must be a JSON object, got {type(evt).__name__}")
    kind = evt.get("type")
    try:
        model = adapter.validate_python(evt)
    except ValidationError as exc:
        raise EventShapeError(f"{side} event {kind!r} does not match the SDK type:\n{exc}") from exc
    assert isinstance(model, BaseModel)
    declared = type(model).model_fields["type"].annotation
    if getattr(model, "type", None) != kind:
        raise EventShapeError(
            f"{side} event {kind!r} parsed as {type(model).__name__} ({declared})"
        )
    unknown = _unknown_keys(model, "")
    if unknown:
        raise EventShapeError(
            f"{side} event {kind!r} ({type(model).__name__}) has fields the SDK does not know: "
            + ", ".join(unknown)
        )
    return model


def assert_server_event(evt: dict[str, Any]) -> BaseModel:
    """Fail unless `evt` is a valid GA server event with only known fields.

    Server events must also carry a string `event_id`.
    """
    model = _check(_SERVER, evt, "server")
    if not isinstance(evt.get("event_id"), str) or not evt["event_id"]:
        raise EventShapeError(f"server event {evt.get('type')!r} has no string event_id")
    return model


def assert_client_event(evt: dict[str, Any]) -> BaseModel:
    """Fail unless `evt` is a valid GA client event with only known fields."""
    return _check(_CLIENT, evt, "client")
