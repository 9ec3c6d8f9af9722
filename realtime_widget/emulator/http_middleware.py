"""The emulator's aiohttp middlewares, outermost first (`MIDDLEWARES`):

- `cors_middleware`: every route callable from another origin, as on api.openai.com;
  unknown routes and methods answer in the real API's error shape;
- `stats_middleware`: counts each endpoint's answers by status (`EmulatorStats`);
- `fault_middleware`: the HTTP faults of `Faults` (delay, then a status and body) for
  the endpoints that have them, before any other check;
- `auth_middleware`: the bearer key check and its 401s; an endpoint that accepts a
  client secret (`ek_…`) finds it in `request[CLIENT_SECRET_KEY]`.

Which endpoint a request is for comes from its route's name (`ENDPOINTS`); routes
without one (a subclass's extra routes) pass through all but CORS untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from .faults import HttpFault
from .http_errors import bad_key_error, json_error, live_client_secret_error, missing_key_error
from .http_state import CLIENT_SECRET_KEY, EMULATOR_KEY, EmulatorStats

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CLIENT_SECRETS_ROUTE = "client_secrets"
CALLS_ROUTE = "calls"
HANGUP_ROUTE = "hangup"
REALTIME_WS_ROUTE = "realtime_websocket"
LIVE_SESSIONS_ROUTE = "live_sessions"
LIVE_WS_ROUTE = "live_websocket"
LIVE_ATTACH_ROUTE = "live_attach"


@dataclass(frozen=True)
class Endpoint:
    """How the middlewares treat one endpoint."""

    counter: Callable[[EmulatorStats], Counter[int]]  # its answers, by status
    fault: Literal["client_secrets", "calls", "live_sessions"] | None  # `Faults` fields failing it
    accepts_client_secret: bool  # an `ek_…` key (a live client secret) may call it
    # GPT-Live has no ephemeral keys: an `ek_…` key is refused as such (a clear 401).
    refuses_client_secret: bool = False


ENDPOINTS: dict[str, Endpoint] = {
    CLIENT_SECRETS_ROUTE: Endpoint(lambda s: s.client_secret_requests, "client_secrets", False),
    CALLS_ROUTE: Endpoint(lambda s: s.call_requests, "calls", True),
    HANGUP_ROUTE: Endpoint(lambda s: s.hangup_requests, None, True),
    # The WebSocket interface starts a session as a call does, so the calls faults fail it.
    REALTIME_WS_ROUTE: Endpoint(lambda s: s.websocket_requests, "calls", True),
    LIVE_SESSIONS_ROUTE: Endpoint(lambda s: s.live_session_requests, "live_sessions", False, True),
    LIVE_WS_ROUTE: Endpoint(lambda s: s.live_websocket_requests, "live_sessions", False, True),
    LIVE_ATTACH_ROUTE: Endpoint(lambda s: s.live_attach_requests, None, False, True),
}


def _endpoint(request: web.Request) -> Endpoint | None:
    name = request.match_info.route.name
    return ENDPOINTS.get(name) if name is not None else None


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


@web.middleware
async def stats_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count each answer of a known endpoint by its status."""
    endpoint = _endpoint(request)
    response = await handler(request)
    if endpoint is not None:
        endpoint.counter(request.app[EMULATOR_KEY].stats)[response.status] += 1
    return response


def fault_response(fault: HttpFault) -> web.Response:
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


@web.middleware
async def fault_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """`Faults.<endpoint>_delay_s`, then `Faults.<endpoint>` (an `HttpFault`, `times` counted)."""
    endpoint = _endpoint(request)
    if endpoint is None or endpoint.fault is None:
        return await handler(request)
    emulator = request.app[EMULATOR_KEY]
    name = endpoint.fault
    delay_s: float = getattr(emulator.faults, f"{name}_delay_s")
    if delay_s > 0:
        # Cut short by stop(), so a long delay never holds up shutting down.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(emulator.stopping.wait(), delay_s)
    fault: HttpFault | None = getattr(emulator.faults, name)
    if fault is None:
        return await handler(request)
    if fault.times is not None:
        fault.times -= 1
        if fault.times <= 0:
            setattr(emulator.faults, name, None)
    return fault_response(fault)


def bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A bearer key the emulator accepts, or (where allowed) a live client secret."""
    endpoint = _endpoint(request)
    if endpoint is None:
        return await handler(request)
    key = bearer(request)
    if key is None:
        return missing_key_error()
    emulator = request.app[EMULATOR_KEY]
    if endpoint.refuses_client_secret and key.startswith("ek_"):
        return live_client_secret_error()
    if endpoint.accepts_client_secret and key.startswith("ek_"):
        secret = emulator.secrets.lookup(key)
        if secret is None:
            return bad_key_error(key)
        request[CLIENT_SECRET_KEY] = secret
    elif not emulator.key_accepted(key):
        return bad_key_error(key)
    return await handler(request)


MIDDLEWARES = (cors_middleware, stats_middleware, fault_middleware, auth_middleware)
