"""The protocol of a voice API by name (the model picks the API: `live_facts.api_of`)."""

from __future__ import annotations

from realtime_widget.live_facts import Api

from .base import VoiceProtocol
from .realtime import REALTIME


def protocol_for(api: Api) -> VoiceProtocol:
    if api == "live":
        # Imported when asked for: a Realtime conversation never loads the Live modules.
        from .live import LIVE

        return LIVE
    return REALTIME
