"""One normalizer per session field the user sets (pure), except the model names.

Each `normalize_*` takes what a user may pass and returns the canonical value the widget
stores in its trait, or raises `TypeError` (wrong type) / `ValueError` (wrong value) naming
the argument and the allowed values. `normalize_model` and `normalize_transcription` are in
`config`, because they also warn about retiring models and that memory lives there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from . import api_facts as facts
from .input_checks import (
    JSON,
    check_bool,
    check_keys,
    check_ms,
    choices,
    is_number,
    type_name,
)
from .live_facts import LIVE_VOICES


def _is_custom_voice(value: str) -> bool:
    rest = value[len(facts.CUSTOM_VOICE_PREFIX) :]
    return (
        value.startswith(facts.CUSTOM_VOICE_PREFIX)
        and bool(rest)
        and not any(c.isspace() for c in rest)
    )


def normalize_voice(value: object) -> str:
    """A built-in voice name (of either API: which voices a model takes is checked with the
    model, `session_payload.check_settings`), or a custom voice: "voice_…" or {"id": "voice_…"}.

    The canonical value is always a str: the built-in name, or the custom voice's id
    ("voice_1234"). The session carries a custom voice as {"id": "voice_1234"}.
    """
    allowed = (
        f"one of {choices(facts.VOICES)}, or a custom voice id "
        f"{facts.CUSTOM_VOICE_PREFIX + '…'!r} (also as {{'id': ...}})"
    )
    if isinstance(value, Mapping):
        check_keys("voice", value, ("id",), "a custom voice")
        value = value.get("id")
        if not isinstance(value, str) or not _is_custom_voice(value):
            raise ValueError(
                f"voice: a custom voice is {{'id': '{facts.CUSTOM_VOICE_PREFIX}…'}}, "
                f"got id {value!r}"
            )
        return value
    if not isinstance(value, str):
        raise TypeError(f"voice must be a str, {allowed}; got {type_name(value)}")
    if value not in facts.VOICES and value not in LIVE_VOICES and not _is_custom_voice(value):
        raise ValueError(
            f"voice {value!r} is not a voice of the Realtime API or GPT-Live; allowed: "
            f"{allowed}; GPT-Live also has {choices(sorted(set(LIVE_VOICES) - set(facts.VOICES)))}"
        )
    return value


def voice_param(voice: str) -> str | JSON:
    """The wire form of a canonical voice: the name, or {"id": ...} for a custom voice."""
    return {"id": voice} if voice not in facts.VOICES else voice


def normalize_instructions(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"instructions must be a str, got {type_name(value)}")
    return value


def normalize_turn_detection(value: object) -> JSON | None:
    """None (push-to-talk), "server_vad", "semantic_vad", or a GA turn_detection dict."""
    arg = "turn_detection"
    allowed = f"None, {choices(facts.TURN_DETECTION_TYPES)} or a dict with a 'type' key"
    if value is None:
        return None
    if isinstance(value, str):
        if value not in facts.TURN_DETECTION_TYPES:
            raise ValueError(f"{arg} {value!r} is not a turn detection type; allowed: {allowed}")
        return {"type": value}
    if not isinstance(value, Mapping):
        raise TypeError(f"{arg} must be {allowed}; got {type_name(value)}")
    td = dict(value)
    kind = td.get("type")
    if kind not in facts.TURN_DETECTION_TYPES:
        raise ValueError(
            f"{arg}: 'type' must be one of {choices(facts.TURN_DETECTION_TYPES)}, got {kind!r}"
        )
    if kind == "server_vad":
        check_keys(arg, td, facts.SERVER_VAD_KEYS, "server_vad")
        if "threshold" in td:
            t = td["threshold"]
            if not is_number(t):
                raise TypeError(
                    f"{arg}: 'threshold' must be a number from 0 to 1, got {type_name(t)}"
                )
            if math.isnan(t) or not 0.0 <= t <= 1.0:
                raise ValueError(f"{arg}: 'threshold' must be from 0 to 1, got {t}")
        for key in ("prefix_padding_ms", "silence_duration_ms"):
            check_ms(arg, td, key)
        check_ms(arg, td, "idle_timeout_ms", nullable=True)
        idle = td.get("idle_timeout_ms")
        if idle is not None and not (
            facts.IDLE_TIMEOUT_MIN_MS <= idle <= facts.IDLE_TIMEOUT_MAX_MS
        ):
            raise ValueError(
                f"{arg}: 'idle_timeout_ms' must be from {facts.IDLE_TIMEOUT_MIN_MS} to "
                f"{facts.IDLE_TIMEOUT_MAX_MS} milliseconds (or None), got {idle}"
            )
    else:
        check_keys(arg, td, facts.SEMANTIC_VAD_KEYS, "semantic_vad")
        if "eagerness" in td and td["eagerness"] not in facts.EAGERNESS_VALUES:
            raise ValueError(
                f"{arg}: 'eagerness' must be one of {choices(facts.EAGERNESS_VALUES)}, "
                f"got {td['eagerness']!r}"
            )
    check_bool(arg, td, "create_response")
    check_bool(arg, td, "interrupt_response")
    return td


def normalize_noise_reduction(value: object) -> str | JSON | None:
    """None (off), "near_field", "far_field", or {"type": ..., "strength"?: number}.

    Canonical value: the type string ("near_field") when no strength is given, else the dict
    {"type": "near_field", "strength": 0.5} (strength as float). The session always carries
    the object form.
    """
    arg = "noise_reduction"
    allowed = (
        f"None, {choices(facts.NOISE_REDUCTION_TYPES)}, or {{'type': ..., 'strength': number}}"
    )
    if value is None:
        return None
    strength: float | None = None
    if isinstance(value, Mapping):
        check_keys(arg, value, ("type", "strength"), "audio.input.noise_reduction")
        if value.get("strength") is not None:
            s = value["strength"]
            if not is_number(s):
                raise TypeError(f"{arg}: 'strength' must be a number, got {type_name(s)}")
            if not math.isfinite(s) or s < 0:
                raise ValueError(f"{arg}: 'strength' must be a finite number >= 0, got {s}")
            strength = float(s)
        value = value.get("type")
    if not isinstance(value, str):
        raise TypeError(f"{arg} must be {allowed}; got {type_name(value)}")
    if value not in facts.NOISE_REDUCTION_TYPES:
        raise ValueError(f"{arg} {value!r} is not a noise reduction type; allowed: {allowed}")
    return value if strength is None else {"type": value, "strength": strength}


def normalize_reasoning_effort(value: object) -> str | None:
    """None (server default) or one of REASONING_EFFORTS; {"effort": ...} is accepted too."""
    arg = "reasoning_effort"
    if isinstance(value, Mapping):
        check_keys(arg, value, ("effort",), "reasoning")
        value = value.get("effort")
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(
            f"{arg} must be None or one of {choices(facts.REASONING_EFFORTS)}, "
            f"got {type_name(value)}"
        )
    if value not in facts.REASONING_EFFORTS:
        raise ValueError(
            f"{arg} {value!r} is not a reasoning effort; allowed: "
            f"{choices(facts.REASONING_EFFORTS)} (or None for the server default)"
        )
    return value


def normalize_parallel_tool_calls(value: object) -> bool | None:
    """None (server default) or True/False."""
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"parallel_tool_calls must be True, False or None, got {type_name(value)}")
    return value


def normalize_speed(value: object) -> float | None:
    """None (normal speed) or a multiple of the normal speed from SPEED_MIN to SPEED_MAX."""
    arg = "speed"
    if value is None:
        return None
    if not is_number(value):
        raise TypeError(
            f"{arg} must be a number from {facts.SPEED_MIN} to {facts.SPEED_MAX} (or None), "
            f"got {type_name(value)}"
        )
    assert isinstance(value, int | float)
    if math.isnan(value) or not facts.SPEED_MIN <= value <= facts.SPEED_MAX:
        raise ValueError(
            f"{arg} must be from {facts.SPEED_MIN} to {facts.SPEED_MAX} (1.0 is normal), "
            f"got {value}"
        )
    return float(value)


TRACING_KEYS = ("workflow_name", "group_id", "metadata")


def normalize_tracing(value: object) -> str | JSON | None:
    """None (not sent), "auto", or {"workflow_name"?, "group_id"?, "metadata"?}.

    The shape of the SDK's RealtimeTracingConfig. Canonical value: "auto", a copy of the dict,
    or None. OpenAI does not let a session change tracing once it is on.
    """
    arg = "tracing"
    if value is None or value == "auto":
        return value
    if isinstance(value, str):
        raise ValueError(f"{arg} must be None, 'auto' or a dict, got {value!r}")
    if not isinstance(value, Mapping):
        raise TypeError(f"{arg} must be None, 'auto' or a dict, got {type_name(value)}")
    check_keys(arg, value, TRACING_KEYS, "tracing")
    for key in ("workflow_name", "group_id"):
        if key in value and not isinstance(value[key], str):
            raise TypeError(f"{arg}: {key!r} must be a str, got {type_name(value[key])}")
    if "metadata" in value and not isinstance(value["metadata"], Mapping):
        raise TypeError(f"{arg}: 'metadata' must be a dict, got {type_name(value['metadata'])}")
    out = dict(value)
    if "metadata" in out:
        out["metadata"] = dict(out["metadata"])
    return out


def normalize_output_modalities(value: object) -> list[str]:
    """("audio",) or ("text",); a bare "audio"/"text" is accepted too."""
    arg = "output_modalities"
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence):
        raise TypeError(f"{arg} must be ('audio',) or ('text',), got {type_name(value)}")
    items = list(value)
    if len(items) != 1 or items[0] not in facts.OUTPUT_MODALITIES:
        raise ValueError(
            f"{arg} must be exactly one of ('audio',) (speech plus its transcript) or "
            f"('text',); the API does not accept both; got {tuple(items)!r}"
        )
    return items


def normalize_tool_specs(value: object) -> list[JSON]:
    """A list of GA function tool schemas ({"type": "function", "name", ...})."""
    arg = "tool_specs"
    if isinstance(value, Mapping | str) or not isinstance(value, Sequence):
        raise TypeError(f"{arg} must be a list of function tool dicts, got {type_name(value)}")
    specs: list[JSON] = []
    names: set[str] = set()
    for i, spec in enumerate(value):
        if not isinstance(spec, Mapping):
            raise TypeError(f"{arg}[{i}] must be a dict, got {type_name(spec)}")
        if spec.get("type") != "function":
            raise ValueError(f"{arg}[{i}]: 'type' must be 'function', got {spec.get('type')!r}")
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError(f"{arg}[{i}]: 'name' must be a non-empty str")
        if name in names:
            raise ValueError(f"{arg}: two tools are named {name!r}; tool names must be unique")
        names.add(name)
        specs.append(dict(spec))
    return specs
