"""emulator/live/config.py: GPT-Live's startup checks, session.update's rules, the resource."""

from __future__ import annotations

import pytest
from support.live_types import assert_live_server_event

from realtime_widget.emulator.live import config as lc


def test_snapshots_of_a_live_model_are_live() -> None:
    assert lc.startup_problem({"model": "gpt-live-1-2026-09-01"}, websocket=False) is None
    problem = lc.startup_problem({"model": "gpt-4o"}, websocket=False)
    assert problem is not None and problem.param == "session.model"


def test_only_a_websocket_takes_an_audio_format_and_its_rates() -> None:
    pcm16 = {"model": "gpt-live-1", "audio": {"format": {"type": "audio/pcm", "rate": 16000}}}
    assert lc.startup_problem(pcm16, websocket=True) is None
    bad = {"model": "gpt-live-1", "audio": {"format": {"type": "audio/pcm", "rate": 44100}}}
    problem = lc.startup_problem(bad, websocket=True)
    assert problem is not None and problem.param == "session.audio.format.rate"
    assert lc.startup_problem(pcm16, websocket=False) is not None


@pytest.mark.parametrize(
    ("update", "param"),
    [
        ({"instructions": "x"}, "session.instructions"),
        ({"audio": {"output": {"voice": "cedar"}}}, "session.audio"),
        ({"model": "gpt-live-1"}, "session.model"),
        ({"tools": []}, "session.tools"),
        ({"delegation": {"type": "client"}}, "session.delegation.type"),
    ],
)
def test_update_refuses_startup_fields_and_a_new_delegation_type(
    update: dict[str, object], param: str
) -> None:
    current = {"model": "gpt-live-1", "delegation": {"type": "responses", "responses": {}}}
    problem = lc.update_problem(update, current)
    assert problem is not None and problem.param == param


def test_update_is_sparse_and_the_resource_validates() -> None:
    session = lc.resolved_session(
        {
            "model": "gpt-live-1",
            "idle_timeout_s": 30,
            "delegation": {"type": "responses", "responses": {"model": "gpt-5.5", "tools": []}},
        }
    )
    update = {"delegation": {"type": "responses", "responses": {"instructions": "Be exact."}}}
    assert lc.update_problem(update, session) is None
    after = lc.apply_update(session, update)
    assert after["delegation"]["responses"] == {
        "model": "gpt-5.5",
        "tools": [],
        "instructions": "Be exact.",
    }
    assert session["delegation"]["responses"].get("instructions") is None  # not changed in place
    resource = lc.session_resource(after, session_id="live_1", expires_at=9, instructions="Hi")
    assert "idle_timeout_s" not in resource and resource["audio"]["output"]["voice"] == "marin"
    assert_live_server_event({"type": "session.updated", "event_id": "e", "session": resource})


def test_idle_timeout_and_wake_policy_are_for_webrtc_creation_only() -> None:
    session = {"model": "gpt-live-1", "idle_timeout_s": 30}
    assert lc.startup_problem(session, websocket=False) is None
    problem = lc.startup_problem(session, websocket=True)
    assert problem is not None and problem.param == "session.idle_timeout_s"
