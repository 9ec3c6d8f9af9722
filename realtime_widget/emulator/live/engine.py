"""The GPT-Live session engine: one Live session's protocol, whatever carries it.

`LiveEngine` is the Live twin of `engine.SessionEngine`: the same fronts drive it (a
`peer.CallPeer` over WebRTC, a `ws_link.WebSocketLink` over WebSocket, sidebands through
`sideband.CallPaths`), it reuses the Realtime engine's parts (`vad.EnergyVad` for turns,
`transcribe` for what the user said, `replies` for what the model says, `speech` and
`audio_out` for its voice, `faults`), and its rules are in this package's docstring.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import time
from collections.abc import Callable, Coroutine
from typing import Any

import numpy as np
import numpy.typing as npt

from ..audio_events import decode, encode, resample
from ..audio_out import AudioOut
from ..engine_context import CallLink, EngineOptions, EngineStats, EngineTasks, MessageGate, new_id
from ..replies import ReplyContext, ReplyPlanner
from ..sideband import CallPaths
from ..speech import SAMPLE_RATE, synthesize
from ..transcribe import split_deltas, transcript_for
from ..vad import EnergyVad, VadConfig
from . import config as lc
from . import responses_backend as backend
from .turns import ACKNOWLEDGEMENT, delegates

Handler = Callable[[dict[str, Any], str | None], None]

SESSION_EXPIRED_REASON = "expired"
_CHUNK_MS = 200  # the longest output audio delta over WebSocket
_PCM16_RATES = (16_000, 24_000)


def _format_rate(fmt: dict[str, Any] | None) -> int:
    """A Live audio format's rate (`audio/pcm` takes 16 or 24 kHz; G.711 is 8 kHz)."""
    fmt = fmt or {"type": "audio/pcm", "rate": 24_000}
    if fmt.get("type", "audio/pcm") == "audio/pcm":
        rate = fmt.get("rate", 24_000)
        return int(rate) if rate in _PCM16_RATES else 24_000
    return 8_000


class LiveEngine:
    """One GPT-Live session. Over WebRTC it starts on creation (`start()` when the data
    channel opens sends `session.started`); over WebSocket it waits for `session.start`."""

    def __init__(
        self,
        *,
        session_id: str,
        link: CallLink,
        options: EngineOptions,
        session: dict[str, Any] | None = None,
    ) -> None:
        self.session_id = session_id
        self._link = link
        self.options = options
        self.audio_out = AudioOut()
        self.stats = EngineStats()
        # None until the session starts (WebSocket: `session.start`); then the resolved config.
        self._config: dict[str, Any] | None = (
            lc.resolved_session(session) if session is not None else None
        )
        self._websocket = options.transport == "websocket"
        self._opened = False  # the transport is up (data channel open / socket upgraded)
        self._started = False  # session.started sent
        self._closed = False
        self._ended = False  # session.closed sent
        self._t0 = time.monotonic()
        self._created_at = time.time()
        self._tasks = EngineTasks()
        self._inbox = MessageGate(self._dispatch)
        self._vad = EnergyVad(VadConfig())
        self._planner = ReplyPlanner(options.replies)
        self._muted = False
        self._speech_start_ms = 0
        self._voice_turns = 0
        self._model_turns = 0
        self._appended: list[str] = []  # session.instructions.append contents, in order
        self._thinking: list[str] = []  # silent context
        self._context: list[dict[str, Any]] = []  # what was said, for reply scripts
        self._delegations: dict[str, backend.BackendRun | None] = {}  # id -> Responses run
        self._speaker: asyncio.Task[None] | None = None
        self._queue: list[str] = []  # what the model says next, in order
        self._speaking = False
        self._utterances = 0  # utterances spoken in this session
        self._turn_events = 0  # server events within the model turn (drop fault)
        self._handlers: dict[str, Handler] = {
            "session.start": self._on_start,
            "session.update": self._on_update,
            "session.input_audio.append": self._on_audio_append,
            "session.input_audio.mute": self._on_mute,
            "session.input_audio.unmute": self._on_unmute,
            "session.instructions.append": self._on_instructions,
            "session.commentary.append": self._on_commentary,
            "session.thinking.append": self._on_thinking,
            "response.item.create": self._on_response_item,
            "response.create": self._on_response_create,
            "session.close": self._on_close,
        }

    # ------------------------------------------------------------------ the fronts' API

    @property
    def session(self) -> dict[str, Any] | None:
        """The session configuration in force (a copy; None before `session.start`)."""
        return None if self._config is None else json.loads(json.dumps(self._config))

    @property
    def ended(self) -> bool:
        return self._ended

    def start(self) -> None:
        """The transport is up. WebRTC: the session already exists, send `session.started`;
        WebSocket: wait for `session.start`."""
        if self._opened or self._closed:
            return
        self._opened = True
        self._t0 = time.monotonic()
        if self._config is not None:
            self._begin(None)
        self._inbox.open()

    def handle_message(self, text: str) -> None:
        if self._closed:
            return
        self.stats.client_raw.append(text)
        self._inbox.receive(text)

    def feed_mic(self, samples: npt.NDArray[np.int16], sample_rate: int) -> None:
        """Mono int16 audio at any rate (the WebRTC track, or decoded appends)."""
        data = np.asarray(samples, dtype=np.int16).ravel()
        self.stats.count_mic_frame(data)
        if self._closed or not self._started:
            return
        self.stats.mic_ms += data.size * 1000.0 / sample_rate
        if self._muted:
            # A muted input still runs the clock: the model hears silence.
            data = np.zeros_like(data)
        for ev in self._vad.process(data, sample_rate):
            if ev.kind == "start":
                self._on_speech_started(ev.audio_ms)
            else:
                self._on_speech_stopped(ev.audio_ms)

    def inject(self, event: dict[str, Any]) -> None:
        """Test hook: send any server event (an event_id is added)."""
        self.send(dict(event))

    def close(self) -> None:
        """The transport ended (or the engine did): stop all work. A session that did not
        close itself reports `session.closed` `connection_lost` to the paths still open
        (a sideband)."""
        if self._closed:
            return
        if self._started and not self._ended:
            self._send_closed("connection_lost", None)
        self._closed = True
        self._tasks.cancel_all()
        self.audio_out.close()

    # ------------------------------------------------------------------ sending

    def now_ms(self) -> int:
        """Milliseconds on the session timeline (since the transport came up). Audio a
        WebSocket client sends faster than real time moves the timeline on with it, so the
        model never answers "before" the end of what it heard."""
        return max(int((time.monotonic() - self._t0) * 1000), int(self.stats.mic_ms))

    def send(self, evt: dict[str, Any]) -> None:
        if self._closed:
            return
        if "event_id" not in evt and evt.get("type") != "session.output_audio.delta":
            evt = {"event_id": new_id("event_"), **evt}
        self.stats.server_events[str(evt.get("type"))] += 1
        self._link.send_text(json.dumps(evt))
        if self._speaking:
            self._count_turn_event()

    def error(
        self,
        code: str,
        message: str,
        *,
        param: str | None = None,
        client_event_id: str | None = None,
        kind: str = "invalid_request_error",
    ) -> None:
        error: dict[str, Any] = {"type": kind, "code": code, "message": message, "param": param}
        evt: dict[str, Any] = {"type": "error", "error": error}
        if client_event_id is not None:
            error["client_event_id"] = client_event_id
            evt["client_event_id"] = client_event_id
        self.send(evt)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        return self._tasks.spawn(coro)

    def _count_turn_event(self) -> None:
        limit = self.options.faults.drop_peer_after_response_events
        self._turn_events += 1
        if limit is not None and self._turn_events >= limit:
            self._drop("fault: drop_peer_after_response_events")

    def _drop(self, reason: str) -> None:
        """The primary connection drops: the sidebands hear `session.closed`
        `connection_lost` and close normally (a drop there would lose that event)."""
        self.close()
        if isinstance(self._link, CallPaths):
            self._link.close_sidebands("connection_lost")
            self._link.primary.close_call(reason)
        else:
            self._link.close_call(reason)

    def _resource(self) -> dict[str, Any]:
        assert self._config is not None
        return lc.session_resource(
            self._config,
            session_id=self.session_id,
            expires_at=int(self._created_at + self._max_seconds()),
            instructions=self._instructions() or None,
        )

    def _usage(self) -> dict[str, Any]:
        # Whole seconds of session time since it started (the transport came up).
        return {"seconds": math.floor(time.monotonic() - self._t0)}

    # ------------------------------------------------------------------ lifecycle

    def _begin(self, client_event_id: str | None) -> None:
        self._started = True
        self._created_at = time.time()
        evt: dict[str, Any] = {"type": "session.started", "session": self._resource()}
        if client_event_id is not None:
            evt["client_event_id"] = client_event_id
        self.send(evt)
        self.spawn(self._expiry())

    def _max_seconds(self) -> float:
        expire = self.options.faults.expire_after_s
        return expire if expire is not None else self.options.max_session_seconds

    async def _expiry(self) -> None:
        while True:  # faults are mutable while the session runs: re-read the deadline
            left = self._created_at + self._max_seconds() - time.time()
            if left <= 0:
                break
            await asyncio.sleep(min(left, 0.25))
        self._end(SESSION_EXPIRED_REASON, None, link_reason="session_expired")

    def _send_closed(self, reason: str, client_event_id: str | None) -> None:
        self._ended = True
        evt: dict[str, Any] = {
            "type": "session.closed",
            "reason": reason,
            "session": self._resource(),
            "usage": self._usage(),
        }
        if client_event_id is not None:
            evt["client_event_id"] = client_event_id
        self.send(evt)

    def _end(self, reason: str, client_event_id: str | None, *, link_reason: str) -> None:
        if self._ended or self._closed:
            return
        self._send_closed(reason, client_event_id)
        self._link.close_call(link_reason)
        self.close()

    # ------------------------------------------------------------------ dispatch

    def _dispatch(self, text: str) -> None:
        try:
            evt = json.loads(text)
        except (ValueError, TypeError) as exc:
            self.error(
                "invalid_json",
                f"The server could not parse the client event as JSON ({exc}). Send one JSON "
                "object per message.",
            )
            return
        if not isinstance(evt, dict):
            self.error("invalid_type", "A client event must be a JSON object with a 'type' field.")
            return
        raw_id = evt.get("event_id")
        event_id = raw_id if isinstance(raw_id, str) else None
        kind = evt.get("type")
        self.stats.client_events[str(kind)] += 1
        handler = self._handlers.get(str(kind)) if isinstance(kind, str) else None
        if handler is None:
            supported = ", ".join(f"'{t}'" for t in self._handlers)
            self.error(
                "invalid_value" if kind is not None else "missing_required_parameter",
                f"Invalid value: '{kind}'. Supported values are: {supported}."
                if kind is not None
                else "Missing required parameter: 'type'.",
                param="type",
                client_event_id=event_id,
            )
            return
        if kind != "session.start" and not self._started:
            self.error(
                "session_not_started",
                f"'{kind}' was sent before the session started: send session.start first and "
                "wait for session.started.",
                client_event_id=event_id,
            )
            return
        if kind in self.options.faults.error_on_client_event_types:
            self.error(
                "injected_fault",
                f"The emulator was told to fail every '{kind}' event "
                "(Faults.error_on_client_event_types).",
                client_event_id=event_id,
                kind="server_error",
            )
            return
        handler(evt, event_id)

    def _text_field(self, evt: dict[str, Any], event_id: str | None) -> str | None:
        content = evt.get("content")
        if not isinstance(content, str):
            self.error(
                "missing_required_parameter" if content is None else "invalid_type",
                f"'{evt.get('type')}' needs 'content', a string.",
                param="content",
                client_event_id=event_id,
            )
            return None
        return content

    # ------------------------------------------------------------------ session events

    def _on_start(self, evt: dict[str, Any], event_id: str | None) -> None:
        if not self._websocket:
            self.error(
                "invalid_request",
                "WebRTC session creation already started this session: do not send "
                "session.start on its data channel.",
                client_event_id=event_id,
            )
            return
        if self._started:
            self.error(
                "session_already_started",
                "This session already started; send session.start once per WebSocket.",
                client_event_id=event_id,
            )
            return
        session = evt.get("session")
        problem = lc.startup_problem(session, websocket=True)
        if problem is not None:
            self.error(problem.code, problem.message, param=problem.param, client_event_id=event_id)
            return
        assert isinstance(session, dict)
        self._config = lc.resolved_session(session)
        self._begin(event_id)

    def _on_update(self, evt: dict[str, Any], event_id: str | None) -> None:
        assert self._config is not None
        update = evt.get("session")
        problem = lc.update_problem(update, self._config)
        if problem is not None:
            self.error(problem.code, problem.message, param=problem.param, client_event_id=event_id)
            return
        assert isinstance(update, dict)
        self._config = lc.apply_update(self._config, update)
        out: dict[str, Any] = {"type": "session.updated", "session": self._resource()}
        if event_id is not None:
            out["client_event_id"] = event_id
        self.send(out)

    def _on_audio_append(self, evt: dict[str, Any], event_id: str | None) -> None:
        if not self._websocket:
            self.error(
                "invalid_request",
                "session.input_audio.append is for a primary WebSocket: over WebRTC the "
                "microphone goes on the audio track.",
                client_event_id=event_id,
            )
            return
        try:
            raw = base64.b64decode(evt.get("audio") or "", validate=True)
        except ValueError:
            self.error(
                "invalid_value",
                "Invalid 'audio': expected base64 raw audio in the session's audio.format "
                "(PCM16 little endian at 24 kHz by default), without a WAV header.",
                param="audio",
                client_event_id=event_id,
            )
            return
        assert self._config is not None
        fmt = (self._config.get("audio") or {}).get("format")
        self.feed_mic(decode(raw, fmt), _format_rate(fmt))

    def _ack(self, kind: str, event_id: str | None, **fields: Any) -> None:
        out: dict[str, Any] = {"type": kind, **fields}
        if event_id is not None:
            out["client_event_id"] = event_id
        self.send(out)

    def _on_mute(self, evt: dict[str, Any], event_id: str | None) -> None:
        self._muted = True
        self._ack("session.input_audio.muted", event_id)

    def _on_unmute(self, evt: dict[str, Any], event_id: str | None) -> None:
        self._muted = False
        self._ack("session.input_audio.unmuted", event_id)

    def _on_instructions(self, evt: dict[str, Any], event_id: str | None) -> None:
        content = self._text_field(evt, event_id)
        if content is None:
            return
        self._appended.append(content)
        now = self.now_ms()
        self._ack("session.instructions.appended", event_id, start_ms=now, end_ms=now)

    def _on_thinking(self, evt: dict[str, Any], event_id: str | None) -> None:
        content = self._text_field(evt, event_id)
        if content is None or not self._known_delegation(evt, event_id):
            return
        self._thinking.append(content)
        now = self.now_ms()
        self._ack("session.thinking.appended", event_id, start_ms=now, end_ms=now)

    def _on_commentary(self, evt: dict[str, Any], event_id: str | None) -> None:
        content = self._text_field(evt, event_id)
        if content is None or not self._known_delegation(evt, event_id):
            return
        now = self.now_ms()
        self._ack("session.commentary.appended", event_id, start_ms=now, end_ms=now)
        delegation_id = evt.get("delegation_id")
        if isinstance(delegation_id, str):
            # The application's result for a delegated task: the model tells the user.
            reply = self._reply(None, outputs=[{"output": content}])
        else:
            # Speakable context: the model takes it as it would a user turn (a typed
            # question in the widget is one), so a task in it is delegated too.
            assert self._config is not None
            if delegates(content, self._config):
                self._delegate(content)
                return
            reply = self._reply(content)
        self._say(reply)

    def _known_delegation(self, evt: dict[str, Any], event_id: str | None) -> bool:
        delegation_id = evt.get("delegation_id")
        if delegation_id is None or delegation_id in self._delegations:
            return True
        self.error(
            "invalid_value",
            f"Unknown delegation_id '{delegation_id}': use the id of a "
            "session.delegation.created event of this session.",
            param="delegation_id",
            client_event_id=event_id,
        )
        return False

    def _on_close(self, evt: dict[str, Any], event_id: str | None) -> None:
        self._end("close_requested", event_id, link_reason="close_requested")

    # ------------------------------------------------------------------ Responses delegation

    def _responses_config(self, kind: str, event_id: str | None) -> dict[str, Any] | None:
        assert self._config is not None
        delegation = self._config.get("delegation")
        if lc.delegation_type(self._config) != "responses" or not isinstance(delegation, dict):
            self.error(
                "invalid_request",
                f"{kind} requires Responses delegation.",
                client_event_id=event_id,
            )
            return None
        responses: dict[str, Any] = delegation.get("responses") or {}
        return responses

    def _waiting_run(self) -> backend.BackendRun | None:
        """The newest Responses run whose function call waits for its output."""
        for run in reversed(list(self._delegations.values())):
            if run is not None and run.pending_calls:
                return run
        return None

    def _on_response_item(self, evt: dict[str, Any], event_id: str | None) -> None:
        if self._responses_config("response.item.create", event_id) is None:
            return
        item = evt.get("item")
        run = self._waiting_run()
        if not isinstance(item, dict) or item.get("type") != "function_call_output":
            self.error(
                "invalid_value",
                "The emulator's Responses backend takes a 'function_call_output' item "
                "(call_id and output) in response.item.create.",
                param="item.type",
                client_event_id=event_id,
            )
            return
        if run is None or item.get("call_id") not in run.pending_calls:
            self.error(
                "invalid_value",
                f"No function call '{item.get('call_id')}' is waiting for its output.",
                param="item.call_id",
                client_event_id=event_id,
            )
            return
        del run.pending_calls[str(item["call_id"])]
        run.outputs.append(item)

    def _on_response_create(self, evt: dict[str, Any], event_id: str | None) -> None:
        config = self._responses_config("response.create", event_id)
        if config is None:
            return
        run = next(
            (r for r in reversed(list(self._delegations.values())) if r is not None and r.outputs),
            None,
        )
        if run is None:
            self.error(
                "invalid_request",
                "response.create continues a delegated response: send the function call's "
                "output with response.item.create first.",
                client_event_id=event_id,
            )
            return
        backend.next_response(run)
        self.spawn(self._run_backend(run, config))

    async def _run_backend(self, run: backend.BackendRun, config: dict[str, Any]) -> None:
        result = backend.answer(run, config)
        for event in result.events:
            await asyncio.sleep(self.options.text_delta_interval_s)
            self.send(
                {"type": "response.event", "delegation_id": run.delegation_id, "event": event}
            )
        if result.text is not None:
            self._say(result.text)  # the backend's answer, spoken as is

    # ------------------------------------------------------------------ turns

    def _instructions(self) -> str:
        assert self._config is not None
        base = self._config.get("instructions") or ""
        return "\n".join([p for p in [base, *self._appended] if p])

    def _reply(
        self,
        user_text: str | None,
        *,
        audio_ms: float | None = None,
        outputs: list[dict[str, Any]] | None = None,
    ) -> str:
        """What the model says next: the reply script, or the default rules, over the turn."""
        ctx = ReplyContext(
            user_text=user_text,
            user_audio_ms=audio_ms,
            items=list(self._context),
            tools=[],
            tool_choice="none",
            function_outputs=outputs or [],
            instructions=self._instructions(),
            response_index=self._model_turns,
        )
        reply = self._planner.next(ctx)
        return reply.text or ""

    def _on_speech_started(self, start_ms: int) -> None:
        self._speech_start_ms = start_ms
        if self._speaking or self._queue:
            self._barge_in()

    def _barge_in(self) -> None:
        """User speech while the model speaks: the model stops (it drives turn-taking)."""
        self._queue.clear()
        if self._speaker is not None:
            self._speaker.cancel()
        self.audio_out.clear()
        self._speaking = False

    def _on_speech_stopped(self, end_ms: int) -> None:
        start_ms = self._speech_start_ms
        audio_ms = float(end_ms - start_ms)
        turn = self._voice_turns
        self._voice_turns += 1
        transcript = transcript_for(self.options.transcripts, turn, audio_ms)
        heard = transcript if self.options.transcripts is not None else None
        self.spawn(self._user_turn(transcript, heard, start_ms, end_ms, audio_ms))

    async def _user_turn(
        self, transcript: str, heard: str | None, start_ms: int, end_ms: int, audio_ms: float
    ) -> None:
        await asyncio.sleep(self.options.transcription_delay_s)
        pieces = split_deltas(transcript)
        total = max(1, len(transcript))
        done = 0
        for piece in pieces:
            a = start_ms + (end_ms - start_ms) * done // total
            done += len(piece)
            b = start_ms + (end_ms - start_ms) * done // total
            self.send(
                {
                    "type": "session.input_transcript.delta",
                    "delta": piece,
                    "start_ms": a,
                    "end_ms": b,
                }
            )
            await asyncio.sleep(self.options.text_delta_interval_s)
        self._context.append({"role": "user", "text": transcript})
        assert self._config is not None
        if heard is not None and delegates(heard, self._config):
            self._delegate(heard)
            return
        self._say(self._reply(heard, audio_ms=audio_ms))

    def _delegate(self, task: str) -> None:
        assert self._config is not None
        target = lc.delegation_type(self._config)
        delegation_id = new_id("del_", 24)
        delegation: dict[str, Any] = {"id": delegation_id, "target": target, "type": "delegation"}
        run: backend.BackendRun | None = None
        if target == "responses":
            run = backend.BackendRun(delegation_id=delegation_id, task=task)
            delegation["response_id"] = run.response_id
        self._delegations[delegation_id] = run
        self.send(
            {
                "type": "session.delegation.created",
                "delegation": delegation,
                "offset_ms": self.now_ms(),
            }
        )
        self._say(ACKNOWLEDGEMENT)
        if run is not None:
            config = (self._config.get("delegation") or {}).get("responses") or {}
            self.spawn(self._run_backend(run, config))

    # ------------------------------------------------------------------ speaking

    def _say(self, text: str) -> None:
        """Queue `text` for the model's voice (after what it is saying now)."""
        if not text:
            return
        self._queue.append(text)
        if self._speaker is None or self._speaker.done():
            self._speaker = self.spawn(self._speak_queue())

    async def _speak_queue(self) -> None:
        while self._queue:
            text = self._queue.pop(0)
            await self._speak(text)

    def _speed(self) -> float:
        speed = self.options.audio_clock_speed
        return speed if speed is not None and speed > 0 else 1.0

    async def _speak(self, text: str) -> None:
        """One model utterance: transcript fragments as the voice plays, on the session
        timeline; the voice on the track (WebRTC) or as audio deltas (WebSocket)."""
        self._speaking = True
        self._turn_events = 0
        try:
            pcm = synthesize(text, ms_per_char=self.options.ms_per_char)
            duration_ms = pcm.size * 1000 / SAMPLE_RATE
            begin_ms = self.now_ms()
            began = time.monotonic()
            utterance = new_id("utt_")
            if not self._websocket:
                self.audio_out.enqueue(utterance, utterance, pcm)
            pieces = split_deltas(text)
            if self._utterances and pieces and not pieces[0][:1].isspace():
                # Fragments are appended as they come (no done event): a later utterance
                # starts with a space, so the transcript does not run sentences together.
                pieces[0] = " " + pieces[0]
            self._utterances += 1
            total = max(1, len(text))
            done = 0
            cursor = 0
            for piece in pieces:
                a = done * duration_ms / total
                done += len(piece)
                b = done * duration_ms / total
                wait = began + a / 1000 / self._speed() - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if self._websocket:
                    cursor = self._send_audio(pcm, cursor, b, begin_ms)
                self.send(
                    {
                        "type": "session.output_transcript.delta",
                        "delta": piece,
                        "start_ms": begin_ms + round(a),
                        "end_ms": begin_ms + round(b),
                    }
                )
            # The turn lasts as long as its voice: until it played out.
            left = began + duration_ms / 1000 / self._speed() - time.monotonic()
            if left > 0:
                await asyncio.sleep(left)
            while not self._websocket and self.audio_out.busy:
                await asyncio.sleep(0.02)
            self._model_turns += 1
            self._context.append({"role": "assistant", "text": text})
        finally:
            # A cut utterance (barge-in) is a model turn too: usage follows it as well.
            self._speaking = False
            self.send({"type": "session.usage.updated", "usage": self._usage()})

    def _send_audio(
        self, pcm: npt.NDArray[np.int16], cursor: int, until_ms: float, begin_ms: int
    ) -> int:
        """WebSocket: the voice up to `until_ms` as `session.output_audio.delta` events."""
        assert self._config is not None
        fmt = (self._config.get("audio") or {}).get("format")
        end = min(pcm.size, round(until_ms * SAMPLE_RATE / 1000))
        step = SAMPLE_RATE * _CHUNK_MS // 1000
        rate = _format_rate(fmt)
        while cursor < end:
            stop = min(cursor + step, end)
            chunk = pcm[cursor:stop]
            if fmt is None or fmt.get("type", "audio/pcm") == "audio/pcm":
                data = resample(chunk, SAMPLE_RATE, rate).astype("<i2").tobytes()
            else:
                data = encode(chunk, SAMPLE_RATE, fmt)
            self.send(
                {
                    "type": "session.output_audio.delta",
                    "delta": base64.b64encode(data).decode(),
                    "start_ms": begin_ms + cursor * 1000 // SAMPLE_RATE,
                    "end_ms": begin_ms + stop * 1000 // SAMPLE_RATE,
                }
            )
            cursor = stop
        return cursor
