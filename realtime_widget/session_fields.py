"""The live settings and the call host of `RealtimeSession` (a session without a browser).

`SessionField` makes each session input an attribute: reading gives the value the next
call starts with (the running call's, unless an update is in flight), assigning
validates it (`config.NORMALIZERS`, then `CallCore.check_change`: the voice lock,
reasoning-only fields) and changes the running session at once (one `session.update`).
`SessionHost` is the core's `CallHost`: notices are kept in a list and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol

from realtime_widget import config
from realtime_widget.call import NoticeLevel
from realtime_widget.minting import redact
from realtime_widget.tools import ToolCall, ToolResult

if TYPE_CHECKING:
    from realtime_widget.call import CallCore

log = logging.getLogger("realtime_widget")

#: Notices kept (the newest; every one is also logged).
MAX_NOTICES: Final = 100
_LEVELS: Final = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class _HasCore(Protocol):
    _core: CallCore


class SessionField:
    """A session input as a live attribute of its owner (which has `_core`)."""

    def __init__(self, doc: str = "") -> None:
        self.__doc__ = doc
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        if name not in config.NORMALIZERS:
            raise TypeError(f"{name!r} is not a session field")
        self.name = name

    def __get__(self, obj: _HasCore | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return obj._core.settings.values[self.name]

    def __set__(self, obj: _HasCore, value: Any) -> None:
        normalized = config.NORMALIZERS[self.name](value)
        obj._core.check_change({self.name: normalized})
        obj._core.change({self.name: normalized})


class SessionHost:
    """`call.CallHost` of a session: notices in a list (and the log); nothing to mirror,
    since the session's attributes read the core's settings."""

    def __init__(self, secret: str | None) -> None:
        self._secret = secret
        #: What the core told the person, oldest first: {"level", "text"}.
        self.notices: list[dict[str, str]] = []

    def notice(self, text: str, level: NoticeLevel) -> None:
        text = redact(text, self._secret)
        log.log(_LEVELS.get(level, logging.WARNING), "%s", text)
        self.notices.append({"level": level, "text": text})
        del self.notices[:-MAX_NOTICES]

    def pending_changed(self, items: Sequence[Mapping[str, Any]]) -> None:
        log.debug("waiting for the session: %s", [i.get("label") for i in items])

    def settings_changed(self, values: Mapping[str, Any]) -> None:
        log.debug("session settings changed: %s", ", ".join(values))

    def tool_finished(self, call: ToolCall, result: ToolResult) -> None:
        if not result.ok:
            self.notice(f"Tool {call.name} failed: {result.error or 'error'}", "warning")
