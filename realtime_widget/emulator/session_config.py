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
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The facts the widget validates with, so the emulator and the widget cannot disagree.
from ..api_facts import (
    DEFAULT_MODEL,
    DEFAULT_VOICE,
    IDLE_TIMEOUT_MAX_MS,
    IDLE_TIMEOUT_MIN_MS,
    NOISE_REDUCTION_TYPES,
    REALTIME_MODELS,
    REASONING_EFFORTS,
    SPEED_MAX,
    SPEED_MIN,
    TRANSCRIPTION_MODEL_INFO,
    TRANSCRIPTION_MODELS,
    TURN_DETECTION_TYPES,
    VOICES,
    is_shut_down,
    model_info,
)
from ..api_facts import EAGERNESS_VALUES as EAGERNESS
from ..api_facts import OUTPUT_MODALITIES as MODALITIES

AUDIO_FORMATS: tuple[str, ...] = ("audio/pcm", "audio/pcmu", "audio/pcma")
TOOL_CHOICE_MODES: tuple[str, ...] = ("auto", "none", "required")
INCLUDE_VALUES: tuple[str, ...] = ("item.input_audio_transcription.logprobs",)
MAX_OUTPUT_TOKENS = 4096

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
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Problem:
    """One invalid value, shaped like the real API's error (`code`, `message`, `param`)."""

    param: str
    code: str
    message: str

    def __str__(self) -> str:
        return self.message


def _typename(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, param: str, code: str, message: str) -> None:
        self.problems.append(Problem(param, code, message))

    def type_error(self, param: str, expected: str, value: Any) -> None:
        self.add(
            param,
            "invalid_type",
            f"Invalid type for '{param}': expected {expected}, but got {_typename(value)} instead.",
        )

    def obj(self, value: Any, param: str, allowed: frozenset[str] | set[str]) -> bool:
        if not isinstance(value, dict):
            self.type_error(param, "an object", value)
            return False
        for key in value:
            if key not in allowed:
                self.add(
                    f"{param}.{key}", "unknown_parameter", f"Unknown parameter: '{param}.{key}'."
                )
        return True

    def enum(self, value: Any, param: str, allowed: tuple[str, ...]) -> bool:
        if not isinstance(value, str):
            self.type_error(param, "one of " + ", ".join(repr(a) for a in allowed), value)
            return False
        if value not in allowed:
            supported = ", ".join(f"'{a}'" for a in allowed)
            self.add(
                param,
                "invalid_value",
                f"Invalid value: '{value}'. Supported values are: {supported}.",
            )
            return False
        return True

    def string(self, value: Any, param: str) -> bool:
        if not isinstance(value, str):
            self.type_error(param, "a string", value)
            return False
        return True

    def boolean(self, value: Any, param: str) -> bool:
        if not isinstance(value, bool):
            self.type_error(param, "a boolean", value)
            return False
        return True

    def number(
        self, value: Any, param: str, lo: float | None = None, hi: float | None = None
    ) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.type_error(param, "a decimal", value)
            return False
        if lo is not None and value < lo:
            self.add(
                param,
                "decimal_below_min_value",
                f"Invalid '{param}': decimal below minimum value. "
                f"Expected a value >= {lo}, but got {value} instead.",
            )
            return False
        if hi is not None and value > hi:
            self.add(
                param,
                "decimal_above_max_value",
                f"Invalid '{param}': decimal above maximum value. "
                f"Expected a value <= {hi}, but got {value} instead.",
            )
            return False
        return True

    def integer(self, value: Any, param: str, lo: int | None = None, hi: int | None = None) -> bool:
        if isinstance(value, bool) or not isinstance(value, int):
            self.type_error(param, "an integer", value)
            return False
        if lo is not None and value < lo:
            self.add(
                param,
                "integer_below_min_value",
                f"Invalid '{param}': integer below minimum value. "
                f"Expected a value >= {lo}, but got {value} instead.",
            )
            return False
        if hi is not None and value > hi:
            self.add(
                param,
                "integer_above_max_value",
                f"Invalid '{param}': integer above maximum value. "
                f"Expected a value <= {hi}, but got {value} instead.",
            )
            return False
        return True


def _check_format(c: _Checker, value: Any, param: str) -> None:
    if not c.obj(value, param, {"type", "rate"}):
        return
    kind = value.get("type", "audio/pcm")
    if not c.enum(kind, f"{param}.type", AUDIO_FORMATS):
        return
    if "rate" in value:
        if kind != "audio/pcm":
            c.add(f"{param}.rate", "unknown_parameter", f"Unknown parameter: '{param}.rate'.")
        elif value["rate"] != 24000:
            c.add(
                f"{param}.rate",
                "invalid_value",
                f"Invalid value: {value['rate']!r}. Supported values are: 24000.",
            )


def _check_turn_detection(c: _Checker, value: Any, param: str) -> None:
    if value is None:
        return
    common = {"type", "create_response", "interrupt_response"}
    if not isinstance(value, dict):
        c.type_error(param, "an object or null", value)
        return
    if "type" not in value:
        c.add(
            f"{param}.type",
            "missing_required_parameter",
            f"Missing required parameter: '{param}.type'.",
        )
        return
    if not c.enum(value["type"], f"{param}.type", TURN_DETECTION_TYPES):
        return
    if value["type"] == "server_vad":
        allowed = common | {
            "threshold",
            "prefix_padding_ms",
            "silence_duration_ms",
            "idle_timeout_ms",
        }
    else:
        allowed = common | {"eagerness"}
    c.obj(value, param, allowed)
    for key in ("create_response", "interrupt_response"):
        if key in value:
            c.boolean(value[key], f"{param}.{key}")
    if "threshold" in value:
        c.number(value["threshold"], f"{param}.threshold", 0.0, 1.0)
    for key in ("prefix_padding_ms", "silence_duration_ms"):
        if key in value:
            c.integer(value[key], f"{param}.{key}", 0, 10_000)
    if value.get("idle_timeout_ms") is not None:
        c.integer(
            value["idle_timeout_ms"],
            f"{param}.idle_timeout_ms",
            IDLE_TIMEOUT_MIN_MS,
            IDLE_TIMEOUT_MAX_MS,
        )
    if "eagerness" in value:
        c.enum(value["eagerness"], f"{param}.eagerness", EAGERNESS)


def _check_transcription(c: _Checker, value: Any, param: str) -> None:
    if value is None:
        return
    allowed = {"model", "language", "prompt", "languages", "keywords", "delay"}
    if not c.obj(value, param, allowed):
        return
    if "model" in value:
        c.enum(value["model"], f"{param}.model", TRANSCRIPTION_MODELS)
    for key in ("language", "prompt"):
        if value.get(key) is not None:
            c.string(value[key], f"{param}.{key}")


def _check_audio(c: _Checker, value: Any, param: str) -> None:
    if not c.obj(value, param, {"input", "output"}):
        return
    if "input" in value:
        inp = value["input"]
        p = f"{param}.input"
        if c.obj(inp, p, {"format", "transcription", "noise_reduction", "turn_detection"}):
            if "format" in inp:
                _check_format(c, inp["format"], f"{p}.format")
            if "transcription" in inp:
                _check_transcription(c, inp["transcription"], f"{p}.transcription")
            if "turn_detection" in inp:
                _check_turn_detection(c, inp["turn_detection"], f"{p}.turn_detection")
            nr = inp.get("noise_reduction")
            if nr is not None and c.obj(nr, f"{p}.noise_reduction", {"type", "strength"}):
                if "type" in nr:
                    c.enum(nr["type"], f"{p}.noise_reduction.type", NOISE_REDUCTION_TYPES)
                if "strength" in nr:
                    c.number(nr["strength"], f"{p}.noise_reduction.strength", 0.0, 1.0)
    if "output" in value:
        out = value["output"]
        p = f"{param}.output"
        if c.obj(out, p, {"format", "voice", "speed"}):
            if "format" in out:
                _check_format(c, out["format"], f"{p}.format")
            if "voice" in out:
                _check_voice(c, out["voice"], f"{p}.voice")
            if "speed" in out:
                c.number(out["speed"], f"{p}.speed", SPEED_MIN, SPEED_MAX)


def _check_voice(c: _Checker, value: Any, param: str) -> None:
    # Custom voices are `{"id": "voice_…"}`; the emulator speaks them like any other.
    if isinstance(value, dict):
        if c.obj(value, param, {"id"}) and c.string(value.get("id"), f"{param}.id"):
            return
        return
    c.enum(value, param, VOICES)


def _check_tools(c: _Checker, value: Any, param: str) -> None:
    if not isinstance(value, list):
        c.type_error(param, "an array", value)
        return
    names: set[str] = set()
    for i, tool in enumerate(value):
        p = f"{param}[{i}]"
        if not isinstance(tool, dict):
            c.type_error(p, "an object", tool)
            continue
        kind = tool.get("type", "function")
        if not c.enum(kind, f"{p}.type", ("function", "mcp")):
            continue
        if kind == "mcp":
            continue  # accepted as is: the emulator never calls MCP servers
        c.obj(tool, p, {"type", "name", "description", "parameters"})
        name = tool.get("name")
        if name is None:
            c.add(
                f"{p}.name",
                "missing_required_parameter",
                f"Missing required parameter: '{p}.name'.",
            )
        elif c.string(name, f"{p}.name"):
            if not _TOOL_NAME.match(name):
                c.add(
                    f"{p}.name",
                    "invalid_value",
                    f"Invalid '{p}.name': string does not match pattern. "
                    f"Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' "
                    f"(1 to 64 characters), but got {name!r}.",
                )
            elif name in names:
                c.add(f"{p}.name", "invalid_value", f"Duplicate tool name {name!r} in '{param}'.")
            names.add(name)
        if "description" in tool:
            c.string(tool["description"], f"{p}.description")
        if "parameters" in tool and not isinstance(tool["parameters"], dict):
            c.type_error(f"{p}.parameters", "an object (a JSON schema)", tool["parameters"])


def _check_tool_choice(c: _Checker, value: Any, param: str) -> None:
    if isinstance(value, str):
        c.enum(value, param, TOOL_CHOICE_MODES)
        return
    if not isinstance(value, dict):
        c.type_error(param, "a string or an object", value)
        return
    if value.get("type") == "function":
        if c.obj(value, param, {"type", "name"}):
            c.string(value.get("name"), f"{param}.name")
    elif value.get("type") == "mcp":
        c.obj(value, param, {"type", "server_label", "name"})
    else:
        c.enum(value.get("type"), f"{param}.type", ("function", "mcp"))


def _check_max_output_tokens(c: _Checker, value: Any, param: str) -> None:
    if value == "inf" or value is None:
        return
    c.integer(value, param, 1, MAX_OUTPUT_TOKENS)


def _check_modalities(c: _Checker, value: Any, param: str) -> None:
    if not isinstance(value, list):
        c.type_error(param, "an array", value)
        return
    for i, m in enumerate(value):
        c.enum(m, f"{param}[{i}]", MODALITIES)
    if len(set(value)) > 1:
        c.add(
            param,
            "invalid_value",
            f"Invalid '{param}': only one of 'text' or 'audio' can be requested, not both.",
        )


# Fields a session and a response's overrides share, each checked the same way in both.


def _check_text_params(c: _Checker, obj: dict[str, Any], param: str) -> None:
    if obj.get("instructions") is not None:
        c.string(obj["instructions"], f"{param}.instructions")
    if "output_modalities" in obj:
        _check_modalities(c, obj["output_modalities"], f"{param}.output_modalities")


def _check_tool_params(c: _Checker, obj: dict[str, Any], param: str) -> None:
    if "tools" in obj:
        _check_tools(c, obj["tools"], f"{param}.tools")
    if "tool_choice" in obj:
        _check_tool_choice(c, obj["tool_choice"], f"{param}.tool_choice")
    if "max_output_tokens" in obj:
        _check_max_output_tokens(c, obj["max_output_tokens"], f"{param}.max_output_tokens")


def validate_session(
    obj: Any, *, param: str = "session", require_type: bool = True
) -> list[Problem]:
    """Every problem with a GA session object (empty when it is valid).

    `obj` may be partial (a `session.update`); `require_type` demands
    `type: "realtime"` as the real `session.update` does.
    """
    c = _Checker()
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
    _check_text_params(c, obj, param)
    if "audio" in obj:
        _check_audio(c, obj["audio"], f"{param}.audio")
    _check_tool_params(c, obj, param)
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
    _check_reasoning_params(c, obj, param)
    return c.problems


def _check_reasoning_params(c: _Checker, obj: dict[str, Any], param: str) -> None:
    """The gpt-realtime-2.x fields: `reasoning: {"effort"}` and `parallel_tool_calls`."""
    if "parallel_tool_calls" in obj:
        c.boolean(obj["parallel_tool_calls"], f"{param}.parallel_tool_calls")
    reasoning = obj.get("reasoning")
    if (
        reasoning is not None
        and c.obj(reasoning, f"{param}.reasoning", {"effort"})
        and reasoning.get("effort") is not None
    ):
        c.enum(reasoning["effort"], f"{param}.reasoning.effort", REASONING_EFFORTS)


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
    c = _Checker()
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
    _check_text_params(c, obj, param)
    _check_tool_params(c, obj, param)
    _check_reasoning_params(c, obj, param)
    conv = obj.get("conversation")
    if conv is not None:
        c.enum(conv, f"{param}.conversation", ("auto", "none"))
    audio = obj.get("audio")
    if audio is not None and c.obj(audio, f"{param}.audio", {"output"}):
        out = audio.get("output")
        if out is not None and c.obj(out, f"{param}.audio.output", {"format", "voice"}):
            if "voice" in out:
                _check_voice(c, out["voice"], f"{param}.audio.output.voice")
            if "format" in out:
                _check_format(c, out["format"], f"{param}.audio.output.format")
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
