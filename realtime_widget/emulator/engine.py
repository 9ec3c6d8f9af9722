"""The emulator's session engine: the Realtime API protocol, free of any transport.

One `SessionEngine` per call. The peer side hands it every data channel
message (`handle_message`) and every mic frame (`feed_mic`), pulls the
assistant's voice from `audio_out`, and gets server events back through the
`CallLink` it provides. Everything runs on one asyncio loop; the public
methods are synchronous and schedule the timed work (streamed deltas,
transcription, expiry) as tasks.

Event names and shapes are the GA ones (`openai.types.realtime`), in the
order the real server sends them (see docs: realtime-api.md §4).

server_vad `idle_timeout_ms` follows the SDK's description of
`input_audio_buffer.timeout_triggered`: the wait starts when the last response's
audio has finished playing (`output_audio_buffer.stopped`, or `.cleared` by the
client; `response.done` for a response without audio), and is counted on the input
audio clock (a WebRTC mic track delivers frames, silence included, in real time).
Not before the first response, and user speech or a new response stops it. When it
fires: `timeout_triggered` (`audio_start_ms` = where playback ended, `audio_end_ms`
= now), the silent audio is committed as a user `input_audio` item (transcribed to
""), and a response prompts the user to go on (replies.IDLE_PROMPT by default).
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import string
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from ..api_facts import DEFAULT_VOICE
from . import session_config as sc
from .audio_out import AudioOut
from .faults import Faults
from .replies import Reply, ReplyContext, ReplyPlanner, ReplyScript, ToolCall, arguments_json
from .speech import SAMPLE_RATE, speech_duration_ms, synthesize
from .transcribe import TranscriptScript, split_deltas, transcript_for
from .usage import (
    Segment,
    UsageLedger,
    assistant_audio_tokens,
    item_segment,
    text_tokens,
    transcription_usage,
)
from .vad import EnergyVad, VadConfig

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
MIN_COMMIT_MS = 100.0
RATE_LIMIT_TOKENS = 40_000
_ALPHABET = string.ascii_letters + string.digits
# The string fields a client's function-call items must carry, by item type.
_FUNCTION_ITEM_STRINGS: dict[str, tuple[str, ...]] = {
    "function_call_output": ("call_id", "output"),
    "function_call": ("name", "arguments"),
}


def new_id(prefix: str, length: int = 21) -> str:
    """An id shaped like the real ones (`event_…`, `item_…`, `resp_…`, `call_…`)."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


class CallLink(Protocol):
    """What the engine needs from the peer side."""

    def send_text(self, text: str) -> None: ...  # one data channel message (JSON text)

    def close_channel(self) -> None: ...  # fault: drop the data channel

    def close_call(self, reason: str) -> None: ...  # end the call (expiry, drop-peer fault)


@dataclass
class EngineOptions:
    replies: ReplyScript | None = None
    faults: Faults = field(default_factory=Faults)  # shared, mutable, per emulator
    max_session_seconds: float = 3600.0
    ms_per_char: float = 60.0
    transcription_delay_s: float = 0.15
    text_delta_interval_s: float = 0.02  # pacing of transcript/text deltas
    # The i-th voice turn's transcript (default: "(spoken 1.4 s)").
    transcripts: TranscriptScript | None = None
    # None: the peer's track pulls `audio_out` in real time. A number: an internal
    # clock consumes the audio at that speed (tests without WebRTC; 1.0 = real time).
    audio_clock_speed: float | None = None


@dataclass
class EngineStats:
    client_events: Counter[str] = field(default_factory=Counter)  # by type
    client_raw: list[str] = field(default_factory=list)  # every client message as received
    mic_frames: int = 0
    mic_peak: float = 0.0  # 0..1 of full scale
    mic_ms: float = 0.0
    server_events: Counter[str] = field(default_factory=Counter)
    responses: int = 0


@dataclass
class _Response:
    id: str
    params: dict[str, Any]
    in_conversation: bool
    modalities: list[str]
    voice: Any
    output_format: dict[str, Any]
    max_output_tokens: Any
    metadata: Any
    segments: list[Segment] = field(default_factory=list)
    output: list[dict[str, Any]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    created_sent: bool = False
    events_after_created: int = 0
    done: bool = False
    idle: bool = False  # started by server_vad's idle timeout
    # Streaming state of the output item being produced.
    current: dict[str, Any] | None = None
    full_text: str = ""
    text_so_far: str = ""
    audio_ms: float = 0.0  # assistant audio produced (ms)
    out_text_tokens: int = 0


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
        self._session = (
            sc.merge_session(sc.default_session(), session) if session else sc.default_session()
        )
        self._link = link
        self.options = options
        self.audio_out = AudioOut()
        self.audio_out.on_started = self._on_audio_started
        self.audio_out.on_stopped = self._on_audio_stopped
        self.stats = EngineStats()
        self.items: list[dict[str, Any]] = []
        self._item_audio_ms: dict[str, float] = {}
        self._planner = ReplyPlanner(options.replies)
        self._ledger = UsageLedger()
        self._vad = EnergyVad(self._vad_config())
        self._started = False
        self._closed = False
        self._channel_open = True
        self._backlog: list[str] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._active: _Response | None = None  # the response writing to the conversation
        self._responses: dict[str, _Response] = {}
        self._last_response_id: str | None = None
        self._voice_locked = False
        self._buffer_ms = 0.0  # input audio buffer (since the last commit/clear)
        self._speech_item: str | None = None
        self._speech_start_ms = 0
        self._voice_turns = 0
        self._last_user: tuple[str | None, float | None] = (None, None)
        self._pending_outputs: list[dict[str, Any]] = []
        self._created_at = time.time()
        self._tokens_used = 0
        # Input audio position (ms) when the last response's audio finished playing;
        # server_vad's idle_timeout_ms counts from here. None: no idle timer running.
        self._idle_since_ms: int | None = None

    # ------------------------------------------------------------------ public API

    @property
    def session(self) -> dict[str, Any]:
        """The session configuration in force (a copy)."""
        return json.loads(json.dumps(self._session))  # type: ignore[no-any-return]

    def start(self) -> None:
        """The data channel is open: send session.created, then handle what queued up."""
        if self._started or self._closed:
            return
        self._started = True
        self._created_at = time.time()
        self._send({"type": "session.created", "session": self._session_payload()})
        faults = self.options.faults
        for i in range(faults.malformed_json_messages):
            self._send_raw(
                '{"type": "response.output_text.delta", "delta": "unterminated' + "x" * i
            )
        for _ in range(faults.unknown_event_messages):
            self._send({"type": "emulator.unknown_event", "detail": "injected by Faults"})
        self._spawn(self._expiry())
        if self.options.audio_clock_speed is not None:
            self.audio_out.start_clock(self.options.audio_clock_speed)
        backlog, self._backlog = self._backlog, []
        for text in backlog:
            self._dispatch(text)

    def handle_message(self, text: str) -> None:
        """One raw client message from the data channel."""
        if self._closed:
            return
        self.stats.client_raw.append(text)
        if not self._started:
            # A client may send session.update the moment the channel opens, before
            # session.created went out; the real server applies it after.
            self._backlog.append(text)
            return
        self._dispatch(text)

    def feed_mic(self, samples: npt.NDArray[np.int16], sample_rate: int) -> None:
        """int16 mono microphone audio at any rate; runs turn detection."""
        data = np.asarray(samples).ravel()
        self.stats.mic_frames += 1
        if data.size:
            peak = float(np.max(np.abs(data.astype(np.int32)))) / 32768.0
            self.stats.mic_peak = max(self.stats.mic_peak, min(peak, 1.0))
        if self._closed or not self._started:
            return
        self._ingest_audio(data.astype(np.int16), sample_rate)

    def inject(self, event_or_text: dict[str, Any] | str) -> None:
        """Test hook: send any server event (an event_id is added) or raw text."""
        if isinstance(event_or_text, str):
            self._send_raw(event_or_text)
        else:
            self._send(dict(event_or_text))

    def close(self) -> None:
        """Stop all work; idempotent."""
        if self._closed:
            return
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()
        self.audio_out.close()

    # ------------------------------------------------------------------ sending

    def _session_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "type": "realtime",
            "object": "realtime.session",
            "id": self.session_id,
        }
        payload.update({k: v for k, v in self._session.items() if k != "type"})
        payload["expires_at"] = int(self._created_at + self._max_seconds())
        return payload

    def _send_raw(self, text: str) -> None:
        if self._closed or not self._channel_open:
            return
        self._link.send_text(text)

    def _send(self, evt: dict[str, Any]) -> None:
        if self._closed or not self._channel_open:
            return
        evt = {"event_id": evt.get("event_id") or new_id("event_"), **evt}
        self.stats.server_events[evt["type"]] += 1
        self._link.send_text(json.dumps(evt))
        self._after_send()

    def _after_send(self) -> None:
        resp = self._active
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
            self._channel_open = False
            self._link.close_channel()

    def _error(
        self,
        code: str,
        message: str,
        *,
        param: str | None = None,
        event_id: str | None = None,
        kind: str = "invalid_request_error",
    ) -> None:
        self._send(
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

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------------ dispatch

    def _dispatch(self, text: str) -> None:
        try:
            evt = json.loads(text)
        except (ValueError, TypeError) as exc:
            self.stats.client_events["<invalid json>"] += 1
            self._error(
                "invalid_json",
                f"The server could not parse the client event as JSON ({exc.__class__.__name__}: "
                f"{exc}). Send one JSON object per data channel message.",
            )
            return
        if not isinstance(evt, dict):
            self.stats.client_events["<not an object>"] += 1
            self._error("invalid_type", "A client event must be a JSON object with a 'type' field.")
            return
        event_id = evt.get("event_id") if isinstance(evt.get("event_id"), str) else None
        kind = evt.get("type")
        self.stats.client_events[str(kind)] += 1
        if kind is None:
            self._error(
                "missing_required_parameter",
                "Missing required parameter: 'type'.",
                param="type",
                event_id=event_id,
            )
            return
        handler = self._handlers().get(str(kind))
        if handler is None:
            supported = ", ".join(f"'{t}'" for t in CLIENT_EVENT_TYPES)
            self._error(
                "invalid_value",
                f"Invalid value: '{kind}'. Supported values are: {supported}.",
                param="type",
                event_id=event_id,
            )
            return
        if kind in self.options.faults.error_on_client_event_types:
            self._error(
                "injected_fault",
                f"The emulator was told to fail every '{kind}' event "
                "(Faults.error_on_client_event_types).",
                event_id=event_id,
                kind="server_error",
            )
            return
        handler(evt, event_id)

    def _handlers(self) -> dict[str, Callable[[dict[str, Any], str | None], None]]:
        return {
            "session.update": self._on_session_update,
            "input_audio_buffer.append": self._on_buffer_append,
            "input_audio_buffer.commit": self._on_buffer_commit,
            "input_audio_buffer.clear": self._on_buffer_clear,
            "conversation.item.create": self._on_item_create,
            "conversation.item.retrieve": self._on_item_retrieve,
            "conversation.item.truncate": self._on_item_truncate,
            "conversation.item.delete": self._on_item_delete,
            "response.create": self._on_response_create,
            "response.cancel": self._on_response_cancel,
            "output_audio_buffer.clear": self._on_output_clear,
        }

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
        self._error("session_expired", SESSION_EXPIRED_MESSAGE)
        self._link.close_call("session_expired")
        self.close()

    def _vad_config(self) -> VadConfig:
        td = sc.turn_detection(self._session)
        return VadConfig.from_turn_detection(td) if td else VadConfig()

    def _on_session_update(self, evt: dict[str, Any], event_id: str | None) -> None:
        if "session" not in evt:
            self._error(
                "missing_required_parameter",
                "Missing required parameter: 'session'.",
                param="session",
                event_id=event_id,
            )
            return
        update = evt["session"]
        problems = sc.validate_session(update)
        shut = sc.shut_down_problem(update) if not problems else None
        if problems or shut:
            p = problems[0] if problems else shut
            assert p is not None
            self._error(p.code, p.message, param=p.param, event_id=event_id)
            return
        new_model = update.get("model")
        if new_model is not None and new_model != self._session.get("model"):
            # The API updates every session field except `model` (and the voice once the
            # model has spoken).
            self._error(
                "invalid_value",
                f"Cannot update a session's model: this session uses "
                f"'{self._session.get('model')}'; start a new session to use '{new_model}'.",
                param="session.model",
                event_id=event_id,
            )
            return
        new_voice = ((update.get("audio") or {}).get("output") or {}).get("voice")
        if (
            self._voice_locked
            and new_voice is not None
            and new_voice != sc.session_voice(self._session)
        ):
            # The real server's words and code; it names no param.
            self._error(
                "cannot_update_voice",
                "Cannot update a conversation's voice if assistant audio is present.",
                event_id=event_id,
            )
            return
        had_vad = sc.turn_detection(self._session) is not None
        self._session = sc.merge_session(self._session, update)
        self._vad.reconfigure(self._vad_config())
        if had_vad and sc.turn_detection(self._session) is None:
            self._vad.reset_speech()
            self._speech_item = None
        self._send({"type": "session.updated", "session": self._session_payload()})

    # ------------------------------------------------------------------ conversation

    def _index(self, item_id: str) -> int | None:
        for i, item in enumerate(self.items):
            if item.get("id") == item_id:
                return i
        return None

    def _insert(self, item: dict[str, Any], previous_item_id: str | None = None) -> str | None:
        """Add an item after `previous_item_id` (end when None); returns the real previous id."""
        if previous_item_id is None:
            prev = self.items[-1]["id"] if self.items else None
            self.items.append(item)
            return prev
        if previous_item_id == "root":
            self.items.insert(0, item)
            return None
        idx = self._index(previous_item_id)
        assert idx is not None
        self.items.insert(idx + 1, item)
        return previous_item_id

    def _validate_item(self, item: Any) -> tuple[str, str, str] | None:
        """(param, code, message) of the first problem with a client item, or None."""
        if not isinstance(item, dict):
            return ("item", "invalid_type", "Invalid type for 'item': expected an object.")
        kind = item.get("type")
        if kind == "message":
            role = item.get("role")
            allowed = {
                "user": ("input_text", "input_audio", "input_image"),
                "system": ("input_text",),
                "assistant": ("output_text", "output_audio"),
            }
            if role not in allowed:
                return (
                    "item.role",
                    "invalid_value",
                    f"Invalid value: '{role}'. "
                    "Supported values are: 'user', 'system', 'assistant'.",
                )
            content = item.get("content")
            if not isinstance(content, list):
                return (
                    "item.content",
                    "missing_required_parameter",
                    "Missing required parameter: 'item.content'.",
                )
            for i, part in enumerate(content):
                ptype = part.get("type") if isinstance(part, dict) else None
                if ptype not in allowed[role]:
                    supported = ", ".join(f"'{t}'" for t in allowed[role])
                    return (
                        f"item.content[{i}].type",
                        "invalid_value",
                        f"Invalid value: '{ptype}'. Supported values are: {supported}.",
                    )
                # An assistant `output_audio` part is refused without `text` (the real
                # server's answer, openai/openai-agents-js#963), even when it has `transcript`.
                key = {
                    "input_text": "text",
                    "output_text": "text",
                    "output_audio": "text",
                    "input_audio": "audio",
                }.get(ptype)
                if key is not None and not isinstance(part.get(key), str):
                    if ptype == "input_audio" and part.get("transcript") is not None:
                        continue
                    return (
                        f"item.content[{i}].{key}",
                        "missing_required_parameter",
                        f"Missing required parameter: 'item.content[{i}].{key}'.",
                    )
            return None
        required = _FUNCTION_ITEM_STRINGS.get(kind) if isinstance(kind, str) else None
        if required is not None:
            for key in required:
                if not isinstance(item.get(key), str):
                    return (
                        f"item.{key}",
                        "missing_required_parameter",
                        f"Missing required parameter: 'item.{key}'.",
                    )
            return None
        return (
            "item.type",
            "invalid_value",
            f"Invalid value: '{kind}'. Supported values are: 'message', 'function_call', "
            "'function_call_output'.",
        )

    def _on_item_create(self, evt: dict[str, Any], event_id: str | None) -> None:
        problem = self._validate_item(evt.get("item"))
        if problem is not None:
            self._error(problem[1], problem[2], param=problem[0], event_id=event_id)
            return
        prev = evt.get("previous_item_id")
        if prev is not None and prev != "root" and self._index(prev) is None:
            self._error(
                "invalid_value",
                f"Invalid 'previous_item_id': no item with id '{prev}' in the conversation.",
                param="previous_item_id",
                event_id=event_id,
            )
            return
        src: dict[str, Any] = evt["item"]
        item_id = src.get("id") or new_id("item_")
        if self._index(item_id) is not None:
            self._error(
                "invalid_value",
                f"Invalid 'item.id': an item with id '{item_id}' already exists.",
                param="item.id",
                event_id=event_id,
            )
            return
        item: dict[str, Any] = {"id": item_id, "type": src["type"], "object": "realtime.item"}
        if src["type"] == "message":
            item.update(status="completed", role=src["role"])
            content = []
            for part in src["content"]:
                part = dict(part)
                if part["type"] == "input_audio":
                    raw = base64.b64decode(part.get("audio") or "")
                    self._item_audio_ms[item_id] = len(raw) / 2 / 24.0  # pcm16 at 24 kHz
                    part.setdefault("transcript", None)
                    part.pop("audio", None)
                elif part["type"] == "output_audio":
                    # The given text stands for what the assistant said.
                    part.setdefault("transcript", part["text"])
                content.append(part)
            item["content"] = content
        elif src["type"] == "function_call_output":
            item.update(status="completed", call_id=src["call_id"], output=src["output"])
            self._pending_outputs.append(item)
        else:
            item.update(
                status="completed",
                name=src["name"],
                call_id=src.get("call_id") or new_id("call_", 16),
                arguments=src["arguments"],
            )
        previous = self._insert(item, prev)
        if item.get("role") == "user":
            texts = [p.get("text") for p in item["content"] if p.get("type") == "input_text"]
            self._last_user = (" ".join(t for t in texts if t) or None, None)
        self._send({"type": "conversation.item.added", "previous_item_id": previous, "item": item})
        self._send({"type": "conversation.item.done", "previous_item_id": previous, "item": item})

    def _named_item(
        self, evt: dict[str, Any], event_id: str | None, action: str, doing: str
    ) -> tuple[str, int] | None:
        """(id, index) of the item a retrieve/delete/truncate names; None once the real API's
        `item_<action>_invalid_item_id` error has been sent."""
        item_id = str(evt.get("item_id"))
        idx = self._index(item_id)
        if idx is None:
            self._error(
                f"item_{action}_invalid_item_id",
                f"Error {doing} item: the item with id '{item_id}' does not exist.",
                param="item_id",
                event_id=event_id,
            )
            return None
        return item_id, idx

    def _on_item_retrieve(self, evt: dict[str, Any], event_id: str | None) -> None:
        found = self._named_item(evt, event_id, "retrieve", "retrieving")
        if found is None:
            return
        self._send({"type": "conversation.item.retrieved", "item": self.items[found[1]]})

    def _on_item_delete(self, evt: dict[str, Any], event_id: str | None) -> None:
        found = self._named_item(evt, event_id, "delete", "deleting")
        if found is None:
            return
        item_id, idx = found
        del self.items[idx]
        self._send({"type": "conversation.item.deleted", "item_id": item_id})

    def _on_item_truncate(self, evt: dict[str, Any], event_id: str | None) -> None:
        found = self._named_item(evt, event_id, "truncate", "truncating")
        if found is None:
            return
        item_id, idx = found
        item = self.items[idx]
        ci = evt.get("content_index", 0)
        content = item.get("content") or []
        if (
            item.get("role") != "assistant"
            or not isinstance(ci, int)
            or not 0 <= ci < len(content)
            or content[ci].get("type") != "output_audio"
        ):
            self._error(
                "invalid_value",
                "Only assistant messages with audio content can be truncated; "
                f"item '{item_id}' has no audio at content_index {ci}.",
                param="content_index",
                event_id=event_id,
            )
            return
        end = evt.get("audio_end_ms")
        total = self._item_audio_ms.get(item_id, 0.0)
        if not isinstance(end, int) or end < 0:
            self._error(
                "invalid_type",
                "Invalid type for 'audio_end_ms': expected a non-negative integer.",
                param="audio_end_ms",
                event_id=event_id,
            )
            return
        if end > total + 1:
            self._error(
                "invalid_value",
                f"Audio content of {total:.0f}ms is already shorter than {end}ms",
                param="audio_end_ms",
                event_id=event_id,
            )
            return
        self._truncate(item, ci, float(end))
        self._send(
            {
                "type": "conversation.item.truncated",
                "item_id": item_id,
                "content_index": ci,
                "audio_end_ms": end,
            }
        )

    def _truncate(self, item: dict[str, Any], content_index: int, end_ms: float) -> None:
        """Cut an assistant item's audio at `end_ms` and drop its transcript.

        The real server removes the server-side transcript of a truncated part, so that
        no text the user did not hear stays in the model's context: the item then shows
        `transcript: null` and later responses bill only the audio that was kept.
        """
        total = self._item_audio_ms.get(item["id"], 0.0)
        part = item["content"][content_index]
        part["transcript"] = None
        part.pop("text", None)
        self._item_audio_ms[item["id"]] = min(end_ms, total)

    # ------------------------------------------------------------------ input audio

    def _ingest_audio(self, data: npt.NDArray[np.int16], sample_rate: int) -> None:
        ms = data.size * 1000.0 / sample_rate
        self.stats.mic_ms += ms
        self._buffer_ms += ms
        td = sc.turn_detection(self._session)
        # The detector always runs so its clock keeps counting session audio;
        # with turn detection off its decisions are ignored (push-to-talk).
        events = self._vad.process(data, sample_rate)
        if td is None:
            return
        for ev in events:
            if ev.kind == "start":
                self._on_speech_started(td, ev.audio_ms)
            else:
                self._on_speech_stopped(td, ev.audio_ms)
        self._check_idle_timeout(td)

    # ------------------------------------------------------------------ idle timeout

    def _arm_idle_timer(self) -> None:
        """The last response's audio has finished playing: the user's silence counts from now."""
        if self._active is None and not self._vad.speaking and not self.audio_out.busy:
            self._idle_since_ms = self._vad.position_ms

    def _check_idle_timeout(self, td: dict[str, Any]) -> None:
        # Measured on the input audio clock, as the real event's offsets are: over
        # WebRTC the mic track delivers frames (silence included) in real time.
        since = self._idle_since_ms
        limit = td.get("idle_timeout_ms")
        if (
            since is None
            or td.get("type") != "server_vad"
            or not isinstance(limit, int)
            or self._vad.speaking
            or self._active is not None
        ):
            return
        now = self._vad.position_ms
        if now - since < limit:
            return
        self._idle_since_ms = None
        item_id = new_id("item_")
        self._send(
            {
                "type": "input_audio_buffer.timeout_triggered",
                "audio_start_ms": since,
                "audio_end_ms": now,
                "item_id": item_id,
            }
        )
        # The real server commits the (silent) audio as a user item and responds,
        # prompting the user to go on; silence transcribes to an empty string.
        self._speech_item = None
        self._commit_audio(item_id, float(now - since), transcript="")
        self._start_response({}, None, idle=True)

    def _on_speech_started(self, td: dict[str, Any], start_ms: int) -> None:
        self._idle_since_ms = None
        self._speech_item = new_id("item_")
        self._speech_start_ms = start_ms
        self._send(
            {
                "type": "input_audio_buffer.speech_started",
                "audio_start_ms": start_ms,
                "item_id": self._speech_item,
            }
        )
        if td.get("interrupt_response", True):
            self._barge_in()

    def _barge_in(self) -> None:
        playing = self.audio_out.playing_response
        active = self._active if self._active is not None and not self._active.done else None
        if active is not None:
            self._cancel(active, "turn_detected")
        if not self.audio_out.busy:
            return
        self._interrupt_playback(playing or (active.id if active else None))

    def _on_speech_stopped(self, td: dict[str, Any], end_ms: int) -> None:
        item_id = self._speech_item or new_id("item_")
        self._speech_item = None
        self._send(
            {
                "type": "input_audio_buffer.speech_stopped",
                "audio_end_ms": end_ms,
                "item_id": item_id,
            }
        )
        self._commit_audio(item_id, float(end_ms - self._speech_start_ms))
        if td.get("create_response", True) and self._active is None:
            self._start_response({}, None)

    def _commit_audio(
        self, item_id: str, audio_ms: float, *, transcript: str | None = None
    ) -> None:
        """Commit the input buffer as a user item; `transcript` overrides the voice-turn script."""
        self._buffer_ms = 0.0
        previous = self.items[-1]["id"] if self.items else None
        item = {
            "id": item_id,
            "type": "message",
            "object": "realtime.item",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        self.items.append(item)
        self._item_audio_ms[item_id] = audio_ms
        if transcript is None:
            turn = self._voice_turns
            self._voice_turns += 1
            transcript = transcript_for(self.options.transcripts, turn, audio_ms)
            heard = transcript if self.options.transcripts is not None else None
            self._last_user = (heard, audio_ms)
        else:
            self._last_user = (transcript or None, None)
        self._send(
            {
                "type": "input_audio_buffer.committed",
                "previous_item_id": previous,
                "item_id": item_id,
            }
        )
        self._send({"type": "conversation.item.added", "previous_item_id": previous, "item": item})
        self._send({"type": "conversation.item.done", "previous_item_id": previous, "item": item})
        tr = sc.transcription(self._session)
        if tr is not None:
            self._spawn(self._transcribe(item, transcript, audio_ms, tr.get("model")))

    async def _transcribe(
        self, item: dict[str, Any], transcript: str, audio_ms: float, model: Any
    ) -> None:
        await asyncio.sleep(self.options.transcription_delay_s)
        for piece in split_deltas(transcript):
            self._send(
                {
                    "type": "conversation.item.input_audio_transcription.delta",
                    "item_id": item["id"],
                    "content_index": 0,
                    "delta": piece,
                }
            )
            await asyncio.sleep(self.options.text_delta_interval_s)
        item["content"][0]["transcript"] = transcript
        self._send(
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": item["id"],
                "content_index": 0,
                "transcript": transcript,
                "usage": transcription_usage(
                    model if isinstance(model, str) else None, audio_ms, transcript
                ),
            }
        )

    def _on_buffer_append(self, evt: dict[str, Any], event_id: str | None) -> None:
        try:
            raw = base64.b64decode(evt.get("audio") or "", validate=True)
        except ValueError:
            self._error(
                "invalid_value",
                "Invalid 'audio': expected base64-encoded 16-bit PCM at 24 kHz.",
                param="audio",
                event_id=event_id,
            )
            return
        samples = np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2").astype(np.int16)
        self._ingest_audio(samples, 24_000)

    def _on_buffer_commit(self, evt: dict[str, Any], event_id: str | None) -> None:
        if self._buffer_ms < MIN_COMMIT_MS:
            self._error(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected at least "
                f"100ms of audio, but buffer only has {self._buffer_ms:.2f}ms of audio.",
                event_id=event_id,
            )
            return
        item_id = self._speech_item or new_id("item_")
        self._speech_item = None
        self._vad.reset_speech()
        self._commit_audio(item_id, self._buffer_ms)

    def _on_buffer_clear(self, evt: dict[str, Any], event_id: str | None) -> None:
        self._buffer_ms = 0.0
        self._speech_item = None
        self._vad.reset_speech()
        self._send({"type": "input_audio_buffer.cleared"})

    # ------------------------------------------------------------------ output audio

    def _on_audio_started(self, response_id: str) -> None:
        self._send({"type": "output_audio_buffer.started", "response_id": response_id})

    def _on_audio_stopped(self, response_id: str) -> None:
        self._send({"type": "output_audio_buffer.stopped", "response_id": response_id})
        self._arm_idle_timer()

    def _on_output_clear(self, evt: dict[str, Any], event_id: str | None) -> None:
        self._interrupt_playback(None)
        self._arm_idle_timer()  # playback ended here, cut short by the client

    def _interrupt_playback(self, response_id: str | None) -> None:
        """Stop the track now, truncate what was cut short, then `output_audio_buffer.cleared`.

        As the real WebRTC server does: it tracks playback, so it truncates each
        conversation item whose audio was not played to the end at the position
        actually played (`conversation.item.truncated`, audio_end_ms = ms sent on the
        track), which also removes that item's transcript.
        """
        playing = self.audio_out.playing_response
        pending = self.audio_out.clear()
        heard = [r for r in dict.fromkeys([playing, *pending]) if r is not None]
        for rid in heard:
            resp = self._responses.get(rid)
            for item in resp.output if resp else []:
                if item.get("type") != "message" or self._index(item["id"]) is None:
                    continue
                content = item.get("content") or []
                if not content or content[0].get("type") != "output_audio":
                    continue
                played = round(self.audio_out.played_ms(item["id"]))
                if played < round(self._item_audio_ms.get(item["id"], 0.0)):
                    self._truncate(item, 0, float(played))
                    self._send(
                        {
                            "type": "conversation.item.truncated",
                            "item_id": item["id"],
                            "content_index": 0,
                            "audio_end_ms": played,
                        }
                    )
        cleared = playing or (heard[0] if heard else None) or response_id
        self._send(
            {
                "type": "output_audio_buffer.cleared",
                "response_id": cleared or self._last_response_id or "",
            }
        )

    # ------------------------------------------------------------------ responses

    def _on_response_create(self, evt: dict[str, Any], event_id: str | None) -> None:
        params = evt.get("response") or {}
        problems = sc.validate_response_params(params)
        if problems:
            p = problems[0]
            self._error(p.code, p.message, param=p.param, event_id=event_id)
            return
        for i, entry in enumerate(params.get("input") or []):
            problem = self._input_problem(entry, i)
            if problem is not None:
                self._error(problem[1], problem[2], param=problem[0], event_id=event_id)
                return
        in_conv = params.get("conversation", "auto") != "none"
        if in_conv and self._active is not None:
            self._error(
                "conversation_already_has_active_response",
                f"Conversation already has an active response in progress: {self._active.id}. "
                "Wait until the response is finished before creating a new one.",
                event_id=event_id,
            )
            return
        self._start_response(params, event_id)

    def _on_response_cancel(self, evt: dict[str, Any], event_id: str | None) -> None:
        wanted = evt.get("response_id")
        resp = self._responses.get(wanted) if wanted else self._active
        if resp is None or resp.done:
            self._error(
                "response_cancel_not_active",
                "Cancellation failed: no active response found",
                event_id=event_id,
            )
            return
        self._cancel(resp, "client_cancelled")

    def _input_problem(self, entry: Any, index: int) -> tuple[str, str, str] | None:
        """(param, code, message) of a bad `response.input` entry, or None."""
        param = f"response.input[{index}]"
        if isinstance(entry, dict) and entry.get("type") == "item_reference":
            ref = entry.get("id")
            if not isinstance(ref, str) or self._index(ref) is None:
                return (
                    f"{param}.id",
                    "invalid_value",
                    f"Invalid '{param}.id': no item with id '{ref}' in the conversation.",
                )
            return None
        problem = self._validate_item(entry)
        if problem is None:
            return None
        return (param + problem[0][len("item") :], problem[1], problem[2])

    def _context_items(self, resp: _Response) -> list[dict[str, Any]]:
        """What a response sees: `response.input` (item references resolved), else the
        whole conversation."""
        given = resp.params.get("input")
        if not isinstance(given, list):
            return list(self.items)
        seen: list[dict[str, Any]] = []
        for entry in given:
            if isinstance(entry, dict) and entry.get("type") == "item_reference":
                idx = self._index(str(entry.get("id")))
                if idx is not None:
                    seen.append(self.items[idx])
            elif isinstance(entry, dict):
                seen.append(entry)
        return seen

    def _segments(
        self, resp: _Response, instructions: str, tools: list[dict[str, Any]]
    ) -> list[Segment]:
        tools_text = json.dumps(tools, sort_keys=True) if tools else ""
        segs = [
            Segment(
                f"instructions:{zlib.crc32(instructions.encode())}", text_tokens(instructions) + 4
            ),
            Segment(f"tools:{zlib.crc32(tools_text.encode())}", text_tokens(tools_text)),
        ]
        for item in self._context_items(resp):
            segs.append(item_segment(item, self._item_audio_ms.get(str(item.get("id")), 0.0)))
        return segs

    def _start_response(
        self, params: dict[str, Any], event_id: str | None, *, idle: bool = False
    ) -> None:
        s = self._session
        audio_params = (params.get("audio") or {}).get("output") or {}
        out_cfg = (s.get("audio") or {}).get("output") or {}
        resp = _Response(
            id=new_id("resp_"),
            params=params,
            in_conversation=params.get("conversation", "auto") != "none",
            modalities=list(
                params.get("output_modalities") or s.get("output_modalities") or ["audio"]
            ),
            voice=audio_params.get("voice", out_cfg.get("voice", DEFAULT_VOICE)),
            output_format=dict(
                audio_params.get("format")
                or out_cfg.get("format")
                or {"type": "audio/pcm", "rate": 24000}
            ),
            max_output_tokens=params.get("max_output_tokens", s.get("max_output_tokens", "inf")),
            metadata=params.get("metadata"),
            idle=idle,
        )
        self._responses[resp.id] = resp
        self._last_response_id = resp.id
        if resp.in_conversation:
            self._active = resp
            self._idle_since_ms = None  # re-armed once this response has been heard
        self.stats.responses += 1
        resp.task = self._spawn(self._run_response(resp))

    def _response_object(
        self, resp: _Response, status: str, details: Any, usage: Any
    ) -> dict[str, Any]:
        return {
            "object": "realtime.response",
            "id": resp.id,
            "status": status,
            "status_details": details,
            "output": [json.loads(json.dumps(i)) for i in resp.output],
            "conversation_id": f"conv_{self.session_id[5:]}" if resp.in_conversation else None,
            "output_modalities": resp.modalities,
            "max_output_tokens": resp.max_output_tokens,
            "audio": {"output": {"format": resp.output_format, "voice": resp.voice}},
            "usage": usage,
            "metadata": resp.metadata,
        }

    async def _run_response(self, resp: _Response) -> None:
        s = self._session
        instructions = resp.params.get("instructions") or s.get("instructions") or ""
        tools = list(resp.params.get("tools", s.get("tools")) or [])
        tool_choice = resp.params.get("tool_choice", s.get("tool_choice", "auto"))
        resp.segments = self._segments(resp, instructions, tools)
        self._send(
            {
                "type": "response.created",
                "response": self._response_object(resp, "in_progress", None, None),
            }
        )
        resp.created_sent = True
        items = self._context_items(resp)
        if resp.in_conversation:
            user_text, user_ms = self._last_user
            outputs, self._pending_outputs = self._pending_outputs, []
        else:
            # Out of band: only what `response.input` (or the conversation) shows, and
            # nothing of the conversation's own turn-taking state is consumed.
            user_text, user_ms = _last_user_text(items), None
            outputs = []
        ctx = ReplyContext(
            user_text=user_text,
            user_audio_ms=user_ms,
            items=items,
            tools=tools,
            tool_choice=tool_choice,
            function_outputs=outputs,
            instructions=instructions,
            response_index=self.stats.responses - 1,
            idle_timeout=resp.idle,
            parallel_tool_calls=self._parallel_tool_calls(resp),
            in_conversation=resp.in_conversation,
            metadata=resp.metadata,
        )
        try:
            reply = self._planner.next(ctx)
        except Exception as exc:  # a user's script failed: report it like a failed response
            details = {
                "type": "failed",
                "error": {
                    "type": "server_error",
                    "code": "reply_script_error",
                    "message": f"{type(exc).__name__}: {exc}",
                },
            }
            self._finish(resp, "failed", details)
            return
        if resp.in_conversation:
            self._last_user = (None, None)
        if reply.text:
            await self._produce_message(resp, reply)
        calls = list(reply.calls)
        if not self._parallel_tool_calls(resp):
            calls = calls[:1]  # one function call per response unless parallel_tool_calls
        for call in calls:
            await self._produce_function_call(resp, call)
        self._finish(resp, "completed", None)

    def _parallel_tool_calls(self, resp: _Response) -> bool:
        given = resp.params.get("parallel_tool_calls", self._session.get("parallel_tool_calls"))
        return given is True

    def _announce_item(self, resp: _Response, item: dict[str, Any]) -> int:
        output_index = len(resp.output)
        resp.output.append(item)
        resp.current = item
        self._send(
            {
                "type": "response.output_item.added",
                "response_id": resp.id,
                "output_index": output_index,
                "item": item,
            }
        )
        if resp.in_conversation:
            previous = self._insert(item)
            self._send(
                {"type": "conversation.item.added", "previous_item_id": previous, "item": item}
            )
        return output_index

    def _complete_item(
        self, resp: _Response, item: dict[str, Any], output_index: int, status: str
    ) -> None:
        item["status"] = status
        self._send(
            {
                "type": "response.output_item.done",
                "response_id": resp.id,
                "output_index": output_index,
                "item": item,
            }
        )
        if resp.in_conversation and self._index(item["id"]) is not None:
            idx = self._index(item["id"])
            previous = self.items[idx - 1]["id"] if idx else None
            self._send(
                {"type": "conversation.item.done", "previous_item_id": previous, "item": item}
            )
        resp.current = None

    async def _produce_message(self, resp: _Response, reply: Reply) -> None:
        text = reply.text or ""
        audio = "audio" in resp.modalities
        item: dict[str, Any] = {
            "id": new_id("item_"),
            "type": "message",
            "object": "realtime.item",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        output_index = self._announce_item(resp, item)
        base = {
            "response_id": resp.id,
            "item_id": item["id"],
            "output_index": output_index,
            "content_index": 0,
        }
        part = {"type": "audio", "transcript": ""} if audio else {"type": "text", "text": ""}
        content = (
            {"type": "output_audio", "transcript": ""}
            if audio
            else {"type": "output_text", "text": ""}
        )
        item["content"].append(content)
        self._send({"type": "response.content_part.added", **base, "part": part})
        resp.full_text = text
        resp.text_so_far = ""
        if audio:
            speed = sc.output_speed(self._session)
            samples = synthesize(text, ms_per_char=self.options.ms_per_char / speed)
            resp.audio_ms = samples.size * 1000 / SAMPLE_RATE
            self._item_audio_ms[item["id"]] = resp.audio_ms
            self._voice_locked = True
            self.audio_out.open_response(resp.id)
            self.audio_out.enqueue(resp.id, item["id"], samples)
        delta_type = (
            "response.output_audio_transcript.delta" if audio else "response.output_text.delta"
        )
        for piece in split_deltas(text):
            await asyncio.sleep(self.options.text_delta_interval_s)
            resp.text_so_far += piece
            content["transcript" if audio else "text"] = resp.text_so_far
            self._send({"type": delta_type, **base, "delta": piece})
        resp.out_text_tokens += text_tokens(text)
        if audio:
            self._send({"type": "response.output_audio.done", **base})
            self._send(
                {"type": "response.output_audio_transcript.done", **base, "transcript": text}
            )
            part = {"type": "audio", "transcript": text}
        else:
            self._send({"type": "response.output_text.done", **base, "text": text})
            part = {"type": "text", "text": text}
        self._send({"type": "response.content_part.done", **base, "part": part})
        self._complete_item(resp, item, output_index, "completed")

    async def _produce_function_call(self, resp: _Response, call: ToolCall) -> None:
        args = arguments_json(call.arguments)
        item: dict[str, Any] = {
            "id": new_id("item_"),
            "type": "function_call",
            "object": "realtime.item",
            "status": "in_progress",
            "name": call.name,
            "call_id": new_id("call_", 16),
            "arguments": "",
        }
        output_index = self._announce_item(resp, item)
        base = {
            "response_id": resp.id,
            "item_id": item["id"],
            "output_index": output_index,
            "call_id": item["call_id"],
        }
        for i in range(0, len(args), 12):
            await asyncio.sleep(self.options.text_delta_interval_s)
            item["arguments"] += args[i : i + 12]
            self._send(
                {
                    "type": "response.function_call_arguments.delta",
                    **base,
                    "delta": args[i : i + 12],
                }
            )
        item["arguments"] = args
        resp.out_text_tokens += text_tokens(args) + text_tokens(call.name)
        self._send(
            {
                "type": "response.function_call_arguments.done",
                **base,
                "name": call.name,
                "arguments": args,
            }
        )
        self._complete_item(resp, item, output_index, "completed")

    def _cancel(self, resp: _Response, reason: str) -> None:
        """Stop a response now: its partial output stays, marked incomplete."""
        if resp.done:
            return
        if resp.task is not None and resp.task is not asyncio.current_task():
            resp.task.cancel()
        if not resp.created_sent:  # cancelled before its task ever ran
            self._send(
                {
                    "type": "response.created",
                    "response": self._response_object(resp, "in_progress", None, None),
                }
            )
            resp.created_sent = True
        item = resp.current
        if item is not None:
            if item.get("type") == "message" and item["content"]:
                heard = resp.text_so_far
                key = "transcript" if item["content"][0]["type"] == "output_audio" else "text"
                item["content"][0][key] = heard
                if resp.full_text and resp.audio_ms:
                    # Audio is generated faster than it plays; keep what was generated.
                    share = len(heard) / len(resp.full_text)
                    kept = resp.audio_ms * share
                    self.audio_out.cut(resp.id, kept)
                    resp.audio_ms = kept
                    self._item_audio_ms[item["id"]] = min(
                        self._item_audio_ms.get(item["id"], kept), kept
                    )
                resp.out_text_tokens += text_tokens(heard)
            self._complete_item(resp, item, resp.output.index(item), "incomplete")
        self._finish(resp, "cancelled", {"type": "cancelled", "reason": reason})

    def _finish(self, resp: _Response, status: str, details: Any) -> None:
        if resp.done:
            return
        out_audio = assistant_audio_tokens(resp.audio_ms) if "audio" in resp.modalities else 0
        usage = self._ledger.bill(resp.segments, resp.out_text_tokens, out_audio)
        self._send(
            {
                "type": "response.done",
                "response": self._response_object(resp, status, details, usage),
            }
        )
        resp.done = True
        if self._active is resp:
            self._active = None
        self._tokens_used += int(usage["total_tokens"])
        self._send(
            {
                "type": "rate_limits.updated",
                # The real server reports only the `tokens` entry.
                "rate_limits": [
                    {
                        "name": "tokens",
                        "limit": RATE_LIMIT_TOKENS,
                        "remaining": max(0, RATE_LIMIT_TOKENS - self._tokens_used),
                        "reset_seconds": round(self._tokens_used / RATE_LIMIT_TOKENS * 60, 3),
                    },
                ],
            }
        )
        # Only now may playback report "stopped": the real server sends it after response.done.
        self.audio_out.close_response(resp.id)
        if resp.in_conversation and resp.audio_ms == 0:
            # Nothing to play: the idle timeout counts from response.done.
            self._arm_idle_timer()


def _last_user_text(items: list[dict[str, Any]]) -> str | None:
    """The text (or transcript) of the last user message among `items`."""
    for item in reversed(items):
        if item.get("type") == "message" and item.get("role") == "user":
            texts = [
                p.get("text") or p.get("transcript")
                for p in item.get("content") or []
                if isinstance(p, dict)
            ]
            return " ".join(t for t in texts if isinstance(t, str) and t) or None
    return None


__all__ = [
    "CallLink",
    "EngineOptions",
    "EngineStats",
    "SessionEngine",
    "new_id",
    "speech_duration_ms",
]
