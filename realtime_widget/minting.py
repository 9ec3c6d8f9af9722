"""Mint a short-lived Realtime client secret (`ek_…`) with the standard API key.

`POST {base_url}/v1/realtime/client_secrets` with the session configuration, so the call
the browser starts with the secret is configured from the first event. Every failure
becomes a `RealtimeAPIError` whose message says what went wrong and what to do, and never
contains the API key or a client secret (OpenAI echoes part of a rejected key in its 401
text; `redact` removes it).

Two entry points with the same behaviour: `amint_client_secret` (httpx.AsyncClient; the
widget runs it on the kernel's event loop so the kernel stays responsive, through an
`AsyncMinter` that reuses one client per widget) and `mint_client_secret` (blocking).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from . import __version__
from .api_facts import CLIENT_SECRETS_PATH
from .config import client_secret_body, normalize_api_key, normalize_base_url
from .kernel_async import DEFAULT_TIMEOUT as BASE_TIMEOUT
from .kernel_async import LoopClient

# Read at each request (tests shorten it): kernel_async's limits for one small request.
DEFAULT_TIMEOUT: httpx.Timeout = BASE_TIMEOUT

_SECRET_PATTERNS: Final = (
    # Standard keys (sk-…, sk-proj-…), also when partly starred out by OpenAI's messages.
    re.compile(r"sk-[A-Za-z0-9_\-*.]{3,}"),
    # Client secrets.
    re.compile(r"ek_[A-Za-z0-9_\-*.]{3,}"),
    # Anything else OpenAI starred out ("abcd*****wxyz").
    re.compile(r"[A-Za-z0-9_\-]{0,16}\*{3,}[A-Za-z0-9_\-]{0,16}"),
    # Bearer headers quoted back.
    re.compile(r"(?i)bearer\s+\S+"),
)


def redact(text: str, *secrets: str | None) -> str:
    """`text` with the given secrets and anything that looks like a key replaced by "***"."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub("***", text)
    return text


class RealtimeAPIError(Exception):
    """A request the kernel made to the API failed: minting a client secret, or posting
    the browser's SDP offer ("kernel" signaling, `call_signaling`). `message` is readable
    and safe to show; `code` is machine-readable (the API's error code when it gave one,
    else one of: invalid_api_key, rate_limited, bad_request, not_found, server_error,
    timeout, connection_error, bad_response); `status` is the HTTP status, None when no
    answer arrived."""

    def __init__(
        self,
        message: str,
        code: str | None = None,
        status: int | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.param = param

    def __repr__(self) -> str:
        return f"RealtimeAPIError({self.message!r}, code={self.code!r}, status={self.status!r})"

    def to_json(self) -> dict[str, Any]:
        """The `error` object of an rpc-reply."""
        return {"message": self.message, "code": self.code, "status": self.status}


@dataclass(frozen=True)
class ClientSecret:
    """A minted client secret. `value` is kept out of repr so it cannot leak into logs."""

    value: str = field(repr=False)
    expires_at: int
    session: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The `result` of an rpc-reply: the only place a client secret ever travels."""
        return {"value": self.value, "expires_at": self.expires_at}


@dataclass(frozen=True)
class _Request:
    url: str
    base_url: str
    headers: dict[str, str]
    body: dict[str, Any]


def _prepare(api_key: str, base_url: str, session: Mapping[str, Any], ttl_s: int) -> _Request:
    key = normalize_api_key(api_key) if api_key and api_key.strip() else None
    if key is None:
        raise RealtimeAPIError(
            "no API key: pass api_key= or set OPENAI_API_KEY", code="invalid_api_key"
        )
    base = normalize_base_url(base_url)
    assert base is not None  # base_url is a required str here
    return _Request(
        url=base + CLIENT_SECRETS_PATH,
        base_url=base,
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"realtime-widget/{__version__}",
        },
        body=client_secret_body(session, ttl_s),
    )


def _api_error_fields(payload: Any) -> tuple[str, str | None, str | None]:
    """(message, code, param) from `{"error": {...}}`, tolerating other shapes."""
    err = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(err, dict):
        message = err.get("message")
        code = err.get("code") or err.get("type")
        param = err.get("param")
        return (
            str(message) if message else "",
            str(code) if code else None,
            str(param) if param else None,
        )
    if isinstance(err, str):
        return err, None, None
    return "", None, None


def _snippet(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _error_for_status(response: httpx.Response, req: _Request, api_key: str) -> RealtimeAPIError:
    status = response.status_code
    try:
        payload: Any = response.json()
    except ValueError:
        payload = None
    api_message, api_code, param = _api_error_fields(payload)
    if not api_message and payload is None and response.text:
        api_message = _snippet(response.text)
    api_message = redact(api_message, api_key)
    detail = f": {api_message}" if api_message else ""
    where = req.base_url
    if status == 401:
        return RealtimeAPIError(
            f"OpenAI rejected the API key (401){detail}. Check OPENAI_API_KEY or the api_key "
            "argument (keys: https://platform.openai.com/api-keys).",
            code=api_code or "invalid_api_key",
            status=status,
        )
    if status == 403:
        return RealtimeAPIError(
            f"The API key may not use the Realtime API or this model (403){detail}. Check the "
            "key's project permissions and the model name.",
            code=api_code or "forbidden",
            status=status,
        )
    if status == 404:
        return RealtimeAPIError(
            f"{where} has no {CLIENT_SECRETS_PATH} endpoint (404){detail}. Check base_url "
            "(it should be the API origin, such as https://api.openai.com).",
            code=api_code or "not_found",
            status=status,
        )
    if status == 429:
        return RealtimeAPIError(
            f"OpenAI refused the request: rate limit or quota exceeded (429){detail}. Wait and "
            "try again, or check the plan and billing at https://platform.openai.com/settings.",
            code=api_code or "rate_limited",
            status=status,
        )
    if 400 <= status < 500:
        about = f" (param: {param})" if param else ""
        return RealtimeAPIError(
            f"OpenAI refused the session configuration ({status}){detail}{about}.",
            code=api_code or "bad_request",
            status=status,
            param=param,
        )
    if status >= 500:
        return RealtimeAPIError(
            f"The Realtime API at {where} had a server error ({status}){detail}. "
            "This is on the server's side; try again shortly.",
            code=api_code or "server_error",
            status=status,
        )
    return RealtimeAPIError(
        f"Unexpected answer {status} from {where}{detail}.", code="bad_response", status=status
    )


def _parse_success(response: httpx.Response, req: _Request, api_key: str) -> ClientSecret:
    where = req.base_url
    try:
        payload: Any = response.json()
    except ValueError:
        kind = response.headers.get("content-type", "no content type")
        raise RealtimeAPIError(
            f"{where} answered the client secret request with something that is not JSON "
            f"({kind}: {redact(_snippet(response.text or '(empty body)'), api_key)!r}). "
            "Is base_url pointing at the Realtime API?",
            code="bad_response",
            status=response.status_code,
        ) from None
    # GA answers {"value", "expires_at", "session"}; the beta shape nested it under
    # "client_secret", which some proxies still return.
    source = payload.get("client_secret", payload) if isinstance(payload, dict) else None
    value = source.get("value") if isinstance(source, dict) else None
    expires_at = source.get("expires_at") if isinstance(source, dict) else None
    if not isinstance(value, str) or not value or not isinstance(expires_at, int | float):
        raise RealtimeAPIError(
            f"{where} answered without a client secret (expected JSON with 'value' and "
            "'expires_at'). Is base_url pointing at the Realtime API?",
            code="bad_response",
            status=response.status_code,
        )
    session = payload.get("session") if isinstance(payload, dict) else None
    return ClientSecret(
        value=value,
        expires_at=int(expires_at),
        session=session if isinstance(session, dict) else {},
    )


def _timeout_seconds(timeout: httpx.Timeout, exc: httpx.TimeoutException) -> float | None:
    if isinstance(exc, httpx.ConnectTimeout):
        return timeout.connect
    if isinstance(exc, httpx.ReadTimeout):
        return timeout.read
    if isinstance(exc, httpx.WriteTimeout):
        return timeout.write
    if isinstance(exc, httpx.PoolTimeout):
        return timeout.pool
    return None


def _error_for_transport(
    exc: httpx.HTTPError, req: _Request, timeout: httpx.Timeout
) -> RealtimeAPIError:
    where = req.base_url
    if isinstance(exc, httpx.TimeoutException):
        seconds = _timeout_seconds(timeout, exc)
        after = f" after {seconds:g} s" if seconds is not None else ""
        phase = "connecting to" if isinstance(exc, httpx.ConnectTimeout) else "waiting for"
        return RealtimeAPIError(
            f"Minting a client secret timed out{after} while {phase} {where}. "
            "Check the network or try again.",
            code="timeout",
        )
    reason = redact(str(exc)) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return RealtimeAPIError(
            f"Cannot reach {where} ({reason}). Check the network connection and base_url.",
            code="connection_error",
        )
    return RealtimeAPIError(
        f"Network error while talking to {where} ({type(exc).__name__}: {reason}).",
        code="connection_error",
    )


def _as_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return httpx.Timeout(timeout)


def _finish(response: httpx.Response, req: _Request, api_key: str) -> ClientSecret:
    if response.status_code not in (200, 201):
        raise _error_for_status(response, req, api_key)
    return _parse_success(response, req, api_key)


async def amint_client_secret(
    api_key: str,
    base_url: str,
    session: Mapping[str, Any],
    ttl_s: int,
    *,
    timeout: float | httpx.Timeout | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    client: httpx.AsyncClient | None = None,
) -> ClientSecret:
    """Mint a client secret without blocking the event loop. Raises `RealtimeAPIError`.

    `client`: an open client to reuse (its connection pool and TLS context); the caller
    keeps owning it. Without one, a client is made and closed for this request."""
    req = _prepare(api_key, base_url, session, ttl_s)
    to = _as_timeout(timeout)
    body = json.dumps(req.body)
    try:
        if client is not None:
            response = await client.post(req.url, headers=req.headers, content=body, timeout=to)
        else:
            async with httpx.AsyncClient(timeout=to, transport=transport, trust_env=True) as own:
                response = await own.post(req.url, headers=req.headers, content=body)
    except httpx.HTTPError as exc:
        raise _error_for_transport(exc, req, to) from None
    return _finish(response, req, api_key)


class AsyncMinter:
    """Mints on one `httpx.AsyncClient` reused for every mint of a widget
    (`kernel_async.LoopClient`: its pool and TLS context). `close()` releases it."""

    def __init__(self, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._clients = LoopClient(transport=transport)

    @property
    def client(self) -> httpx.AsyncClient | None:
        """The client in use (None before the first mint and after close)."""
        return self._clients.client

    async def mint(
        self,
        api_key: str,
        base_url: str,
        session: Mapping[str, Any],
        ttl_s: int,
        *,
        timeout: float | httpx.Timeout | None = None,
    ) -> ClientSecret:
        """As `amint_client_secret`, on the shared client. Raises `RealtimeAPIError`."""
        client = self._clients.get()
        if client is None:
            raise RealtimeAPIError(
                "this widget was closed; create a new RealtimeWidget to connect again",
                code="closed",
            )
        return await amint_client_secret(
            api_key, base_url, session, ttl_s, timeout=timeout, client=client
        )

    def close(self) -> None:
        """Closes the client (on its loop when that loop still runs). Idempotent."""
        self._clients.close()


def mint_client_secret(
    api_key: str,
    base_url: str,
    session: Mapping[str, Any],
    ttl_s: int,
    *,
    timeout: float | httpx.Timeout | None = None,
    transport: httpx.BaseTransport | None = None,
) -> ClientSecret:
    """Mint a client secret (blocking). Raises `RealtimeAPIError`."""
    req = _prepare(api_key, base_url, session, ttl_s)
    to = _as_timeout(timeout)
    try:
        with httpx.Client(timeout=to, transport=transport, trust_env=True) as client:
            response = client.post(req.url, headers=req.headers, content=json.dumps(req.body))
    except httpx.HTTPError as exc:
        raise _error_for_transport(exc, req, to) from None
    return _finish(response, req, api_key)
