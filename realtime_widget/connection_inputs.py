"""Normalizers of the connection settings (pure): secret lifetime, API key, server origin,
signaling, time limits, reconnect and log file.

These are widget and session arguments that never enter the session object; they decide
how and where a call connects, so they are apart from the session-field normalizers.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
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


#: How a widget's call is signaled (`normalize_signaling` says what each means).
SIGNALING_MODES = ("browser", "kernel")


def normalize_signaling(value: object) -> str:
    """Who posts the browser's SDP offer to the API: "browser" or "kernel"."""
    meaning = (
        "'browser' (the browser posts its SDP offer with a short-lived client secret the "
        "kernel mints; the default) or 'kernel' (the kernel posts the offer with the API key; "
        "no client secret exists)"
    )
    if not isinstance(value, str):
        raise TypeError(f"signaling must be {meaning}, got {type_name(value)}")
    if value not in SIGNALING_MODES:
        raise ValueError(f"signaling must be {meaning}, got {value!r}")
    return value


def normalize_seconds(name: str, value: object, *, none_means: str | None = None) -> float | None:
    """A time limit in seconds (> 0); None only where `none_means` says what None does."""
    if value is None and none_means is not None:
        return None
    or_none = f" or None ({none_means})" if none_means else ""
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number of seconds{or_none}, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be > 0 seconds{or_none}, got {value}")
    return float(value)


def normalize_tool_timeout(value: object) -> float | None:
    return normalize_seconds("tool_timeout_s", value, none_means="no limit")


def normalize_flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def normalize_log_path(value: object) -> Path | None:
    """None, or the path of the JSONL file every event is appended to."""
    if value is None:
        return None
    if not isinstance(value, str | os.PathLike) or not os.fspath(value):
        raise TypeError(f"log_path must be a file path (str or Path) or None, got {value!r}")
    return Path(value)
