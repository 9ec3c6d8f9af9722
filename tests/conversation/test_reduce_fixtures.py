"""Reduction of every recorded sequence against its hand-written expectation.

A behaviour test across modules: reduce.py and its reduce_*.py layers, frames.py and
reconnect.history_items, on every file of tests/fixtures/.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from realtime_widget.reconnect import history_items
from tests.conversation.conftest import FIXTURE_NAMES, expected, fixture_lines, load_fixture
from tests.support.openai_types import assert_client_event, assert_server_event


def test_all_required_hard_cases_are_present() -> None:
    for name in (
        "text_turn",
        "voice_turn",
        "late_transcription",
        "failed_transcription",
        "barge_in",
        "function_call_mid_turn",
        "beta_names",
        "out_of_band",
        "barge_in_after_done",
        "mcp_listing",
    ):
        assert name in FIXTURE_NAMES


def with_heard_defaults(row: dict[str, Any]) -> dict[str, Any]:
    """An expected row with the heard_* fields an untruncated item has (the expected files
    spell them out only for truncated items)."""
    return {
        "heard_ms": None,
        "heard_text": row["text"],
        "unheard_text": "",
        **row,
    }


def test_transcript_matches_expected(fixture_name: str) -> None:
    conv = load_fixture(fixture_name)
    tr = conv.transcript
    tr = tr[~tr["deleted"]]
    got = [
        {
            "item_id": r.item_id,
            "role": r.role,
            "kind": r.kind,
            "text": r.text,
            "status": r.status,
            "heard_ms": None if math.isnan(r.heard_ms) else r.heard_ms,
            "heard_text": r.heard_text,
            "unheard_text": r.unheard_text,
        }
        for r in tr.itertuples()
    ]
    assert got == [with_heard_defaults(row) for row in expected(fixture_name)["transcript"]]
    for r in tr.itertuples():
        assert r.heard_text + r.unheard_text == r.text


def test_out_of_band_matches_expected(fixture_name: str) -> None:
    conv = load_fixture(fixture_name)
    want = expected(fixture_name).get("out_of_band", [])
    oob = conv.out_of_band
    assert len(oob) == len(want)
    for row, exp in zip(oob.to_dict("records"), want, strict=True):
        for key, value in exp.items():
            if key == "cost_usd":
                assert row[key] == pytest.approx(value, abs=1e-9)
            else:
                assert row[key] == value, key
    # Never a conversation turn: not in the transcript, latency, or a reconnect's items.
    oob_items = {
        i.item_id for i in conv._state.items.values() if i.out_of_band
    }  # the reducer's own record of their output
    assert not oob_items & set(conv.transcript["item_id"])
    assert not set(oob["response_id"]) & set(conv.latency["response_id"])
    ids = {item.get("id") for item in history_items(conv.transcript.to_dict("records"))}
    assert not oob_items & ids
    if "latency_responses" in expected(fixture_name):
        assert list(conv.latency["response_id"]) == expected(fixture_name)["latency_responses"]


def test_totals_match_expected(fixture_name: str) -> None:
    conv = load_fixture(fixture_name)
    want = expected(fixture_name)["totals"]
    usage = conv.usage
    resp = usage[usage["kind"] == "response"]
    assert len(resp) == want["responses"]
    for col in ("input_tokens", "output_tokens", "total_tokens", "cached_tokens"):
        assert int(resp[col].sum()) == want[col], col
    assert conv.cost() == pytest.approx(want["cost_usd"], abs=1e-9)
    assert float(usage["cost_usd"].sum()) == pytest.approx(want["cost_usd"], abs=1e-9)
    s = conv.summary()
    # Out-of-band responses are billed (in the totals) but are no conversation turns.
    assert s.turns == want["responses"] - len(expected(fixture_name).get("out_of_band", []))
    assert s.total_tokens == want["total_tokens"]
    assert s.cost_usd == pytest.approx(want["cost_usd"], abs=1e-9)


@pytest.mark.parametrize("name", [n for n in FIXTURE_NAMES if n != "beta_names"])
def test_ga_fixtures_match_the_sdk_types(name: str) -> None:
    for line in fixture_lines(name):
        if "event" not in line:
            continue
        if line["direction"] == "server":
            assert_server_event(line["event"])
        else:
            assert_client_event(line["event"])


def test_beta_fixture_really_uses_beta_names() -> None:
    types = {line["event"]["type"] for line in fixture_lines("beta_names")}
    assert {
        "conversation.item.created",
        "response.audio_transcript.delta",
        "response.text.delta",
    } <= types
    conv = load_fixture("beta_names")
    ev = conv.events
    # Normalised type beside the raw one.
    row = ev[ev["raw_type"] == "response.audio_transcript.delta"].iloc[0]
    assert row["type"] == "response.output_audio_transcript.delta"
    assert conv.model == "gpt-4o-realtime-preview-2024-12-17"


def test_barge_in_records_how_much_was_heard() -> None:
    tr = load_fixture("barge_in").transcript.set_index("item_id")
    assert tr.loc["item_A1", "heard_ms"] == 1500.0
    assert tr["heard_ms"].drop("item_A1").isna().all()


def test_late_transcription_keeps_user_before_reply_even_though_it_arrived_later() -> None:
    conv = load_fixture("late_transcription")
    ev = conv.events
    done = ev[ev["type"] == "response.done"]["time"].iloc[0]
    tr_done = ev[
        (ev["type"] == "conversation.item.input_audio_transcription.completed")
        & (ev["item_id"] == "item_U1")
    ]["time"].iloc[0]
    assert tr_done > done  # the fixture really is late
    assert list(conv.transcript["item_id"][:2]) == ["item_U1", "item_A1"]


def test_failed_transcription_keeps_the_error() -> None:
    tr = load_fixture("failed_transcription").transcript.set_index("item_id")
    assert tr.loc["item_U1", "error"] == "Audio could not be transcribed."


def test_function_call_columns() -> None:
    tr = load_fixture("function_call_mid_turn").transcript.set_index("item_id")
    assert tr.loc["item_F1", "name"] == "get_weather"
    assert tr.loc["item_F1", "call_id"] == "call_1"
    assert tr.loc["item_O1", "call_id"] == "call_1"
    assert tr.loc["item_F1", "response_id"] == "resp_1"
    assert tr.loc["item_A2", "response_id"] == "resp_2"
