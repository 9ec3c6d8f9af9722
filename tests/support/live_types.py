"""Validate GPT-Live events against the official `openai` SDK types (`openai.types.live`), strictly.

Like `openai_types.py` for the Realtime API: the SDK models accept unknown keys silently
(pydantic `extra="allow"`), so after parsing with the SDK's discriminated unions the parsed
model tree is walked and any key that landed in a `model_extra` fails the check, with its
path. `response.event` types its nested Responses event as a plain dict, so that event is
checked again against `openai.types.responses.ResponseStreamEvent`, strictly too.
"""

from __future__ import annotations

from typing import Any

from openai.types.live import ClientEvent, ServerEvent, SessionConfig
from openai.types.responses import ResponseStreamEvent
from pydantic import BaseModel, TypeAdapter, ValidationError

_SERVER = TypeAdapter[Any](ServerEvent)
_CLIENT = TypeAdapter[Any](ClientEvent)
_RESPONSES = TypeAdapter[Any](ResponseStreamEvent)


class LiveEventShapeError(AssertionError):
    """A Live event does not match the SDK type for its `type`."""


def _unknown_keys(value: Any, path: str) -> list[str]:
    found: list[str] = []
    if isinstance(value, BaseModel):
        for key in value.model_extra or {}:
            found.append(f"{path}.{key}" if path else key)
        for name in type(value).model_fields:
            found.extend(_unknown_keys(getattr(value, name), f"{path}.{name}" if path else name))
    elif isinstance(value, list | tuple):
        for i, entry in enumerate(value):
            found.extend(_unknown_keys(entry, f"{path}[{i}]"))
    return found


def _check(adapter: TypeAdapter[Any], evt: Any, side: str) -> BaseModel:
    if not isinstance(evt, dict):
        raise LiveEventShapeError(f"{side} event must be a JSON object, got {type(evt).__name__}")
    kind = evt.get("type")
    try:
        model = adapter.validate_python(evt)
    except ValidationError as exc:
        raise LiveEventShapeError(
            f"{side} event {kind!r} does not match the SDK type:\n{exc}"
        ) from exc
    assert isinstance(model, BaseModel)
    if getattr(model, "type", None) != kind:
        raise LiveEventShapeError(f"{side} event {kind!r} parsed as {type(model).__name__}")
    unknown = _unknown_keys(model, "")
    if unknown:
        raise LiveEventShapeError(
            f"{side} event {kind!r} ({type(model).__name__}) has fields the SDK does not know: "
            + ", ".join(unknown)
        )
    return model


def check_live_server_event(evt: Any) -> BaseModel:
    """The SDK model of a Live server event; raises `LiveEventShapeError` naming the problem."""
    model = _check(_SERVER, evt, "Live server")
    if evt.get("type") == "response.event":
        _check(_RESPONSES, evt["event"], "Responses (nested in response.event)")
    return model


def check_live_client_event(evt: Any) -> BaseModel:
    """The SDK model of a Live client event; raises `LiveEventShapeError` naming the problem."""
    return _check(_CLIENT, evt, "Live client")


def check_live_event(direction: str, evt: Any) -> BaseModel:
    """Check one logged event by its direction ("server" or "client")."""
    if direction == "server":
        return check_live_server_event(evt)
    if direction == "client":
        return check_live_client_event(evt)
    raise LiveEventShapeError(f"direction must be 'server' or 'client', got {direction!r}")


_SESSION_CONFIG = TypeAdapter[Any](SessionConfig)


def check_live_session_config(config: Any) -> BaseModel:
    """The SDK model of a Live `SessionConfig` (what a session starts with), strictly."""
    try:
        model = _SESSION_CONFIG.validate_python(config)
    except ValidationError as exc:
        raise LiveEventShapeError(
            f"Live session config does not match the SDK type:\n{exc}"
        ) from exc
    assert isinstance(model, BaseModel)
    unknown = _unknown_keys(model, "")
    if unknown:
        raise LiveEventShapeError(
            "Live session config has fields the SDK does not know: " + ", ".join(unknown)
        )
    return model
