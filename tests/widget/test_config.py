"""Argument validation and GA session building (realtime_widget.config)."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.realtime import ClientSecretCreateParams, SessionUpdateEvent
from pydantic import TypeAdapter

from realtime_widget import api_facts as facts
from realtime_widget import config


@pytest.mark.parametrize(
    ("fn", "value", "exc", "words"),
    [
        (config.normalize_voice, "maryn", ValueError, ["voice", "'maryn'", "'marin'", "'cedar'"]),
        (config.normalize_voice, 3, TypeError, ["voice", "int"]),
        (config.normalize_model, "", ValueError, ["model"]),
        (config.normalize_model, None, TypeError, ["model", "NoneType"]),
        (config.normalize_instructions, ["x"], TypeError, ["instructions", "list"]),
        (config.normalize_turn_detection, "vad", ValueError, ["turn_detection", "'server_vad'"]),
        (config.normalize_turn_detection, 1, TypeError, ["turn_detection", "int"]),
        (
            config.normalize_turn_detection,
            {"threshold": 0.5},
            ValueError,
            ["turn_detection", "type"],
        ),
        (
            config.normalize_turn_detection,
            {"type": "server_vad", "threshold": 1.5},
            ValueError,
            ["turn_detection", "threshold", "1.5"],
        ),
        (
            config.normalize_turn_detection,
            {"type": "server_vad", "threshold": True},
            TypeError,
            ["turn_detection", "threshold"],
        ),
        (
            config.normalize_turn_detection,
            {"type": "server_vad", "silence_duration_ms": -1},
            ValueError,
            ["turn_detection", "silence_duration_ms"],
        ),
        (
            config.normalize_turn_detection,
            {"type": "server_vad", "prefix_padding_ms": 0.5},
            TypeError,
            ["turn_detection", "prefix_padding_ms"],
        ),
        (
            config.normalize_turn_detection,
            {"type": "semantic_vad", "eagerness": "eager"},
            ValueError,
            ["turn_detection", "eagerness", "'low'", "'auto'"],
        ),
        (
            config.normalize_turn_detection,
            {"type": "semantic_vad", "threshold": 0.5},
            ValueError,
            ["turn_detection", "'threshold'", "semantic_vad"],
        ),
        (
            config.normalize_turn_detection,
            {"type": "server_vad", "create_response": "yes"},
            TypeError,
            ["turn_detection", "create_response"],
        ),
        (
            config.normalize_turn_detection,
            {"type": "semantic_vad", "interrupt_response": 1},
            TypeError,
            ["turn_detection", "interrupt_response"],
        ),
        (config.normalize_transcription, 5, TypeError, ["transcription", "int"]),
        (config.normalize_transcription, {"modle": "x"}, ValueError, ["transcription", "'modle'"]),
        (config.normalize_transcription, {"model": ""}, ValueError, ["transcription", "model"]),
        (config.normalize_transcription, {"language": 1}, TypeError, ["transcription", "language"]),
        (config.normalize_noise_reduction, "near", ValueError, ["noise_reduction", "'near_field'"]),
        (config.normalize_noise_reduction, 2, TypeError, ["noise_reduction"]),
        (config.normalize_output_modalities, ("audio", "text"), ValueError, ["output_modalities"]),
        (config.normalize_output_modalities, ("video",), ValueError, ["output_modalities"]),
        (config.normalize_output_modalities, 1, TypeError, ["output_modalities"]),
        (config.normalize_secret_ttl, 5, ValueError, ["secret_ttl_s", "10", "7200"]),
        (config.normalize_secret_ttl, 7201, ValueError, ["secret_ttl_s"]),
        (config.normalize_secret_ttl, 60.0, TypeError, ["secret_ttl_s", "float"]),
        (config.normalize_base_url, "api.openai.com", ValueError, ["base_url", "http"]),
        (config.normalize_base_url, 1, TypeError, ["base_url"]),
        (config.normalize_api_key, 123, TypeError, ["api_key"]),
        (config.normalize_api_key, "  ", ValueError, ["api_key"]),
        (config.normalize_tool_specs, {"type": "function"}, TypeError, ["tool_specs"]),
        (config.normalize_tool_specs, [{"type": "mcp"}], ValueError, ["tool_specs[0]", "function"]),
        (
            config.normalize_tool_specs,
            [{"type": "function", "name": "a"}, {"type": "function", "name": "a"}],
            ValueError,
            ["tool_specs", "'a'", "unique"],
        ),
    ],
)
def test_bad_arguments_name_the_argument(
    fn: Any, value: Any, exc: type[Exception], words: list[str]
) -> None:
    with pytest.raises(exc) as info:
        fn(value)
    for word in words:
        assert word in str(info.value)


def test_api_key_errors_never_show_the_key() -> None:
    with pytest.raises(ValueError) as info:
        config.normalize_api_key("sk-test-SECRET with space")
    assert "SECRET" not in str(info.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("server_vad", {"type": "server_vad"}),
        ("semantic_vad", {"type": "semantic_vad"}),
        (
            {"type": "server_vad", "threshold": 1, "prefix_padding_ms": 0, "idle_timeout_ms": None},
            {"type": "server_vad", "threshold": 1, "prefix_padding_ms": 0, "idle_timeout_ms": None},
        ),
        (
            {"type": "semantic_vad", "eagerness": "high", "create_response": False},
            {"type": "semantic_vad", "eagerness": "high", "create_response": False},
        ),
    ],
)
def test_turn_detection_accepted(value: Any, expected: Any) -> None:
    assert config.normalize_turn_detection(value) == expected


def test_normalizers_copy_and_fill_defaults() -> None:
    given = {"language": "de"}
    tr = config.normalize_transcription(given)
    assert tr == {"language": "de", "model": facts.DEFAULT_TRANSCRIPTION_MODEL}
    assert given == {"language": "de"}  # the caller's dict is not changed
    assert config.normalize_transcription("whisper-1") == {"model": "whisper-1"}
    assert config.normalize_transcription(None) is None
    assert config.normalize_noise_reduction({"type": "far_field"}) == "far_field"
    assert config.normalize_output_modalities("text") == ["text"]
    assert config.normalize_base_url("https://api.openai.com/v1/") == "https://api.openai.com"
    assert config.normalize_base_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000"


def test_build_session_matches_the_sdk_types() -> None:
    settings = config.SessionSettings(
        voice="cedar",
        instructions="Be brief.",
        turn_detection={"type": "semantic_vad", "eagerness": "low"},
        transcription={"model": "gpt-4o-transcribe", "language": "en"},
        noise_reduction="near_field",
        tool_specs=({"type": "function", "name": "add", "parameters": {"type": "object"}},),
    )
    session = config.build_session(settings)
    assert session == {
        "type": "realtime",
        "model": "gpt-realtime",
        "instructions": "Be brief.",
        "output_modalities": ["audio"],
        "audio": {
            "output": {"voice": "cedar"},
            "input": {
                "turn_detection": {"type": "semantic_vad", "eagerness": "low"},
                "transcription": {"model": "gpt-4o-transcribe", "language": "en"},
                "noise_reduction": {"type": "near_field"},
            },
        },
        "tools": [{"type": "function", "name": "add", "parameters": {"type": "object"}}],
        "tool_choice": "auto",
    }
    body = config.client_secret_body(session, 120)
    assert body["expires_after"] == {"anchor": "created_at", "seconds": 120}
    TypeAdapter(ClientSecretCreateParams).validate_python(body)


def test_push_to_talk_and_transcription_off_are_explicit_nulls() -> None:
    # Leaving the keys out would keep the server defaults (server_vad), the opposite of asked.
    session = config.build_session(config.SessionSettings(turn_detection=None, transcription=None))
    assert session["audio"]["input"]["turn_detection"] is None
    assert session["audio"]["input"]["transcription"] is None
    assert session["audio"]["input"]["noise_reduction"] is None


def test_session_update_carries_only_the_changes() -> None:
    event = config.build_session_update(
        {"instructions": "Speak French.", "voice": "ash"}, event_id="evt_1"
    )
    assert event == {
        "type": "session.update",
        "event_id": "evt_1",
        "session": {
            "type": "realtime",
            "instructions": "Speak French.",
            "audio": {"output": {"voice": "ash"}},
        },
    }
    SessionUpdateEvent.model_validate(event)


def test_session_update_refuses_the_model() -> None:
    with pytest.raises(ValueError, match=r"'model'.*next connect"):
        config.build_session_update({"model": "gpt-realtime-mini"})


def test_client_secret_body_checks_ttl() -> None:
    with pytest.raises(ValueError, match="secret_ttl_s"):
        config.client_secret_body({"type": "realtime"}, 9)
