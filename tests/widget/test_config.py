"""Argument validation and GA session building (realtime_widget.config)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from openai.types.realtime import ClientSecretCreateParams, SessionUpdateEvent
from pydantic import TypeAdapter

from realtime_widget import ModelDeprecationWarning, config
from realtime_widget import api_facts as facts
from tests.support.openai_types import assert_client_event


@pytest.fixture(autouse=True)
def fresh_deprecation_memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts as a fresh process: no model has been warned about yet."""
    monkeypatch.setattr(config, "_warned_models", set())
    yield


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
    assert config.normalize_transcription("gpt-realtime-whisper") == {
        "model": "gpt-realtime-whisper"
    }
    assert config.normalize_transcription(None) is None
    assert config.normalize_noise_reduction({"type": "far_field"}) == "far_field"
    assert config.normalize_noise_reduction({"type": "far_field", "strength": 1}) == {
        "type": "far_field",
        "strength": 1.0,
    }
    assert config.normalize_output_modalities("text") == ["text"]
    assert config.normalize_base_url("https://api.openai.com/v1/") == "https://api.openai.com"
    assert config.normalize_base_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000"


def test_build_session_matches_the_sdk_types() -> None:
    settings = config.SessionSettings(
        voice="cedar",
        instructions="Be brief.",
        turn_detection={"type": "semantic_vad", "eagerness": "low"},
        transcription={"model": "gpt-live-transcribe", "language": "en"},
        noise_reduction="near_field",
        tool_specs=({"type": "function", "name": "add", "parameters": {"type": "object"}},),
    )
    session = config.build_session(settings)
    assert session == {
        "type": "realtime",
        "model": "gpt-realtime-2.1",
        "instructions": "Be brief.",
        "output_modalities": ["audio"],
        "audio": {
            "output": {"voice": "cedar"},
            "input": {
                "turn_detection": {"type": "semantic_vad", "eagerness": "low"},
                "transcription": {"model": "gpt-live-transcribe", "language": "en"},
                "noise_reduction": {"type": "near_field"},
            },
        },
        "tools": [{"type": "function", "name": "add", "parameters": {"type": "object"}}],
        "tool_choice": "auto",
    }
    # None 2.x fields are not sent at all (the server defaults apply).
    for key in ("reasoning", "parallel_tool_calls", "tracing"):
        assert key not in session
    assert "speed" not in session["audio"]["output"]
    assert_client_event({"type": "session.update", "session": session})
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
    assert_client_event(event)


def test_session_update_refuses_the_model() -> None:
    with pytest.raises(ValueError, match=r"'model'.*next connect"):
        config.build_session_update({"model": "gpt-realtime-mini"})


def test_client_secret_body_checks_ttl() -> None:
    with pytest.raises(ValueError, match="secret_ttl_s"):
        config.client_secret_body({"type": "realtime"}, 9)


# --- models: retiring ones warn once, shut-down ones are refused -------------------------


def test_a_retiring_realtime_model_warns_once_per_name() -> None:
    with pytest.warns(ModelDeprecationWarning) as caught:
        assert config.normalize_model("gpt-realtime") == "gpt-realtime"
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "'gpt-realtime'" in message and "2027-01-20" in message
    assert "'gpt-realtime-2.1'" in message  # the replacement
    assert issubclass(ModelDeprecationWarning, FutureWarning)  # notebooks show it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config.normalize_model("gpt-realtime")  # the same name again: silent
    with pytest.warns(ModelDeprecationWarning, match="gpt-realtime-mini-2025-12-15"):
        config.normalize_model("gpt-realtime-mini-2025-12-15")  # another name warns


def test_a_retiring_transcription_model_warns_once() -> None:
    with pytest.warns(ModelDeprecationWarning, match=r"'whisper-1'.*2027-02-26"):
        assert config.normalize_transcription("whisper-1") == {"model": "whisper-1"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config.normalize_transcription({"model": "whisper-1", "language": "en"})


@pytest.mark.parametrize(
    "name", ["gpt-4o-realtime-preview", "gpt-4o-mini-realtime-preview-2024-12-17"]
)
def test_a_shut_down_model_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=rf"'{name}' was shut down by OpenAI on 2026-05-07"):
        config.normalize_model(name)


def test_current_and_unknown_models_are_silent() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("gpt-realtime-2.1", "gpt-realtime-2.1-mini", "gpt-realtime-2", "my-tune"):
            assert config.normalize_model(name) == name
        for name in ("gpt-live-transcribe", "gpt-transcribe", "some-future-transcriber"):
            assert config.normalize_transcription(name) == {"model": name}


# --- transcription options per model -------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "key", "value", "takers"),
    [
        ("gpt-realtime-whisper", "prompt", "tech talk", ["'gpt-live-transcribe'", "'whisper-1'"]),
        ("gpt-realtime-whisper", "keywords", ["AC-42"], ["'gpt-transcribe'"]),
        ("gpt-live-transcribe", "delay", "low", ["'gpt-realtime-whisper'"]),
        ("gpt-transcribe", "delay", "high", ["'gpt-realtime-whisper'"]),
        ("gpt-4o-transcribe-diarize", "prompt", "x", ["'gpt-4o-transcribe'"]),
        ("whisper-1", "languages", ["en", "fr"], ["'gpt-live-transcribe'"]),
        ("gpt-4o-mini-transcribe-2025-12-15", "keywords", ["x"], ["'gpt-transcribe'"]),
    ],
)
def test_an_option_the_model_does_not_take_is_named(
    model: str, key: str, value: Any, takers: list[str]
) -> None:
    with pytest.raises(ValueError) as info:
        config.normalize_transcription({"model": model, key: value})
    text = str(info.value)
    assert f"{key!r}" in text and f"{model!r}" in text and "accept it" in text
    for taker in takers:
        assert taker in text


def test_options_each_model_takes() -> None:
    ok = [
        {"model": "gpt-live-transcribe", "prompt": "A call.", "keywords": ["AC-42"]},
        {"model": "gpt-transcribe", "languages": ["en", "fr"], "prompt": "A call."},
        {"model": "gpt-realtime-whisper", "delay": "minimal", "language": "en"},
        # Unknown transcription models are not checked (OpenAI adds models).
        {"model": "gpt-next-transcribe", "delay": "low", "keywords": ["x"]},
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for tr in ok:
            assert config.normalize_transcription(tr) == tr
    with pytest.warns(ModelDeprecationWarning):
        config.normalize_transcription({"model": "gpt-4o-transcribe", "prompt": "tech"})
    with pytest.raises(ValueError, match="not both"):
        config.normalize_transcription({"language": "en", "languages": ["en", "de"]})


# --- the 2.x session fields ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "value", "exc", "words"),
    [
        (config.normalize_reasoning_effort, "max", ValueError, ["reasoning_effort", "'xhigh'"]),
        (config.normalize_reasoning_effort, 2, TypeError, ["reasoning_effort", "int"]),
        (config.normalize_reasoning_effort, {"level": "low"}, ValueError, ["'level'"]),
        (config.normalize_parallel_tool_calls, 1, TypeError, ["parallel_tool_calls", "int"]),
        (config.normalize_speed, 2.0, ValueError, ["speed", "0.25", "1.5"]),
        (config.normalize_speed, 0.2, ValueError, ["speed"]),
        (config.normalize_speed, float("nan"), ValueError, ["speed"]),
        (config.normalize_speed, True, TypeError, ["speed", "bool"]),
        (config.normalize_speed, "fast", TypeError, ["speed", "str"]),
        (config.normalize_tracing, "on", ValueError, ["tracing", "'auto'"]),
        (config.normalize_tracing, 1, TypeError, ["tracing", "int"]),
        (config.normalize_tracing, {"name": "x"}, ValueError, ["tracing", "'name'"]),
        (config.normalize_tracing, {"group_id": 3}, TypeError, ["tracing", "group_id"]),
        (config.normalize_tracing, {"metadata": "x"}, TypeError, ["tracing", "metadata"]),
        (config.normalize_noise_reduction, {"type": "near_field", "level": 1}, ValueError, []),
        (
            config.normalize_noise_reduction,
            {"type": "near_field", "strength": "high"},
            TypeError,
            ["noise_reduction", "strength"],
        ),
        (
            config.normalize_noise_reduction,
            {"type": "near_field", "strength": -1},
            ValueError,
            ["noise_reduction", "strength"],
        ),
        (config.normalize_voice, "voice_", ValueError, ["voice", "'voice_…'"]),
        (config.normalize_voice, {"id": "marin"}, ValueError, ["voice", "custom voice"]),
        (config.normalize_voice, {"name": "voice_1"}, ValueError, ["voice", "'name'"]),
        (
            config.normalize_turn_detection,
            {"type": "server_vad", "idle_timeout_ms": 4999},
            ValueError,
            ["idle_timeout_ms", "5000", "30000"],
        ),
        (
            config.normalize_turn_detection,
            {"type": "server_vad", "idle_timeout_ms": 30001},
            ValueError,
            ["idle_timeout_ms"],
        ),
    ],
)
def test_bad_2x_values_name_the_argument(
    fn: Any, value: Any, exc: type[Exception], words: list[str]
) -> None:
    with pytest.raises(exc) as info:
        fn(value)
    for word in words:
        assert word in str(info.value)


def test_2x_values_accepted_and_canonical() -> None:
    assert config.normalize_reasoning_effort(None) is None
    assert config.normalize_reasoning_effort("xhigh") == "xhigh"
    assert config.normalize_reasoning_effort({"effort": "low"}) == "low"
    assert config.normalize_parallel_tool_calls(False) is False
    assert config.normalize_parallel_tool_calls(None) is None
    assert config.normalize_speed(1) == 1.0 and isinstance(config.normalize_speed(1), float)
    assert config.normalize_speed(0.25) == 0.25 and config.normalize_speed(1.5) == 1.5
    assert config.normalize_tracing("auto") == "auto"
    given = {"workflow_name": "demo", "group_id": "g1", "metadata": {"run": "7"}}
    tracing = config.normalize_tracing(given)
    assert tracing == given and tracing is not given
    # Voices: built-in names and custom ids are str; {"id": ...} becomes its id.
    assert config.normalize_voice("voice_1234") == "voice_1234"
    assert config.normalize_voice({"id": "voice_1234"}) == "voice_1234"
    assert config.voice_param("voice_1234") == {"id": "voice_1234"}
    assert config.voice_param("marin") == "marin"
    td = {"type": "server_vad", "idle_timeout_ms": 5000}
    assert config.normalize_turn_detection(td) == td
    td = {"type": "server_vad", "idle_timeout_ms": 30000}
    assert config.normalize_turn_detection(td) == td


def _all_2x_settings(**over: Any) -> config.SessionSettings:
    values: dict[str, Any] = {
        "model": "gpt-realtime-2.1",
        "voice": "voice_1234",
        "turn_detection": {"type": "server_vad", "idle_timeout_ms": 8000},
        "transcription": {"model": "gpt-live-transcribe", "keywords": ["AC-42"], "prompt": "x"},
        "noise_reduction": {"type": "far_field", "strength": 0.5},
        "reasoning_effort": "high",
        "parallel_tool_calls": True,
        "speed": 1.25,
        "tracing": {"workflow_name": "demo", "group_id": "g1", "metadata": {"run": "7"}},
    }
    values.update(over)
    return config.SessionSettings(**values)


def test_build_session_with_every_2x_field_set_matches_the_sdk_strictly() -> None:
    session = config.build_session(_all_2x_settings())
    assert session["reasoning"] == {"effort": "high"}
    assert session["parallel_tool_calls"] is True
    assert session["tracing"] == {
        "workflow_name": "demo",
        "group_id": "g1",
        "metadata": {"run": "7"},
    }
    assert session["audio"]["output"] == {"voice": {"id": "voice_1234"}, "speed": 1.25}
    assert session["audio"]["input"]["noise_reduction"] == {"type": "far_field", "strength": 0.5}
    assert session["audio"]["input"]["turn_detection"]["idle_timeout_ms"] == 8000
    assert_client_event({"type": "session.update", "session": session})
    TypeAdapter(ClientSecretCreateParams).validate_python(config.client_secret_body(session, 60))
    auto = config.build_session(_all_2x_settings(tracing="auto"))
    assert auto["tracing"] == "auto"
    assert_client_event({"type": "session.update", "session": auto})


def test_session_update_with_the_2x_fields_matches_the_sdk_strictly() -> None:
    changes = config.normalize_session_fields(
        {
            "reasoning_effort": "minimal",
            "parallel_tool_calls": False,
            "speed": 0.75,
            "tracing": "auto",
            "voice": {"id": "voice_abc"},
            "noise_reduction": {"type": "near_field", "strength": 2},
        }
    )
    event = config.build_session_update(changes, event_id="evt_2")
    assert event["session"] == {
        "type": "realtime",
        "reasoning": {"effort": "minimal"},
        "parallel_tool_calls": False,
        "tracing": "auto",
        "audio": {
            "output": {"speed": 0.75, "voice": {"id": "voice_abc"}},
            "input": {"noise_reduction": {"type": "near_field", "strength": 2.0}},
        },
    }
    assert_client_event(event)
    # None is "not sent": nothing but the type.
    none = config.build_session_update({"speed": None, "reasoning_effort": None})
    assert none["session"] == {"type": "realtime"}


@pytest.mark.parametrize("field_name", ["reasoning_effort", "parallel_tool_calls"])
def test_reasoning_fields_need_a_reasoning_model(field_name: str) -> None:
    value = "low" if field_name == "reasoning_effort" else True
    for model in ("gpt-realtime-1.5", "gpt-realtime", "gpt-realtime-2025-08-28"):
        settings = config.SessionSettings(model=model, **{field_name: value})
        with pytest.raises(ValueError) as info:
            config.check_settings(settings)
        text = str(info.value)
        assert f"'{field_name}'" in text and f"{model!r}" in text and "'gpt-realtime-2.1'" in text
        with pytest.raises(ValueError):
            config.build_session(settings)
    # Reasoning models, their dated snapshots and unknown names take them.
    for model in ("gpt-realtime-2.1", "gpt-realtime-2.1-mini-2026-09-01", "gpt-next-voice"):
        config.check_settings(config.SessionSettings(model=model, **{field_name: value}))
    # None (not sent) is fine on any model.
    config.check_settings(config.SessionSettings(model="gpt-realtime-1.5"))


def test_response_create_takes_reasoning_and_parallel_tool_calls() -> None:
    event = config.build_response_create(
        {"reasoning": "medium", "parallel_tool_calls": False, "voice": "voice_x1"},
        event_id="evt_3",
    )
    assert event == {
        "type": "response.create",
        "event_id": "evt_3",
        "response": {
            "reasoning": {"effort": "medium"},
            "parallel_tool_calls": False,
            "audio": {"output": {"voice": {"id": "voice_x1"}}},
        },
    }
    assert_client_event(event)
    same = config.build_response_create({"reasoning": {"effort": "medium"}})
    assert same["response"] == {"reasoning": {"effort": "medium"}}
    assert_client_event(same)
    with pytest.raises(ValueError, match="reasoning_effort"):
        config.build_response_create({"reasoning": "turbo"})
    with pytest.raises(TypeError, match="parallel_tool_calls"):
        config.build_response_create({"parallel_tool_calls": "yes"})


def test_update_session_accepts_the_2x_fields() -> None:
    for name in ("reasoning_effort", "parallel_tool_calls", "speed", "tracing"):
        assert name in config.NORMALIZERS and name in config.SESSION_FIELDS
        assert name in config.SessionSettings.__dataclass_fields__
    with pytest.raises(ValueError, match="speed"):
        config.normalize_session_fields({"speed": 3})
