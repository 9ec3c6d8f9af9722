"""The two interfaces around a call core: the transport below it and its host above it.

A transport carries the call (the browser's WebRTC call through the widget's comm, a
WebSocket from the kernel, a fake in tests) and reports status changes back to the core
(`CallCore.status_changed`) and server events (`CallCore.receive`). The host is whoever
shows the call to a person: the widget puts notices under itself and mirrors settings into
its traits; a headless session keeps them in lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

from realtime_widget.tools import ToolCall, ToolResult

#: Where a call is. `error` ends an attempt (or a call) that failed; `idle` is no call.
CallStatus = Literal["idle", "connecting", "connected", "closing", "error"]
CALL_STATUSES: tuple[CallStatus, ...] = ("idle", "connecting", "connected", "closing", "error")

NoticeLevel = Literal["info", "warning", "error"]


class Transport(Protocol):
    """Carries one call at a time to the server."""

    def open(self) -> None:
        """Start a call (status goes to `connecting`, then `connected` or `error`)."""
        ...

    def close(self) -> None:
        """Hang up (status goes to `idle`)."""
        ...

    def send(self, event: dict[str, Any]) -> None:
        """Put one checked client event on the running session, in order."""
        ...

    def interrupt(self) -> None:
        """Stop the model's answer the way this transport must (WebRTC: the browser sends
        response.cancel and output_audio_buffer.clear; the server truncates)."""
        ...


class CallHost(Protocol):
    """What the core tells the one who shows the call."""

    def notice(self, text: str, level: NoticeLevel) -> None:
        """A problem or fact a person must see (never holds a secret)."""
        ...

    def pending_changed(self, items: Sequence[Mapping[str, Any]]) -> None:
        """What waits for the session (`[{"id", "label"}]`, oldest first) changed."""
        ...

    def settings_changed(self, values: Mapping[str, Any]) -> None:
        """The core's settings changed without the host asking (a refused update was
        rolled back, or `update()` set several at once): mirror them."""
        ...

    def tool_finished(self, call: ToolCall, result: ToolResult) -> None:
        """A Python tool returned (or failed); its output is already on its way."""
        ...
