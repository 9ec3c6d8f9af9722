"""The emulator's HTTP face: the application, its routes, start-up and shutdown.

`Emulator` owns an aiohttp application on 127.0.0.1, an in-memory store of
client secrets and the live calls. Each call pairs a `CallPeer` (aiortc) with
a `SessionEngine` that speaks the Realtime protocol; a WebSocket session
(`GET /v1/realtime?model=…`) pairs a `ws_link.WebSocketLink` with one. Errors use the real API's
JSON shape `{"error": {"message", "type", "code", "param"}}` and status codes.

The HTTP layer is split: `http_middleware` (CORS, request counting, HTTP faults, the
API key check), `http_handlers` (client secrets, calls, hangup), `http_state` (secrets,
calls, counters) and `http_errors` (error bodies). Their public names are importable
from here too.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from aiohttp import web

from . import http_handlers
from .engine_context import CallLink, Transport
from .faults import Faults
from .http_errors import ERROR_INVALID_REQUEST, error_body, json_error, mask_key
from .http_handlers import looks_like_sdp
from .http_middleware import (
    CALLS_ROUTE,
    CLIENT_SECRETS_ROUTE,
    HANGUP_ROUTE,
    LIVE_ATTACH_ROUTE,
    LIVE_SESSIONS_ROUTE,
    LIVE_WS_ROUTE,
    MIDDLEWARES,
    REALTIME_WS_ROUTE,
    Handler,
    auth_middleware,
    cors_middleware,
    fault_middleware,
    stats_middleware,
)
from .http_state import (
    EMULATOR_KEY,
    Call,
    ClientSecret,
    EmulatorStats,
    Engine,
    EngineFactory,
    SecretStore,
)
from .live import http as live_http
from .peer import CallPeer
from .replies import ReplyScript
from .sideband import CallPaths
from .ws_link import WebSocketLink


def _default_engine_factory(
    *,
    call_id: str,
    session: dict[str, Any],
    link: CallLink,
    emulator: Emulator,
    transport: Transport = "webrtc",
) -> Engine:
    from .engine import EngineOptions, SessionEngine

    options = EngineOptions(
        replies=emulator.replies,
        faults=emulator.faults,
        max_session_seconds=emulator.max_session_seconds,
        transport=transport,
        **emulator.engine_options,
    )
    engine: Engine = SessionEngine(call_id=call_id, session=session, link=link, options=options)
    return engine


class Emulator:
    """A local Realtime API (GA) and GPT-Live API on 127.0.0.1: `async with Emulator() as emu:
    emu.base_url`.

    `api_keys=None` accepts any non-empty bearer key; a sequence restricts to it.
    Extra keyword arguments go to the engine's `EngineOptions` (e.g. `ms_per_char`).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_keys: Sequence[str] | None = None,
        replies: ReplyScript | None = None,
        faults: Faults | None = None,
        max_session_seconds: float = 3600.0,
        secret_ttl_default_s: int = 600,
        connect_timeout_s: float = 30.0,
        engine_factory: EngineFactory | None = None,
        **engine_options: Any,
    ) -> None:
        self.host = host
        self.port = port
        self.api_keys: frozenset[str] | None = (
            None if api_keys is None else frozenset(k for k in api_keys if k)
        )
        self.replies = replies
        self.faults = faults if faults is not None else Faults()
        self.max_session_seconds = max_session_seconds
        self.secret_ttl_default_s = secret_ttl_default_s
        self.connect_timeout_s = connect_timeout_s
        self.engine_options = engine_options
        self._engine_factory: EngineFactory = engine_factory or _default_engine_factory
        self.secrets = SecretStore()
        self.calls: dict[str, Call[Any]] = {}
        self.stats = EmulatorStats()
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self.base_url = ""

    # -- lifecycle ----------------------------------------------------------------

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=MIDDLEWARES, client_max_size=4 * 1024 * 1024)
        app[EMULATOR_KEY] = self
        # Named: the middlewares know an endpoint by its route's name.
        routes = (
            ("/v1/realtime/client_secrets", "_client_secrets_inner", CLIENT_SECRETS_ROUTE),
            ("/v1/realtime/calls", "_create_call_inner", CALLS_ROUTE),
            ("/v1/realtime/calls/{call_id}/hangup", "_hangup_inner", HANGUP_ROUTE),
        )
        for path, handler, name in routes:
            app.router.add_post(path, self._route(handler), name=name)
        # The WebSocket interface (`client.realtime.connect(model=…)` in the SDK).
        app.router.add_get(
            "/v1/realtime", self._route("_realtime_websocket_inner"), name=REALTIME_WS_ROUTE
        )
        # GPT-Live (live/): WebRTC creation, its WebSocket, and the sideband by session id.
        live = "/v1/live/sessions"
        app.router.add_post(live, self._route("_live_sessions_inner"), name=LIVE_SESSIONS_ROUTE)
        app.router.add_get(live, self._route("_live_websocket_inner"), name=LIVE_WS_ROUTE)
        app.router.add_get(
            live + "/{session_id}/attach", self._route("_live_attach_inner"), name=LIVE_ATTACH_ROUTE
        )
        return app

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("this Emulator is already running; create another for a second one")
        self._stopping.clear()
        runner = web.AppRunner(
            self.make_app(), access_log=None, handle_signals=False, shutdown_timeout=2.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]
        self.base_url = f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        self._stopping.set()
        for call in list(self.calls.values()):
            if call.state == "active":
                await call.peer.close("emulator_stopped")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def stopping(self) -> asyncio.Event:
        """Set while `stop()` runs (a fault's delay ends early on it)."""
        return self._stopping

    # -- views ----------------------------------------------------------------------

    @property
    def active_call_count(self) -> int:
        return sum(1 for c in self.calls.values() if c.state == "active")

    @property
    def last_call(self) -> Call[Any] | None:
        return next(reversed(self.calls.values()), None)

    async def hangup(self, call_id: str) -> bool:
        call = self.calls.get(call_id)
        if call is None or call.state == "closed":
            return False
        await call.peer.close("hangup")
        return True

    # -- keys and calls -------------------------------------------------------------

    def key_accepted(self, key: str) -> bool:
        """A bearer API key this emulator takes (any non-empty one when `api_keys` is None)."""
        return key in self.api_keys if self.api_keys is not None else bool(key)

    def new_call(self, session: dict[str, Any]) -> Call[CallPeer]:
        """A new call (peer and engine) on `session`, registered and counted; not yet answered."""
        call_id = f"rtc_{secrets.token_hex(12)}"
        peer = CallPeer(
            call_id=call_id,
            on_closed=lambda reason: self.call_closed(call_id, reason),
            connect_timeout_s=self.connect_timeout_s,
            silent=lambda: self.faults.silent_calls,
        )
        paths = CallPaths(peer)
        engine = self._engine_factory(call_id=call_id, session=session, link=paths, emulator=self)
        peer.attach(engine)
        return self.register(Call(call_id=call_id, engine=engine, peer=peer, paths=paths))

    def attach_sideband(
        self, call: Call[CallPeer], request: web.Request, ws: web.WebSocketResponse
    ) -> WebSocketLink:
        """A sideband WebSocket (the upgrade done) on live WebRTC `call`: it gets every
        server event from now on, and its client events go to the call's engine;
        `serve()` runs it until it closes."""
        paths = call.paths
        assert paths is not None, "only a WebRTC call takes sidebands"
        link = WebSocketLink(
            call_id=call.call_id,
            request=request,
            ws=ws,
            on_closed=lambda reason: paths.remove(link),
            silent=lambda: self.faults.silent_calls,
            owns_engine=False,
        )
        link.attach(call.engine)
        paths.add(link)
        self.stats.sidebands_attached += 1
        return link

    def drop_sidebands(self, call_id: str) -> int:
        """Test hook: abort the sidebands of `call_id` (no close frame: a network drop,
        the client sees 1006); the call goes on. Returns how many there were."""
        call = self.calls.get(call_id)
        if call is None or call.paths is None:
            return 0
        count = len(call.paths.sidebands)
        call.paths.close_sidebands("fault: sideband dropped")
        return count

    def new_websocket_session(
        self, session: dict[str, Any], request: web.Request, ws: web.WebSocketResponse
    ) -> Call[WebSocketLink]:
        """A new WebSocket session on `session` (the upgrade done), registered and counted;
        `call.peer.serve()` runs it."""
        call_id = f"ws_{secrets.token_hex(12)}"
        link = WebSocketLink(
            call_id=call_id,
            request=request,
            ws=ws,
            on_closed=lambda reason: self.call_closed(call_id, reason),
            silent=lambda: self.faults.silent_calls,
        )
        engine = self._engine_factory(
            call_id=call_id, session=session, link=link, emulator=self, transport="websocket"
        )
        link.attach(engine)
        if self.engine_options.get("audio_clock_speed") is None:
            # Nobody pulls the voice from a track: its clock plays it out in real time.
            engine.audio_out.start_clock()
        return self.register(Call(call_id=call_id, engine=engine, peer=link, transport="websocket"))

    def register(self, call: Call[Any]) -> Call[Any]:
        """Keep and count a new session (a front of either API)."""
        self.calls[call.call_id] = call
        self.stats.calls_created += 1
        return call

    def call_closed(self, call_id: str, reason: str) -> None:
        """A session's transport ended (`on_closed` of its peer or link): record why."""
        call = self.calls.get(call_id)
        if call is None or call.state == "closed":
            return
        call.state = "closed"
        call.closed_at = time.time()
        call.close_reason = reason
        if call.paths is not None:  # a hangup or the emulator stopping: the call is gone
            call.paths.close_sidebands(reason)
        self.stats.calls_closed += 1
        self.stats.close_reasons[reason] += 1

    # -- handlers (inside the middlewares) -------------------------------------------

    def _route(self, name: str) -> Handler:
        """The route for handler method `name`, looked up on each request, so a test can
        wrap one while the emulator runs (tests/faults/bridge.py `handler_outcomes`)."""

        async def handle(request: web.Request) -> web.StreamResponse:
            handler: Handler = getattr(self, name)
            return await handler(request)

        return handle

    async def _client_secrets_inner(self, request: web.Request) -> web.Response:
        return await http_handlers.client_secrets(self, request)

    async def _create_call_inner(self, request: web.Request) -> web.Response:
        return await http_handlers.create_call(self, request)

    async def _hangup_inner(self, request: web.Request) -> web.Response:
        return await http_handlers.hangup(self, request)

    async def _realtime_websocket_inner(self, request: web.Request) -> web.StreamResponse:
        return await http_handlers.realtime_websocket(self, request)

    async def _live_sessions_inner(self, request: web.Request) -> web.Response:
        return await live_http.create_session(self, request)

    async def _live_websocket_inner(self, request: web.Request) -> web.StreamResponse:
        return await live_http.websocket(self, request)

    async def _live_attach_inner(self, request: web.Request) -> web.StreamResponse:
        return await live_http.attach(self, request)


__all__ = [
    "CALLS_ROUTE",
    "CLIENT_SECRETS_ROUTE",
    "ERROR_INVALID_REQUEST",
    "HANGUP_ROUTE",
    "REALTIME_WS_ROUTE",
    "Call",
    "ClientSecret",
    "Emulator",
    "EmulatorStats",
    "Engine",
    "EngineFactory",
    "SecretStore",
    "auth_middleware",
    "cors_middleware",
    "error_body",
    "fault_middleware",
    "json_error",
    "looks_like_sdp",
    "mask_key",
    "stats_middleware",
]
