"""The fronts of a GPT-Live session: a WebRTC peer, a WebSocket, sidebands attached by id.

Each builds a `LiveEngine` on the transport the Realtime emulator already has
(`peer.CallPeer`, `ws_link.WebSocketLink`), behind a `sideband.CallPaths` so that any
session, whatever its primary transport, takes sidebands. Sessions are kept with the
Realtime calls in `Emulator.calls` (`api="live"`, ids `live_…`), so stopping the
emulator, its counters and `hangup` cover both APIs.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..engine_context import EngineOptions, Transport
from ..http_state import Call
from ..peer import CallPeer
from ..sideband import CallPaths
from ..ws_link import WebSocketLink
from .engine import LiveEngine

if TYPE_CHECKING:
    from ..server import Emulator


def new_session_id() -> str:
    """A Live session id (`live_…`, as the API reference's examples show)."""
    return f"live_{secrets.token_hex(12)}"


def _options(emulator: Emulator, transport: Transport) -> EngineOptions:
    return EngineOptions(
        replies=emulator.replies,
        faults=emulator.faults,
        max_session_seconds=emulator.max_session_seconds,
        transport=transport,
        **emulator.engine_options,
    )


def new_webrtc_session(emulator: Emulator, session: dict[str, Any]) -> Call[CallPeer]:
    """A WebRTC Live session on a checked startup `session`, registered; not yet answered."""
    session_id = new_session_id()
    peer = CallPeer(
        call_id=session_id,
        on_closed=lambda reason: emulator.call_closed(session_id, reason),
        connect_timeout_s=emulator.connect_timeout_s,
        silent=lambda: emulator.faults.silent_calls,
    )
    paths = CallPaths(peer)
    engine = LiveEngine(
        session_id=session_id, link=paths, options=_options(emulator, "webrtc"), session=session
    )
    peer.attach(engine)
    return emulator.register(
        Call(call_id=session_id, engine=engine, peer=peer, paths=paths, api="live")
    )


def new_websocket_session(
    emulator: Emulator, request: web.Request, ws: web.WebSocketResponse
) -> Call[WebSocketLink]:
    """A Live WebSocket session (the upgrade done; it starts with `session.start`)."""
    session_id = new_session_id()
    link = WebSocketLink(
        call_id=session_id,
        request=request,
        ws=ws,
        on_closed=lambda reason: emulator.call_closed(session_id, reason),
        silent=lambda: emulator.faults.silent_calls,
    )
    paths = CallPaths(link)
    engine = LiveEngine(session_id=session_id, link=paths, options=_options(emulator, "websocket"))
    link.attach(engine)
    return emulator.register(
        Call(
            call_id=session_id,
            engine=engine,
            peer=link,
            transport="websocket",
            paths=paths,
            api="live",
        )
    )
