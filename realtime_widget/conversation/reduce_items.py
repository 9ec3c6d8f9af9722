"""Fold conversation items, user audio and input transcription into the reducer state.

Order: the API inserts each item after `previous_item_id`; replaying those insertions is the same
as a depth-first walk where an item's later-inserted children come first. Items with no known
predecessor (first item, beta logs, a new call) are ordered by speech start, else first sight.

Response output items arrive through `_upsert` as well, so `reduce_responses` builds on this
layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from realtime_widget.conversation.item_content import (
    MCP_ROLES,
    MESSAGE_KINDS,
    content_kind,
    content_text,
    mcp_text,
)
from realtime_widget.conversation.log import Event
from realtime_widget.conversation.pricing import TokenCounts, add_counts, token_counts
from realtime_widget.conversation.reducer_state import (
    ABSENT,
    ItemState,
    ReducerState,
    TranscriptionUsage,
)


class ItemReducer(ReducerState):
    """Handlers of item, user-audio and transcription events; the conversation order."""

    def _upsert(self, item: Mapping[str, Any], t: float, prev: object = ABSENT) -> ItemState | None:
        item_id = item.get("id")
        if not isinstance(item_id, str):
            return None
        it = self._item(item_id, t)
        it.confirmed = True
        role, kind = content_kind(item)
        if role:
            it.role = role
        if kind is not None and (not it.kind or kind != "text"):
            it.kind = kind
        if it.started_at is None:
            it.started_at = t
        if prev is not ABSENT and not it.prev_known:
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
        elif itype in MCP_ROLES:
            it.final_text = mcp_text(item)
            it.name = item.get("name") or it.name
            err = item.get("error")
            if isinstance(err, Mapping):
                it.failed = True
                it.error = str(err.get("message") or err.get("type") or "MCP call failed")
            if itype == "mcp_approval_response":
                it.done = True
        else:
            text = content_text(item)
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
