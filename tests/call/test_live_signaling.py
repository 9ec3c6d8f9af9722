"""Kernel signaling for GPT-Live: the request body and reading the answer (pure parts)."""

from __future__ import annotations

import json

import pytest
from openai.types.live import LiveCreateResponse
from openai.types.live.live_create_params import LiveCreateParams

from realtime_widget.live_signaling import live_answer, live_create_body, live_sessions_url
from realtime_widget.minting import RealtimeAPIError


def test_the_body_is_the_sdks_create_params() -> None:
    body = live_create_body("v=0 offer", {"model": "gpt-live-1"})
    assert body == {
        "session": {"model": "gpt-live-1"},
        "transport": {"type": "webrtc", "sdp": "v=0 offer"},
    }
    assert set(body) == set(LiveCreateParams.__annotations__)
    assert live_sessions_url("http://127.0.0.1:9/") == "http://127.0.0.1:9/v1/live/sessions"


def test_the_answer_gives_the_sdp_and_the_session_id() -> None:
    text = json.dumps({"session": {"id": "live_1"}, "transport": {"type": "webrtc", "sdp": "v=0"}})
    LiveCreateResponse.model_validate_json(text, strict=True)
    answer = live_answer(text, "u")
    assert (answer.sdp, answer.call_id) == ("v=0", "live_1")


@pytest.mark.parametrize("text", ["v=0 not json", "{}", '{"transport": {"sdp": ""}}'])
def test_an_answer_without_an_sdp_says_so(text: str) -> None:
    with pytest.raises(RealtimeAPIError, match=r"transport\.sdp"):
        live_answer(text, "http://x/v1/live/sessions")
