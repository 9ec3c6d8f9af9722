"""SessionControl (pending updates by event_id, rollback) and reconnect item building: pure."""

from __future__ import annotations

import math
from typing import Any

import pytest

from realtime_widget.reconnect import context_events, history_items
from realtime_widget.session_control import SessionControl, changed_fields
from tests.support.openai_types import assert_client_event


def test_changed_fields_skips_fixed_and_equal_values() -> None:
    current = {"model": "b", "voice": "ash", "instructions": "x", "tool_specs": []}
    expected = {"model": "a", "voice": "marin", "instructions": "x", "tool_specs": []}
    assert changed_fields(current, expected, skip=frozenset({"model"})) == {"voice": "ash"}


def test_updates_are_confirmed_oldest_first() -> None:
    control = SessionControl({"instructions": "v1", "voice": "marin"})
    control.sent("e1", {"instructions": "v2"})
    control.sent("e2", {"voice": "ash"})
    assert control.expected() == {"instructions": "v2", "voice": "ash"}
    assert control.in_force == {"instructions": "v1", "voice": "marin"}
    assert control.confirmed() == {"instructions": "v2"}
    assert control.in_force == {"instructions": "v2", "voice": "marin"}
    assert list(control.pending) == ["e2"]
    assert control.confirmed() == {"voice": "ash"}
    assert control.confirmed() is None  # an update someone else sent


def test_rejected_update_rolls_back_to_what_is_in_force() -> None:
    control = SessionControl({"instructions": "v1", "voice": "marin"})
    control.sent("e1", {"instructions": "v2", "voice": "ash"})
    rejected = control.rejected("e1", "bad voice", "invalid_value")
    assert rejected is not None
    assert rejected.rollback == {"instructions": "v1", "voice": "marin"}
    assert rejected.attempted == {"instructions": "v2", "voice": "ash"}
    assert rejected.code == "invalid_value"
    assert control.pending == {}
    assert control.rejected("e1", "again") is None  # answered once
    assert control.rejected("unknown", "not ours") is None


def test_rollback_keeps_earlier_pending_and_later_updates() -> None:
    control = SessionControl({"instructions": "v1", "voice": "marin", "noise_reduction": None})
    control.sent("e1", {"instructions": "v2"})
    control.sent("e2", {"instructions": "v3", "voice": "ash"})
    control.sent("e3", {"voice": "coral"})
    rejected = control.rejected("e2", "nope")
    assert rejected is not None
    # instructions: the earlier pending update still stands; voice: a later one sets it again.
    assert rejected.rollback == {"instructions": "v2"}
    assert control.expected() == {"instructions": "v2", "voice": "coral", "noise_reduction": None}


def test_event_ids_must_be_unique() -> None:
    control = SessionControl({})
    control.sent("e1", {"instructions": "a"})
    with pytest.raises(ValueError, match="already pending"):
        control.sent("e1", {"instructions": "b"})


ROWS: list[dict[str, Any]] = [
    {"item_id": "item_u1", "role": "user", "kind": "audio", "text": "Hi there", "deleted": False},
    {"item_id": "item_u0", "role": "user", "kind": "audio", "text": "", "deleted": False},
    {
        "item_id": "item_a1",
        "role": "assistant",
        "kind": "audio",
        "text": "Hello, how can",
        "status": "interrupted",
        "deleted": False,
    },
    {"item_id": "item_s1", "role": "system", "kind": "text", "text": "Be brief."},
    {
        "item_id": "item_f1",
        "role": "assistant",
        "kind": "function_call",
        "text": '{"city": "Paris"}',
        "name": "weather",
        "call_id": "call_1",
    },
    {
        "item_id": "item_o1",
        "role": "tool",
        "kind": "function_output",
        "text": '{"temp_c": 18}',
        "call_id": "call_1",
    },
    {"item_id": "item_o9", "role": "tool", "kind": "function_output", "text": "x", "call_id": "c9"},
    {"item_id": "item_d1", "role": "user", "kind": "text", "text": "gone", "deleted": True},
    {"item_id": "x" * 40, "role": "assistant", "kind": "text", "text": "long id", "name": math.nan},
]


def test_history_items_are_text_items_in_order() -> None:
    items = history_items(ROWS)
    assert items == [
        {
            "id": "item_u1",
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "Hi there"}],
        },
        {
            "id": "item_a1",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Hello, how can"}],
        },
        {
            "id": "item_s1",
            "type": "message",
            "role": "system",
            "content": [{"type": "input_text", "text": "Be brief."}],
        },
        {
            "id": "item_f1",
            "type": "function_call",
            "call_id": "call_1",
            "name": "weather",
            "arguments": '{"city": "Paris"}',
        },
        {
            "id": "item_o1",
            "type": "function_call_output",
            "call_id": "call_1",
            "output": '{"temp_c": 18}',
        },
        # An id too long to reuse is left to the server.
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "long id"}],
        },
    ]
    for event in context_events(items):
        assert_client_event(event)
