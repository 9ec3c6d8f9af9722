"""GPT-Live session configuration: the checks of `POST /v1/live/sessions` and
`session.start`, `session.update`'s rules, and the `SessionResource` the server reports (pure).

The real server's session object is strict (unknown fields are refused), so is this one:
each problem names the field (`session.audio.output.voice`) and says how to fix it. The
fields and their types are the SDK's (`openai.types.live.SessionConfig`,
`MediaSessionConfigParam`, `SessionUpdateConfig`, 3.57).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ...live_facts import DEFAULT_LIVE_VOICE, LIVE_MODELS, api_of
from ..session_config import Problem

#: The startup fields (`MediaSessionConfigParam` for WebRTC, `SessionConfig` for WebSocket).
STARTUP_FIELDS = frozenset(
    {
        "model",
        "audio",
        "client",
        "delegation",
        "idle_timeout_s",
        "input",
        "instructions",
        "safety_identifier",
        "store",
        "triggers",
        "wake_policy",
    }
)
#: Startup fields of WebRTC creation only (`MediaSessionConfigParam`; `session.start`'s
#: `SessionConfig` has no such fields).
WEBRTC_ONLY_FIELDS = frozenset({"idle_timeout_s", "wake_policy"})
#: What `session.update` may change (`SessionUpdateConfig`); the rest is fixed at start.
UPDATABLE_FIELDS = frozenset({"delegation", "triggers"})
DELEGATION_TYPES = ("client", "responses", "decisions")
_DELEGATION_KEYS: dict[str, frozenset[str]] = {
    "client": frozenset({"type", "acknowledgement_delay_ms"}),
    "responses": frozenset({"type", "acknowledgement_delay_ms", "responses"}),
    "decisions": frozenset({"type", "acknowledgement_delay_ms", "decisions"}),
}
_RESPONSES_KEYS = frozenset(
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
_AUDIO_FORMATS = {"audio/pcm": (16000, 24000), "audio/pcmu": (8000,), "audio/pcma": (8000,)}


def _unknown(param: str, key: str) -> Problem:
    return Problem(f"{param}.{key}", "unknown_parameter", f"Unknown parameter: '{param}.{key}'.")


def _type_problem(param: str, expected: str) -> Problem:
    return Problem(param, "invalid_type", f"Invalid type for '{param}': expected {expected}.")


def _model_problem(model: Any, param: str) -> Problem | None:
    if model is None:
        return Problem(
            param,
            "missing_required_parameter",
            f"Missing required parameter: '{param}'. Name a Live model: "
            + ", ".join(f"'{m}'" for m in LIVE_MODELS)
            + ".",
        )
    if not isinstance(model, str):
        return _type_problem(param, "a string")
    if api_of(model) != "live":
        return Problem(
            param,
            "invalid_value",
            f"Invalid value for '{param}': '{model}'. GPT-Live sessions take a Live model ("
            + ", ".join(f"'{m}'" for m in LIVE_MODELS)
            + "); Realtime models use /v1/realtime.",
        )
    return None


def _voice_problem(audio: Any, param: str, *, websocket: bool) -> Problem | None:
    if not isinstance(audio, dict):
        return _type_problem(param, "an object")
    allowed = {"output", "format"} if websocket else {"output"}
    for key in audio:
        if key not in allowed:
            if key == "format":
                return Problem(
                    f"{param}.format",
                    "unknown_parameter",
                    f"Unknown parameter: '{param}.format'. WebRTC negotiates its media format; "
                    "only a Live WebSocket takes audio.format.",
                )
            return _unknown(param, key)
    fmt = audio.get("format")
    if fmt is not None:
        kind = fmt.get("type") if isinstance(fmt, dict) else None
        if kind not in _AUDIO_FORMATS:
            return Problem(
                f"{param}.format.type",
                "invalid_value",
                f"Invalid value for '{param}.format.type': expected one of "
                + ", ".join(f"'{k}'" for k in _AUDIO_FORMATS)
                + ".",
            )
        if fmt.get("rate", _AUDIO_FORMATS[kind][-1]) not in _AUDIO_FORMATS[kind]:
            return Problem(
                f"{param}.format.rate",
                "invalid_value",
                f"Invalid value for '{param}.format.rate': {kind} takes "
                + " or ".join(str(r) for r in _AUDIO_FORMATS[kind])
                + " Hz.",
            )
    output = audio.get("output")
    if output is None:
        return None
    if not isinstance(output, dict):
        return _type_problem(f"{param}.output", "an object")
    for key in output:
        if key != "voice":
            return _unknown(f"{param}.output", key)
    voice = output.get("voice")
    if voice is None or (isinstance(voice, str) and voice.strip()):
        return None
    if isinstance(voice, dict) and set(voice) == {"id"} and isinstance(voice["id"], str):
        return None
    return _type_problem(
        f"{param}.output.voice", "a voice name (e.g. 'marin') or {'id': 'voice_…'}"
    )


def _tools_problem(tools: Any, param: str) -> Problem | None:
    if not isinstance(tools, list):
        return _type_problem(param, "an array of tools")
    for i, tool in enumerate(tools):
        where = f"{param}[{i}]"
        if not isinstance(tool, dict) or not isinstance(tool.get("type"), str):
            return _type_problem(where, "a tool object with a 'type'")
        if tool["type"] == "function":
            if not isinstance(tool.get("name"), str) or not tool["name"]:
                return Problem(
                    f"{where}.name",
                    "missing_required_parameter",
                    f"Missing required parameter: '{where}.name'.",
                )
            for key in tool:
                if key not in ("type", "name", "description", "parameters", "strict"):
                    return _unknown(where, key)
    return None


def delegation_problem(delegation: Any, param: str, *, update: bool = False) -> Problem | None:
    """The first problem with a `delegation` value (None/omitted: the application's)."""
    if delegation is None:
        return None
    if not isinstance(delegation, dict):
        return _type_problem(param, "an object or null")
    kind = delegation.get("type")
    if kind not in DELEGATION_TYPES:
        return Problem(
            f"{param}.type",
            "invalid_value",
            f"Invalid value for '{param}.type': expected one of "
            + ", ".join(f"'{k}'" for k in DELEGATION_TYPES)
            + ".",
        )
    for key in delegation:
        if key not in _DELEGATION_KEYS[kind]:
            return _unknown(param, key)
    delay = delegation.get("acknowledgement_delay_ms")
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, int) or delay < 0):
        return _type_problem(f"{param}.acknowledgement_delay_ms", "a non-negative integer")
    if kind == "decisions":
        return Problem(
            f"{param}.type",
            "unsupported_value",
            "The emulator does not run Decisions delegation: use null (your application) "
            "or 'responses'.",
        )
    if kind != "responses":
        return None
    responses = delegation.get("responses")
    if responses is None and update:
        return None
    if not isinstance(responses, dict):
        return Problem(
            f"{param}.responses",
            "missing_required_parameter",
            f"Missing required parameter: '{param}.responses' (the backend's model, "
            "instructions and tools).",
        )
    for key in responses:
        if key not in _RESPONSES_KEYS:
            return _unknown(f"{param}.responses", key)
    if not update and not isinstance(responses.get("model"), str):
        return Problem(
            f"{param}.responses.model",
            "missing_required_parameter",
            f"Missing required parameter: '{param}.responses.model' (a Responses model, "
            "e.g. 'gpt-5.5').",
        )
    instructions = responses.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        return _type_problem(f"{param}.responses.instructions", "a string")
    if "tools" in responses:
        return _tools_problem(responses["tools"], f"{param}.responses.tools")
    return None


def _input_problem(items: Any, param: str) -> Problem | None:
    if not isinstance(items, list):
        return _type_problem(param, "an array of messages")
    if len(items) > 128:
        return Problem(param, "array_above_max_length", f"'{param}' takes at most 128 messages.")
    for i, item in enumerate(items):
        where = f"{param}[{i}]"
        if not isinstance(item, dict) or item.get("role") not in ("developer", "user", "assistant"):
            return _type_problem(where, "a message with role 'developer', 'user' or 'assistant'")
        content = item.get("content")
        if (
            not isinstance(content, list)
            or len(content) != 1
            or not isinstance(content[0], dict)
            or not isinstance(content[0].get("text"), str)
        ):
            return _type_problem(f"{where}.content", "exactly one text part")
    return None


def _simple(kind: type | tuple[type, ...], expected: str) -> Callable[[Any, str], Problem | None]:
    def check(value: Any, param: str) -> Problem | None:
        if value is None or (isinstance(value, kind) and not isinstance(value, bool)):
            return None
        if kind is bool and isinstance(value, bool):
            return None
        return _type_problem(param, expected)

    return check


_FIELD_CHECKS: dict[str, Callable[[Any, str], Problem | None]] = {
    "instructions": _simple(str, "a string"),
    "safety_identifier": _simple(str, "a string"),
    "store": _simple(bool, "a boolean"),
    "idle_timeout_s": _simple(int, "an integer (seconds)"),
    "input": _input_problem,
    "triggers": _simple(list, "an array of triggers"),
    "client": _simple(dict, "an object"),
    "wake_policy": _simple(dict, "an object"),
}


def startup_problem(session: Any, *, param: str = "session", websocket: bool) -> Problem | None:
    """The first problem with a startup session, as the real server reports one."""
    if not isinstance(session, dict):
        return _type_problem(param, "an object")
    for key in session:
        if key not in STARTUP_FIELDS or (websocket and key in WEBRTC_ONLY_FIELDS):
            return _unknown(param, key)
    problem = _model_problem(session.get("model"), f"{param}.model")
    if problem is not None:
        return problem
    if "audio" in session:
        problem = _voice_problem(session["audio"], f"{param}.audio", websocket=websocket)
        if problem is not None:
            return problem
    problem = delegation_problem(session.get("delegation"), f"{param}.delegation")
    if problem is not None:
        return problem
    for key, check in _FIELD_CHECKS.items():
        if key in session:
            problem = check(session[key], f"{param}.{key}")
            if problem is not None:
                return problem
    return None


def update_problem(update: Any, current: dict[str, Any]) -> Problem | None:
    """The first problem with a `session.update`'s `session` (only delegation and triggers
    change; the delegation's type is fixed)."""
    if not isinstance(update, dict):
        return _type_problem("session", "an object")
    for key in update:
        if key in UPDATABLE_FIELDS:
            continue
        if key == "instructions":
            return Problem(
                "session.instructions",
                "immutable_parameter",
                "Instructions cannot be updated after startup: use "
                "session.instructions.append to add to them.",
            )
        if key in STARTUP_FIELDS:
            return Problem(
                f"session.{key}",
                "immutable_parameter",
                f"'session.{key}' is fixed at startup; session.update changes only "
                "'delegation' and 'triggers'. Start a new session to change it.",
            )
        return _unknown("session", key)
    delegation = update.get("delegation")
    problem = delegation_problem(delegation, "session.delegation", update=True)
    if problem is not None:
        return problem
    if isinstance(delegation, dict):
        was = delegation_type(current)
        if delegation["type"] != was:
            return Problem(
                "session.delegation.type",
                "immutable_parameter",
                f"The delegation type cannot change: this session delegates to '{was}'.",
            )
    if "triggers" in update:
        return _FIELD_CHECKS["triggers"](update["triggers"], "session.triggers")
    return None


def delegation_type(session: dict[str, Any]) -> str:
    """Who handles delegated tasks: "client" (omitted or null), "responses" or "decisions"."""
    delegation = session.get("delegation")
    return str(delegation.get("type")) if isinstance(delegation, dict) else "client"


def apply_update(session: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """`session` with a checked update applied (sparse: omitted settings are kept)."""
    out = copy.deepcopy(session)
    delegation = update.get("delegation")
    if isinstance(delegation, dict):
        merged = dict(out.get("delegation") or {})
        for key, value in delegation.items():
            if key == "responses" and isinstance(value, dict):
                merged["responses"] = {**(merged.get("responses") or {}), **value}
            else:
                merged[key] = value
        out["delegation"] = merged
    if "triggers" in update:
        out["triggers"] = update["triggers"]
    return out


def resolved_session(requested: dict[str, Any]) -> dict[str, Any]:
    """The session a checked startup config runs with: the defaults filled in (voice
    `marin`, delegation null = the application's, no stored history)."""
    session = copy.deepcopy(requested)
    audio = dict(session.get("audio") or {})
    output = dict(audio.get("output") or {})
    output.setdefault("voice", DEFAULT_LIVE_VOICE)
    audio["output"] = output
    session["audio"] = audio
    session.setdefault("delegation", None)
    session.setdefault("instructions", None)
    session.setdefault("store", False)
    return session


#: Startup fields `SessionResource` does not report (request-only knobs).
_REQUEST_ONLY = frozenset({"idle_timeout_s", "wake_policy"})


def session_resource(
    session: dict[str, Any], *, session_id: str, expires_at: int, instructions: str | None
) -> dict[str, Any]:
    """The `SessionResource` of `session.started`, `.updated` and `.closed`."""
    resource = {k: v for k, v in copy.deepcopy(session).items() if k not in _REQUEST_ONLY}
    resource.update(
        id=session_id, expires_at=expires_at, status="active", instructions=instructions
    )
    return resource
