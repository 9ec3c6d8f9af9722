"""A GPT-Live log keeps its API through save and load (`conversation/jsonl.py`,
`Conversation.save`/`load`/`log_path`, `reduce_live.LIVE_EVENTS`): it loads as Live with the
Live reducer; a log without the marker loads as the Realtime API, as every older one did."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from realtime_widget.conversation import Conversation
from realtime_widget.conversation.jsonl import read_api, read_records
from realtime_widget.conversation.reduce import Reducer
from realtime_widget.conversation.reduce_live import LIVE_EVENTS, LiveReducer
from realtime_widget.protocols import LIVE

FIXTURES = Path(__file__).parent.parent / "fixtures"
SPOKEN = FIXTURES / "live" / "live_spoken_turn.jsonl"


def assert_same_tables(a: Conversation, b: Conversation) -> None:
    for name in ("transcript", "usage", "latency", "sessions"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    assert a.cost() == b.cost()


def test_a_live_fixture_loads_as_live() -> None:
    assert read_api(SPOKEN) == "live"
    conv = Conversation.load(SPOKEN)
    assert conv.api == "live"
    assert isinstance(conv._state, LiveReducer)
    assert list(conv.transcript["text"]) == ["Hello there.", "Hi! How can I help?"]
    assert conv.model == "gpt-live-1"  # from session.started


def test_round_trip_keeps_the_api_and_every_table(tmp_path: Path) -> None:
    conv = Conversation(model="gpt-live-1", protocol=LIVE)
    conv.ingest(read_records(SPOKEN))
    out = tmp_path / "saved.jsonl"
    conv.save(out)
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert all(line["api"] == "live" for line in lines)
    again = Conversation.load(out)
    assert again.api == "live"
    assert_same_tables(again, conv)


def test_log_path_writes_the_api_on_every_line(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    conv = Conversation(model="gpt-live-1", protocol=LIVE_EVENTS, log_path=path)
    conv.ingest(read_records(SPOKEN))
    conv.close()
    assert read_api(path) == "live"
    assert_same_tables(Conversation.load(path), conv)


def test_realtime_logs_are_unchanged_and_load_as_realtime(tmp_path: Path) -> None:
    src = FIXTURES / "voice_turn.jsonl"
    assert read_api(src) == "realtime"
    conv = Conversation.load(src)
    assert conv.api == "realtime"
    assert type(conv._state) is Reducer
    out = tmp_path / "rt.jsonl"
    conv.save(out)
    assert all("api" not in json.loads(line) for line in out.read_text("utf-8").splitlines())


def test_protocol_overrides_the_marker() -> None:
    conv = Conversation.load(SPOKEN, protocol=None)
    assert conv.api == "live"  # None: read from the file

    # A Live log read as Realtime events: nothing it knows, so no rows (but every event kept).
    class Realtime:
        name = "realtime"

        def new_reducer(self, model: str) -> Reducer:
            return Reducer(model)

        def default_prices(self):  # type: ignore[no-untyped-def]
            return {}

    forced = Conversation.load(SPOKEN, protocol=Realtime())
    assert forced.transcript.empty and len(forced) == len(conv)


def test_an_unknown_or_mixed_api_is_refused_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"time": 1, "direction": "server", "api": "gemini", "event": {"type": "x"}}\n',
        "utf-8",
    )
    with pytest.raises(ValueError, match=r"bad\.jsonl:1: 'api' must be one of 'realtime', 'live'"):
        Conversation.load(bad)
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        SPOKEN.read_text("utf-8") + (FIXTURES / "text_turn.jsonl").read_text("utf-8"), "utf-8"
    )
    with pytest.raises(ValueError, match="mixes events of live and realtime"):
        Conversation.load(mixed)
