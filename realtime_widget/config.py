"""Validate the widget's user arguments and build the GA session configuration (pure).

Every `normalize_*` function takes what a user may pass and returns the canonical value
the widget stores in its trait, or raises `TypeError` (wrong type) / `ValueError` (wrong
value) with a message that names the argument and the allowed values. Nothing here does
I/O, so the same checks run for constructor arguments, later assignments from Python, and
changes made in the browser.

`build_session` turns the canonical values into the `session` object of the GA interface
(`openai.types.realtime.RealtimeSessionCreateRequestParam`), used both in the body of
`POST /v1/realtime/client_secrets` and, for the changed fields only, in `session.update`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from . import api_facts as facts
from .api_facts import ModelDeprecationWarning

JSON = dict[str, Any]

# Model names already warned about in this process (one ModelDeprecationWarning per name).
_warned_models: set[str] = set()


def _check_retirement(info: facts.ModelInfo | None, what: str) -> None:
    """Refuse a shut-down model (ValueError); warn once per name about a retiring one."""
    if info is None:
        return  # unknown names stay allowed: OpenAI adds models
    message = facts.retirement_message(info, what)
    if message is None:
        return
    if facts.is_shut_down(info):
        raise ValueError(message)
    if info.name not in _warned_models:
        _warned_models.add(info.name)
        warnings.warn(message, ModelDeprecationWarning, stacklevel=3)


def _type_name(value: object) -> str:
    return type(value).__name__


def _choices(values: Iterable[str]) -> str:
    return ", ".join(repr(v) for v in values)


def _is_number(value: object) -> bool:
    # bool is an int subclass; True as a threshold is a mistake, not 1.0.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- one normalizer per argument -------------------------------------------------------


def normalize_model(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(
            f"model must be a str such as {facts.DEFAULT_MODEL!r}, got {_type_name(value)}"
        )
    model = value.strip()
    if not model or any(c.isspace() for c in model):
        raise ValueError(
            f"model must be a model name without spaces, got {value!r}; "
            f"known models: {_choices(facts.MODELS)}"
        )
    _check_retirement(facts.model_info(model, facts.REALTIME_MODELS), "Realtime model")
    return model


def _is_custom_voice(value: str) -> bool:
    rest = value[len(facts.CUSTOM_VOICE_PREFIX) :]
    return (
        value.startswith(facts.CUSTOM_VOICE_PREFIX)
        and bool(rest)
        and not any(c.isspace() for c in rest)
    )


def normalize_voice(value: object) -> str:
    """A built-in voice name, or a custom voice: "voice_…" or {"id": "voice_…"}.

    The canonical value is always a str: the built-in name, or the custom voice's id
    ("voice_1234"). The session carries a custom voice as {"id": "voice_1234"}.
    """
    allowed = (
        f"one of {_choices(facts.VOICES)}, or a custom voice id "
        f"{facts.CUSTOM_VOICE_PREFIX + '…'!r} (also as {{'id': ...}})"
    )
    if isinstance(value, Mapping):
        _check_keys("voice", value, ("id",), "a custom voice")
        value = value.get("id")
        if not isinstance(value, str) or not _is_custom_voice(value):
            raise ValueError(
                f"voice: a custom voice is {{'id': '{facts.CUSTOM_VOICE_PREFIX}…'}}, "
                f"got id {value!r}"
            )
        return value
    if not isinstance(value, str):
        raise TypeError(f"voice must be a str, {allowed}; got {_type_name(value)}")
    if value not in facts.VOICES and not _is_custom_voice(value):
        raise ValueError(f"voice {value!r} is not a Realtime voice; allowed: {allowed}")
    return value


def voice_param(voice: str) -> str | JSON:
    """The wire form of a canonical voice: the name, or {"id": ...} for a custom voice."""
    return {"id": voice} if voice not in facts.VOICES else voice


def normalize_instructions(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"instructions must be a str, got {_type_name(value)}")
    return value


def _check_keys(arg: str, value: Mapping[str, Any], allowed: Sequence[str], what: str) -> None:
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ValueError(
            f"{arg}: unknown key(s) {_choices(map(str, unknown))} for {what}; "
            f"allowed keys: {_choices(allowed)}"
        )


def _check_bool(arg: str, d: Mapping[str, Any], key: str) -> None:
    if key in d and not isinstance(d[key], bool):
        raise TypeError(f"{arg}: {key!r} must be True or False, got {_type_name(d[key])}")


def _check_ms(arg: str, d: Mapping[str, Any], key: str, *, nullable: bool = False) -> None:
    if key not in d or (nullable and d[key] is None):
        return
    v = d[key]
    if not _is_int(v):
        raise TypeError(
            f"{arg}: {key!r} must be an int number of milliseconds, got {_type_name(v)}"
        )
    if v < 0:
        raise ValueError(f"{arg}: {key!r} must be >= 0 milliseconds, got {v}")


def normalize_turn_detection(value: object) -> JSON | None:
    """None (push-to-talk), "server_vad", "semantic_vad", or a GA turn_detection dict."""
    arg = "turn_detection"
    allowed = f"None, {_choices(facts.TURN_DETECTION_TYPES)} or a dict with a 'type' key"
    if value is None:
        return None
    if isinstance(value, str):
        if value not in facts.TURN_DETECTION_TYPES:
            raise ValueError(f"{arg} {value!r} is not a turn detection type; allowed: {allowed}")
        return {"type": value}
    if not isinstance(value, Mapping):
        raise TypeError(f"{arg} must be {allowed}; got {_type_name(value)}")
    td = dict(value)
    kind = td.get("type")
    if kind not in facts.TURN_DETECTION_TYPES:
        raise ValueError(
            f"{arg}: 'type' must be one of {_choices(facts.TURN_DETECTION_TYPES)}, got {kind!r}"
        )
    if kind == "server_vad":
        _check_keys(arg, td, facts.SERVER_VAD_KEYS, "server_vad")
        if "threshold" in td:
            t = td["threshold"]
            if not _is_number(t):
                raise TypeError(
                    f"{arg}: 'threshold' must be a number from 0 to 1, got {_type_name(t)}"
                )
            if math.isnan(t) or not 0.0 <= t <= 1.0:
                raise ValueError(f"{arg}: 'threshold' must be from 0 to 1, got {t}")
        for key in ("prefix_padding_ms", "silence_duration_ms"):
            _check_ms(arg, td, key)
        _check_ms(arg, td, "idle_timeout_ms", nullable=True)
        idle = td.get("idle_timeout_ms")
        if idle is not None and not (
            facts.IDLE_TIMEOUT_MIN_MS <= idle <= facts.IDLE_TIMEOUT_MAX_MS
        ):
            raise ValueError(
                f"{arg}: 'idle_timeout_ms' must be from {facts.IDLE_TIMEOUT_MIN_MS} to "
                f"{facts.IDLE_TIMEOUT_MAX_MS} milliseconds (or None), got {idle}"
            )
    else:
        _check_keys(arg, td, facts.SEMANTIC_VAD_KEYS, "semantic_vad")
        if "eagerness" in td and td["eagerness"] not in facts.EAGERNESS_VALUES:
            raise ValueError(
                f"{arg}: 'eagerness' must be one of {_choices(facts.EAGERNESS_VALUES)}, "
                f"got {td['eagerness']!r}"
            )
    _check_bool(arg, td, "create_response")
    _check_bool(arg, td, "interrupt_response")
    return td


def normalize_transcription(value: object) -> JSON | None:
    """None (off), a transcription model name, or a GA `audio.input.transcription` dict."""
    arg = "transcription"
    if value is None:
        return None
    if isinstance(value, str):
        value = {"model": value}
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{arg} must be None (off), a model name such as "
            f"{facts.DEFAULT_TRANSCRIPTION_MODEL!r}, or a dict; got {_type_name(value)}"
        )
    tr = dict(value)
    _check_keys(arg, tr, facts.TRANSCRIPTION_KEYS, "audio.input.transcription")
    tr.setdefault("model", facts.DEFAULT_TRANSCRIPTION_MODEL)
    model = tr["model"]
    if not isinstance(model, str) or not model.strip():
        raise ValueError(
            f"{arg}: 'model' must be a transcription model name; known: "
            f"{_choices(facts.TRANSCRIPTION_MODELS)}; got {model!r}"
        )
    for key in ("language", "prompt"):
        if key in tr and not isinstance(tr[key], str):
            raise TypeError(f"{arg}: {key!r} must be a str, got {_type_name(tr[key])}")
    for key in ("languages", "keywords"):
        if key in tr:
            items = tr[key]
            if isinstance(items, str) or not isinstance(items, Sequence):
                raise TypeError(f"{arg}: {key!r} must be a list of str, got {_type_name(items)}")
            if not all(isinstance(s, str) for s in items):
                raise TypeError(f"{arg}: {key!r} must contain only str")
            tr[key] = list(items)
    if "delay" in tr and tr["delay"] not in facts.TRANSCRIPTION_DELAYS:
        raise ValueError(
            f"{arg}: 'delay' must be one of {_choices(facts.TRANSCRIPTION_DELAYS)}, "
            f"got {tr['delay']!r}"
        )
    if "language" in tr and "languages" in tr:
        raise ValueError(
            f"{arg}: give either 'language' (one language) or 'languages' (several), not both"
        )
    info = facts.model_info(model, facts.TRANSCRIPTION_MODEL_INFO)
    if info is not None:  # unknown transcription models: not checked
        for key in _CHECKED_TRANSCRIPTION_OPTIONS:
            if key in tr and key not in info.transcription_options:
                takers = [
                    m.name
                    for m in facts.TRANSCRIPTION_MODEL_INFO.values()
                    if key in m.transcription_options and m.name == m.family
                ]
                raise ValueError(
                    f"{arg}: {key!r} is not accepted by transcription model {model!r}; "
                    f"models that accept it: {_choices(takers) or 'none'}"
                )
    _check_retirement(info, "Transcription model")
    return tr


# Transcription keys that only some models accept (ModelInfo.transcription_options).
_CHECKED_TRANSCRIPTION_OPTIONS = ("delay", "keywords", "languages", "prompt")


def normalize_noise_reduction(value: object) -> str | JSON | None:
    """None (off), "near_field", "far_field", or {"type": ..., "strength"?: number}.

    Canonical value: the type string ("near_field") when no strength is given, else the dict
    {"type": "near_field", "strength": 0.5} (strength as float). The session always carries
    the object form.
    """
    arg = "noise_reduction"
    allowed = (
        f"None, {_choices(facts.NOISE_REDUCTION_TYPES)}, or {{'type': ..., 'strength': number}}"
    )
    if value is None:
        return None
    strength: float | None = None
    if isinstance(value, Mapping):
        _check_keys(arg, value, ("type", "strength"), "audio.input.noise_reduction")
        if value.get("strength") is not None:
            s = value["strength"]
            if not _is_number(s):
                raise TypeError(f"{arg}: 'strength' must be a number, got {_type_name(s)}")
            if not math.isfinite(s) or s < 0:
                raise ValueError(f"{arg}: 'strength' must be a finite number >= 0, got {s}")
            strength = float(s)
        value = value.get("type")
    if not isinstance(value, str):
        raise TypeError(f"{arg} must be {allowed}; got {_type_name(value)}")
    if value not in facts.NOISE_REDUCTION_TYPES:
        raise ValueError(f"{arg} {value!r} is not a noise reduction type; allowed: {allowed}")
    return value if strength is None else {"type": value, "strength": strength}


def normalize_reasoning_effort(value: object) -> str | None:
    """None (server default) or one of REASONING_EFFORTS; {"effort": ...} is accepted too."""
    arg = "reasoning_effort"
    if isinstance(value, Mapping):
        _check_keys(arg, value, ("effort",), "reasoning")
        value = value.get("effort")
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(
            f"{arg} must be None or one of {_choices(facts.REASONING_EFFORTS)}, "
            f"got {_type_name(value)}"
        )
    if value not in facts.REASONING_EFFORTS:
        raise ValueError(
            f"{arg} {value!r} is not a reasoning effort; allowed: "
            f"{_choices(facts.REASONING_EFFORTS)} (or None for the server default)"
        )
    return value


def normalize_parallel_tool_calls(value: object) -> bool | None:
    """None (server default) or True/False."""
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"parallel_tool_calls must be True, False or None, got {_type_name(value)}")
    return value


def normalize_speed(value: object) -> float | None:
    """None (normal speed) or a multiple of the normal speed from SPEED_MIN to SPEED_MAX."""
    arg = "speed"
    if value is None:
        return None
    if not _is_number(value):
        raise TypeError(
            f"{arg} must be a number from {facts.SPEED_MIN} to {facts.SPEED_MAX} (or None), "
            f"got {_type_name(value)}"
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
        raise TypeError(f"{arg} must be None, 'auto' or a dict, got {_type_name(value)}")
    _check_keys(arg, value, TRACING_KEYS, "tracing")
    for key in ("workflow_name", "group_id"):
        if key in value and not isinstance(value[key], str):
            raise TypeError(f"{arg}: {key!r} must be a str, got {_type_name(value[key])}")
    if "metadata" in value and not isinstance(value["metadata"], Mapping):
        raise TypeError(f"{arg}: 'metadata' must be a dict, got {_type_name(value['metadata'])}")
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
        raise TypeError(f"{arg} must be ('audio',) or ('text',), got {_type_name(value)}")
    items = list(value)
    if len(items) != 1 or items[0] not in facts.OUTPUT_MODALITIES:
        raise ValueError(
            f"{arg} must be exactly one of ('audio',) (speech plus its transcript) or "
            f"('text',); the API does not accept both; got {tuple(items)!r}"
        )
    return items


def normalize_int(arg: str, value: object, *, minimum: int, maximum: int, unit: str = "") -> int:
    suffix = f" {unit}" if unit else ""
    if not _is_int(value):
        raise TypeError(
            f"{arg} must be an int{suffix} from {minimum} to {maximum}, got {_type_name(value)}"
        )
    assert isinstance(value, int)
    if not minimum <= value <= maximum:
        raise ValueError(f"{arg} must be from {minimum} to {maximum}{suffix}, got {value}")
    return value


def normalize_secret_ttl(value: object) -> int:
    return normalize_int(
        "secret_ttl_s",
        value,
        minimum=facts.SECRET_TTL_MIN_S,
        maximum=facts.SECRET_TTL_MAX_S,
        unit="seconds",
    )


def normalize_api_key(value: object) -> str | None:
    """None or a non-empty str. The value itself never appears in a message."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(
            f"api_key must be a str (or None to use OPENAI_API_KEY), got {_type_name(value)}"
        )
    key = value.strip()
    if not key or any(c.isspace() for c in key):
        raise ValueError(
            "api_key is empty or contains whitespace; pass the key from "
            "https://platform.openai.com/api-keys or set OPENAI_API_KEY"
        )
    return key


def normalize_base_url(value: object) -> str | None:
    """None, or an http(s) origin; a trailing "/" or "/v1" is dropped (paths are appended)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(
            f"base_url must be a str such as {facts.DEFAULT_BASE_URL!r}, got {_type_name(value)}"
        )
    url = value.strip().rstrip("/")
    if url.endswith("/v1"):
        url = url[: -len("/v1")]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"base_url must start with http:// or https:// and name a host, such as "
            f"{facts.DEFAULT_BASE_URL!r} or 'http://127.0.0.1:8765'; got {value!r}"
        )
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(
            f"base_url must be a plain origin without query, fragment or user info; got {url!r}"
        )
    return url


def normalize_tool_specs(value: object) -> list[JSON]:
    """A list of GA function tool schemas ({"type": "function", "name", ...})."""
    arg = "tool_specs"
    if isinstance(value, Mapping | str) or not isinstance(value, Sequence):
        raise TypeError(f"{arg} must be a list of function tool dicts, got {_type_name(value)}")
    specs: list[JSON] = []
    names: set[str] = set()
    for i, spec in enumerate(value):
        if not isinstance(spec, Mapping):
            raise TypeError(f"{arg}[{i}] must be a dict, got {_type_name(spec)}")
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


# --- session building -----------------------------------------------------------------

# The widget inputs that are part of the session, in the order they appear in the object.
SESSION_FIELDS = (
    "model",
    "instructions",
    "output_modalities",
    "voice",
    "turn_detection",
    "transcription",
    "noise_reduction",
    "tool_specs",
    "reasoning_effort",
    "parallel_tool_calls",
    "speed",
    "tracing",
)

# Fields that `session.update` cannot change in a running session (the model is fixed when
# the call starts); a change applies from the next connect.
NOT_UPDATABLE = frozenset({"model"})


@dataclass(frozen=True)
class SessionSettings:
    """The canonical (already normalized) values that make up a session."""

    model: str = facts.DEFAULT_MODEL
    voice: str = facts.DEFAULT_VOICE
    instructions: str = facts.DEFAULT_INSTRUCTIONS
    turn_detection: JSON | None = field(default_factory=lambda: {"type": "server_vad"})
    transcription: JSON | None = field(
        default_factory=lambda: {"model": facts.DEFAULT_TRANSCRIPTION_MODEL}
    )
    noise_reduction: str | JSON | None = None
    output_modalities: tuple[str, ...] = ("audio",)
    tool_specs: tuple[JSON, ...] = ()
    # gpt-realtime-2.x fields; None is "not sent" (the server default).
    reasoning_effort: str | None = None
    parallel_tool_calls: bool | None = None
    speed: float | None = None
    tracing: str | JSON | None = None


def check_settings(settings: SessionSettings) -> None:
    """Cross-field checks (pure): reasoning fields need a reasoning model.

    Raises ValueError when `reasoning_effort` or `parallel_tool_calls` is set for a model
    whose ModelInfo has reasoning=False. Unknown model names are allowed.
    """
    info = facts.model_info(settings.model, facts.REALTIME_MODELS)
    if info is None or info.reasoning:
        return
    given = [
        name
        for name in ("reasoning_effort", "parallel_tool_calls")
        if getattr(settings, name) is not None
    ]
    if given:
        takers = [m.name for m in facts.REALTIME_MODELS.values() if m.reasoning]
        raise ValueError(
            f"{_choices(given)} only apply to reasoning models ({_choices(takers)}); "
            f"model {settings.model!r} does not take them (set them to None)"
        )


def session_fragment(name: str, value: Any) -> JSON:
    """The part of a GA session object that carries one widget input (already normalized)."""
    if name in ("model", "instructions"):
        return {name: value}
    if name == "output_modalities":
        return {"output_modalities": list(value)}
    if name == "voice":
        return {"audio": {"output": {"voice": voice_param(value)}}}
    if name in ("reasoning_effort", "parallel_tool_calls", "speed", "tracing") and value is None:
        return {}  # not sent: the server default (or the session's current value) applies
    if name == "reasoning_effort":
        return {"reasoning": {"effort": value}}
    if name == "parallel_tool_calls":
        return {"parallel_tool_calls": value}
    if name == "speed":
        return {"audio": {"output": {"speed": value}}}
    if name == "tracing":
        return {"tracing": value if isinstance(value, str) else dict(value)}
    if name in ("turn_detection", "transcription"):
        # Explicit null matters: null turn detection means push-to-talk, while leaving the
        # key out would keep the server default (server_vad).
        return {"audio": {"input": {name: None if value is None else dict(value)}}}
    if name == "noise_reduction":
        if value is None:
            nr = None
        elif isinstance(value, str):
            nr = {"type": value}
        else:
            nr = dict(value)
        return {"audio": {"input": {"noise_reduction": nr}}}
    if name == "tool_specs":
        tools = [dict(t) for t in value]
        return {"tools": tools, "tool_choice": "auto"} if tools else {"tools": []}
    raise KeyError(f"{name!r} is not a session field; known: {_choices(SESSION_FIELDS)}")


def _merge(into: JSON, part: Mapping[str, Any]) -> None:
    for key, value in part.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, Mapping):
            into[key] = {}
            _merge(into[key], value)
        else:
            into[key] = value


def build_session(settings: SessionSettings) -> JSON:
    """The full GA session object for a new call (after `check_settings`)."""
    check_settings(settings)
    session: JSON = {"type": "realtime"}
    for name in SESSION_FIELDS:
        _merge(session, session_fragment(name, getattr(settings, name)))
    return session


def build_session_update(changes: Mapping[str, Any], *, event_id: str | None = None) -> JSON:
    """A `session.update` client event that changes only the given (normalized) fields."""
    fixed = sorted(NOT_UPDATABLE.intersection(changes))
    if fixed:
        raise ValueError(
            f"{_choices(fixed)} cannot change in a running session; "
            "it applies from the next connect"
        )
    session: JSON = {"type": "realtime"}
    for name, value in changes.items():
        _merge(session, session_fragment(name, value))
    event: JSON = {"type": "session.update", "session": session}
    if event_id is not None:
        event["event_id"] = event_id
    return event


def client_secret_body(session: Mapping[str, Any], ttl_s: int) -> JSON:
    """Body of `POST /v1/realtime/client_secrets` (ClientSecretCreateParams)."""
    return {
        "expires_after": {"anchor": "created_at", "seconds": normalize_secret_ttl(ttl_s)},
        "session": dict(session),
    }


# --- one response with its own settings -----------------------------------------------

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
        have = f"the tools given to respond() are {_choices(names)}"
    elif tool_names is not None:
        names = sorted(tool_names)
        have = f"the registered tools are {_choices(names)}" if names else "no tools are registered"
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
            f"respond() got unknown argument(s) {_choices(unknown)}; allowed: "
            f"{_choices(RESPONSE_OVERRIDES)} (use send_event() for anything else)"
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


# Field names `RealtimeWidget.update_session` accepts (`tools` is the GA spelling of the
# `tool_specs` input).
UPDATE_ALIASES: dict[str, str] = {"tools": "tool_specs"}

NORMALIZERS: dict[str, Any] = {
    "instructions": normalize_instructions,
    "voice": normalize_voice,
    "turn_detection": normalize_turn_detection,
    "transcription": normalize_transcription,
    "noise_reduction": normalize_noise_reduction,
    "output_modalities": normalize_output_modalities,
    "tool_specs": normalize_tool_specs,
    "model": normalize_model,
    "reasoning_effort": normalize_reasoning_effort,
    "parallel_tool_calls": normalize_parallel_tool_calls,
    "speed": normalize_speed,
    "tracing": normalize_tracing,
}


def normalize_session_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate several session fields at once (all or nothing); keys may use aliases."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        name = UPDATE_ALIASES.get(key, key)
        normalize = NORMALIZERS.get(name)
        if normalize is None:
            allowed = sorted([*NORMALIZERS, *UPDATE_ALIASES])
            raise TypeError(
                f"update_session() got an unknown field {key!r}; allowed: {_choices(allowed)}"
            )
        out[name] = normalize(value)
    return out
