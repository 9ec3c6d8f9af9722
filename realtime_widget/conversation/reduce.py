"""The pure, incremental reducer: events in, conversation state out.

`Reducer.apply` costs O(1) per event (dict lookups, list appends; text deltas are appended as
parts and joined only when a table is built). Everything that needs the whole picture — the
conversation order, statuses, latencies — is derived lazily by `frames.py` from this state.

This module routes each event to its handler; the handlers are split by job:
`reduce_items` (items, user audio, transcription, conversation order), `reduce_responses`
(responses, output, usage, latency triggers, MCP, out-of-band), `reduce_sessions` (session
rows, instruction versions, call boundaries), over the shared fields of `reducer_state`.
Item shapes are read by `item_content`, truncation by `heard`.
"""

from __future__ import annotations

from collections.abc import Callable

from realtime_widget.conversation.heard import (
    ASSISTANT_AUDIO_MS_PER_TOKEN,
    SPEAKING_MS_PER_CHAR,
    heard_split,
)
from realtime_widget.conversation.item_content import MCP_KINDS, MESSAGE_KINDS
from realtime_widget.conversation.log import Direction, Event
from realtime_widget.conversation.names import SESSION_BOUNDARY_TYPE, canonical_type
from realtime_widget.conversation.reduce_responses import ResponseReducer, is_out_of_band
from realtime_widget.conversation.reduce_sessions import SessionReducer, instructions_hash
from realtime_widget.conversation.reducer_state import (
    ItemState,
    ResponseState,
    SessionRow,
    TranscriptionUsage,
)

__all__ = [
    "ASSISTANT_AUDIO_MS_PER_TOKEN",
    "MCP_KINDS",
    "MESSAGE_KINDS",
    "SPEAKING_MS_PER_CHAR",
    "ItemState",
    "Reducer",
    "ResponseState",
    "SessionRow",
    "TranscriptionUsage",
    "heard_split",
    "instructions_hash",
    "is_out_of_band",
]


class Reducer(SessionReducer, ResponseReducer):
    """Incremental state of one conversation (possibly over several calls)."""

    def __init__(self, model: str) -> None:
        super().__init__(model)
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
            # Over WebSocket there is no output buffer: the voice starts with its first delta.
            "response.output_audio.delta": self._audio_started,
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

    def _error(self, event: Event, t: float) -> None:
        self.errors.append((t, event))
