"""Usage arithmetic: invariants on every fixture, cost against hand-computed figures, prices.

A behaviour test across modules: the usage table of frames.py and the cost arithmetic of
pricing.py.
"""

from __future__ import annotations

import math
import warnings

import pytest

from realtime_widget import PRICES, Conversation
from realtime_widget.conversation import ModelPrices, UnknownModelPriceWarning
from realtime_widget.conversation.pricing import PRICE_NOTE, cost_of, token_counts
from tests.conversation.conftest import load_fixture

# The example from realtime-api.md §5.
DOC_USAGE = {
    "total_tokens": 253,
    "input_tokens": 132,
    "output_tokens": 121,
    "input_token_details": {
        "text_tokens": 119,
        "audio_tokens": 13,
        "image_tokens": 0,
        "cached_tokens": 64,
        "cached_tokens_details": {"text_tokens": 64, "audio_tokens": 0, "image_tokens": 0},
    },
    "output_token_details": {"text_tokens": 30, "audio_tokens": 91},
}


def response_done(rid: str, use: dict[str, object] | None, status: str = "completed") -> dict:
    return {
        "type": "response.done",
        "event_id": f"ev_{rid}",
        "response": {"id": rid, "object": "realtime.response", "status": status, "usage": use},
    }


def session_created(model: str) -> dict:
    return {
        "type": "session.created",
        "event_id": "ev_s",
        "session": {"type": "realtime", "model": model, "instructions": "x"},
    }


def test_usage_invariants_hold_on_every_fixture(fixture_name: str) -> None:
    u = load_fixture(fixture_name).usage
    assert len(u) > 0
    assert (
        u["input_tokens"]
        == u["input_text_tokens"] + u["input_audio_tokens"] + u["input_image_tokens"]
    ).all()
    assert (u["output_tokens"] == u["output_text_tokens"] + u["output_audio_tokens"]).all()
    assert (u["total_tokens"] == u["input_tokens"] + u["output_tokens"]).all()
    assert (u["cached_tokens"] <= u["input_tokens"]).all()
    assert (
        u["cached_tokens"]
        == u["cached_text_tokens"] + u["cached_audio_tokens"] + u["cached_image_tokens"]
    ).all()
    for kind in ("text", "audio", "image"):
        assert (u[f"cached_{kind}_tokens"] <= u[f"input_{kind}_tokens"]).all()
    split = u["cost_input_usd"] + u["cost_cached_usd"] + u["cost_output_usd"]
    assert ((split - u["cost_usd"]).abs() < 1e-12).all()


def test_cost_of_the_documented_example_by_hand() -> None:
    # uncached text 55×4 + audio 13×32 = 636; cached 64×0.40 = 25.6; out 30×16 + 91×64 = 6304.
    c = cost_of(token_counts(DOC_USAGE), "gpt-realtime", PRICES)
    assert c.input_usd == pytest.approx(636e-6, abs=1e-12)
    assert c.cached_usd == pytest.approx(25.6e-6, abs=1e-12)
    assert c.output_usd == pytest.approx(6304e-6, abs=1e-12)
    assert c.total_usd == pytest.approx(6965.6e-6, abs=1e-12)


def test_usage_row_split_and_note() -> None:
    conv = Conversation()
    conv.ingest_event(response_done("r1", DOC_USAGE), time=1000.0)
    row = conv.usage.iloc[0]
    assert row["cost_cached_usd"] == pytest.approx(25.6e-6)
    assert row["model"] == "gpt-realtime"
    assert conv.usage.attrs["cost_note"] == PRICE_NOTE
    assert "estimate" in PRICE_NOTE.lower() and "PRICES" in PRICE_NOTE


def test_dated_snapshots_and_mini_use_their_family_price() -> None:
    conv = Conversation()
    conv.ingest(
        [
            (1.0, "server", session_created("gpt-realtime-mini-2025-10-06")),
            (2.0, "server", response_done("r1", DOC_USAGE)),
        ]
    )
    # mini: 55×0.60 + 13×10 + 64×0.06 + 30×2.40 + 91×20 = 33 + 130 + 3.84 + 72 + 1820
    assert conv.cost() == pytest.approx(2058.84e-6, abs=1e-12)
    assert conv.model == "gpt-realtime-mini-2025-10-06"


def test_unknown_model_gives_nan_and_a_warning_not_a_crash() -> None:
    conv = Conversation()
    conv.ingest(
        [
            (1.0, "server", session_created("gpt-future-voice")),
            (2.0, "server", response_done("r1", DOC_USAGE)),
        ]
    )
    with pytest.warns(UnknownModelPriceWarning, match="gpt-future-voice"):
        assert math.isnan(conv.cost())
    with pytest.warns(UnknownModelPriceWarning):
        assert math.isnan(conv.usage["cost_usd"].iloc[0])
    # Cached: a second read does not rebuild (nor warn again); the tokens are still there.
    assert conv.usage["total_tokens"].iloc[0] == 253


def test_prices_override_per_conversation() -> None:
    table = {"gpt-realtime": ModelPrices(1, 1, 1, 1, 1, 1)}
    conv = Conversation(prices=table)
    conv.ingest_event(response_done("r1", DOC_USAGE), time=1.0)
    assert conv.cost() == pytest.approx(253e-6)


def test_editing_the_module_table_applies_and_invalidates_the_cache() -> None:
    conv = Conversation(model="my-finetune")
    conv.ingest_event(response_done("r1", DOC_USAGE), time=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownModelPriceWarning)
        assert math.isnan(conv.usage["cost_usd"].iloc[0])
    PRICES["my-finetune"] = ModelPrices(2, 2, 2, 2, 2, 2)
    try:
        assert conv.usage["cost_usd"].iloc[0] == pytest.approx(506e-6)
    finally:
        del PRICES["my-finetune"]


def test_image_tokens_priced_on_realtime_models_and_nan_where_unpriced() -> None:
    use = {
        "total_tokens": 110,
        "input_tokens": 100,
        "output_tokens": 10,
        "input_token_details": {
            "text_tokens": 0,
            "audio_tokens": 0,
            "image_tokens": 100,
            "cached_tokens": 40,
            "cached_tokens_details": {"image_tokens": 40},
        },
        "output_token_details": {"text_tokens": 10, "audio_tokens": 0},
    }
    # 60×5 + 40×0.50 + 10×16 = 480
    assert cost_of(token_counts(use), "gpt-realtime", PRICES).total_usd == pytest.approx(480e-6)
    # gpt-realtime-mini has image prices now: 60×0.80 + 40×0.08 + 10×2.40 = 48 + 3.2 + 24 = 75.2
    mini = cost_of(token_counts(use), "gpt-realtime-mini", PRICES).total_usd
    assert mini == pytest.approx(75.2e-6)
    # The shut-down gpt-4o-mini-realtime-preview (historical row) never took images.
    with pytest.warns(UnknownModelPriceWarning, match="image"):
        assert math.isnan(
            cost_of(token_counts(use), "gpt-4o-mini-realtime-preview", PRICES).total_usd
        )


def test_transcription_rows_tokens_and_duration() -> None:
    u = load_fixture("late_transcription").usage
    tr = u[u["kind"] == "transcription"]
    assert list(tr["item_id"]) == ["item_U1", "item_U2"] or set(tr["item_id"]) == {
        "item_U1",
        "item_U2",
    }
    assert list(tr["model"].unique()) == ["whisper-1"]
    assert tr["audio_seconds"].sum() == pytest.approx(3.5)
    # 3.5 s at $0.006 per minute
    assert tr["cost_usd"].sum() == pytest.approx(350e-6)
    v = load_fixture("voice_turn").usage
    vt = v[v["kind"] == "transcription"].iloc[0]
    assert (vt["input_audio_tokens"], vt["output_text_tokens"]) == (20, 4)
    assert vt["cost_usd"] == pytest.approx(45e-6)  # 20×1.25 + 4×5


def test_missing_usage_counts_as_zero_tokens() -> None:
    conv = Conversation()
    conv.ingest_event(response_done("r1", None, status="failed"), time=1.0)
    row = conv.usage.iloc[0]
    assert row["total_tokens"] == 0 and row["cost_usd"] == 0.0 and row["status"] == "failed"
