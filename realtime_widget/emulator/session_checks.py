"""The field checks behind `session_config`'s validation (pure).

`Checker` collects `Problem`s shaped like the real API's errors; each `check_*` checks
one field of a GA session or of `response.create`'s overrides, naming the offending
field as `param` and using the real error `code`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..api_facts import EAGERNESS_VALUES as EAGERNESS
from ..api_facts import (
    IDLE_TIMEOUT_MAX_MS,
    IDLE_TIMEOUT_MIN_MS,
    NOISE_REDUCTION_TYPES,
    REASONING_EFFORTS,
    SPEED_MAX,
    SPEED_MIN,
    TRANSCRIPTION_MODELS,
    TURN_DETECTION_TYPES,
    VOICES,
)
from ..api_facts import OUTPUT_MODALITIES as MODALITIES

AUDIO_FORMATS: tuple[str, ...] = ("audio/pcm", "audio/pcmu", "audio/pcma")
TOOL_CHOICE_MODES: tuple[str, ...] = ("auto", "none", "required")
INCLUDE_VALUES: tuple[str, ...] = ("item.input_audio_transcription.logprobs",)
MAX_OUTPUT_TOKENS = 4096
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


class Checker:
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


def check_format(c: Checker, value: Any, param: str) -> None:
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


def check_turn_detection(c: Checker, value: Any, param: str) -> None:
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


def check_transcription(c: Checker, value: Any, param: str) -> None:
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


def check_audio(c: Checker, value: Any, param: str) -> None:
    if not c.obj(value, param, {"input", "output"}):
        return
    if "input" in value:
        inp = value["input"]
        p = f"{param}.input"
        if c.obj(inp, p, {"format", "transcription", "noise_reduction", "turn_detection"}):
            if "format" in inp:
                check_format(c, inp["format"], f"{p}.format")
            if "transcription" in inp:
                check_transcription(c, inp["transcription"], f"{p}.transcription")
            if "turn_detection" in inp:
                check_turn_detection(c, inp["turn_detection"], f"{p}.turn_detection")
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
                check_format(c, out["format"], f"{p}.format")
            if "voice" in out:
                check_voice(c, out["voice"], f"{p}.voice")
            if "speed" in out:
                c.number(out["speed"], f"{p}.speed", SPEED_MIN, SPEED_MAX)


def check_voice(c: Checker, value: Any, param: str) -> None:
    # Custom voices are `{"id": "voice_…"}`; the emulator speaks them like any other.
    if isinstance(value, dict):
        if c.obj(value, param, {"id"}) and c.string(value.get("id"), f"{param}.id"):
            return
        return
    c.enum(value, param, VOICES)


def check_tools(c: Checker, value: Any, param: str) -> None:
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


def check_tool_choice(c: Checker, value: Any, param: str) -> None:
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


def check_max_output_tokens(c: Checker, value: Any, param: str) -> None:
    if value == "inf" or value is None:
        return
    c.integer(value, param, 1, MAX_OUTPUT_TOKENS)


def check_modalities(c: Checker, value: Any, param: str) -> None:
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


def check_text_params(c: Checker, obj: dict[str, Any], param: str) -> None:
    if obj.get("instructions") is not None:
        c.string(obj["instructions"], f"{param}.instructions")
    if "output_modalities" in obj:
        check_modalities(c, obj["output_modalities"], f"{param}.output_modalities")


def check_tool_params(c: Checker, obj: dict[str, Any], param: str) -> None:
    if "tools" in obj:
        check_tools(c, obj["tools"], f"{param}.tools")
    if "tool_choice" in obj:
        check_tool_choice(c, obj["tool_choice"], f"{param}.tool_choice")
    if "max_output_tokens" in obj:
        check_max_output_tokens(c, obj["max_output_tokens"], f"{param}.max_output_tokens")


def check_reasoning_params(c: Checker, obj: dict[str, Any], param: str) -> None:
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
