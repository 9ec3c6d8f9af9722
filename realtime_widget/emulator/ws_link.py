"""One emulated WebSocket session: an aiohttp WebSocket bound to a session engine.

The WebSocket interface (`GET /v1/realtime?model=…`, upgraded) carries one JSON event per
text frame in both directions. There is no media track: the engine runs with
`EngineOptions.transport = "websocket"`, so the model's voice leaves as
`response.output_audio.delta` events and the user's arrives as `input_audio_buffer.append`.
`WebSocketLink` is the engine's `CallLink` here, as `peer.CallPeer` is over WebRTC.

How a session ends, as close frames (what the SDK sees):

- the client closes: the engine stops, nothing more is sent;
- `session_expired`: the engine's `error` event goes out first, then close code 1001
  (going away; the SDK's optional reconnect counts it recoverable and would start a
  fresh session with no context);
- hangup (`Emulator.hangup`): 1000; the emulator stopping: 1001;
- the drop faults (`Faults.drop_channel_after_response_events`,
  `drop_peer_after_response_events`): the TCP connection is aborted with no close frame
  (the client sees 1006, as after a network drop): a WebSocket has one channel only;
- `Faults.silent_calls`: while set, frames are dropped both ways and nothing closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
_CLOSE_FLUSH_S = 1.0  # longest wait for queued events when the engine ends a session
# Why a session ended -> the close code sent (None: abort, no close frame).
_CLOSE_CODES: dict[str, int | None] = {
    "session_expired": CLOSE_GOING_AWAY,
    "emulator_stopped": CLOSE_GOING_AWAY,
    "hangup": CLOSE_NORMAL,
}


class SocketEngine(Protocol):
    """What the link needs from a session engine (see engine.SessionEngine)."""

    def start(self) -> None: ...
    def handle_message(self, text: str) -> None: ...
    def close(self) -> None: ...


class WebSocketLink:
    """The WebSocket side of one session; implements the engine's `CallLink`.

    Create it, build the engine with `link=link`, `attach(engine)`, then `await serve()`
    (from the request handler, after the upgrade): it sends `session.created` (the
    engine's `start`) and hands each text frame to the engine until the socket closes.
    `on_closed(reason)` runs once when the session ends for any reason.
    """

    def __init__(
        self,
        *,
        call_id: str,
        request: web.Request,
        ws: web.WebSocketResponse,
        on_closed: Callable[[str], None],
        silent: Callable[[], bool] | None = None,
        owns_engine: bool = True,
    ) -> None:
        self.call_id = call_id
        # False for a sideband (sideband.py): the session is the call's; the link
        # neither starts it (no session.created) nor ends it when it closes.
        self.owns_engine = owns_engine
        self._request = request
        self._ws = ws
        self._on_closed = on_closed
        self._silent: Callable[[], bool] = silent or (lambda: False)
        self._engine: SocketEngine | None = None
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self._done = asyncio.Event()
        self.close_reason: str | None = None
        self.created_at = time.monotonic()
        self.channel_open_at: float | None = None
        self.messages_dropped = 0
        self.frames_received = 0

    def attach(self, engine: SocketEngine) -> None:
        self._engine = engine

    @property
    def closed(self) -> bool:
        return self._closed

    # -- CallLink -----------------------------------------------------------------

    def send_text(self, text: str) -> None:
        if self._closed or self._silent():
            self.messages_dropped += 1
            return
        self._outbox.put_nowait(text)

    def close_channel(self) -> bool:
        self._spawn(self._close_async("fault: drop_channel_after_response_events", abort=True))
        return False  # a WebSocket is its session's only channel

    def close_call(self, reason: str) -> None:
        abort = reason.startswith("fault:")
        self._spawn(
            self._close_async(reason, flush_s=0.0 if abort else _CLOSE_FLUSH_S, abort=abort)
        )

    # -- running ------------------------------------------------------------------

    async def serve(self) -> None:
        """Run the session until the socket closes (the upgrade is done)."""
        self._writer = asyncio.get_running_loop().create_task(self._write())
        self.channel_open_at = time.monotonic()
        if self._engine is not None and self.owns_engine:
            self._engine.start()
        try:
            async for msg in self._ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break  # ERROR: the connection failed
                self.frames_received += 1
                if self._engine is None or self._closed or self._silent():
                    continue
                data: Any = msg.data
                text = data if isinstance(data, str) else bytes(data).decode("utf-8", "replace")
                self._engine.handle_message(text)
        finally:
            await self._close_async("client_closed")
            await self._done.wait()

    async def close(self, reason: str = "closed") -> None:
        await self._close_async(reason)

    async def _write(self) -> None:
        while True:
            text = await self._outbox.get()
            if text is None:
                return
            try:
                await self._ws.send_str(text)
            except (ConnectionError, RuntimeError):  # the socket went away under us
                self.messages_dropped += 1

    async def _close_async(self, reason: str, *, flush_s: float = 0.0, abort: bool = False) -> None:
        if self._closed:
            return
        self._closed = True
        self.close_reason = reason
        try:
            if self._engine is not None and self.owns_engine:
                self._engine.close()
            await self._stop_writer(flush_s)
            current = asyncio.current_task()
            for task in list(self._tasks):
                if task is not current:
                    task.cancel()
            code = None if abort else _CLOSE_CODES.get(reason, CLOSE_NORMAL)
            transport = self._request.transport
            if code is None and transport is not None:
                transport.abort()
            elif code is not None and not self._ws.closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(
                        self._ws.close(code=code, message=reason.encode()[:120]), _CLOSE_FLUSH_S
                    )
            try:
                self._on_closed(reason)
            except Exception:  # a bookkeeping bug must not leave the session half closed
                log.exception("on_closed callback failed for %s", self.call_id)
        finally:
            self._done.set()

    async def _stop_writer(self, flush_s: float) -> None:
        """Send what is queued (within `flush_s`; at once if 0), then stop the writer."""
        writer = self._writer
        if writer is None:
            return
        if flush_s > 0:
            self._outbox.put_nowait(None)
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(writer), flush_s)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await writer

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
