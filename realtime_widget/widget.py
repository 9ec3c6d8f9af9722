"""`RealtimeWidget`: the kernel side of a live Realtime API conversation in a notebook.

Thin by design: synced traits (inputs written by Python or the UI, reports written only by
the browser), routing of the custom messages of docs/architecture.md, and delegation to
`config` (validation, session objects), `minting` (client secrets) and `Conversation`
(the event log and its analysis). The API key lives in a private attribute only: never a
trait, never in a message, repr or log line.
"""

from __future__ import annotations

import asyncio
import dataclasses
import difflib
import json
import logging
import math
import os
import threading
import warnings
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal, TypeGuard, TypeVar, cast, overload

import anywidget
import traitlets

from . import api_facts as facts
from . import backend as backends
from . import config, reconnect
from ._traits import Input, LiveFloat, LiveInt, Report, live_values, same
from ._traits import ReadOnlyTraitError as ReadOnlyTraitError  # public: users catch it
from .client_events import check_client_event
from .conversation import Conversation, pricing
from .conversation.callbacks import Callback
from .conversation.reduce import is_out_of_band
from .lifecycle import BatchSequencer, FrontendGate, Outbox, Pending, label_of, not_sent_text
from .minting import AsyncMinter, ClientSecret, RealtimeAPIError, mint_client_secret, redact
from .session_control import Rejected, SessionControl, changed_fields
from .tools import ToolCall, ToolCallRunner, ToolRegistry, ToolResult

log = logging.getLogger("realtime_widget")

_STATIC: Final = Path(__file__).parent / "static"
_BUILD_HINT: Final = (
    "realtime_widget's front end is not built ({missing} is missing). From the repository "
    "root run `pip install -e .` (it builds the JavaScript), or `npm ci && npm run build` "
    "in js/, then restart the kernel."
)


def _static(name: str) -> Path | str:
    """The built file, or a stand-in module that shows the build hint in the notebook.

    anywidget reads a Path when the class is created and fails on a missing file; a plain
    string keeps `import realtime_widget` working (the analysis side needs no browser) and
    `RealtimeWidget()` raises the readable error instead.
    """
    path = _STATIC / name
    if path.is_file():
        return path
    if name.endswith(".css"):
        return ""
    hint = json.dumps(_BUILD_HINT.format(missing=path))
    return f"export default {{ render({{ el }}) {{ el.textContent = {hint}; }} }};"


#: A callback error shown under the widget is cut here (a huge repr must not flood the view).
_MAX_NOTICE_CHARS: Final = 600

_F = TypeVar("_F", bound=Callable[..., Any])


_STATUS_HINT = "the browser reports it; use w.connect() / w.disconnect() to change it"
_FIXED_HINT = "it is chosen when the widget is created; create a new RealtimeWidget(...)"

# Client event echoes and problems are logged from the handler; these bound the noise.
_MAX_TEXT_CHARS: Final = 100_000


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _normalize_timeout(value: object) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"tool_timeout_s must be a number of seconds or None, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"tool_timeout_s must be > 0 seconds (or None for no limit), got {value}")
    return float(value)


class RealtimeWidget(anywidget.AnyWidget):
    """A live voice (and text) conversation with the OpenAI Realtime API.

    Display it, press Connect (or call `connect()`), talk or type. Every event reaches
    the kernel: `events`, `transcript`, `usage`, `latency`, `cost()` read the
    conversation so far. Without an API key (argument or OPENAI_API_KEY) it talks to the
    built-in offline emulator.
    """

    _esm = _static("widget.js")
    _css = _static("widget.css")

    # Inputs (Python or a UI control writes, the browser reads).
    model = Input(config.normalize_model, facts.DEFAULT_MODEL).tag(sync=True)
    voice = Input(config.normalize_voice, facts.DEFAULT_VOICE).tag(sync=True)
    instructions = Input(config.normalize_instructions, facts.DEFAULT_INSTRUCTIONS).tag(sync=True)
    turn_detection = Input(
        config.normalize_turn_detection, {"type": "server_vad"}, allow_none=True
    ).tag(sync=True)
    transcription = Input(
        config.normalize_transcription,
        {"model": facts.DEFAULT_TRANSCRIPTION_MODEL},
        allow_none=True,
    ).tag(sync=True)
    noise_reduction = Input(config.normalize_noise_reduction, None, allow_none=True).tag(sync=True)
    output_modalities = Input(config.normalize_output_modalities, ["audio"]).tag(sync=True)
    tool_specs = Input(config.normalize_tool_specs, []).tag(sync=True)
    #: gpt-realtime-2.x: `reasoning.effort` ("minimal" … "xhigh"; None: the server's default,
    #: low). Reasoning models only (api_facts.ModelInfo.reasoning).
    reasoning_effort = Input(config.normalize_reasoning_effort, None, allow_none=True).tag(
        sync=True
    )
    #: gpt-realtime-2.x: let the model call several tools in one response (None: default).
    parallel_tool_calls = Input(config.normalize_parallel_tool_calls, None, allow_none=True).tag(
        sync=True
    )
    #: Speed of the model's voice, 0.25–1.5 (None: normal). Changes between turns.
    speed = Input(config.normalize_speed, None, allow_none=True).tag(sync=True)
    #: OpenAI tracing: None (off), "auto", or {"workflow_name", "group_id", "metadata"}.
    tracing = Input(config.normalize_tracing, None, allow_none=True).tag(sync=True)
    muted = traitlets.Bool(False).tag(sync=True)
    batch_interval_ms = Input(
        lambda v: config.normalize_int("batch_interval_ms", v, minimum=1, maximum=10_000),
        50,
    ).tag(sync=True)
    batch_max_events = Input(
        lambda v: config.normalize_int("batch_max_events", v, minimum=1, maximum=100_000),
        200,
    ).tag(sync=True)
    #: How long (ms) the browser waits for the call request (SDP POST) and then for the
    #: connection to open (ICE, data channel, session.created) before it reports an error.
    call_timeout_ms = Input(
        lambda v: config.normalize_int("call_timeout_ms", v, minimum=100, maximum=300_000),
        15_000,
    ).tag(sync=True)
    # Fixed at construction (Python sets them once; the browser reads them).
    base_url = Report(facts.DEFAULT_BASE_URL, _FIXED_HINT).tag(sync=True)
    backend = Report("openai", _FIXED_HINT).tag(sync=True)
    #: The conversation's price table as the view prices usage with it (one source of truth;
    #: None is an unknown price). Written by Python only: assign `w.prices` to change it.
    price_table = traitlets.Dict().tag(sync=True)

    # Reports (the browser writes; read-only in Python).
    status = Report("idle", _STATUS_HINT).tag(sync=True)
    error = Report("", "the browser reports the last error; see also w.mint_error").tag(sync=True)
    call_id = Report("", "the browser reports the id of the current call").tag(sync=True)

    # Live summary of the conversation (Python-only, not synced: the view keeps its own
    # figures). Updated once per batch of events, so `observe` fires at most once per batch.
    #: Completed responses (model turns) so far.
    turns = LiveInt(0)
    #: Tokens of every response so far (input + output).
    total_tokens = LiveInt(0)
    #: Estimated USD so far (`w.cost()`); NaN when the model has no price.
    cost_usd = LiveFloat(0.0)
    #: Events in the log so far (server and client).
    event_count = LiveInt(0)

    def __init__(
        self,
        model: str = facts.DEFAULT_MODEL,
        voice: str = facts.DEFAULT_VOICE,
        instructions: str = facts.DEFAULT_INSTRUCTIONS,
        turn_detection: str | Mapping[str, Any] | None = "server_vad",
        transcription: str | Mapping[str, Any] | None = facts.DEFAULT_TRANSCRIPTION_MODEL,
        noise_reduction: str | Mapping[str, Any] | None = None,
        output_modalities: str | tuple[str, ...] | list[str] = ("audio",),
        reasoning_effort: str | None = None,
        parallel_tool_calls: bool | None = None,
        speed: float | None = None,
        tracing: str | Mapping[str, Any] | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        secret_ttl_s: int = facts.DEFAULT_SECRET_TTL_S,
        log_path: str | os.PathLike[str] | None = None,
        batch_interval_ms: int = 50,
        batch_max_events: int = 200,
        auto_reconnect: bool = False,
        tool_timeout_s: float | None = 60.0,
        **kwargs: Any,
    ) -> None:
        if isinstance(type(self)._esm, str):
            raise FileNotFoundError(_BUILD_HINT.format(missing=_STATIC / "widget.js"))
        # Validate everything before anything starts (no emulator, no connection).
        unknown = sorted(k for k in kwargs if not type(self).class_traits().get(k))
        if unknown:
            raise TypeError(
                f"RealtimeWidget() got unknown argument(s) {', '.join(map(repr, unknown))}; "
                "see help(RealtimeWidget) for the options"
            )
        inputs: dict[str, Any] = {
            "model": config.normalize_model(model),
            "voice": config.normalize_voice(voice),
            "instructions": config.normalize_instructions(instructions),
            "turn_detection": config.normalize_turn_detection(turn_detection),
            "transcription": config.normalize_transcription(transcription),
            "noise_reduction": config.normalize_noise_reduction(noise_reduction),
            "output_modalities": config.normalize_output_modalities(output_modalities),
            "reasoning_effort": config.normalize_reasoning_effort(reasoning_effort),
            "parallel_tool_calls": config.normalize_parallel_tool_calls(parallel_tool_calls),
            "speed": config.normalize_speed(speed),
            "tracing": config.normalize_tracing(tracing),
            "batch_interval_ms": config.normalize_int(
                "batch_interval_ms", batch_interval_ms, minimum=1, maximum=10_000
            ),
            "batch_max_events": config.normalize_int(
                "batch_max_events", batch_max_events, minimum=1, maximum=100_000
            ),
        }
        config.check_settings(
            config.SessionSettings(
                **{k: v for k, v in inputs.items() if k in config.SESSION_FIELDS}
            )
        )
        self._secret_ttl_s = config.normalize_secret_ttl(secret_ttl_s)
        if not isinstance(auto_reconnect, bool):
            raise TypeError(f"auto_reconnect must be True or False, got {auto_reconnect!r}")
        timeout = _normalize_timeout(tool_timeout_s)
        url = config.normalize_base_url(base_url)
        if log_path is not None and not isinstance(log_path, str | os.PathLike):
            raise TypeError(f"log_path must be a str or path, got {type(log_path).__name__}")
        key, url, backend = backends.resolve_backend(api_key, url)
        if url is None:
            url = backends.emulator_base_url()

        # Private, never synced: see the module docstring.
        self._api_key = key
        self._lock = threading.Lock()
        # Messages wait for the browser's `ready`; client events wait for the session.
        self._gate = FrontendGate()
        self._outbox = Outbox()
        self._sequencer = BatchSequencer()
        self._displayed = False
        # connect() was asked for and the call has not started or failed since.
        self._connect_requested = False
        #: What was asked to be sent while the call was starting but never went out (the
        #: call failed or was hung up first), oldest first; also shown under the widget.
        self.unsent: list[Pending] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._next_seq: int | None = None
        self._minted: dict[str, Any] | None = None
        # What the running call uses and which session.updates are unanswered (None
        # while not connected).
        self._control: SessionControl | None = None
        self._rolling_back = False
        self._holding_updates = False
        # conversation.item.create events that give the next call the earlier context.
        self._restore: list[dict[str, Any]] | None = None
        self._expired = False
        #: Start a new call with the conversation so far when the session expires.
        self.auto_reconnect = auto_reconnect
        #: The last session.update the server refused (its values were rolled back).
        self.session_error: Rejected | None = None
        #: Tool calls that failed (exception, bad arguments, timeout), oldest first.
        self.tool_errors: list[ToolResult] = []
        self._model_spoke = False
        self._active_response: str | None = None
        self._audio_playing = False
        #: The last minting failure (None after a success); its text is also in `error`.
        self.mint_error: RealtimeAPIError | None = None
        # One HTTP client for every mint of this widget (closed by close()).
        self._minter = AsyncMinter()
        #: Batches the browser numbered but the kernel never received.
        self.lost_batches = 0
        self._seen_session = False
        #: The conversation so far (event log, DataFrames, callbacks); outlives connections.
        self.conversation = Conversation(model=inputs["model"], log_path=log_path)
        # Callback failures are shown under the widget (the conversation logs them too);
        # during a batch they are collected and shown as one notice.
        self.conversation.on_callback_error = self._on_callback_error
        self._batch_errors: list[str] | None = None
        #: Python functions the model may call (see `tool`); they run in this kernel.
        self.tools = ToolRegistry()
        self._tool_runner = ToolCallRunner(
            self.tools, self._send_tool_event, timeout=timeout, on_result=self._on_tool_result
        )

        self._constructed = False
        super().__init__(**inputs, **kwargs)
        self._constructed = True
        self.set_trait("base_url", url)
        self.set_trait("backend", backend)
        self.price_table = pricing.prices_json(self.conversation.prices)
        self.on_msg(self._on_custom_msg)
        self._frozen = True
        if backend == "emulator":
            log.info(
                "No OpenAI API key: using the offline emulator at %s. "
                "Set OPENAI_API_KEY or pass api_key= to talk to the real API.",
                url,
            )

    @property
    def secret_ttl_s(self) -> int:
        """Lifetime of each minted client secret in seconds (10..7200; it only needs to
        outlive the start of a call)."""
        return self._secret_ttl_s

    @secret_ttl_s.setter
    def secret_ttl_s(self, value: int) -> None:
        self._secret_ttl_s = config.normalize_secret_ttl(value)

    @property
    def tool_timeout_s(self) -> float | None:
        """Seconds a tool may run before the model gets a timeout error (None: no limit)."""
        return self._tool_runner.timeout

    @tool_timeout_s.setter
    def tool_timeout_s(self, value: float | None) -> None:
        self._tool_runner.timeout = _normalize_timeout(value)

    def close(self) -> None:
        """Close the widget (views disappear); the conversation stays readable."""
        # Also called by ipywidgets' __del__, possibly on a half-built widget.
        runner = getattr(self, "_tool_runner", None)
        if runner is not None:
            runner.cancel()
        for task in list(getattr(self, "_tasks", ())):
            task.cancel()
        minter = getattr(self, "_minter", None)
        if minter is not None:
            minter.close()
        conversation = getattr(self, "conversation", None)
        if conversation is not None:
            conversation.close()
        super().close()

    # -- Python API: commands ------------------------------------------------------------

    def connect(self) -> None:
        """Ask the browser to connect (as the Connect button does).

        Returns at once; the call starts in the browser. What you send meanwhile
        (`send_text`, `respond`, `send_event`) waits and goes once the session is ready, so
        `w.connect(); w.send_text("Hi")` works in one cell. To wait for the connection
        itself: `await w.wait_until_connected()`. Called before the widget is displayed, the
        connect waits for the view (and says so).
        """
        if not self._displayed and not self._gate.ready:
            warnings.warn(
                "The widget is not displayed yet, so nothing can connect: show it in a cell "
                "(put `w` on the last line). The connect is kept and starts when the view "
                "appears.",
                UserWarning,
                stacklevel=2,
            )
        self._connect_requested = True
        self._to_browser({"type": "command", "name": "connect"})

    def disconnect(self) -> None:
        """Ask the browser to hang up; the transcript and the event log stay."""
        self._connect_requested = False
        self._report_unsent("you disconnected before the session was ready")
        self._to_browser({"type": "command", "name": "disconnect"})

    async def wait_until_connected(self, timeout: float = 30.0) -> None:
        """Wait in a cell (top-level `await`) until the session is ready.

        Returns at once when connected. Raises RuntimeError with the widget's error when the
        connection fails, or when nothing asked to connect; TimeoutError after `timeout`
        seconds, saying what the status was. Needs ipykernel >= 7.4 (widget messages reach
        the kernel while a cell awaits, never while it blocks in `time.sleep`).
        """
        if self.status == "connected":
            return
        if not self._connect_requested and self.status != "connecting":
            raise RuntimeError(
                f"nothing is connecting (status {self.status!r}): call w.connect() or press "
                "Connect first"
            )
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()

        def on_status(change: Mapping[str, Any]) -> None:
            if done.done():
                return
            if change["new"] == "connected":
                done.set_result(None)
            elif change["new"] == "error":
                done.set_exception(RuntimeError(f"the connection failed: {self.error}"))
            elif change["new"] == "idle" and change["old"] in ("connecting", "closing"):
                done.set_exception(RuntimeError("the call ended before it was connected"))

        self.observe(on_status, names=["status"])
        try:
            await asyncio.wait_for(done, timeout)
        except TimeoutError:
            shown = (
                "the view never reported ready: is the widget displayed in this notebook?"
                if not self._gate.ready
                else "check the view under the widget"
            )
            raise TimeoutError(
                f"not connected after {timeout:g} s (status {self.status!r}); {shown}"
            ) from None
        finally:
            self.unobserve(on_status, names=["status"])

    def send_event(self, event: Mapping[str, Any]) -> str:
        """Send any GA client event on the data channel; returns its `event_id`.

        The event must be a dict with a str `type` and only JSON values; an `event_id` is
        added when missing. It appears in `events` (direction "client") when the browser
        has sent it, so the log keeps the real order.
        """
        checked = check_client_event(event)
        self._deliver([checked], "send a client event")
        event_id: str = checked["event_id"]
        return event_id

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
        if self.status != "connected":
            return False
        if self._active_response is None and not self._audio_playing:
            return False
        self._to_browser({"type": "command", "name": "interrupt"})
        return True

    def send_text(
        self, text: str, role: Literal["user", "system"] = "user", *, respond: bool | None = None
    ) -> None:
        """Add a text message to the conversation; a user message also asks for a response.

        `role="system"` steers the model mid-conversation without a reply (pass
        `respond=True` to get one).
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if role not in ("user", "system"):
            raise ValueError(f"role must be 'user' or 'system', got {role!r}")
        if not text.strip():
            raise ValueError("text is empty; type a message to send")
        if len(text) > _MAX_TEXT_CHARS:
            raise ValueError(f"text is {len(text)} characters; the limit here is {_MAX_TEXT_CHARS}")
        events = [
            check_client_event(
                {
                    "type": "conversation.item.create",
                    "item": {
                        "type": "message",
                        "role": role,
                        "content": [{"type": "input_text", "text": text}],
                    },
                }
            )
        ]
        if respond if respond is not None else role == "user":
            events.append(check_client_event({"type": "response.create"}))
        self._deliver(events, "send text")

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
        event = check_client_event(
            config.build_response_create(
                {"instructions": instructions, **overrides},
                # tool_choice may only name a tool the model has (registered or assigned).
                tool_names=[*self.tools.names(), *(spec["name"] for spec in self.tool_specs)],
            )
        )
        self._deliver([event], "ask for a response")
        event_id: str = event["event_id"]
        return event_id

    def update_session(self, **fields: Any) -> str | None:
        """Change several session settings at once: one `session.update` while connected.

        Accepts `instructions`, `voice`, `turn_detection`, `transcription`,
        `noise_reduction`, `output_modalities`, `tools` (GA specs; or `tool_specs`),
        `reasoning_effort`, `parallel_tool_calls`, `speed`, `tracing` and `model` (applies
        from the next connect). All values are checked first; nothing
        changes if one is invalid. Returns the event_id of the update, or None when
        nothing was sent (not connected, or no value differs).
        """
        values = config.normalize_session_fields(fields)
        config.check_settings(dataclasses.replace(self.settings(), **values))
        self._holding_updates = True
        try:
            for name, value in values.items():
                self._check_input(name, value)
            with self.hold_trait_notifications():
                for name, value in values.items():
                    setattr(self, name, value)
        finally:
            self._holding_updates = False
        if self.status == "connected":
            return self._sync_session()
        return None

    def reconnect(self) -> None:
        """Start a new call that continues this conversation.

        The new session gets the current settings and tools, and the conversation so
        far as text items (see `realtime_widget.reconnect`); the event log continues,
        with a session boundary marked. Used on `session_expired` when
        `auto_reconnect=True`, and by the view's "New session with context" button.
        """
        rows = cast(list[Mapping[str, Any]], self.conversation.transcript.to_dict("records"))
        self._restore = reconnect.context_events(reconnect.history_items(rows))
        if self.status in ("connecting", "connected"):
            self.disconnect()
        self.connect()

    def _starting(self) -> bool:
        """A call was asked for (or is being set up) and is not ready yet."""
        return self.status == "connecting" or (
            self._connect_requested and self.status not in ("connected", "closing")
        )

    def _deliver(self, events: list[dict[str, Any]], what: str) -> None:
        """Send checked client events now, or keep them for the session being started."""
        if self.status == "connected":
            for event in events:
                self._send_client_event(event)
        elif self._starting():
            self._outbox.add(label_of(events), events)
            self._show_outbox()
        else:
            raise RuntimeError(
                f"cannot {what} while status is {self.status!r}: call w.connect() (or press "
                "Connect) first; what you send while it connects waits and goes once the "
                "session is ready"
            )

    def _send_client_event(self, event: dict[str, Any]) -> None:
        self._to_browser({"type": "client-event", "event": event})

    def _show_outbox(self) -> None:
        self._to_browser({"type": "outbox", "items": self._outbox.view()})

    def _flush_outbox(self) -> None:
        pending = self._outbox.drain()
        for item in pending:
            for event in item.events:
                self._send_client_event(event)
        if pending:
            self._show_outbox()

    def _report_unsent(self, reason: str) -> None:
        pending = self._outbox.drain()
        if not pending:
            return
        self.unsent.extend(pending)
        text = not_sent_text(pending, reason)
        log.warning("%s", text)
        warnings.warn(text, RuntimeWarning, stacklevel=3)
        self._show_outbox()
        self._notice(text)

    def _to_browser(self, msg: dict[str, Any]) -> None:
        """Send to the browser, or hold until its view is ready (see `lifecycle`)."""
        if self._gate.offer(msg):
            self.send(msg)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        self._displayed = True
        return super()._repr_mimebundle_(**kwargs)

    def __setattr__(self, name: str, value: Any) -> None:
        # A typo such as `w.mute = True` (the trait is `muted`) must not pass silently.
        if (
            not name.startswith("_")
            and getattr(self, "_frozen", False)
            and name not in self.__dict__
            and not hasattr(type(self), name)
        ):
            options = [n for n in dir(type(self)) if not n.startswith("_")] + [
                n for n in self.__dict__ if not n.startswith("_")
            ]
            close = difflib.get_close_matches(name, options, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise AttributeError(
                f"RealtimeWidget has no setting {name!r}{hint} See help(RealtimeWidget)."
            )
        super().__setattr__(name, value)

    # -- Python API: tools --------------------------------------------------------------

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
            self.tool_specs = self.tools.specs()
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
        self.tool_specs = self.tools.specs()

    # -- Python API: the conversation (delegated) ---------------------------------------

    @property
    def events(self) -> Any:
        """Every event so far, in arrival order (see `Conversation.events`)."""
        return self.conversation.events

    @property
    def transcript(self) -> Any:
        return self.conversation.transcript

    @property
    def usage(self) -> Any:
        return self.conversation.usage

    @property
    def out_of_band(self) -> Any:
        """One row per out-of-band response (`respond(conversation="none")`): its text,
        metadata and usage; they never join `transcript` (see `Conversation.out_of_band`)."""
        return self.conversation.out_of_band

    @property
    def prices(self) -> pricing.PriceTable:
        """The price table `usage`, `cost()` and the view use (USD per 1M tokens).

        Assign a mapping of model name → `ModelPrices` to reprice this widget's
        conversation live, e.g. ``w.prices = {**w.prices, "my-model": ModelPrices(...)}``;
        the view's dollars follow at once. ``w.prices = None`` goes back to
        `realtime_widget.PRICES` (and picks up edits made to it since).
        """
        return self.conversation.prices

    @prices.setter
    def prices(self, table: pricing.PriceTable | None) -> None:
        self.conversation.prices = table
        self.price_table = pricing.prices_json(self.conversation.prices)
        self._refresh_live()

    @property
    def latency(self) -> Any:
        return self.conversation.latency

    @property
    def sessions(self) -> Any:
        return self.conversation.sessions

    def cost(self, *args: Any, **kwargs: Any) -> Any:
        return self.conversation.cost(*args, **kwargs)

    @overload
    def on(self, event_type: str) -> Callable[[Callback], Callback]: ...
    @overload
    def on(self, event_type: str, fn: Callback) -> Callback: ...

    def on(
        self, event_type: str, fn: Callback | None = None
    ) -> Callback | Callable[[Callback], Callback]:
        """Call `fn(event)` for each event of `event_type` ("*" for all); also a decorator.

        An exception in `fn` is logged and shown under the widget; ingest goes on.
        """
        if fn is None:
            return self.conversation.on(event_type)
        return self.conversation.on(event_type, fn)

    def off(self, event_type: str | None = None, fn: Callback | None = None) -> None:
        """Remove a callback (`off(type, fn)`), all of a type (`off(type)`), or `fn` everywhere."""
        self.conversation.off(event_type, fn)

    def wait_for(self, *args: Any, **kwargs: Any) -> Any:
        return self.conversation.wait_for(*args, **kwargs)

    def save(self, *args: Any, **kwargs: Any) -> Any:
        return self.conversation.save(*args, **kwargs)

    def summary(self, *args: Any, **kwargs: Any) -> Any:
        return self.conversation.summary(*args, **kwargs)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(model={self.model!r}, voice={self.voice!r}, "
            f"backend={self.backend!r}, status={self.status!r}, "
            f"events={len(self.conversation)})"
        )

    # -- session settings and live updates --------------------------------------------

    def settings(self) -> config.SessionSettings:
        """The current session inputs (what the next call starts with)."""
        return config.SessionSettings(
            model=self.model,
            voice=self.voice,
            instructions=self.instructions,
            turn_detection=self.turn_detection,
            transcription=self.transcription,
            noise_reduction=self.noise_reduction,
            output_modalities=tuple(self.output_modalities),
            tool_specs=tuple(self.tool_specs),
            reasoning_effort=self.reasoning_effort,
            parallel_tool_calls=self.parallel_tool_calls,
            speed=self.speed,
            tracing=self.tracing,
        )

    def _snapshot(self) -> dict[str, Any]:
        return {name: json.loads(json.dumps(getattr(self, name))) for name in config.SESSION_FIELDS}

    def _check_input(self, name: str, value: Any) -> None:
        """Refusals that depend on other inputs or the live session (called while validating
        a trait)."""
        if (
            name in config.SESSION_FIELDS
            and getattr(self, "_constructed", False)
            and not self._rolling_back
            and not self._holding_updates  # update_session checks all its fields at once
        ):
            # Reasoning fields need a reasoning model (either side may change).
            config.check_settings(dataclasses.replace(self.settings(), **{name: value}))
        if (
            name == "voice"
            and not self._rolling_back
            and self._model_spoke
            and self.status == "connected"
            and value != self.voice
        ):
            raise ValueError(
                f"voice cannot change to {value!r}: the model has already spoken in this "
                f"session, and the Realtime API then keeps the voice ({self.voice!r}). "
                "Disconnect, set the voice, and connect again."
            )

    @traitlets.observe(*config.SESSION_FIELDS)
    def _on_session_input(self, change: Mapping[str, Any]) -> None:
        if self._rolling_back or self._holding_updates:
            return
        if self.status == "connected":
            self._sync_session()
        if change["name"] in config.NOT_UPDATABLE and self.status in ("connecting", "connected"):
            log.info(
                "%s changes from the next connect (a running session keeps it)", change["name"]
            )

    @traitlets.observe("status")
    def _on_status(self, change: Mapping[str, Any]) -> None:
        new = change["new"]
        if new == "connected":
            self._connect_requested = False
            # The call started with the config minted into its secret; inputs changed since
            # then go in one session.update now.
            self._control = SessionControl(self._minted if self._minted else self._snapshot())
            self._sync_session()
            restore, self._restore = self._restore, None
            for event in restore or ():
                self.send_event(event)
            # Then what was sent while the call started, in order.
            self._flush_outbox()
        elif new == "connecting":
            self._connect_requested = False
        else:
            # The attempt is over without a session: what waited for it is reported.
            if new == "error":
                self._connect_requested = False
                self._report_unsent(f"the connection failed: {self.error}")
            elif new == "idle" and change["old"] in ("connecting", "closing"):
                self._report_unsent("the call ended before it was ready")
            self._control = None
            self._model_spoke = False
            # Calls of a call that has ended can no longer be answered.
            self._tool_runner.cancel()

    def _sync_session(self) -> str | None:
        """Send one session.update with every updatable input that differs from what the
        call will use; returns its event_id (None when nothing differs)."""
        control = self._control
        if control is None:
            return None
        changes = changed_fields(self._snapshot(), control.expected(), skip=config.NOT_UPDATABLE)
        if not changes:
            return None
        event_id = self.send_event(config.build_session_update(changes))
        control.sent(event_id, changes)
        return event_id

    def _on_session_reply(self, event: Mapping[str, Any]) -> None:
        """session.updated confirms the oldest pending update; an error names a refused one."""
        control = self._control
        if control is None:
            return
        if event.get("type") == "session.updated":
            control.confirmed()
            return
        error = event.get("error")
        if not isinstance(error, Mapping) or not isinstance(error.get("event_id"), str):
            return
        code = error.get("code")
        rejected = control.rejected(
            error["event_id"],
            str(error.get("message") or "no message"),
            code if isinstance(code, str) else None,
        )
        if rejected is None:
            return
        self.session_error = rejected
        self._rolling_back = True
        try:
            with self.hold_trait_notifications():
                for name, value in rejected.rollback.items():
                    setattr(self, name, value)
        finally:
            self._rolling_back = False
        fields = ", ".join(rejected.attempted)
        text = (
            f"The server refused the session update of {fields}: {rejected.message}"
            f"{f' ({rejected.code})' if rejected.code else ''}. The widget's values are "
            "back to what the session uses; see w.session_error."
        )
        log.warning("%s", text)
        warnings.warn(text, RuntimeWarning, stacklevel=2)
        self._to_browser({"type": "notice", "level": "error", "text": text})

    # -- browser messages ----------------------------------------------------------------

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Apply changes from the browser; an invalid one is refused and the UI rolled back."""
        try:
            super().set_state(sync_data)
        except (TypeError, ValueError, traitlets.TraitError) as exc:
            log.warning("refused a change from the browser: %s", exc)
            keys = [k for k in sync_data if k in self.keys]
            if keys:
                self.send_state(key=keys)

    def _on_custom_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        # Never let a problem escape into ipywidgets' comm handling, where it would only
        # reach the kernel's stderr.
        try:
            if not isinstance(content, dict):
                raise ValueError(f"message is a {type(content).__name__}, not a dict")
            kind = content.get("type")
            if kind == "ready":
                self._on_ready()
            elif kind == "events":
                self._on_events(content)
            elif kind == "rpc":
                self._on_rpc(content)
            elif kind == "log":
                self._on_browser_log(content)
            elif kind == "ui":
                self._on_ui(content)
            else:
                log.warning("ignored a browser message of unknown type %r", kind)
        except Exception:
            log.exception("failed to handle a message from the browser")

    def _on_ready(self) -> None:
        """A front end built this widget's model: deliver what waited for it, in order."""
        reload = self._gate.ready  # another front end (a page reload, a second tab)
        for msg in self._gate.open():
            self.send(msg)
        if reload and len(self._outbox):
            self._show_outbox()

    def _on_browser_log(self, msg: Mapping[str, Any]) -> None:
        level = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}.get(
            str(msg.get("level")), logging.WARNING
        )
        log.log(level, "browser: %s", redact(str(msg.get("message", "")), self._api_key))

    def _on_ui(self, msg: Mapping[str, Any]) -> None:
        action = msg.get("action")
        if action == "send_text":
            try:
                self.send_text(msg.get("text"))  # type: ignore[arg-type]
            except (TypeError, ValueError, RuntimeError) as exc:
                # Shown under the widget: a typed message must never vanish without a word.
                log.warning("could not send the typed message: %s", exc)
                self._notice(f"Your message was not sent: {exc}")
        elif action == "reconnect":
            self.reconnect()
        else:
            log.warning("ignored an unknown UI action %r", action)

    def _on_events(self, msg: Mapping[str, Any]) -> None:
        seq = msg.get("seq")
        batch = msg.get("events")
        if not isinstance(batch, list):
            raise ValueError(f"events batch without a list of events (seq={seq!r})")
        fe, base = msg.get("fe"), msg.get("base", seq)
        ack: tuple[str, int] | None = None
        if isinstance(fe, str) and _is_int(seq) and _is_int(base):
            # Exactly once, in order: copies and batches after a gap are dropped here and
            # come again (js/src/delivery.ts); acknowledged only once ingested (and logged).
            lost = self._sequencer.lost
            take, upto = self._sequencer.accept(fe, seq, base)
            gave_up = self._sequencer.lost - lost
            if gave_up:
                self.lost_batches += gave_up
                log.warning("the browser gave up %d unacknowledged batch(es)", gave_up)
            if not take:
                self._to_browser({"type": "ack", "fe": fe, "seq": upto})
                return
            ack = (fe, upto)
        elif _is_int(seq):
            self._track_seq(seq)
        else:
            log.warning("events batch without an int seq; loss cannot be detected")
        records: list[tuple[float, Literal["server", "client"], dict[str, Any] | str]] = []
        skipped = 0
        for rec in batch:
            parsed = self._parse_record(rec)
            if parsed is None:
                skipped += 1
            else:
                records.append(parsed)
        if skipped:
            log.warning("skipped %d malformed record(s) in events batch %r", skipped, seq)
        self._batch_errors = []
        try:
            self._ingest(records)
        finally:
            errors, self._batch_errors = self._batch_errors, None
            self._refresh_live()
            if errors:
                more = len(errors) - 1
                self._notice(
                    errors[0]
                    + (f" (and {more} more callback error(s) in this batch)" if more else "")
                )
        if ack is not None:
            self._to_browser({"type": "ack", "fe": ack[0], "seq": ack[1]})
        if len(self.tools):
            self._run_tools(records)
        if self._expired:
            self._expired = False
            if self.auto_reconnect:
                # After the ingest above, so that the new session gets every turn.
                log.info("the session expired; continuing in a new session (auto_reconnect)")
                self.reconnect()

    def _ingest(
        self, records: Sequence[tuple[float, Literal["server", "client"], dict[str, Any] | str]]
    ) -> None:
        start = 0
        for i, (_, direction, payload) in enumerate(records):
            # A second call in this conversation: the boundary goes right before its
            # session.created so that item order and latency restart there.
            if (
                direction == "server"
                and isinstance(payload, dict)
                and self._watch_server_event(payload)
            ):
                self.conversation.ingest(records[start:i])
                self.conversation.mark_session_boundary("new call")
                start = i
        self.conversation.ingest(records[start:])

    def _refresh_live(self) -> None:
        """Bring the live summary traits up to date (each notifies only if it changed)."""
        for name, value in live_values(self.conversation.summary()).items():
            if not same(getattr(self, name), value):
                self.set_trait(name, value)

    def _on_callback_error(self, event_type: str, exc: BaseException) -> None:
        last = self.conversation.last_callback_error
        name = last.callback if last is not None and last.error is exc else "a callback"
        detail = f"{type(exc).__name__}: {exc}"
        if len(detail) > _MAX_NOTICE_CHARS:
            detail = detail[:_MAX_NOTICE_CHARS] + "…"
        text = redact(
            f"Callback {name} for {event_type!r} raised {detail}. Events keep arriving; "
            "see w.conversation.callback_errors for the traceback.",
            self._api_key,
        )
        if self._batch_errors is not None:
            self._batch_errors.append(text)
        else:
            self._notice(text)

    def _notice(self, text: str, level: Literal["info", "warning", "error"] = "error") -> None:
        """Show `text` under the widget (every view); it must hold no secret."""
        self._to_browser({"type": "notice", "level": level, "text": text})

    def _send_tool_event(self, event: dict[str, Any]) -> None:
        # Tool outputs belong to the running call (the runner is cancelled when it ends).
        self._send_client_event(check_client_event(event))

    def _on_tool_result(self, call: ToolCall, result: ToolResult) -> None:
        # The output item reaches the transcript through the server; this tells the view
        # how the call went (and why it failed) without parsing the output text.
        message: dict[str, Any] = {
            "type": "tool-result",
            "call_id": call.call_id,
            "name": call.name,
            "ok": result.ok,
            "duration_ms": round(result.duration_ms, 1),
        }
        if not result.ok:
            self.tool_errors.append(result)
            message["error"] = result.error or ""
            log.warning(
                "tool %r failed: %s%s",
                call.name,
                result.error,
                f"\n{result.traceback}" if result.traceback else "",
            )
        self._to_browser(message)

    def _run_tools(self, records: Sequence[tuple[float, str, dict[str, Any] | str]]) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            log.warning("tool calls need the kernel's event loop; none is running here")
            return
        for _, direction, payload in records:
            if direction == "server" and isinstance(payload, dict):
                self._tool_runner.feed(payload)

    def _track_seq(self, seq: int) -> None:
        expected = self._next_seq
        if expected is not None and seq > expected:
            self.lost_batches += seq - expected
            log.warning(
                "lost %d events batch(es) from the browser (seq %d, expected %d); "
                "the event log has a gap",
                seq - expected,
                seq,
                expected,
            )
        elif expected is not None and seq < expected:
            # A new front-end model (page reload) numbers from 0 again.
            log.info(
                "the browser restarted its batch numbering (seq %d after %d)", seq, expected - 1
            )
        self._next_seq = seq + 1

    @staticmethod
    def _parse_record(
        rec: Any,
    ) -> tuple[float, Literal["server", "client"], dict[str, Any] | str] | None:
        if not isinstance(rec, dict):
            return None
        t = rec.get("t")
        direction = rec.get("dir")
        if not isinstance(t, int | float) or isinstance(t, bool) or not math.isfinite(t):
            return None
        if direction not in ("server", "client"):
            return None
        if isinstance(rec.get("event"), dict):
            payload: dict[str, Any] | str = rec["event"]
        elif isinstance(rec.get("raw"), str):
            payload = rec["raw"]
        else:
            return None
        return (t / 1000.0, direction, payload)

    def _watch_server_event(self, event: Mapping[str, Any]) -> bool:
        """Track what the live session allows; True when `event` starts a second call."""
        kind = event.get("type")
        if kind in ("session.updated", "error"):
            self._on_session_reply(event)
        if kind == "error" and self._is_expiry(event):
            self._expired = True
        if kind in ("response.created", "response.done"):
            response = event.get("response")
            response = response if isinstance(response, dict) else {}
            rid = response.get("id")
            # Only the in-conversation response is what Interrupt cancels; an out-of-band
            # one (null conversation_id) runs beside it.
            if kind == "response.done":
                if rid == self._active_response:
                    self._active_response = None
            elif is_out_of_band(response) is not True:
                self._active_response = rid if isinstance(rid, str) else None
        elif kind == "output_audio_buffer.started":
            self._audio_playing = True
        elif kind in ("output_audio_buffer.stopped", "output_audio_buffer.cleared"):
            self._audio_playing = False
        if kind == "session.created":
            self._model_spoke = False
            self._active_response = None
            self._audio_playing = False
            new_call = self._seen_session
            self._seen_session = True
            return new_call
        if kind in facts.MODEL_AUDIO_EVENT_TYPES:
            self._model_spoke = True
        return False

    @staticmethod
    def _is_expiry(event: Mapping[str, Any]) -> bool:
        error = event.get("error")
        return isinstance(error, Mapping) and error.get("code") == "session_expired"

    # -- rpc: client secrets -------------------------------------------------------------

    def _on_rpc(self, msg: Mapping[str, Any]) -> None:
        rid = msg.get("id")
        if not isinstance(rid, int) or isinstance(rid, bool):
            log.warning("rpc request without an int id; cannot answer it")
            return
        method = msg.get("method")
        if method != "client_secret":
            self._reply_error(
                rid,
                RealtimeAPIError(
                    f"unknown rpc method {method!r}; the kernel answers 'client_secret'",
                    code="unknown_method",
                ),
            )
            return
        snapshot = self._snapshot()
        session = config.build_session(self.settings())
        self._run_async(self._mint_and_reply(rid, session, snapshot))

    def _run_async(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run on the kernel's event loop when there is one, else in a thread.

        ipykernel dispatches comm messages on its asyncio loop, so minting there keeps the
        kernel responsive; without a running loop (plain Python) a thread does the job.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            task = loop.create_task(coro)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            threading.Thread(
                target=asyncio.run, args=(coro,), name="realtime-widget-mint", daemon=True
            ).start()

    async def _mint_and_reply(
        self, rid: int, session: dict[str, Any], snapshot: dict[str, Any]
    ) -> None:
        try:
            secret = await self._minter.mint(
                self._api_key, self.base_url, session, self.secret_ttl_s
            )
        except RealtimeAPIError as exc:
            self.mint_error = exc
            log.warning("could not mint a client secret: %s", exc.message)
            self._reply_error(rid, exc)
            return
        except Exception as exc:  # a bug here must still answer the browser
            err = RealtimeAPIError(
                f"internal error while minting a client secret: {type(exc).__name__}: "
                f"{redact(str(exc), self._api_key)}",
                code="internal_error",
            )
            self.mint_error = err
            log.error("%s", err.message)
            self._reply_error(rid, err)
            return
        self.mint_error = None
        self._minted = snapshot
        self._reply_secret(rid, secret)

    def mint_client_secret(self) -> ClientSecret:
        """Mint a client secret now, blocking (for scripts and tests; the browser's
        request does not go through here). Raises `RealtimeAPIError`."""
        session = config.build_session(self.settings())
        return mint_client_secret(self._api_key, self.base_url, session, self.secret_ttl_s)

    def _reply_secret(self, rid: int, secret: ClientSecret) -> None:
        # The only message that carries a client secret; it is never logged.
        self.send({"type": "rpc-reply", "id": rid, "ok": True, "result": secret.to_json()})

    def _reply_error(self, rid: int, err: RealtimeAPIError) -> None:
        self.send({"type": "rpc-reply", "id": rid, "ok": False, "error": err.to_json()})
