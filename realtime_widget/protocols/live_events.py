"""GPT-Live client events: which exist, what each requires, and the check before sending (pure).

Hand-written from the `openai` SDK 3.57 (`openai.types.live.ClientEvent`, 15 types), as
`client_events.py` does for the Realtime API: the package does not depend on the SDK at run
time. Each entry lists the required fields and the JSON types each may have; `None` among
them marks a field that is required but nullable (`delegation_id`: "Required, nullable").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from realtime_widget.client_events import json_ready_event

_STR: Final = (str,)
_OBJ: Final = (dict,)
_STR_OR_NULL: Final = (str, type(None))

#: Live client event type → {required field: allowed JSON types}.
LIVE_CLIENT_EVENT_FIELDS: Final[dict[str, dict[str, tuple[type, ...]]]] = {
    "session.start": {"session": _OBJ},
    "session.update": {"session": _OBJ},
    "session.input_audio.append": {"audio": _STR},
    "session.input_audio.mute": {},
    "session.input_audio.unmute": {},
    "session.output_audio.fixture.play": {"audio": _STR},
    "session.instructions.append": {"content": _STR, "delegation_id": _STR_OR_NULL},
    "session.thinking.append": {"content": _STR, "delegation_id": _STR_OR_NULL},
    "session.commentary.append": {"content": _STR, "delegation_id": _STR_OR_NULL},
    "decision.create": {},
    "decision.item.create": {"item": _OBJ},
    "decision.item.delete": {"item_id": _STR},
    "response.item.create": {"item": _OBJ},
    "response.create": {},
    "session.close": {},
}
LIVE_CLIENT_EVENT_TYPES: Final = tuple(LIVE_CLIENT_EVENT_FIELDS)

#: Realtime client events people reach for, and what GPT-Live has instead.
REALTIME_INSTEAD: Final = {
    "conversation.item.create": (
        "GPT-Live has no typed user turn: send speakable context with "
        "session.commentary.append or silent context with session.thinking.append"
    ),
    "response.cancel": (
        "GPT-Live drives turn-taking and barge-in itself; no client event cancels a reply"
    ),
    "conversation.item.truncate": "GPT-Live has no items to truncate",
    "input_audio_buffer.commit": "GPT-Live has no input audio buffer to commit",
    "input_audio_buffer.clear": "GPT-Live has no input audio buffer to clear",
    "output_audio_buffer.clear": "GPT-Live drives barge-in itself",
}

_JSON_NAMES: Final = {str: "a string", dict: "an object", type(None): "null"}


def check_live_client_event(event: object) -> dict[str, Any]:
    """A JSON-ready copy of a Live client event with an `event_id`, or TypeError/ValueError
    naming the problem (the same order of checks as `client_events.check_client_event`).

    `decision.create` requires its `event_id` in the SDK; one is added when missing, as for
    every other event.
    """
    copy = json_ready_event(event, example_type="session.commentary.append")
    check_live_event_shape(copy)
    return copy


def check_live_event_shape(event: Mapping[str, Any]) -> None:
    """ValueError unless `event` is a Live client event type with its required fields."""
    kind = event.get("type")
    fields = LIVE_CLIENT_EVENT_FIELDS.get(kind) if isinstance(kind, str) else None
    if fields is None:
        instead = REALTIME_INSTEAD.get(kind) if isinstance(kind, str) else None
        if instead is not None:
            raise ValueError(f"{kind!r} is a Realtime API event, not a GPT-Live one: {instead}")
        valid = ", ".join(repr(t) for t in LIVE_CLIENT_EVENT_TYPES)
        raise ValueError(f"unknown GPT-Live client event type {kind!r}; they are: {valid}")
    missing = sorted(f for f in fields if f not in event)
    if missing:
        names = ", ".join(repr(f) for f in missing)
        needs = ", ".join(repr(f) for f in sorted(fields))
        raise ValueError(
            f"a {kind!r} event is missing the required field(s) {names} (it needs {needs}"
            + ("; delegation_id may be null" if "delegation_id" in fields else "")
            + ")"
        )
    for name, types in fields.items():
        value = event[name]
        if not isinstance(value, types):
            allowed = " or ".join(_JSON_NAMES[t] for t in types)
            raise ValueError(
                f"{kind!r}: {name!r} must be {allowed}, got {type(value).__name__} {value!r}"
            )
