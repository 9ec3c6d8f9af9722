"""`Turn`: the facts of one spoken turn of one run, which every check is a function of.

Built after the run from its conversation (pure: the event log and its tables, plus the
marks the player left: where each turn started in the log). A turn's responses are the
in-conversation responses created between its start and the next turn's start, so a turn
with tool calls has several (the call, then the answer with the tool's output).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from realtime_widget.conversation import Conversation, canonical_type


@dataclass(frozen=True)
class ToolCallMade:
    """A function call the model made in a turn, and what the tool answered."""

    name: str
    arguments: Any  # the decoded JSON arguments (the raw text when it is not JSON)
    output: str | None = None  # None: no output was sent back


@dataclass(frozen=True)
class Mark:
    """Where a spoken turn started, left by the player as it goes."""

    index: int  # among the spoken turns
    kind: str  # "text" | "audio" | "barge_in"
    start: int  # len(conversation) when the turn began
    said: str  # the text sent, or a description of the audio
    interrupted: bool = False  # its reply was cut by the barge-in after it
    error: str = ""  # what went wrong while playing it


@dataclass(frozen=True)
class Turn:
    """One spoken turn of one run: what the user said, what came back, when and at what cost.

    Latencies are ms from the end of the user's turn (the text sent, the end of speech) to
    the first response event (`response.created`), the first output delta and the first
    audio, over all of the turn's responses; NaN when there was none.
    """

    scenario: str
    variant: str
    repeat: int
    index: int
    kind: str
    user_text: str
    reply: str = ""
    heard: str = ""  # the part of `reply` heard before an interruption (all of it if none)
    tool_calls: tuple[ToolCallMade, ...] = ()
    status: str = ""  # of the turn's last response: completed, cancelled, incomplete, failed
    interrupted: bool = False
    response_ids: tuple[str, ...] = ()
    to_response_ms: float = math.nan
    to_first_delta_ms: float = math.nan
    to_audio_ms: float = math.nan
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float = 0.0
    reached: bool = True
    error: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def tool_names(self) -> list[str]:
        return [c.name for c in self.tool_calls]


def _epoch(value: Any) -> float:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    try:
        return float(pd.Timestamp(value).timestamp())
    except (TypeError, ValueError):
        return math.nan


def _ms(later: float, earlier: float) -> float:
    if math.isnan(later) or math.isnan(earlier):
        return math.nan
    return round((later - earlier) * 1000.0, 3)


def _arguments(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


class _Log:
    """One pass over the raw log: per spoken turn its responses and user item, and the
    first audio delta of every response (the WebSocket has no output_audio_buffer.started)."""

    def __init__(self, conversation: Conversation, starts: Sequence[int]) -> None:
        records = conversation.raw_events
        bounds = [*starts, len(records)]
        self.responses: list[list[str]] = [[] for _ in starts]
        self.user_items: list[str] = ["" for _ in starts]
        self.first_audio: dict[str, float] = {}
        turn = -1
        for i, (t, direction, payload) in enumerate(records):
            while turn + 1 < len(starts) and i >= bounds[turn + 1]:
                turn += 1
            if direction != "server" or not isinstance(payload, dict):
                continue
            kind = canonical_type(str(payload.get("type", "")))
            if kind == "response.output_audio.delta":
                rid = payload.get("response_id")
                if isinstance(rid, str):
                    self.first_audio.setdefault(rid, t)
            if turn < 0:
                continue
            if kind == "response.created":
                response = payload.get("response") or {}
                if response.get("conversation_id", "") is not None and response.get("id"):
                    self.responses[turn].append(str(response["id"]))
            elif kind in ("conversation.item.added", "conversation.item.created"):
                item = payload.get("item") or {}
                if item.get("role") == "user" and not self.user_items[turn]:
                    self.user_items[turn] = str(item.get("id") or "")


def turns_of(
    conversation: Conversation,
    marks: Sequence[Mark],
    *,
    scenario: str,
    variant: str,
    repeat: int,
    count: int,
    kinds: Sequence[str],
    said: Sequence[str],
    error: str = "",
) -> list[Turn]:
    """The `count` spoken turns of a run; those the run never reached (it failed first)
    are `reached=False` with the run's `error`."""
    log = _Log(conversation, [m.start for m in marks])
    transcript = conversation.transcript
    usage = conversation.usage
    latency = conversation.latency.set_index("response_id")
    by_item = transcript.set_index("item_id")
    outputs = {
        str(r.call_id): str(r.text)
        for r in transcript[transcript["kind"] == "function_output"].itertuples()
        if isinstance(r.call_id, str)
    }
    out: list[Turn] = []
    for k in range(count):
        base = {
            "scenario": scenario,
            "variant": variant,
            "repeat": repeat,
            "index": k,
            "kind": kinds[k],
        }
        if k >= len(marks):
            out.append(
                Turn(**base, user_text=said[k], reached=False, error=error or "not played")  # type: ignore[arg-type]
            )
            continue
        mark = marks[k]
        ids = log.responses[k]
        user_item = log.user_items[k]
        user_text = mark.said
        if user_item and user_item in by_item.index and mark.kind != "text":
            user_text = _str(by_item.loc[user_item, "text"]) or mark.said
        rows = transcript[transcript["response_id"].isin(ids)]
        spoken = rows[(rows["role"] == "assistant") & rows["kind"].isin(["text", "audio"])]
        calls = tuple(
            ToolCallMade(_str(r.name), _arguments(_str(r.text)), outputs.get(_str(r.call_id)))
            for r in rows[rows["kind"] == "function_call"].itertuples()
        )
        billed = usage[
            usage["response_id"].isin(ids)
            | ((usage["kind"] == "transcription") & (usage["item_id"] == user_item))
        ]
        statuses = usage[usage["response_id"].isin(ids)]["status"].tolist()
        lat = latency.loc[[i for i in ids if i in latency.index]]
        trigger = _epoch(lat["user_end_at"].iloc[0]) if len(lat) else math.nan
        created = _epoch(lat["response_created_at"].iloc[0]) if len(lat) else math.nan
        deltas = [_epoch(v) for v in lat["first_delta_at"]]
        audios = [_epoch(v) for v in lat["audio_started_at"]]
        audios += [log.first_audio[i] for i in ids if i in log.first_audio]
        first_delta = min((v for v in deltas if not math.isnan(v)), default=math.nan)
        first_audio = min((v for v in audios if not math.isnan(v)), default=math.nan)
        cost = float(billed["cost_usd"].sum(min_count=1)) if len(billed) else 0.0
        out.append(
            Turn(
                **base,  # type: ignore[arg-type]
                user_text=user_text,
                reply=" ".join(t for t in spoken["text"].tolist() if t),
                heard=" ".join(t for t in spoken["heard_text"].tolist() if t),
                tool_calls=calls,
                status=str(statuses[-1]) if statuses else "",
                interrupted=mark.interrupted,
                response_ids=tuple(ids),
                to_response_ms=_ms(created, trigger),
                to_first_delta_ms=_ms(first_delta, trigger),
                to_audio_ms=_ms(first_audio, trigger),
                input_tokens=int(billed["input_tokens"].sum()),
                output_tokens=int(billed["output_tokens"].sum()),
                total_tokens=int(billed["total_tokens"].sum()),
                cost_usd=cost,
                error=mark.error,
            )
        )
    return out
