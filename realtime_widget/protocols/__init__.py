"""OpenAI's voice APIs behind one interface (see `base.VoiceProtocol`)."""

from .base import CallFacts, SessionReply, VoiceProtocol
from .realtime import REALTIME, RealtimeProtocol

__all__ = ["REALTIME", "CallFacts", "RealtimeProtocol", "SessionReply", "VoiceProtocol"]
