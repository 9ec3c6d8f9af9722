"""Facts about the OpenAI Realtime API (GA interface) that argument validation relies on.

Kept in one place so that a change on OpenAI's side is a one-line edit here. Source:
the `openai` SDK's `openai.types.realtime` and ../shared/realtime-api.md.
"""

from __future__ import annotations

from typing import Final

DEFAULT_BASE_URL: Final = "https://api.openai.com"
CLIENT_SECRETS_PATH: Final = "/v1/realtime/client_secrets"
CALLS_PATH: Final = "/v1/realtime/calls"

DEFAULT_MODEL: Final = "gpt-realtime"
# Known model names. Model names are not validated against this list (OpenAI adds models
# often, and the API answers an unknown one with a clear 400); it documents the choices.
MODELS: Final = (
    "gpt-realtime",
    "gpt-realtime-2025-08-28",
    "gpt-realtime-mini",
    "gpt-realtime-mini-2025-10-06",
    "gpt-realtime-mini-2025-12-15",
    "gpt-realtime-1.5",
    "gpt-realtime-2",
    "gpt-realtime-2.1",
    "gpt-realtime-2.1-mini",
)

DEFAULT_VOICE: Final = "marin"
# The output voice is a closed set in the API (plus custom voice ids, not supported here).
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

DEFAULT_TRANSCRIPTION_MODEL: Final = "gpt-4o-mini-transcribe"
TRANSCRIPTION_MODELS: Final = (
    "whisper-1",
    "gpt-4o-mini-transcribe",
    "gpt-4o-mini-transcribe-2025-12-15",
    "gpt-4o-transcribe",
    "gpt-4o-transcribe-diarize",
    "gpt-transcribe",
    "gpt-live-transcribe",
    "gpt-realtime-whisper",
)
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
