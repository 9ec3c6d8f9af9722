"""Normalizers of the connection settings (pure): secret lifetime, API key, server origin.

These are widget arguments that never enter the session object; they decide how and where
the widget connects, so they are apart from the session-field normalizers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from . import api_facts as facts
from .input_checks import normalize_int, type_name


def normalize_secret_ttl(value: object) -> int:
    return normalize_int(
        "secret_ttl_s",
        value,
        minimum=facts.SECRET_TTL_MIN_S,
        maximum=facts.SECRET_TTL_MAX_S,
        unit="seconds",
    )


def normalize_api_key(value: object) -> str | None:
    """None or a non-empty str. The value itself never appears in a message."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(
            f"api_key must be a str (or None to use OPENAI_API_KEY), got {type_name(value)}"
        )
    key = value.strip()
    if not key or any(c.isspace() for c in key):
        raise ValueError(
            "api_key is empty or contains whitespace; pass the key from "
            "https://platform.openai.com/api-keys or set OPENAI_API_KEY"
        )
    return key


def normalize_base_url(value: object) -> str | None:
    """None, or an http(s) origin; a trailing "/" or "/v1" is dropped (paths are appended)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(
            f"base_url must be a str such as {facts.DEFAULT_BASE_URL!r}, got {type_name(value)}"
        )
    url = value.strip().rstrip("/")
    if url.endswith("/v1"):
        url = url[: -len("/v1")]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"base_url must start with http:// or https:// and name a host, such as "
            f"{facts.DEFAULT_BASE_URL!r} or 'http://127.0.0.1:8765'; got {value!r}"
        )
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(
            f"base_url must be a plain origin without query, fragment or user info; got {url!r}"
        )
    return url
