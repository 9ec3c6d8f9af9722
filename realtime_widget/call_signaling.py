"""Kernel signaling: the browser's SDP offer posted by the kernel with the standard key.

`POST {base_url}/v1/realtime/calls`, multipart with `sdp` (the offer) and `session` (the
GA session object the call starts with, the one a client-secret mint would carry), as the
official SDK's `realtime.calls.create` sends it. A 2xx answer is the SDP answer, and the
call id is the last segment of its `Location`. No client secret exists on this path.

What goes back to the browser is what it would have seen posting the offer itself: the
answer, or for an HTTP error answer its status and body (`CallRefusedError`), which the
browser words exactly as a failure of its own POST (`describeHttpError` in
js/src/transport/sdp_offer.ts). Failures without an answer (timeout, network) are worded
here, like the browser's. Nothing here contains the key: bodies are redacted.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx

from . import __version__
from .api_facts import CALLS_PATH
from .config import normalize_api_key, normalize_base_url
from .minting import RealtimeAPIError, redact

#: The most of an error body sent back to the browser (it reads the JSON error, or the
#: first 200 characters of anything else).
MAX_ERROR_BODY: Final = 4_000


@dataclass(frozen=True)
class CallAnswer:
    """A 2xx answer: its body (the SDP answer; the browser checks it is one) and the call
    id from `Location` (None without one)."""

    sdp: str
    call_id: str | None

    def to_json(self) -> dict[str, Any]:
        """The `result` of the rpc-reply."""
        return {"sdp": self.sdp, "call_id": self.call_id}


class CallRefusedError(RealtimeAPIError):
    """The API answered the offer with an HTTP error: `status` and the redacted `body`
    travel to the browser, which words them as for its own POST."""

    def __init__(self, message: str, *, status: int, body: str, code: str | None) -> None:
        super().__init__(message, code=code, status=status)
        self.body = body

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "body": self.body}


# -- pure parts --------------------------------------------------------------------------


def calls_url(base_url: str) -> str:
    base = normalize_base_url(base_url)
    assert base is not None  # base_url is a required str here
    return base + CALLS_PATH


def call_headers(api_key: str) -> dict[str, str]:
    """The request headers (httpx adds the multipart Content-Type with its boundary)."""
    key = normalize_api_key(api_key) if api_key and api_key.strip() else None
    if key is None:
        raise RealtimeAPIError(
            "no API key: pass api_key= or set OPENAI_API_KEY", code="invalid_api_key"
        )
    return {
        "Authorization": f"Bearer {key}",
        "Accept": "application/sdp",
        "User-Agent": f"realtime-widget/{__version__}",
    }


def call_form(sdp: str, session: Mapping[str, Any]) -> dict[str, tuple[None, str, str]]:
    """The multipart parts, typed as the SDK types them (no file names)."""
    return {
        "sdp": (None, sdp, "application/sdp"),
        "session": (None, json.dumps(dict(session)), "application/json"),
    }


def call_id_from_location(location: str | None) -> str | None:
    """`/v1/realtime/calls/rtc_abc` → `rtc_abc` (as `callIdFromLocation` in the browser)."""
    if not location:
        return None
    path = location.split("?", 1)[0].split("#", 1)[0]
    segments = [s for s in path.split("/") if s]
    return segments[-1] if segments else None


def seconds_text(seconds: float) -> str:
    """A timeout as the browser words it ("0.7 s", "15 s"; `seconds` in connect_timeouts.ts)."""
    if seconds < 10:
        return f"{seconds:.1f}".removesuffix(".0") + " s"
    return f"{round(seconds)} s"


def refused(status: int, text: str, url: str, api_key: str) -> CallRefusedError:
    """An HTTP error answer: a readable message for the kernel's log, the body for the
    browser; both redacted."""
    body = redact(text, api_key)[:MAX_ERROR_BODY]
    api_message, code = "", None
    try:
        payload: Any = json.loads(text)
    except ValueError:
        payload = None
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        api_message = str(error.get("message") or "")
        code = str(error.get("code") or error.get("type") or "") or None
    detail = f": {redact(api_message, api_key)}" if api_message else ""
    return CallRefusedError(
        f"POST {url} answered {status}{detail}", status=status, body=body, code=code
    )


def no_answer(exc: BaseException, url: str, timeout_s: float) -> RealtimeAPIError:
    """No HTTP answer came: a timeout or a network failure, worded like the browser's."""
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return RealtimeAPIError(
            f"The server did not answer the call request within {seconds_text(timeout_s)} "
            f"(POST {url}).",
            code="timeout",
        )
    reason = redact(str(exc)) or type(exc).__name__
    return RealtimeAPIError(
        f"Could not reach {url} from the kernel: {reason}. Check that the server (or the "
        "emulator) is running and reachable from the kernel.",
        code="connection_error",
    )


# -- the request -------------------------------------------------------------------------


async def post_offer(
    client: httpx.AsyncClient,
    api_key: str,
    base_url: str,
    sdp: str,
    session: Mapping[str, Any],
    *,
    timeout_s: float,
) -> CallAnswer:
    """Post the offer; the whole request (connect to last byte) within `timeout_s`.

    Raises `CallRefusedError` for an HTTP error answer, `RealtimeAPIError` without one.
    """
    url = calls_url(base_url)
    response = await post_signaling_request(
        client, url, api_key, call_headers(api_key), timeout_s, files=call_form(sdp, session)
    )
    return CallAnswer(
        sdp=response.text, call_id=call_id_from_location(response.headers.get("Location"))
    )


async def post_signaling_request(
    client: httpx.AsyncClient,
    url: str,
    api_key: str,
    headers: Mapping[str, str],
    timeout_s: float,
    *,
    files: Mapping[str, tuple[None, str, str]] | None = None,
    json_body: Mapping[str, Any] | None = None,
) -> httpx.Response:
    """One signaling POST (a multipart `files` or a `json_body`), the whole request within
    `timeout_s`: its 2xx response, else `CallRefusedError` for an HTTP error answer and
    `RealtimeAPIError` without one, worded as the browser words its own POST."""
    try:
        async with asyncio.timeout(timeout_s):
            response = await client.post(
                url, headers=dict(headers), files=files, json=json_body, timeout=timeout_s
            )
    except (TimeoutError, httpx.HTTPError) as exc:
        raise no_answer(exc, url, timeout_s) from None
    if not response.is_success:
        raise refused(response.status_code, response.text, url, api_key)
    return response
