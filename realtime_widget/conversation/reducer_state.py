"""The records the reducer keeps, and the state every layer of it shares.

`ItemState`, `ResponseState`, `TranscriptionUsage` and `SessionRow` are what the tables in
`frames.py` are built from. `ReducerState` holds the reducer's fields; the event handlers
are split by job over its subclasses (`reduce_items`, `reduce_responses`,
`reduce_sessions`) and joined in `reduce.Reducer`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from realtime_widget.conversation.heard import heard_split
from realtime_widget.conversation.log import Direction, Event
from realtime_widget.conversation.pricing import TokenCounts

# "Key not in the event", as opposed to an explicit null: previous_item_id and
# transcription use that difference.
ABSENT: Final = object()


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
    #: `response.conversation: "none"`: outside the conversation (see
    #: `reduce_responses.is_out_of_band`).
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
class VoiceUsage:
    """A session's billable voice time so far (GPT-Live `SessionUsage`: cumulative, the latest
    reading replaces the one before, never added to it)."""

    time: float
    session: int
    model: str
    instructions_version: int
    #: Billable seconds at the active rate and at the standby rate (paused inference).
    active_seconds: float
    standby_seconds: float

    @property
    def seconds(self) -> float:
        return self.active_seconds + self.standby_seconds


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


class ReducerState:
    """The fields of one conversation's reducer (possibly over several calls)."""

    def __init__(self, model: str) -> None:
        self.default_model = model
        self.model = model
        self.transcription_model: str | None = None
        self.items: dict[str, ItemState] = {}
        self.responses: dict[str, ResponseState] = {}
        self.transcriptions: list[TranscriptionUsage] = []
        #: Per session, its latest voice-time reading (APIs billed by session time: GPT-Live).
        self.voice_usage: dict[int, VoiceUsage] = {}
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

    def latency_responses(self) -> list[ResponseState]:
        """The responses the `latency` table has a row for: the in-conversation ones."""
        return [r for r in self.responses.values() if not r.out_of_band]

    def model_turns(self) -> int:
        """Model turns so far: completed in-conversation responses (`response.done`)."""
        return self.responses_done

    def _item(self, item_id: str, t: float) -> ItemState:
        it = self.items.get(item_id)
        if it is None:
            it = ItemState(item_id, len(self.items), t, self.session, self.version)
            self.items[item_id] = it
        return it
