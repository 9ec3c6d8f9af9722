"""GPT-Live behind the protocol seam (`protocols/live.py`, `live_events.py`, `live_session.py`):
what it builds validates strictly against `openai.types.live`, the call facts follow Live's
server events, and bad input gets an error naming what to do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from realtime_widget import config
from realtime_widget.conversation import Conversation, pricing
from realtime_widget.conversation.jsonl import read_records
from realtime_widget.conversation.reduce_live import LiveReducer
from realtime_widget.protocols import LIVE, REALTIME, CallFacts, LiveProtocol, SessionReply
from realtime_widget.protocols.live import delegation_answer, thinking_event
from realtime_widget.protocols.live_events import LIVE_CLIENT_EVENT_TYPES
from realtime_widget.protocols.live_session import IGNORED_BECAUSE, LIVE_VOICES
from tests.support.live_types import check_live_client_event, check_live_session_config

FIXTURES = Path(__file__).parent.parent / "fixtures" / "live"
BACKEND = {"type": "responses", "responses": {"model": "gpt-5.5", "instructions": "Be exact."}}


def live_settings(**fields: Any) -> config.SessionSettings:
    return config.SessionSettings(model="gpt-live-1", **fields)


# -- the client events ----------------------------------------------------------------------


def test_the_event_list_is_the_sdks() -> None:
    from typing import get_args

    from openai.types.live import ClientEvent

    union = get_args(get_args(ClientEvent)[0])
    sdk = {get_args(m.model_fields["type"].annotation)[0] for m in union}
    assert set(LIVE_CLIENT_EVENT_TYPES) == sdk


def test_text_is_context_speakable_or_silent() -> None:
    (spoken,) = LIVE.text_message("Your order shipped.", "user", respond=True)
    assert spoken["type"] == "session.commentary.append"
    assert (spoken["content"], spoken["delegation_id"]) == ("Your order shipped.", None)
    (silent,) = LIVE.text_message("The user is a VIP.", "system", respond=False)
    assert silent["type"] == "session.thinking.append"
    for event in (spoken, silent, thinking_event("x"), delegation_answer("dlg_1", "18 C")):
        assert event["event_id"].startswith("evt_rw_")
        check_live_client_event(event)
    assert delegation_answer("dlg_1", "18 C")["delegation_id"] == "dlg_1"
    with pytest.raises(ValueError, match="delegation_id must be"):
        delegation_answer("", "x")


def test_check_client_event_copies_adds_an_id_and_names_what_is_wrong() -> None:
    event = {"type": "session.close"}
    checked = LIVE.check_client_event(event)
    assert "event_id" not in event and checked["event_id"]
    assert (
        LIVE.check_client_event({"type": "session.close", "event_id": "mine"})["event_id"] == "mine"
    )
    with pytest.raises(ValueError, match=r"missing the required field\(s\) 'delegation_id'.*null"):
        LIVE.check_client_event({"type": "session.commentary.append", "content": "x"})
    with pytest.raises(ValueError, match="'content' must be a string, got int"):
        LIVE.check_client_event(
            {"type": "session.commentary.append", "content": 3, "delegation_id": None}
        )
    with pytest.raises(ValueError, match=r"Realtime API event.*session\.commentary\.append"):
        LIVE.check_client_event({"type": "conversation.item.create", "item": {}})
    with pytest.raises(ValueError, match="unknown GPT-Live client event type 'nope'"):
        LIVE.check_client_event({"type": "nope"})
    with pytest.raises(TypeError, match="cannot be sent as JSON"):
        LIVE.check_client_event({"type": "session.close", "x": {1, 2}})
    with pytest.raises(ValueError, match="event_id"):
        LIVE.check_client_event({"type": "session.close", "event_id": ""})


def test_every_fixture_client_event_passes_the_hand_written_check() -> None:
    for path in FIXTURES.glob("*.jsonl"):
        for _, direction, event in read_records(path):
            if direction == "client":
                assert isinstance(event, dict)
                assert LIVE.check_client_event(event) == event


# -- the session ----------------------------------------------------------------------------


def test_build_session_is_a_strict_sdk_session_config() -> None:
    session = LIVE.build_session(live_settings(instructions="Be brief.", voice="quartz"))
    assert session == {
        "model": "gpt-live-1",
        "instructions": "Be brief.",
        "audio": {"output": {"voice": "quartz"}},
    }
    check_live_session_config(session)
    history = [{"role": "user", "text": "Hi"}, {"role": "assistant", "text": "Hello!"}]
    full = LIVE.configured(delegation=BACKEND, history=history).build_session(
        live_settings(voice="my-voice-id", instructions="  ")
    )
    assert "instructions" not in full  # blank: the server's defaults
    assert full["audio"] == {"output": {"voice": {"id": "my-voice-id"}}}
    assert full["delegation"] == BACKEND
    assert full["input"][1] == {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Hello!"}],
    }
    check_live_session_config(full)
    check_live_client_event({"type": "session.start", "session": full})


def test_live_voices_are_the_sdks() -> None:
    from typing import get_args

    from openai.types.live import BuiltInVoice

    assert set(LIVE_VOICES) == set(get_args(BuiltInVoice))


def test_a_realtime_model_is_refused() -> None:
    with pytest.raises(ValueError, match="'gpt-realtime' is not a GPT-Live model"):
        LIVE.build_session(config.SessionSettings(model="gpt-realtime"))


@pytest.mark.parametrize(
    ("delegation", "message"),
    [
        ("client", "delegation must be None or a dict"),
        ({"type": "server"}, "must be one of 'client', 'responses', 'decisions'"),
        (
            {"type": "responses"},
            r"delegation\['responses'\] must be a dict with at least a 'model'",
        ),
        ({"type": "responses", "responses": {"model": ""}}, "must be a non-empty str"),
        ({"type": "responses", "responses": {"model": "gpt-live-1"}}, "backend"),
        ({"type": "responses", "responses": {"model": "m", "tool": []}}, "unknown key.*'tool'"),
        ({"type": "client", "responses": {}}, "unknown key"),
        ({"type": "client", "acknowledgement_delay_ms": -1}, "int >= 0"),
    ],
)
def test_bad_delegation_is_named(delegation: Any, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        LIVE.configured(delegation=delegation)


def test_bad_history_is_named() -> None:
    with pytest.raises(ValueError, match=r"history\[0\]\['role'\] must be one of"):
        LiveProtocol(history=[{"role": "system", "text": "x"}])
    with pytest.raises(ValueError, match="at most 128"):
        LiveProtocol(history=[{"role": "user", "text": "x"}] * 129)


def test_ignored_settings_name_each_realtime_only_setting_and_why() -> None:
    assert LIVE.ignored_settings(live_settings()) == []
    given = live_settings(
        turn_detection=None,
        transcription=None,
        noise_reduction="near_field",
        output_modalities=("text",),
        tool_specs=({"type": "function", "name": "f"},),
        reasoning_effort="low",
        parallel_tool_calls=True,
        speed=1.2,
        tracing="auto",
    )
    ignored = LIVE.ignored_settings(given)
    assert [i.field for i in ignored] == list(IGNORED_BECAUSE)
    by_field = {i.field: i for i in ignored}
    assert by_field["speed"].value == 1.2
    assert "delegation" in by_field["tool_specs"].reason
    # None of them reaches the session.
    session = LIVE.build_session(given)
    assert set(session) == {"model", "instructions", "audio"}
    check_live_session_config(session)
    # The Realtime protocol takes them all.
    assert REALTIME.ignored_settings(given) == []


def test_running_changes() -> None:
    (append,) = LIVE.session_updates({"instructions": "Now answer in French."})
    assert append["type"] == "session.instructions.append"
    assert (append["content"], append["delegation_id"]) == ("Now answer in French.", None)
    update = LIVE.session_update({"delegation": {"type": "responses", "responses": {"tools": []}}})
    assert update["type"] == "session.update"
    assert update["session"] == {"delegation": {"type": "responses", "responses": {"tools": []}}}
    both = LIVE.session_updates({"instructions": "x", "delegation": {"type": "client"}})
    assert [e["type"] for e in both] == ["session.instructions.append", "session.update"]
    for event in (append, update, *both):
        check_live_client_event(event)
    with pytest.raises(ValueError, match="change one at a time, or send session_updates"):
        LIVE.session_update({"instructions": "x", "delegation": {"type": "client"}})
    for field in ("model", "voice"):
        with pytest.raises(
            ValueError, match=f"'{field}' is fixed at start in GPT-Live; create a new"
        ):
            LIVE.session_update({field: "x"})
    with pytest.raises(ValueError, match="'speed' cannot be set in a GPT-Live session"):
        LIVE.session_update({"speed": 1.0})
    with pytest.raises(ValueError, match="append-only"):
        LIVE.session_update({"instructions": " "})
    with pytest.raises(ValueError, match="cannot be removed"):
        LIVE.session_update({"delegation": None})


def test_realtime_session_updates_is_its_one_session_update() -> None:
    (event,) = REALTIME.session_updates({"instructions": "x"})
    assert event["type"] == "session.update" and event["session"]["instructions"] == "x"


def test_response_request_exists_only_with_responses_delegation() -> None:
    with pytest.raises(ValueError, match="no client event that makes the model reply"):
        LIVE.response_request({}, ())
    backend = LIVE.configured(delegation=BACKEND)
    event = backend.response_request({}, ())
    assert event["type"] == "response.create"
    check_live_client_event(event)
    with pytest.raises(ValueError, match="takes no per-response settings"):
        backend.response_request({"instructions": "x"}, ())


# -- server events --------------------------------------------------------------------------


def fixture_events(name: str) -> list[dict[str, Any]]:
    return [e for _, d, e in read_records(FIXTURES / f"{name}.jsonl") if d == "server"]  # type: ignore[misc]


def test_facts_follow_a_live_session() -> None:
    facts = CallFacts()
    seen = []
    for event in fixture_events("live_spoken_turn"):
        facts = LIVE.advance(facts, event)
        seen.append((event["type"], facts.sessions, facts.model_spoke))
    assert seen[0] == ("session.started", 1, False)
    assert ("session.output_transcript.delta", 1, True) in seen
    # session.closed ends the call: nothing of it remains but the count.
    assert facts == CallFacts(sessions=1)
    assert facts.active_response is None


def test_an_expired_session_says_so_and_a_second_start_is_a_new_session() -> None:
    closed = {"type": "session.closed", "reason": "expired"}
    facts = LIVE.advance(CallFacts(sessions=1, model_spoke=True), closed)
    assert facts.expired and not facts.model_spoke
    facts = LIVE.advance(facts, {"type": "session.started"})
    assert facts.sessions == 2 and not facts.expired
    # Realtime's expiry error means nothing here.
    assert not LIVE.advance(facts, {"type": "error", "error": {"code": "session_expired"}}).expired


def test_session_reply_reads_client_event_id() -> None:
    assert LIVE.session_reply({"type": "session.updated"}) == SessionReply("confirmed")
    assert LIVE.session_reply({"type": "session.instructions.appended"}) == SessionReply(
        "confirmed"
    )
    error = fixture_events("live_instructions_append")[-2]
    assert error["type"] == "error"
    assert LIVE.session_reply(error) == SessionReply(
        "refused",
        event_id="client_0010",
        message="content must not be empty.",
        code="invalid_value",
    )
    # Realtime's name for it is not Live's.
    assert LIVE.session_reply({"type": "error", "error": {"event_id": "e", "message": "m"}}) is None
    assert LIVE.session_reply({"type": "session.commentary.appended"}) is None


def test_reducer_and_prices() -> None:
    assert isinstance(LIVE.new_reducer("gpt-live-1"), LiveReducer)
    table = LIVE.default_prices()
    assert table is pricing.PRICES
    assert table["gpt-live-1"].per_minute == 0.05
    assert table["gpt-live-1:standby"].per_minute == 0.02
    conv = Conversation(model="gpt-live-1", protocol=LIVE)
    conv.ingest(read_records(FIXTURES / "live_spoken_turn.jsonl"))
    assert conv.cost() == pytest.approx(8 / 60 * 0.05, abs=1e-12)
    want = json.loads((FIXTURES / "live_spoken_turn.expected.json").read_text("utf-8"))
    assert list(conv.transcript["text"]) == [r["text"] for r in want["transcript"]]


# -- the same call core, unchanged ----------------------------------------------------------


def test_live_plugs_into_the_call_core() -> None:
    from realtime_widget.call import CallCore
    from tests.call.fakes import FakeHost, FakeTransport

    # Every event the core sends is checked against the Live SDK types.
    transport, host = FakeTransport(check=check_live_client_event), FakeHost()
    conversation = Conversation(model="gpt-live-1", protocol=LIVE)
    settings = live_settings(instructions="Be brief.", speed=1.2)
    core = CallCore(transport, host, conversation, settings, protocol=LIVE)
    session, _ = core.settings.for_new_call()
    check_live_session_config(session)
    assert "speed" not in json.dumps(session)
    core.connect()
    core.send_text("queued while connecting")
    core.status_changed("connecting")
    core.status_changed("connected")
    assert [e["type"] for e in transport.sent] == ["session.commentary.append"]
    server = fixture_events("live_spoken_turn")
    core.receive([(1.0, "server", server[0]), (2.0, "server", server[3])])
    assert (core.facts.sessions, core.facts.model_spoke) == (1, True)
    # Instructions are appended; a Realtime-only setting sends nothing.
    event_id = core.update({"instructions": "Answer in French."})
    assert transport.sent[-1]["type"] == "session.instructions.append"
    assert transport.sent[-1]["event_id"] == event_id
    # A setting GPT-Live has no place for is refused at once, saying why (nothing is sent).
    sent = len(transport.sent)
    with pytest.raises(ValueError, match="speed cannot be set here: GPT-Live has no speech"):
        core.update({"speed": 1.0})
    assert len(transport.sent) == sent
    ack = {
        "type": "session.instructions.appended",
        "event_id": "e9",
        "start_ms": 3000,
        "end_ms": 3000,
        "client_event_id": event_id,
    }
    core.receive([(3.0, "server", ack)])
    assert conversation.instructions_version() == 2
    # A refused append rolls the setting back, naming the server's reason.
    refused_id = core.update({"instructions": "Shout."})
    error = {
        "type": "error",
        "event_id": "e10",
        "error": {
            "type": "invalid_request_error",
            "code": "fixture_active",
            "message": "an audio fixture is playing",
            "client_event_id": refused_id,
        },
    }
    with pytest.warns(RuntimeWarning, match="an audio fixture is playing"):
        core.receive([(4.0, "server", error)])
    assert core.settings.values["instructions"] == "Answer in French."
    assert any("an audio fixture is playing" in text for _, text in host.notices)
    with pytest.raises(ValueError, match="no client event that makes the model reply"):
        core.respond({}, [])
    # session.closed ends the call's facts; a second session.started is a new call.
    core.receive([(5.0, "server", server[-1]), (6.0, "server", server[0])])
    kinds = [r[2]["type"] for r in conversation.raw_events if isinstance(r[2], dict)]
    assert kinds[-2:] == ["realtime_widget.session_boundary", "session.started"]
    assert list(conversation.transcript["session"].unique()) == [0]


def test_history_from_a_live_transcript_continues_the_conversation() -> None:
    from realtime_widget.protocols.live_session import history_from_transcript

    conv = Conversation(model="gpt-live-1", protocol=LIVE)
    conv.ingest(read_records(FIXTURES / "live_delegation.jsonl"))
    history = history_from_transcript(conv.transcript.to_dict("records"))
    assert [(m["role"], m["content"][0]["text"]) for m in history] == [
        ("user", "What's the weather in Paris?"),
        ("assistant", "Let me check."),
        ("developer", "Paris: 18 degrees Celsius, sunny."),
        ("assistant", "It's 18 degrees and sunny in Paris."),
    ]
    session = LIVE.configured(history=history).build_session(live_settings())
    check_live_session_config(session)
    # Thinking is silent context, not history; the latest 128 are kept.
    conv2 = Conversation(model="gpt-live-1", protocol=LIVE)
    conv2.ingest(read_records(FIXTURES / "live_instructions_append.jsonl"))
    rows = conv2.transcript.to_dict("records")
    assert "developer" not in [m["role"] for m in history_from_transcript(rows)]
    many = [
        {"role": "user", "kind": "audio", "text": f"t{i}", "status": "complete"} for i in range(130)
    ]
    kept = history_from_transcript(many)
    assert len(kept) == 128 and kept[0]["content"][0]["text"] == "t2"
