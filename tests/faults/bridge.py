"""A real Python `RealtimeWidget` wired to the real widget JS in headless Chromium.

The page (`js/tests/harness/bridge.html`) hosts the built widget with a proxy model; every
custom message and state change crosses through Playwright bindings to the widget object in
this process, so a test sees both sides at once: the DOM, and the Python widget's `error`,
`mint_error`, `status` and event log. Everything the kernel side sends to the browser is
recorded (`Bridge.to_browser`) for the secret-leak checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from anywidget import AnyWidget
from playwright.async_api import Browser, ConsoleMessage, Error, Page, expect

from realtime_widget import RealtimeWidget
from realtime_widget.emulator import EmulatorThread
from realtime_widget.emulator.engine_context import Transport
from realtime_widget.emulator.faults import Faults
from realtime_widget.emulator.peer import CallPeer
from realtime_widget.emulator.server import Emulator, _default_engine_factory
from realtime_widget.emulator.sideband import CallPaths

# Through `tests.`: benchmarks/load.py imports this module with only the repository on sys.path.
from tests.support.chromium import CHROMIUM_ARGS, serve_harness

__all__ = [
    "CHROMIUM_ARGS",
    "FAKE_KEY",
    "PAGE_TRAITS",
    "Bridge",
    "OpenBridge",
    "handler_outcomes",
    "open_bridges",
    "reset_faults",
    "serve_pages",
    "wire_tapped_engine",
]

#: A recognisable fake standard key: it must never leave this process.
FAKE_KEY = "sk-test-DO-NOT-LEAK-1234567890"


def _synced_traits() -> tuple[str, ...]:
    """Every synced trait RealtimeWidget adds to AnyWidget's (the rest of get_state() is
    ipywidgets plumbing: layout, _model_name, ...). Derived from the class, so a trait the
    widget gains is on the page too."""
    own = set(RealtimeWidget.class_traits(sync=True)) - set(AnyWidget.class_traits(sync=True))
    return tuple(sorted(own))


#: The traits the page's proxy model carries: all of the widget's own synced traits.
PAGE_TRAITS = _synced_traits()


class _WireTap:
    """A call's link that keeps every data channel message that really went on the wire
    (the peer drops messages while the channel is not open or the call is silenced)."""

    def __init__(self, link: CallPaths) -> None:
        self._link = link
        self._peer = cast(CallPeer, link.primary)
        self.sent: list[str] = []

    def send_text(self, text: str) -> None:
        dropped = self._peer.messages_dropped
        self._link.send_text(text)
        if self._peer.messages_dropped == dropped:
            self.sent.append(text)

    def close_channel(self) -> bool:
        return self._link.close_channel()

    def close_call(self, reason: str) -> None:
        self._link.close_call(reason)


def wire_tapped_engine(
    *,
    call_id: str,
    session: dict[str, Any],
    link: CallPaths,
    emulator: Emulator,
    transport: Transport = "webrtc",
) -> Any:
    """The emulator's own engine, on a link that records its wire (`engine.wire_log`): pass as
    `EmulatorThread(engine_factory=wire_tapped_engine)`; `Bridge.wire_log` reads it."""
    tap = _WireTap(link)
    engine = _default_engine_factory(
        call_id=call_id,
        session=session,
        link=cast(CallPaths, tap),
        emulator=emulator,
        transport=transport,
    )
    engine.wire_log = tap.sent  # type: ignore[attr-defined]
    return engine


def serve_pages() -> Iterator[str]:
    """A static server for the harness, bridge.html at / (a generator for a fixture)."""
    with serve_harness("bridge.html") as url:
        yield url


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Bridge:
    """One page + one Python widget. Use `await Bridge.open(...)`, then `await b.close()`."""

    page: Page
    widget: RealtimeWidget
    emulator: EmulatorThread
    #: Every custom message the kernel side sent to the browser, in order.
    to_browser: list[dict[str, Any]] = field(default_factory=list)
    #: Every custom message the browser sent to the kernel side, in order.
    from_browser: list[Any] = field(default_factory=list)
    #: Every state patch the kernel side sent (the initial state first).
    state_to_browser: list[dict[str, Any]] = field(default_factory=list)
    page_problems: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    loop_problems: list[str] = field(default_factory=list)
    logs: _Capture = field(default_factory=_Capture)
    _pending: set[asyncio.Task[Any]] = field(default_factory=set)
    _closed: bool = False
    # While set, the page's messages to the kernel wait here (a comm held up: a hidden
    # tab, a busy kernel websocket); `release_comm()` delivers them in order.
    _held: list[Any] | None = None
    #: Kernel messages that reached a page while it was reloading (lost, as in a browser).
    lost_in_navigation: list[str] = field(default_factory=list)

    @classmethod
    async def open(
        cls,
        browser: Browser,
        pages: str,
        emulator: EmulatorThread,
        *,
        context_options: dict[str, Any] | None = None,
        **widget_kwargs: Any,
    ) -> Bridge:
        widget_kwargs.setdefault("api_key", FAKE_KEY)
        widget_kwargs.setdefault("base_url", emulator.base_url)
        widget = RealtimeWidget(**widget_kwargs)
        context = await browser.new_context(**(context_options or {}))
        page = await context.new_page()
        bridge = cls(page=page, widget=widget, emulator=emulator)
        logging.getLogger("realtime_widget").addHandler(bridge.logs)
        logging.getLogger("realtime_widget").setLevel(logging.DEBUG)
        asyncio.get_running_loop().set_exception_handler(bridge._on_loop_exception)
        widget.send = bridge._kernel_send
        widget.observe(bridge._kernel_state, names=list(PAGE_TRAITS))
        page.on("pageerror", lambda err: bridge.page_problems.append(f"pageerror: {err}"))
        page.on("console", bridge._on_console)
        await page.expose_binding("__toKernel", bridge._from_browser)
        await page.expose_binding("__stateToKernel", bridge._state_from_browser)
        await page.expose_binding("__initialState", bridge._initial_state)
        await page.goto(f"{pages}/bridge.html")
        await page.wait_for_selector("body[data-ready='1']")
        return bridge

    # -- plumbing -----------------------------------------------------------------------

    def _on_console(self, msg: ConsoleMessage) -> None:
        self.console.append(f"{msg.type}: {msg.text}")
        if msg.type == "error":
            self.page_problems.append(f"console.error: {msg.text}")

    def _on_loop_exception(self, loop: asyncio.AbstractEventLoop, ctx: dict[str, Any]) -> None:
        self.loop_problems.append(str(ctx.get("exception") or ctx.get("message")))
        loop.default_exception_handler(ctx)

    def _to_page(self, script: str, arg: Any) -> None:
        if self._closed:
            return
        task = asyncio.ensure_future(self._eval(script, arg))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _eval(self, script: str, arg: Any) -> None:
        try:
            await self.page.evaluate(script, arg)
        except Error as exc:
            navigating = ("harness is not defined", "Execution context was destroyed")
            if any(words in str(exc) for words in navigating):
                # The page is navigating (a reload; which message Playwright gives depends on
                # how far the unload got): like a real comm message to a page that is going
                # away, this one is lost; the new page asks for the state.
                self.lost_in_navigation.append(script)
                return
            if not self._closed and not self.page.is_closed():
                raise

    def _kernel_send(self, content: Any, buffers: Any = None) -> None:
        # Through JSON like a real comm message: a value JSON cannot carry fails here too.
        wire = json.loads(json.dumps(content, allow_nan=False))
        self.to_browser.append(wire)
        self._to_page("m => harness.fromKernel(m)", wire)

    def _kernel_state(self, change: Any) -> None:
        # As ipywidgets sends it: the trait's serialized value (get_state), through JSON.
        patch = json.loads(json.dumps(self.widget.get_state(change["name"]), allow_nan=False))
        self.state_to_browser.append(patch)
        self._to_page("p => harness.stateFromKernel(p)", patch)

    def _initial_state(self, _source: Any) -> dict[str, Any]:
        full = self.widget.get_state()
        self.state_to_browser.append(full)
        state = {k: v for k, v in full.items() if k in PAGE_TRAITS}
        return cast(dict[str, Any], json.loads(json.dumps(state, allow_nan=False)))

    def hold_comm(self) -> None:
        """From now on the page's custom messages to the kernel wait (see `_held`)."""
        self._held = []

    def release_comm(self) -> None:
        held, self._held = self._held or [], None
        for msg in held:
            self._deliver(msg)

    def _from_browser(self, _source: Any, msg: Any) -> None:
        self.from_browser.append(msg)
        if self._held is not None:
            self._held.append(msg)
            return
        self._deliver(msg)

    def _deliver(self, msg: Any) -> None:
        self.widget._handle_msg(
            {"content": {"data": {"method": "custom", "content": msg}}, "buffers": []}
        )

    def _state_from_browser(self, _source: Any, patch: Any) -> None:
        self.widget.set_state(patch)

    async def close(self) -> None:
        if self._pending:
            await asyncio.wait(list(self._pending), timeout=5)
        self._closed = True
        logging.getLogger("realtime_widget").removeHandler(self.logs)
        with contextlib.suppress(Error):
            await self.page.context.close()
        self.widget.close()

    # -- actions ------------------------------------------------------------------------

    def button(self, name: str) -> Any:
        return self.page.get_by_role("button", name=name, exact=True)

    async def click_connect(self) -> None:
        await self.button("Connect").click()

    async def connect(self, timeout: float = 15_000) -> None:
        await self.click_connect()
        await expect(self.page.get_by_role("status")).to_have_text("connected", timeout=timeout)
        await self.until(lambda: self.widget.status == "connected", "Python status connected")

    async def disconnect(self) -> None:
        await self.button("Disconnect").click()
        await expect(self.page.get_by_role("status")).to_have_text("idle")
        await self.until(lambda: self.widget.status == "idle", "Python status idle")

    async def type_message(self, text: str) -> None:
        box = self.page.get_by_role("textbox", name="Message")
        await box.fill(text)
        await box.press("Enter")

    async def until(self, probe: Any, what: str, timeout: float = 15.0) -> Any:
        """Poll `probe()` (on this loop, so page messages keep flowing) until truthy."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = probe()
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
            await asyncio.sleep(0.02)

    # -- observations -------------------------------------------------------------------

    async def mic_tracks(self) -> list[dict[str, Any]]:
        tracks: list[dict[str, Any]] = await self.page.evaluate("harness.micTracks()")
        return tracks

    async def live_mic_tracks(self) -> int:
        n: int = await self.page.evaluate("harness.liveMicTracks()")
        return n

    async def open_peers(self) -> int:
        n: int = await self.page.evaluate("harness.openPeers()")
        return n

    async def page_state(self) -> dict[str, Any]:
        """The page model's traits (what the widget JS reads with model.get)."""
        attrs: dict[str, Any] = await self.page.evaluate("({ ...harness.model.attrs })")
        return attrs

    def active_calls(self) -> int:
        return self.emulator.call(lambda emu: emu.active_call_count)

    def server_counts(self, call_id: str | None = None) -> Counter[str]:
        """What the emulator's engine sent on a call (default: the last), by event type."""

        def read(emu: Any) -> dict[str, int]:
            call = emu.calls[call_id] if call_id else emu.last_call
            assert call is not None, "the emulator saw no call"
            return dict(call.engine.stats.server_events)

        return Counter(self.emulator.call(read))

    def wire_log(self, call_id: str | None = None) -> tuple[str, list[str]]:
        """(call id, every data channel message the emulator put on that call's wire, in
        order); default: the last call. Needs an emulator built with `wire_tapped_engine`."""

        def read(emu: Any) -> tuple[str, list[str]]:
            call = emu.calls[call_id] if call_id else emu.last_call
            assert call is not None, "the emulator saw no call"
            log = getattr(call.engine, "wire_log", None)
            assert log is not None, "the emulator was not built with wire_tapped_engine"
            return call.call_id, list(log)

        return self.emulator.call(read)

    def kernel_server_log(self) -> list[Any]:
        """The server events in the Python log, in order: JSON events as dicts, the rest as
        the raw text received."""
        return [p for _t, d, p in self.widget.conversation.raw_events if d == "server"]

    def logged_counts(self) -> Counter[str]:
        """Server events in the Python log, by type (raw records under '<raw>')."""
        counts: Counter[str] = Counter()
        for _t, direction, payload in self.widget.conversation.raw_events:
            if direction != "server":
                continue
            counts[payload.get("type", "?") if isinstance(payload, dict) else "<raw>"] += 1
        return counts

    def kernel_exceptions(self) -> list[str]:
        """Log records with a traceback (an exception escaped a handler) and loop errors."""
        found = [r.getMessage() for r in self.logs.records if r.exc_info]
        return found + self.loop_problems


@contextlib.contextmanager
def handler_outcomes(emulator: EmulatorThread, name: str) -> Iterator[list[str]]:
    """How each request the emulator's handler `name` (e.g. "_create_call_inner") takes from
    now on ends: "<status>" when it answers, the exception's name when it gives up (the
    client went away). For waiting on a request the browser or kernel abandoned."""
    outcomes: list[str] = []

    def install(emu: Any) -> None:
        original = getattr(emu, name)

        async def watched(*args: Any, **kwargs: Any) -> Any:
            try:
                response = await original(*args, **kwargs)
            except BaseException as exc:
                outcomes.append(type(exc).__name__)
                raise
            outcomes.append(str(response.status))
            return response

        setattr(emu, name, watched)

    emulator.call(install)
    try:
        yield outcomes
    finally:
        emulator.call(lambda emu: delattr(emu, name))


def reset_faults(emulator: EmulatorThread) -> None:
    defaults = Faults()
    emulator.set_faults(**{name: getattr(defaults, name) for name in vars(defaults)})


#: `await open_(**kwargs)` opens a `Bridge` (kwargs as for `Bridge.open`).
OpenBridge = Callable[..., Any]


@contextlib.asynccontextmanager
async def open_bridges(
    browser: Browser, pages: str, emulator: EmulatorThread
) -> AsyncIterator[OpenBridge]:
    """Opens bridges on demand; on exit closes them, resets the emulator's faults and waits
    (up to five seconds) for it to drop the calls, so the next test starts from no call."""
    opened: list[Bridge] = []

    async def open_(**kwargs: Any) -> Bridge:
        b = await Bridge.open(browser, pages, emulator, **kwargs)
        opened.append(b)
        return b

    try:
        yield open_
    finally:
        for b in opened:
            await b.close()
        reset_faults(emulator)
        for _ in range(100):
            if emulator.call(lambda emu: emu.active_call_count) == 0:
                break
            await asyncio.sleep(0.05)
