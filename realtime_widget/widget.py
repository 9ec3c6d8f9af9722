"""`RealtimeWidget`: a live Realtime API conversation in a notebook, shown by a browser.

Thin by design. It holds the synced traits (inputs written by Python or the UI, reports
written only by the browser, notices written only by the kernel), one dispatch table for
the browser's messages, and the browser transport (`browser_link.BrowserLink`). Every rule
of the call lives in `call.CallCore` (settings and live updates, what waits for the
session, the facts of the call, tools, reconnect, feeding the `Conversation`); the client
secret is minted by `secret_rpc.SecretRpc`. The API key lives in a private attribute only:
never a trait, never in a message, repr or log line.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import logging
import math
import os
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, Literal, TypeVar, cast, overload

import anywidget
import traitlets

from . import api_facts as facts
from . import backend as backends
from . import config
from ._traits import Input, LiveFloat, LiveInt, Report, live_values, same
from ._traits import ReadOnlyTraitError as ReadOnlyTraitError  # public: users catch it
from .browser_link import BrowserLink
from .call import CallCore, CallStatus, NoticeLevel
from .conversation import Conversation, pricing
from .conversation_views import ConversationViews
from .lifecycle import Pending
from .minting import ClientSecret, RealtimeAPIError, redact
from .protocols import REALTIME
from .secret_rpc import SecretRpc
from .session_control import Rejected
from .tools import ToolCall, ToolRegistry, ToolResult

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


#: Notices kept for the view (the newest; older ones are in the kernel's log).
MAX_NOTICES: Final = 5

_F = TypeVar("_F", bound=Callable[..., Any])


_STATUS_HINT = "the browser reports it; use w.connect() / w.disconnect() to change it"
_FIXED_HINT = "it is chosen when the widget is created; create a new RealtimeWidget(...)"


def _normalize_timeout(value: object) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"tool_timeout_s must be a number of seconds or None, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"tool_timeout_s must be > 0 seconds (or None for no limit), got {value}")
    return float(value)


class RealtimeWidget(ConversationViews, anywidget.AnyWidget):
    """A live voice (and text) conversation with the OpenAI Realtime API.

    Display it, press Connect (or call `connect()`), talk or type. Every event reaches
    the kernel: `events`, `transcript`, `usage`, `latency`, `cost()` read the
    conversation so far. Without an API key (argument or OPENAI_API_KEY) it talks to the
    built-in offline emulator.
    """

    _esm = _static("widget.js")
    _css = _static("widget.css")

    # Inputs (Python or a UI control writes, the browser reads). Each is normalized by its
    # `config.normalize_*` function; a session field changes the running call at once.
    #: Realtime model ("gpt-realtime-2.1", …); a running call keeps its model.
    model = Input(config.normalize_model, facts.DEFAULT_MODEL).tag(sync=True)
    #: The model's voice (a built-in name or a custom "voice_…"); fixed once it has spoken.
    voice = Input(config.normalize_voice, facts.DEFAULT_VOICE).tag(sync=True)
    #: System instructions of the session.
    instructions = Input(config.normalize_instructions, facts.DEFAULT_INSTRUCTIONS).tag(sync=True)
    #: Turn detection object ({"type": "server_vad" | "semantic_vad", …}); None: push-to-talk.
    turn_detection = Input(
        config.normalize_turn_detection, {"type": "server_vad"}, allow_none=True
    ).tag(sync=True)
    #: Input transcription ({"model": …, options}); None: no transcript of your speech.
    transcription = Input(
        config.normalize_transcription,
        {"model": facts.DEFAULT_TRANSCRIPTION_MODEL},
        allow_none=True,
    ).tag(sync=True)
    #: Input noise reduction ("near_field" | "far_field" or {"type", "strength"}); None: off.
    noise_reduction = Input(config.normalize_noise_reduction, None, allow_none=True).tag(sync=True)
    #: ["audio"] (speech with its transcript) or ["text"].
    output_modalities = Input(config.normalize_output_modalities, ["audio"]).tag(sync=True)
    #: GA function tool schemas offered to the model (the `tool` decorator writes them).
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
    #: The microphone track is disabled (the call stays up).
    muted = traitlets.Bool(False).tag(sync=True)
    #: The browser sends a batch of events at most this often (ms), or at `batch_max_events`.
    batch_interval_ms = Input(
        lambda v: config.normalize_int("batch_interval_ms", v, minimum=1, maximum=10_000),
        50,
    ).tag(sync=True)
    #: Events per batch before the browser sends it early.
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
    #: Where the browser posts its SDP offer (OpenAI or the emulator on 127.0.0.1).
    base_url = Report(facts.DEFAULT_BASE_URL, _FIXED_HINT).tag(sync=True)
    #: "openai", or "emulator" when no key was found (the view says it is offline).
    backend = Report("openai", _FIXED_HINT).tag(sync=True)
    #: The conversation's price table as the view prices usage with it (one source of truth;
    #: None is an unknown price). Written by Python only: assign `w.prices` to change it.
    price_table = traitlets.Dict().tag(sync=True)

    # Reports (the browser writes; read-only in Python).
    #: "idle" | "connecting" | "connected" | "closing" | "error", as the browser's call is.
    status = Report("idle", _STATUS_HINT).tag(sync=True)
    #: The browser's last connection error ("" when none); see also `notices`, `mint_error`.
    error = Report("", "the browser reports the last error; see also w.notices").tag(sync=True)
    #: The id of the browser's current call (from the SDP answer's Location), "" when none.
    call_id = Report("", "the browser reports the id of the current call").tag(sync=True)

    #: What the kernel tells you under the widget (written by the kernel only): refused
    #: session updates, messages not sent, failed callbacks and tools. The newest
    #: `MAX_NOTICES`, oldest first, as {"id", "level", "text"}; the view's × dismisses one.
    notices: traitlets.List[dict[str, Any]] = traitlets.List(read_only=True).tag(sync=True)

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
        self._displayed = False
        self._mirroring = False  # the core's settings are being copied into the traits
        self._next_notice = 0
        #: The conversation so far (event log, DataFrames, callbacks); outlives connections.
        self.conversation = Conversation(
            model=inputs["model"], log_path=log_path, protocol=REALTIME
        )
        #: Python functions the model may call (see `tool`); they run in this kernel.
        self.tools = ToolRegistry()
        # Looked up per message: ipywidgets (and tests) may rebind `send`.
        self._link = BrowserLink(lambda msg: self.send(msg))
        self._secrets = SecretRpc(key, url, lambda msg: self.send(msg))
        self._core = CallCore(
            self._link,
            _WidgetHost(self),
            self.conversation,
            config.SessionSettings(
                **{k: v for k, v in inputs.items() if k in config.SESSION_FIELDS}
            ),
            tools=self.tools,
            tool_timeout=timeout,
            auto_reconnect=auto_reconnect,
            secret=key,
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

    # -- options that are not traits ------------------------------------------------------

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
        return self._core.tool_timeout

    @tool_timeout_s.setter
    def tool_timeout_s(self, value: float | None) -> None:
        self._core.tool_timeout = _normalize_timeout(value)

    @property
    def auto_reconnect(self) -> bool:
        """Start a new call with the conversation so far when the session expires."""
        return self._core.auto_reconnect

    @auto_reconnect.setter
    def auto_reconnect(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"auto_reconnect must be True or False, got {value!r}")
        self._core.auto_reconnect = value

    # -- what the call has reported -------------------------------------------------------

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

    @property
    def mint_error(self) -> RealtimeAPIError | None:
        """The last minting failure (None after a success); the view shows it too."""
        return self._secrets.error

    @property
    def lost_batches(self) -> int:
        """Batches of events the browser numbered but the kernel never received."""
        return self._link.lost_batches

    def close(self) -> None:
        """Close the widget (views disappear); the conversation stays readable."""
        # Also called by ipywidgets' __del__, possibly on a half-built widget.
        for part in ("_core", "_secrets", "conversation"):
            closing = getattr(self, part, None)
            if closing is not None:
                closing.close()
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
        if not self._displayed and not self._link.ready:
            warnings.warn(
                "The widget is not displayed yet, so nothing can connect: show it in a cell "
                "(put `w` on the last line). The connect is kept and starts when the view "
                "appears.",
                UserWarning,
                stacklevel=2,
            )
        self._core.connect()

    def disconnect(self) -> None:
        """Ask the browser to hang up; the transcript and the event log stay."""
        self._core.disconnect()

    async def wait_until_connected(self, timeout: float = 30.0) -> None:
        """Wait in a cell (top-level `await`) until the session is ready.

        Returns at once when connected. Raises RuntimeError with the widget's error when the
        connection fails, or when nothing asked to connect; TimeoutError after `timeout`
        seconds, saying what the status was. Needs ipykernel >= 7.4 (widget messages reach
        the kernel while a cell awaits, never while it blocks in `time.sleep`).
        """
        if self.status == "connected":
            return
        if not self._core.connect_requested and self.status != "connecting":
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
                if not self._link.ready
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
        names = [*self.tools.names(), *(spec["name"] for spec in self.tool_specs)]
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

    def mint_client_secret(self) -> ClientSecret:
        """Mint a client secret now, blocking (for scripts and tests; the browser's
        request does not go through here). Raises `RealtimeAPIError`."""
        session, _ = self._core.settings.for_new_call()
        return self._secrets.mint_now(session, self.secret_ttl_s)

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

    # -- the conversation (the rest is in ConversationViews) ------------------------------

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

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(model={self.model!r}, voice={self.voice!r}, "
            f"backend={self.backend!r}, status={self.status!r}, "
            f"events={len(self.conversation)})"
        )

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

    # -- traits ⇄ core ----------------------------------------------------------------------

    def _check_input(self, name: str, value: Any) -> None:
        """Refusals that depend on other inputs or the live call (called while validating a
        trait, so a refused value never lands, from Python or from the browser)."""
        if name in config.SESSION_FIELDS and self._constructed and not self._mirroring:
            self._core.check_change({name: value})

    @traitlets.observe(*config.SESSION_FIELDS)
    def _on_session_input(self, change: Mapping[str, Any]) -> None:
        if not self._mirroring:
            self._core.change({change["name"]: change["new"]})

    def _mirror(self, values: Mapping[str, Any]) -> None:
        """Copy the core's settings into the traits (the view follows)."""
        self._mirroring = True
        try:
            with self.hold_trait_notifications():
                for name, value in values.items():
                    setattr(self, name, value)
        finally:
            self._mirroring = False

    @traitlets.observe("status")
    def _on_status(self, change: Mapping[str, Any]) -> None:
        self._core.status_changed(cast(CallStatus, change["new"]), self.error)

    def _notice(self, text: str, level: NoticeLevel = "error") -> None:
        """Show `text` under the widget, from the kernel (every view; it holds no secret)."""
        self._next_notice += 1
        notice = {"id": self._next_notice, "level": level, "text": redact(text, self._api_key)}
        self.set_trait("notices", [*self.notices, notice][-MAX_NOTICES:])

    def _refresh_live(self) -> None:
        """Bring the live summary traits up to date (each notifies only if it changed)."""
        for name, value in live_values(self.conversation.summary()).items():
            if not same(getattr(self, name), value):
                self.set_trait(name, value)

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
            handler = _BROWSER_MESSAGES.get(str(content.get("type")))
            if handler is None:
                log.warning("ignored a browser message of unknown type %r", content.get("type"))
                return
            handler(self, content)
        except Exception:
            log.exception("failed to handle a message from the browser")

    def _on_ready(self, _msg: Mapping[str, Any]) -> None:
        """A front end built this widget's model: deliver what waited for it, in order."""
        if self._link.on_ready() and self._core.pending:
            self._link.post({"type": "outbox", "items": self._core.pending})

    def _on_events(self, msg: Mapping[str, Any]) -> None:
        taken = self._link.take_batch(msg)
        if taken is None:
            return
        records, ack = taken
        try:
            self._core.receive(records)
        finally:
            self._refresh_live()
        if ack is not None:
            self._link.ack(*ack)

    def _on_rpc(self, msg: Mapping[str, Any]) -> None:
        self._secrets.handle(
            msg, self._core.settings.for_new_call, self._core.settings.minted, self.secret_ttl_s
        )

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
        elif action == "dismiss_notice":
            kept = [n for n in self.notices if n.get("id") != msg.get("id")]
            self.set_trait("notices", kept)
        else:
            log.warning("ignored an unknown UI action %r", action)


#: Browser message type → handler (docs/architecture.md lists the messages).
_BROWSER_MESSAGES: Final[dict[str, Callable[[RealtimeWidget, Mapping[str, Any]], None]]] = {
    "ready": RealtimeWidget._on_ready,
    "events": RealtimeWidget._on_events,
    "rpc": RealtimeWidget._on_rpc,
    "log": RealtimeWidget._on_browser_log,
    "ui": RealtimeWidget._on_ui,
}


class _WidgetHost:
    """The call core's host: what it reports is shown under the widget (`call.CallHost`)."""

    def __init__(self, widget: RealtimeWidget) -> None:
        self._widget = widget

    def notice(self, text: str, level: NoticeLevel) -> None:
        self._widget._notice(text, level)

    def pending_changed(self, items: Any) -> None:
        self._widget._link.post({"type": "outbox", "items": list(items)})

    def settings_changed(self, values: Mapping[str, Any]) -> None:
        self._widget._mirror(values)

    def tool_finished(self, call: ToolCall, result: ToolResult) -> None:
        # The output item reaches the transcript through the server; this tells the view
        # how the call went without parsing the output text.
        message: dict[str, Any] = {
            "type": "tool-result",
            "call_id": call.call_id,
            "name": call.name,
            "ok": result.ok,
            "duration_ms": round(result.duration_ms, 1),
        }
        if not result.ok:
            message["error"] = result.error or ""
            self._widget._notice(f"Tool {call.name} failed: {result.error or 'error'}", "warning")
        self._widget._link.post(message)
