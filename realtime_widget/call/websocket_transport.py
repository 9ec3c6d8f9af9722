"""`WebSocketTransport`: a `call.Transport` over the official SDK's realtime WebSocket.

One call at a time, from this process (no browser): `AsyncOpenAI(...).realtime.connect()`
with no `on_reconnecting`, so the SDK never starts a fresh session on its own (a reconnect
is the core's, with the conversation as context). How a call goes:

1. `open()` starts a task; status `connecting`.
2. The socket opens (the model is in the URL); `session.created` arrives.
3. One `session.update` carries the whole session (`core.settings.for_new_call()`, its
   snapshot marked minted so the core sends no duplicate); once `session.updated`
   answers it, status `connected`. Refused (an `error` naming it) → status `error`.
4. A reader hands every frame to `core.receive` (JSON decoded once; a non-JSON frame is
   kept as its text); a writer sends what `send()` queued, in order, and logs each event
   as a client record once it is written, so the log has the real order.
5. The call ends: `close()` → `idle`; the server's normal close (1000) → `idle`; any
   other close (1001 after `session_expired`, 1006 after a drop) → `error`, saying so.

GPT-Live (`api="live"`, the SDK's `client.live.connect()`): the socket opens with no
model in the URL and nothing arrives first; the transport sends `session.start` with the
whole session (its `client_event_id` answers it) and `session.started` means connected. The
model's audio comes as `session.output_audio.delta` without item ids, so it is kept per
assistant turn (a turn ends when the user is heard or context is appended). The model
drives turn-taking: Interrupt sends nothing there.

Interrupt over WebSocket: there is no `output_audio_buffer` and the server does not
truncate. This client "plays" the model's audio as it receives it (it keeps every byte,
nothing is held back), so the heard part of the playing item is all the audio received
so far: `response.cancel`, then `conversation.item.truncate` at that length.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from realtime_widget.client_events import check_client_event
from realtime_widget.live_facts import Api
from realtime_widget.minting import redact

if TYPE_CHECKING:
    from openai import AsyncOpenAI
    from openai.resources.realtime.realtime import AsyncRealtimeConnection

    from .core import CallCore

log = logging.getLogger("realtime_widget")

#: PCM16 24 kHz mono: bytes of audio per millisecond.
PCM16_BYTES_PER_MS = 48
_CLOSE_TEXT = {
    1001: "the server ended the session (close 1001, going away)",
    1006: "the connection dropped (close 1006, no close frame)",
    1011: "the server failed (close 1011)",
}


def _error_of(body: bytes | str | None) -> str:
    """The API's error message in an HTTP error body (JSON or text)."""
    if not body:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        parsed = json.loads(text)
    except ValueError:
        return text.strip()[:300]
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return text.strip()[:300]


def realtime_ws_url(base_url: str) -> str:
    """The SDK's `websocket_base_url` for an http(s) origin: ws(s)://host/v1."""
    scheme, rest = base_url.rstrip("/").split("://", 1)
    return {"http": "ws", "https": "wss"}.get(scheme, scheme) + "://" + rest + "/v1"


@functools.lru_cache(maxsize=8)
def sdk_client(api_key: str, base_url: str) -> AsyncOpenAI:
    """One `AsyncOpenAI` per key and server for the whole process.

    Only its `realtime.connect` is used (a WebSocket of its own per call; no HTTP request
    goes through the client), so sharing it across calls and event loops is safe, and it
    saves what building one costs: its SSL context loads the CA bundle (30-45 ms of CPU
    and about 0.8 MB per client; benchmarks/evals_grid.py found it in every connect).
    """
    from openai import AsyncOpenAI

    return AsyncOpenAI(
        api_key=api_key, base_url=base_url + "/v1", websocket_base_url=realtime_ws_url(base_url)
    )


def connect_error_text(exc: BaseException, base_url: str, timeout_s: float) -> str:
    """Why a WebSocket did not open, for a person (the server's message when it sent one)."""
    from websockets.exceptions import InvalidStatus

    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        message = _error_of(exc.response.body)
        return f"the server refused the connection (HTTP {status})" + (
            f": {message}" if message else ""
        )
    if isinstance(exc, TimeoutError):
        return f"no connection after {timeout_s:g} s"
    if isinstance(exc, OSError):
        return f"cannot reach {base_url}: {exc.strerror or exc}"
    return f"the connection failed: {type(exc).__name__}: {exc}"


#: GPT-Live events after which the model's next audio is a new turn.
_LIVE_TURN_ENDS = frozenset(
    {
        "session.input_transcript.delta",
        "session.commentary.appended",
        "session.thinking.appended",
        "session.delegation.created",
    }
)


class ReceivedAudio:
    """The model's audio as received, per item (PCM16 24 kHz mono bytes), in order.

    GPT-Live's audio has no item ids: each assistant turn is an item `live_audio_<n>`."""

    def __init__(self) -> None:
        self.items: dict[str, bytearray] = {}
        #: The assistant item whose audio is arriving (None between answers).
        self.playing: tuple[str, int] | None = None
        self._live_turn = 0

    def feed(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "session.output_audio.delta":
            delta = event.get("delta")
            if isinstance(delta, str):
                if self.playing is None:
                    self._live_turn += 1
                turn = f"live_audio_{self._live_turn}"
                self.items.setdefault(turn, bytearray()).extend(base64.b64decode(delta))
                self.playing = (turn, 0)
        elif kind in _LIVE_TURN_ENDS:
            self.playing = None
        elif kind == "response.output_audio.delta":
            item_id = event.get("item_id")
            delta = event.get("delta")
            if isinstance(item_id, str) and isinstance(delta, str):
                self.items.setdefault(item_id, bytearray()).extend(base64.b64decode(delta))
                index = event.get("content_index", 0)
                self.playing = (item_id, index if isinstance(index, int) else 0)
        elif kind in ("response.output_audio.done", "response.done"):
            self.playing = None

    def played_ms(self, item_id: str) -> int:
        return len(self.items.get(item_id, b"")) // PCM16_BYTES_PER_MS


class _Call:
    """One WebSocket call: its connection, its queue of events to write, its tasks."""

    def __init__(self) -> None:
        self.conn: AsyncRealtimeConnection | None = None
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.writer: asyncio.Task[None] | None = None
        self.detached = False  # closed by us: it reports nothing more
        self.live = False  # session.updated answered the first session.update
        self.setup_id: str | None = None
        self.last_error = ""


class WebSocketTransport:
    """Carries the calls of one `CallCore` over WebSocket (see the module docstring).

    Create it, create the core with it, then `attach(core)`.
    """

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        connect_timeout_s: float = 15.0,
        on_server_event: Callable[[dict[str, Any]], None] | None = None,
        api: Api = "realtime",
    ) -> None:
        self._api = api
        self._key = api_key
        self._base = base_url.rstrip("/")
        self._timeout = connect_timeout_s
        self._core: CallCore | None = None
        self._call: _Call | None = None
        self._ending: set[asyncio.Task[None]] = set()
        self._on_server_event = on_server_event
        #: The model's audio, per item, as received (all calls of the conversation).
        self.audio = ReceivedAudio()

    def attach(self, core: CallCore) -> None:
        self._core = core

    @property
    def core(self) -> CallCore:
        if self._core is None:
            raise RuntimeError("WebSocketTransport.attach(core) was not called")
        return self._core

    @property
    def ws_url(self) -> str:
        return realtime_ws_url(self._base)

    # -- call.Transport -------------------------------------------------------------------

    def open(self) -> None:
        if self._call is not None:
            log.info("a call is already running; connect ignored")
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "a WebSocket session needs a running event loop: call it from async code "
                "(await s.connect(), asyncio.run(...), or a notebook cell)"
            ) from None
        call = self._call = _Call()
        call.task = loop.create_task(self._run(call))

    def close(self) -> None:
        call, self._call = self._call, None
        if call is None:
            return
        call.detached = True
        self._end(call)
        if self.core.status not in ("idle", "error"):
            self.core.status_changed("idle")

    def send(self, event: dict[str, Any]) -> None:
        call = self._call
        if call is None:
            raise RuntimeError("no WebSocket call is running: connect first")
        call.queue.put_nowait(event)

    def interrupt(self) -> None:
        if self._api == "live":
            # Nothing stops a GPT-Live answer from the client; this client "plays" as it
            # receives, so there is nothing to silence either.
            self.audio.playing = None
            return
        if self.core.facts.active_response is not None:
            self.send(check_client_event({"type": "response.cancel"}))
        playing = self.audio.playing
        if playing is not None:
            item_id, index = playing
            self.send(
                check_client_event(
                    {
                        "type": "conversation.item.truncate",
                        "item_id": item_id,
                        "content_index": index,
                        "audio_end_ms": self.audio.played_ms(item_id),
                    }
                )
            )
            self.audio.playing = None

    # -- ending ---------------------------------------------------------------------------

    async def wait_closed(self) -> None:
        """Wait until every call this transport started has finished (tasks included)."""
        while self._ending:
            await asyncio.gather(*list(self._ending), return_exceptions=True)

    @property
    def running_tasks(self) -> int:
        """Tasks of calls that have not finished (0 after `wait_closed()`)."""
        call = self._call
        own = [call.task, call.writer] if call is not None else []
        return sum(1 for t in [*own, *self._ending] if t is not None and not t.done())

    def _end(self, call: _Call) -> None:
        """Stop a detached call's tasks and close its socket, in the background."""
        call.queue.put_nowait(None)
        task = asyncio.get_running_loop().create_task(self._shutdown(call))
        self._ending.add(task)
        task.add_done_callback(self._ending.discard)

    async def _shutdown(self, call: _Call) -> None:
        current = asyncio.current_task()
        for task in (call.task, call.writer):
            if task is not None and task is not current and not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        if call.conn is not None:
            with contextlib.suppress(Exception):
                await call.conn.close()

    def _finish(self, call: _Call, status: str, error: str = "") -> None:
        """The call ended by itself (not by `close()`): report it once."""
        if call.detached:
            return
        call.detached = True
        if self._call is call:
            self._call = None
        self._end(call)
        if status == "error":
            text = redact(error, self._key)
            log.warning("the WebSocket call ended: %s", text)
            self.core.status_changed("error", text)
        else:
            self.core.status_changed("idle")

    # -- the call -------------------------------------------------------------------------

    async def _run(self, call: _Call) -> None:
        core = self.core
        core.status_changed("connecting")
        try:
            async with asyncio.timeout(self._timeout):
                call.conn = await self._connect(core.settings.values["model"])
        except Exception as exc:
            self._finish(call, "error", connect_error_text(exc, self._base, self._timeout))
            return
        if call.detached:
            return
        call.writer = asyncio.get_running_loop().create_task(self._write(call))
        if self._api == "live":
            self._start_live(call)
        try:
            await self._read(call)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._finish(call, "error", f"the connection failed: {type(exc).__name__}: {exc}")

    async def _connect(self, model: str) -> AsyncRealtimeConnection:
        # No on_reconnecting: the SDK must never start a fresh session by itself.
        client = sdk_client(self._key, self._base)
        if self._api == "live":
            conn: Any = await client.live.connect().enter()
            return cast("AsyncRealtimeConnection", conn)  # the same socket interface
        return await client.realtime.connect(model=model).enter()

    def _start_live(self, call: _Call) -> None:
        """GPT-Live: `session.start` carries the whole session (model included)."""
        core = self.core
        session, snapshot = core.settings.for_new_call()
        core.settings.minted(snapshot)
        start = core.protocol.check_client_event({"type": "session.start", "session": session})
        call.setup_id = start["event_id"]
        call.queue.put_nowait(start)

    async def _write(self, call: _Call) -> None:
        conn = call.conn
        assert conn is not None
        while True:
            event = await call.queue.get()
            if event is None:
                return
            # Checked against the SDK types already: skip the SDK's per-send transform (about
            # 0.5-0.9 ms of CPU an event, a third of a turn; tests/call/test_client_wire.py).
            await conn.send_raw(json.dumps(event))
            if call.detached:
                return
            self.core.receive([(time.time(), "client", event)])

    async def _read(self, call: _Call) -> None:
        from websockets.exceptions import ConnectionClosed

        conn = call.conn
        assert conn is not None
        while True:
            try:
                frame = await conn.recv_bytes()
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd is not None else 1006
                if code == 1000:
                    self._finish(call, "idle")
                else:
                    why = _CLOSE_TEXT.get(code, f"the server closed the connection ({code})")
                    if exc.rcvd is not None and exc.rcvd.reason:
                        why += f": {exc.rcvd.reason}"
                    if call.last_error:
                        why += f"; last error: {call.last_error}"
                    self._finish(call, "error", why)
                return
            if call.detached:
                return
            self._take(call, frame)

    def _take(self, call: _Call, frame: bytes) -> None:
        payload: dict[str, Any] | str
        try:
            decoded = json.loads(frame)
        except ValueError:
            decoded = None
        payload = decoded if isinstance(decoded, dict) else frame.decode("utf-8", "replace")
        if isinstance(payload, dict):
            self.audio.feed(payload)
            if self._on_server_event is not None:
                self._on_server_event(payload)
        self.core.receive([(time.time(), "server", payload)])
        if isinstance(payload, dict) and not call.detached:
            self._setup(call, payload)

    def _setup(self, call: _Call, event: dict[str, Any]) -> None:
        """session.created → the session.update; its answer → connected (or error)."""
        kind = event.get("type")
        if kind == "error":
            error = event.get("error")
            message = error.get("message") if isinstance(error, dict) else None
            call.last_error = str(message or "")
            # The Realtime API names the client event in error.event_id; GPT-Live in
            # error.client_event_id (and the event's own client_event_id).
            named = (
                {error.get("event_id"), error.get("client_event_id"), event.get("client_event_id")}
                if isinstance(error, dict)
                else set()
            )
            if not call.live and call.setup_id is not None and call.setup_id in named:
                self._finish(call, "error", f"the server refused the session: {message}")
            return
        if call.live:
            return
        if self._api == "live":
            if kind == "session.started":
                call.live = True
                self.core.status_changed("connected")
            return
        if kind == "session.created" and call.setup_id is None:
            session, snapshot = self.core.settings.for_new_call()
            session.pop("model", None)  # it is in the URL
            self.core.settings.minted(snapshot)
            update = check_client_event({"type": "session.update", "session": session})
            call.setup_id = update["event_id"]
            call.queue.put_nowait(update)
        elif kind == "session.updated" and call.setup_id is not None:
            call.live = True
            self.core.status_changed("connected")
