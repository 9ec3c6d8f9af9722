"""GA session validation (field paths and codes like the real API), defaults and merging."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.realtime import RealtimeSessionCreateRequest

from realtime_widget.emulator.session_config import (
    default_session,
    merge_session,
    validate_response_params,
    validate_session,
)


def test_default_session_is_a_valid_sdk_session() -> None:
    s = default_session("gpt-realtime-mini")
    assert validate_session(s) == []
    model = RealtimeSessionCreateRequest.model_validate(s)
    assert model.model_extra == {} and s["model"] == "gpt-realtime-mini"


def test_full_client_session_with_every_ga_field_is_accepted() -> None:
    s: dict[str, Any] = {
        "type": "realtime",
        "model": "gpt-realtime",
        "instructions": "x",
        "output_modalities": ["audio"],
        "tracing": {"workflow_name": "w"},
        "include": ["item.input_audio_transcription.logprobs"],
        "truncation": {"type": "retention_ratio", "retention_ratio": 0.5},
        "prompt": {"id": "pmpt_1"},
        "max_output_tokens": "inf",
        "tool_choice": {"type": "function", "name": "f"},
        "tools": [
            {"type": "function", "name": "f", "description": "d", "parameters": {"type": "object"}}
        ],
        "parallel_tool_calls": False,
        "audio": {
            "input": {
                "format": {"type": "audio/pcmu"},
                "noise_reduction": {"type": "far_field"},
                "transcription": {"model": "whisper-1", "language": "en"},
                "turn_detection": {"type": "server_vad", "threshold": 0.3, "idle_timeout_ms": 6000},
            },
            "output": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "voice": {"id": "voice_1"},
                "speed": 0.25,
            },
        },
    }
    assert validate_session(s) == []


@pytest.mark.parametrize(
    ("session", "param", "code"),
    [
        ({"type": "beta"}, "session.type", "invalid_value"),
        ({}, "session.type", "missing_required_parameter"),
        ({"type": "realtime", "instructions": 3}, "session.instructions", "invalid_type"),
        (
            {"type": "realtime", "output_modalities": ["text", "audio"]},
            "session.output_modalities",
            "invalid_value",
        ),
        (
            {"type": "realtime", "max_output_tokens": 5000},
            "session.max_output_tokens",
            "integer_above_max_value",
        ),
        ({"type": "realtime", "tool_choice": "sometimes"}, "session.tool_choice", "invalid_value"),
        (
            {"type": "realtime", "tools": [{"type": "function", "name": "bad name"}]},
            "session.tools[0].name",
            "invalid_value",
        ),
        (
            {"type": "realtime", "audio": {"input": {"transcription": {"model": "nope"}}}},
            "session.audio.input.transcription.model",
            "invalid_value",
        ),
        (
            {
                "type": "realtime",
                "audio": {"input": {"turn_detection": {"type": "server_vad", "threshold": 1.5}}},
            },
            "session.audio.input.turn_detection.threshold",
            "decimal_above_max_value",
        ),
        (
            {
                "type": "realtime",
                "audio": {"input": {"turn_detection": {"type": "server_vad", "eagerness": "low"}}},
            },
            "session.audio.input.turn_detection.eagerness",
            "unknown_parameter",
        ),
        (
            {
                "type": "realtime",
                "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}},
            },
            "session.audio.input.format.rate",
            "invalid_value",
        ),
        (
            {"type": "realtime", "audio": {"output": {"speed": 0.1}}},
            "session.audio.output.speed",
            "decimal_below_min_value",
        ),
        ({"type": "realtime", "voice": "alloy"}, "session.voice", "unknown_parameter"),
    ],
)
def test_problems_name_the_field(session: dict[str, Any], param: str, code: str) -> None:
    problems = validate_session(session)
    assert problems, session
    assert (problems[0].param, problems[0].code) == (param, code)
    assert param in problems[0].message or code == "invalid_value"


def test_client_secret_style_session_without_type_when_not_required() -> None:
    assert validate_session({"instructions": "x"}, require_type=False) == []


def test_merge_keeps_unrelated_fields_and_fills_turn_detection_defaults() -> None:
    base = default_session()
    merged = merge_session(base, {"type": "realtime", "audio": {"output": {"voice": "cedar"}}})
    assert merged["audio"]["output"] == {**base["audio"]["output"], "voice": "cedar"}
    assert merged["audio"]["input"] == base["audio"]["input"]
    td = merge_session(
        base,
        {
            "audio": {
                "input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 200}}
            }
        },
    )
    assert td["audio"]["input"]["turn_detection"]["silence_duration_ms"] == 200
    assert td["audio"]["input"]["turn_detection"]["threshold"] == 0.5
    off = merge_session(base, {"audio": {"input": {"turn_detection": None, "transcription": None}}})
    assert off["audio"]["input"]["turn_detection"] is None
    tools = merge_session(base, {"tools": [{"type": "function", "name": "a"}]})
    assert merge_session(tools, {"tools": []})["tools"] == []
    assert "id" not in merge_session(base, {"id": "sess_x", "object": "realtime.session"})
    assert base == default_session()  # inputs untouched


def test_response_params() -> None:
    assert (
        validate_response_params(
            {"conversation": "none", "output_modalities": ["text"], "metadata": {"k": "v"}}
        )
        == []
    )
    bad = validate_response_params({"conversation": "maybe"})
    assert bad[0].param == "response.conversation"
    assert validate_response_params({"voice": "x"})[0].code == "unknown_parameter"
