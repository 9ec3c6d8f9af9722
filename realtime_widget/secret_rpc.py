"""The kernel's answer to the browser's `rpc` for a client secret ("browser" signaling).

The browser asks; the kernel mints a short-lived secret with the standard key (which never
leaves the kernel) for the session the call will start with, and replies exactly once with
the same `id`: the only message that ever carries a secret, and it is never logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from .kernel_async import run_soon
from .minting import AsyncMinter, ClientSecret, RealtimeAPIError, mint_client_secret, redact
from .rpc_methods import error_reply, ok_reply

log = logging.getLogger("realtime_widget")

JSON = dict[str, Any]


class SecretRpc:
    """Mints client secrets on request and replies through `reply`."""

    def __init__(self, api_key: str, base_url: str, reply: Callable[[JSON], None]) -> None:
        self._api_key = api_key  # private: never a trait, never in a message or log line
        self._base_url = base_url
        self._reply = reply
        # One HTTP client for every mint of this widget (closed by close()).
        self._minter = AsyncMinter()
        self._tasks: set[asyncio.Task[None]] = set()
        #: The last minting failure (None after a success).
        self.error: RealtimeAPIError | None = None

    def handle(
        self,
        rid: int,
        new_call: Callable[[], tuple[JSON, JSON]],
        minted: Callable[[JSON], None],
        ttl_s: int,
    ) -> None:
        """Answer the `client_secret` request `rid` (checked by `rpc_methods`); `new_call()`
        gives (session payload, snapshot) and `minted(snapshot)` is told when the secret is
        on its way."""
        session, snapshot = new_call()
        run_soon(
            self._mint_and_reply(rid, session, snapshot, minted, ttl_s),
            self._tasks,
            "realtime-widget-mint",
        )

    def mint_now(self, session: JSON, ttl_s: int) -> ClientSecret:
        """Mint blocking (scripts and tests). Raises `RealtimeAPIError`."""
        return mint_client_secret(self._api_key, self._base_url, session, ttl_s)

    def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._minter.close()

    async def _mint_and_reply(
        self,
        rid: int,
        session: JSON,
        snapshot: JSON,
        minted: Callable[[JSON], None],
        ttl_s: int,
    ) -> None:
        try:
            secret = await self._minter.mint(self._api_key, self._base_url, session, ttl_s)
        except RealtimeAPIError as exc:
            self.error = exc
            log.warning("could not mint a client secret: %s", exc.message)
            self._reply(error_reply(rid, exc))
            return
        except Exception as exc:  # a bug here must still answer the browser
            err = RealtimeAPIError(
                f"internal error while minting a client secret: {type(exc).__name__}: "
                f"{redact(str(exc), self._api_key)}",
                code="internal_error",
            )
            self.error = err
            log.error("%s", err.message)
            self._reply(error_reply(rid, err))
            return
        self.error = None
        minted(snapshot)
        # The only message that carries a client secret; it is never logged.
        self._reply(ok_reply(rid, secret.to_json()))
