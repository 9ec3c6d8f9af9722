"""Fold responses into the reducer state: output, usage, latency triggers, MCP, out of band.

Out-of-band responses (`response.create` with `response.conversation: "none"`) never join the
conversation: their output items are kept (for `Conversation.out_of_band`) but are no
conversation items, and they answer no user turn (latency). See `is_out_of_band`.

Latency: what a response answers is the pending trigger (the user stopped speaking, the client
added a user text item, or, when nothing is pending, the client sent `response.create`); the
next in-conversation `response.created` takes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from realtime_widget.conversation.heard import ASSISTANT_AUDIO_MS_PER_TOKEN
from realtime_widget.conversation.log import Event
from realtime_widget.conversation.pricing import TokenCounts, add_counts, token_counts
from realtime_widget.conversation.reduce_items import ItemReducer
from realtime_widget.conversation.reducer_state import ItemState, ResponseState


def is_out_of_band(response: Mapping[str, Any]) -> bool | None:
    """True if a response object says it is out of band, False if in a conversation, None if
    it does not say: `conversation_id` is null for `conversation: "none"` (SDK
    `RealtimeResponse.conversation_id`), a `conv_…` id otherwise; old logs lack the key."""
    if "conversation_id" not in response:
        return None
    return response["conversation_id"] is None


class ResponseReducer(ItemReducer):
    """Handlers of response events, and of the client events that shape what answers what."""

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
