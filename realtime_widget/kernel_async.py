"""Where the widget's HTTP requests to the API run: on the kernel's event loop, one
`httpx.AsyncClient` per widget (`LoopClient`), or on a thread outside a kernel (`run_soon`).

Shared by the two things the kernel posts for the browser: the client-secret mint
(`secret_rpc`, "browser" signaling) and the SDP offer (`offer_relay`, "kernel" signaling).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, Final

import httpx

# One small request each; a stalled network should fail in seconds, not minutes.
DEFAULT_TIMEOUT: Final = httpx.Timeout(connect=5.0, read=20.0, write=10.0, pool=5.0)

# Close tasks in flight: the loop keeps only weak references to tasks.
_CLOSING: set[asyncio.Task[None]] = set()


def run_soon(
    coro: Coroutine[Any, Any, None], tasks: set[asyncio.Task[None]], thread_name: str
) -> asyncio.Task[None] | None:
    """Run `coro` on the running loop (kept in `tasks` until done) and return its task;
    without a running loop (plain Python) on a daemon thread of its own (None returned).

    ipykernel dispatches comm messages on its asyncio loop, so requests made there keep the
    kernel responsive.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is None:
        threading.Thread(target=asyncio.run, args=(coro,), name=thread_name, daemon=True).start()
        return None
    task = loop.create_task(coro)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return task


class LoopClient:
    """One `httpx.AsyncClient` reused for every request of a widget.

    Making a client per request builds a TLS context (loads the CA bundle) and opens a new
    connection each time, which was most of the widget's connect-time overhead. An
    AsyncClient belongs to the event loop it was used on, so a request on another loop (the
    thread fallback outside a kernel) gets a fresh client. `close()` releases it.
    """

    def __init__(self, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    @property
    def client(self) -> httpx.AsyncClient | None:
        """The client in use (None before the first request and after close)."""
        return self._client

    def get(self) -> httpx.AsyncClient | None:
        """The client for the running loop (made on first use); None once closed."""
        if self._closed:
            return None
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop or self._client.is_closed:
            # A client from another (finished) loop cannot be closed from here; drop it.
            self._client = httpx.AsyncClient(
                timeout=DEFAULT_TIMEOUT, transport=self._transport, trust_env=True
            )
            self._loop = loop
        return self._client

    def close(self) -> None:
        """Closes the client (on its loop when that loop still runs). Idempotent."""
        self._closed = True
        client, loop = self._client, self._loop
        self._client = self._loop = None
        if client is None or client.is_closed or loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            task = loop.create_task(client.aclose())
            _CLOSING.add(task)
            task.add_done_callback(_CLOSING.discard)
        elif loop.is_running():
            asyncio.run_coroutine_threadsafe(client.aclose(), loop)
        else:
            loop.run_until_complete(client.aclose())
