"""What the tables and notes say: times are datetimes, costs cite no file outside the repository,
and the summary's tokens and cost say what they cover.

A behaviour test across modules: frames.py, summary.py and the notes of pricing.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from realtime_widget import Conversation
from realtime_widget.conversation import pricing

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SESSIONS = [ROOT / "notebooks" / "data" / "demo_session.jsonl", *sorted(FIXTURES.glob("*.jsonl"))]
FRAMES = ("transcript", "usage", "out_of_band", "latency", "events", "sessions")
# Epoch seconds of 2001-09-09 .. 2065-01-24: a float column in this range is a time shown as
# a number (1.796153e+09) instead of a datetime.
EPOCH_RANGE = (1e9, 3e9)


def _is_utc_datetime(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.DatetimeTZDtype) and str(s.dtype.tz) == "UTC"


@pytest.mark.parametrize("path", SESSIONS, ids=lambda p: p.stem)
def test_every_time_column_of_every_frame_is_a_tz_aware_datetime(path: Path) -> None:
    conv = Conversation.load(path)
    for name in FRAMES:
        df = getattr(conv, name)
        for col in df.columns:
            s = df[col]
            if col in ("time", "t") or col.endswith(("_at", "_time")):
                assert _is_utc_datetime(s), f"{name}.{col} is {s.dtype}, not a UTC datetime"
            elif pd.api.types.is_float_dtype(s) and s.notna().any():
                lo, hi = EPOCH_RANGE
                in_range = s.dropna().between(lo, hi)
                assert not in_range.all(), f"{name}.{col} holds epoch seconds as floats"


def test_empty_frames_keep_their_datetime_columns() -> None:
    conv = Conversation()
    for name in FRAMES:
        df = getattr(conv, name)
        for col in df.columns:
            if col in ("time", "t") or col.endswith("_at"):
                assert _is_utc_datetime(df[col]), f"{name}.{col} is {df[col].dtype}"


def _notes(conv: Conversation) -> dict[str, str]:
    return {
        "PRICE_SOURCE": pricing.PRICE_SOURCE,
        "PRICE_NOTE": pricing.PRICE_NOTE,
        "usage.attrs['cost_note']": conv.usage.attrs["cost_note"],
        "out_of_band.attrs['cost_note']": conv.out_of_band.attrs["cost_note"],
        "prices_json()['source'] (the view's note)": pricing.prices_json(pricing.PRICES)["source"],
        "summary().note": conv.summary().note,
        **{f"PRICE_SOURCES[{k!r}]": v for k, v in pricing.PRICE_SOURCES.items()},
    }


def test_cost_notes_and_price_sources_cite_nothing_outside_the_repository() -> None:
    conv = Conversation.load(SESSIONS[0])
    for where, text in _notes(conv).items():
        assert "realtime-api.md" not in text, f"{where} cites a file outside the repo: {text}"
        assert "../" not in text and "shared/" not in text, f"{where}: {text}"
        assert ".md" not in text, f"{where} cites a document by file name: {text}"


@pytest.mark.parametrize("path", SESSIONS, ids=lambda p: p.stem)
def test_summary_tokens_and_cost_cover_the_same_rows(path: Path) -> None:
    conv = Conversation.load(path)
    usage = conv.usage
    s = conv.summary()
    responses = usage[usage["kind"] == "response"]
    transcription = usage[usage["kind"] == "transcription"]
    # Responses and input transcription, each counted apart: together they are all of usage.
    assert s.total_tokens == int(responses["total_tokens"].sum())
    assert s.transcription_tokens == int(transcription["total_tokens"].sum())
    assert s.transcription_seconds == pytest.approx(float(transcription["audio_seconds"].sum()))
    assert s.total_tokens + s.transcription_tokens == int(usage["total_tokens"].sum())
    assert s.cost_usd == pytest.approx(float(usage["cost_usd"].sum()), abs=1e-12)
    text = str(s)
    assert "input transcription" in text, text
    assert f"{s.total_tokens:,}" in text and f"{s.transcription_tokens:,}" in text, text
    assert "transcription_tokens=" in repr(s)


def test_summary_text_says_what_the_cost_covers() -> None:
    conv = Conversation.load(SESSIONS[0])
    s = conv.summary()
    assert s.transcription_tokens > 0
    text = str(s)
    # The cost covers responses and input transcription, and the text says so.
    assert "estimate: responses + input transcription" in text, text
