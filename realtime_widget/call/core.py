"""`CallCore`: one conversation's calls, whatever carries them (pure Python, no I/O).

It owns the session settings and their live updates (`LiveSettings`), the facts of the
running call (`protocols.CallFacts`), what waits for the session (`lifecycle.Outbox`),
Python tools and their results, the context a reconnect carries over, and feeding the
`Conversation`. It sends client events through an injected `Transport` and is driven by
what the transport reports (`status_changed`, `receive`), so every lifecycle rule is
tested with a fake transport and lives here once: the widget, a headless session and
the evals all use it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

from realtime_widget import config
from realtime_widget.conversation import Conversation
from realtime_widget.lifecycle import Outbox, Pending, label_of, not_sent_text
from realtime_widget.minting import redact
from realtime_widget.protocols import REALTIME, CallFacts, VoiceProtocol
from realtime_widget.session_control import Rejected
from realtime_widget.tools import ToolCall, ToolCallRunner, ToolRegistry, ToolResult

from .delegations import DelegationRunner
from .live_settings import JSON, LiveSettings
from .transport import CallHost, CallStatus, Transport

log = logging.getLogger("realtime_widget")

Record = tuple[float, Literal["server", "client"], dict[str, Any] | str]

#: A callback error shown to a person is cut here (a huge repr must not flood the view).
MAX_NOTICE_CHARS = 600
#: Longest text message accepted (a person types far less; a runaway loop must not).
MAX_TEXT_CHARS = 100_000


class CallCore:
    """The kernel's side of a conversation's calls (see the module docstring)."""

    def __init__(
        self,
        transport: Transport,
        host: CallHost,
        conversation: Conversation,
        settings: config.SessionSettings,
        *,
        protocol: VoiceProtocol = REALTIME,
        tools: ToolRegistry | None = None,
        tool_timeout: float | None = 60.0,
        auto_reconnect: bool = False,
        secret: str | None = None,
    ) -> None:
        self.transport = transport
        self.host = host
        self.conversation = conversation
        self.protocol = protocol
        self.settings = LiveSettings(settings, protocol)
        self.status: CallStatus = "idle"
        #: The last error the transport reported ("" when none).
        self.error = ""
        self.facts = CallFacts()
        #: Start a new call with the conversation so far when the session expires.
        self.auto_reconnect = auto_reconnect
        #: What was asked to be sent while the call was starting but never went out (the
        #: call failed or was hung up first), oldest first.
        self.unsent: list[Pending] = []
        #: Tool calls that failed (exception, bad arguments, timeout), oldest first.
        self.tool_errors: list[ToolResult] = []
        self.tools = tools if tools is not None else ToolRegistry()
        self._secret = secret  # only to redact it from texts a person sees
        self._outbox = Outbox()
        # connect() was asked for and the call has not started or failed since.
        self._connect_requested = False
        # conversation.item.create events that give the next call the earlier context.
        self._restore: list[JSON] | None = None
        self._batch_errors: list[str] | None = None
        self._connect_waiters: list[asyncio.Future[None]] = []
        self._tool_runner = ToolCallRunner(
            self.tools, self._send_tool_event, timeout=tool_timeout, on_result=self._tool_done
        )
        self._tool_feed = protocol.new_tool_feed()
        self._delegations = DelegationRunner(
            self.tools,
            self._send_tool_event,
            timeout=tool_timeout,
            on_result=self._tool_done,
            on_problem=lambda text: self.host.notice(text, "warning"),
        )
        conversation.on_callback_error = self._on_callback_error

    # -- commands -------------------------------------------------------------------------

    @property
    def starting(self) -> bool:
        """A call was asked for (or is being set up) and is not ready yet."""
        return self.status == "connecting" or (
            self._connect_requested and self.status not in ("connected", "closing")
        )

    @property
    def connect_requested(self) -> bool:
        return self._connect_requested

    def connect(self) -> None:
        self._connect_requested = True
        self.transport.open()

    def disconnect(self) -> None:
        self._connect_requested = False
        self._report_unsent("you disconnected before the session was ready")
        self.transport.close()

    def reconnect(self) -> None:
        """Start a new call that continues this conversation (its text as context)."""
        rows = cast(list[Mapping[str, Any]], self.conversation.transcript.to_dict("records"))
        protocol, self._restore = self.protocol.continue_from(rows, self.conversation.reducer)
        self.use_protocol(protocol)
        if self.status in ("connecting", "connected"):
            self.disconnect()
        self.connect()

    def use_protocol(self, protocol: VoiceProtocol) -> None:
        """Start the next calls with `protocol` (the same API, configured otherwise)."""
        self.protocol = protocol
        self.settings.protocol = protocol

    def interrupt(self) -> bool:
        """Stop the model's in-conversation answer; False when there is nothing to stop."""
        if self.status != "connected":
            return False
        if self.protocol.model_drives_turns:
            # Nothing the client sends stops the model; the browser silences its playback.
            self.transport.interrupt()
            self.host.notice(
                "GPT-Live decides itself when it stops speaking (it stops when you talk over "
                "it); Interrupt silenced the playback here only.",
                "info",
            )
            return True
        if self.facts.active_response is None and not self.facts.audio_playing:
            return False
        self.transport.interrupt()
        return True

    def send_event(self, event: Mapping[str, Any]) -> str:
        checked = self.protocol.check_client_event(event)
        self.deliver([checked], "send a client event")
        event_id: str = checked["event_id"]
        return event_id

    def send_text(self, text: str, role: str = "user", *, respond: bool | None = None) -> None:
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if role not in ("user", "system"):
            raise ValueError(f"role must be 'user' or 'system', got {role!r}")
        if not text.strip():
            raise ValueError("text is empty; type a message to send")
        if len(text) > MAX_TEXT_CHARS:
            raise ValueError(f"text is {len(text)} characters; the limit here is {MAX_TEXT_CHARS}")
        wanted = respond if respond is not None else role == "user"
        self.deliver(self.protocol.text_message(text, role, respond=wanted), "send text")

    def respond(self, overrides: Mapping[str, Any], tool_names: Sequence[str]) -> str:
        event = self.protocol.response_request(overrides, tool_names)
        self.deliver([event], "ask for a response")
        event_id: str = event["event_id"]
        return event_id

    def deliver(self, events: list[JSON], what: str) -> None:
        """Send checked client events now, or keep them for the session being started."""
        if self.status == "connected":
            for event in events:
                self.transport.send(event)
        elif self.starting:
            self._outbox.add(label_of(events), events)
            self.host.pending_changed(self._outbox.view())
        else:
            raise RuntimeError(
                f"cannot {what} while status is {self.status!r}: call w.connect() (or press "
                "Connect) first; what you send while it connects waits and goes once the "
                "session is ready"
            )

    @property
    def pending(self) -> list[dict[str, Any]]:
        """What waits for the session, oldest first (`[{"id", "label"}]`)."""
        return self._outbox.view()

    # -- settings -------------------------------------------------------------------------

    def check_change(self, changes: Mapping[str, Any]) -> None:
        """Raise ValueError when these normalized values cannot apply now."""
        current = self.settings.values
        for ignored in self.protocol.ignored_settings(
            dataclasses.replace(self.settings.settings(), **dict(changes))
        ):
            # tool_specs is written by @tool: the tools still answer (delegations).
            name = ignored.field
            asked = name in changes and changes[name] != current.get(name)
            if asked and name != "tool_specs":
                raise ValueError(f"{name} cannot be set here: {ignored.reason}")
        if self.status in ("connecting", "connected"):
            fixed = sorted(
                name
                for name in set(changes) & self.protocol.fixed_at_start
                if changes[name] != current.get(name)
            )
            if fixed:
                names = " and ".join(fixed)
                raise ValueError(
                    f"{names} cannot change while the session runs: GPT-Live fixes "
                    f"{'them' if len(fixed) > 1 else 'it'} when the session starts. "
                    "Disconnect, set it, and connect again (a new session)."
                )
        self.settings.check(changes, voice_locked=self._voice_locked())

    def change(self, changes: Mapping[str, Any]) -> str | None:
        """Take checked values; a running session gets one session.update (its event_id)."""
        self.settings.set(changes)
        if self.protocol.instructions_append_only and "instructions" in changes and self.live:
            text = (
                "GPT-Live instructions cannot be replaced, only added to: the new text was "
                "appended to the session's instructions (session.instructions.append); the "
                "earlier ones still apply. To start over, disconnect and connect again."
            )
            warnings.warn(text, UserWarning, stacklevel=3)
            self.host.notice(text, "info")
        if self.status != "connected":
            if set(changes) & self.protocol.not_updatable and self.starting:
                log.info("%s changes from the next connect", ", ".join(sorted(changes)))
            return None
        return self._sync()

    def update(self, fields: Mapping[str, Any]) -> str | None:
        """Several settings at once (aliases allowed), all checked first: one update."""
        values = config.normalize_session_fields(fields)
        self.check_change(values)
        event_id = self.change(values)
        self.host.settings_changed(values)
        return event_id

    @property
    def live(self) -> bool:
        """A session is running (its updates go out at once)."""
        return self.status == "connected"

    def _voice_locked(self) -> bool:
        return self.facts.model_spoke and self.status == "connected"

    def _sync(self) -> str | None:
        event = self.settings.pending_update()
        if event is None:
            return None
        self.transport.send(event)
        event_id: str = event["event_id"]
        return event_id

    # -- what the transport reports -------------------------------------------------------

    async def wait_until_connected(self, timeout: float, why_not: str = "") -> None:
        """Return once the session is ready (at once if it is). Raises RuntimeError when the
        attempt fails or nothing is connecting, TimeoutError after `timeout` seconds (with
        `why_not`, the host's best guess, in the message)."""
        if self.status == "connected":
            return
        if not self._connect_requested and self.status != "connecting":
            raise RuntimeError(
                f"nothing is connecting (status {self.status!r}): call w.connect() or press "
                "Connect first"
            )
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._connect_waiters.append(done)
        try:
            await asyncio.wait_for(done, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"not connected after {timeout:g} s (status {self.status!r})"
                + (f"; {why_not}" if why_not else "")
            ) from None
        finally:
            if done in self._connect_waiters:
                self._connect_waiters.remove(done)

    def _settle_waiters(self, problem: str | None) -> None:
        waiters, self._connect_waiters = self._connect_waiters, []
        for waiter in waiters:
            if waiter.done():
                continue
            if problem is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(RuntimeError(problem))

    def status_changed(self, status: CallStatus, error: str = "") -> None:
        old, self.status = self.status, status
        if status == "error":
            self.error = error
            self._settle_waiters(f"the connection failed: {error}")
        elif status == "connected":
            self._settle_waiters(None)
        elif status == "idle" and old in ("connecting", "closing"):
            self._settle_waiters("the call ended before it was connected")
        if status == "connected":
            self._connect_requested = False
            # The call started with what was minted into its secret; what changed since
            # goes in one session.update now, then the earlier context, then what waited.
            self._sync_started()
            restore, self._restore = self._restore, None
            for event in restore or ():
                self.send_event(event)
            self._flush_outbox()
            return
        if status == "connecting":
            self._connect_requested = False
            return
        if status == "error":
            self._connect_requested = False
            self._report_unsent(f"the connection failed: {error}")
        elif status == "idle" and old in ("connecting", "closing"):
            self._report_unsent("the call ended before it was ready")
        self.settings.call_ended()
        self.facts = self.facts.call_ended()
        # Calls of a call that has ended can no longer be answered.
        self._tool_runner.cancel()
        self._delegations.cancel()

    def _sync_started(self) -> None:
        event = self.settings.call_started()
        if event is not None:
            self.transport.send(event)

    def receive(self, records: Sequence[Record], via: str = "") -> None:
        """Take server and client records in arrival order: log, facts, replies, tools.
        `via`: the path that brought them when it is not the call's own ("sideband")."""
        self._batch_errors = []
        try:
            self._ingest(records, via)
        finally:
            errors, self._batch_errors = self._batch_errors, None
            if errors:
                more = len(errors) - 1
                self.host.notice(
                    errors[0]
                    + (f" (and {more} more callback error(s) in this batch)" if more else ""),
                    "error",
                )
        if len(self.tools) or self.protocol.delegates:
            self._run_tools(records)
        if self.facts.expired:
            self.facts = dataclasses.replace(self.facts, expired=False)
            if self.auto_reconnect:
                # After the ingest above, so that the new session gets every turn.
                log.info("the session expired; continuing in a new session (auto_reconnect)")
                self.reconnect()

    def _ingest(self, records: Sequence[Record], via: str) -> None:
        start = 0
        for i, (_, direction, payload) in enumerate(records):
            if direction != "server" or not isinstance(payload, dict):
                continue
            before = self.facts.sessions
            self.facts = self.protocol.advance(self.facts, payload)
            reply = self.protocol.session_reply(payload)
            if reply is not None:
                self._on_session_reply(self.settings.on_reply(reply))
            # A second call in this conversation: the boundary goes right before its
            # session.created so that item order and latency restart there.
            if before >= 1 and self.facts.sessions > before:
                self.conversation.ingest(records[start:i], via)
                self.conversation.mark_session_boundary("new call")
                start = i
        self.conversation.ingest(records[start:], via)

    def _on_session_reply(self, rejected: Rejected | None) -> None:
        if rejected is None:
            return
        self.host.settings_changed(rejected.rollback)
        fields = ", ".join(rejected.attempted)
        text = (
            f"The server refused the session update of {fields}: {rejected.message}"
            f"{f' ({rejected.code})' if rejected.code else ''}. The settings are back to "
            "what the session uses; `session_error` has the details."
        )
        log.warning("%s", text)
        warnings.warn(text, RuntimeWarning, stacklevel=2)
        self.host.notice(text, "error")

    # -- what waited ----------------------------------------------------------------------

    def _flush_outbox(self) -> None:
        pending = self._outbox.drain()
        for item in pending:
            for event in item.events:
                self.transport.send(event)
        if pending:
            self.host.pending_changed(self._outbox.view())

    def _report_unsent(self, reason: str) -> None:
        pending = self._outbox.drain()
        if not pending:
            return
        self.unsent.extend(pending)
        text = not_sent_text(pending, reason)
        log.warning("%s", text)
        warnings.warn(text, RuntimeWarning, stacklevel=4)
        self.host.pending_changed(self._outbox.view())
        self.host.notice(text, "error")

    # -- tools and callbacks --------------------------------------------------------------

    @property
    def tool_timeout(self) -> float | None:
        return self._tool_runner.timeout

    @tool_timeout.setter
    def tool_timeout(self, value: float | None) -> None:
        self._tool_runner.timeout = self._delegations.timeout = value

    def _run_tools(self, records: Sequence[Record]) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            log.warning("tool calls need an event loop; none is running here")
            return
        for _, direction, payload in records:
            if not isinstance(payload, dict):
                continue
            if direction == "server":
                for event in self._tool_feed(payload):
                    self._tool_runner.feed(event)
            if self.protocol.delegates:
                # Both directions: typed context (a client event) is part of the task.
                self._delegations.feed(payload)

    def _send_tool_event(self, event: dict[str, Any]) -> None:
        # Tool outputs belong to the running call (the runners are cancelled when it ends).
        self.transport.send(self.protocol.tool_event(event))

    def _tool_done(self, call: ToolCall, result: ToolResult) -> None:
        if not result.ok:
            self.tool_errors.append(result)
            log.warning(
                "tool %r failed: %s%s",
                call.name,
                result.error,
                f"\n{result.traceback}" if result.traceback else "",
            )
        self.host.tool_finished(call, result)

    def _on_callback_error(self, event_type: str, exc: BaseException) -> None:
        last = self.conversation.last_callback_error
        name = last.callback if last is not None and last.error is exc else "a callback"
        detail = f"{type(exc).__name__}: {exc}"
        if len(detail) > MAX_NOTICE_CHARS:
            detail = detail[:MAX_NOTICE_CHARS] + "…"
        text = redact(
            f"Callback {name} for {event_type!r} raised {detail}. Events keep arriving; "
            "see w.conversation.callback_errors for the traceback.",
            self._secret,
        )
        if self._batch_errors is not None:
            self._batch_errors.append(text)
        else:
            self.host.notice(text, "error")

    @property
    def tools_running(self) -> int:
        """Tool calls and delegations being answered now."""
        return self._tool_runner.pending + self._delegations.pending

    async def drain_tools(self) -> None:
        """Wait until every running tool call has answered (tests, scripts)."""
        await self._tool_runner.drain()
        await self._delegations.drain()

    def close(self) -> None:
        """Stop running tools; the conversation stays readable."""
        self._tool_runner.cancel()
        self._delegations.cancel()
