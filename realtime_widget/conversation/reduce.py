"""The pure, incremental reducer: events in, conversation state out.

`Reducer.apply` costs O(1) per event (dict lookups, list appends; text deltas are appended as
parts and joined only when a table is built). Everything that needs the whole picture — the
conversation order, statuses, latencies — is derived lazily by `frames.py` from this state.

Order: the API inserts each item after `previous_item_id`; replaying those insertions is the same
as a depth-first walk where an item's later-inserted children come first. Items with no known
predecessor (first item, beta logs, a new call) are ordered by speech start, else first sight.

Out-of-band responses (`response.create` with `response.conversation: "none"`) never join the
conversation: their output items are kept (for `Conversation.out_of_band`) but are no
conversation items, and they answer no user turn (latency). See `is_out_of_band`.

Truncation (`conversation.item.truncated`, e.g. the server cutting the playing reply on
barge-in over WebRTC) keeps every character received but records `heard_ms`; `heard_split`
estimates which prefix of the text was heard (the rest is not in the model's context).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from realtime_widget.conversation.log import Direction, Event
from realtime_widget.conversation.names import SESSION_BOUNDARY_TYPE, canonical_type
from realtime_widget.conversation.pricing import TokenCounts, add_counts, token_counts

_ABSENT: Final = object()

#: Assistant audio is billed about 1 output token per 50 ms (realtime-api.md §5; the emulator's
#: `ASSISTANT_AUDIO_MS_PER_TOKEN`), so a response's output audio tokens give its audio length.
ASSISTANT_AUDIO_MS_PER_TOKEN: Final = 50.0
#: Speaking rate assumed when the audio length is unknown (no usage, or several audio items in
#: one response): 60 ms per character, about 1000 characters or 170 words a minute — typical
#: synthetic speech, and the emulator's default voice (`EngineOptions.ms_per_char`).
SPEAKING_MS_PER_CHAR: Final = 60.0
_SPACE: Final = frozenset(" \t\n\r\f\v")

#: Kinds of message items (the text is the content's text or transcript).
MESSAGE_KINDS: Final = ("audio", "text", "image")
#: MCP item types of the SDK's ConversationItem union; each is its own kind.
MCP_KINDS: Final = ("mcp_list_tools", "mcp_call", "mcp_approval_request", "mcp_approval_response")
_MCP_ROLES: Final = {
    "mcp_list_tools": "tool",
    "mcp_call": "assistant",
    "mcp_approval_request": "assistant",
    "mcp_approval_response": "user",
}


def heard_split(text: str, heard_ms: float | None, audio_ms: float | None) -> tuple[str, str]:
    """(heard, unheard) parts of an item's text; `heard + unheard == text`.

    `heard_ms` is the truncation point (None: never truncated, all heard). `audio_ms` is the
    item's audio length (from its response's output audio tokens), else the length is taken
    as `SPEAKING_MS_PER_CHAR` per character. The share heard_ms / length of the characters
    is heard, cut back to the last whole word (trailing whitespace goes with the unheard
    part). The same arithmetic is in js/src/reducer.ts (`heardSplit`).
    """
    if heard_ms is None:
        return text, ""
    if heard_ms <= 0 or not text:
        return "", text
    n_chars = len(text)
    duration = audio_ms if audio_ms is not None and audio_ms > 0 else n_chars * SPEAKING_MS_PER_CHAR
    if heard_ms >= duration:
        return text, ""
    cut = math.floor(n_chars * heard_ms / duration + 0.5)
    if 0 < cut < n_chars and text[cut] not in _SPACE and text[cut - 1] not in _SPACE:
        # Mid-word: only whole words were heard.
        while cut > 0 and text[cut - 1] not in _SPACE:
            cut -= 1
    while cut > 0 and text[cut - 1] in _SPACE:
        cut -= 1
    return text[:cut], text[cut:]


def is_out_of_band(response: Mapping[str, Any]) -> bool | None:
    """True if a response object says it is out of band, False if in a conversation, None if
    it does not say: `conversation_id` is null for `conversation: "none"` (SDK
    `RealtimeResponse.conversation_id`), a `conv_…` id otherwise; old logs lack the key."""
    if "conversation_id" not in response:
        return None
    return response["conversation_id"] is None


def _mcp_text(item: Mapping[str, Any]) -> str:
    """A readable one-line text for an MCP item."""
    itype = item.get("type")
    label = str(item.get("server_label") or "")
    if itype == "mcp_list_tools":
        names = [
            str(t.get("name"))
            for t in item.get("tools") or ()
            if isinstance(t, Mapping) and t.get("name")
        ]
        if label and names:
            return f"{label}: {', '.join(names)}"
        return label or ", ".join(names)
    if itype in ("mcp_call", "mcp_approval_request"):
        call = f"{label}.{item.get('name') or ''}" if label else str(item.get("name") or "")
        text = f"{call}({item.get('arguments') or ''})"
        out = item.get("output")
        if out is not None:
            text += f" → {out}"
        err = item.get("error")
        if isinstance(err, Mapping):
            text += f" → error: {err.get('message') or err.get('type') or 'failed'}"
        return text
    if itype == "mcp_approval_response":
        text = "approved" if item.get("approve") else "denied"
        reason = item.get("reason")
        return f"{text}: {reason}" if reason else text
    return ""


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
    #: The item's audio length from its response's output audio tokens (single audio item).
    audio_ms: float | None = None
    #: Output of an out-of-band response: never a conversation item.
    out_of_band: bool = False
    name: str | None = None
    call_id: str | None = None
    error: str | None = None

    @property
    def text(self) -> str:
        return self.final_text if self.final_text is not None else "".join(self.parts)

    def heard(self) -> tuple[str, str]:
        """(heard, unheard) text, see `heard_split`."""
        return heard_split(self.text, self.heard_ms, self.audio_ms)

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
    #: `response.conversation: "none"`: outside the conversation (see `is_out_of_band`).
    out_of_band: bool = False
    metadata: Mapping[str, Any] | None = None


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
    if itype in _MCP_ROLES:
        return _MCP_ROLES[itype], str(itype)
    if isinstance(itype, str) and itype and itype != "message":
        # A type this package does not know: kept, with its type name as kind.
        return str(item.get("role") or "tool"), itype
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
        #: Metadata of client `response.create` with conversation "none" not yet answered
        #: (identifies an out-of-band response in logs whose responses lack conversation_id).
        self._oob_requests: list[Any] = []
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
            "mcp_list_tools.completed": self._mcp_completed,
            "mcp_list_tools.failed": self._mcp_failed,
            "response.mcp_call.completed": self._mcp_completed,
            "response.mcp_call.failed": self._mcp_failed,
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
        elif itype in _MCP_ROLES:
            it.final_text = _mcp_text(item)
            it.name = item.get("name") or it.name
            err = item.get("error")
            if isinstance(err, Mapping):
                it.failed = True
                it.error = str(err.get("message") or err.get("type") or "MCP call failed")
            if itype == "mcp_approval_response":
                it.done = True
        else:
            text = _content_text(item)
            if text and it.heard_ms is not None and it.text.startswith(text):
                # A snapshot after truncation holds only what the server kept: every
                # character received stays (heard_split says which were heard).
                text = None
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
            if it.role == "assistant" or it.kind not in MESSAGE_KINDS:
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

    def _out_of_band(self, resp: Mapping[str, Any]) -> bool:
        """The detection rule (first response event seen for an id decides): an explicit null
        `conversation_id` means out of band, a `conv_…` id in the conversation; without the
        key (old logs), out of band only if its metadata matches a pending client
        `response.create` with conversation "none"."""
        said = is_out_of_band(resp)
        meta = resp.get("metadata")
        if said is None:
            said = meta is not None and meta in self._oob_requests
        if said and meta in self._oob_requests:
            self._oob_requests.remove(meta)
        elif said and self._oob_requests:
            self._oob_requests.pop(0)
        return said

    def _new_response(self, resp: Mapping[str, Any], rid: str, t: float) -> ResponseState:
        r = ResponseState(rid, len(self.responses), self.session, t, self.model, self.version)
        r.out_of_band = self._out_of_band(resp)
        meta = resp.get("metadata")
        r.metadata = meta if isinstance(meta, Mapping) else None
        self.responses[rid] = r
        return r

    def _response_created(self, event: Event, t: float) -> None:
        resp = event["response"]
        rid = resp.get("id")
        if not isinstance(rid, str) or rid in self.responses:
            return
        r = self._new_response(resp, rid, t)
        # An out-of-band response answers no user turn: the pending trigger waits for the
        # in-conversation one.
        if self._pending is not None and not r.out_of_band:
            r.trigger, r.trigger_item_id, r.trigger_at = self._pending
            self._pending = None

    def _response_done(self, event: Event, t: float) -> None:
        resp = event["response"]
        rid = resp.get("id")
        if not isinstance(rid, str):
            return
        r = self.responses.get(rid)
        if r is None:  # log started mid-response: still count its usage
            r = self._new_response(resp, rid, t)
        meta = resp.get("metadata")
        if isinstance(meta, Mapping):
            r.metadata = meta
        first_done = r.done_at is None
        r.done_at = t
        r.status = resp.get("status")
        details = resp.get("status_details")
        if isinstance(details, Mapping):
            r.reason = details.get("reason")
        usage = resp.get("usage")
        r.usage = usage if isinstance(usage, Mapping) else None
        if first_done:  # a repeated response.done must not count twice
            if not r.out_of_band:
                self.responses_done += 1
            key = ("response", r.model)
            self.totals[key] = add_counts(
                self.totals.get(key, TokenCounts()), token_counts(r.usage)
            )
        cut = r.status in ("cancelled", "incomplete")
        audio_items: list[ItemState] = []
        for item in resp.get("output") or ():
            it = self._upsert(item, t)
            if it is None:
                continue
            it.response_id = rid
            if it.item_id not in r.item_ids:
                r.item_ids.append(it.item_id)
            if r.out_of_band:
                it.out_of_band = True
            if it.kind == "audio":
                audio_items.append(it)
            if cut and item.get("status") != "completed":
                it.interrupted = True
            elif r.status == "failed":
                it.failed = True
            else:
                it.done = True
            if it.ended_at is None:
                it.ended_at = t
        audio_tokens = token_counts(r.usage).output_audio_tokens
        if len(audio_items) == 1 and audio_tokens > 0:
            audio_items[0].audio_ms = audio_tokens * ASSISTANT_AUDIO_MS_PER_TOKEN

    def _output_item(self, event: Event, t: float) -> None:
        it = self._upsert(event["item"], t)
        if it is not None:
            rid = event.get("response_id")
            it.response_id = rid
            r = self.responses.get(rid) if isinstance(rid, str) else None
            if r is not None:
                if it.item_id not in r.item_ids:
                    r.item_ids.append(it.item_id)
                if r.out_of_band:
                    it.out_of_band = True

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
        if r is not None:
            if r.out_of_band:
                it.out_of_band = True
            if r.first_delta_at is None:
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

    def _mcp_completed(self, event: Event, t: float) -> None:
        it = self.items.get(event["item_id"])
        if it is not None:
            it.done = True

    def _mcp_failed(self, event: Event, t: float) -> None:
        it = self._item(event["item_id"], t)
        it.failed = True
        if it.error is None:
            it.error = (
                "MCP tool listing failed" if it.kind == "mcp_list_tools" else "MCP call failed"
            )

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
        params = event.get("response")
        if isinstance(params, Mapping) and params.get("conversation") == "none":
            # Out of band: answers no user turn, so it leaves the latency trigger alone.
            self._oob_requests.append(params.get("metadata"))
            return
        if self._pending is None:
            self._pending = ("response.create", None, t)

    # -- derived -----------------------------------------------------------------------------

    def ordered_items(self) -> list[ItemState]:
        """Confirmed items in conversation order (see module docstring)."""
        items = self.items
        children: dict[str, list[ItemState]] = {}
        roots: list[ItemState] = []
        for it in items.values():
            if not it.confirmed or it.out_of_band:
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
        if len(out) < sum(1 for i in items.values() if i.confirmed and not i.out_of_band):
            # A previous_item_id cycle (malformed log): keep the stragglers, in arrival order.
            out.extend(
                i
                for i in items.values()
                if i.confirmed and not i.out_of_band and i.item_id not in seen
            )
        return out
