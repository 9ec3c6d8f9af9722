"""Event names: map the beta Realtime API names onto the GA ones.

Older recordings (the beta interface, switched off in 2026) used different names for a few
server events. The reducer only speaks GA, so every type goes through `canonical_type` once.
"""

from __future__ import annotations

from typing import Final

BETA_TO_GA: Final[dict[str, str]] = {
    "response.text.delta": "response.output_text.delta",
    "response.text.done": "response.output_text.done",
    "response.audio.delta": "response.output_audio.delta",
    "response.audio.done": "response.output_audio.done",
    "response.audio_transcript.delta": "response.output_audio_transcript.delta",
    "response.audio_transcript.done": "response.output_audio_transcript.done",
    # Beta had a single "created" event carrying the whole item; GA splits it into added/done.
    "conversation.item.created": "conversation.item.added",
}

#: Type given to data-channel messages that were not valid JSON (kept verbatim in the log).
RAW_TYPE: Final = "<raw>"

#: Synthetic marker written by `Conversation.mark_session_boundary` (a new call started).
SESSION_BOUNDARY_TYPE: Final = "realtime_widget.session_boundary"


def canonical_type(event_type: str) -> str:
    """The GA name for `event_type` (beta names mapped; GA and unknown names unchanged)."""
    return BETA_TO_GA.get(event_type, event_type)
