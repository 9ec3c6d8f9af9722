"""Validate GPT-Live events against the official `openai` SDK types, strictly.

The Live twin of `openai_types.py` (same strict walk: a key the SDK model does not declare
fails, with its path): server events against `openai.types.live.ServerEvent` (a sideband's
against `ConnectServerEvent`, its own union), client events against `ClientEvent`, both
discriminated by `type`. A `response.event` wraps a Responses stream event in a plain dict
in the SDK, so that inner event is validated too, against
`openai.types.responses.ResponseStreamEvent`.
"""

from __future__ import annotations

from typing import Any

from openai.types.live import ClientEvent, ConnectServerEvent, ServerEvent, SessionConfig
from openai.types.responses import ResponseStreamEvent
from pydantic import BaseModel, TypeAdapter, ValidationError

from .openai_types import EventShapeError, _check, _unknown_keys

_SERVER = TypeAdapter[Any](ServerEvent)
_SIDEBAND = TypeAdapter[Any](ConnectServerEvent)
_CLIENT = TypeAdapter[Any](ClientEvent)
_RESPONSES = TypeAdapter[Any](ResponseStreamEvent)


def _has_event_id(model: BaseModel) -> bool:
    # Audio deltas (and the sideband's reflected input audio) declare no event_id.
    return "event_id" in type(model).model_fields


def assert_live_server_event(evt: dict[str, Any], *, sideband: bool = False) -> BaseModel:
    """Fail unless `evt` is a valid Live server event with only known fields (and a string
    `event_id` where its type declares one)."""
    model = _check(_SIDEBAND if sideband else _SERVER, evt, "live server")
    if _has_event_id(model) and (not isinstance(evt.get("event_id"), str) or not evt["event_id"]):
        raise EventShapeError(f"live server event {evt.get('type')!r} has no string event_id")
    if evt.get("type") == "response.event":
        _check(_RESPONSES, evt["event"], "nested Responses")
    return model


def assert_live_client_event(evt: dict[str, Any]) -> BaseModel:
    """Fail unless `evt` is a valid Live client event with only known fields."""
    return _check(_CLIENT, evt, "live client")


# -- the names the protocol and fixture tests use ---------------------------------------------

#: A Live event (or session config) that does not match its SDK type.
LiveEventShapeError = EventShapeError
_SESSION_CONFIG = TypeAdapter[Any](SessionConfig)


def check_live_server_event(evt: Any) -> BaseModel:
    """The SDK model of a Live server event (primary connection); raises naming the problem."""
    return assert_live_server_event(evt)


def check_live_client_event(evt: Any) -> BaseModel:
    """The SDK model of a Live client event; raises naming the problem."""
    return assert_live_client_event(evt)


def check_live_event(direction: str, evt: Any) -> BaseModel:
    """Check one logged event by its direction ("server" or "client")."""
    if direction == "server":
        return check_live_server_event(evt)
    if direction == "client":
        return check_live_client_event(evt)
    raise LiveEventShapeError(f"direction must be 'server' or 'client', got {direction!r}")


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
