"""What the session and the sideband put on the wire is what the SDK's `send` would have:
they send `json.dumps(event)` of events already checked against the SDK types and skip
the SDK's per-send transform (`async_maybe_transform`), which must therefore be the
identity on every kind of client event the package builds."""

from __future__ import annotations

import json
from typing import Any, Union

import pytest
from openai._utils import async_maybe_transform
from openai.types.realtime import RealtimeClientEventParam
from openai.types.realtime.response_create_event_with_references_param import (
    ResponseCreateEventWithReferencesParam,
)

from realtime_widget import RealtimeSession, config
from realtime_widget.client_events import check_client_event
from realtime_widget.protocols import REALTIME


def built_events() -> list[dict[str, Any]]:
    s = RealtimeSession(
        api_key="sk-test-wire",
        base_url="http://127.0.0.1:1",
        instructions="Be brief.",
        turn_detection={"type": "semantic_vad", "eagerness": "low"},
        transcription={"model": "gpt-live-transcribe", "languages": ["en", "fr"]},
        noise_reduction="near_field",
        reasoning_effort="low",
        speed=1.2,
        tracing={"workflow_name": "wire", "metadata": {"k": "v"}},
    )

    @s.tool
    def stock(item: str, count: int = 1) -> int:
        """How many are in stock."""
        return count

    session, _ = s._core.settings.for_new_call()
    events = [check_client_event({"type": "session.update", "session": session})]
    events += REALTIME.text_message("Hello", "user", respond=True)
    events.append(
        REALTIME.response_request({"instructions": "Shorter.", "tool_choice": "auto"}, ["stock"])
    )
    for raw in (
        {"type": "input_audio_buffer.append", "audio": "AAAA"},
        {"type": "input_audio_buffer.commit"},
        {"type": "response.cancel"},
        {
            "type": "conversation.item.truncate",
            "item_id": "item_1",
            "content_index": 0,
            "audio_end_ms": 120,
        },
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": "call_1", "output": "7"},
        },
    ):
        events.append(check_client_event(raw))
    assert config.normalize_tool_specs(s.tool_specs)  # the session update carries the tool
    return events


@pytest.mark.parametrize("event", built_events(), ids=lambda e: str(e["type"]))
async def test_the_sdk_transform_changes_nothing(event: dict[str, Any]) -> None:
    sent = await async_maybe_transform(
        event,
        Union[RealtimeClientEventParam, ResponseCreateEventWithReferencesParam],  # noqa: UP007  (as the SDK)
    )
    assert json.loads(json.dumps(sent)) == json.loads(json.dumps(event))
