"""The emulator's session engine: the Realtime API protocol, free of any transport.

One `SessionEngine` per call. The peer side hands it every data channel
message (`handle_message`) and every mic frame (`feed_mic`), pulls the
assistant's voice from `audio_out`, and gets server events back through the
`CallLink` it provides (`peer.CallPeer` over WebRTC, `ws_link.WebSocketLink` over
WebSocket, where `EngineOptions.transport` makes the voice go as events). Everything
runs on one asyncio loop; the public methods are synchronous and schedule the timed
work (streamed deltas, transcription, expiry) as tasks.

Event names and shapes are the GA ones (`openai.types.realtime`), in the
order the real server sends them (see docs: realtime-api.md §4).

`SessionEngine` is the façade: it builds the layers, owns what they share (the
session configuration in force, options, counters, the outbox and its faults, the
tasks) and hands each client event to the layer that handles it:

- `items.Conversation`: conversation items (create/retrieve/delete/truncate, order);
- `input_audio.InputAudio`: input audio buffer, VAD, commits, transcription
  (`idle.IdleTimer`: server_vad's idle timeout);
- `responses.Responses`: response.create/cancel and each response's run, streaming
  its items with `response_output.ResponseWriter`;
- `playback.Playback`: the output audio buffer (started/stopped/clear, truncation at
  what was played).

A layer sees the façade only as an `engine_context.EngineContext`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Coroutine
from typing import Any

import numpy as np
import numpy.typing as npt

from . import session_config as sc
from .audio_out import AudioOut
from .engine_context import CallLink, EngineOptions, EngineStats, EngineTasks, MessageGate, new_id
from .idle import IdleTimer
from .input_audio import MIN_COMMIT_MS, InputAudio, vad_config
from .items import Conversation
from .playback import Playback, SocketPlayback
from .responses import RATE_LIMIT_TOKENS, Responses
from .speech import speech_duration_ms
from .vad import EnergyVad

CLIENT_EVENT_TYPES: tuple[str, ...] = (
    "session.update",
    "input_audio_buffer.append",
    "input_audio_buffer.commit",
    "input_audio_buffer.clear",
    "conversation.item.create",
    "conversation.item.retrieve",
    "conversation.item.truncate",
    "conversation.item.delete",
    "response.create",
    "response.cancel",
    "output_audio_buffer.clear",
)
SESSION_EXPIRED_MESSAGE = "Your session hit the maximum duration of 60 minutes."

Handler = Callable[[dict[str, Any], str | None], None]


class SessionEngine:
    def __init__(
        self,
        *,
        call_id: str,
        session: dict[str, Any],
        link: CallLink,
        options: EngineOptions,
    ) -> None:
        self.call_id = call_id
        # The client-secret answer already named the session; session.created must agree.
        given = session.get("id") if session else None
        self.session_id = (
            given if isinstance(given, str) and given.startswith("sess_") else new_id("sess_")
        )
        self._config = (
            sc.merge_session(sc.default_session(), session) if session else sc.default_session()
        )
        self._link = link
        self.options = options
        self.audio_out = AudioOut()
        self.stats = EngineStats()
        self._started = False
        self._closed = False
        self._channel_open = True
        self._inbox = MessageGate(self._dispatch)
        self._tasks = EngineTasks()
        self._voice_locked = False
        self._created_at = time.time()
        # The layers, each owning its own state (see the module docstring).
        vad = EnergyVad(vad_config(self._config))
        idle = IdleTimer(vad, self.audio_out)
        self._conversation = Conversation(self)
        self._responses = Responses(self, self._conversation, idle)
        playback = SocketPlayback if options.transport == "websocket" else Playback
        self._playback = playback(self, self._conversation, self._responses)
        self._input = InputAudio(
            self, self._conversation, self._responses, self._playback, vad=vad, idle=idle
        )
        self.audio_out.on_started = self._playback.on_started
        self.audio_out.on_stopped = self._playback.on_stopped
        self._handlers: dict[str, Handler] = {
            "session.update": self._on_session_update,
            "input_audio_buffer.append": self._input.on_append,
            "input_audio_buffer.commit": self._input.on_commit,
            "input_audio_buffer.clear": self._input.on_clear,
            "conversation.item.create": self._conversation.on_create,
            "conversation.item.retrieve": self._conversation.on_retrieve,
            "conversation.item.truncate": self._conversation.on_truncate,
            "conversation.item.delete": self._conversation.on_delete,
            "response.create": self._responses.on_create,
            "response.cancel": self._responses.on_cancel,
            "output_audio_buffer.clear": self._playback.on_clear,
        }
        if options.transport == "websocket":
            # WebRTC/SIP only (the SDK's docstring): over WebSocket it is an unknown type.
            del self._handlers["output_audio_buffer.clear"]

    # ------------------------------------------------------------------ public API

    @property
    def session(self) -> dict[str, Any]:
        """The session configuration in force (a copy)."""
        return json.loads(json.dumps(self._config))  # type: ignore[no-any-return]

    @property
    def items(self) -> list[dict[str, Any]]:
        """The conversation's items, in order (the live list)."""
        return self._conversation.items

    @property
    def _item_audio_ms(self) -> dict[str, float]:
        """Each item's audio length in ms (the live mapping; tests read it)."""
        return self._conversation.item_audio_ms

    @property
    def _vad(self) -> EnergyVad:
        """The turn detector (tests read its clock, `position_ms`)."""
        return self._input.vad

    def start(self) -> None:
        """The data channel is open: send session.created, then handle what queued up."""
        if self._started or self._closed:
            return
        self._started = True
        self._created_at = time.time()
        self.send({"type": "session.created", "session": self._session_payload()})
        faults = self.options.faults
        for i in range(faults.malformed_json_messages):
            self._send_raw(
                '{"type": "response.output_text.delta", "delta": "unterminated' + "x" * i
            )
        for _ in range(faults.unknown_event_messages):
            self.send({"type": "emulator.unknown_event", "detail": "injected by Faults"})
        self.spawn(self._expiry())
        if self.options.audio_clock_speed is not None:
            self.audio_out.start_clock(self.options.audio_clock_speed)
        self._inbox.open()

    def handle_message(self, text: str) -> None:
        """One raw client message from the data channel."""
        if self._closed:
            return
        self.stats.client_raw.append(text)
        # A client may send session.update the moment the channel opens, before
        # session.created went out; the real server applies it after.
        self._inbox.receive(text)

    def feed_mic(self, samples: npt.NDArray[np.int16], sample_rate: int) -> None:
        """int16 mono microphone audio at any rate; runs turn detection."""
        data = np.asarray(samples).ravel()
        self.stats.count_mic_frame(data)
        if self._closed or not self._started:
            return
        self._input.ingest(data.astype(np.int16), sample_rate)

    def inject(self, event_or_text: dict[str, Any] | str) -> None:
        """Test hook: send any server event (an event_id is added) or raw text."""
        if isinstance(event_or_text, str):
            self._send_raw(event_or_text)
        else:
            self.send(dict(event_or_text))

    def close(self) -> None:
        """Stop all work; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._tasks.cancel_all()
        self.audio_out.close()

    # ------------------------------------------------------------------ EngineContext

    @property
    def config(self) -> dict[str, Any]:
        """The session configuration in force (the live object; `session` gives a copy)."""
        return self._config

    def send(self, evt: dict[str, Any]) -> None:
        if self._closed or not self._channel_open:
            return
        evt = {"event_id": evt.get("event_id") or new_id("event_"), **evt}
        self.stats.server_events[evt["type"]] += 1
        self._link.send_text(json.dumps(evt))
        self._after_send()

    def error(
        self,
        code: str,
        message: str,
        *,
        param: str | None = None,
        event_id: str | None = None,
        kind: str = "invalid_request_error",
    ) -> None:
        self.send(
            {
                "type": "error",
                "error": {
                    "type": kind,
                    "code": code,
                    "message": message,
                    "param": param,
                    "event_id": event_id,
                },
            }
        )

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        return self._tasks.spawn(coro)

    def lock_voice(self) -> None:
        self._voice_locked = True

    # ------------------------------------------------------------------ sending

    def _session_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "type": "realtime",
            "object": "realtime.session",
            "id": self.session_id,
        }
        payload.update({k: v for k, v in self._config.items() if k != "type"})
        payload["expires_at"] = int(self._created_at + self._max_seconds())
        return payload

    def _send_raw(self, text: str) -> None:
        if self._closed or not self._channel_open:
            return
        self._link.send_text(text)

    def _after_send(self) -> None:
        """Faults that drop the channel or the peer after N events of the active response."""
        resp = self._responses.active
        if resp is None or not resp.created_sent or resp.done:
            return
        resp.events_after_created += 1
        faults = self.options.faults
        n_peer = faults.drop_peer_after_response_events
        n_chan = faults.drop_channel_after_response_events
        if n_peer is not None and resp.events_after_created >= n_peer:
            self._link.close_call("fault: drop_peer_after_response_events")
            self.close()
        elif n_chan is not None and resp.events_after_created >= n_chan:
            self._channel_open = self._link.close_channel()

    # ------------------------------------------------------------------ dispatch

    def _dispatch(self, text: str) -> None:
        try:
            evt = json.loads(text)
        except (ValueError, TypeError) as exc:
            self.stats.client_events["<invalid json>"] += 1
            self.error(
                "invalid_json",
                f"The server could not parse the client event as JSON ({exc.__class__.__name__}: "
                f"{exc}). Send one JSON object per data channel message.",
            )
            return
        if not isinstance(evt, dict):
            self.stats.client_events["<not an object>"] += 1
            self.error("invalid_type", "A client event must be a JSON object with a 'type' field.")
            return
        event_id = evt.get("event_id") if isinstance(evt.get("event_id"), str) else None
        kind = evt.get("type")
        self.stats.client_events[str(kind)] += 1
        if kind is None:
            self.error(
                "missing_required_parameter",
                "Missing required parameter: 'type'.",
                param="type",
                event_id=event_id,
            )
            return
        handler = self._handlers.get(str(kind))
        if handler is None:
            supported = ", ".join(f"'{t}'" for t in self._handlers)
            self.error(
                "invalid_value",
                f"Invalid value: '{kind}'. Supported values are: {supported}.",
                param="type",
                event_id=event_id,
            )
            return
        if kind in self.options.faults.error_on_client_event_types:
            self.error(
                "injected_fault",
                f"The emulator was told to fail every '{kind}' event "
                "(Faults.error_on_client_event_types).",
                event_id=event_id,
                kind="server_error",
            )
            return
        handler(evt, event_id)

    # ------------------------------------------------------------------ session

    def _max_seconds(self) -> float:
        expire = self.options.faults.expire_after_s
        return expire if expire is not None else self.options.max_session_seconds

    async def _expiry(self) -> None:
        # Faults are mutable while the session runs, so the deadline is re-read.
        while True:
            left = self._created_at + self._max_seconds() - time.time()
            if left <= 0:
                break
            await asyncio.sleep(min(left, 0.25))
        self.error("session_expired", SESSION_EXPIRED_MESSAGE)
        self._link.close_call("session_expired")
        self.close()

    def _on_session_update(self, evt: dict[str, Any], event_id: str | None) -> None:
        if "session" not in evt:
            self.error(
                "missing_required_parameter",
                "Missing required parameter: 'session'.",
                param="session",
                event_id=event_id,
            )
            return
        update = evt["session"]
        problems = sc.validate_session(update)
        problem = problems[0] if problems else sc.shut_down_problem(update)
        if problem is not None:
            self.error(problem.code, problem.message, param=problem.param, event_id=event_id)
            return
        new_model = update.get("model")
        if new_model is not None and new_model != self._config.get("model"):
            # The API updates every session field except `model` (and the voice once the
            # model has spoken).
            self.error(
                "invalid_value",
                f"Cannot update a session's model: this session uses "
                f"'{self._config.get('model')}'; start a new session to use '{new_model}'.",
                param="session.model",
                event_id=event_id,
            )
            return
        new_voice = ((update.get("audio") or {}).get("output") or {}).get("voice")
        if (
            self._voice_locked
            and new_voice is not None
            and new_voice != sc.session_voice(self._config)
        ):
            # The real server's words and code; it names no param.
            self.error(
                "cannot_update_voice",
                "Cannot update a conversation's voice if assistant audio is present.",
                event_id=event_id,
            )
            return
        had_vad = sc.turn_detection(self._config) is not None
        self._config = sc.merge_session(self._config, update)
        self._input.session_updated(had_vad)
        self.send({"type": "session.updated", "session": self._session_payload()})


__all__ = [
    "CLIENT_EVENT_TYPES",
    "MIN_COMMIT_MS",
    "RATE_LIMIT_TOKENS",
    "SESSION_EXPIRED_MESSAGE",
    "CallLink",
    "EngineOptions",
    "EngineStats",
    "SessionEngine",
    "new_id",
    "speech_duration_ms",
]
