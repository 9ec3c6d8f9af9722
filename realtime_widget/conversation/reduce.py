"""The pure, incremental reducer: events in, conversation state out.

`Reducer.apply` costs O(1) per event (dict lookups, list appends; text deltas are appended as
parts and joined only when a table is built). Everything that needs the whole picture — the
conversation order, statuses, latencies — is derived lazily by `frames.py` from this state.

Order: the API inserts each item after `previous_item_id`; replaying those insertions is the same
as a depth-first walk where an item's later-inserted children come first. Items with no known
predecessor (first item, beta logs, a new call) are ordered by speech start, else first sight.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from realtime_widget.conversation.log import Direction, Event
from realtime_widget.conversation.names import SESSION_BOUNDARY_TYPE, canonical_type
from realtime_widget.conversation.pricing import TokenCounts, add_counts, token_counts

_ABSENT: Final = object()


@dataclass(slots=True)
class ItemState:
    item_id: str
    seq: int
    first_seen: float
    session: int
    instructions_version: int
    role: str = ""
    kind: str = ""
    previous_item_id: str | None = None
    #: previous_item_id came from the server (conversation.item.* / committed), so it is usable.
    prev_known: bool = False
    #: Seen as a real conversation item (not just a VAD speech_started that was never committed).
    confirmed: bool = False
    parts: list[str] = field(default_factory=list)
    final_text: str | None = None
    done: bool = False
    interrupted: bool = False
    failed: bool = False
    deleted: bool = False
    started_at: float | None = None
    ended_at: float | None = None
    speech_started_at: float | None = None
    response_id: str | None = None
    heard_ms: float | None = None
    name: str | None = None
    call_id: str | None = None
    error: str | None = None

    @property
    def text(self) -> str:
        return self.final_text if self.final_text is not None else "".join(self.parts)

    @property
    def status(self) -> str:
        if self.failed:
            return "failed"
        if self.interrupted:
            return "interrupted"
        return "complete" if self.done else "partial"


@dataclass(slots=True)
class ResponseState:
    response_id: str
    seq: int
    session: int
    created_at: float
    model: str
    instructions_version: int
    trigger: str | None = None
    trigger_item_id: str | None = None
    trigger_at: float | None = None
    first_delta_at: float | None = None
    audio_started_at: float | None = None
    done_at: float | None = None
    status: str | None = None
    reason: str | None = None
    usage: Mapping[str, Any] | None = None
    item_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class TranscriptionUsage:
    time: float
    item_id: str
    session: int
    model: str | None
    instructions_version: int
    usage: Mapping[str, Any]


@dataclass(slots=True)
class SessionRow:
    time: float
    direction: Direction
    type: str
    session: int
    version: int
    instructions_hash: str | None
    instructions: str | None
    model: str | None
    voice: str | None
    event_id: str | None


def instructions_hash(instructions: str) -> str:
    """Short stable hash for grouping rows by identical instructions."""
    return hashlib.sha256(instructions.encode("utf-8")).hexdigest()[:8]


def _content_kind(item: Mapping[str, Any]) -> tuple[str, str | None]:
    """(role, kind) of a GA conversation item; kind None while a message has no content
    part yet (an assistant item at output_item.added: its first delta or part says)."""
    itype = item.get("type")
    if itype == "function_call":
        return "assistant", "function_call"
    if itype == "function_call_output":
        return "tool", "function_output"
    role = str(item.get("role") or "")
    content = item.get("content") or ()
    if not content:
        return role, None
    kind = "text"
    for part in content:
        ptype = part.get("type") if isinstance(part, Mapping) else None
        if ptype in ("input_audio", "output_audio", "audio"):
            kind = "audio"
            break
        if ptype == "input_image":
            kind = "image"
    return role, kind


def _content_text(item: Mapping[str, Any]) -> str | None:
    """Text of a message item's content, or None while any audio part has no transcript yet."""
    texts: list[str] = []
    for part in item.get("content") or ():
        if not isinstance(part, Mapping):
            continue
        ptype = part.get("type")
        if ptype in ("input_audio", "output_audio", "audio"):
            tr = part.get("transcript")
            if tr is None:
                return None
            texts.append(str(tr))
        elif part.get("text") is not None:
            texts.append(str(part["text"]))
    return "".join(texts)


class Reducer:
    """Incremental state of one conversation (possibly over several calls)."""

    def __init__(self, model: str) -> None:
        self.default_model = model
        self.model = model
        self.transcription_model: str | None = None
        self.items: dict[str, ItemState] = {}
        self.responses: dict[str, ResponseState] = {}
        self.transcriptions: list[TranscriptionUsage] = []
        self.sessions: list[SessionRow] = []
        self.errors: list[tuple[float, Event]] = []
        #: Running token totals per ("response" | "transcription", model), for cheap summaries.
        self.totals: dict[tuple[str, str | None], TokenCounts] = {}
        self.responses_done = 0
        self.session = 0
        self.version = 0
        self.version_times: list[tuple[float, int]] = []
        self._instructions: str | None = None
        # Latency: what the next response.created answers (kind, item_id, time).
        self._pending: tuple[str, str | None, float] | None = None
        self._handlers: dict[str, Callable[[Event, float], None]] = {
            "session.created": self._session_server,
            "session.updated": self._session_server,
            "conversation.item.added": self._item_event,
            "conversation.item.done": self._item_done,
            "conversation.item.retrieved": self._item_event,
            "conversation.item.deleted": self._deleted,
            "conversation.item.truncated": self._truncated,
            "conversation.item.input_audio_transcription.delta": self._tr_delta,
            "conversation.item.input_audio_transcription.completed": self._tr_completed,
            "conversation.item.input_audio_transcription.failed": self._tr_failed,
            "input_audio_buffer.speech_started": self._speech_started,
            "input_audio_buffer.speech_stopped": self._speech_stopped,
            "input_audio_buffer.committed": self._committed,
            "response.created": self._response_created,
            "response.done": self._response_done,
            "response.output_item.added": self._output_item,
            "response.output_item.done": self._output_item_done,
            "response.output_text.delta": self._text_delta,
            "response.output_audio_transcript.delta": self._audio_transcript_delta,
            "response.function_call_arguments.delta": self._delta,
            "response.output_text.done": self._text_done,
            "response.output_audio_transcript.done": self._transcript_done,
            "response.function_call_arguments.done": self._args_done,
            "output_audio_buffer.started": self._audio_started,
            "error": self._error,
        }
        self._client_handlers: dict[str, Callable[[Event, float], None]] = {
            "session.update": self._session_client,
            "conversation.item.create": self._client_item_create,
            "response.create": self._client_response_create,
            SESSION_BOUNDARY_TYPE: self._boundary,
        }

    # -- entry point -------------------------------------------------------------------------

    def apply(self, event: Event, direction: Direction, t: float) -> None:
        """Fold one decoded event into the state (unknown types are ignored here)."""
        etype = event.get("type")
        if not isinstance(etype, str):
            return
        table = self._handlers if direction == "server" else self._client_handlers
        handler = table.get(etype)
        if handler is None:
            ga = canonical_type(etype)
            if ga == etype:
                return
            handler = table.get(ga)
            if handler is None:
                return
        try:
            handler(event, t)
        except (KeyError, TypeError, AttributeError, ValueError):
            # A malformed event of a known type must not break ingest; it stays in the log.
            return

    # -- helpers -----------------------------------------------------------------------------

    def _item(self, item_id: str, t: float) -> ItemState:
        it = self.items.get(item_id)
        if it is None:
            it = ItemState(item_id, len(self.items), t, self.session, self.version)
            self.items[item_id] = it
        return it

    def _upsert(
        self, item: Mapping[str, Any], t: float, prev: object = _ABSENT
    ) -> ItemState | None:
        item_id = item.get("id")
        if not isinstance(item_id, str):
            return None
        it = self._item(item_id, t)
        it.confirmed = True
        role, kind = _content_kind(item)
        if role:
            it.role = role
        if kind is not None and (not it.kind or kind != "text"):
            it.kind = kind
        if it.started_at is None:
            it.started_at = t
        if prev is not _ABSENT and not it.prev_known:
            it.previous_item_id = prev if isinstance(prev, str) else None
            it.prev_known = True
        itype = item.get("type")
        if itype == "function_call":
            it.name = item.get("name") or it.name
            it.call_id = item.get("call_id") or it.call_id
            args = item.get("arguments")
            if args:
                it.final_text = str(args)
        elif itype == "function_call_output":
            it.call_id = item.get("call_id") or it.call_id
            out = item.get("output")
            if out is not None:
                it.final_text = str(out)
            it.done = True
        else:
            text = _content_text(item)
            # An empty content list (item just added) must not hide the deltas received so far.
            if text:
                it.final_text = text
            # A user's audio is only "complete" once its transcript exists.
            if role == "user" and kind == "audio":
                if text is not None:
                    it.done = True
            elif role in ("user", "system"):
                it.done = True
        if item.get("status") == "incomplete":
            it.interrupted = True
        return it

    # -- sessions and instruction versions ---------------------------------------------------

    def _session_common(self, event: Event, t: float, direction: Direction) -> None:
        sess = event.get("session")
        if not isinstance(sess, Mapping):
            return
        model = sess.get("model")
        if isinstance(model, str) and model and direction == "server":
            self.model = model
        audio = sess.get("audio")
        tr: Any = None
        if isinstance(audio, Mapping) and isinstance(audio.get("input"), Mapping):
            tr = audio["input"].get("transcription", _ABSENT)
        else:
            tr = sess.get("input_audio_transcription", _ABSENT)  # beta shape
        if tr is not _ABSENT:
            self.transcription_model = tr.get("model") if isinstance(tr, Mapping) else None
        instr = sess.get("instructions")
        if isinstance(instr, str) and instr != self._instructions:
            self._instructions = instr
            self.version += 1
            self.version_times.append((t, self.version))
        voice = None
        if isinstance(audio, Mapping) and isinstance(audio.get("output"), Mapping):
            voice = audio["output"].get("voice")
        elif isinstance(sess.get("voice"), str):
            voice = sess["voice"]
        self.sessions.append(
            SessionRow(
                time=t,
                direction=direction,
                type=str(event.get("type")),
                session=self.session,
                version=self.version,
                instructions_hash=instructions_hash(instr) if isinstance(instr, str) else None,
                instructions=instr if isinstance(instr, str) else None,
                model=model if isinstance(model, str) else None,
                voice=voice if isinstance(voice, str) else None,
                event_id=event.get("event_id"),
            )
        )

    def _session_server(self, event: Event, t: float) -> None:
        self._session_common(event, t, "server")

    def _session_client(self, event: Event, t: float) -> None:
        self._session_common(event, t, "client")

    def _boundary(self, event: Event, t: float) -> None:
        self.session += 1
        self._pending = None
        self.model = self.default_model

    # -- items -------------------------------------------------------------------------------

    def _item_event(self, event: Event, t: float) -> None:
        self._upsert(event["item"], t, event.get("previous_item_id"))

    def _item_done(self, event: Event, t: float) -> None:
        it = self._upsert(event["item"], t, event.get("previous_item_id"))
        if it is not None:
            if it.role == "assistant":
                it.done = True
            if it.ended_at is None:
                it.ended_at = t

    def _deleted(self, event: Event, t: float) -> None:
        it = self.items.get(event["item_id"])
        if it is not None:
            it.deleted = True

    def _truncated(self, event: Event, t: float) -> None:
        it = self._item(event["item_id"], t)
        it.interrupted = True
        end = event.get("audio_end_ms")
        it.heard_ms = float(end) if isinstance(end, int | float) else None

    # -- user audio --------------------------------------------------------------------------

    def _speech_started(self, event: Event, t: float) -> None:
        it = self._item(event["item_id"], t)
        it.role, it.kind = "user", "audio"
        it.speech_started_at = t
        it.started_at = t

    def _speech_stopped(self, event: Event, t: float) -> None:
        item_id = event["item_id"]
        it = self._item(item_id, t)
        it.ended_at = t
        self._pending = ("speech", item_id, t)

    def _committed(self, event: Event, t: float) -> None:
        it = self._item(event["item_id"], t)
        it.role, it.kind, it.confirmed = "user", "audio", True
        if not it.prev_known:
            prev = event.get("previous_item_id")
            it.previous_item_id = prev if isinstance(prev, str) else None
            it.prev_known = True

    def _tr_delta(self, event: Event, t: float) -> None:
        delta = event.get("delta")
        if delta:
            self._item(event["item_id"], t).parts.append(delta)

    def _tr_completed(self, event: Event, t: float) -> None:
        item_id = event["item_id"]
        it = self._item(item_id, t)
        it.final_text = str(event.get("transcript") or "")
        it.done, it.failed = True, False
        usage = event.get("usage")
        if isinstance(usage, Mapping):
            key = ("transcription", self.transcription_model)
            self.totals[key] = add_counts(self.totals.get(key, TokenCounts()), token_counts(usage))
            self.transcriptions.append(
                TranscriptionUsage(
                    t,
                    item_id,
                    self.session,
                    self.transcription_model,
                    it.instructions_version,
                    usage,
                )
            )

    def _tr_failed(self, event: Event, t: float) -> None:
        it = self._item(event["item_id"], t)
        if not it.done:
            it.failed = True
        err = event.get("error")
        if isinstance(err, Mapping):
            it.error = str(err.get("message") or err.get("code") or "transcription failed")

    # -- responses ---------------------------------------------------------------------------

    def _response_created(self, event: Event, t: float) -> None:
        resp = event["response"]
        rid = resp.get("id")
        if not isinstance(rid, str) or rid in self.responses:
            return
        r = ResponseState(rid, len(self.responses), self.session, t, self.model, self.version)
        if self._pending is not None:
            r.trigger, r.trigger_item_id, r.trigger_at = self._pending
            self._pending = None
        self.responses[rid] = r

    def _response_done(self, event: Event, t: float) -> None:
        resp = event["response"]
        rid = resp.get("id")
        if not isinstance(rid, str):
            return
        r = self.responses.get(rid)
        if r is None:  # log started mid-response: still count its usage
            r = ResponseState(rid, len(self.responses), self.session, t, self.model, self.version)
            self.responses[rid] = r
        first_done = r.done_at is None
        r.done_at = t
        r.status = resp.get("status")
        details = resp.get("status_details")
        if isinstance(details, Mapping):
            r.reason = details.get("reason")
        usage = resp.get("usage")
        r.usage = usage if isinstance(usage, Mapping) else None
        if first_done:  # a repeated response.done must not count twice
            self.responses_done += 1
            key = ("response", r.model)
            self.totals[key] = add_counts(
                self.totals.get(key, TokenCounts()), token_counts(r.usage)
            )
        cut = r.status in ("cancelled", "incomplete")
        for item in resp.get("output") or ():
            it = self._upsert(item, t)
            if it is None:
                continue
            it.response_id = rid
            if cut and item.get("status") != "completed":
                it.interrupted = True
            elif r.status == "failed":
                it.failed = True
            else:
                it.done = True
            if it.ended_at is None:
                it.ended_at = t

    def _output_item(self, event: Event, t: float) -> None:
        it = self._upsert(event["item"], t)
        if it is not None:
            rid = event.get("response_id")
            it.response_id = rid
            r = self.responses.get(rid) if isinstance(rid, str) else None
            if r is not None and it.item_id not in r.item_ids:
                r.item_ids.append(it.item_id)

    def _output_item_done(self, event: Event, t: float) -> None:
        self._output_item(event, t)
        it = self.items.get(event["item"].get("id"))
        if it is not None:
            it.ended_at = t
            if event["item"].get("status") != "incomplete":
                it.done = True

    def _delta(self, event: Event, t: float) -> None:
        it = self.items.get(event["item_id"])
        if it is None:
            it = self._item(event["item_id"], t)
            it.role = "assistant"
            it.response_id = event.get("response_id")
        it.parts.append(event["delta"])
        r = self.responses.get(event.get("response_id"))  # type: ignore[arg-type]
        if r is not None and r.first_delta_at is None:
            r.first_delta_at = t

    def _text_delta(self, event: Event, t: float) -> None:
        self._delta(event, t)
        it = self.items[event["item_id"]]
        if not it.kind:
            it.kind = "text"

    def _audio_transcript_delta(self, event: Event, t: float) -> None:
        self._delta(event, t)
        it = self.items[event["item_id"]]
        if it.kind in ("", "text"):
            it.kind = "audio"

    def _text_done(self, event: Event, t: float) -> None:
        it = self._item(event["item_id"], t)
        it.final_text = str(event.get("text") or "")
        if not it.kind:
            it.kind = "text"

    def _transcript_done(self, event: Event, t: float) -> None:
        it = self._item(event["item_id"], t)
        it.final_text = str(event.get("transcript") or "")
        it.kind = "audio"

    def _args_done(self, event: Event, t: float) -> None:
        it = self._item(event["item_id"], t)
        it.role, it.kind = "assistant", "function_call"
        it.final_text = str(event.get("arguments") or "")
        it.name = event.get("name") or it.name
        it.call_id = event.get("call_id") or it.call_id
        it.done = True

    def _audio_started(self, event: Event, t: float) -> None:
        r = self.responses.get(event.get("response_id"))  # type: ignore[arg-type]
        if r is not None and r.audio_started_at is None:
            r.audio_started_at = t

    def _error(self, event: Event, t: float) -> None:
        self.errors.append((t, event))

    # -- client events -----------------------------------------------------------------------

    def _client_item_create(self, event: Event, t: float) -> None:
        item = event.get("item")
        if (
            isinstance(item, Mapping)
            and item.get("type") == "message"
            and item.get("role") == "user"
        ):
            self._pending = ("text", item.get("id"), t)

    def _client_response_create(self, event: Event, t: float) -> None:
        if self._pending is None:
            self._pending = ("response.create", None, t)

    # -- derived -----------------------------------------------------------------------------

    def ordered_items(self) -> list[ItemState]:
        """Confirmed items in conversation order (see module docstring)."""
        items = self.items
        children: dict[str, list[ItemState]] = {}
        roots: list[ItemState] = []
        for it in items.values():
            if not it.confirmed:
                continue
            prev = it.previous_item_id
            if it.prev_known and prev is not None and prev in items and prev != it.item_id:
                children.setdefault(prev, []).append(it)
            else:
                roots.append(it)
        roots.sort(
            key=lambda i: (
                i.session,
                i.speech_started_at if i.speech_started_at is not None else i.first_seen,
                i.seq,
            )
        )
        out: list[ItemState] = []
        seen: set[str] = set()
        stack = list(reversed(roots))
        while stack:
            it = stack.pop()
            if it.item_id in seen:
                continue
            seen.add(it.item_id)
            out.append(it)
            # Later-inserted children sit closer to the parent: push earliest first.
            stack.extend(children.get(it.item_id, ()))
        if len(out) < sum(1 for i in items.values() if i.confirmed):
            # A previous_item_id cycle (malformed log): keep the stragglers, in arrival order.
            out.extend(i for i in items.values() if i.confirmed and i.item_id not in seen)
        return out
