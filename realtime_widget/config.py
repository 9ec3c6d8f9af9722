"""Validate the widget's user arguments and build the GA session configuration (pure).

This module is the public face of that job; the work is split by kind of argument:

- `input_checks`: the shared type tests, key checks and message parts (and `normalize_int`);
- `session_inputs`: one `normalize_*` per session field the user sets;
- `connection_inputs`: secret lifetime, API key, server origin and signaling (never in
  the session);
- `session_payload`: `SessionSettings`, the cross-field `check_settings`, and building the
  session object, `session.update` and the client-secret request body;
- `response_create`: one `response.create` with per-response settings.

Every `normalize_*` function takes what a user may pass and returns the canonical value
the widget stores in its trait, or raises `TypeError` (wrong type) / `ValueError` (wrong
value) with a message that names the argument and the allowed values. Nothing here does
I/O, so the same checks run for constructor arguments, later assignments from Python, and
changes made in the browser.

The model-name normalizers (`normalize_model`, `normalize_transcription`) stay in this
module: they warn once per process about a retiring model, and that memory
(`_warned_models`) must be the attribute that callers and tests see (and reset) here.
`NORMALIZERS` stays with them because it needs every normalizer, these two included.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import api_facts as facts
from .api_facts import ModelDeprecationWarning
from .connection_inputs import (
    normalize_api_key,
    normalize_base_url,
    normalize_flag,
    normalize_log_path,
    normalize_seconds,
    normalize_secret_ttl,
    normalize_signaling,
    normalize_tool_timeout,
)
from .input_checks import JSON, check_keys, choices, normalize_int, type_name
from .response_create import RESPONSE_OVERRIDES, build_response_create
from .session_inputs import (
    TRACING_KEYS,
    normalize_instructions,
    normalize_noise_reduction,
    normalize_output_modalities,
    normalize_parallel_tool_calls,
    normalize_reasoning_effort,
    normalize_speed,
    normalize_tool_specs,
    normalize_tracing,
    normalize_turn_detection,
    normalize_voice,
    voice_param,
)
from .session_payload import (
    NOT_UPDATABLE,
    SESSION_FIELDS,
    SessionSettings,
    build_session,
    build_session_update,
    check_settings,
    client_secret_body,
    session_fragment,
)

__all__ = [
    "JSON",
    "NORMALIZERS",
    "NOT_UPDATABLE",
    "RESPONSE_OVERRIDES",
    "SESSION_FIELDS",
    "TRACING_KEYS",
    "UPDATE_ALIASES",
    "CallOptions",
    "SessionSettings",
    "build_response_create",
    "build_session",
    "build_session_update",
    "check_settings",
    "checked_call_options",
    "checked_session",
    "client_secret_body",
    "normalize_api_key",
    "normalize_base_url",
    "normalize_flag",
    "normalize_instructions",
    "normalize_int",
    "normalize_log_path",
    "normalize_model",
    "normalize_noise_reduction",
    "normalize_output_modalities",
    "normalize_parallel_tool_calls",
    "normalize_reasoning_effort",
    "normalize_seconds",
    "normalize_secret_ttl",
    "normalize_session_fields",
    "normalize_signaling",
    "normalize_speed",
    "normalize_tool_specs",
    "normalize_tool_timeout",
    "normalize_tracing",
    "normalize_transcription",
    "normalize_turn_detection",
    "normalize_voice",
    "session_fragment",
    "voice_param",
]

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


def normalize_model(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(
            f"model must be a str such as {facts.DEFAULT_MODEL!r}, got {type_name(value)}"
        )
    model = value.strip()
    if not model or any(c.isspace() for c in model):
        raise ValueError(
            f"model must be a model name without spaces, got {value!r}; "
            f"known models: {choices(facts.MODELS)}"
        )
    _check_retirement(facts.model_info(model, facts.REALTIME_MODELS), "Realtime model")
    return model


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
            f"{facts.DEFAULT_TRANSCRIPTION_MODEL!r}, or a dict; got {type_name(value)}"
        )
    tr = dict(value)
    check_keys(arg, tr, facts.TRANSCRIPTION_KEYS, "audio.input.transcription")
    tr.setdefault("model", facts.DEFAULT_TRANSCRIPTION_MODEL)
    model = tr["model"]
    if not isinstance(model, str) or not model.strip():
        raise ValueError(
            f"{arg}: 'model' must be a transcription model name; known: "
            f"{choices(facts.TRANSCRIPTION_MODELS)}; got {model!r}"
        )
    for key in ("language", "prompt"):
        if key in tr and not isinstance(tr[key], str):
            raise TypeError(f"{arg}: {key!r} must be a str, got {type_name(tr[key])}")
    for key in ("languages", "keywords"):
        if key in tr:
            items = tr[key]
            if isinstance(items, str) or not isinstance(items, Sequence):
                raise TypeError(f"{arg}: {key!r} must be a list of str, got {type_name(items)}")
            if not all(isinstance(s, str) for s in items):
                raise TypeError(f"{arg}: {key!r} must contain only str")
            tr[key] = list(items)
    if "delay" in tr and tr["delay"] not in facts.TRANSCRIPTION_DELAYS:
        raise ValueError(
            f"{arg}: 'delay' must be one of {choices(facts.TRANSCRIPTION_DELAYS)}, "
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
                    f"models that accept it: {choices(takers) or 'none'}"
                )
    _check_retirement(info, "Transcription model")
    return tr


# Transcription keys that only some models accept (ModelInfo.transcription_options).
_CHECKED_TRANSCRIPTION_OPTIONS = ("delay", "keywords", "languages", "prompt")


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
                f"update_session() got an unknown field {key!r}; allowed: {choices(allowed)}"
            )
        out[name] = normalize(value)
    return out


def checked_session(fields: Mapping[str, Any]) -> tuple[dict[str, Any], SessionSettings]:
    """Constructor arguments → (normalized fields, their SessionSettings), cross-checked: the one
    check `RealtimeWidget` and `RealtimeSession` run before anything starts."""
    values = normalize_session_fields(fields)
    settings = SessionSettings(**values)
    check_settings(settings)
    return values, settings


@dataclass(frozen=True)
class CallOptions:
    """How a call connects and behaves, apart from the session object."""

    api_key: str | None
    base_url: str | None
    log_path: Path | None
    auto_reconnect: bool
    tool_timeout_s: float | None


def checked_call_options(
    *,
    api_key: object,
    base_url: object,
    log_path: object,
    auto_reconnect: object,
    tool_timeout_s: object,
) -> CallOptions:
    """The connection arguments `RealtimeWidget` and `RealtimeSession` share, normalized
    (which backend they lead to is `backend.resolve_backend`'s job: it reads the
    environment)."""
    return CallOptions(
        api_key=normalize_api_key(api_key),
        base_url=normalize_base_url(base_url),
        log_path=normalize_log_path(log_path),
        auto_reconnect=normalize_flag("auto_reconnect", auto_reconnect),
        tool_timeout_s=normalize_tool_timeout(tool_timeout_s),
    )
