"""The emulator's endpoints: `POST /v1/realtime/client_secrets`, `POST /v1/realtime/calls`,
`POST /v1/realtime/calls/{call_id}/hangup` and the WebSocket `GET /v1/realtime` (`?model=`:
a session of its own; `?call_id=`: a sideband on a WebRTC call, see sideband.py).

They run inside the middlewares (`http_middleware`): the key was checked, HTTP faults
applied and the answer is counted there. What is left here is the request body (JSON,
SDP, multipart), the real API's validation and errors, and the answer.
"""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .http_errors import json_error
from .http_state import CLIENT_SECRET_KEY, Call, ClientSecret
from .session_config import (
    Problem,
    default_session,
    merge_session,
    shut_down_problem,
    validate_session,
)

if TYPE_CHECKING:
    from .server import Emulator

_SECRET_TTL_MIN_S = 10
_SECRET_TTL_MAX_S = 7200


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


def _new_session(requested: dict[str, Any] | None) -> dict[str, Any]:
    session = _full_session(requested)
    session["id"] = f"sess_{secrets.token_hex(12)}"
    session["object"] = "realtime.session"
    return session


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


# --- client secrets -------------------------------------------------------------------


async def client_secrets(emulator: Emulator, request: web.Request) -> web.Response:
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
    ttl = int(body.get("expires_after", {}).get("seconds", emulator.secret_ttl_default_s))
    session = _new_session(body.get("session"))
    secret = emulator.secrets.mint(session, ttl)
    # The minted session's expires_at is 0 on the real API; the session's own
    # expiry arrives in session.created.
    session_out = dict(session, expires_at=0)
    return web.json_response(
        {"value": secret.value, "expires_at": int(secret.expires_at), "session": session_out}
    )


# --- calls ----------------------------------------------------------------------------


async def _read_offer(request: web.Request) -> tuple[str, dict[str, Any]] | web.Response:
    """The offer SDP and the session it starts with, or the error to answer."""
    secret: ClientSecret | None = request.get(CLIENT_SECRET_KEY)
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
    return sdp, _new_session(requested)


async def create_call(emulator: Emulator, request: web.Request) -> web.Response:
    offer = await _read_offer(request)
    if isinstance(offer, web.Response):
        return offer
    sdp, session = offer
    call = emulator.new_call(session)
    try:
        answer = await call.peer.answer(
            sdp, audio_source=call.engine.audio_out, refuse_ice=emulator.faults.refuse_ice
        )
    except ValueError as exc:
        await call.peer.close("bad_offer")
        return json_error(400, str(exc), param="sdp")
    return web.Response(
        status=201,
        text=answer,
        content_type="application/sdp",
        headers={"Location": f"/v1/realtime/calls/{call.call_id}"},
    )


async def hangup(emulator: Emulator, request: web.Request) -> web.Response:
    call_id = request.match_info["call_id"]
    if call_id not in emulator.calls:
        return json_error(
            404, f"Call '{call_id}' not found.", code="call_not_found", param="call_id"
        )
    await emulator.hangup(call_id)
    return web.Response(status=200)


# --- the WebSocket interface ----------------------------------------------------------


def _websocket_session(request: web.Request) -> dict[str, Any] | web.Response:
    """The session a `GET /v1/realtime?model=…` starts with, or the error to answer."""
    secret: ClientSecret | None = request.get(CLIENT_SECRET_KEY)
    model = request.query.get("model")
    if secret is not None:
        # A client secret fixes the session; a model in the URL must not contradict it.
        session = dict(secret.session)
        if model and model != session.get("model"):
            return json_error(
                400,
                f"The client secret is for model '{session.get('model')}', not '{model}'.",
                code="invalid_value",
                param="model",
            )
        return session
    requested: dict[str, Any] = {"type": "realtime"}
    if model:
        requested["model"] = model
    problem = _session_problem(requested)
    if problem is not None:
        return _problem_response(problem)
    return _new_session(requested)


def _sideband_call(emulator: Emulator, request: web.Request) -> Call[Any] | web.Response:
    """The live WebRTC call a `GET /v1/realtime?call_id=…` attaches to, or the error."""
    call_id = request.query["call_id"]
    if request.get(CLIENT_SECRET_KEY) is not None:
        # A sideband is the trusted server's: a client secret was minted for a browser.
        return json_error(
            401,
            "A client secret (ek_…) cannot attach to a call. Attach the sideband from your "
            "server with a standard API key.",
            code="invalid_api_key",
        )
    call = emulator.calls.get(call_id)
    if call is None or call.state != "active" or call.paths is None or call.api != "realtime":
        return json_error(
            404,
            f"Call '{call_id}' not found. Attach to a live WebRTC call by the id at the end "
            "of its answer's Location header (rtc_…).",
            code="call_id_not_found",
            param="call_id",
        )
    return call


def _websocket(request: web.Request) -> web.WebSocketResponse | web.Response:
    ws = web.WebSocketResponse(max_msg_size=16 * 1024 * 1024)
    if not ws.can_prepare(request).ok:
        return json_error(
            400,
            "This endpoint is a WebSocket: connect with a WebSocket client (an Upgrade request).",
        )
    return ws


async def realtime_websocket(emulator: Emulator, request: web.Request) -> web.StreamResponse:
    """`GET /v1/realtime?model=…` (a session of its own) or `?call_id=rtc_…` (a sideband on
    a WebRTC call): the key was checked; refuse a bad request before the upgrade (an HTTP
    error body, as the real API), else serve the socket until it closes."""
    if "call_id" in request.query:
        call = _sideband_call(emulator, request)
        if isinstance(call, web.Response):
            return call
        ws = _websocket(request)
        if isinstance(ws, web.Response):
            return ws
        await ws.prepare(request)
        await emulator.attach_sideband(call, request, ws).serve()
        return ws
    session = _websocket_session(request)
    if isinstance(session, web.Response):
        return session
    ws = _websocket(request)
    if isinstance(ws, web.Response):
        return ws
    await ws.prepare(request)
    await emulator.new_websocket_session(session, request, ws).peer.serve()
    return ws
