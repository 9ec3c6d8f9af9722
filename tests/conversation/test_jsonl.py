"""Persistence: the public JSON Lines format, truncated files, the incremental log file."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from realtime_widget import Conversation
from realtime_widget.conversation import TruncatedLogWarning
from realtime_widget.conversation.jsonl import read_records
from tests.conversation.conftest import FIXTURES, load_fixture


def test_round_trip_keeps_every_record_and_tz_aware_times(
    tmp_path: Path, fixture_name: str
) -> None:
    conv = load_fixture(fixture_name)
    conv.ingest_event({"type": "x.unknown", "event_id": "u", "extra": [1, {"a": None}]}, time=1.8e9)
    conv.ingest([(1.8e9 + 0.5, "server", "not json {")])
    path = tmp_path / "talk.jsonl"
    conv.save(path)
    back = Conversation.load(path)
    a, b = conv.raw_events, back.raw_events
    assert [(d, p) for _, d, p in a] == [(d, p) for _, d, p in b]
    assert [round(t, 6) for t, _, _ in a] == [round(t, 6) for t, _, _ in b]
    for line in path.read_text().splitlines():
        obj = json.loads(line)
        assert set(obj) in ({"time", "direction", "event"}, {"time", "direction", "raw"})
        assert datetime.fromisoformat(obj["time"]).utcoffset() is not None
    assert back.events["time"].dt.tz is not None
    pd.testing.assert_frame_equal(conv.transcript, back.transcript)


def test_saved_fixture_is_byte_compatible_with_the_public_format(tmp_path: Path) -> None:
    src = FIXTURES / "voice_turn.jsonl"
    conv = Conversation.load(src)
    conv.save(tmp_path / "again.jsonl")
    assert (tmp_path / "again.jsonl").read_text() == src.read_text()


def test_truncated_last_line_loads_the_rest_and_warns(tmp_path: Path) -> None:
    text = (FIXTURES / "voice_turn.jsonl").read_text()
    n = len(text.splitlines())
    cut = tmp_path / "cut.jsonl"
    cut.write_text(text.rstrip("\n")[:-25])  # crash mid-write of the last record
    with pytest.warns(TruncatedLogWarning, match=f"{n - 1} records before it"):
        conv = Conversation.load(cut)
    assert len(conv) == n - 1


def test_corrupt_middle_line_is_an_error_naming_the_line(tmp_path: Path) -> None:
    lines = (FIXTURES / "text_turn.jsonl").read_text().splitlines()
    lines[3] = lines[3][:10]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"bad\.jsonl:4"):
        Conversation.load(bad)


def test_bad_direction_and_time_are_explained(tmp_path: Path) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text('{"time": "2026-01-01T00:00:00+00:00", "direction": "up", "event": {}}\n')
    with pytest.raises(ValueError, match="'server' or 'client'"):
        read_records(p)
    p.write_text('{"time": "yesterday", "direction": "server", "event": {}}\n')
    with pytest.raises(ValueError, match="ISO 8601"):
        read_records(p)


def test_log_path_appends_and_flushes_each_batch(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    conv = Conversation(log_path=path)
    records = Conversation.load(FIXTURES / "barge_in.jsonl").raw_events
    conv.ingest(records[:10])
    # Readable by another process right away (flushed), exactly one batch so far.
    assert len(path.read_text().splitlines()) == 10
    conv.ingest(records[10:15])
    assert len(path.read_text().splitlines()) == 15
    conv.ingest(records[15:])
    conv.close()
    again = Conversation.load(path)
    assert [p for _, _, p in again.raw_events] == [p for _, _, p in records]


def test_secrets_never_reach_the_files(tmp_path: Path) -> None:
    key = "sk-proj-" + "A1b2C3d4" * 4
    secret = "ek_" + "0123456789abcdef" * 2
    live = tmp_path / "live.jsonl"
    conv = Conversation(log_path=live)
    conv.ingest_event(
        {"type": "error", "event_id": "e", "error": {"message": f"bad key {key}", "type": "x"}},
        time=1.0,
    )
    conv.ingest_event({"type": "weird", "value": secret, "task-name": "desk-lamp"}, time=2.0)
    conv.save(tmp_path / "saved.jsonl")
    conv.close()
    for p in (live, tmp_path / "saved.jsonl"):
        text = p.read_text()
        assert key not in text and secret not in text
        assert "[redacted]" in text and "desk-lamp" in text


def test_the_path_that_brought_an_event_is_kept_in_the_table_the_log_and_a_load(
    tmp_path: Path,
) -> None:
    live = tmp_path / "live.jsonl"
    conv = Conversation(log_path=live)
    conv.ingest([(1.8e9, "server", {"type": "session.created", "event_id": "e1"})])
    conv.ingest(
        [
            (1.8e9 + 1, "server", {"type": "response.created", "event_id": "e2"}),
            (1.8e9 + 2, "client", {"type": "response.cancel", "event_id": "c1"}),
        ],
        via="sideband",
    )
    conv.ingest([(1.8e9 + 3, "server", {"type": "response.done", "event_id": "e3"})])
    assert list(conv.events["via"]) == ["", "sideband", "sideband", ""]
    saved = tmp_path / "saved.jsonl"
    conv.save(saved)
    conv.close()
    for path in (live, saved):
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        assert [obj.get("via") for obj in lines] == [None, "sideband", "sideband", None]
        back = Conversation.load(path)
        assert list(back.events["via"]) == ["", "sideband", "sideband", ""]
        assert [p["event_id"] for _, _, p in back.raw_events] == ["e1", "e2", "c1", "e3"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"time": 1.8e9, "direction": "server", "event": {"type": "x"}, "via": 3}\n')
    with pytest.raises(ValueError, match="'via' must be a string"):
        Conversation.load(bad)
