"""The GPT-Live session: its start configuration, what a running session can change, and
which of the widget's settings Live has no place for (pure).

Source: the `openai` SDK 3.57, `openai.types.live.SessionConfig` (model, instructions,
audio.output.voice, delegation, input, …), `SessionUpdateConfig` (only delegation and
triggers change: "Model, frontend instructions, audio, and startup input are immutable"),
and `InstructionsAppendEvent` (instructions grow by appending). The package does not depend
on the SDK at run time, so the shapes are checked by hand here; the tests validate what this
builds against the SDK types.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from realtime_widget.input_checks import JSON, choices
from realtime_widget.live_facts import LIVE_MODELS, LIVE_VOICES, api_of
from realtime_widget.session_payload import SessionSettings

from .base import IgnoredSetting

#: The widget's session fields a Live session takes (in payload order).
LIVE_SESSION_FIELDS: Final = ("model", "instructions", "voice")
#: Fixed when the session starts ("cannot change after startup"); a change applies from the
#: next session.
LIVE_FIXED: Final = frozenset({"model", "voice"})
#: What a running session can change, and how.
LIVE_UPDATABLE: Final = ("instructions", "delegation")

#: Delegation owners (`SessionConfig.delegation`: null is the client, your application).
DELEGATION_TYPES: Final = ("client", "responses", "decisions")
_DELEGATION_KEYS: Final = {
    "client": frozenset({"type", "acknowledgement_delay_ms"}),
    "responses": frozenset({"type", "responses", "acknowledgement_delay_ms"}),
    "decisions": frozenset({"type", "decisions", "acknowledgement_delay_ms"}),
}
#: `ResponsesDelegationConfig` fields (the backend's model, prompt and tools).
RESPONSES_BACKEND_KEYS: Final = frozenset(
    {
        "model",
        "instructions",
        "max_output_tokens",
        "parallel_tool_calls",
        "reasoning",
        "service_tier",
        "text",
        "tool_choice",
        "tools",
    }
)
#: `SessionConfig.input`: at most this many text messages of these roles.
HISTORY_MAX_MESSAGES: Final = 128
HISTORY_ROLES: Final = ("developer", "user", "assistant")


#: Why each Realtime-only setting is not sent to GPT-Live (and where it goes instead).
IGNORED_BECAUSE: Final = {
    "output_modalities": "GPT-Live always speaks (audio with its transcript); it has no "
    "text-only mode",
    "turn_detection": "GPT-Live drives turn-taking and barge-in itself; it has no "
    "turn_detection setting",
    "transcription": "GPT-Live streams both transcripts itself "
    "(session.input_transcript.delta / session.output_transcript.delta); there is no "
    "transcription model to choose",
    "noise_reduction": "a GPT-Live session has no input audio processing settings",
    "tool_specs": "GPT-Live has no session tools: tools belong to the delegation "
    "backend (delegation={'type': 'responses', 'responses': {'model': ..., 'tools': [...]}}) "
    "or to your application (client delegation)",
    "reasoning_effort": "GPT-Live delegates reasoning: set it on the Responses backend "
    "(delegation.responses.reasoning.effort)",
    "parallel_tool_calls": "set it on the Responses backend "
    "(delegation.responses.parallel_tool_calls)",
    "speed": "GPT-Live has no speech speed setting",
    "tracing": "a GPT-Live session has no tracing setting",
}


#: What the call core must never send as a running change: the fixed fields, and every
#: setting Live has no place for (it never reaches a Live session; `ignored_settings` reports
#: it to the user instead).
LIVE_NOT_UPDATABLE: Final = LIVE_FIXED | frozenset(IGNORED_BECAUSE)


def ignored_settings(settings: SessionSettings) -> list[IgnoredSetting]:
    """The given settings (those not at their default) that GPT-Live ignores, and why.

    Pure: the widget decides whether to warn or refuse. A setting left at its default is not
    reported (the user did not ask for it), even when Live has no such setting.
    """
    default = SessionSettings()
    out: list[IgnoredSetting] = []
    for name, reason in IGNORED_BECAUSE.items():
        value = getattr(settings, name)
        # As JSON: ["audio"] and ("audio",) are the same setting.
        if json.dumps(value) != json.dumps(getattr(default, name)):
            out.append(IgnoredSetting(name, value, reason))
    return out


def check_live_model(model: str) -> str:
    """`model` if it is a GPT-Live model (or a dated snapshot of one), else ValueError."""
    if api_of(model) != "live":
        raise ValueError(
            f"model {model!r} is not a GPT-Live model ({choices(LIVE_MODELS)}); a Realtime "
            "model needs the Realtime protocol"
        )
    return model


def voice_config(voice: str) -> str | JSON:
    """The wire form of a Live voice: a built-in name, or {"id": ...} for a custom voice."""
    return voice if voice in LIVE_VOICES else {"id": voice}


def normalize_delegation(value: object, *, update: bool = False) -> JSON | None:
    """None (your application handles delegated tasks, the default) or a delegation object:
    {"type": "client"}, {"type": "responses", "responses": {"model": ..., ...}} or
    {"type": "decisions", "decisions": {...}}, each with an optional
    "acknowledgement_delay_ms".

    `update`: the sparse form of `session.update`, where omitted settings keep their values
    (the backend's `model` may then be left out).
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(
            f"delegation must be None or a dict with a 'type' key, got {type(value).__name__}"
        )
    kind = value.get("type")
    if kind not in DELEGATION_TYPES:
        raise ValueError(
            f"delegation['type'] must be one of {choices(DELEGATION_TYPES)}, got {kind!r}"
        )
    allowed = _DELEGATION_KEYS[kind]
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ValueError(
            f"delegation of type {kind!r} has unknown key(s) {choices(unknown)}; it takes "
            f"{choices(sorted(allowed))}"
        )
    delay = value.get("acknowledgement_delay_ms")
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, int) or delay < 0):
        raise ValueError(
            f"delegation['acknowledgement_delay_ms'] must be an int >= 0, got {delay!r}"
        )
    if kind == "responses" and not (update and value.get("responses") is None):
        _check_backend(value.get("responses"), update=update)
    if kind == "decisions" and not update and not isinstance(value.get("decisions"), Mapping):
        raise ValueError("delegation of type 'decisions' needs a 'decisions' object")
    return {k: _plain(v) for k, v in value.items()}


def _check_backend(backend: object, *, update: bool) -> None:
    where = "delegation['responses']"
    if not isinstance(backend, Mapping):
        raise ValueError(
            f"{where} must be a dict with at least a 'model' (the Responses model, e.g. "
            f"'gpt-5.5'), got {backend!r}"
        )
    model = backend.get("model")
    if (model is not None or not update) and (not isinstance(model, str) or not model.strip()):
        raise ValueError(f"{where}['model'] must be a non-empty str, got {model!r}")
    if isinstance(model, str) and api_of(model) == "live":
        raise ValueError(f"{where}['model'] is the backend (a Responses model), not {model!r}")
    unknown = sorted(set(backend) - RESPONSES_BACKEND_KEYS)
    if unknown:
        raise ValueError(
            f"{where} has unknown key(s) {choices(unknown)}; it takes "
            f"{choices(sorted(RESPONSES_BACKEND_KEYS))}"
        )


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def normalize_history(messages: object) -> list[JSON]:
    """Startup history (`SessionConfig.input`): text messages as `InitialItem`s.

    Each message is {"role": "developer"|"user"|"assistant", "text": str} (or "content" as a
    str, or the SDK's shape with one text part); at most 128.
    """
    if messages is None:
        return []
    if not isinstance(messages, Sequence) or isinstance(messages, str | bytes):
        raise TypeError(f"history must be a list of messages, got {type(messages).__name__}")
    if len(messages) > HISTORY_MAX_MESSAGES:
        raise ValueError(
            f"history has {len(messages)} messages; GPT-Live takes at most {HISTORY_MAX_MESSAGES}"
        )
    out: list[JSON] = []
    for i, msg in enumerate(messages):
        where = f"history[{i}]"
        if not isinstance(msg, Mapping):
            raise TypeError(f"{where} must be a dict with 'role' and 'text', got {msg!r}")
        role = msg.get("role")
        if role not in HISTORY_ROLES:
            raise ValueError(
                f"{where}['role'] must be one of {choices(HISTORY_ROLES)}, got {role!r}"
            )
        text = msg.get("text", msg.get("content"))
        if isinstance(text, list) and len(text) == 1 and isinstance(text[0], Mapping):
            text = text[0].get("text")  # an InitialItem already: one text part
        if not isinstance(text, str):
            raise ValueError(f"{where} needs its text as a str ('text'), got {text!r}")
        part = "output_text" if role == "assistant" else "input_text"
        out.append({"type": "message", "role": role, "content": [{"type": part, "text": text}]})
    return out


def build_live_session(
    settings: SessionSettings,
    *,
    delegation: object = None,
    history: object = None,
) -> JSON:
    """The `SessionConfig` a GPT-Live session starts with.

    Only what Live takes is sent (`ignored_settings` says what is left out); blank
    instructions are omitted (the server's defaults apply).
    """
    session: JSON = {"model": check_live_model(settings.model)}
    if settings.instructions.strip():
        session["instructions"] = settings.instructions
    session["audio"] = {"output": {"voice": voice_config(settings.voice)}}
    backend = normalize_delegation(delegation)
    if backend is not None:
        session["delegation"] = backend
    items = normalize_history(history)
    if items:
        session["input"] = items
    return session


def live_session_updates(changes: Mapping[str, Any]) -> list[JSON]:
    """The client events (without event ids) that apply these changes to a running session.

    `instructions` → `session.instructions.append` with the new text: Live instructions are
    append-only, so the text is added after the ones in force (the model keeps following
    those too, in order) rather than replacing them. `delegation` →
    `session.update` {session: {delegation}} (the delegation type cannot change). `model` and
    `voice` are fixed at start: ValueError.
    """
    fixed = sorted(LIVE_FIXED.intersection(changes))
    if fixed:
        raise ValueError(
            f"{choices(fixed)} is fixed at start in GPT-Live; create a new widget/session "
            "to change it"
        )
    unknown = sorted(set(changes) - set(LIVE_UPDATABLE))
    if unknown:
        raise ValueError(
            f"{choices(unknown)} cannot be set in a GPT-Live session; a running session can "
            f"change {choices(LIVE_UPDATABLE)}"
        )
    events: list[JSON] = []
    if "instructions" in changes:
        text = changes["instructions"]
        if not isinstance(text, str) or not text.strip():
            raise ValueError(
                "instructions to append must be a non-empty str (GPT-Live instructions are "
                f"append-only: the text is added to the ones in force), got {text!r}"
            )
        events.append(
            {"type": "session.instructions.append", "content": text, "delegation_id": None}
        )
    if "delegation" in changes:
        delegation = normalize_delegation(changes["delegation"], update=True)
        if delegation is None:
            raise ValueError(
                "delegation cannot be removed from a running GPT-Live session (its type "
                "cannot change); start a new session without it"
            )
        events.append({"type": "session.update", "session": {"delegation": delegation}})
    return events


#: Transcript rows (role, kind) a new Live session is given as history, and their role there.
_HISTORY_FROM_ROW: Final = {
    ("user", "audio"): "user",
    ("assistant", "audio"): "assistant",
    ("system", "commentary"): "developer",
    ("tool", "delegation_output"): "developer",
    ("assistant", "delegation"): "developer",
}


def history_from_transcript(rows: Sequence[Mapping[str, Any]]) -> list[JSON]:
    """Startup history for a new Live session that continues a conversation (pure).

    `rows` are the records of a Live `Conversation.transcript`, in order. GPT-Live takes
    text messages only (developer, user, assistant; at most 128): user and assistant speech
    become user and assistant messages (their transcripts), appended commentary, delegation
    results and Responses backend output become developer messages. Silent thinking, rows
    without text, and failed rows are left out; when there are more than 128, the latest are
    kept. The result is ready for `LIVE.configured(history=...)`.
    """
    out: list[JSON] = []
    for row in rows:
        role = _HISTORY_FROM_ROW.get((str(row.get("role")), str(row.get("kind"))))
        text = row.get("text")
        if role is None or not isinstance(text, str) or not text.strip():
            continue
        if row.get("status") == "failed":
            continue
        out.append({"role": role, "text": text})
    return normalize_history(out[-HISTORY_MAX_MESSAGES:])
