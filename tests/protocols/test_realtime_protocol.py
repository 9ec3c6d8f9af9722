"""The Realtime API behind the protocol seam: what it builds validates against the SDK's
types, and the call facts follow the server events; a second protocol plugs into the same
core without changing it."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any

import pytest

from realtime_widget import config
from realtime_widget.call import CallCore
from realtime_widget.conversation import Conversation, pricing
from realtime_widget.protocols import REALTIME, CallFacts, RealtimeProtocol, SessionReply
from tests.call.fakes import FakeHost, FakeTransport
from tests.support.openai_types import assert_client_event, assert_server_event


def test_client_events_it_builds_are_valid_sdk_events() -> None:
    for event in REALTIME.text_message("hi", "user", respond=True):
        assert_client_event(event)
    assert [e["type"] for e in REALTIME.text_message("x", "system", respond=False)] == [
        "conversation.item.create"
    ]
    assert_client_event(REALTIME.session_update({"instructions": "Be brief.", "speed": 1.1}))
    request = REALTIME.response_request({"conversation": "none", "metadata": {"k": "v"}}, [])
    assert_client_event(request)
    assert request["response"]["conversation"] == "none"
    with pytest.raises(ValueError):
        REALTIME.session_update({"model": "gpt-realtime-2.1-mini"})  # fixed for a running call


def test_session_payload_is_the_configs() -> None:
    settings = config.SessionSettings(instructions="Hello.")
    assert REALTIME.build_session(settings) == config.build_session(settings)


SERVER_EVENTS: list[dict[str, Any]] = [
    {
        "type": "response.created",
        "event_id": "e1",
        "response": {"id": "r1", "object": "realtime.response", "conversation_id": "c"},
    },
    {"type": "output_audio_buffer.started", "event_id": "e2", "response_id": "r1"},
    {"type": "output_audio_buffer.stopped", "event_id": "e3", "response_id": "r1"},
    {
        "type": "response.done",
        "event_id": "e4",
        "response": {"id": "r1", "object": "realtime.response", "status": "completed"},
    },
]


def test_facts_follow_the_server_events_and_are_immutable() -> None:
    for event in SERVER_EVENTS:
        assert_server_event(event)
    facts = CallFacts(sessions=1)
    seen = []
    for event in SERVER_EVENTS:
        facts = REALTIME.advance(facts, event)
        seen.append((facts.active_response, facts.audio_playing, facts.model_spoke))
    assert seen == [
        ("r1", False, False),
        ("r1", True, True),
        ("r1", False, True),
        (None, False, True),
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.sessions = 3  # type: ignore[misc]
    assert REALTIME.advance(facts, {"type": "session.created"}) == CallFacts(sessions=2)
    assert facts.call_ended() == CallFacts(sessions=1)


def test_session_replies() -> None:
    assert REALTIME.session_reply({"type": "session.updated"}) == SessionReply("confirmed")
    refused = REALTIME.session_reply(
        {"type": "error", "error": {"message": "no", "code": "x", "event_id": "evt_1"}}
    )
    assert refused == SessionReply("refused", event_id="evt_1", message="no", code="x")
    assert REALTIME.session_reply({"type": "error", "error": {"message": "no"}}) is None
    assert REALTIME.session_reply({"type": "response.done"}) is None


class ToyProtocol(RealtimeProtocol):
    """A second voice API in miniature: its own text event and its own call-start event."""

    name = "toy"

    def advance(self, facts: CallFacts, event: Mapping[str, Any]) -> CallFacts:
        if event.get("type") == "call.started":
            return CallFacts(sessions=facts.sessions + 1)
        return super().advance(facts, event)

    def text_message(self, text: str, role: str, *, respond: bool) -> list[dict[str, Any]]:
        return [{"type": "input.text", "event_id": f"toy_{len(text)}", "text": text}]

    def response_request(
        self, overrides: Mapping[str, Any], tool_names: Collection[str]
    ) -> dict[str, Any]:
        return {"type": "reply", "event_id": "toy_r"}

    def default_prices(self) -> pricing.PriceTable:
        return {}


class UncheckedTransport(FakeTransport):
    def send(self, event: dict[str, Any]) -> None:  # toy events are not SDK events
        self.sent.append(event)


def test_a_second_protocol_plugs_into_the_same_core_and_conversation() -> None:
    toy = ToyProtocol()
    transport, host = UncheckedTransport(), FakeHost()
    conversation = Conversation(model="toy-1", protocol=toy)
    core = CallCore(transport, host, conversation, config.SessionSettings(), protocol=toy)
    core.connect()
    core.send_text("queued while connecting")
    core.status_changed("connecting")
    core.status_changed("connected")
    assert transport.sent == [
        {"type": "input.text", "event_id": "toy_23", "text": "queued while connecting"}
    ]
    core.receive(
        [(1.0, "server", {"type": "call.started"}), (2.0, "server", {"type": "call.started"})]
    )
    assert core.facts.sessions == 2
    kinds = [r[2]["type"] for r in conversation.raw_events if isinstance(r[2], dict)]
    assert kinds == ["call.started", "realtime_widget.session_boundary", "call.started"]
    assert conversation.prices == {}  # the protocol's price meters
    assert core.respond({}, []) == "toy_r"
