"""GA session objects for the emulator: defaults, validation and merging (pure).

Used by the session engine for `session.update` and by the HTTP server for the
`session` of `POST /v1/realtime/client_secrets`. Validation follows the real
API: every problem names the offending field as `param` (`session.audio.output.voice`)
and carries the real error `code` (`invalid_value`, `invalid_type`,
`unknown_parameter`, `missing_required_parameter`, `decimal_above_max_value`, ...).

Every field of the GA session object is accepted, including the ones the
emulator does not act on (`tracing`, `prompt`, `truncation`, `include`, ...);
keys that are not part of the GA interface at all (for example the beta
`input_audio_format`) are rejected, as the real server rejects them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

# The facts the widget validates with, so the emulator and the widget cannot disagree.
from ..api_facts import (
    DEFAULT_MODEL,
    DEFAULT_VOICE,
    REALTIME_MODELS,
    TRANSCRIPTION_MODEL_INFO,
    is_shut_down,
    model_info,
)
from .session_checks import (
    AUDIO_FORMATS,
    INCLUDE_VALUES,
    MAX_OUTPUT_TOKENS,
    TOOL_CHOICE_MODES,
    Checker,
    Problem,
    check_audio,
    check_format,
    check_reasoning_params,
    check_text_params,
    check_tool_params,
    check_voice,
)

SERVER_VAD_DEFAULTS: dict[str, Any] = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 500,
    "idle_timeout_ms": None,
    "create_response": True,
    "interrupt_response": True,
}
SEMANTIC_VAD_DEFAULTS: dict[str, Any] = {
    "type": "semantic_vad",
    "eagerness": "auto",
    "create_response": True,
    "interrupt_response": True,
}

_SESSION_KEYS = frozenset(
    {
        "type",
        "model",
        "instructions",
        "output_modalities",
        "audio",
        "tools",
        "tool_choice",
        "max_output_tokens",
        "tracing",
        "truncation",
        "prompt",
        "include",
        "parallel_tool_calls",
        "reasoning",
    }
)
# Present in session.created / client_secrets answers; a client echoing a whole
# session object back in session.update sends them, and the real server accepts that.
_READ_ONLY_KEYS = frozenset({"id", "object", "expires_at", "client_secret"})


def validate_session(
    obj: Any, *, param: str = "session", require_type: bool = True
) -> list[Problem]:
    """Every problem with a GA session object (empty when it is valid).

    `obj` may be partial (a `session.update`); `require_type` demands
    `type: "realtime"` as the real `session.update` does.
    """
    c = Checker()
    if not c.obj(obj, param, _SESSION_KEYS | _READ_ONLY_KEYS):
        return c.problems
    if "type" not in obj:
        if require_type:
            c.add(
                f"{param}.type",
                "missing_required_parameter",
                f"Missing required parameter: '{param}.type'.",
            )
    else:
        c.enum(obj["type"], f"{param}.type", ("realtime",))
    if "model" in obj:
        c.string(obj["model"], f"{param}.model")
    check_text_params(c, obj, param)
    if "audio" in obj:
        check_audio(c, obj["audio"], f"{param}.audio")
    check_tool_params(c, obj, param)
    if obj.get("tracing") is not None and obj["tracing"] != "auto":
        c.obj(obj["tracing"], f"{param}.tracing", {"workflow_name", "group_id", "metadata"})
    trunc = obj.get("truncation")
    if isinstance(trunc, str):
        c.enum(trunc, f"{param}.truncation", ("auto", "disabled"))
    elif trunc is not None:
        c.obj(trunc, f"{param}.truncation", {"type", "retention_ratio", "token_limits"})
    if obj.get("prompt") is not None:
        c.obj(obj["prompt"], f"{param}.prompt", {"id", "version", "variables"})
    if obj.get("include") is not None:
        if isinstance(obj["include"], list):
            for i, v in enumerate(obj["include"]):
                c.enum(v, f"{param}.include[{i}]", INCLUDE_VALUES)
        else:
            c.type_error(f"{param}.include", "an array", obj["include"])
    check_reasoning_params(c, obj, param)
    return c.problems


def deprecated_model_message(name: str) -> str:
    """The real API's words for a model that was shut down (code `model_not_found`)."""
    return (
        f"The model `{name}` has been deprecated, learn more here: "
        "https://platform.openai.com/docs/deprecations"
    )


def shut_down_problem(session: Any, *, param: str = "session") -> Problem | None:
    """A `model_not_found` problem when the session names a model that OpenAI shut down
    (the realtime model, or the input transcription model), per api_facts."""
    if not isinstance(session, dict):
        return None
    names: list[tuple[str, Any, Mapping[str, Any]]] = [
        (f"{param}.model", session.get("model"), REALTIME_MODELS)
    ]
    tr = ((session.get("audio") or {}).get("input") or {}).get("transcription")
    if isinstance(tr, dict):
        names.append(
            (f"{param}.audio.input.transcription.model", tr.get("model"), TRANSCRIPTION_MODEL_INFO)
        )
    for where, name, table in names:
        if not isinstance(name, str):
            continue
        info = model_info(name, table)
        if info is not None and is_shut_down(info):
            return Problem(where, "model_not_found", deprecated_model_message(name))
    return None


def validate_response_params(obj: Any, *, param: str = "response") -> list[Problem]:
    """Problems with the per-response overrides of `response.create`."""
    c = Checker()
    allowed = {
        "audio",
        "conversation",
        "input",
        "instructions",
        "max_output_tokens",
        "metadata",
        "output_modalities",
        "parallel_tool_calls",
        "prompt",
        "reasoning",
        "tool_choice",
        "tools",
    }
    if not c.obj(obj, param, allowed):
        return c.problems
    check_text_params(c, obj, param)
    check_tool_params(c, obj, param)
    check_reasoning_params(c, obj, param)
    conv = obj.get("conversation")
    if conv is not None:
        c.enum(conv, f"{param}.conversation", ("auto", "none"))
    audio = obj.get("audio")
    if audio is not None and c.obj(audio, f"{param}.audio", {"output"}):
        out = audio.get("output")
        if out is not None and c.obj(out, f"{param}.audio.output", {"format", "voice"}):
            if "voice" in out:
                check_voice(c, out["voice"], f"{param}.audio.output.voice")
            if "format" in out:
                check_format(c, out["format"], f"{param}.audio.output.format")
    if obj.get("input") is not None and not isinstance(obj["input"], list):
        c.type_error(f"{param}.input", "an array", obj["input"])
    return c.problems


def default_session(model: str = DEFAULT_MODEL) -> dict[str, Any]:
    """The session a new call starts with, in the shape the real `session.created` shows."""
    return {
        "type": "realtime",
        "model": model,
        "output_modalities": ["audio"],
        "instructions": (
            "You are a helpful, witty, and friendly AI. Keep your answers short. "
            "(This is the local Realtime API emulator: replies are scripted.)"
        ),
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "include": None,
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "transcription": None,
                "noise_reduction": None,
                "turn_detection": dict(SERVER_VAD_DEFAULTS),
            },
            "output": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "voice": DEFAULT_VOICE,
                "speed": 1.0,
            },
        },
    }


def _merge_turn_detection(current: Any, update: Any) -> Any:
    if update is None:
        return None
    kind = update.get("type")
    defaults = SERVER_VAD_DEFAULTS if kind == "server_vad" else SEMANTIC_VAD_DEFAULTS
    base = dict(current) if isinstance(current, dict) and current.get("type") == kind else {}
    merged = {**defaults, **base, **update}
    return merged


def _merge_dict(current: Mapping[str, Any], update: Mapping[str, Any], path: str) -> dict[str, Any]:
    out = dict(copy.deepcopy(current))
    for key, value in update.items():
        here = f"{path}.{key}" if path else key
        if here == "audio.input.turn_detection":
            out[key] = _merge_turn_detection(out.get(key), value)
        elif here == "audio.input.format" or here == "audio.output.format":
            out[key] = (
                {"rate": 24000, **value}
                if value.get("type", "audio/pcm") == "audio/pcm"
                else dict(value)
            )
        elif (
            isinstance(value, dict)
            and isinstance(out.get(key), dict)
            and here
            in (
                "audio",
                "audio.input",
                "audio.output",
            )
        ):
            out[key] = _merge_dict(out[key], value, here)
        else:
            # Lists (tools, modalities) and leaf objects replace the old value whole,
            # and an explicit null turns a feature off (transcription, noise reduction).
            out[key] = copy.deepcopy(value)
    return out


def merge_session(current: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Apply a validated partial session (from `session.update`) to the session in force."""
    clean = {k: v for k, v in update.items() if k not in _READ_ONLY_KEYS}
    return _merge_dict(current, clean, "")


def session_voice(session: Mapping[str, Any]) -> Any:
    """The output voice of a session (a name, or `{"id": …}` for a custom voice)."""
    return ((session.get("audio") or {}).get("output") or {}).get("voice", DEFAULT_VOICE)


def turn_detection(session: Mapping[str, Any]) -> dict[str, Any] | None:
    td = ((session.get("audio") or {}).get("input") or {}).get("turn_detection")
    return td if isinstance(td, dict) else None


def transcription(session: Mapping[str, Any]) -> dict[str, Any] | None:
    tr = ((session.get("audio") or {}).get("input") or {}).get("transcription")
    return tr if isinstance(tr, dict) else None


def output_speed(session: Mapping[str, Any]) -> float:
    speed = ((session.get("audio") or {}).get("output") or {}).get("speed", 1.0)
    return float(speed) if isinstance(speed, int | float) else 1.0


__all__ = [
    "AUDIO_FORMATS",
    "INCLUDE_VALUES",
    "MAX_OUTPUT_TOKENS",
    "SEMANTIC_VAD_DEFAULTS",
    "SERVER_VAD_DEFAULTS",
    "TOOL_CHOICE_MODES",
    "Problem",
    "default_session",
    "deprecated_model_message",
    "merge_session",
    "output_speed",
    "session_voice",
    "shut_down_problem",
    "transcription",
    "turn_detection",
    "validate_response_params",
    "validate_session",
]
