"""One call core for every transport (see `core.CallCore` and docs/architecture.md)."""

from .core import CallCore, Record
from .live_settings import LiveSettings
from .transport import CALL_STATUSES, CallHost, CallStatus, NoticeLevel, Transport

__all__ = [
    "CALL_STATUSES",
    "CallCore",
    "CallHost",
    "CallStatus",
    "LiveSettings",
    "NoticeLevel",
    "Record",
    "Transport",
]
