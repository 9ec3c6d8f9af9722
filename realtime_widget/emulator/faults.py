"""Fault switches for the emulator, one instance per emulator, mutable while it runs.

Tests flip these to prove that the widget survives each failure. Every field is off
by default; the HTTP layer reads the HTTP ones per request and the session engine
reads the data channel ones per event, so a change takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class HttpFault:
    """Answer one endpoint with this status and body instead of the real answer.

    `body` is sent as JSON when it is a dict, as text otherwise. `times` limits how
    many requests get the fault (None: all of them).
    """

    status: int
    body: dict[str, Any] | str | None = None
    content_type: str | None = None
    times: int | None = None


@dataclass
class Faults:
    # HTTP: POST /v1/realtime/client_secrets
    client_secrets: HttpFault | None = None
    client_secrets_delay_s: float = 0.0
    # HTTP: POST /v1/realtime/calls
    calls: HttpFault | None = None
    calls_delay_s: float = 0.0
    # HTTP: POST /v1/live/sessions (GPT-Live's WebRTC creation; its WebSocket upgrade too)
    live_sessions: HttpFault | None = None
    live_sessions_delay_s: float = 0.0
    # WebRTC: answer with an SDP whose candidates never connect.
    refuse_ice: bool = False
    # Data channel, counted in server events sent within a response (after response.created):
    # close the data channel / the whole peer connection after this many. GPT-Live counts
    # `drop_peer_after_response_events` in server events sent while the model speaks (its
    # WebSocket is aborted, a peer closed; a sideband then gets `session.closed`
    # `connection_lost`).
    drop_channel_after_response_events: int | None = None
    drop_peer_after_response_events: int | None = None
    # Data channel: send this many malformed JSON messages / unknown event types right
    # after session.created.
    malformed_json_messages: int = 0
    unknown_event_messages: int = 0
    # Emit an `error` server event in answer to each client event of these types.
    error_on_client_event_types: set[str] = field(default_factory=set)
    # End the session with the real `session_expired` error after this many seconds.
    expire_after_s: float | None = None
    # WebRTC, live: while True every call of this emulator goes silent without closing
    # anything. Its ICE sockets drop every datagram in both directions (no RTP/RTCP, no
    # SCTP, so no data channel messages, and no answers to the caller's STUN consent
    # checks), so the caller's ICE state goes `disconnected`; server events are dropped,
    # not queued. Set it back to False and the packets flow again. After about 30 s of
    # silence aioice's own consent checks (unanswered too) end the call (`peer_closed`).
    silent_calls: bool = False
