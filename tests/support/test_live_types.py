"""The Live validator must reject what the SDK would silently accept, nested Responses
events included."""

from __future__ import annotations

import pytest

from support.live_types import assert_live_client_event, assert_live_server_event

RESOURCE = {"id": "live_1", "expires_at": 1, "model": "gpt-live-1", "status": "active"}


def test_valid_events_pass() -> None:
    assert_live_server_event({"type": "session.started", "event_id": "e", "session": RESOURCE})
    assert_live_server_event({"type": "session.output_audio.delta", "delta": "AAAA"})
    assert_live_client_event({"type": "session.commentary.append", "content": "hi"})


def test_unknown_fields_missing_ids_and_wrong_shapes_fail() -> None:
    with pytest.raises(AssertionError, match=r"session\.voice"):
        assert_live_server_event(
            {"type": "session.started", "event_id": "e", "session": {**RESOURCE, "voice": "x"}}
        )
    with pytest.raises(AssertionError, match="event_id"):
        assert_live_server_event({"type": "session.input_audio.muted"})
    with pytest.raises(AssertionError, match="event_id"):  # audio deltas declare none
        assert_live_server_event(
            {"type": "session.output_audio.delta", "delta": "A", "event_id": "e"}
        )
    with pytest.raises(AssertionError):
        assert_live_client_event({"type": "session.update", "session": {"instructions": "x"}})


def test_a_response_event_is_checked_inside() -> None:
    inner = {
        "type": "response.output_text.delta",
        "item_id": "msg",
        "output_index": 0,
        "content_index": 0,
        "delta": "hi",
        "logprobs": [],
        "sequence_number": 0,
    }
    assert_live_server_event({"type": "response.event", "event_id": "e", "event": inner})
    with pytest.raises(AssertionError, match="nested Responses"):
        assert_live_server_event(
            {"type": "response.event", "event_id": "e", "event": {**inner, "sequence_number": "x"}}
        )
    with pytest.raises(AssertionError, match="extra"):
        assert_live_server_event(
            {"type": "response.event", "event_id": "e", "event": {**inner, "extra": 1}}
        )


def test_the_sideband_union_is_its_own() -> None:
    paused = {"type": "session.paused", "event_id": "e"}
    assert_live_server_event(paused, sideband=True)
    with pytest.raises(AssertionError):
        assert_live_server_event(paused)
