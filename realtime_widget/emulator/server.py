"""The emulator's HTTP face: client secrets, WebRTC calls, hangup, CORS, HTTP faults.

`Emulator` owns an aiohttp application on 127.0.0.1, an in-memory store of
client secrets and the live calls. Each call pairs a `CallPeer` (aiortc) with
a `SessionEngine` that speaks the Realtime protocol. Errors use the real API's
JSON shape `{"error": {"message", "type", "code", "param"}}` and status codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Protocol

from aiohttp import web

from .faults import Faults, HttpFault
from .peer import CallPeer
from .replies import ReplyScript
from .session_config import (
    Problem,
    default_session,
    merge_session,
    shut_down_problem,
    validate_session,
)

ERROR_INVALID_REQUEST = "invalid_request_error"
_SECRET_TTL_MIN_S = 10
_SECRET_TTL_MAX_S = 7200


class Engine(Protocol):
    """The slice of `engine.SessionEngine` the server and the peer use."""

    def start(self) -> None: ...
    def handle_message(self, text: str) -> None: ...
    def feed_mic(self, samples: Any, sample_rate: int) -> None: ...
    def close(self) -> None: ...

    @property
    def audio_out(self) -> Any: ...


class EngineFactory(Protocol):
    def __call__(
        self, *, call_id: str, session: dict[str, Any], link: CallPeer, emulator: Emulator
    ) -> Engine: ...


# --- error bodies ---------------------------------------------------------------------


def error_body(
    message: str,
    *,
    code: str | None = None,
    param: str | None = None,
    type_: str = ERROR_INVALID_REQUEST,
) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "code": code, "param": param}}


def json_error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    param: str | None = None,
    type_: str = ERROR_INVALID_REQUEST,
) -> web.Response:
    return web.json_response(
        error_body(message, code=code, param=param, type_=type_), status=status
    )


def mask_key(key: str) -> str:
    """The form the real API uses in messages: a few leading characters and the last four."""
    if len(key) <= 12:
        return "*" * len(key)
    return f"{key[:3]}{'*' * (len(key) - 7)}{key[-4:]}"


def _missing_key_error() -> web.Response:
    return json_error(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization "
        "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        code=None,
    )


def _bad_key_error(key: str) -> web.Response:
    return json_error(
        401,
        f"Incorrect API key provided: {mask_key(key)}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        code="invalid_api_key",
    )


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


# --- state ----------------------------------------------------------------------------


@dataclass
class ClientSecret:
    value: str
    expires_at: float
    session: dict[str, Any]


class SecretStore:
    """Client secrets in memory. A secret gates creating calls only, until it expires."""

    def __init__(self) -> None:
        self._secrets: dict[str, ClientSecret] = {}

    def mint(self, session: dict[str, Any], ttl_s: float) -> ClientSecret:
        self._prune()
        secret = ClientSecret(
            value=f"ek_{secrets.token_hex(16)}",
            expires_at=time.time() + ttl_s,
            session=session,
        )
        self._secrets[secret.value] = secret
        return secret

    def lookup(self, value: str) -> ClientSecret | None:
        secret = self._secrets.get(value)
        if secret is None or secret.expires_at <= time.time():
            return None
        return secret

    def expire(self, value: str) -> None:
        """Test hook: make a secret expire now."""
        if value in self._secrets:
            self._secrets[value].expires_at = time.time() - 1

    def _prune(self) -> None:
        now = time.time()
        for value in [v for v, s in self._secrets.items() if s.expires_at <= now]:
            del self._secrets[value]

    def __len__(self) -> int:
        return len(self._secrets)


@dataclass
class Call:
    call_id: str
    engine: Engine
    peer: CallPeer
    created_at: float = field(default_factory=time.time)
    state: Literal["active", "closed"] = "active"
    closed_at: float | None = None
    close_reason: str | None = None

    @property
    def connect_seconds(self) -> float | None:
        """Answer sent → data channel open, as seen by the emulator."""
        if self.peer.channel_open_at is None:
            return None
        return self.peer.channel_open_at - self.peer.created_at


@dataclass
class EmulatorStats:
    client_secret_requests: Counter[int] = field(default_factory=Counter)
    call_requests: Counter[int] = field(default_factory=Counter)
    hangup_requests: Counter[int] = field(default_factory=Counter)
    calls_created: int = 0
    calls_closed: int = 0
    close_reasons: Counter[str] = field(default_factory=Counter)


# --- session bodies -------------------------------------------------------------------


def _session_problem(session: Any) -> Problem | None:
    """The first problem with a requested session (the real API reports one), or None."""
    problems = validate_session(session, param="session", require_type=True)
    return problems[0] if problems else shut_down_problem(session)


def _full_session(requested: dict[str, Any] | None) -> dict[str, Any]:
    requested = requested or {}
    model = requested.get("model")
    base = default_session(model) if isinstance(model, str) else default_session()
    return merge_session(base, requested)


def _expiry_problem(expires_after: Any) -> Problem | None:
    if not isinstance(expires_after, dict):
        return Problem(
            "expires_after", "invalid_type", "Invalid type for 'expires_after': expected an object."
        )
    anchor = expires_after.get("anchor", "created_at")
    if anchor != "created_at":
        return Problem(
            "expires_after.anchor",
            "invalid_value",
            f"Invalid value: '{anchor}'. Supported values are: 'created_at'.",
        )
    seconds = expires_after.get("seconds", 600)
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        return Problem(
            "expires_after.seconds",
            "invalid_type",
            "Invalid type for 'expires_after.seconds': expected an integer.",
        )
    if not _SECRET_TTL_MIN_S <= seconds <= _SECRET_TTL_MAX_S:
        return Problem(
            "expires_after.seconds",
            "integer_out_of_range",
            f"Invalid 'expires_after.seconds': {seconds}. Expected a value between "
            f"{_SECRET_TTL_MIN_S} and {_SECRET_TTL_MAX_S}.",
        )
    return None


def _problem_response(problem: Problem) -> web.Response:
    if problem.code == "model_not_found":
        # A shut-down model: the real body names no param (its status on other endpoints
        # is 404; for the realtime endpoints the emulator answers 400).
        return json_error(400, problem.message, code=problem.code)
    return json_error(400, problem.message, code=problem.code, param=problem.param)


def _form_text(value: Any) -> str | None:
    """A multipart field as text, whether it came as a plain field or as a file part."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    data: bytes = value.file.read()
    return data.decode("utf-8", "replace")


def looks_like_sdp(text: str) -> bool:
    lines = text.strip().splitlines()
    return (
        bool(lines) and lines[0].strip() == "v=0" and any(line.startswith("m=") for line in lines)
    )


# --- middlewares ----------------------------------------------------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def cors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Let a page on another origin call every route, as api.openai.com does.

    Preflights get the requested headers echoed back: `*` does not cover
    `Authorization`, and real clients add their own identification headers.
    """
    origin = request.headers.get("Origin")
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response: web.StreamResponse = web.Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE, OPTIONS"
        requested = request.headers.get("Access-Control-Request-Headers")
        if requested:
            response.headers["Access-Control-Allow-Headers"] = requested
        response.headers["Access-Control-Max-Age"] = "600"
    else:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if exc.status in (404, 405):
                response = json_error(exc.status, f"Invalid URL ({request.method} {request.path})")
            else:
                raise
    response.headers["Access-Control-Allow-Origin"] = origin or "*"
    response.headers["Access-Control-Expose-Headers"] = "Location"
    if origin:
        response.headers["Vary"] = "Origin"
    return response


def _fault_response(fault: HttpFault) -> web.Response:
    if isinstance(fault.body, dict):
        return web.Response(
            status=fault.status,
            text=json.dumps(fault.body),
            content_type=fault.content_type or "application/json",
        )
    body = fault.body if fault.body is not None else ""
    return web.Response(
        status=fault.status, text=body, content_type=fault.content_type or "text/plain"
    )


# --- the emulator ---------------------------------------------------------------------


def _default_engine_factory(
    *, call_id: str, session: dict[str, Any], link: CallPeer, emulator: Emulator
) -> Engine:
    from .engine import EngineOptions, SessionEngine

    options = EngineOptions(
        replies=emulator.replies,
        faults=emulator.faults,
        max_session_seconds=emulator.max_session_seconds,
        **emulator.engine_options,
    )
    engine: Engine = SessionEngine(call_id=call_id, session=session, link=link, options=options)
    return engine


class Emulator:
    """A local Realtime API (GA) on 127.0.0.1: `async with Emulator() as emu: emu.base_url`.

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
        self.calls: dict[str, Call] = {}
        self.stats = EmulatorStats()
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self.base_url = ""

    # -- lifecycle ----------------------------------------------------------------

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[cors_middleware], client_max_size=4 * 1024 * 1024)
        app.router.add_post("/v1/realtime/client_secrets", self._client_secrets)
        app.router.add_post("/v1/realtime/calls", self._create_call)
        app.router.add_post("/v1/realtime/calls/{call_id}/hangup", self._hangup)
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

    # -- views ----------------------------------------------------------------------

    @property
    def active_call_count(self) -> int:
        return sum(1 for c in self.calls.values() if c.state == "active")

    @property
    def last_call(self) -> Call | None:
        return next(reversed(self.calls.values()), None)

    async def hangup(self, call_id: str) -> bool:
        call = self.calls.get(call_id)
        if call is None or call.state == "closed":
            return False
        await call.peer.close("hangup")
        return True

    # -- helpers --------------------------------------------------------------------

    def _key_accepted(self, key: str) -> bool:
        return key in self.api_keys if self.api_keys is not None else bool(key)

    async def _apply_fault(
        self, name: Literal["client_secrets", "calls"], delay_s: float
    ) -> web.Response | None:
        if delay_s > 0:
            # Cut short by stop(), so a long delay never holds up shutting down.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay_s)
        fault: HttpFault | None = getattr(self.faults, name)
        if fault is None:
            return None
        if fault.times is not None:
            fault.times -= 1
            if fault.times <= 0:
                setattr(self.faults, name, None)
        return _fault_response(fault)

    # -- handlers -------------------------------------------------------------------

    async def _client_secrets(self, request: web.Request) -> web.StreamResponse:
        response = await self._client_secrets_inner(request)
        self.stats.client_secret_requests[response.status] += 1
        return response

    async def _client_secrets_inner(self, request: web.Request) -> web.Response:
        faulted = await self._apply_fault("client_secrets", self.faults.client_secrets_delay_s)
        if faulted is not None:
            return faulted
        key = _bearer(request)
        if key is None:
            return _missing_key_error()
        if not self._key_accepted(key):
            return _bad_key_error(key)
        raw = await request.text()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError:
            return json_error(
                400,
                "We could not parse the JSON body of your request. The OpenAI API expects a "
                "JSON payload, but what was sent was not valid JSON.",
            )
        if not isinstance(body, dict):
            return json_error(400, "Invalid type for request body: expected an object.")
        unknown = sorted(set(body) - {"expires_after", "session"})
        if unknown:
            return json_error(
                400,
                f"Unknown parameter: '{unknown[0]}'.",
                code="unknown_parameter",
                param=unknown[0],
            )
        problem = _expiry_problem(body.get("expires_after", {})) or _session_problem(
            body.get("session", {"type": "realtime"})
        )
        if problem is not None:
            return _problem_response(problem)
        ttl = int(body.get("expires_after", {}).get("seconds", self.secret_ttl_default_s))
        session = _full_session(body.get("session"))
        session["id"] = f"sess_{secrets.token_hex(12)}"
        session["object"] = "realtime.session"
        secret = self.secrets.mint(session, ttl)
        # The minted session's expires_at is 0 on the real API; the session's own
        # expiry arrives in session.created.
        session_out = dict(session, expires_at=0)
        return web.json_response(
            {"value": secret.value, "expires_at": int(secret.expires_at), "session": session_out}
        )

    async def _create_call(self, request: web.Request) -> web.StreamResponse:
        response = await self._create_call_inner(request)
        self.stats.call_requests[response.status] += 1
        return response

    async def _read_offer(
        self, request: web.Request, key: str
    ) -> tuple[str, dict[str, Any]] | web.Response:
        """The offer SDP and the session it starts with, or the error to answer."""
        secret = self.secrets.lookup(key) if key.startswith("ek_") else None
        if secret is None and (key.startswith("ek_") or not self._key_accepted(key)):
            return _bad_key_error(key)
        content_type = request.content_type
        requested: dict[str, Any] | None = None
        if content_type == "multipart/form-data":
            form = await request.post()
            sdp = _form_text(form.get("sdp")) or ""
            raw_session = _form_text(form.get("session"))
            if raw_session is not None:
                try:
                    requested = json.loads(raw_session)
                except json.JSONDecodeError:
                    return json_error(400, "The 'session' part is not valid JSON.", param="session")
        elif content_type in ("application/sdp", "text/plain", ""):
            sdp = await request.text()
        else:
            return json_error(
                400,
                f"Unsupported Content-Type '{content_type}': send the SDP offer as "
                "'application/sdp' (or multipart/form-data with an 'sdp' part).",
            )
        if not looks_like_sdp(sdp):
            return json_error(
                400,
                "The request body is not an SDP offer (it must start with 'v=0' and have an "
                "'m=' line). Send pc.localDescription.sdp after setLocalDescription(offer).",
                param="sdp",
            )
        if requested is not None:
            problem = _session_problem(requested)
            if problem is not None:
                return _problem_response(problem)
        if secret is not None:
            if requested is None:
                return sdp, dict(secret.session)
            # A `session` part overrides the secret's session field by field.
            merged = merge_session(secret.session, requested)
            merged["id"], merged["object"] = secret.session["id"], "realtime.session"
            return sdp, merged
        session = _full_session(requested)
        session["id"] = f"sess_{secrets.token_hex(12)}"
        session["object"] = "realtime.session"
        return sdp, session

    async def _create_call_inner(self, request: web.Request) -> web.Response:
        faulted = await self._apply_fault("calls", self.faults.calls_delay_s)
        if faulted is not None:
            return faulted
        key = _bearer(request)
        if key is None:
            return _missing_key_error()
        offer = await self._read_offer(request, key)
        if isinstance(offer, web.Response):
            return offer
        sdp, session = offer
        call_id = f"rtc_{secrets.token_hex(12)}"
        peer = CallPeer(
            call_id=call_id,
            on_closed=lambda reason: self._on_call_closed(call_id, reason),
            connect_timeout_s=self.connect_timeout_s,
            silent=lambda: self.faults.silent_calls,
        )
        engine = self._engine_factory(call_id=call_id, session=session, link=peer, emulator=self)
        peer.attach(engine)
        call = Call(call_id=call_id, engine=engine, peer=peer)
        self.calls[call_id] = call
        self.stats.calls_created += 1
        try:
            answer = await peer.answer(
                sdp, audio_source=engine.audio_out, refuse_ice=self.faults.refuse_ice
            )
        except ValueError as exc:
            await peer.close("bad_offer")
            return json_error(400, str(exc), param="sdp")
        return web.Response(
            status=201,
            text=answer,
            content_type="application/sdp",
            headers={"Location": f"/v1/realtime/calls/{call_id}"},
        )

    async def _hangup(self, request: web.Request) -> web.StreamResponse:
        response = await self._hangup_inner(request)
        self.stats.hangup_requests[response.status] += 1
        return response

    async def _hangup_inner(self, request: web.Request) -> web.Response:
        key = _bearer(request)
        if key is None:
            return _missing_key_error()
        ok_key = (
            self.secrets.lookup(key) is not None
            if key.startswith("ek_")
            else (self._key_accepted(key))
        )
        if not ok_key:
            return _bad_key_error(key)
        call_id = request.match_info["call_id"]
        if call_id not in self.calls:
            return json_error(
                404, f"Call '{call_id}' not found.", code="call_not_found", param="call_id"
            )
        await self.hangup(call_id)
        return web.Response(status=200)

    def _on_call_closed(self, call_id: str, reason: str) -> None:
        call = self.calls.get(call_id)
        if call is None or call.state == "closed":
            return
        call.state = "closed"
        call.closed_at = time.time()
        call.close_reason = reason
        self.stats.calls_closed += 1
        self.stats.close_reasons[reason] += 1
