"""Structure, not timing: ingest does O(1) work per event; tables are cached with proper dtypes.

The unit test of conversation.py (the tables' dtypes are frames.py's).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from realtime_widget import Conversation
from realtime_widget.conversation import frames
from tests.conversation.conftest import load_fixture


def delta(i: int) -> dict[str, Any]:
    return {
        "type": "response.output_audio_transcript.delta",
        "event_id": f"e{i}",
        "response_id": "r",
        "item_id": "a",
        "output_index": 0,
        "content_index": 0,
        "delta": "x",
    }


def test_ingest_builds_no_table_and_does_not_reconcatenate_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a table was built during ingest")

    for name in (
        "transcript_frame",
        "usage_frame",
        "latency_frame",
        "events_frame",
        "sessions_frame",
    ):
        monkeypatch.setattr(frames, name, forbidden)
    conv = Conversation()
    for i in range(2000):
        conv.ingest_event(delta(i), time=float(i))
    item = conv._state.items["a"]
    # Deltas are kept as parts (appended, O(1)); the text is joined only when a table is built.
    assert len(item.parts) == 2000 and item.final_text is None
    # The log is columnar lists, one append per column per event.
    assert len(conv._log.times) == len(conv._log.payloads) == len(conv._log.types) == 2000
    assert conv.summary().events == 2000  # summary needs no table either


def test_tables_are_cached_until_new_events() -> None:
    conv = load_fixture("voice_turn")
    calls = {"n": 0}
    real = frames.transcript_frame

    def counting(state: Any) -> pd.DataFrame:
        calls["n"] += 1
        return real(state)

    frames.transcript_frame = counting  # type: ignore[assignment]
    try:
        a = conv.transcript
        b = conv.transcript
        assert calls["n"] == 1
        a.loc[0, "text"] = "edited"  # editing a returned frame never corrupts the cache
        assert b.loc[0, "text"] == "Hello there." == conv.transcript.loc[0, "text"]
        conv.ingest_event({"type": "x"}, time=2e9)
        _ = conv.transcript
        assert calls["n"] == 2
    finally:
        frames.transcript_frame = real  # type: ignore[assignment]


def is_utc(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.DatetimeTZDtype) and str(s.dtype.tz) == "UTC"


def test_dtypes() -> None:
    conv = load_fixture("barge_in")
    tr = conv.transcript
    assert is_utc(tr["started_at"]) and is_utc(tr["ended_at"])
    for col in ("role", "kind", "status"):
        assert isinstance(tr[col].dtype, pd.CategoricalDtype), col
    assert list(tr["status"].cat.categories[:4]) == ["complete", "partial", "interrupted", "failed"]
    assert tr["instructions_version"].dtype == "int64"
    assert tr["heard_ms"].dtype == "float64"
    assert tr["deleted"].dtype == "bool"
    assert pd.api.types.is_string_dtype(tr["text"])
    assert tr["started_at"].notna().all()

    u = conv.usage
    assert is_utc(u["time"])
    for col in frames.TOKEN_FIELDS:
        assert u[col].dtype == "int64", col
    assert u["cost_usd"].dtype == "float64"

    lat = conv.latency
    assert is_utc(lat["user_end_at"]) and is_utc(lat["audio_started_at"])
    assert lat["to_response_ms"].dtype == "float64"

    ev = conv.events
    assert is_utc(ev["time"]) and "t" not in ev.columns  # no float epoch column
    assert isinstance(ev["direction"].dtype, pd.CategoricalDtype)
    assert ev["event"].dtype == object

    s = conv.sessions
    assert is_utc(s["time"]) and s["version"].dtype == "int64"


def test_empty_conversation_has_typed_empty_tables() -> None:
    conv = Conversation()
    for name in ("transcript", "usage", "latency", "events", "sessions"):
        df = getattr(conv, name)
        assert df.empty, name
    assert is_utc(conv.events["time"]) and is_utc(conv.transcript["started_at"])
    assert conv.cost() == 0.0
    assert conv.summary().turns == 0


def test_bad_records_are_rejected_clearly() -> None:
    conv = Conversation()
    with pytest.raises(ValueError, match="'server' or 'client'"):
        conv.ingest([(1.0, "browser", {"type": "x"})])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="dict"):
        conv.ingest([(1.0, "server", 42)])  # type: ignore[list-item]


def test_records_before_a_bad_one_are_kept_logged_and_announced(tmp_path: Any) -> None:
    path = tmp_path / "log.jsonl"
    conv = Conversation(log_path=path)
    seen: list[str] = []
    conv.on("*", lambda e: seen.append(e["type"]))
    with pytest.raises(TypeError):
        conv.ingest([(1.0, "server", {"type": "a"}), (2.0, "server", None)])  # type: ignore[list-item]
    conv.close()
    assert len(conv) == 1 and seen == ["a"]
    assert len(path.read_text().splitlines()) == 1


def test_conversation_package_imports_no_widget_code() -> None:
    """Pure Python: only the stdlib, numpy, pandas and its own modules (checked statically,
    since importing the parent package pulls in the widget)."""
    import ast
    import sys
    from pathlib import Path

    pkg = Path(frames.__file__).parent
    allowed = {"numpy", "pandas", "realtime_widget"}
    for path in pkg.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top in allowed, f"{path.name}: {name}"
                if top == "realtime_widget":
                    assert name.startswith("realtime_widget.conversation"), f"{path.name}: {name}"
