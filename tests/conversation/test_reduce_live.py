"""The GPT-Live reducer (`conversation/reduce_live.py`): the shared Live fixtures reduce to
their hand-written tables, and the rules of tests/fixtures/live/README.md hold one by one."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from realtime_widget.conversation import Conversation, UnknownModelPriceWarning
from realtime_widget.conversation.jsonl import read_records
from realtime_widget.conversation.pricing import PRICES, ModelPrices
from realtime_widget.conversation.reduce_live import DEFAULT_LIVE_MODEL, LIVE_EVENTS, LiveReducer
from realtime_widget.live_facts import DEFAULT_LIVE_MODEL as FACTS_DEFAULT

LIVE = Path(__file__).parent.parent / "fixtures" / "live"
NAMES = sorted(p.name.removesuffix(".expected.json") for p in LIVE.glob("*.expected.json"))
T0 = 1_772_366_400.0  # 2026-03-01T12:00:00Z, the fixtures' session start


def reduce(name: str) -> Conversation:
    conv = Conversation(model="gpt-live-1", protocol=LIVE_EVENTS)
    conv.ingest(read_records(LIVE / f"{name}.jsonl"))
    return conv


def expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((LIVE / f"{name}.expected.json").read_text("utf-8"))
    return data


def _nan_none(v: Any) -> Any:
    return None if isinstance(v, float) and math.isnan(v) else v


def test_all_six_fixtures_have_expectations() -> None:
    assert len(NAMES) == 6
    assert {p.stem for p in LIVE.glob("*.jsonl")} == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_transcript(name: str) -> None:
    df = reduce(name).transcript
    rows = [
        {
            "item_id": r.item_id,
            "role": r.role,
            "kind": r.kind,
            "text": r.text,
            "status": r.status,
            "start_ms": round((r.started_at.timestamp() - T0) * 1000),
            "end_ms": round((r.ended_at.timestamp() - T0) * 1000),
            "instructions_version": int(r.instructions_version),
        }
        for r in df.itertuples()
    ]
    assert rows == expected(name)["transcript"]


@pytest.mark.parametrize("name", NAMES)
def test_latency(name: str) -> None:
    df = reduce(name).latency
    rows = [
        {
            "item_id": r.response_id,
            "trigger": r.trigger,
            "trigger_item_id": r.user_item_id,
            "latency_ms": r.to_first_delta_ms,
        }
        for r in df.itertuples()
    ]
    want = expected(name)["latency"]
    assert [{**r, "latency_ms": pytest.approx(r["latency_ms"], abs=1e-3)} for r in want] == rows
    # No response.created in Live: all three are the turn's start.
    assert (df["to_response_ms"] == df["to_first_delta_ms"]).all()
    assert (df["to_audio_ms"] == df["to_first_delta_ms"]).all()


@pytest.mark.parametrize("name", NAMES)
def test_usage_and_totals(name: str) -> None:
    conv = reduce(name)
    df = conv.usage
    rows = [
        {
            "kind": r.kind,
            "response_id": _nan_none(r.response_id),
            "session": int(r.session),
            "model": r.model,
            "seconds": r.audio_seconds,
            "input_tokens": int(r.input_tokens),
            "output_tokens": int(r.output_tokens),
            "total_tokens": int(r.total_tokens),
            "cached_tokens": int(r.cached_tokens),
            "cost_usd": pytest.approx(r.cost_usd, abs=1e-9),
        }
        for r in df.itertuples()
    ]
    want = expected(name)
    assert rows == want["usage"]
    totals = want["totals"]
    assert conv.cost() == pytest.approx(totals["cost_usd"], abs=1e-9)
    assert df["cost_usd"].sum() == pytest.approx(totals["cost_usd"], abs=1e-9)
    summary = conv.summary()
    assert summary.voice_seconds == totals["seconds"]
    assert summary.input_tokens == totals["input_tokens"]
    assert summary.output_tokens == totals["output_tokens"]
    assert summary.total_tokens == totals["total_tokens"]
    assert int(df["cached_tokens"].sum()) == totals["cached_tokens"]
    assert int((df["kind"] == "response").sum()) == totals["responses"]
    assert summary.turns == sum(
        1 for r in want["transcript"] if r["role"] == "assistant" and r["kind"] == "audio"
    )


@pytest.mark.parametrize("name", NAMES)
def test_sessions(name: str) -> None:
    df = reduce(name).sessions
    rows = [
        {
            "type": r.type,
            "direction": r.direction,
            "session": int(r.session),
            "version": int(r.version),
            "instructions": _nan_none(r.instructions),
            "model": _nan_none(r.model),
            "voice": _nan_none(r.voice),
        }
        for r in df.itertuples()
    ]
    assert rows == expected(name)["sessions"]


def test_refused_append_is_an_error_naming_the_client_event() -> None:
    conv = reduce("live_instructions_append")
    errors = [e for e in conv.raw_events if isinstance(e[2], dict) and e[2]["type"] == "error"]
    got = [
        {"client_event_id": e[2]["error"]["client_event_id"], "code": e[2]["error"]["code"]}
        for e in errors
    ]
    assert got == expected("live_instructions_append")["errors"]
    # The refused append made no version: 2 before it, 2 after.
    assert conv.instructions_version() == 2


def test_the_default_live_model_mirrors_live_facts() -> None:
    assert DEFAULT_LIVE_MODEL == FACTS_DEFAULT


# -- the rules, one by one -------------------------------------------------------------------

Rec = tuple[float, str, dict[str, Any]]


def started(t: float = 0.0, sid: str = "s1", **session: Any) -> Rec:
    body = {"id": sid, "expires_at": 1, "model": "gpt-live-1", "status": "active", **session}
    return (t, "server", {"type": "session.started", "event_id": f"e{t}", "session": body})


def said(t: float, who: str, delta: str, start: int, end: int) -> Rec:
    kind = "input" if who == "user" else "output"
    event = {"type": f"session.{kind}_transcript.delta", "delta": delta}
    return (t, "server", {**event, "start_ms": start, "end_ms": end, "event_id": f"d{t}"})


def usage(t: float, seconds: float, **extra: Any) -> Rec:
    event = {"type": "session.usage.updated", "event_id": f"u{t}"}
    return (t, "server", {**event, "usage": {"seconds": seconds, **extra}})


def live(*records: Rec, prices: Any = None) -> Conversation:
    conv = Conversation(model="gpt-live-1", protocol=LIVE_EVENTS, prices=prices)
    conv.ingest(list(records))
    return conv


def texts(conv: Conversation) -> list[tuple[str, str]]:
    return [(r.role, r.text) for r in conv.transcript.itertuples()]


def test_same_speaker_fragments_join_until_someone_else_speaks() -> None:
    conv = live(
        started(),
        said(1, "user", "one", 100, 200),
        said(2, "user", " two", 200, 300),
        said(3, "assistant", "A", 400, 500),
        said(4, "user", "three", 600, 700),
    )
    assert texts(conv) == [("user", "one two"), ("assistant", "A"), ("user", "three")]


def test_a_silent_pause_alone_does_not_split_a_turn() -> None:
    conv = live(started(), said(1, "user", "one", 100, 200), said(5, "user", " two", 3000, 3100))
    assert texts(conv) == [("user", "one two")]


def test_conversation_order_is_the_timeline_not_arrival() -> None:
    # The user's transcript arrives after the assistant's, but was spoken first.
    conv = live(
        started(),
        said(2, "assistant", "Sure.", 900, 1200),
        said(3, "user", "Can you help?", 100, 700),
    )
    assert texts(conv) == [("user", "Can you help?"), ("assistant", "Sure.")]


def test_usage_is_cumulative_never_summed_and_paused_seconds_take_the_standby_rate() -> None:
    conv = live(
        started(),
        usage(1, 30),
        usage(2, 60, active_seconds=40, paused_seconds=20),
        usage(3, 120, active_seconds=60, paused_seconds=60),
    )
    df = conv.usage
    assert list(df["kind"]) == ["voice"]
    assert df["audio_seconds"].iloc[0] == 120
    # 60 s active at $0.05/min + 60 s standby at $0.02/min
    assert df["cost_usd"].iloc[0] == pytest.approx(0.05 + 0.02, abs=1e-12)
    assert conv.cost() == pytest.approx(0.07, abs=1e-12)
    assert conv.summary().voice_seconds == 120


def test_each_session_has_its_own_voice_row() -> None:
    conv = live(started(0, "s1"), usage(1, 60), started(2, "s2"), usage(3, 30))
    df = conv.usage
    assert list(df["session"]) == [0, 1]
    assert list(df["audio_seconds"]) == [60, 30]
    assert conv.cost() == pytest.approx(90 / 60 * 0.05, abs=1e-12)


def test_a_backend_model_without_a_price_is_nan_with_a_warning_never_a_neighbours() -> None:
    done = {
        "type": "response.completed",
        "sequence_number": 1,
        "response": {
            "id": "r1",
            "model": "gpt-5.5-mini",
            "status": "completed",
            "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15},
        },
    }
    conv = live(
        started(),
        (1.0, "server", {"type": "response.event", "event_id": "x", "event": done}),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = conv.usage
        total = conv.cost()
    assert math.isnan(df.loc[df["kind"] == "response", "cost_usd"].iloc[0])
    assert math.isnan(total)
    assert any(
        issubclass(w.category, UnknownModelPriceWarning) and "gpt-5.5-mini" in str(w.message)
        for w in caught
    )
    # Priced once the user adds it.
    priced = live(
        started(),
        (1.0, "server", {"type": "response.event", "event_id": "x", "event": done}),
        prices={**PRICES, "gpt-5.5-mini": ModelPrices(1, 0.1, 2, 0, 0, 0)},
    )
    assert priced.cost() == pytest.approx((10 * 1 + 5 * 2) / 1e6, abs=1e-15)


def test_commentary_is_partial_until_acknowledged_and_failed_when_refused() -> None:
    append = {
        "type": "session.commentary.append",
        "event_id": "c1",
        "content": "note",
        "delegation_id": None,
    }
    conv = live(started(), (1.0, "client", append))
    assert list(conv.transcript["status"]) == ["partial"]
    error = {
        "type": "error",
        "event_id": "e9",
        "error": {
            "type": "x",
            "code": "busy",
            "message": "fixture active",
            "client_event_id": "c1",
        },
    }
    conv.ingest([(2.0, "server", error)])
    row = conv.transcript.iloc[0]
    assert (row["status"], row["error"]) == ("failed", "fixture active")


def test_a_client_delegation_is_partial_until_answered() -> None:
    created = {
        "type": "session.delegation.created",
        "event_id": "e2",
        "offset_ms": 500,
        "delegation": {"id": "d1", "target": "client", "type": "delegation"},
    }
    conv = live(started(), (1.0, "server", created))
    assert list(conv.transcript["status"]) == ["partial"]
    answer = {
        "type": "session.thinking.append",
        "event_id": "c2",
        "content": "still working",
        "delegation_id": "d1",
    }
    ack = {
        "type": "session.thinking.appended",
        "event_id": "e3",
        "start_ms": 900,
        "end_ms": 900,
        "client_event_id": "c2",
    }
    conv.ingest([(2.0, "client", answer), (2.1, "server", ack)])
    # Thinking is silent progress: it answers nothing yet, so the delegation stays open.
    assert list(conv.transcript["status"]) == ["partial", "complete"]
    result = {**answer, "type": "session.commentary.append", "event_id": "c3", "content": "done"}
    conv.ingest(
        [
            (3.0, "client", result),
            (
                3.1,
                "server",
                {**ack, "type": "session.commentary.appended", "client_event_id": "c3"},
            ),
        ]
    )
    t = conv.transcript
    assert t.set_index("item_id").loc["d1", "status"] == "complete"
    assert t.set_index("item_id").loc["c3", "kind"] == "delegation_output"


def test_a_session_boundary_restarts_the_timeline() -> None:
    conv = live(started(0, "s1"), said(1, "user", "first", 100, 200))
    conv.mark_session_boundary("reconnect")
    conv.ingest([started(5, "s2"), said(6, "user", "second", 100, 200)])
    t = conv.transcript
    assert list(t["item_id"]) == ["s1:user@100", "s2:user@100"]
    assert list(t["session"]) == [0, 1]
    assert t["started_at"].iloc[1] == pd.Timestamp(5.1, unit="s", tz="UTC")


def test_realtime_logs_still_reduce_as_realtime_by_default() -> None:
    # The Live reducer is opt-in: a Conversation without a protocol ignores Live events.
    conv = Conversation(model="gpt-live-1")
    conv.ingest([started(), said(1, "user", "hi", 0, 100)])
    assert conv.transcript.empty


def test_a_log_that_starts_mid_session_still_reduces() -> None:
    # A sideband attached late: no session.started, no client events.
    conv = live(said(10.0, "user", "hello", 9000, 9500), said(11.0, "assistant", "hi", 9800, 10200))
    t = conv.transcript
    assert list(t["item_id"]) == ["session0:user@9000", "session0:assistant@9800"]
    assert t["ended_at"].iloc[0] == pd.Timestamp(10.0, unit="s", tz="UTC")
    assert list(conv.latency["to_first_delta_ms"]) == [pytest.approx(300, abs=1e-3)]


def test_a_live_session_update_never_makes_a_version() -> None:
    update = {"type": "session.update", "event_id": "c1", "session": {"instructions": "x"}}
    conv = live(started(instructions="Be brief."), (1.0, "client", update))
    assert list(conv.sessions["version"]) == [1, 1]
    assert conv.instructions_version() == 1


def test_instructions_in_force_are_the_initial_then_each_acknowledged_append() -> None:
    conv = reduce("live_instructions_append")
    state = conv._state
    assert isinstance(state, LiveReducer)
    assert state.instructions_in_force == (
        "You are a friendly, brief assistant.",
        "From now on, answer in French.",
    )
