"""The shared SDK validator must reject what the SDK would silently accept."""

from __future__ import annotations

import pytest

from support.openai_types import assert_client_event, assert_server_event


def test_valid_events_pass() -> None:
    assert_server_event(
        {
            "type": "response.output_text.delta",
            "event_id": "e1",
            "response_id": "r",
            "item_id": "i",
            "output_index": 0,
            "content_index": 0,
            "delta": "hi",
        }
    )
    assert_client_event(
        {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"output": {"voice": "marin"}}},
        }
    )


def test_misspelt_fields_fail_even_nested() -> None:
    with pytest.raises(AssertionError, match="respose_id"):
        assert_server_event(
            {
                "type": "output_audio_buffer.started",
                "event_id": "e",
                "response_id": "r",
                "respose_id": "r",
            }
        )
    with pytest.raises(AssertionError, match=r"item\.content"):
        assert_server_event(
            {
                "type": "conversation.item.added",
                "event_id": "e",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "txt": "x"}],
                },
            }
        )
    with pytest.raises(AssertionError, match=r"session\.audio\.output\.voise"):
        assert_client_event(
            {
                "type": "session.update",
                "session": {"type": "realtime", "audio": {"output": {"voise": "marin"}}},
            }
        )


def test_wrong_types_and_unknown_events_fail() -> None:
    with pytest.raises(AssertionError):
        assert_server_event(
            {
                "type": "input_audio_buffer.speech_started",
                "event_id": "e",
                "item_id": "i",
                "audio_start_ms": "soon",
            }
        )
    with pytest.raises(AssertionError):
        assert_server_event({"type": "response.text.delta", "event_id": "e"})  # beta name
    with pytest.raises(AssertionError, match="event_id"):
        assert_server_event({"type": "input_audio_buffer.cleared"})
    with pytest.raises(AssertionError):
        assert_client_event(
            {"type": "session.updated", "session": {"type": "realtime"}}
        )  # a server event


def test_server_session_fields_are_allowed_only_on_sessions() -> None:
    assert_server_event(
        {
            "type": "session.created",
            "event_id": "e",
            "session": {
                "type": "realtime",
                "id": "sess_1",
                "object": "realtime.session",
                "expires_at": 1,
            },
        }
    )
    with pytest.raises(AssertionError, match="expires_at"):
        assert_server_event(
            {"type": "input_audio_buffer.cleared", "event_id": "e", "expires_at": 1}
        )
