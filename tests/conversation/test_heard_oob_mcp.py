"""Issue 11: heard/unheard text of truncated items, out-of-band responses, MCP item kinds.

A behaviour test across modules: heard.py, reduce_responses.py (out of band), item_content.py
(MCP kinds), frames.py and reconnect.py.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from realtime_widget import Conversation
from realtime_widget.conversation.reduce import heard_split
from realtime_widget.reconnect import history_items
from tests.conversation.conftest import load_fixture

TEXT = "The Moon is Earth's only natural satellite."


def conv_of(*events: tuple[str, dict[str, Any]]) -> Conversation:
    conv = Conversation(model="gpt-realtime-2.1")
    conv.ingest([(1000.0 + k, d, e) for k, (d, e) in enumerate(events)])
    return conv


def s(event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return ("server", event)


def c(event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return ("client", event)


# -- heard_split -----------------------------------------------------------------------------


def test_heard_split_edges() -> None:
    assert heard_split(TEXT, None, 3000) == (TEXT, "")
    assert heard_split(TEXT, 0, 3000) == ("", TEXT)
    assert heard_split(TEXT, 4000, 3000) == (TEXT, "")
    assert heard_split("", 100, None) == ("", "")


def test_heard_split_cuts_back_to_a_whole_word() -> None:
    # 43 chars, 1000 of 3000 ms → 14 chars "The Moon is Ea" (mid-word) → "The Moon is".
    assert heard_split(TEXT, 1000, 3000) == ("The Moon is", " Earth's only natural satellite.")
    # No audio length: 60 ms/char → 2580 ms; 1200 ms → 20 chars, at a space.
    assert heard_split(TEXT, 1200, None) == ("The Moon is Earth's", " only natural satellite.")
    # A first word not finished: nothing heard.
    assert heard_split("Supercalifragilistic is long", 100, 2000) == (
        "",
        "Supercalifragilistic is long",
    )


def test_barge_in_after_done_columns_and_reconnect() -> None:
    conv = load_fixture("barge_in_after_done")
    tr = conv.transcript.set_index("item_id")
    a1 = tr.loc["item_A1"]
    assert a1["heard_ms"] == 2000.0
    assert a1["heard_text"] == "The Moon is Earth's only natural"
    assert a1["status"] == "interrupted"
    assert tr.loc["item_A2", "heard_text"] == tr.loc["item_A2", "text"]
    assert tr.loc["item_A2", "unheard_text"] == ""
    assert math.isnan(tr.loc["item_A2", "heard_ms"])
    assert pd_string(tr["heard_text"]) and pd_string(tr["unheard_text"])
    items = history_items(conv.transcript.to_dict("records"))
    a1_item = next(i for i in items if i.get("id") == "item_A1")
    assert a1_item["content"] == [
        {"type": "output_text", "text": "The Moon is Earth's only natural"}
    ]
    # The refused cancel is an error in the log; the session carries on.
    assert len(conv._state.errors) == 1


def pd_string(col: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_string_dtype(col))


def test_a_snapshot_after_truncation_does_not_cut_the_received_text() -> None:
    item = {"id": "a1", "type": "message", "role": "assistant", "status": "incomplete"}
    conv = conv_of(
        s({"type": "response.created", "response": {"id": "r1", "conversation_id": "c"}}),
        s(
            {
                "type": "response.output_audio_transcript.delta",
                "response_id": "r1",
                "item_id": "a1",
                "delta": TEXT,
            }
        ),
        s({"type": "conversation.item.added", "item": {**item, "content": []}}),
        s(
            {
                "type": "conversation.item.truncated",
                "item_id": "a1",
                "content_index": 0,
                "audio_end_ms": 0,
            }
        ),
        s(
            {
                "type": "conversation.item.retrieved",
                "item": {**item, "content": [{"type": "output_audio", "transcript": "The"}]},
            }
        ),
    )
    row = conv.transcript.iloc[0]
    assert row["text"] == TEXT
    assert (row["heard_text"], row["unheard_text"]) == ("", TEXT)
    # Cut at 0 ms: the model has nothing of it, so a reconnect leaves it out.
    assert history_items(conv.transcript.to_dict("records")) == []


def test_reconnect_without_heard_text_column_estimates_it() -> None:
    rows = [
        {"item_id": "a1", "role": "assistant", "kind": "audio", "text": TEXT, "heard_ms": 1200.0}
    ]
    assert history_items(rows)[0]["content"][0]["text"] == "The Moon is Earth's"


# -- out-of-band -----------------------------------------------------------------------------

OOB_CREATE = {
    "type": "response.create",
    "response": {"conversation": "none", "metadata": {"k": "judge"}, "output_modalities": ["text"]},
}


def oob_events(conversation_key: bool) -> list[tuple[str, dict[str, Any]]]:
    resp: dict[str, Any] = {"id": "oob", "status": "in_progress", "metadata": {"k": "judge"}}
    if conversation_key:
        resp["conversation_id"] = None
    fc = {
        "id": "f1",
        "type": "function_call",
        "name": "score",
        "call_id": "call_9",
        "arguments": '{"score": 4}',
    }
    return [
        c({"type": "conversation.item.create", "item": {"id": "u1", "type": "message",
                                                        "role": "user", "content": []}}),
        s({"type": "conversation.item.added", "previous_item_id": None,
           "item": {"id": "u1", "type": "message", "role": "user",
                    "content": [{"type": "input_text", "text": "Hi"}]}}),
        c(OOB_CREATE),
        s({"type": "response.created", "response": resp}),
        s({"type": "response.output_item.added", "response_id": "oob", "output_index": 0,
           "item": {**fc, "arguments": ""}}),
        s({"type": "response.function_call_arguments.delta", "response_id": "oob",
           "item_id": "f1", "call_id": "call_9", "delta": '{"score": 4}'}),
        s({"type": "response.done", "response": {**resp, "status": "completed", "output": [fc],
           "usage": {"input_tokens": 100, "output_tokens": 5, "total_tokens": 105,
                     "input_token_details": {"text_tokens": 100},
                     "output_token_details": {"text_tokens": 5}}}}),
        c({"type": "response.create"}),
        s({"type": "response.created", "response": {"id": "r1", "status": "in_progress"}}),
    ]  # fmt: skip


@pytest.mark.parametrize("conversation_key", [True, False])
def test_out_of_band_response_is_no_turn_but_is_billed(conversation_key: bool) -> None:
    # Without the conversation_id key (old logs), the client request's metadata identifies it.
    conv = conv_of(*oob_events(conversation_key))
    assert list(conv.transcript["item_id"]) == ["u1"]
    oob = conv.out_of_band
    assert list(oob["response_id"]) == ["oob"]
    row = oob.iloc[0]
    assert row["function_calls"] == [
        {"name": "score", "arguments": '{"score": 4}', "call_id": "call_9"}
    ]
    assert row["metadata"] == {"k": "judge"}
    assert row["status"] == "completed" and row["text"] == ""
    assert row["cost_usd"] == pytest.approx((100 * 4 + 5 * 24) / 1e6)
    assert str(oob["created_at"].dtype) == "datetime64[us, UTC]"
    # Billed: in usage (flagged) and cost(); no turn; the text send's latency goes to r1.
    usage = conv.usage
    assert list(usage["out_of_band"]) == [True]
    assert conv.cost() == pytest.approx(row["cost_usd"])
    assert conv.summary().turns == 0
    lat = conv.latency
    assert list(lat["response_id"]) == ["r1"]
    assert lat.iloc[0]["trigger"] == "text" and lat.iloc[0]["user_item_id"] == "u1"


def test_a_response_without_conversation_id_and_no_matching_request_is_in_conversation() -> None:
    conv = conv_of(
        s({"type": "response.created", "response": {"id": "r1", "metadata": {"k": "judge"}}}),
        s({"type": "response.output_text.delta", "response_id": "r1", "item_id": "a1",
           "delta": "hi"}),
        s({"type": "response.output_item.done", "response_id": "r1", "output_index": 0,
           "item": {"id": "a1", "type": "message", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": "hi"}]}}),
    )  # fmt: skip
    assert list(conv.transcript["item_id"]) == ["a1"]
    assert conv.out_of_band.empty


def test_out_of_band_fixture() -> None:
    conv = load_fixture("out_of_band")
    oob = conv.out_of_band
    assert list(oob.columns[:6]) == [
        "response_id",
        "status",
        "reason",
        "text",
        "function_calls",
        "metadata",
    ]
    assert oob.iloc[0]["output_text_tokens"] == 2
    assert oob.iloc[0]["done_at"] > oob.iloc[0]["created_at"]
    assert "item_X1" not in set(conv.transcript["item_id"])
    assert conv.latency.iloc[0]["trigger"] == "speech"


def test_empty_out_of_band_table_is_typed() -> None:
    oob = Conversation().out_of_band
    assert oob.empty and str(oob["done_at"].dtype) == "datetime64[us, UTC]"
    assert oob["cost_usd"].dtype == "float64"


# -- MCP and unknown items -------------------------------------------------------------------


def test_mcp_items_have_their_kind_and_text() -> None:
    conv = conv_of(
        s({"type": "conversation.item.added", "previous_item_id": None,
           "item": {"id": "q1", "type": "mcp_approval_request", "server_label": "wiki",
                    "name": "ask", "arguments": "{}"}}),
        s({"type": "conversation.item.added", "previous_item_id": "q1",
           "item": {"id": "p1", "type": "mcp_approval_response", "approval_request_id": "q1",
                    "approve": True}}),
        s({"type": "conversation.item.done", "previous_item_id": "p1",
           "item": {"id": "c1", "type": "mcp_call", "server_label": "wiki", "name": "ask",
                    "arguments": "{}", "error": {"type": "http_error", "code": 500,
                                                 "message": "boom"}}}),
        s({"type": "conversation.item.added", "previous_item_id": "c1",
           "item": {"id": "l1", "type": "mcp_list_tools", "server_label": "wiki", "tools": []}}),
        s({"type": "mcp_list_tools.failed", "item_id": "l1"}),
        s({"type": "conversation.item.done", "previous_item_id": "l1",
           "item": {"id": "z1", "type": "future_thing", "role": "assistant",
                    "content": [{"type": "output_text", "text": "later"}]}}),
    )  # fmt: skip
    tr = conv.transcript
    got = [list(r) for r in tr[["item_id", "role", "kind", "text", "status"]].itertuples(False)]
    assert got == [
        ["q1", "assistant", "mcp_approval_request", "wiki.ask({})", "partial"],
        ["p1", "user", "mcp_approval_response", "approved", "complete"],
        ["c1", "assistant", "mcp_call", "wiki.ask({}) → error: boom", "failed"],
        ["l1", "tool", "mcp_list_tools", "wiki", "failed"],
        ["z1", "assistant", "future_thing", "later", "complete"],
    ]
    assert tr.set_index("item_id").loc["c1", "error"] == "boom"
    assert "future_thing" in tr["kind"].cat.categories
    # Neither MCP items nor unknown types are re-inserted on reconnect.
    assert history_items(tr.to_dict("records")) == []


def test_mcp_fixture_names_and_reconnect() -> None:
    conv = load_fixture("mcp_listing")
    tr = conv.transcript.set_index("item_id")
    assert tr.loc["item_M1", "name"] == "ask_question"
    ids = [i.get("id") for i in history_items(conv.transcript.to_dict("records"))]
    assert ids == ["item_U1", "item_A1"]
