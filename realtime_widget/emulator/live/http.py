"""GPT-Live's endpoints: `POST /v1/live/sessions` (WebRTC creation), the WebSocket
`GET /v1/live/sessions` (`client.live.connect()`, then `session.start`) and the sideband
`GET /v1/live/sessions/{session_id}/attach` (`client.live.sideband.connect(session_id=…)`).

They run inside the middlewares (`http_middleware`): the key was checked (standard keys
only: an `ek_…` key is a 401 there), HTTP faults applied (`Faults.live_sessions`), the
answer counted. Errors use the real API's body `{"error": {"message", "type", "code",
"param"}}`, each naming the field that was wrong.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..http_errors import json_error
from ..http_handlers import looks_like_sdp
from ..session_config import Problem
from . import config as lc
from . import fronts

if TYPE_CHECKING:
    from ..server import Emulator


def _problem(problem: Problem) -> web.Response:
    return json_error(400, problem.message, code=problem.code, param=problem.param)


def _transport_problem(transport: Any) -> Problem | None:
    if transport is None:
        return Problem(
            "transport",
            "missing_required_parameter",
            "Missing required parameter: 'transport' ({'type': 'webrtc', 'sdp': <offer>}).",
        )
    if not isinstance(transport, dict):
        return Problem(
            "transport", "invalid_type", "Invalid type for 'transport': expected an object."
        )
    for key in transport:
        if key not in ("type", "sdp"):
            return Problem(
                f"transport.{key}", "unknown_parameter", f"Unknown parameter: 'transport.{key}'."
            )
    if transport.get("type") != "webrtc":
        return Problem(
            "transport.type",
            "invalid_value",
            f"Invalid value for 'transport.type': '{transport.get('type')}'. Supported values "
            "are: 'webrtc' (a "
            "WebSocket client connects with GET /v1/live/sessions and session.start).",
        )
    sdp = transport.get("sdp")
    if not isinstance(sdp, str) or not looks_like_sdp(sdp):
        return Problem(
            "transport.sdp",
            "invalid_value",
            "'transport.sdp' is not an SDP offer (it must start with 'v=0' and have an 'm=' "
            "line). Send pc.localDescription.sdp after setLocalDescription(offer).",
        )
    return None


async def create_session(emulator: Emulator, request: web.Request) -> web.Response:
    """`POST /v1/live/sessions` `{session, transport: {type: "webrtc", sdp}}` → the answer."""
    raw = await request.text()
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        return json_error(
            400,
            "We could not parse the JSON body of your request. POST /v1/live/sessions expects "
            'a JSON object {"session": …, "transport": {"type": "webrtc", "sdp": …}}.',
        )
    if not isinstance(body, dict):
        return json_error(400, "Invalid type for request body: expected an object.")
    for key in body:
        if key not in ("session", "transport"):
            return json_error(
                400, f"Unknown parameter: '{key}'.", code="unknown_parameter", param=key
            )
    if "session" not in body:
        return _problem(
            Problem(
                "session",
                "missing_required_parameter",
                "Missing required parameter: 'session' (at least {'model': 'gpt-live-1.1'}).",
            )
        )
    problem = lc.startup_problem(body["session"], websocket=False) or _transport_problem(
        body.get("transport")
    )
    if problem is not None:
        return _problem(problem)
    call = fronts.new_webrtc_session(emulator, lc.resolved_session(body["session"]))
    try:
        answer = await call.peer.answer(
            body["transport"]["sdp"],
            audio_source=call.engine.audio_out,
            refuse_ice=emulator.faults.refuse_ice,
        )
    except ValueError as exc:
        await call.peer.close("bad_offer")
        return json_error(400, str(exc), code="invalid_value", param="transport.sdp")
    return web.json_response(
        {"session": {"id": call.call_id}, "transport": {"type": "webrtc", "sdp": answer}}
    )


def _upgrade(request: web.Request) -> web.WebSocketResponse | web.Response:
    ws = web.WebSocketResponse(max_msg_size=16 * 1024 * 1024)
    if not ws.can_prepare(request).ok:
        return json_error(
            400,
            "This endpoint is a WebSocket for GET (client.live.connect()); create a WebRTC "
            "session with POST and a JSON body.",
        )
    return ws


async def websocket(emulator: Emulator, request: web.Request) -> web.StreamResponse:
    """`GET /v1/live/sessions`, upgraded: a Live session of its own, started by
    `session.start` (the model is in that event's session, never in the URL)."""
    if request.query:
        name = next(iter(request.query))
        return json_error(
            400,
            f"Unknown query parameter: '{name}'. Connect without query parameters and send "
            "the model and configuration in session.start.",
            code="unknown_parameter",
            param=name,
        )
    ws = _upgrade(request)
    if isinstance(ws, web.Response):
        return ws
    await ws.prepare(request)
    await fronts.new_websocket_session(emulator, request, ws).peer.serve()
    return ws


async def attach(emulator: Emulator, request: web.Request) -> web.StreamResponse:
    """`GET /v1/live/sessions/{session_id}/attach`: a sideband on a live session; it gets
    every server event from now on and its client events go to the session."""
    session_id = request.match_info["session_id"]
    call = emulator.calls.get(session_id)
    if call is None or call.api != "live" or call.state != "active" or call.paths is None:
        return json_error(
            404,
            f"Live session '{session_id}' not found. Attach to a running session by the id "
            "POST /v1/live/sessions returned (session.id, live_…).",
            code="session_not_found",
            param="session_id",
        )
    ws = _upgrade(request)
    if isinstance(ws, web.Response):
        return ws
    await ws.prepare(request)
    await emulator.attach_sideband(call, request, ws).serve()
    return ws
