"""A TCP proxy between the browser and JupyterLab that a test can cut or hold (loopback only).

`cut(blackhole_s)` is a network dropout: for `blackhole_s` seconds every byte is silently
discarded (both ways, connections stay open, so the page believes its messages left), then
every connection is aborted, as when TCP finally gives up. The page's kernel websocket dies
with messages lost in flight and JupyterLab reconnects through the proxy, which keeps
accepting, so the page comes back by itself. `hold()` / `release()` stall the connections
without losing a byte (a page whose kernel websocket is held up).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit


class CuttableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._loop = asyncio.new_event_loop()
        self._links: set[asyncio.Transport] = set()
        self._blackhole = False
        # While set, bytes wait here in order (both ways) instead of going on: `hold()`.
        self._held: list[tuple[asyncio.StreamWriter, bytes]] | None = None
        #: Bytes discarded during dropouts (a test checks something was really lost).
        self.discarded = 0
        self.cuts = 0
        self.connections = 0
        ready = threading.Event()
        self.port = 0

        async def start() -> None:
            server = await asyncio.start_server(self._link, "127.0.0.1", 0)
            self.port = server.sockets[0].getsockname()[1]
            self._server = server
            ready.set()

        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(start(), self._loop).result(10)
        ready.wait(10)

    def url_for(self, url: str) -> str:
        """`url` (of the target) as seen through the proxy."""
        parts = urlsplit(url)
        return urlunsplit(parts._replace(netloc=f"127.0.0.1:{self.port}"))

    def cut(self, blackhole_s: float = 1.0) -> int:
        """A dropout of `blackhole_s` seconds, then every connection aborted; returns how many
        connections were cut."""

        async def dropout() -> int:
            self._blackhole = True
            await asyncio.sleep(blackhole_s)
            links = list(self._links)
            for transport in links:
                transport.abort()
            self._links.clear()
            self._blackhole = False
            return len(links)

        self.cuts += 1
        return asyncio.run_coroutine_threadsafe(dropout(), self._loop).result(blackhole_s + 5)

    def hold(self) -> None:
        """From now on nothing goes through (both ways) but nothing is lost either: the
        page's messages seem sent, as when a busy or hidden page's kernel websocket stalls."""

        async def start() -> None:
            self._held = []

        asyncio.run_coroutine_threadsafe(start(), self._loop).result(5)

    def release(self) -> int:
        """Deliver what was held, in order; returns how many bytes."""

        async def flush() -> int:
            held, self._held = self._held or [], None
            for dst, data in held:
                if not dst.is_closing():
                    dst.write(data)
            return sum(len(data) for _, data in held)

        return asyncio.run_coroutine_threadsafe(flush(), self._loop).result(5)

    def close(self) -> None:
        async def stop() -> None:
            self._server.close()
            for transport in list(self._links):
                transport.abort()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        pair = (writer.transport, up_writer.transport)
        self._links.update(pair)  # type: ignore[arg-type]

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    if self._blackhole:
                        self.discarded += len(data)
                        continue
                    if self._held is not None:
                        self._held.append((dst, data))
                        continue
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        for transport in pair:
            self._links.discard(transport)  # type: ignore[arg-type]


@contextlib.contextmanager
def cuttable_proxy(url: str) -> Iterator[CuttableProxy]:
    parts = urlsplit(url)
    proxy = CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 80)
    try:
        yield proxy
    finally:
        proxy.close()
