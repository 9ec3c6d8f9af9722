"""OpenAI's voice APIs behind one interface (see `base.VoiceProtocol`)."""

from .base import CallFacts, IgnoredSetting, SessionReply, VoiceProtocol
from .live import LIVE, LiveProtocol
from .realtime import REALTIME, RealtimeProtocol

__all__ = [
    "LIVE",
    "REALTIME",
    "CallFacts",
    "IgnoredSetting",
    "LiveProtocol",
    "RealtimeProtocol",
    "SessionReply",
    "VoiceProtocol",
]
