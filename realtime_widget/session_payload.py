"""Build the GA session object from canonical settings (pure).

`build_session` turns the normalized values into the `session` object of the GA interface
(`openai.types.realtime.RealtimeSessionCreateRequestParam`), used both in the body of
`POST /v1/realtime/client_secrets` and, for the changed fields only, in `session.update`.
It is separate from the normalizers: it trusts its input and only decides where each value
goes on the wire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import api_facts as facts
from .connection_inputs import normalize_secret_ttl
from .input_checks import JSON, choices
from .live_facts import LIVE_VOICES, api_of
from .session_inputs import voice_param

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


def check_voice_for_model(voice: str, model: str) -> None:
    """A built-in voice of the API the model selects (their lists differ); custom voices
    ("voice_…") go to either."""
    if voice.startswith(facts.CUSTOM_VOICE_PREFIX):
        return
    live = api_of(model) == "live"
    voices, api = (LIVE_VOICES, "GPT-Live") if live else (facts.VOICES, "the Realtime API")
    if voice not in voices:
        raise ValueError(
            f"voice {voice!r} is not a voice of {api} (model {model!r}); {api} has "
            f"{choices(voices)}"
        )


def check_settings(settings: SessionSettings) -> None:
    """Cross-field checks (pure): reasoning fields need a reasoning model.

    Raises ValueError when `reasoning_effort` or `parallel_tool_calls` is set for a model
    whose ModelInfo has reasoning=False. Unknown model names are allowed.
    """
    check_voice_for_model(settings.voice, settings.model)
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
            f"{choices(given)} only apply to reasoning models ({choices(takers)}); "
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
    raise KeyError(f"{name!r} is not a session field; known: {choices(SESSION_FIELDS)}")


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
            f"{choices(fixed)} cannot change in a running session; it applies from the next connect"
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
