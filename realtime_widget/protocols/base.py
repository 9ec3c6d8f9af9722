"""The protocol seam: what differs between OpenAI's voice APIs, behind one interface.

The call core (`realtime_widget.call`), the widget and the analysis tables never name an
event type, build a session payload or look up a price themselves; they ask the
`VoiceProtocol` of the call. The Realtime API (GA) is `protocols.realtime.REALTIME`; a
second API (GPT-Live) is added as a second implementation of this interface, with no
change to the core, the widget or `Conversation`'s tables (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from realtime_widget.config import SessionSettings
    from realtime_widget.conversation.pricing import PriceTable
    from realtime_widget.conversation.reduce import Reducer

JSON = dict[str, Any]


@dataclass(frozen=True)
class CallFacts:
    """What the running call has done so far, as far as the kernel must know (immutable).

    One place for these facts: the interrupt rule, the voice lock and the session
    boundary of a reconnect all read them here.
    """

    #: `session.created` events seen in this conversation (a second one is a new call).
    sessions: int = 0
    #: The model has produced audio in this session (the API then keeps the voice).
    model_spoke: bool = False
    #: The in-conversation response that is running (what Interrupt cancels), if any.
    active_response: str | None = None
    #: The model's audio is playing (WebRTC: between output_audio_buffer started/stopped).
    audio_playing: bool = False
    #: The server said the session expired (the core may continue in a new call).
    expired: bool = False

    def call_ended(self) -> CallFacts:
        """The same conversation with no call running."""
        return CallFacts(sessions=self.sessions)


@dataclass(frozen=True)
class SessionReply:
    """A server answer to a session change: confirmed, or refused naming the event."""

    kind: Literal["confirmed", "refused"]
    event_id: str | None = None
    message: str = ""
    code: str | None = None


@dataclass(frozen=True)
class IgnoredSetting:
    """A widget setting this API has no place for: it is not sent (the widget warns)."""

    field: str
    value: Any
    reason: str


class VoiceProtocol(Protocol):
    """Everything API-specific the core, the widget and the tables use."""

    #: Short name ("realtime"); shown in reprs and docs.
    name: str
    #: The session inputs, in payload order; `not_updatable` apply from the next call.
    session_fields: Sequence[str]
    not_updatable: frozenset[str]
    #: Inputs a running session refuses outright (GPT-Live: model and voice are fixed at
    #: start); the Realtime API applies its `not_updatable` from the next call instead.
    fixed_at_start: frozenset[str]
    #: The model decides when it speaks and stops (GPT-Live): no client event cancels a
    #: response, so Interrupt only silences local playback.
    model_drives_turns: bool
    #: Instructions can only be added to, not replaced (GPT-Live's
    #: `session.instructions.append`).
    instructions_append_only: bool

    # -- the event vocabulary (server → kernel) -------------------------------------------
    def advance(self, facts: CallFacts, event: Mapping[str, Any]) -> CallFacts:
        """The call's facts after one server event (pure)."""
        ...

    def session_reply(self, event: Mapping[str, Any]) -> SessionReply | None:
        """The answer to a session change that `event` carries, if any."""
        ...

    def new_reducer(self, model: str) -> Reducer:
        """A fresh reducer of this API's events into `Conversation`'s rows."""
        ...

    # -- client events (kernel → server) -------------------------------------------------
    def check_client_event(self, event: Mapping[str, Any]) -> JSON:
        """A JSON-ready copy of a client event with an `event_id`; raises on bad input."""
        ...

    def build_session(self, settings: SessionSettings) -> JSON:
        """The session object a new call starts with."""
        ...

    def session_update(self, changes: Mapping[str, Any]) -> JSON:
        """The client event that changes these (normalized) fields of a running session."""
        ...

    def session_updates(self, changes: Mapping[str, Any]) -> list[JSON]:
        """Every client event these changes take, in order (GPT-Live may need two: an
        instructions append and a session.update); each gets a server answer."""
        ...

    def ignored_settings(self, settings: SessionSettings) -> list[IgnoredSetting]:
        """The given settings this API has no place for (not sent), each with the reason."""
        ...

    def text_message(self, text: str, role: str, *, respond: bool) -> list[JSON]:
        """The client events that add a text message (and ask for a reply)."""
        ...

    def response_request(self, overrides: Mapping[str, Any], tool_names: Collection[str]) -> JSON:
        """The client event that asks for one response with per-response settings."""
        ...

    # -- continuing a conversation in a new call -----------------------------------------------
    def continue_from(
        self, rows: Sequence[Mapping[str, Any]], reducer: Reducer
    ) -> tuple[VoiceProtocol, list[JSON]]:
        """How a new call carries on the conversation so far (its `transcript` rows): the
        protocol the call starts with and the client events sent once it is ready."""
        ...

    # -- Python tools -----------------------------------------------------------------------
    #: The model hands tasks to the application itself (GPT-Live's client delegation,
    #: `call.delegations`); False: tools are only function calls.
    delegates: bool

    def new_tool_feed(self) -> Callable[[Mapping[str, Any]], Sequence[Mapping[str, Any]]]:
        """A fresh translator of server events into the function-call events the tool
        runner reads (`tools.ToolCallRunner.feed`); one per conversation."""
        ...

    def tool_event(self, event: Mapping[str, Any]) -> JSON:
        """The tool runner's client event (Realtime shape), checked, as this API takes it."""
        ...

    # -- price meters ---------------------------------------------------------------------
    def default_prices(self) -> PriceTable:
        """The price table (USD per 1M tokens) this API's usage is metered with."""
        ...
