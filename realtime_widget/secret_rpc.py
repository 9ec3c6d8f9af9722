"""The kernel's answer to the browser's `rpc` for a client secret ("browser" signaling).

The browser asks; the kernel mints a short-lived secret with the standard key (which never
leaves the kernel) for the session the call will start with, and replies exactly once with
the same `id`: the only message that ever carries a secret, and it is never logged.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from .minting import AsyncMinter, ClientSecret, RealtimeAPIError, mint_client_secret, redact

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
        msg: Mapping[str, Any],
        new_call: Callable[[], tuple[JSON, JSON]],
        minted: Callable[[JSON], None],
        ttl_s: int,
    ) -> None:
        """Answer one `rpc` message; `new_call()` gives (session payload, snapshot) and
        `minted(snapshot)` is told when the secret is on its way."""
        rid = msg.get("id")
        if not isinstance(rid, int) or isinstance(rid, bool):
            log.warning("rpc request without an int id; cannot answer it")
            return
        method = msg.get("method")
        if method != "client_secret":
            self._reply_error(
                rid,
                RealtimeAPIError(
                    f"unknown rpc method {method!r}; the kernel answers 'client_secret'",
                    code="unknown_method",
                ),
            )
            return
        session, snapshot = new_call()
        self._run(self._mint_and_reply(rid, session, snapshot, minted, ttl_s))

    def mint_now(self, session: JSON, ttl_s: int) -> ClientSecret:
        """Mint blocking (scripts and tests). Raises `RealtimeAPIError`."""
        return mint_client_secret(self._api_key, self._base_url, session, ttl_s)

    def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._minter.close()

    def _run(self, coro: Coroutine[Any, Any, None]) -> None:
        # ipykernel dispatches comm messages on its asyncio loop, so minting there keeps the
        # kernel responsive; without a running loop (plain Python) a thread does the job.
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            task = loop.create_task(coro)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            threading.Thread(
                target=asyncio.run, args=(coro,), name="realtime-widget-mint", daemon=True
            ).start()

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
            self._reply_error(rid, exc)
            return
        except Exception as exc:  # a bug here must still answer the browser
            err = RealtimeAPIError(
                f"internal error while minting a client secret: {type(exc).__name__}: "
                f"{redact(str(exc), self._api_key)}",
                code="internal_error",
            )
            self.error = err
            log.error("%s", err.message)
            self._reply_error(rid, err)
            return
        self.error = None
        minted(snapshot)
        # The only message that carries a client secret; it is never logged.
        self._reply({"type": "rpc-reply", "id": rid, "ok": True, "result": secret.to_json()})

    def _reply_error(self, rid: int, err: RealtimeAPIError) -> None:
        self._reply({"type": "rpc-reply", "id": rid, "ok": False, "error": err.to_json()})
