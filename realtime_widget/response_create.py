"""Build one `response.create` with its own settings (pure).

`RealtimeWidget.respond` lets a single response override session settings; this module
checks those keyword arguments and places them in the `response` object. It is apart from
session building because the overrides are a different set of names with their own rules
(a `tool_choice` must name a tool this response can call).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from .input_checks import JSON, choices, normalize_int
from .session_inputs import (
    normalize_instructions,
    normalize_output_modalities,
    normalize_parallel_tool_calls,
    normalize_reasoning_effort,
    normalize_tool_specs,
    normalize_voice,
    voice_param,
)

# Keyword arguments of `RealtimeWidget.respond` → where they go in `response.create`'s
# `response` object (openai.types.realtime.RealtimeResponseCreateParamsParam).
RESPONSE_OVERRIDES = (
    "instructions",
    "output_modalities",
    "voice",
    "tools",
    "tool_choice",
    "max_output_tokens",
    "conversation",
    "metadata",
    "input",
    "reasoning",
    "parallel_tool_calls",
)


def _normalize_tool_choice(value: object) -> str | JSON:
    if value in ("auto", "none", "required"):
        return str(value)
    if isinstance(value, str):
        return {"type": "function", "name": value}
    if isinstance(value, Mapping) and value.get("type") == "function" and value.get("name"):
        return {"type": "function", "name": str(value["name"])}
    raise ValueError(
        "tool_choice must be 'auto', 'none', 'required', a tool name, or "
        f"{{'type': 'function', 'name': ...}}; got {value!r}"
    )


def _check_tool_choice_name(
    name: str, response_tools: list[JSON] | None, tool_names: Collection[str] | None
) -> None:
    """ValueError unless `name` is a tool this response can call."""
    if response_tools is not None:
        names = [str(t["name"]) for t in response_tools]
        have = f"the tools given to respond() are {choices(names)}"
    elif tool_names is not None:
        names = sorted(tool_names)
        have = f"the registered tools are {choices(names)}" if names else "no tools are registered"
    else:
        return
    if name in names:
        return
    raise ValueError(
        f"tool_choice {name!r} names no tool this response can call; {have}. Use 'auto', "
        "'none', 'required' or one of those names."
    )


def build_response_create(
    overrides: Mapping[str, Any],
    *,
    event_id: str | None = None,
    tool_names: Collection[str] | None = None,
) -> JSON:
    """A `response.create` whose `response` object carries per-response settings.

    Only what is given is sent; everything else comes from the session. Raises
    TypeError/ValueError naming the argument on a bad value. `tool_names` are the session's
    tools: a `tool_choice` naming a function must name one of them (or, when `tools` is
    given for this response, one of those); None skips that check.
    """
    unknown = [k for k in overrides if k not in RESPONSE_OVERRIDES]
    if unknown:
        raise TypeError(
            f"respond() got unknown argument(s) {choices(unknown)}; allowed: "
            f"{choices(RESPONSE_OVERRIDES)} (use send_event() for anything else)"
        )
    response: JSON = {}
    for name, value in overrides.items():
        if value is None:
            continue
        if name == "instructions":
            response["instructions"] = normalize_instructions(value)
        elif name == "output_modalities":
            response["output_modalities"] = normalize_output_modalities(value)
        elif name == "voice":
            response["audio"] = {"output": {"voice": voice_param(normalize_voice(value))}}
        elif name == "reasoning":
            effort = normalize_reasoning_effort(value)
            if effort is not None:
                response["reasoning"] = {"effort": effort}
        elif name == "parallel_tool_calls":
            response["parallel_tool_calls"] = normalize_parallel_tool_calls(value)
        elif name == "tools":
            response["tools"] = normalize_tool_specs(value)
        elif name == "tool_choice":
            response["tool_choice"] = _normalize_tool_choice(value)
        elif name == "max_output_tokens":
            if value != "inf":
                value = normalize_int("max_output_tokens", value, minimum=1, maximum=4096)
            response["max_output_tokens"] = value
        elif name == "conversation":
            if value not in ("auto", "none"):
                raise ValueError(
                    f"conversation must be 'auto' (the answer joins the conversation) or "
                    f"'none' (an out-of-band answer); got {value!r}"
                )
            response["conversation"] = value
        elif name == "metadata":
            if not isinstance(value, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                raise TypeError("metadata must be a dict of str to str")
            response["metadata"] = dict(value)
        elif name == "input":
            if isinstance(value, Mapping | str) or not isinstance(value, Sequence):
                raise TypeError("input must be a list of conversation items (dicts)")
            if not all(isinstance(i, Mapping) for i in value):
                raise TypeError("input must contain only conversation items (dicts)")
            response["input"] = [dict(i) for i in value]
    choice = response.get("tool_choice")
    if isinstance(choice, dict):
        _check_tool_choice_name(choice["name"], response.get("tools"), tool_names)
    event: JSON = {"type": "response.create"}
    if response:
        event["response"] = response
    if event_id is not None:
        event["event_id"] = event_id
    return event
