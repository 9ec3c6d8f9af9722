"""client_events.check_client_event and config.build_response_create refuse what the API would.

The list of GA client event types and each type's required fields are pure tables in
realtime_widget.api_facts; these tests derive both from the installed `openai` SDK (the ground
truth for event shapes) so that the tables cannot drift from it.
"""

from __future__ import annotations

import typing
from typing import Any

import pytest
from openai.types.realtime import RealtimeClientEvent
from pydantic import BaseModel

from realtime_widget import api_facts as facts
from realtime_widget import config
from realtime_widget.client_events import check_client_event


def _sdk_client_event_models() -> list[type[BaseModel]]:
    union = typing.get_args(RealtimeClientEvent)[0]  # Annotated[Union[...], discriminator]
    models = [m for m in typing.get_args(union) if isinstance(m, type)]
    assert models and all(issubclass(m, BaseModel) for m in models)
    return models


def _sdk_required_fields() -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for model in _sdk_client_event_models():
        (kind,) = typing.get_args(model.model_fields["type"].annotation)
        out[kind] = frozenset(
            name for name, f in model.model_fields.items() if f.is_required() and name != "type"
        )
    return out


def test_client_event_types_match_the_sdk_union() -> None:
    assert set(facts.CLIENT_EVENT_TYPES) == set(_sdk_required_fields())
    assert len(facts.CLIENT_EVENT_TYPES) == len(set(facts.CLIENT_EVENT_TYPES))


def test_required_fields_match_the_sdk_models() -> None:
    assert dict(facts.CLIENT_EVENT_REQUIRED_FIELDS) == {
        k: frozenset(v) for k, v in _sdk_required_fields().items()
    }


def test_unknown_event_type_is_refused_with_the_valid_types() -> None:
    with pytest.raises(ValueError, match=r"nonsense\.event") as info:
        check_client_event({"type": "nonsense.event"})
    for kind in facts.CLIENT_EVENT_TYPES:
        assert repr(kind) in str(info.value)


_TRUNCATE = "conversation.item.truncate"


@pytest.mark.parametrize(
    ("event", "missing"),
    [
        ({"type": "conversation.item.create"}, "item"),
        ({"type": "conversation.item.delete"}, "item_id"),
        ({"type": "conversation.item.retrieve"}, "item_id"),
        ({"type": _TRUNCATE, "content_index": 0, "audio_end_ms": 10}, "item_id"),
        ({"type": _TRUNCATE, "item_id": "i", "audio_end_ms": 10}, "content_index"),
        ({"type": _TRUNCATE, "item_id": "i", "content_index": 0}, "audio_end_ms"),
        ({"type": "input_audio_buffer.append"}, "audio"),
        ({"type": "session.update"}, "session"),
        ({"type": "session.update", "session": None}, "session"),
    ],
)
def test_missing_required_field_names_type_and_field(event: dict[str, Any], missing: str) -> None:
    with pytest.raises(ValueError) as info:
        check_client_event(event)
    text = str(info.value)
    assert repr(event["type"]) in text and repr(missing) in text, text


@pytest.mark.parametrize(
    "event",
    [
        {"type": "response.cancel"},
        {"type": "response.create"},
        {"type": "input_audio_buffer.clear"},
        {"type": "input_audio_buffer.commit"},
        {"type": "output_audio_buffer.clear"},
        {"type": "conversation.item.create", "item": {"type": "message", "role": "user"}},
        {"type": "conversation.item.delete", "item_id": "item_1"},
        {"type": "conversation.item.retrieve", "item_id": "item_1"},
        {
            "type": "conversation.item.truncate",
            "item_id": "item_1",
            "content_index": 0,
            "audio_end_ms": 0,
        },
        {"type": "input_audio_buffer.append", "audio": ""},
        {"type": "session.update", "session": {"type": "realtime"}},
    ],
    ids=lambda e: e["type"],
)
def test_complete_known_events_pass(event: dict[str, Any]) -> None:
    checked = check_client_event(event)
    assert checked["type"] == event["type"] and checked["event_id"]


def test_every_sdk_example_with_only_required_fields_passes() -> None:
    for kind, required in _sdk_required_fields().items():
        check_client_event({"type": kind, **dict.fromkeys(required, "x")})


def test_respond_tool_choice_must_name_a_registered_tool() -> None:
    with pytest.raises(ValueError, match="nope") as info:
        config.build_response_create({"tool_choice": "nope"}, tool_names=["get_weather", "add"])
    assert "'add'" in str(info.value) and "'get_weather'" in str(info.value)
    with pytest.raises(ValueError, match="no tools are registered"):
        config.build_response_create({"tool_choice": "nope"}, tool_names=[])
    with pytest.raises(ValueError, match="nope"):
        config.build_response_create(
            {"tool_choice": {"type": "function", "name": "nope"}}, tool_names=["add"]
        )
    ok = config.build_response_create({"tool_choice": "add"}, tool_names=["add"])
    assert ok["response"]["tool_choice"] == {"type": "function", "name": "add"}
    for mode in ("auto", "none", "required"):
        assert config.build_response_create({"tool_choice": mode}, tool_names=[])["response"][
            "tool_choice"
        ] == (mode)
    # None: not checked (the caller does not know the tools).
    loose = config.build_response_create({"tool_choice": "nope"})
    assert loose["response"]["tool_choice"] == {"type": "function", "name": "nope"}


def test_respond_tool_choice_may_name_a_tool_given_for_this_response() -> None:
    spec = {"type": "function", "name": "only_now", "parameters": {"type": "object"}}
    event = config.build_response_create(
        {"tools": [spec], "tool_choice": "only_now"}, tool_names=["add"]
    )
    assert event["response"]["tool_choice"] == {"type": "function", "name": "only_now"}
