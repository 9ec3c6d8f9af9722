"""DataFrame builders: pure functions from reducer state / the log to pandas tables.

Every table is built from whole columns (lists) in one `pd.DataFrame` call — never row by row —
so building stays well under a second for a 60-minute session of 100,000+ events.
Every time column is tz-aware UTC `datetime64` (never float epoch seconds, which display as
1.796153e+09); take differences of them, or `.astype("int64")` for epoch microseconds.
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
    Cost,
    PriceTable,
    TokenCounts,
    cost_of,
    standby_meter,
    token_counts,
    warn_unpriced,
)
from realtime_widget.conversation.reduce import MCP_KINDS, Reducer, ResponseState
from realtime_widget.conversation.reducer_state import VoiceUsage

ROLES: Final = ["user", "assistant", "system", "tool"]
#: Known kinds; an item of a type this package does not know has its type name as kind
#: (added to the categories after these).
KINDS: Final = ["audio", "text", "image", "function_call", "function_output", *MCP_KINDS]
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
    """One row per conversation item, in conversation order.

    Out-of-band responses' output is not here (`out_of_band_frame`). A truncated item keeps
    all its `text` received; `heard_ms` is where the audio was cut (NaN: never truncated),
    `heard_text` the estimated heard prefix (the whole text if never truncated) and
    `unheard_text` the rest, which the model no longer has in its context (see
    `reduce.heard_split`; `heard_text + unheard_text == text`).
    """
    items = state.ordered_items()
    split = [i.heard() for i in items]
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
            "heard_text": _str([h for h, _ in split]),
            "unheard_text": _str([u for _, u in split]),
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
                "out_of_band": r.out_of_band,
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
                "out_of_band": False,
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
    for v in state.voice_usage.values():
        c, cost = voice_counts_and_cost(v, prices, unpriced)
        rows.append(
            {
                "kind": "voice",
                "out_of_band": False,
                "response_id": None,
                "item_id": None,
                "time": v.time,
                "session": v.session,
                "model": v.model,
                "status": None,
                "instructions_version": v.instructions_version,
                "cost": cost,
            }
        )
        counts.append(c)
    for model, what in sorted(unpriced, key=str):
        warn_unpriced(model, what)
    order = sorted(range(len(rows)), key=lambda k: rows[k]["time"])
    return [rows[k] for k in order], [counts[k] for k in order]


def _token_cost_columns(
    data: dict[str, Any], counts: Sequence[TokenCounts], costs: Sequence[Any]
) -> None:
    """The token fields and the cost split, as columns (shared by usage and out_of_band)."""
    for name in TOKEN_FIELDS:
        data[name] = np.array([getattr(c, name) for c in counts], dtype="int64")
    data["audio_seconds"] = np.array([c.seconds for c in counts], dtype="float64")
    data["cost_input_usd"] = np.array([c.input_usd for c in costs], dtype="float64")
    data["cost_cached_usd"] = np.array([c.cached_usd for c in costs], dtype="float64")
    data["cost_output_usd"] = np.array([c.output_usd for c in costs], dtype="float64")
    data["cost_usd"] = np.array([c.total_usd for c in costs], dtype="float64")


def voice_counts_and_cost(
    v: VoiceUsage, prices: PriceTable, unpriced: set[tuple[str | None, str]] | None = None
) -> tuple[TokenCounts, Cost]:
    """A session's voice time as counts (`seconds`) and its cost: active seconds at the
    model's per-minute rate plus standby seconds at its standby row (`standby_meter`).

    A part with no seconds costs nothing, priced or not (as tokens of an unpriced kind do).
    """
    usd = 0.0
    for seconds, meter in (
        (v.active_seconds, v.model),
        (v.standby_seconds, standby_meter(v.model)),
    ):
        if seconds:
            usd += cost_of(TokenCounts(seconds=seconds), meter, prices, unpriced).total_usd
    return TokenCounts(seconds=v.seconds), Cost(usd, 0.0, 0.0)


def usage_frame(state: Reducer, prices: PriceTable) -> pd.DataFrame:
    """One row per response (`response.done`) plus one per billed input transcription, and,
    for an API billed by session time (GPT-Live), one `voice` row per session.

    Out-of-band responses are billed like any other: they have rows here (`out_of_band`
    True) and count in `total_cost`.
    """
    rows, counts = _usage_rows(state, prices)
    data: dict[str, Any] = {
        "kind": _cat([r["kind"] for r in rows], ["response", "transcription"]),
        "out_of_band": np.array([r["out_of_band"] for r in rows], dtype="bool"),
        "response_id": _str([r["response_id"] for r in rows]),
        "item_id": _str([r["item_id"] for r in rows]),
        "time": _utc([r["time"] for r in rows]),
        "session": np.array([r["session"] for r in rows], dtype="int64"),
        "model": _str([r["model"] for r in rows]),
        "status": _str([r["status"] for r in rows]),
        "instructions_version": np.array([r["instructions_version"] for r in rows], dtype="int64"),
    }
    _token_cost_columns(data, counts, [r["cost"] for r in rows])
    df = pd.DataFrame(data)
    df.attrs["cost_note"] = PRICE_NOTE
    return df


def _oob_output(state: Reducer, r: ResponseState) -> tuple[str, list[dict[str, Any]]]:
    """Text (output text or audio transcript, over its items) and function calls of one
    response."""
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for item_id in r.item_ids:
        it = state.items.get(item_id)
        if it is None:
            continue
        if it.kind == "function_call":
            calls.append({"name": it.name, "arguments": it.text, "call_id": it.call_id})
        elif it.kind in ("text", "audio"):
            texts.append(it.text)
    return "".join(texts), calls


def out_of_band_frame(state: Reducer, prices: PriceTable) -> pd.DataFrame:
    """One row per out-of-band response (`response.conversation: "none"`), in creation order.

    These responses never join the conversation (not in `transcript` or `latency`, never
    re-inserted on reconnect) but are billed: their usage is also in `usage_frame` and in
    `total_cost`. `text` joins the output text / audio transcript of its items;
    `function_calls` lists `{"name", "arguments", "call_id"}`; `metadata` is the response's.
    """
    rs = [r for r in state.responses.values() if r.out_of_band]
    unpriced: set[tuple[str | None, str]] = set()
    counts = [token_counts(r.usage) for r in rs]
    costs = [cost_of(c, r.model, prices, unpriced) for c, r in zip(counts, rs, strict=True)]
    for model, what in sorted(unpriced, key=str):
        warn_unpriced(model, what)
    outputs = [_oob_output(state, r) for r in rs]
    data: dict[str, Any] = {
        "response_id": _str([r.response_id for r in rs]),
        "status": _str([r.status for r in rs]),
        "reason": _str([r.reason for r in rs]),
        "text": _str([text for text, _ in outputs]),
        "function_calls": pd.Series([calls for _, calls in outputs], dtype="object"),
        "metadata": pd.Series([r.metadata for r in rs], dtype="object"),
        "created_at": _utc([r.created_at for r in rs]),
        "done_at": _utc([r.done_at for r in rs]),
        "session": np.array([r.session for r in rs], dtype="int64"),
        "model": _str([r.model for r in rs]),
        "instructions_version": np.array([r.instructions_version for r in rs], dtype="int64"),
    }
    _token_cost_columns(data, counts, costs)
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
    """One row per in-conversation response: from the user's end of speech (or text send) to
    the reply, in ms (out-of-band responses answer no turn and are left out)."""
    rs = state.latency_responses()
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
            # "" the call's own path; "sideband": the kernel's sideband brought it first.
            "via": _str([log.vias.get(i, "") for i in range(len(payloads))])
            if log.vias
            else _str([""] * len(payloads)),
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
