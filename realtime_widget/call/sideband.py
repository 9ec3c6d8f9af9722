"""`Sideband`: the kernel's own WebSocket to the browser's WebRTC call.

The Realtime API lets a trusted server attach to a running WebRTC call by its id
(`wss://…/v1/realtime?call_id=rtc_…`, the standard key; the official SDK's
`client.realtime.connect(call_id=…)`). Attached, the kernel gets every server event of the
call straight from the server, and its client events (tool outputs, session updates,
anything Python sends) reach the session without the browser: a throttled background
tab or a held comm no longer stalls a tool call. The browser still carries the media
(microphone and the model's voice) and knows how much of the answer was heard, so an
interrupt stays the browser's (`output_audio_buffer.clear`, the server truncates).

Nothing is sent on attach (the session exists); the SDK never reconnects by itself (no
`on_reconnecting`): a dropped sideband is reported and the call goes on over the
browser's path. `SidebandState` is where it is: "off" (not wanted, or no call),
"attaching", "attached", "failed" (the attach was refused or timed out), "dropped" (it
was attached and the connection went away while the call ran; a normal close, 1000, is
the server ending the call and leaves it "off").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from realtime_widget.live_facts import Api
from realtime_widget.minting import redact

from .websocket_transport import connect_error_text, sdk_client

if TYPE_CHECKING:
    from openai.resources.realtime.realtime import AsyncRealtimeConnection

log = logging.getLogger("realtime_widget")

SidebandState = Literal["off", "attaching", "attached", "failed", "dropped"]
#: (epoch seconds, direction, event or raw text), as the call core takes them.
Record = tuple[float, Literal["server", "client"], dict[str, Any] | str]


class Sideband:
    """One sideband at a time for one widget's calls (see the module docstring).

    `on_server(records)` gets each server frame as it arrives; `on_client(records)` each
    client event once it is written; `on_state(state, detail)` each change of state
    (detail: why it failed or dropped, no secret in it).
    """

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        on_server: Callable[[list[Record]], None],
        on_client: Callable[[list[Record]], None],
        on_state: Callable[[SidebandState, str], None],
        attach_timeout_s: float = 10.0,
        api: Api = "realtime",
    ) -> None:
        self._api = api
        self._key = api_key
        self._base = base_url.rstrip("/")
        self._on_server = on_server
        self._on_client = on_client
        self._on_state = on_state
        self._timeout = attach_timeout_s
        self.state: SidebandState = "off"
        #: The call it is (or was last) attached to.
        self.call_id: str | None = None
        self._conn: AsyncRealtimeConnection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # where the attach runs
        self._queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._generation = 0  # a detach makes the tasks of the attempt before it stale
        # Import the SDK's client now, on the thread that builds the widget (a notebook
        # cell). ipykernel 7.4 may run comm handlers, and so the attach, on a subshell's
        # thread, and importing openai there for the first time hung for good while the
        # main thread was busy (seen in JupyterLab; the attach never left the import).
        import openai.resources.live.sideband
        import openai.resources.realtime.realtime  # noqa: F401
        import websockets.asyncio.client  # noqa: F401

    @property
    def attached(self) -> bool:
        return self.state == "attached"

    def attach(self, call_id: str) -> None:
        """Attach to `call_id` in the background, on the running event loop."""
        self.detach()
        self._generation += 1
        self.call_id = call_id
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._set("attaching", "")
        self._task = self._loop.create_task(self._run(self._generation, call_id))

    def detach(self) -> None:
        """Stop (the call ended or the sideband is no longer wanted); reports "off"."""
        self._generation += 1
        tasks = [t for t in (self._task, self._writer) if t is not None and not t.done()]
        self._task = self._writer = None
        conn, self._conn = self._conn, None

        def stop() -> None:
            for task in tasks:
                task.cancel()
            if conn is not None:
                asyncio.get_running_loop().create_task(_close_quietly(conn))

        if tasks or conn is not None:
            self._on_loop(stop)
        if self.state != "off":
            self._set("off", "")

    def send(self, event: dict[str, Any]) -> None:
        """Queue a checked client event (only while attached); from any thread."""
        if not self.attached:
            raise RuntimeError(f"the sideband is {self.state}, not attached")
        self._on_loop(self._queue.put_nowait, event)

    def _on_loop(self, fn: Callable[..., None], *args: Any) -> None:
        """Run `fn` on the sideband's loop. Under ipykernel 7 a cell (the main thread) and
        the widget's comm handlers (possibly a subshell's thread, where the attach ran)
        may be on different loops; an asyncio queue or task is only safe on its own."""
        loop = self._loop
        if loop is None or loop.is_closed():
            log.debug("the sideband's loop is gone; nothing to do")
            return
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if current is loop:
            fn(*args)
        else:
            loop.call_soon_threadsafe(fn, *args)

    async def wait_detached(self) -> None:
        """Wait for the tasks of the current attempt to finish (tests)."""
        for task in (self._task, self._writer):
            if task is not None:
                with contextlib.suppress(BaseException):
                    await task

    # -- running --------------------------------------------------------------------------

    def _set(self, state: SidebandState, detail: str) -> None:
        self.state = state
        self._on_state(state, redact(detail, self._key))

    def _stale(self, generation: int) -> bool:
        return generation != self._generation

    async def _run(self, generation: int, call_id: str) -> None:
        client = sdk_client(self._key, self._base)
        try:
            async with asyncio.timeout(self._timeout):
                conn = await self._open(client, call_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not self._stale(generation):
                self._set("failed", connect_error_text(exc, self._base, self._timeout))
            return
        if self._stale(generation):
            await _close_quietly(conn)
            return
        self._conn = conn
        self._writer = asyncio.get_running_loop().create_task(self._write(generation, conn))
        self._set("attached", "")
        await self._read(generation, conn)

    async def _open(self, client: Any, call_id: str) -> Any:
        """Attach by id: a Realtime call (`?call_id=`) or a GPT-Live session (its sideband,
        which the SDK would reconnect only with an `on_reconnecting`: none is given)."""
        if self._api == "live":
            return await client.live.sideband.connect(session_id=call_id).enter()
        return await client.realtime.connect(call_id=call_id).enter()

    async def _write(self, generation: int, conn: AsyncRealtimeConnection) -> None:
        while True:
            event = await self._queue.get()
            if event is None or self._stale(generation):
                return
            # Checked against the SDK types already: skip the SDK's per-send transform (about
            # 0.5-0.9 ms of CPU an event, a third of a turn; tests/call/test_client_wire.py).
            await conn.send_raw(json.dumps(event))
            if self._stale(generation):
                return
            self._on_client([(time.time(), "client", event)])

    async def _read(self, generation: int, conn: AsyncRealtimeConnection) -> None:
        from websockets.exceptions import ConnectionClosed

        while True:
            try:
                frame = await conn.recv_bytes()
            except ConnectionClosed as exc:
                if not self._stale(generation):
                    code = exc.rcvd.code if exc.rcvd is not None else 1006
                    if code == 1000:  # the server ended the call (a hangup): nothing lost
                        self._gone("", "off")
                    else:
                        self._gone(f"the sideband connection closed ({code})")
                return
            except Exception as exc:
                if not self._stale(generation):
                    self._gone(f"the sideband failed: {type(exc).__name__}: {exc}")
                return
            if self._stale(generation):
                return
            try:
                decoded = json.loads(frame)
            except ValueError:
                decoded = None
            payload = decoded if isinstance(decoded, dict) else frame.decode("utf-8", "replace")
            self._on_server([(time.time(), "server", payload)])

    def _gone(self, why: str, state: SidebandState = "dropped") -> None:
        self._generation += 1
        writer, self._writer = self._writer, None
        if writer is not None and not writer.done():
            writer.cancel()
        self._conn = None
        self._set(state, why)


async def _close_quietly(conn: AsyncRealtimeConnection) -> None:
    with contextlib.suppress(Exception):
        await conn.close()
