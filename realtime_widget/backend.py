"""Which Realtime API the widget talks to: OpenAI with a key, else the built-in emulator."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Final, Literal

from . import api_facts as facts
from . import config


def emulator_base_url() -> str:
    """Start (or reuse) the built-in emulator and return its URL."""
    try:
        from .emulator.background import shared_emulator
    except ImportError as exc:
        if exc.name and exc.name.split(".")[0] in {"aiortc", "aiohttp", "aioice", "av", "numpy"}:
            # They are default dependencies: only a broken or --no-deps install lacks them.
            raise ImportError(
                "No OpenAI API key was given (api_key= or OPENAI_API_KEY), so the widget "
                f"would use the built-in offline emulator, which needs {exc.name!r}, missing "
                "from this environment: pip install realtime-widget (installs aiortc, aiohttp "
                "and numpy), or give an API key"
            ) from exc
        raise
    emulator = shared_emulator()
    url = config.normalize_base_url(emulator.base_url)
    assert url is not None
    return url


def resolve_backend(
    api_key: str | None, base_url: str | None, environ: Mapping[str, str] | None = None
) -> tuple[str, str | None, Literal["openai", "emulator"]]:
    """(key, base_url, backend) from the arguments and the environment.

    The key is the argument, else OPENAI_API_KEY; with neither, the backend is the
    emulator and the key a random per-process one (base_url None means: start the
    built-in emulator). The returned key is a secret: keep it out of every message.
    """
    env = os.environ if environ is None else environ
    key = config.normalize_api_key(api_key)
    if key is None:
        env_key = env.get("OPENAI_API_KEY", "").strip()
        key = config.normalize_api_key(env_key) if env_key else None
    if key is not None:
        return key, base_url or facts.DEFAULT_BASE_URL, "openai"
    return EMULATOR_KEY, base_url, "emulator"


# Any non-empty key works with the emulator; one random key per process keeps logs of
# several kernels apart and never resembles a real key.
EMULATOR_KEY: Final = "emulator-" + secrets.token_urlsafe(12)
