"""`RealtimeSession`: a Realtime API conversation with no browser, over WebSocket.

The same call core as `RealtimeWidget` (`call.CallCore`: settings and live updates, what
waits for the session, tools, reconnect, the `Conversation`), carried by
`call.WebSocketTransport` (the official SDK's realtime WebSocket client) from this
process. For scripts, CI and notebooks without a microphone::

    async with RealtimeSession(instructions="Be brief.") as s:
        done = await s.send_text("What is the capital of France?")
        print(s.transcript)

Without an API key (argument or OPENAI_API_KEY) it talks to the built-in offline
emulator, started in this process.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import os
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal

import numpy as np

from . import api_facts as facts
from . import backend as backends
from . import config
from . import session_audio as audio
from .call import CallCore
from .call.commands import CallCommands
from .call.websocket_transport import WebSocketTransport
from .conversation import Conversation
from .conversation.log import Event
from .conversation_views import ConversationViews
from .live_facts import Api, api_of
from .protocols.select import protocol_for, warn_ignored
from .session_fields import SessionField, SessionHost
from .tools import ToolRegistry

log = logging.getLogger("realtime_widget")

#: Silence appended after spoken audio under server VAD, beyond its silence_duration_ms.
TRAILING_SILENCE_EXTRA_MS = 500
#: GPT-Live has no "done" event for a reply: it counts as done after this long with no
#: new transcript or audio of the model (and no delegation still being answered).
LIVE_REPLY_QUIET_S = 1.0
#: Silence after a spoken GPT-Live turn, so the model hears the turn end.
LIVE_TRAILING_SILENCE_MS = 1200
#: GPT-Live events that show the model is still answering.
_LIVE_REPLY_EVENTS = (
    "session.output_transcript.delta",
    "session.output_audio.delta",
    "session.delegation.created",
    # The kernel's answer to a delegation (client event): the spoken result follows it.
    "session.commentary.append",
    # A Responses backend at work (its nested stream), and the kernel answering its calls.
    "response.event",
    "response.item.create",
)
#: Nested Responses events that end a backend response.
_BACKEND_ENDS = ("response.completed", "response.failed", "response.incomplete")

#: Silence appended under semantic VAD (it has no silence_duration_ms; at low eagerness
#: the real API waits longer for the speaker to go on).
SEMANTIC_VAD_SILENCE_MS = 2000


def _calls_tools(done: Event) -> bool:
    response = done.get("response") or {}
    output = response.get("output") or []
    return any(isinstance(item, dict) and item.get("type") == "function_call" for item in output)


def _in_conversation(event: Event) -> bool:
    response = event.get("response") or {}
    return not (isinstance(response, dict) and response.get("conversation_id", "") is None)


class RealtimeSession(CallCommands, ConversationViews):
    """A conversation with the Realtime API from Python, over WebSocket (no browser).

    The same arguments as `RealtimeWidget` where they make sense; the session inputs are
    live attributes (`s.instructions = "..."` changes the running session at once).
    `await s.connect()` (or `async with`), then `await s.send_text(...)` /
    `await s.send_audio(...)`; read `transcript`, `usage`, `events`, `audio()`.

    A GPT-Live model (`gpt-live-1.1`) talks to GPT-Live over the SDK's `client.live.connect()`
    (`s.api == "live"`; `delegation` as in `RealtimeWidget`): text goes as speakable context,
    and a turn's reply counts as done after `LIVE_REPLY_QUIET_S` without new speech from the
    model (GPT-Live has no "done" event), once any delegation is answered.
    """

    model = SessionField("Realtime model; a running call keeps its model (next connect).")
    voice = SessionField("The model's voice; fixed once the model has spoken in a call.")
    instructions = SessionField("System instructions of the session.")
    turn_detection = SessionField("{'type': 'server_vad' | 'semantic_vad', …}; None: commit.")
    transcription = SessionField("Input transcription ({'model': …}); None: none.")
    noise_reduction = SessionField("'near_field' | 'far_field' | {…}; None: off.")
    output_modalities = SessionField("['audio'] (speech and its transcript) or ['text'].")
    tool_specs = SessionField("GA function tool schemas (the `tool` decorator writes them).")
    reasoning_effort = SessionField("gpt-realtime-2.x reasoning effort (None: default).")
    parallel_tool_calls = SessionField("gpt-realtime-2.x: several tool calls per response.")
    speed = SessionField("Speed of the model's voice, 0.25–1.5 (None: normal).")
    tracing = SessionField("OpenAI tracing: None, 'auto' or {'workflow_name', …}.")

    def __init__(
        self,
        model: str = facts.DEFAULT_MODEL,
        voice: str = facts.DEFAULT_VOICE,
        instructions: str = facts.DEFAULT_INSTRUCTIONS,
        turn_detection: str | Mapping[str, Any] | None = "server_vad",
        transcription: str | Mapping[str, Any] | None = facts.DEFAULT_TRANSCRIPTION_MODEL,
        noise_reduction: str | Mapping[str, Any] | None = None,
        output_modalities: str | tuple[str, ...] | list[str] = ("audio",),
        reasoning_effort: str | None = None,
        parallel_tool_calls: bool | None = None,
        speed: float | None = None,
        tracing: str | Mapping[str, Any] | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        log_path: str | os.PathLike[str] | None = None,
        auto_reconnect: bool = False,
        tool_timeout_s: float | None = 60.0,
        connect_timeout_s: float = 15.0,
        delegation: Mapping[str, Any] | None = None,
    ) -> None:
        # Validate everything before anything starts (no emulator, no connection).
        session, settings = config.checked_session(
            {
                "model": model,
                "voice": voice,
                "instructions": instructions,
                "turn_detection": turn_detection,
                "transcription": transcription,
                "noise_reduction": noise_reduction,
                "output_modalities": output_modalities,
                "reasoning_effort": reasoning_effort,
                "parallel_tool_calls": parallel_tool_calls,
                "speed": speed,
                "tracing": tracing,
            }
        )
        options = config.checked_call_options(
            api_key=api_key,
            base_url=base_url,
            log_path=log_path,
            auto_reconnect=auto_reconnect,
            tool_timeout_s=tool_timeout_s,
        )
        connect_timeout = config.normalize_seconds("connect_timeout_s", connect_timeout_s)
        assert connect_timeout is not None  # None is refused without `none_means`
        key, url, backend = backends.resolve_backend(options.api_key, options.base_url)
        if url is None:
            url = backends.emulator_base_url()
        #: "openai", or "emulator" when no key was found.
        self.backend: Literal["openai", "emulator"] = backend
        #: Where the session connects (its WebSocket is `…/v1/realtime?model=`).
        self.base_url = url
        #: Which voice API the model selects ("realtime" or "live" for gpt-live-*).
        self.api: Api = api_of(session["model"])
        protocol = protocol_for(self.api, delegation=delegation)
        warn_ignored(protocol, settings, "RealtimeSession")
        #: The conversation so far (event log, DataFrames, callbacks); outlives calls.
        self.conversation = Conversation(
            model=session["model"], log_path=options.log_path, protocol=protocol
        )
        #: Python functions the model may call (see `tool`); they run in this process.
        self.tools = ToolRegistry()
        self._host = SessionHost(key)
        # Ids of the responses created so far: a turn's reply is a response created after it.
        self._responses: set[str] = set()
        self._transport = WebSocketTransport(
            api_key=key,
            base_url=url,
            connect_timeout_s=connect_timeout,
            on_server_event=self._seen,
            api=self.api,
        )
        self._core = CallCore(
            self._transport,
            self._host,
            self.conversation,
            settings,
            protocol=protocol,
            tools=self.tools,
            tool_timeout=options.tool_timeout_s,
            auto_reconnect=options.auto_reconnect,
            secret=key,
        )
        self._transport.attach(self._core)
        self._frozen = True
        if backend == "emulator":
            log.info(
                "No OpenAI API key: using the offline emulator at %s. "
                "Set OPENAI_API_KEY or pass api_key= to talk to the real API.",
                url,
            )

    def __setattr__(self, name: str, value: Any) -> None:
        # A typo such as `s.instruction = ...` must not pass silently.
        if (
            not name.startswith("_")
            and getattr(self, "_frozen", False)
            and name not in self.__dict__
            and not hasattr(type(self), name)
        ):
            options = [n for n in dir(type(self)) if not n.startswith("_")]
            close = difflib.get_close_matches(name, options, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise AttributeError(f"RealtimeSession has no setting {name!r}{hint}")
        super().__setattr__(name, value)

    # -- the call -------------------------------------------------------------------------

    @property
    def status(self) -> str:
        """ "idle" | "connecting" | "connected" | "closing" | "error"."""
        return self._core.status

    @property
    def error(self) -> str:
        """The last connection error ("" when none); no secret in it."""
        return self._core.error

    @property
    def notices(self) -> list[dict[str, str]]:
        """What the session told you (refused updates, failed tools and callbacks, messages
        not sent), oldest first, as {"level", "text"}; each is also logged."""
        return self._host.notices

    async def connect(self, timeout: float = 30.0) -> None:
        """Connect and return once the session is ready (its settings applied).

        Raises RuntimeError with the reason (the server's message, no key in it) when the
        connection fails; TimeoutError after `timeout` seconds.
        """
        if self._core.status == "connected":
            return
        self._core.connect()
        await self._core.wait_until_connected(timeout)

    async def wait_until_connected(self, timeout: float = 30.0) -> None:
        """Wait until the session is ready (after `reconnect()`, say)."""
        await self._core.wait_until_connected(timeout)

    async def close(self) -> None:
        """Hang up and wait until the connection and its tasks are gone; the
        conversation stays readable."""
        if self._core.status in ("connecting", "connected") or self._core.connect_requested:
            self._core.disconnect()
        self._core.close()
        await self._transport.wait_closed()

    @property
    def running_tasks(self) -> int:
        """Tasks of this session's calls still running (0 after `await s.close()`)."""
        return self._transport.running_tasks

    async def __aenter__(self) -> RealtimeSession:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- turns ----------------------------------------------------------------------------

    async def send_text(  # type: ignore[override]  # the widget's is sync; a turn awaits here
        self,
        text: str,
        role: Literal["user", "system"] = "user",
        *,
        respond: bool | None = None,
        wait: bool = True,
        timeout: float = 60.0,
    ) -> Event | None:
        """Add a text message; a user message also asks for a response.

        Returns the `response.done` event of the reply once it is done, waiting past tool
        calls (their outputs go back and the model answers again) until a response with
        no function call; None with `wait=False` or when no response was asked for.
        """
        asks = respond if respond is not None else role == "user"
        before = set(self._responses)
        if self.api == "live":
            # GPT-Live has no typed user turn: the text goes as speakable context
            # (session.commentary.append), which the model may answer.
            with self._live_reply_watch() as watch:
                self._core.send_text(text, role, respond=respond)
                return await watch.wait(timeout) if wait and asks else None
        self._core.send_text(text, role, respond=respond)
        if not wait or not asks:
            return None
        return await self._reply(timeout, before)

    async def send_audio(
        self,
        source: Any,
        *,
        rate: int | None = None,
        wait: bool = True,
        timeout: float = 60.0,
        realtime: bool = False,
    ) -> Event | None:
        """Speak a turn: `source` is a WAV path, PCM16 bytes (24 kHz mono) or a numpy array
        (float in [-1, 1] or int16, at `rate`, default 24000), resampled to 24 kHz.

        Streams it as `input_audio_buffer.append` in 100 ms chunks (`realtime=True`: at
        the pace of speech; else as fast as the socket takes them). With server (or
        semantic) VAD, silence is appended so the turn ends there; with
        `turn_detection=None` the buffer is committed and a response asked for. Returns
        the reply's `response.done` (as `send_text`), None with `wait=False`.
        """
        samples = audio.load_audio(source, rate)
        if self.api == "live":
            return await self._send_live_audio(samples, wait, timeout, realtime)
        before = set(self._responses)
        turn = self._core.settings.values["turn_detection"]
        if turn is not None:
            quiet_ms = (
                SEMANTIC_VAD_SILENCE_MS
                if turn.get("type") == "semantic_vad"
                else int(turn.get("silence_duration_ms", 500)) + TRAILING_SILENCE_EXTRA_MS
            )
            pad = np.zeros(audio.RATE * quiet_ms // 1000, dtype=np.int16)
            samples = np.concatenate([samples, pad])
        events = [
            {"type": "input_audio_buffer.append", "audio": b64} for b64 in audio.chunks(samples)
        ]
        for i, event in enumerate(events):
            self.send_event(event)
            if realtime and i + 1 < len(events):
                await asyncio.sleep(audio.CHUNK / audio.RATE)
        if turn is None:
            self.send_event({"type": "input_audio_buffer.commit"})
            self.respond()
        if not wait:
            return None
        return await self._reply(timeout, before)

    def interrupt(self) -> bool:
        """Stop the model's current answer; False if there was nothing to stop.

        Over WebSocket the server neither tracks playback nor truncates: the client does.
        This session "plays" the model's audio as it arrives (it keeps every byte, nothing
        waits in a speaker buffer), so what was heard is all the audio received so far.
        It sends `response.cancel` (while the in-conversation response runs), then
        `conversation.item.truncate` of the item whose audio is arriving, at the length
        received (`audio_end_ms`); from then on the model no longer has the cut text.
        """
        return self._core.interrupt()

    async def _send_live_audio(
        self, samples: Any, wait: bool, timeout: float, realtime: bool
    ) -> Event | None:
        """GPT-Live: the audio (then silence) as `session.input_audio.append`; the model
        hears the turn end itself (no commit, no response request exist)."""
        pad = np.zeros(audio.RATE * LIVE_TRAILING_SILENCE_MS // 1000, dtype=np.int16)
        chunks = list(audio.chunks(np.concatenate([samples, pad])))
        with self._live_reply_watch() as watch:
            for i, b64 in enumerate(chunks):
                self.send_event({"type": "session.input_audio.append", "audio": b64})
                if realtime and i + 1 < len(chunks):
                    await asyncio.sleep(audio.CHUNK / audio.RATE)
            return await watch.wait(timeout) if wait else None

    def _live_reply_watch(self) -> _LiveReplyWatch:
        return _LiveReplyWatch(self)

    def _seen(self, event: Event) -> None:
        if event.get("type") == "response.created":
            response = event.get("response")
            if isinstance(response, dict) and isinstance(response.get("id"), str):
                self._responses.add(response["id"])

    async def _reply(self, timeout: float, before: set[str]) -> Event:
        """The next in-conversation `response.done` of a response created from now on
        (one cut by this turn is not its reply) with no function call in it (or one that
        did not complete); RuntimeError if the call ends first. `before`: the ids of
        the responses created before the turn."""

        def new_reply(event: Event) -> bool:
            response = event.get("response") or {}
            return _in_conversation(event) and response.get("id") not in before

        # One callback for the whole wait: re-arming a waiter per poll could miss a
        # response.done that arrived while the previous waiter was being cancelled.
        replies: asyncio.Queue[Event] = asyncio.Queue()

        def keep(event: Event) -> None:
            if new_reply(event):
                replies.put_nowait(event)

        self.conversation.on("response.done", keep)
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(f"no reply within {timeout:g} s (status {self.status!r})")
                try:
                    done = await asyncio.wait_for(replies.get(), min(remaining, 0.25))
                except TimeoutError:
                    if self._core.status not in ("connected", "connecting"):
                        raise RuntimeError(
                            "the call ended before the reply"
                            + (f": {self._core.error}" if self._core.error else "")
                        ) from None
                    continue
                status = (done.get("response") or {}).get("status")
                if status != "completed" or not _calls_tools(done):
                    return done
        finally:
            self.conversation.off("response.done", keep)

    # -- the model's audio ----------------------------------------------------------------

    def audio_items(self) -> list[str]:
        """Ids of the assistant items whose audio was received, oldest first."""
        return list(self._transport.audio.items)

    def audio(self, item_id: str | None = None) -> np.ndarray[Any, np.dtype[np.int16]]:
        """The model's audio of `item_id` (None: the last item that spoke) as int16
        samples, 24 kHz mono: `IPython.display.Audio(s.audio(), rate=24000)`."""
        items = self._transport.audio.items
        if item_id is None:
            if not items:
                raise LookupError("the model has not spoken yet in this session")
            item_id = next(reversed(items))
        if item_id not in items:
            raise LookupError(f"no audio received for item {item_id!r}; see s.audio_items()")
        return audio.as_array(bytes(items[item_id]))

    def save_audio(self, path: str | os.PathLike[str], item_id: str | None = None) -> None:
        """Write the model's audio of `item_id` (None: the last) as a 24 kHz mono WAV."""
        audio.write_wav(path, self.audio(item_id))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(model={self.model!r}, voice={self.voice!r}, "
            f"backend={self.backend!r}, status={self.status!r}, "
            f"events={len(self.conversation)})"
        )


class _LiveReplyWatch:
    """Waits for a GPT-Live reply: its first transcript or audio, then `LIVE_REPLY_QUIET_S`
    without any (a delegation keeps it waiting for the result the model speaks)."""

    def __init__(self, session: RealtimeSession) -> None:
        self._session = session
        self._last: Event | None = None
        self._changed = asyncio.Event()
        #: Client delegations not answered yet, and whether the model spoke since the last
        #: answer: a reply that delegated ends with the result spoken, not the "one moment".
        self._open_delegations = 0
        self._spoke_since_answer = True
        #: Responses backend responses under way (Responses delegation).
        self._backend_running = 0

    def __enter__(self) -> _LiveReplyWatch:
        for kind in _LIVE_REPLY_EVENTS:
            self._session.conversation.on(kind, self._keep)
        return self

    def __exit__(self, *_exc: object) -> None:
        for kind in _LIVE_REPLY_EVENTS:
            self._session.conversation.off(kind, self._keep)

    def _keep(self, event: Event) -> None:
        kind = event.get("type")
        if kind == "session.output_transcript.delta":
            self._last = event
            self._spoke_since_answer = True
        elif kind == "session.delegation.created":
            delegation = event.get("delegation") or {}
            if isinstance(delegation, dict) and delegation.get("target") == "client":
                self._open_delegations += 1
        elif kind == "session.commentary.append" and event.get("delegation_id"):
            self._open_delegations = max(0, self._open_delegations - 1)
            self._spoke_since_answer = False
        elif kind == "response.event":
            inner = event.get("event") or {}
            nested = inner.get("type") if isinstance(inner, dict) else None
            if nested == "response.created":
                self._backend_running += 1
                self._spoke_since_answer = False
            elif nested in _BACKEND_ENDS:
                self._backend_running = max(0, self._backend_running - 1)
        self._changed.set()

    @property
    def _done_speaking(self) -> bool:
        return (
            self._last is not None
            and self._open_delegations == 0
            and self._backend_running == 0
            and self._session._core.tools_running == 0
            and self._spoke_since_answer
        )

    async def wait(self, timeout: float) -> Event:
        """The reply's last `session.output_transcript.delta` (RuntimeError if the call
        ends first; TimeoutError after `timeout` s with no reply)."""
        session = self._session
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        heard = False
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no reply within {timeout:g} s (status {session.status!r})")
            quiet = LIVE_REPLY_QUIET_S if heard else 0.25
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, quiet))
                heard = self._done_speaking
                continue
            except TimeoutError:
                pass
            if session.status not in ("connected", "connecting"):
                if self._last is not None:
                    return self._last
                raise RuntimeError(
                    "the call ended before the reply"
                    + (f": {session.error}" if session.error else "")
                ) from None
            if heard and self._done_speaking and self._last is not None:
                return self._last
