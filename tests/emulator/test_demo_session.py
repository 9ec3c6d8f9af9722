"""The shipped demo log (notebooks/data/demo_session.jsonl) has exact millisecond times, so the
analysis notebook shows whole-millisecond latencies (no `439.999 ms`).

A test of shipped data (notebooks/data/demo_session.jsonl), not of one module.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from pathlib import Path

from realtime_widget.conversation.conversation import Conversation

DEMO = Path(__file__).resolve().parents[2] / "notebooks" / "data" / "demo_session.jsonl"


def test_every_time_in_the_demo_log_is_a_whole_millisecond() -> None:
    times = [json.loads(line)["time"] for line in DEMO.read_text(encoding="utf-8").splitlines()]
    assert len(times) > 50
    odd = [t for t in times if not re.fullmatch(r".*T\d\d:\d\d:\d\d\.\d{3}000\+00:00", t)]
    assert odd == []
    parsed = [datetime.fromisoformat(t) for t in times]
    assert parsed == sorted(parsed)


def test_demo_latencies_are_whole_milliseconds() -> None:
    latency = Conversation.load(DEMO).latency
    assert len(latency) == 6
    for column in ("to_response_ms", "to_first_delta_ms", "to_audio_ms"):
        values = [v for v in latency[column] if not math.isnan(v)]
        assert values and all(v == round(v) for v in values), (column, values)
    assert list(latency["to_first_delta_ms"]) == [520, 470, 410, 900, 490, 440]
