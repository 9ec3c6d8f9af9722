"""Facts about the OpenAI Realtime API (GA interface) that argument validation relies on.

Kept in one place so that a change on OpenAI's side is a one-line edit here. Source:
the `openai` SDK's `openai.types.realtime` and ../shared/realtime-api.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Final

DEFAULT_BASE_URL: Final = "https://api.openai.com"
CLIENT_SECRETS_PATH: Final = "/v1/realtime/client_secrets"
CALLS_PATH: Final = "/v1/realtime/calls"

# --- models -------------------------------------------------------------------------
#
# One table for every model name the widget knows: its family (what it is priced as), the
# announced shutdown date and replacement (from the "Deprecated values" docstrings of the
# installed `openai` SDK, 3.57: `RealtimeSessionCreateRequest.model` and
# `AudioTranscription.model`; replacements from OpenAI's deprecations page), and what it
# supports. tests/widget/test_api_facts.py reads the installed SDK and fails when a default is
# deprecated there or a listed model is missing from its literals.


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What the widget knows about one model name."""

    name: str
    #: The price row and capability family; dated snapshots share their family's.
    family: str
    #: Announced shutdown date (ISO), or None while none is announced.
    shutdown: str | None = None
    #: OpenAI's recommended replacement, named in the warning and the refusal.
    replacement: str | None = None
    #: Takes `reasoning.effort` and `parallel_tool_calls` (the gpt-realtime-2.x models).
    reasoning: bool = False
    #: Keys of `audio.input.transcription` besides `model` it accepts (transcription only).
    transcription_options: frozenset[str] = frozenset()
    #: How its usage is billed: "tokens", or "duration" (usage {"type": "duration", ...}).
    billing: str = "tokens"


_REALTIME_RETIRING = "2027-01-20"
_TRANSCRIBE_RETIRING = "2027-02-26"
_LIVE_AUDIO = "gpt-live-transcribe"

DEFAULT_MODEL: Final = "gpt-realtime-2.1"

#: Realtime (speech-to-speech) models, by name.
REALTIME_MODELS: Final[dict[str, ModelInfo]] = {
    m.name: m
    for m in (
        ModelInfo("gpt-realtime-2.1", "gpt-realtime-2.1", reasoning=True),
        ModelInfo("gpt-realtime-2.1-mini", "gpt-realtime-2.1-mini", reasoning=True),
        ModelInfo("gpt-realtime-2", "gpt-realtime-2", reasoning=True),
        ModelInfo("gpt-realtime-1.5", "gpt-realtime-1.5"),
        ModelInfo("gpt-realtime", "gpt-realtime", _REALTIME_RETIRING, "gpt-realtime-2.1"),
        ModelInfo(
            "gpt-realtime-2025-08-28", "gpt-realtime", _REALTIME_RETIRING, "gpt-realtime-2.1"
        ),
        ModelInfo(
            "gpt-realtime-mini", "gpt-realtime-mini", _REALTIME_RETIRING, "gpt-realtime-2.1-mini"
        ),
        ModelInfo(
            "gpt-realtime-mini-2025-12-15",
            "gpt-realtime-mini",
            _REALTIME_RETIRING,
            "gpt-realtime-2.1-mini",
        ),
        # Already shut down (realtime-api.md §0; the SDK still lists the names).
        ModelInfo(
            "gpt-realtime-mini-2025-10-06",
            "gpt-realtime-mini",
            "2026-05-07",
            "gpt-realtime-2.1-mini",
        ),
        ModelInfo(
            "gpt-4o-realtime-preview", "gpt-4o-realtime-preview", "2026-05-07", "gpt-realtime-2.1"
        ),
        ModelInfo(
            "gpt-4o-realtime-preview-2024-10-01",
            "gpt-4o-realtime-preview",
            "2026-05-07",
            "gpt-realtime-2.1",
        ),
        ModelInfo(
            "gpt-4o-realtime-preview-2024-12-17",
            "gpt-4o-realtime-preview",
            "2026-05-07",
            "gpt-realtime-2.1",
        ),
        ModelInfo(
            "gpt-4o-realtime-preview-2025-06-03",
            "gpt-4o-realtime-preview",
            "2026-05-07",
            "gpt-realtime-2.1",
        ),
        ModelInfo(
            "gpt-4o-mini-realtime-preview",
            "gpt-4o-mini-realtime-preview",
            "2026-05-07",
            "gpt-realtime-2.1-mini",
        ),
        ModelInfo(
            "gpt-4o-mini-realtime-preview-2024-12-17",
            "gpt-4o-mini-realtime-preview",
            "2026-05-07",
            "gpt-realtime-2.1-mini",
        ),
        # The SDK also lists the gpt-audio models for realtime sessions. No replacement is
        # named for them; realtime-api.md §0 counts every `gpt-audio-mini*` as retiring.
        ModelInfo("gpt-audio-1.5", "gpt-audio-1.5"),
        ModelInfo("gpt-audio-mini", "gpt-audio-mini", _REALTIME_RETIRING),
        ModelInfo("gpt-audio-mini-2025-10-06", "gpt-audio-mini", _REALTIME_RETIRING),
        ModelInfo("gpt-audio-mini-2025-12-15", "gpt-audio-mini", _REALTIME_RETIRING),
    )
}
#: Known realtime model names, current first (for messages and the view's menu).
MODELS: Final = tuple(REALTIME_MODELS)

DEFAULT_TRANSCRIPTION_MODEL: Final = _LIVE_AUDIO

# Which keys of `audio.input.transcription` each model accepts in a GA realtime session.
# Evidence: the AudioTranscription field docstrings of the SDK (3.57): `delay` "only supported
# with gpt-realtime-whisper in GA Realtime sessions"; `keywords`/`languages` "supported by
# gpt-transcribe and gpt-live-transcribe"; `prompt` free text for the gpt-4o-transcribe models
# "excluding gpt-4o-transcribe-diarize", keywords for whisper-1, "not supported with
# gpt-realtime-whisper". For gpt-transcribe / gpt-live-transcribe the SDK says nothing about
# `prompt`; OpenAI's migration cookbook (developers.openai.com/cookbook/examples/
# migrating_from_whisper_to_gpt_transcribe, 2026-07-28) sends `prompt` with both and the model
# pages list "unstructured context", so they accept it. The cookbook also sends `delay` with
# gpt-live-transcribe in a *transcription* session; the SDK restricts it to
# gpt-realtime-whisper in realtime sessions (what this widget opens), so it is not listed.
_TOKENS_OPTS = frozenset({"language", "prompt"})
_GPT_TRANSCRIBE_OPTS = frozenset({"language", "languages", "keywords", "prompt"})

#: Input-transcription models (`audio.input.transcription.model`), by name.
TRANSCRIPTION_MODEL_INFO: Final[dict[str, ModelInfo]] = {
    m.name: m
    for m in (
        # Both are priced per minute of audio on their model pages ("audio duration").
        ModelInfo(
            _LIVE_AUDIO,
            _LIVE_AUDIO,
            transcription_options=_GPT_TRANSCRIBE_OPTS,
            billing="duration",
        ),
        ModelInfo(
            "gpt-transcribe",
            "gpt-transcribe",
            transcription_options=_GPT_TRANSCRIBE_OPTS,
            billing="duration",
        ),
        ModelInfo(
            "gpt-realtime-whisper",
            "gpt-realtime-whisper",
            transcription_options=frozenset({"language", "delay"}),
            billing="duration",
        ),
        ModelInfo(
            "gpt-4o-mini-transcribe",
            "gpt-4o-mini-transcribe",
            _TRANSCRIBE_RETIRING,
            _LIVE_AUDIO,
            transcription_options=_TOKENS_OPTS,
        ),
        ModelInfo(
            "gpt-4o-mini-transcribe-2025-12-15",
            "gpt-4o-mini-transcribe",
            _TRANSCRIBE_RETIRING,
            _LIVE_AUDIO,
            transcription_options=_TOKENS_OPTS,
        ),
        ModelInfo(
            "gpt-4o-transcribe",
            "gpt-4o-transcribe",
            _TRANSCRIBE_RETIRING,
            _LIVE_AUDIO,
            transcription_options=_TOKENS_OPTS,
        ),
        ModelInfo(
            "gpt-4o-transcribe-diarize",
            "gpt-4o-transcribe-diarize",
            _TRANSCRIBE_RETIRING,
            _LIVE_AUDIO,
            transcription_options=frozenset({"language"}),
        ),
        ModelInfo(
            "whisper-1",
            "whisper-1",
            _TRANSCRIBE_RETIRING,
            _LIVE_AUDIO,
            transcription_options=_TOKENS_OPTS,
            billing="duration",
        ),
    )
}
TRANSCRIPTION_MODELS: Final = tuple(TRANSCRIPTION_MODEL_INFO)

_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def model_info(name: str, table: Mapping[str, ModelInfo] | None = None) -> ModelInfo | None:
    """The row of `name`, or of its family for an unlisted dated snapshot (`…-YYYY-MM-DD`).

    Any other unknown name is None: never a neighbour's row.
    """
    tables = (REALTIME_MODELS, TRANSCRIPTION_MODEL_INFO) if table is None else (table,)
    for t in tables:
        if name in t:
            return t[name]
    base = _SNAPSHOT.sub("", name)
    if base != name:
        for t in tables:
            if base in t:
                return replace(t[base], name=name)
    return None


def family_of(name: str) -> str | None:
    """The family a model name is priced as (dated snapshots map to theirs), or None."""
    info = model_info(name)
    if info is not None:
        return info.family
    base = _SNAPSHOT.sub("", name)
    return base if base != name else None


class ModelDeprecationWarning(FutureWarning):
    """A chosen model is deprecated: OpenAI has announced the date it shuts it down.

    A FutureWarning so that notebooks show it (DeprecationWarning is hidden outside __main__).
    """


def is_shut_down(info: ModelInfo, today: date | None = None) -> bool:
    """True once the announced shutdown date has passed (the API then answers 400)."""
    if info.shutdown is None:
        return False
    return (today or date.today()) >= date.fromisoformat(info.shutdown)


def retirement_message(info: ModelInfo, what: str, today: date | None = None) -> str | None:
    """The warning (or refusal) text for a retiring (or shut-down) model; None when current."""
    if info.shutdown is None:
        return None
    instead = f" Use {info.replacement!r} instead." if info.replacement else ""
    if is_shut_down(info, today):
        return (
            f"{what} {info.name!r} was shut down by OpenAI on {info.shutdown} and no longer "
            f"accepts requests.{instead}"
        )
    return f"{what} {info.name!r} is deprecated: OpenAI shuts it down on {info.shutdown}.{instead}"


DEFAULT_VOICE: Final = "marin"
# The built-in output voices; a custom voice is its id ("voice_…", CUSTOM_VOICE_PREFIX).
VOICES: Final = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)

DEFAULT_INSTRUCTIONS: Final = "You are a helpful assistant."

# Keys of `audio.input.transcription` (AudioTranscriptionParam) and the type each must have.
TRANSCRIPTION_KEYS: Final = ("model", "language", "prompt", "languages", "keywords", "delay")
TRANSCRIPTION_DELAYS: Final = ("minimal", "low", "medium", "high", "xhigh")

TURN_DETECTION_TYPES: Final = ("server_vad", "semantic_vad")
SERVER_VAD_KEYS: Final = (
    "type",
    "threshold",
    "prefix_padding_ms",
    "silence_duration_ms",
    "create_response",
    "interrupt_response",
    "idle_timeout_ms",
)
SEMANTIC_VAD_KEYS: Final = ("type", "eagerness", "create_response", "interrupt_response")
EAGERNESS_VALUES: Final = ("low", "medium", "high", "auto")

NOISE_REDUCTION_TYPES: Final = ("near_field", "far_field")

# The API accepts exactly one of these per session: ["audio"] (audio plus its transcript)
# or ["text"].
OUTPUT_MODALITIES: Final = ("text", "audio")

# expires_after.seconds of a client secret.
SECRET_TTL_MIN_S: Final = 10
SECRET_TTL_MAX_S: Final = 7200
# Short by default: the secret only gates starting a call, which happens right after minting.
DEFAULT_SECRET_TTL_S: Final = 120

# Client events may carry an event_id up to this many characters.
EVENT_ID_MAX_CHARS: Final = 512

# Server events after which the session's voice can no longer change ("Voice cannot be
# changed during the session once the model has responded with audio at least once").
MODEL_AUDIO_EVENT_TYPES: Final = frozenset(
    {
        "output_audio_buffer.started",
        "response.output_audio.delta",
        "response.output_audio_transcript.delta",
        "response.audio.delta",
        "response.audio_transcript.delta",
    }
)

# --- gpt-realtime-2.x session fields (openai.types.realtime, SDK 3.57) -----------------

#: `reasoning.effort` (RealtimeReasoningEffort); only models with `reasoning=True` take it.
REASONING_EFFORTS: Final = ("minimal", "low", "medium", "high", "xhigh")
#: `audio.output.speed`: a multiple of the normal speed.
SPEED_MIN: Final = 0.25
SPEED_MAX: Final = 1.5
#: `turn_detection.idle_timeout_ms` (server_vad), per the API reference.
IDLE_TIMEOUT_MIN_MS: Final = 5000
IDLE_TIMEOUT_MAX_MS: Final = 30000
#: A custom voice is `{"id": "voice_…"}`.
CUSTOM_VOICE_PREFIX: Final = "voice_"

#: How long a WebRTC connection may stay ICE-`disconnected` before the call is ended
#: (the official agents-realtime client waits 5 s).
ICE_DISCONNECT_GRACE_MS: Final = 5000

# --- client events (openai.types.realtime.RealtimeClientEvent, SDK 3.57) ----------------
#
# Every GA client event type and the fields each requires besides `type` (`event_id` is
# optional everywhere). tests/widget/test_client_events.py derives both from the SDK's union.

#: Required fields of each GA client event, by type.
CLIENT_EVENT_REQUIRED_FIELDS: Final[Mapping[str, frozenset[str]]] = {
    "session.update": frozenset({"session"}),
    "input_audio_buffer.append": frozenset({"audio"}),
    "input_audio_buffer.commit": frozenset(),
    "input_audio_buffer.clear": frozenset(),
    "output_audio_buffer.clear": frozenset(),
    "conversation.item.create": frozenset({"item"}),
    "conversation.item.retrieve": frozenset({"item_id"}),
    "conversation.item.truncate": frozenset({"item_id", "content_index", "audio_end_ms"}),
    "conversation.item.delete": frozenset({"item_id"}),
    "response.create": frozenset(),
    "response.cancel": frozenset(),
}
#: The GA client event types, in the API reference's order.
CLIENT_EVENT_TYPES: Final = tuple(CLIENT_EVENT_REQUIRED_FIELDS)
