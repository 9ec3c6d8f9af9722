"""The GPT-Live reducer: Live events in, the same reducer records out (so `frames.py` builds
the same tables as for the Realtime API).

GPT-Live has no conversation items and no responses the client sees. What it has, and how
this reducer reads it (tests/fixtures/live/README.md spells the rules out with examples):

- transcript fragments (`session.input_transcript.delta` = the user,
  `session.output_transcript.delta` = the assistant) placed on the **session timeline**
  (`start_ms`/`end_ms`, ms from the start of the session), with no "done" event. A fragment
  joins its speaker's last turn unless something else happened on the timeline in the gap
  since that turn's last fragment (another row has a point, its start or its latest end, in
  `[turn.end_ms, fragment.start_ms]`): a change of speaker, or appended context, or a
  delegation, makes a new turn; the assistant's trailing fragment that overlaps a barge-in
  stays in its turn. An assistant turn a user turn starts inside of is `interrupted`.
- appended context, which the client sends and the server acknowledges on the timeline
  (`session.commentary.append` → `…appended`, `session.thinking.append` → `…appended`); a
  delegation (`session.delegation.created`), and for Responses delegation the backend's
  events nested in `response.event` (its output text, and its token usage: billed).
- append-only instructions: the initial ones are a version, each acknowledged
  `session.instructions.append` a new one (`sessions`).
- cumulative billable session time (`session.usage.updated`, `session.closed`): the latest
  reading of a session replaces the one before (the SDK: "do not sum values across usage
  events").

Times: a row's `started_at`/`ended_at` are the session's start (the arrival of
`session.started`) plus its timeline ms; latency is measured on the timeline too.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from realtime_widget.conversation.log import Event
from realtime_widget.conversation.names import SESSION_BOUNDARY_TYPE
from realtime_widget.conversation.pricing import (
    PRICES,
    PriceTable,
    TokenCounts,
    add_counts,
    standby_meter,
    token_counts,
    voice_seconds,
)
from realtime_widget.conversation.reduce import Reducer
from realtime_widget.conversation.reduce_sessions import instructions_hash
from realtime_widget.conversation.reducer_state import (
    ItemState,
    ResponseState,
    SessionRow,
    VoiceUsage,
)

#: The Live model a log is reduced with until its `session.started` names one (mirrors
#: `live_facts.DEFAULT_LIVE_MODEL`; this package imports nothing outside it).
DEFAULT_LIVE_MODEL: Final = "gpt-live-1.1"

#: Transcript fragment events and the role they speak for.
SPEAKERS: Final = {
    "session.input_transcript.delta": "user",
    "session.output_transcript.delta": "assistant",
}
#: Client events that append context, and the (role, kind) of their row; commentary for a
#: delegation is the delegation's output.
CONTEXT_ROWS: Final = {
    "session.commentary.append": ("system", "commentary"),
    "session.thinking.append": ("system", "thinking"),
}
DELEGATION_OUTPUT: Final = ("tool", "delegation_output")
#: Row kinds an assistant turn answers (its latency trigger "text"), besides user speech.
TEXT_TRIGGER_KINDS: Final = frozenset({"commentary", "delegation_output"})
#: The nested Responses events that end a backend response, and the row status they give.
BACKEND_DONE: Final = {
    "response.completed": "complete",
    "response.failed": "failed",
    "response.incomplete": "interrupted",
}


@dataclass(slots=True)
class _Span:
    """A row's place on its session's timeline (ms)."""

    start: float
    end: float


class LiveReducer(Reducer):
    """Incremental state of one GPT-Live conversation (possibly over several sessions)."""

    def __init__(self, model: str = DEFAULT_LIVE_MODEL) -> None:
        super().__init__(model)
        self._handlers: dict[str, Callable[[Event, float], None]] = {
            "session.started": self._started,
            "session.updated": self._snapshot,
            "session.closed": self._closed,
            "session.usage.updated": self._usage,
            "session.input_transcript.delta": self._fragment,
            "session.output_transcript.delta": self._fragment,
            "session.commentary.appended": self._context_appended,
            "session.thinking.appended": self._context_appended,
            "session.instructions.appended": self._instructions_appended,
            "session.delegation.created": self._delegation,
            "response.event": self._backend,
            "error": self._live_error,
        }
        self._client_handlers = {
            "session.update": self._update_client,
            "session.instructions.append": self._instructions_append,
            "session.commentary.append": self._context_append,
            "session.thinking.append": self._context_append,
            SESSION_BOUNDARY_TYPE: self._live_boundary,
        }
        self._spans: dict[str, _Span] = {}
        #: Rows in creation order (the gap test scans the newest ones).
        self._rows: list[str] = []
        self._row_index: dict[str, int] = {}
        #: Each speaker's last turn in this session.
        self._last_turn: dict[str, str] = {}
        self._started_here = False
        self._session_id = ""
        self._t0: float | None = None
        self._timeline_ms = 0.0
        #: The instruction texts in force (initial, then each appended one).
        self._effective: tuple[str, ...] = ()
        #: Appended context not yet acknowledged that answers a delegation: event id → its id.
        self._pending_context: dict[str, str] = {}
        #: Instruction appends not yet acknowledged: event id → text.
        self._pending_instructions: dict[str, str] = {}
        #: The Responses model of this session's delegation, for backend events naming none.
        self._backend_model: str | None = None
        self._assistant_turns = 0

    # -- the session ---------------------------------------------------------------------

    def _live_boundary(self, event: Event, t: float) -> None:
        self.session += 1
        self.model = self.default_model
        self._new_timeline()

    def _new_timeline(self) -> None:
        self._started_here = False
        self._session_id = ""
        self._t0 = None
        self._timeline_ms = 0.0
        self._last_turn = {}
        self._backend_model = None

    def _started(self, event: Event, t: float) -> None:
        if self._started_here:
            # Two calls in one log without a boundary marker: the second is a new session.
            self._live_boundary(event, t)
        self._started_here = True
        self._t0 = t
        sess = event.get("session")
        sess = sess if isinstance(sess, Mapping) else {}
        sid = sess.get("id")
        self._session_id = sid if isinstance(sid, str) else f"session{self.session}"
        instr = sess.get("instructions")
        if isinstance(instr, str) and instr and (instr,) != self._effective:
            self._effective = (instr,)
            self._new_version(t)
        self._read_backend(sess)
        self._session_row(event, t, "server", instr if isinstance(instr, str) else None)

    def _snapshot(self, event: Event, t: float) -> None:
        # Instructions are immutable after startup: a snapshot never makes a version.
        sess = event.get("session")
        sess = sess if isinstance(sess, Mapping) else {}
        self._read_backend(sess)
        instr = sess.get("instructions")
        self._session_row(event, t, "server", instr if isinstance(instr, str) else None)

    def _closed(self, event: Event, t: float) -> None:
        self._snapshot(event, t)
        self._usage(event, t)

    def _read_backend(self, sess: Mapping[str, Any]) -> None:
        model = sess.get("model")
        if isinstance(model, str) and model:
            self.model = model
        delegation = sess.get("delegation")
        if isinstance(delegation, Mapping) and isinstance(delegation.get("responses"), Mapping):
            backend = delegation["responses"].get("model")
            if isinstance(backend, str) and backend:
                self._backend_model = backend

    def _new_version(self, t: float) -> None:
        self.version += 1
        self.version_times.append((t, self.version))

    def _session_row(self, event: Event, t: float, direction: Any, instr: str | None) -> None:
        model: str | None = None
        voice: str | None = None
        sess = event.get("session")
        if isinstance(sess, Mapping):
            m = sess.get("model")
            model = m if isinstance(m, str) else None
            audio = sess.get("audio")
            output = audio.get("output") if isinstance(audio, Mapping) else None
            v = output.get("voice") if isinstance(output, Mapping) else None
            voice = v if isinstance(v, str) else (v.get("id") if isinstance(v, Mapping) else None)
        self.sessions.append(
            SessionRow(
                time=t,
                direction=direction,
                type=str(event.get("type")),
                session=self.session,
                version=self.version,
                instructions_hash=instructions_hash(instr) if instr is not None else None,
                instructions=instr,
                model=model,
                voice=voice if isinstance(voice, str) else None,
                event_id=event.get("event_id"),
            )
        )

    def _update_client(self, event: Event, t: float) -> None:
        # Live's session.update changes delegation and triggers only: never a version.
        self._session_row(event, t, "client", None)

    def _instructions_append(self, event: Event, t: float) -> None:
        content = event.get("content")
        text = content if isinstance(content, str) else None
        eid = event.get("event_id")
        if isinstance(eid, str) and text is not None:
            self._pending_instructions[eid] = text
        self._session_row(event, t, "client", text)

    def _instructions_appended(self, event: Event, t: float) -> None:
        cid = event.get("client_event_id")
        text = self._pending_instructions.pop(cid, None) if isinstance(cid, str) else None
        # Append-only: the new version's text is what was appended, after every earlier one.
        self._effective = (*self._effective, text or "")
        self._new_version(t)
        self._see_ms(event.get("end_ms"))
        self._session_row(event, t, "server", text)

    # -- usage ---------------------------------------------------------------------------

    def _usage(self, event: Event, t: float) -> None:
        usage = event.get("usage")
        if not isinstance(usage, Mapping):
            return
        active, standby = voice_seconds(usage)
        old = self.voice_usage.get(self.session)
        model = self.model
        self.voice_usage[self.session] = VoiceUsage(
            t, self.session, model, self.version, active, standby
        )
        # Running totals take the change since the last reading, so they add up to the
        # latest reading of each session (cumulative values are never summed).
        before = (
            (0.0, 0.0)
            if old is None or old.model != model
            else (
                old.active_seconds,
                old.standby_seconds,
            )
        )
        self._add_total("voice", model, TokenCounts(seconds=active - before[0]))
        self._add_total("voice", standby_meter(model), TokenCounts(seconds=standby - before[1]))

    def _add_total(self, kind: str, model: str | None, counts: TokenCounts) -> None:
        if not counts.seconds and not counts.total_tokens:
            return
        key = (kind, model)
        prev = self.totals.get(key)
        self.totals[key] = counts if prev is None else add_counts(prev, counts)

    # -- rows ----------------------------------------------------------------------------

    def _see_ms(self, ms: Any) -> None:
        if isinstance(ms, int | float) and ms > self._timeline_ms:
            self._timeline_ms = float(ms)

    def _epoch(self, ms: float) -> float | None:
        return None if self._t0 is None else self._t0 + ms / 1000.0

    def _new_row(
        self, item_id: str, t: float, role: str, kind: str, span: _Span | None
    ) -> ItemState:
        it = self._item(item_id, t)
        it.role, it.kind, it.confirmed = role, kind, True
        self._row_index[item_id] = len(self._rows)
        self._rows.append(item_id)
        if span is not None:
            self._place(it, span)
        return it

    def _place(self, it: ItemState, span: _Span) -> None:
        self._spans[it.item_id] = span
        it.started_at = self._epoch(span.start)
        it.ended_at = self._epoch(span.end)

    def _fragment(self, event: Event, t: float) -> None:
        # The hot path of a Live log (most of its events): plain locals, one dict lookup per
        # field, and the gap test only where something else may lie in the gap.
        role = SPEAKERS[event["type"]]
        delta = event.get("delta")
        start = event.get("start_ms")
        if type(delta) is not str or not isinstance(start, int | float):
            return
        end = event.get("end_ms")
        s = float(start)
        e = float(end) if isinstance(end, int | float) else s
        t0 = self._t0
        if t0 is None:
            # A log that starts mid-session (no session.started): anchor on this fragment.
            t0 = self._t0 = t - e / 1000.0
        last = self._last_turn.get(role)
        span = self._spans[last] if last is not None else None
        if last is None or span is None or self._gap_has_other(last, span.end, s):
            # A log that starts mid-session has no session id: the session number stands in.
            sid = self._session_id or f"session{self.session}"
            turn_id = f"{sid}:{role}@{_ms_text(s)}"
            if turn_id in self.items:  # the same start twice: keep ids unique
                turn_id = f"{turn_id}#{len(self._rows)}"
            it = self._new_row(turn_id, t, role, "audio", _Span(s, e))
            it.done = True
            self._last_turn[role] = turn_id
            if role == "assistant":
                self._assistant_turns += 1
        else:
            it = self.items[last]
            if e > span.end:
                span.end = e
                it.ended_at = t0 + e / 1000.0
        it.parts.append(delta)
        if e > self._timeline_ms:
            self._timeline_ms = e

    def _gap_has_other(self, turn_id: str, lo: float, hi: float) -> bool:
        """Did another row start or end on the timeline in [lo, hi] (the gap since the turn)?

        The rows to look at: those created after the turn, and the other speakers' last
        turns created before it (still growing, so their end may lie in the gap).
        """
        if hi < lo:
            return False
        index = self._row_index
        mine = index[turn_id]
        rows = self._rows
        spans = self._spans
        for k in range(mine + 1, len(rows)):
            span = spans.get(rows[k])
            if span is not None and (lo <= span.start <= hi or lo <= span.end <= hi):
                return True
        for other in self._last_turn.values():
            if other != turn_id and index[other] < mine:
                span = spans[other]
                if lo <= span.start <= hi or lo <= span.end <= hi:
                    return True
        return False

    def _context_append(self, event: Event, t: float) -> None:
        eid = event.get("event_id")
        content = event.get("content")
        if not isinstance(eid, str) or not isinstance(content, str):
            return
        did = event.get("delegation_id")
        role, kind = CONTEXT_ROWS[str(event.get("type"))]
        if isinstance(did, str) and kind == "commentary":
            role, kind = DELEGATION_OUTPUT
        # Until acknowledged it sits where the timeline was when it was sent.
        it = self._new_row(eid, t, role, kind, _Span(self._timeline_ms, self._timeline_ms))
        it.final_text = content
        if isinstance(did, str):
            it.call_id = did
            if kind == "delegation_output":
                # Commentary is the result the model speaks; thinking is silent progress and
                # leaves the delegation open.
                self._pending_context[eid] = did

    def _context_appended(self, event: Event, t: float) -> None:
        cid = event.get("client_event_id")
        it = self.items.get(cid) if isinstance(cid, str) else None
        start, end = event.get("start_ms"), event.get("end_ms")
        if it is None or not isinstance(start, int | float):
            return
        end = end if isinstance(end, int | float) else start
        self._place(it, _Span(float(start), float(end)))
        it.done = True
        self._see_ms(end)
        delegation = self._pending_context.pop(it.item_id, None)
        if delegation is not None:
            self._answer_delegation(delegation)

    def _answer_delegation(self, delegation_id: str) -> None:
        """A client delegation is answered by commentary carrying its id (acknowledged)."""
        row = self.items.get(delegation_id)
        if row is not None and row.kind == "delegation":
            row.done = True

    def _delegation(self, event: Event, t: float) -> None:
        d = event.get("delegation")
        offset = event.get("offset_ms")
        if not isinstance(d, Mapping) or not isinstance(d.get("id"), str):
            return
        ms = float(offset) if isinstance(offset, int | float) else self._timeline_ms
        it = self._new_row(d["id"], t, "assistant", "delegation", _Span(ms, ms))
        target = d.get("target")
        it.name = target if isinstance(target, str) else None
        rid = d.get("response_id")
        it.response_id = rid if isinstance(rid, str) else None
        # Decisions are not tracked further: nothing later says they finished.
        it.done = target == "decisions"
        self._see_ms(ms)

    # -- the Responses backend -------------------------------------------------------------

    def _backend(self, event: Event, t: float) -> None:
        nested = event.get("event")
        if not isinstance(nested, Mapping):
            return
        kind = nested.get("type")
        did = event.get("delegation_id")
        row = self.items.get(did) if isinstance(did, str) else None
        if kind == "response.output_text.delta":
            delta = nested.get("delta")
            if row is not None and isinstance(delta, str):
                row.parts.append(delta)
            return
        response = nested.get("response")
        if not isinstance(response, Mapping) or not isinstance(response.get("id"), str):
            return
        rid = response["id"]
        r = self.responses.get(rid)
        if r is None:
            model = response.get("model")
            r = ResponseState(
                rid,
                len(self.responses),
                self.session,
                t,
                model if isinstance(model, str) and model else (self._backend_model or ""),
                self.version,
            )
            self.responses[rid] = r
        status = response.get("status")
        r.status = status if isinstance(status, str) else r.status
        if kind in BACKEND_DONE and r.done_at is None:
            r.done_at = t
            usage = response.get("usage")
            r.usage = usage if isinstance(usage, Mapping) else None
            self.responses_done += 1
            self._add_total("response", r.model or None, token_counts(r.usage))
            if row is not None and row.kind == "delegation":
                row.done = True
                row.failed = BACKEND_DONE[kind] == "failed"
                row.interrupted = BACKEND_DONE[kind] == "interrupted"
                if row.response_id is None:
                    row.response_id = rid

    def _live_error(self, event: Event, t: float) -> None:
        self.errors.append((t, event))
        error = event.get("error")
        if not isinstance(error, Mapping):
            return
        cid = error.get("client_event_id")
        if not isinstance(cid, str):
            return
        self._pending_instructions.pop(cid, None)
        it = self.items.get(cid)
        if it is not None and not it.done:
            it.failed = True
            message = error.get("message")
            it.error = message if isinstance(message, str) else "refused"
            self._pending_context.pop(cid, None)

    # -- what the tables read --------------------------------------------------------------

    def _position(self, it: ItemState) -> tuple[int, float, int]:
        span = self._spans.get(it.item_id)
        return (it.session, span.start if span is not None else float("inf"), it.seq)

    def ordered_items(self) -> list[ItemState]:
        """Rows in conversation order: session, timeline position, arrival."""
        rows = sorted((self.items[i] for i in self._rows), key=self._position)
        self._mark_interrupted(rows)
        return rows

    def _mark_interrupted(self, rows: list[ItemState]) -> None:
        user_starts: dict[int, list[float]] = {}
        for it in rows:
            span = self._spans.get(it.item_id)
            if it.kind == "audio" and it.role == "user" and span is not None:
                user_starts.setdefault(it.session, []).append(span.start)
        for it in rows:
            span = self._spans.get(it.item_id)
            if it.kind != "audio" or it.role != "assistant" or span is None:
                continue
            starts = user_starts.get(it.session, [])  # sorted: rows are in timeline order
            k = bisect.bisect_right(starts, span.start)
            it.interrupted = k < len(starts) and starts[k] < span.end

    def latency_responses(self) -> list[ResponseState]:
        """One row per assistant turn that answers user speech or appended commentary.

        Live has no `response.created`: the creation, first delta and audio times are all the
        turn's start on the timeline; the trigger time is the end of the row before it.
        """
        out: list[ResponseState] = []
        prev: ItemState | None = None
        for it in self.ordered_items():
            span = self._spans.get(it.item_id)
            before = self._spans.get(prev.item_id) if prev is not None else None
            if (
                prev is not None
                and before is not None
                and span is not None
                and prev.session == it.session
                and it.kind == "audio"
                and it.role == "assistant"
            ):
                trigger = (
                    "speech"
                    if prev.kind == "audio" and prev.role == "user"
                    else "text"
                    if prev.kind in TEXT_TRIGGER_KINDS
                    else None
                )
                if trigger is not None and it.started_at is not None:
                    start = it.started_at
                    out.append(
                        ResponseState(
                            it.item_id,
                            len(out),
                            it.session,
                            start,
                            self.model,
                            it.instructions_version,
                            trigger=trigger,
                            trigger_item_id=prev.item_id,
                            trigger_at=prev.ended_at,
                            first_delta_at=start,
                            audio_started_at=start,
                        )
                    )
            prev = it
        return out

    def model_turns(self) -> int:
        """Assistant speech turns (Live's model turns)."""
        return self._assistant_turns

    @property
    def instructions_in_force(self) -> tuple[str, ...]:
        """The instructions the model follows now, in order: the session's initial ones,
        then each acknowledged append (what a new session that continues this one needs as
        its instructions, since Live's cannot be replaced)."""
        return self._effective


def _ms_text(ms: float) -> str:
    return str(int(ms)) if float(ms).is_integer() else str(ms)


class LiveEvents:
    """GPT-Live's reducer and price table, what `Conversation` needs from an API (its
    `EventModel`); `protocols.live.LIVE` is the full protocol."""

    name = "live"

    def new_reducer(self, model: str) -> Reducer:
        return LiveReducer(model)

    def default_prices(self) -> PriceTable:
        return PRICES


LIVE_EVENTS: Final = LiveEvents()
