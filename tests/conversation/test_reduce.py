"""Reducer behaviour beyond the fixtures: order, raw log, deletion, latency, versions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

from realtime_widget import Conversation
from tests.conversation.conftest import fixture_lines, load_fixture


def t_of(line: dict[str, Any]) -> float:
    return datetime.fromisoformat(line["time"]).timestamp()


def first(lines: list[dict[str, Any]], type_: str, **match: Any) -> dict[str, Any]:
    for line in lines:
        ev = line.get("event", {})
        if ev.get("type") == type_ and all(ev.get(k) == v for k, v in match.items()):
            return line
    raise AssertionError(f"no {type_} {match}")


def added(item_id: str, prev: str | None, role: str = "user", text: str = "x") -> dict[str, Any]:
    return {
        "type": "conversation.item.added",
        "event_id": f"ev_{item_id}",
        "previous_item_id": prev,
        "item": {
            "id": item_id,
            "type": "message",
            "role": role,
            "content": [{"type": "input_text", "text": text}],
        },
    }


def test_items_inserted_after_previous_item_id_not_arrival() -> None:
    conv = Conversation()
    conv.ingest(
        [
            (1.0, "server", added("a", None)),
            (2.0, "server", added("c", "a")),
            (3.0, "server", added("d", "c")),
            # Inserted later, between a and c (e.g. conversation.item.create with previous_item_id).
            (4.0, "server", added("b", "a")),
            (5.0, "server", added("e", "b")),
        ]
    )
    assert list(conv.transcript["item_id"]) == ["a", "b", "e", "c", "d"]


def test_cycle_or_unknown_predecessor_does_not_lose_items() -> None:
    conv = Conversation()
    conv.ingest(
        [
            (1.0, "server", added("x", "y")),
            (2.0, "server", added("y", "x")),
            (3.0, "server", added("z", "missing")),
        ]
    )
    assert sorted(conv.transcript["item_id"]) == ["x", "y", "z"]


def test_unknown_events_fields_and_raw_messages_are_kept() -> None:
    conv = Conversation()
    weird = {"type": "response.future_thing", "event_id": "e1", "novel": {"deep": [1, 2]}}
    known = {**added("a", None), "obfuscation": "abc123"}
    conv.ingest(
        [
            (1.0, "server", weird),
            (2.0, "server", known),
            (3.0, "server", "{not json"),
            (4.0, "server", {"no_type": True}),
        ]
    )
    ev = conv.events
    assert len(ev) == 4
    assert ev["event"].iloc[0] == weird
    assert ev["event"].iloc[1]["obfuscation"] == "abc123"
    assert ev["is_raw"].tolist() == [False, False, True, False]
    assert ev["event"].iloc[2] == "{not json"
    assert ev["raw_type"].iloc[3] == "<untyped>"
    assert [r[2] for r in conv.raw_events] == [weird, known, "{not json", {"no_type": True}]
    assert list(conv.transcript["item_id"]) == ["a"]


def test_malformed_known_event_does_not_break_ingest() -> None:
    conv = Conversation()
    conv.ingest(
        [
            (1.0, "server", {"type": "response.output_text.delta"}),  # no item_id
            (2.0, "server", {"type": "conversation.item.added", "item": "nope"}),
            (3.0, "server", added("a", None)),
        ]
    )
    assert len(conv.events) == 3
    assert list(conv.transcript["item_id"]) == ["a"]


def test_deleted_items_are_flagged() -> None:
    conv = load_fixture("text_turn")
    conv.ingest_event(
        {"type": "conversation.item.deleted", "event_id": "e9", "item_id": "item_U1"}, time=2e9
    )
    tr = conv.transcript.set_index("item_id")
    assert bool(tr.loc["item_U1", "deleted"]) and not bool(tr.loc["item_A1", "deleted"])


def test_vad_speech_that_was_never_committed_is_not_a_turn() -> None:
    conv = Conversation()
    conv.ingest(
        [
            (
                1.0,
                "server",
                {
                    "type": "input_audio_buffer.speech_started",
                    "event_id": "e",
                    "audio_start_ms": 0,
                    "item_id": "ghost",
                },
            ),
            (2.0, "server", {"type": "input_audio_buffer.cleared", "event_id": "f"}),
        ]
    )
    assert conv.transcript.empty


def test_latency_of_a_voice_turn_from_the_recorded_times() -> None:
    lines = fixture_lines("voice_turn")
    stopped = t_of(first(lines, "input_audio_buffer.speech_stopped"))
    created = t_of(first(lines, "response.created"))
    delta = t_of(first(lines, "response.output_audio_transcript.delta"))
    audio = t_of(first(lines, "output_audio_buffer.started"))
    lat = load_fixture("voice_turn").latency
    assert len(lat) == 1
    row = lat.iloc[0]
    assert row["trigger"] == "speech" and row["user_item_id"] == "item_U1"
    assert row["to_response_ms"] == pytest.approx((created - stopped) * 1000, abs=1e-3)
    assert row["to_first_delta_ms"] == pytest.approx((delta - stopped) * 1000, abs=1e-3)
    assert row["to_audio_ms"] == pytest.approx((audio - stopped) * 1000, abs=1e-3)
    assert 0 < row["to_response_ms"] < row["to_first_delta_ms"]


def test_latency_of_a_text_turn_starts_at_the_client_send() -> None:
    lines = fixture_lines("text_turn")
    sent = t_of(first(lines, "conversation.item.create"))
    delta = t_of(first(lines, "response.output_text.delta"))
    row = load_fixture("text_turn").latency.iloc[0]
    assert row["trigger"] == "text"
    assert row["to_first_delta_ms"] == pytest.approx((delta - sent) * 1000, abs=1e-3)
    assert pd.isna(row["to_audio_ms"])  # text-only: no audio


def test_follow_up_response_after_tool_output_is_timed_from_its_trigger() -> None:
    lat = load_fixture("function_call_mid_turn").latency.set_index("response_id")
    assert lat.loc["resp_1", "trigger"] == "speech"
    assert lat.loc["resp_1", "user_item_id"] == "item_U1"
    assert lat.loc["resp_2", "user_item_id"] == "item_U2"


def session_update(instr: str | None, direction_server: bool = True) -> dict[str, Any]:
    sess: dict[str, Any] = {"type": "realtime"}
    if instr is not None:
        sess["instructions"] = instr
    return {
        "type": "session.updated" if direction_server else "session.update",
        "event_id": "e",
        "session": sess,
    }


def test_instruction_versions_and_rows_carry_them() -> None:
    conv = Conversation()
    conv.ingest(
        [
            (1.0, "client", session_update("A", direction_server=False)),
            (1.1, "server", session_update("A")),
            (2.0, "server", added("u1", None)),
            (3.0, "client", session_update(None, direction_server=False)),  # voice only
            (3.1, "server", session_update("B")),
            (4.0, "server", added("u2", "u1")),
            (5.0, "server", session_update("A")),
        ]
    )
    s = conv.sessions
    assert list(s["version"]) == [1, 1, 1, 2, 3]
    assert list(s["direction"]) == ["client", "server", "client", "server", "server"]
    assert s["instructions_hash"].iloc[0] == s["instructions_hash"].iloc[4]
    assert s["instructions_hash"].iloc[0] != s["instructions_hash"].iloc[3]
    assert pd.isna(s["instructions_hash"].iloc[2])
    assert list(conv.transcript["instructions_version"]) == [1, 2]
    assert conv.instructions_version() == 3
    assert conv.instructions_version(0.5) == 0
    assert conv.instructions_version(3.5) == 2
    assert conv.instructions_version(datetime.fromtimestamp(2.0, UTC)) == 1


def test_usage_rows_grouped_by_instruction_version() -> None:
    conv = load_fixture("voice_turn")
    u = conv.usage
    assert set(u["instructions_version"]) == {1}
    assert conv.sessions["instructions"].iloc[0] == "Be friendly."


def test_session_boundary_restarts_order_and_is_persisted(tmp_path: Any) -> None:
    conv = Conversation()
    conv.ingest([(1.0, "server", added("a", None)), (2.0, "server", added("b", "a"))])
    conv.mark_session_boundary("reconnect")
    conv.ingest([(3.0, "server", added("c", None)), (4.0, "server", added("d", "c"))])
    tr = conv.transcript
    assert list(tr["item_id"]) == ["a", "b", "c", "d"]
    assert list(tr["session"]) == [0, 0, 1, 1]
    path = tmp_path / "s.jsonl"
    conv.save(path)
    assert list(Conversation.load(path).transcript["session"]) == [0, 0, 1, 1]


def _assistant_item(item_id: str, content: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "message",
        "role": "assistant",
        "status": "in_progress",
        "content": content,
    }


@pytest.mark.parametrize(
    ("delta_type", "expected"),
    [
        ("response.output_audio_transcript.delta", "audio"),
        ("response.output_text.delta", "text"),
    ],
)
def test_assistant_kind_unknown_until_the_first_delta_says(delta_type: str, expected: str) -> None:
    conv = Conversation()
    item = _assistant_item("a1", [])
    conv.ingest(
        [
            (1.0, "server", {"type": "response.created", "response": {"id": "r1"}}),
            (
                1.1,
                "server",
                {
                    "type": "response.output_item.added",
                    "response_id": "r1",
                    "output_index": 0,
                    "item": item,
                },
            ),
            (
                1.2,
                "server",
                {"type": "conversation.item.added", "previous_item_id": None, "item": item},
            ),
        ]
    )
    # No content part yet: the reply's kind is not known (it used to say "text").
    assert pd.isna(conv.transcript.iloc[0]["kind"])
    conv.ingest(
        [
            (
                1.3,
                "server",
                {
                    "type": delta_type,
                    "response_id": "r1",
                    "item_id": "a1",
                    "output_index": 0,
                    "content_index": 0,
                    "delta": "Hi",
                },
            )
        ]
    )
    row = conv.transcript.iloc[0]
    assert row["kind"] == expected
    assert row["text"] == "Hi"


def test_content_part_sets_the_kind_and_a_later_empty_snapshot_keeps_it() -> None:
    conv = Conversation()
    conv.ingest(
        [
            (
                1.0,
                "server",
                {
                    "type": "conversation.item.added",
                    "previous_item_id": None,
                    "item": _assistant_item("a1", []),
                },
            ),
            (
                2.0,
                "server",
                {
                    "type": "conversation.item.done",
                    "previous_item_id": None,
                    "item": _assistant_item(
                        "a1", [{"type": "output_audio", "transcript": "Hello"}]
                    ),
                },
            ),
            (
                3.0,
                "server",
                {"type": "conversation.item.retrieved", "item": _assistant_item("a1", [])},
            ),
        ]
    )
    row = conv.transcript.iloc[0]
    assert row["kind"] == "audio"
    assert row["text"] == "Hello"
