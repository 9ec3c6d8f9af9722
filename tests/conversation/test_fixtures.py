"""Reduction of every recorded sequence against its hand-written expectation."""

from __future__ import annotations

import pytest

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
    ):
        assert name in FIXTURE_NAMES


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
        }
        for r in tr.itertuples()
    ]
    assert got == expected(fixture_name)["transcript"]


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
    assert s.turns == want["responses"]
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
    done = ev[ev["type"] == "response.done"]["t"].iloc[0]
    tr_done = ev[
        (ev["type"] == "conversation.item.input_audio_transcription.completed")
        & (ev["item_id"] == "item_U1")
    ]["t"].iloc[0]
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
