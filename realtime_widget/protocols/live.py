"""GPT-Live behind the protocol seam (`protocols.base.VoiceProtocol`), the second voice API.

Delegates to the modules that hold the facts: `live_events` (client event shapes),
`live_session` (start configuration, running changes, settings Live ignores),
`conversation.reduce_live` (the reducer), `conversation.pricing` (the per-second meter).
What differs from the Realtime API, as the call core sees it (SDK 3.57 `openai.types.live`):

- `session.started` starts a session, `session.closed` ends it (reason `expired`: the core
  may continue in a new one); the model speaks when output transcript or audio arrives.
- The model drives turn-taking and barge-in: there is no client-cancellable response
  (`active_response` stays None) and no client event that asks for a voice reply.
- Text goes in as context: speakable (`session.commentary.append`) or silent
  (`session.thinking.append`); GPT-Live has no typed user turn.
- Instructions are append-only; model and voice are fixed at start.
- Server errors name the client event as `error.client_event_id` (not `event_id`).

A `LiveProtocol` carries the session's delegation and startup history, which the widget's
`SessionSettings` has no fields for: `LIVE.configured(delegation=..., history=...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace as _replace
from typing import Any, Final

from realtime_widget import config
from realtime_widget.config import SessionSettings
from realtime_widget.conversation import pricing
from realtime_widget.conversation.reduce import Reducer
from realtime_widget.conversation.reduce_live import LiveReducer

from .base import JSON, CallFacts, IgnoredSetting, SessionReply
from .live_events import check_live_client_event
from .live_session import (
    LIVE_NOT_UPDATABLE,
    build_live_session,
    history_from_transcript,
    ignored_settings,
    live_session_updates,
    normalize_delegation,
    normalize_history,
)
from .live_tools import LiveToolFeed, live_tool_event

#: Server events that carry the model's speech (it has spoken: the voice is locked anyway).
MODEL_SPEECH_EVENT_TYPES: Final = frozenset(
    {"session.output_transcript.delta", "session.output_audio.delta"}
)
#: Server events that confirm a session change.
CONFIRMATIONS: Final = frozenset({"session.updated", "session.instructions.appended"})


def with_tools(delegation: JSON | None, specs: Sequence[Mapping[str, Any]]) -> JSON | None:
    """Responses delegation offers the backend model the session's Python tools too (after
    the tools given in `delegation`, which win on a name clash): their calls come back in
    `response.event` and the kernel runs them (`live_tools`). Other delegations as given."""
    if not specs or delegation is None or delegation.get("type") != "responses":
        return delegation
    responses = dict(delegation.get("responses") or {})
    given = list(responses.get("tools") or [])
    names = {t.get("name") for t in given if isinstance(t, Mapping)}
    responses["tools"] = given + [dict(t) for t in specs if t.get("name") not in names]
    return {**delegation, "responses": responses}


def commentary_event(text: str, delegation_id: str | None = None) -> JSON:
    """Speakable context (`session.commentary.append`), checked, with an event id; with a
    `delegation_id`, the result of that client delegation."""
    return check_live_client_event(
        {"type": "session.commentary.append", "content": text, "delegation_id": delegation_id}
    )


def thinking_event(text: str, delegation_id: str | None = None) -> JSON:
    """Silent context (`session.thinking.append`): it asks for no speech (but may shape it;
    it is not a secrecy boundary), checked, with an event id."""
    return check_live_client_event(
        {"type": "session.thinking.append", "content": text, "delegation_id": delegation_id}
    )


def delegation_answer(delegation_id: str, result: str) -> JSON:
    """The answer to a client delegation (`session.delegation.created`, target client): its
    result as commentary with the delegation's id, for the model to tell the user."""
    if not isinstance(delegation_id, str) or not delegation_id:
        raise ValueError(
            "delegation_id must be the non-empty id of a session.delegation.created event's "
            f"delegation, got {delegation_id!r}"
        )
    return commentary_event(result, delegation_id)


class LiveProtocol:
    """OpenAI's GPT-Live API (`openai.types.live`), for one delegation and startup history."""

    name = "live"
    # Every widget input is kept (the core rebuilds SessionSettings from them), but only
    # model, instructions and voice reach a Live session (`live_session.LIVE_SESSION_FIELDS`);
    # the others are never sent as a change (`not_updatable`) and are reported by
    # `ignored_settings`.
    session_fields: Sequence[str] = config.SESSION_FIELDS
    not_updatable: frozenset[str] = LIVE_NOT_UPDATABLE
    # "The Live model ... cannot change after startup" (SessionConfig.model, audio.output.voice).
    fixed_at_start: frozenset[str] = frozenset({"model", "voice"})
    model_drives_turns = True
    instructions_append_only = True
    delegates = True

    def __init__(self, *, delegation: object = None, history: object = None) -> None:
        self.delegation: JSON | None = normalize_delegation(delegation)
        self.history: list[JSON] = normalize_history(history)
        # A Responses backend takes the session's Python tools, and their changes while the
        # session runs (`session.update` of `delegation.responses.tools`).
        self.backend_tools = self.delegation is not None and self.delegation["type"] == "responses"
        if self.backend_tools:
            self.not_updatable = LIVE_NOT_UPDATABLE - {"tool_specs"}

    def configured(self, *, delegation: object = None, history: object = None) -> LiveProtocol:
        """A protocol for sessions with this delegation and startup history (checked)."""
        return LiveProtocol(delegation=delegation, history=history)

    def __repr__(self) -> str:
        kind = None if self.delegation is None else self.delegation.get("type")
        return f"LiveProtocol(delegation={kind!r}, history={len(self.history)} messages)"

    # -- server events --------------------------------------------------------------------

    def advance(self, facts: CallFacts, event: Mapping[str, Any]) -> CallFacts:
        kind = event.get("type")
        if kind == "session.started":
            return CallFacts(sessions=facts.sessions + 1)
        if kind == "session.closed":
            ended = facts.call_ended()
            return _replace(ended, expired=True) if event.get("reason") == "expired" else ended
        if kind in MODEL_SPEECH_EVENT_TYPES and not facts.model_spoke:
            return _replace(facts, model_spoke=True)
        return facts

    def session_reply(self, event: Mapping[str, Any]) -> SessionReply | None:
        kind = event.get("type")
        if kind in CONFIRMATIONS:
            return SessionReply("confirmed")
        if kind != "error":
            return None
        error = event.get("error")
        # Live names the refused command `client_event_id` (Realtime: `event_id`).
        if not isinstance(error, Mapping) or not isinstance(error.get("client_event_id"), str):
            return None
        code = error.get("code")
        return SessionReply(
            "refused",
            event_id=error["client_event_id"],
            message=str(error.get("message") or "no message"),
            code=code if isinstance(code, str) else None,
        )

    def new_reducer(self, model: str) -> Reducer:
        return LiveReducer(model)

    # -- client events --------------------------------------------------------------------

    def check_client_event(self, event: Mapping[str, Any]) -> JSON:
        return check_live_client_event(event)

    def build_session(self, settings: SessionSettings) -> JSON:
        return build_live_session(
            settings,
            delegation=with_tools(self.delegation, settings.tool_specs),
            history=self.history,
        )

    def ignored_settings(self, settings: SessionSettings) -> list[IgnoredSetting]:
        return ignored_settings(settings)

    def session_updates(self, changes: Mapping[str, Any]) -> list[JSON]:
        changes = dict(changes)
        specs = changes.pop("tool_specs", None)
        if specs is not None and self.backend_tools:
            tools = (with_tools(self.delegation, specs) or {})["responses"]["tools"]
            delegation = dict(changes.get("delegation") or {"type": "responses"})
            delegation["responses"] = {**(delegation.get("responses") or {}), "tools": tools}
            changes["delegation"] = delegation
        return [check_live_client_event(e) for e in live_session_updates(changes)]

    def session_update(self, changes: Mapping[str, Any]) -> JSON:
        events = self.session_updates(changes)
        if len(events) != 1:
            raise ValueError(
                f"GPT-Live changes {', '.join(sorted(changes))} with {len(events)} client "
                "events (instructions are appended, delegation is a session.update): change "
                "one at a time, or send session_updates(changes)"
            )
        return events[0]

    def text_message(self, text: str, role: str, *, respond: bool) -> list[JSON]:
        # GPT-Live has no typed user turn: text is context. Speakable when a reply is
        # wanted (the model may tell it to the user), silent otherwise.
        return [commentary_event(text) if respond else thinking_event(text)]

    def response_request(self, overrides: Mapping[str, Any], tool_names: Collection[str]) -> JSON:
        backend = None if self.delegation is None else self.delegation.get("type")
        if backend != "responses":
            raise ValueError(
                "GPT-Live has no client event that makes the model reply: it decides when to "
                "speak. Send context it can speak with send_text (session.commentary.append); "
                "response.create exists only with Responses delegation "
                "(delegation={'type': 'responses', ...}), where it asks the backend"
            )
        if overrides or tool_names:
            given = ", ".join(sorted({*overrides, *tool_names}))
            raise ValueError(
                f"response.create in GPT-Live takes no per-response settings (got {given}); "
                "set them on the Responses backend (delegation['responses'])"
            )
        return check_live_client_event({"type": "response.create"})

    # -- continuing a conversation in a new call -----------------------------------------------

    def continue_from(
        self, rows: Sequence[Mapping[str, Any]], reducer: Reducer
    ) -> tuple[LiveProtocol, list[JSON]]:
        # GPT-Live takes earlier turns only as startup history (text messages in
        # session.input), and its instructions only grow: the ones in force go along as a
        # developer message, since the new session starts from `instructions` alone.
        history = history_from_transcript(rows)
        in_force = reducer.instructions_in_force if isinstance(reducer, LiveReducer) else ()
        appended = list(in_force)[1:]
        if appended:
            history = [
                {"role": "developer", "text": "Instructions added earlier: " + " ".join(appended)},
                *history,
            ]
        return LiveProtocol(delegation=self.delegation, history=history[-128:]), []

    # -- Python tools -----------------------------------------------------------------------

    def new_tool_feed(self) -> Callable[[Mapping[str, Any]], Sequence[Mapping[str, Any]]]:
        # Only a Responses backend makes function calls; client delegation is answered by
        # `call.delegations` instead.
        return LiveToolFeed()

    def tool_event(self, event: Mapping[str, Any]) -> JSON:
        return check_live_client_event(live_tool_event(event))

    # -- price meters ---------------------------------------------------------------------

    def default_prices(self) -> pricing.PriceTable:
        return pricing.PRICES


#: GPT-Live with your application handling delegated tasks and no startup history.
LIVE: Final = LiveProtocol()
