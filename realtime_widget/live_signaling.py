"""Kernel signaling for GPT-Live: the browser's SDP offer posted to `POST /v1/live/sessions`.

GPT-Live has no ephemeral keys, so this is the only way a browser joins a Live session:
the trusted side (the kernel) posts JSON `{"session": <SessionConfig>, "transport":
{"type": "webrtc", "sdp": <offer>}}` with the standard key and gets `{"session": {"id"},
"transport": {"type": "webrtc", "sdp": <answer>}}` back, as the official SDK's
`client.live.create(...)` does. The session id is the call id (for the sideband).

Errors come back exactly as `call_signaling` words the Realtime API's, so the browser
shows them as failures of its own POST; no body or message contains the key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from .call_signaling import CallAnswer, call_headers, post_signaling_request
from .config import normalize_base_url
from .live_facts import LIVE_SESSIONS_PATH
from .minting import RealtimeAPIError


def live_sessions_url(base_url: str) -> str:
    base = normalize_base_url(base_url)
    assert base is not None  # base_url is a required str here
    return base + LIVE_SESSIONS_PATH


def live_create_body(sdp: str, session: Mapping[str, Any]) -> dict[str, Any]:
    """The request body (`LiveCreateParams`)."""
    return {"session": dict(session), "transport": {"type": "webrtc", "sdp": sdp}}


def live_answer(text: str, url: str) -> CallAnswer:
    """The SDP answer and session id of a 2xx answer; raises when it is not one."""
    try:
        payload: Any = json.loads(text)
    except ValueError:
        payload = None
    transport = payload.get("transport") if isinstance(payload, dict) else None
    session = payload.get("session") if isinstance(payload, dict) else None
    sdp = transport.get("sdp") if isinstance(transport, dict) else None
    sid = session.get("id") if isinstance(session, dict) else None
    if not isinstance(sdp, str) or not sdp.strip():
        raise RealtimeAPIError(
            f"POST {url} answered without transport.sdp (the SDP answer): is base_url a "
            "GPT-Live server?",
            code="bad_answer",
        )
    return CallAnswer(sdp=sdp, call_id=sid if isinstance(sid, str) and sid else None)


async def post_live_offer(
    client: httpx.AsyncClient,
    api_key: str,
    base_url: str,
    sdp: str,
    session: Mapping[str, Any],
    *,
    timeout_s: float,
) -> CallAnswer:
    """Create the Live session for the browser's offer (same contract as `post_offer`)."""
    url = live_sessions_url(base_url)
    headers = {**call_headers(api_key), "Accept": "application/json"}
    body = live_create_body(sdp, session)
    response = await post_signaling_request(
        client, url, api_key, headers, timeout_s, json_body=body
    )
    return live_answer(response.text, url)
