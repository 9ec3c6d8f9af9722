"""DataFrame builders: pure functions from reducer state / the log to pandas tables.

Every table is built from whole columns (lists) in one `pd.DataFrame` call — never row by row —
so building stays well under a second for a 60-minute session of 100,000+ events.
Times are tz-aware UTC `datetime64`; the raw epoch seconds are kept where useful (`t`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from realtime_widget.conversation.log import EventLog
from realtime_widget.conversation.names import RAW_TYPE, canonical_type
from realtime_widget.conversation.pricing import (
    PRICE_NOTE,
    PriceTable,
    TokenCounts,
    cost_of,
    token_counts,
    warn_unpriced,
)
from realtime_widget.conversation.reduce import Reducer

ROLES: Final = ["user", "assistant", "system", "tool"]
KINDS: Final = ["audio", "text", "image", "function_call", "function_output"]
STATUSES: Final = ["complete", "partial", "interrupted", "failed"]
DIRECTIONS: Final = ["server", "client"]
TRIGGERS: Final = ["speech", "text", "response.create"]

TOKEN_FIELDS: Final = (
    "input_tokens",
    "input_text_tokens",
    "input_audio_tokens",
    "input_image_tokens",
    "cached_tokens",
    "cached_text_tokens",
    "cached_audio_tokens",
    "cached_image_tokens",
    "output_tokens",
    "output_text_tokens",
    "output_audio_tokens",
    "total_tokens",
)


def _utc(values: Sequence[float | None]) -> pd.DatetimeIndex:
    """Epoch seconds → tz-aware UTC times, rounded to the microsecond the browser clock has
    (a float epoch carries sub-microsecond noise that would otherwise show as ...199999094)."""
    arr = np.array(values, dtype="float64")  # None → NaN
    missing = np.isnan(arr)
    us = np.round(np.where(missing, 0.0, arr) * 1e6).astype("int64")
    idx = pd.to_datetime(us, unit="us", utc=True)
    if missing.any():
        idx = pd.DatetimeIndex(idx.where(~missing))
    return idx


def _cat(values: Sequence[str | None], categories: Sequence[str]) -> pd.Categorical:
    cats = list(categories)
    extra = sorted({v for v in values if v is not None and v not in cats})
    return pd.Categorical(list(values), categories=cats + extra)


def _str(values: Sequence[Any]) -> pd.Series:
    return pd.Series(values, dtype="str")


def _ms(later: Sequence[float | None], earlier: Sequence[float | None]) -> np.ndarray:
    a = np.array(later, dtype="float64")
    b = np.array(earlier, dtype="float64")
    # Rounded to the microsecond: finer digits are float noise of epoch subtraction.
    out: np.ndarray = np.round((a - b) * 1000.0, 3)
    return out


def transcript_frame(state: Reducer) -> pd.DataFrame:
    """One row per conversation item, in conversation order."""
    items = state.ordered_items()
    df = pd.DataFrame(
        {
            "item_id": _str([i.item_id for i in items]),
            "role": _cat([i.role or None for i in items], ROLES),
            "kind": _cat([i.kind or None for i in items], KINDS),
            "text": _str([i.text for i in items]),
            "status": _cat([i.status for i in items], STATUSES),
            "started_at": _utc([i.started_at for i in items]),
            "ended_at": _utc([i.ended_at for i in items]),
            "response_id": _str([i.response_id for i in items]),
            "instructions_version": np.array(
                [i.instructions_version for i in items], dtype="int64"
            ),
            "session": np.array([i.session for i in items], dtype="int64"),
            "previous_item_id": _str([i.previous_item_id for i in items]),
            "name": _str([i.name for i in items]),
            "call_id": _str([i.call_id for i in items]),
            "heard_ms": np.array(
                [math.nan if i.heard_ms is None else i.heard_ms for i in items], dtype="float64"
            ),
            "deleted": np.array([i.deleted for i in items], dtype="bool"),
            "error": _str([i.error for i in items]),
        }
    )
    return df


def _usage_rows(
    state: Reducer, prices: PriceTable
) -> tuple[list[dict[str, Any]], list[TokenCounts]]:
    rows: list[dict[str, Any]] = []
    counts: list[TokenCounts] = []
    unpriced: set[tuple[str | None, str]] = set()
    for r in state.responses.values():
        if r.done_at is None:
            continue
        c = token_counts(r.usage)
        rows.append(
            {
                "kind": "response",
                "response_id": r.response_id,
                "item_id": None,
                "time": r.done_at,
                "session": r.session,
                "model": r.model,
                "status": r.status,
                "instructions_version": r.instructions_version,
                "cost": cost_of(c, r.model, prices, unpriced),
            }
        )
        counts.append(c)
    for tr in state.transcriptions:
        c = token_counts(tr.usage)
        rows.append(
            {
                "kind": "transcription",
                "response_id": None,
                "item_id": tr.item_id,
                "time": tr.time,
                "session": tr.session,
                "model": tr.model,
                "status": "completed",
                "instructions_version": tr.instructions_version,
                "cost": cost_of(c, tr.model, prices, unpriced),
            }
        )
        counts.append(c)
    for model, what in sorted(unpriced, key=str):
        warn_unpriced(model, what)
    order = sorted(range(len(rows)), key=lambda k: rows[k]["time"])
    return [rows[k] for k in order], [counts[k] for k in order]


def usage_frame(state: Reducer, prices: PriceTable) -> pd.DataFrame:
    """One row per response (`response.done`) plus one per billed input transcription."""
    rows, counts = _usage_rows(state, prices)
    data: dict[str, Any] = {
        "kind": _cat([r["kind"] for r in rows], ["response", "transcription"]),
        "response_id": _str([r["response_id"] for r in rows]),
        "item_id": _str([r["item_id"] for r in rows]),
        "time": _utc([r["time"] for r in rows]),
        "session": np.array([r["session"] for r in rows], dtype="int64"),
        "model": _str([r["model"] for r in rows]),
        "status": _str([r["status"] for r in rows]),
        "instructions_version": np.array([r["instructions_version"] for r in rows], dtype="int64"),
    }
    for name in TOKEN_FIELDS:
        data[name] = np.array([getattr(c, name) for c in counts], dtype="int64")
    data["audio_seconds"] = np.array([c.seconds for c in counts], dtype="float64")
    data["cost_input_usd"] = np.array([r["cost"].input_usd for r in rows], dtype="float64")
    data["cost_cached_usd"] = np.array([r["cost"].cached_usd for r in rows], dtype="float64")
    data["cost_output_usd"] = np.array([r["cost"].output_usd for r in rows], dtype="float64")
    data["cost_usd"] = np.array([r["cost"].total_usd for r in rows], dtype="float64")
    df = pd.DataFrame(data)
    df.attrs["cost_note"] = PRICE_NOTE
    return df


def total_cost(state: Reducer, prices: PriceTable) -> float:
    """Sum of every response and transcription cost; NaN if any of them is unpriced.

    Priced from the reducer's running totals per model (cost is linear in tokens), so this is
    O(number of models), cheap enough to call after every batch.
    """
    unpriced: set[tuple[str | None, str]] = set()
    total = math.fsum(
        cost_of(counts, model, prices, unpriced).total_usd
        for (_, model), counts in state.totals.items()
    )
    for model, what in sorted(unpriced, key=str):
        warn_unpriced(model, what)
    return total


def latency_frame(state: Reducer) -> pd.DataFrame:
    """One row per response: from the user's end of speech (or text send) to the reply, in ms."""
    rs = list(state.responses.values())
    trig = [r.trigger_at for r in rs]
    created = [r.created_at for r in rs]
    first = [r.first_delta_at for r in rs]
    audio = [r.audio_started_at for r in rs]
    return pd.DataFrame(
        {
            "response_id": _str([r.response_id for r in rs]),
            "session": np.array([r.session for r in rs], dtype="int64"),
            "trigger": _cat([r.trigger for r in rs], TRIGGERS),
            "user_item_id": _str([r.trigger_item_id for r in rs]),
            "user_end_at": _utc(trig),
            "response_created_at": _utc(created),
            "first_delta_at": _utc(first),
            "audio_started_at": _utc(audio),
            "to_response_ms": _ms(created, trig),
            "to_first_delta_ms": _ms(first, trig),
            "to_audio_ms": _ms(audio, trig),
            "instructions_version": np.array([r.instructions_version for r in rs], dtype="int64"),
        }
    )


def _field(payloads: list[Any], key: str) -> list[Any]:
    return [p.get(key) if type(p) is dict else None for p in payloads]


def events_frame(log: EventLog) -> pd.DataFrame:
    """The raw log: one row per event, with the decoded JSON (or raw text) in `event`."""
    payloads = log.payloads
    raw_types = log.types
    ga = [canonical_type(t) for t in raw_types]
    event_ids = _field(payloads, "event_id")
    item_ids = _field(payloads, "item_id")
    response_ids = _field(payloads, "response_id")
    event_col = pd.Series(payloads, dtype="object")
    return pd.DataFrame(
        {
            "time": _utc(log.times),
            "t": np.array(log.times, dtype="float64"),
            "direction": pd.Categorical.from_codes(
                (np.array(log.directions) == "client").astype("int8"),
                categories=pd.Index(DIRECTIONS),
            ),
            "type": _str(ga),
            "raw_type": _str(raw_types),
            "event_id": _str(event_ids),
            "item_id": _str(item_ids),
            "response_id": _str(response_ids),
            "is_raw": np.array([t == RAW_TYPE for t in raw_types], dtype="bool"),
            "event": event_col,
        }
    )


def sessions_frame(state: Reducer) -> pd.DataFrame:
    """Each session.created / session.updated (server) and session.update (client)."""
    ss = state.sessions
    return pd.DataFrame(
        {
            "time": _utc([s.time for s in ss]),
            "direction": _cat([s.direction for s in ss], DIRECTIONS),
            "type": _str([s.type for s in ss]),
            "session": np.array([s.session for s in ss], dtype="int64"),
            "version": np.array([s.version for s in ss], dtype="int64"),
            "instructions_hash": _str([s.instructions_hash for s in ss]),
            "instructions": _str([s.instructions for s in ss]),
            "model": _str([s.model for s in ss]),
            "voice": _str([s.voice for s in ss]),
            "event_id": _str([s.event_id for s in ss]),
        }
    )
