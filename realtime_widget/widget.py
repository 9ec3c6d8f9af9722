"""`RealtimeWidget`: a live Realtime API conversation in a notebook, shown by a browser.

Thin by design. It holds the synced traits (inputs written by Python or the UI, reports
written only by the browser, notices written only by the kernel), one dispatch table for
the browser's messages, and the browser transport (`browser_link.BrowserLink`). Every rule
of the call lives in `call.CallCore` (settings and live updates, what waits for the
session, the facts of the call, tools, reconnect, feeding the `Conversation`). The browser's
`rpc` is answered by `secret_rpc.SecretRpc` (a client secret, signaling="browser") or
`offer_relay.OfferRelay` (the SDP offer posted by the kernel, signaling="kernel"). The API
key lives in a private attribute only: never a trait, never in a message, repr or log line.
"""

from __future__ import annotations

import difflib
import functools
import logging
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TypeVar, cast

import traitlets

from . import api_facts as facts
from . import backend as backends
from . import config
from ._assets import BUILD_HINT, STATIC
from ._traits import ReadOnlyTraitError as ReadOnlyTraitError  # public: users catch it
from ._traits import live_values, same
from .browser_link import BrowserLink
from .call import CALL_STATUSES, CallCore, CallStatus, NoticeLevel
from .call.commands import CallCommands
from .call.sideband import Sideband
from .call.sideband_paths import SidebandPaths
from .call_signaling import post_offer
from .conversation import Conversation, pricing
from .conversation_views import ConversationViews
from .live_facts import Api, api_of
from .live_signaling import post_live_offer
from .minting import ClientSecret, RealtimeAPIError, redact
from .offer_relay import OfferRelay
from .protocols.select import protocol_for, warn_ignored
from .rpc_methods import Signaling, error_reply, refusal, rpc_id
from .secret_rpc import SecretRpc
from .tools import ToolCall, ToolRegistry, ToolResult
from .widget_traits import MAX_NOTICES, WidgetTraits

log = logging.getLogger("realtime_widget")


_F = TypeVar("_F", bound=Callable[..., Any])


class RealtimeWidget(CallCommands, ConversationViews, WidgetTraits):
    """A live voice (and text) conversation with the OpenAI Realtime API.

    Display it, press Connect (or call `connect()`), talk or type. Every event reaches
    the kernel: `events`, `transcript`, `usage`, `latency`, `cost()` read the
    conversation so far. Without an API key (argument or OPENAI_API_KEY) it talks to the
    built-in offline emulator.

    `signaling` says who posts the browser's SDP offer to the Realtime API. "browser" (the
    default): the kernel mints a short-lived client secret (`ek_…`) with your key and the
    browser posts the offer with it. "kernel": the browser hands its offer to the kernel,
    which posts it (`POST /v1/realtime/calls`, with your key and the session config) and
    returns the answer; no client secret is minted or exists anywhere, and the call's
    media still flows directly between the browser and OpenAI. Either way the key never
    reaches the browser; `w.call_id` is the id of the live call. Errors of the kernel's
    POST are shown as those of the browser's.

    A GPT-Live model (`gpt-live-1`, `gpt-live-1.1`) selects OpenAI's GPT-Live API instead
    (`w.api == "live"`): the kernel always posts the offer (GPT-Live has no client secrets),
    typed text goes as context the model may speak about, `w.instructions = ...` appends,
    voice and model are fixed while a session runs, and `delegation` says who does the tasks
    the model delegates: None (your application: the one `@w.tool` gets what the user said)
    or `{"type": "responses", "responses": {"model": ..., ...}}` (a Responses backend, which
    also gets the Python tools). README "GPT-Live or the Realtime API" has the whole mapping.
    """

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
        signaling: str | None = None,
        sideband: bool = True,
        delegation: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(type(self)._esm, str):
            raise FileNotFoundError(BUILD_HINT.format(missing=STATIC / "widget.js"))
        # Validate everything before anything starts (no emulator, no connection).
        unknown = sorted(k for k in kwargs if not type(self).class_traits().get(k))
        if unknown:
            raise TypeError(
                f"RealtimeWidget() got unknown argument(s) {', '.join(map(repr, unknown))}; "
                "see help(RealtimeWidget) for the options"
            )
        session, settings = config.checked_session(
            {
                "model": model,
                "voice": voice,
                "instructions": instructions,
                "turn_detection": turn_detection,
                "transcription": transcription,
                "noise_reduction": noise_reduction,
                "output_modalities": output_modalities,
                "reasoning_effort": reasoning_effort,
                "parallel_tool_calls": parallel_tool_calls,
                "speed": speed,
                "tracing": tracing,
            }
        )
        inputs: dict[str, Any] = {
            **session,
            "batch_interval_ms": config.normalize_int(
                "batch_interval_ms", batch_interval_ms, minimum=1, maximum=10_000
            ),
            "batch_max_events": config.normalize_int(
                "batch_max_events", batch_max_events, minimum=1, maximum=100_000
            ),
        }
        self._secret_ttl_s = config.normalize_secret_ttl(secret_ttl_s)
        #: Which voice API the model selects; fixed for the widget's life.
        self._api: Api = api_of(inputs["model"])
        protocol = protocol_for(self._api, delegation=delegation)
        warn_ignored(protocol, settings, "RealtimeWidget")
        # The kernel goes by this value, never by the trait (the page could write that).
        self._signaling = cast(Signaling, signaling_for(self._api, signaling))
        options = config.checked_call_options(
            api_key=api_key,
            base_url=base_url,
            log_path=log_path,
            auto_reconnect=auto_reconnect,
            tool_timeout_s=tool_timeout_s,
        )
        key, url, backend = backends.resolve_backend(options.api_key, options.base_url)
        if url is None:
            url = backends.emulator_base_url()

        # Private, never synced: see the module docstring.
        self._api_key = key
        self._displayed = False
        self._mirroring = False  # the core's settings are being copied into the traits
        self._next_notice = 0
        self._report_seqs: dict[str, int] = {}  # front end id → last report number taken
        #: The conversation so far (event log, DataFrames, callbacks); outlives connections.
        self.conversation = Conversation(
            model=inputs["model"], log_path=options.log_path, protocol=protocol
        )
        #: Python functions the model may call (see `tool`); they run in this kernel.
        self.tools = ToolRegistry()
        # Looked up per message: ipywidgets (and tests) may rebind `send`.
        self._link = BrowserLink(lambda msg: self.send(msg))
        self._secrets = SecretRpc(key, url, lambda msg: self.send(msg))
        self._offers = OfferRelay(
            key,
            url,
            lambda msg: self.send(msg),
            post=post_live_offer if self._api == "live" else post_offer,
        )
        host = _WidgetHost(self)
        self._paths = SidebandPaths(
            self._link,
            host,
            functools.partial(Sideband, api_key=key, base_url=url, api=self._api),
            on_state=self._on_sideband_state,
            on_sent=lambda event: self._link.post(
                {"type": "client-event", "event": event, "via": "sideband"}
            ),
        )
        self._paths.wanted = config.normalize_flag("sideband", sideband)
        self._core = CallCore(
            self._paths,
            host,
            self.conversation,
            settings,
            protocol=protocol,
            tools=self.tools,
            tool_timeout=options.tool_timeout_s,
            auto_reconnect=options.auto_reconnect,
            secret=key,
        )
        self._paths.attach(self._core)

        self._constructed = False
        super().__init__(**inputs, sideband=self._paths.wanted, **kwargs)
        self._constructed = True
        self.set_trait("base_url", url)
        self.set_trait("backend", backend)
        self.set_trait("signaling", self._signaling)
        self.price_table = pricing.prices_json(self.conversation.prices)
        self.on_msg(self._on_custom_msg)
        self._frozen = True
        if backend == "emulator":
            log.info(
                "No OpenAI API key: using the offline emulator at %s. "
                "Set OPENAI_API_KEY or pass api_key= to talk to the real API.",
                url,
            )

    @traitlets.default("api")
    def _api_default(self) -> str:
        # In the state the widget's comm opens with: the browser reads it when it builds the
        # model (a set_trait after construction would arrive as a later update).
        return getattr(self, "_api", "realtime")

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
        paths = getattr(self, "_paths", None)
        if paths is not None:
            paths.call_ended()  # detach the sideband; the browser's call ends with the view
        for part in ("_core", "_secrets", "_offers", "conversation"):
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

    async def wait_until_connected(self, timeout: float = 30.0) -> None:
        """Wait in a cell (top-level `await`) until the session is ready.

        Returns at once when connected. Raises RuntimeError with the widget's error when the
        connection fails, or when nothing asked to connect; TimeoutError after `timeout`
        seconds, saying what the status was. Needs ipykernel >= 7.4 (widget messages reach
        the kernel while a cell awaits, never while it blocks in `time.sleep`).
        """
        why_not = (
            "the view never reported ready: is the widget displayed in this notebook?"
            if not self._link.ready
            else "check the view under the widget"
        )
        await self._core.wait_until_connected(timeout, why_not)

    def mint_client_secret(self) -> ClientSecret:
        """Mint a client secret now, blocking (for scripts and tests; the browser's
        request does not go through here). Raises `RealtimeAPIError`; RuntimeError with
        signaling="kernel", which mints none."""
        if self._signaling == "kernel":
            raise RuntimeError(
                "this widget uses signaling='kernel': the kernel posts the SDP offer itself "
                "and no client secret is minted. Create RealtimeWidget(signaling='browser') "
                "for a widget that uses client secrets."
            )
        session, _ = self._core.settings.for_new_call()
        return self._secrets.mint_now(session, self.secret_ttl_s)

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

    def _offer_tools(self, specs: Sequence[Mapping[str, Any]]) -> None:
        # Through the trait, so the view shows the tools and the core gets the change.
        self.tool_specs = list(specs)

    def _check_input(self, name: str, value: Any) -> None:
        """Refusals that depend on other inputs or the live call (called while validating a
        trait, so a refused value never lands, from Python or from the browser)."""
        if name == "model" and getattr(self, "_api", None) and api_of(value) != self._api:
            raise ValueError(
                f"model {value!r} is {_API_NAMES[api_of(value)]} model, and this widget talks "
                f"to {_API_NAMES[self._api]}: the model picks the API when the widget is "
                f"created, so create a new RealtimeWidget(model={value!r})"
            )
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
        if change["new"] in ("idle", "error"):
            self._paths.call_ended()
        self._core.status_changed(cast(CallStatus, change["new"]), self.error)

    @traitlets.observe("call_id")
    def _on_call_id(self, change: Mapping[str, Any]) -> None:
        if change["new"]:
            self._paths.call_started(change["new"])

    @traitlets.observe("sideband")
    def _on_sideband_wanted(self, change: Mapping[str, Any]) -> None:
        self._paths.wanted = bool(change["new"])
        if not change["new"]:
            self._paths.call_ended()
        elif self.call_id and self.status in ("connecting", "connected"):
            self._paths.call_started(self.call_id)

    def _on_sideband_state(self, state: str, _detail: str) -> None:
        # The detail went into a notice (SidebandPaths); the trait is the state alone.
        self.set_trait("sideband_state", state)

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
            self._paths.from_browser(records)
        finally:
            self._refresh_live()
        if ack is not None:
            self._link.ack(*ack)

    def _on_report(self, msg: Mapping[str, Any]) -> None:
        """The browser's reports, also sent as a custom message (js/src/controller.ts says
        why: a trait sync sent while a cell awaits can be held by ipywidgets forever)."""
        fe, seq = msg.get("fe"), msg.get("seq")
        if isinstance(fe, str) and isinstance(seq, int):
            # Each front end numbers its reports; one that arrives after a later one is
            # stale (marimo posts each message as its own request, so order is not kept).
            if seq <= self._report_seqs.get(fe, 0):
                log.debug("ignored a stale report (%s #%d)", fe, seq)
                return
            self._report_seqs[fe] = seq
        status = msg.get("status")
        if status is not None and status not in CALL_STATUSES:
            log.warning("ignored a report of unknown status %r", status)
            status = None
        with self.hold_trait_notifications():
            for name, value in (("error", msg.get("error")), ("call_id", msg.get("call_id"))):
                if isinstance(value, str):
                    self.set_trait(name, value)
            if isinstance(status, str):
                self.set_trait("status", status)

    def _on_rpc(self, msg: Mapping[str, Any]) -> None:
        rid = rpc_id(msg)
        if rid is None:
            log.warning("rpc request without an int id; cannot answer it")
            return
        method = msg.get("method")
        refused = refusal(method, self._signaling)
        if refused is not None:
            log.warning("refused an rpc request: %s", refused.message)
            self.send(error_reply(rid, refused))
        elif method == "client_secret":
            self._secrets.handle(
                rid, self._core.settings.for_new_call, self._core.settings.minted, self.secret_ttl_s
            )
        else:
            self._offers.handle(
                rid,
                msg.get("params"),
                self._core.settings.for_new_call,
                self._core.settings.minted,
                self.call_timeout_ms / 1000,
            )

    def _on_rpc_cancel(self, msg: Mapping[str, Any]) -> None:
        rid = rpc_id(msg)
        if rid is not None:
            self._offers.cancel(rid)

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


_API_NAMES: Final[dict[Api, str]] = {"realtime": "a Realtime API", "live": "a GPT-Live"}


def signaling_for(api: Api, signaling: str | None) -> str:
    """Who posts the SDP offer: "browser" by default for the Realtime API; always "kernel"
    for GPT-Live, which has no client secrets (only a trusted server creates sessions)."""
    if api == "live":
        if signaling not in (None, "kernel"):
            raise ValueError(
                f"signaling={signaling!r} is not possible with GPT-Live: it has no client "
                "secrets, so the kernel posts the browser's offer (signaling='kernel'); leave "
                "signaling out"
            )
        return "kernel"
    return config.normalize_signaling("browser" if signaling is None else signaling)


#: Browser message type → handler (docs/architecture.md lists the messages).
_BROWSER_MESSAGES: Final[dict[str, Callable[[RealtimeWidget, Mapping[str, Any]], None]]] = {
    "ready": RealtimeWidget._on_ready,
    "events": RealtimeWidget._on_events,
    "rpc": RealtimeWidget._on_rpc,
    "rpc-cancel": RealtimeWidget._on_rpc_cancel,
    "report": RealtimeWidget._on_report,
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
