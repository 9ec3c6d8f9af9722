"""The Realtime API (GA) behind the protocol seam (`protocols.base.VoiceProtocol`).

Delegates to the modules that hold the facts (`api_facts`, `config`, `client_events`,
`conversation.reduce`, `conversation.pricing`); this module only says which of them make
up the Realtime API, and reads the server events the call core depends on.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace as _replace
from typing import Any, Final

from realtime_widget import api_facts as facts
from realtime_widget import config, reconnect
from realtime_widget.client_events import check_client_event
from realtime_widget.conversation import pricing
from realtime_widget.conversation.reduce import Reducer, is_out_of_band

from .base import JSON, CallFacts, IgnoredSetting, SessionReply

#: Events that say the session is over because of its time limit.
EXPIRY_CODE: Final = "session_expired"


class RealtimeProtocol:
    """OpenAI's Realtime API, GA shapes (`openai.types.realtime`)."""

    name = "realtime"
    session_fields: Sequence[str] = config.SESSION_FIELDS
    not_updatable: frozenset[str] = config.NOT_UPDATABLE
    fixed_at_start: frozenset[str] = frozenset()
    model_drives_turns = False
    instructions_append_only = False

    def advance(self, facts_: CallFacts, event: Mapping[str, Any]) -> CallFacts:
        kind = event.get("type")
        if kind == "session.created":
            return CallFacts(sessions=facts_.sessions + 1)
        if kind == "error":
            error = event.get("error")
            if isinstance(error, Mapping) and error.get("code") == EXPIRY_CODE:
                return _replace(facts_, expired=True)
            return facts_
        if kind in ("response.created", "response.done"):
            response = event.get("response")
            response = response if isinstance(response, Mapping) else {}
            rid = response.get("id")
            if kind == "response.done":
                if rid == facts_.active_response:
                    return _replace(facts_, active_response=None)
                return facts_
            # Only the in-conversation response is what Interrupt cancels; an out-of-band
            # one (null conversation_id) runs beside it.
            if is_out_of_band(dict(response)) is True:
                return facts_
            return _replace(facts_, active_response=rid if isinstance(rid, str) else None)
        if kind == "output_audio_buffer.started":
            return _replace(facts_, audio_playing=True, model_spoke=True)
        if kind in ("output_audio_buffer.stopped", "output_audio_buffer.cleared"):
            return _replace(facts_, audio_playing=False)
        if kind in facts.MODEL_AUDIO_EVENT_TYPES and not facts_.model_spoke:
            return _replace(facts_, model_spoke=True)
        return facts_

    def session_reply(self, event: Mapping[str, Any]) -> SessionReply | None:
        kind = event.get("type")
        if kind == "session.updated":
            return SessionReply("confirmed")
        if kind != "error":
            return None
        error = event.get("error")
        if not isinstance(error, Mapping) or not isinstance(error.get("event_id"), str):
            return None
        code = error.get("code")
        return SessionReply(
            "refused",
            event_id=error["event_id"],
            message=str(error.get("message") or "no message"),
            code=code if isinstance(code, str) else None,
        )

    def new_reducer(self, model: str) -> Reducer:
        return Reducer(model)

    def check_client_event(self, event: Mapping[str, Any]) -> JSON:
        return check_client_event(event)

    def build_session(self, settings: config.SessionSettings) -> JSON:
        return config.build_session(settings)

    def session_update(self, changes: Mapping[str, Any]) -> JSON:
        return check_client_event(config.build_session_update(changes))

    def session_updates(self, changes: Mapping[str, Any]) -> list[JSON]:
        # One session.update carries every field.
        return [self.session_update(changes)]

    def ignored_settings(self, settings: config.SessionSettings) -> list[IgnoredSetting]:
        # Every widget setting is a Realtime session field.
        return []

    def text_message(self, text: str, role: str, *, respond: bool) -> list[JSON]:
        item = {"type": "message", "role": role, "content": [{"type": "input_text", "text": text}]}
        events = [check_client_event({"type": "conversation.item.create", "item": item})]
        if respond:
            events.append(check_client_event({"type": "response.create"}))
        return events

    def response_request(self, overrides: Mapping[str, Any], tool_names: Collection[str]) -> JSON:
        return check_client_event(config.build_response_create(overrides, tool_names=tool_names))

    delegates = False

    def continue_from(
        self, rows: Sequence[Mapping[str, Any]], reducer: Reducer
    ) -> tuple[RealtimeProtocol, list[JSON]]:
        # The earlier turns as conversation items, sent once the new session is ready.
        return self, reconnect.context_events(reconnect.history_items(rows))

    def new_tool_feed(self) -> Callable[[Mapping[str, Any]], Sequence[Mapping[str, Any]]]:
        return _as_is

    def tool_event(self, event: Mapping[str, Any]) -> JSON:
        return check_client_event(event)

    def default_prices(self) -> pricing.PriceTable:
        return pricing.PRICES


def _as_is(event: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    return (event,)


#: The Realtime API; the default protocol of every call.
REALTIME: Final = RealtimeProtocol()
