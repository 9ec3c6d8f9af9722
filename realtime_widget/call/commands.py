"""The Python commands of a conversation's calls, for anything built on a `CallCore`.

`RealtimeWidget` mixes this in (and a session without a browser can too), so `send_text`,
`respond`, `update_session`, `interrupt`, `reconnect` and the `tool` decorator have one
definition each, with their real signatures, over `self._core`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar, overload

from realtime_widget import config
from realtime_widget.lifecycle import Pending
from realtime_widget.session_control import Rejected
from realtime_widget.tools import ToolRegistry, ToolResult

from .core import CallCore

_F = TypeVar("_F", bound=Callable[..., Any])


class CallCommands:
    """Commands and call reports, delegated to `self._core` (set by the class that mixes
    this in, with `self.tools` the core's registry)."""

    _core: CallCore
    tools: ToolRegistry

    def _offer_tools(self, specs: Sequence[Mapping[str, Any]]) -> None:
        """The registry changed: offer its schemas to the model (a running session at once)."""
        self._core.change({"tool_specs": config.normalize_tool_specs(list(specs))})

    @property
    def tool_timeout_s(self) -> float | None:
        """Seconds a tool may run before the model gets a timeout error (None: no limit)."""
        return self._core.tool_timeout

    @tool_timeout_s.setter
    def tool_timeout_s(self, value: float | None) -> None:
        self._core.tool_timeout = config.normalize_tool_timeout(value)

    @property
    def auto_reconnect(self) -> bool:
        """Start a new call with the conversation so far when the session expires."""
        return self._core.auto_reconnect

    @auto_reconnect.setter
    def auto_reconnect(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"auto_reconnect must be True or False, got {value!r}")
        self._core.auto_reconnect = value

    @property
    def unsent(self) -> list[Pending]:
        """What was asked to be sent while the call was starting but never went out (the
        call failed or was hung up first), oldest first; also shown under the widget."""
        return self._core.unsent

    @property
    def tool_errors(self) -> list[ToolResult]:
        """Tool calls that failed (exception, bad arguments, timeout), oldest first."""
        return self._core.tool_errors

    @property
    def session_error(self) -> Rejected | None:
        """The last session.update the server refused (its values were rolled back)."""
        return self._core.settings.session_error

    def disconnect(self) -> None:
        """Ask the browser to hang up; the transcript and the event log stay."""
        self._core.disconnect()

    def send_event(self, event: Mapping[str, Any]) -> str:
        """Send any GA client event on the data channel; returns its `event_id`.

        The event must be a dict with a str `type` and only JSON values; an `event_id` is
        added when missing. It appears in `events` (direction "client") when the browser
        has sent it, so the log keeps the real order.
        """
        return self._core.send_event(event)

    def interrupt(self) -> bool:
        """Stop the model's current answer, as the view's Interrupt button does; False if
        there was nothing to stop.

        The browser sends `response.cancel` (while the in-conversation response runs;
        out-of-band responses are left alone), then `output_audio_buffer.clear` (while its
        audio plays), exactly as the official WebRTC client does. The server tracks
        playback and truncates the playing item to what was played
        (`conversation.item.truncated`, then `output_audio_buffer.cleared`); from then on
        the model no longer has the cut text, and `transcript` shows the heard part
        (`heard_text`) and the rest (`unheard_text`).
        """
        return self._core.interrupt()

    def send_text(
        self, text: str, role: Literal["user", "system"] = "user", *, respond: bool | None = None
    ) -> None:
        """Add a text message to the conversation; a user message also asks for a response.

        `role="system"` steers the model mid-conversation without a reply (pass
        `respond=True` to get one).
        """
        self._core.send_text(text, role, respond=respond)

    def respond(self, instructions: str | None = None, **overrides: Any) -> str:
        """Ask for one response now, with settings for this response only; returns the
        event_id of the `response.create`.

        Keyword arguments: `instructions`, `output_modalities`, `voice`, `tools`,
        `tool_choice` ("auto", "none", "required" or a tool name), `max_output_tokens`,
        `conversation` ("none" for an answer outside the conversation: it never joins
        the transcript and is read from `out_of_band`), `metadata`, `input`, `reasoning`
        (an effort or {"effort": ...}) and `parallel_tool_calls`. The session's settings
        stay as they are.
        """
        # tool_choice may only name a tool the model has (registered or assigned).
        specs = self._core.settings.values["tool_specs"]
        names = [*self.tools.names(), *(spec["name"] for spec in specs)]
        return self._core.respond({"instructions": instructions, **overrides}, names)

    def update_session(self, **fields: Any) -> str | None:
        """Change several session settings at once: one `session.update` while connected.

        Accepts `instructions`, `voice`, `turn_detection`, `transcription`,
        `noise_reduction`, `output_modalities`, `tools` (GA specs; or `tool_specs`),
        `reasoning_effort`, `parallel_tool_calls`, `speed`, `tracing` and `model` (applies
        from the next connect). All values are checked first; nothing
        changes if one is invalid. Returns the event_id of the update, or None when
        nothing was sent (not connected, or no value differs).
        """
        return self._core.update(fields)

    def reconnect(self) -> None:
        """Start a new call that continues this conversation.

        The new session gets the current settings and tools, and the conversation so
        far as text items (see `realtime_widget.reconnect`); the event log continues,
        with a session boundary marked. Used on `session_expired` when
        `auto_reconnect=True`, and by the view's "New session with context" button.
        """
        self._core.reconnect()

    def settings(self) -> config.SessionSettings:
        """The current session inputs (what the next call starts with)."""
        return self._core.settings.settings()

    # -- tools ----------------------------------------------------------------------------

    @overload
    def tool(self, fn: _F, *, name: str | None = None, description: str | None = None) -> _F: ...
    @overload
    def tool(
        self, fn: None = None, *, name: str | None = None, description: str | None = None
    ) -> Callable[[_F], _F]: ...

    def tool(
        self,
        fn: _F | None = None,
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> _F | Callable[[_F], _F]:
        """Decorator: let the model call `fn` (it runs in this kernel, with the notebook's
        variables). The schema comes from the signature and docstring; a running session
        gets it at once (session.update). Use as `@w.tool` or `@w.tool(name=...)`; the
        function is returned unchanged, with its type."""

        def register(f: _F) -> _F:
            self.tools.add(f, name=name, description=description)
            self._offer_tools(self.tools.specs())
            return f

        return register if fn is None else register(fn)

    def add_tool(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> None:
        """Let the model call `fn` (like `@w.tool`, for a function defined elsewhere)."""
        self.tool(fn, name=name, description=description)

    def remove_tool(self, name: str) -> None:
        """Stop offering the tool `name` to the model."""
        self.tools.remove(name)
        self._offer_tools(self.tools.specs())
