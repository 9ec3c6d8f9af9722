"""The HTTP error bodies of the real API: `{"error": {"message", "type", "code", "param"}}`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

ERROR_INVALID_REQUEST = "invalid_request_error"


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


def missing_key_error() -> web.Response:
    return json_error(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization "
        "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        code=None,
    )


def bad_key_error(key: str) -> web.Response:
    return json_error(
        401,
        f"Incorrect API key provided: {mask_key(key)}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        code="invalid_api_key",
    )


def live_client_secret_error() -> web.Response:
    """GPT-Live takes the standard key only (it has no ephemeral keys)."""
    return json_error(
        401,
        "GPT-Live does not accept client secrets (ek_…): it has no ephemeral keys. Create "
        "the session from your server with a standard API key and hand the browser only "
        "the SDP answer.",
        code="invalid_api_key",
    )
