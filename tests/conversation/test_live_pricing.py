"""GPT-Live's meters in the one price table (`conversation/pricing.py`, priced by
`frames.voice_counts_and_cost`): billable seconds at the active rate, paused seconds at the
standby rate, and the Responses backend's tokens as their own model."""

from __future__ import annotations

import math
import warnings

import pytest

from realtime_widget.conversation.frames import voice_counts_and_cost
from realtime_widget.conversation.pricing import (
    PRICE_SOURCES,
    PRICES,
    PRICES_AS_OF,
    ModelPrices,
    TokenCounts,
    UnknownModelPriceWarning,
    cost_of,
    lookup,
    standby_meter,
    token_counts,
    voice_seconds,
)
from realtime_widget.conversation.reducer_state import VoiceUsage
from realtime_widget.live_facts import LIVE_MODELS


def voice(active: float, standby: float = 0.0, model: str = "gpt-live-1") -> VoiceUsage:
    return VoiceUsage(0.0, 0, model, 1, active, standby)


@pytest.mark.parametrize("model", LIVE_MODELS)
def test_every_live_model_has_an_active_and_a_standby_rate_with_a_source(model: str) -> None:
    assert PRICES[model].per_minute == 0.05
    assert PRICES[standby_meter(model)].per_minute == 0.02
    for key in (model, standby_meter(model)):
        assert "gpt-live-1.1" in PRICE_SOURCES[key] and f"read {PRICES_AS_OF}" in PRICE_SOURCES[key]
        # Billed by time only: no token price.
        assert math.isnan(PRICES[key].text_in) and math.isnan(PRICES[key].audio_out)


def test_the_guides_90_second_example() -> None:
    # voice-latency-cost / model page: billed per second, "90 s costs $0.075, not $0.10".
    counts, cost = voice_counts_and_cost(voice(90), PRICES)
    assert counts.seconds == 90
    assert cost.total_usd == pytest.approx(0.075, abs=1e-12)


def test_paused_seconds_take_the_standby_rate() -> None:
    _, cost = voice_counts_and_cost(voice(60, 120), PRICES)
    assert cost.total_usd == pytest.approx(0.05 + 2 * 0.02, abs=1e-12)


def test_a_dated_snapshot_prices_as_its_family_standby_included() -> None:
    assert standby_meter("gpt-live-1-2026-09-01") == "gpt-live-1:standby"
    _, cost = voice_counts_and_cost(voice(60, 60, "gpt-live-1-2026-09-01"), PRICES)
    assert cost.total_usd == pytest.approx(0.07, abs=1e-12)


def test_an_unknown_voice_model_is_nan_with_one_warning_never_a_neighbours() -> None:
    unpriced: set[tuple[str | None, str]] = set()
    _, cost = voice_counts_and_cost(voice(60, 0, "gpt-live-2"), PRICES, unpriced)
    assert math.isnan(cost.total_usd)
    assert ("gpt-live-2", "token") in unpriced
    assert lookup("gpt-live-2", PRICES) is None
    # No standby seconds: the missing standby row costs nothing, and says nothing.
    assert ("gpt-live-2:standby", "token") not in unpriced


def test_an_edited_table_reprices() -> None:
    table = {"gpt-live-1": ModelPrices(*[math.nan] * 8, per_minute=0.06)}
    _, cost = voice_counts_and_cost(voice(30), table)
    assert cost.total_usd == pytest.approx(0.03, abs=1e-12)
    _, with_standby = voice_counts_and_cost(voice(30, 30), table, set())
    assert math.isnan(with_standby.total_usd)  # no standby row in this table


@pytest.mark.parametrize(
    ("usage", "want"),
    [
        ({"seconds": 8}, (8.0, 0.0)),
        ({"seconds": 60, "active_seconds": 40, "paused_seconds": 20}, (40.0, 20.0)),
        ({"seconds": 10, "paused_seconds": 25}, (0.0, 10.0)),  # never more than the total
        ({"seconds": True}, (0.0, 0.0)),
        ({}, (0.0, 0.0)),
        (None, (0.0, 0.0)),
    ],
)
def test_voice_seconds(usage: dict[str, object] | None, want: tuple[float, float]) -> None:
    assert voice_seconds(usage) == want


def test_responses_usage_names_are_read() -> None:
    # The Responses API's usage (a Live backend) says input/output_tokens_details.
    c = token_counts(
        {
            "input_tokens": 500,
            "input_tokens_details": {"cached_tokens": 100, "cache_write_tokens": 0},
            "output_tokens": 40,
            "output_tokens_details": {"reasoning_tokens": 10},
            "total_tokens": 540,
        }
    )
    assert (c.input_text_tokens, c.cached_text_tokens, c.output_text_tokens) == (500, 100, 40)
    assert cost_of(c, "gpt-5.5", PRICES).total_usd == pytest.approx(
        (400 * 5 + 100 * 0.5 + 40 * 30) / 1e6, abs=1e-15
    )
    assert "third-party" in PRICE_SOURCES["gpt-5.5"]


def test_an_unpriced_backend_warns() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cost = cost_of(
            TokenCounts(input_tokens=5, input_text_tokens=5, total_tokens=5), "o9", PRICES
        )
    assert math.isnan(cost.total_usd)
    assert [w.category for w in caught] == [UnknownModelPriceWarning]
