"""The price table, its lookup rule and the cost arithmetic, against hand-computed figures.

Prices are USD per 1M tokens (pricing.PRICES, read 2026-12-01); every expected figure below is
worked out by hand in the comment next to it, never taken from the code under test.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import pytest

from realtime_widget import Conversation, ModelPrices
from realtime_widget import api_facts as facts
from realtime_widget.conversation import UnknownModelPriceWarning
from realtime_widget.conversation.pricing import (
    PRICE_NOTE,
    PRICE_SOURCES,
    PRICES,
    PRICES_AS_OF,
    cost_of,
    lookup,
    prices_json,
    token_counts,
    validate_prices,
)

NAN = float("nan")


def usage(
    *,
    text: int = 0,
    audio: int = 0,
    image: int = 0,
    cached_text: int = 0,
    cached_audio: int = 0,
    cached_image: int = 0,
    out_text: int = 0,
    out_audio: int = 0,
) -> dict[str, Any]:
    inp, out = text + audio + image, out_text + out_audio
    return {
        "total_tokens": inp + out,
        "input_tokens": inp,
        "output_tokens": out,
        "input_token_details": {
            "text_tokens": text,
            "audio_tokens": audio,
            "image_tokens": image,
            "cached_tokens": cached_text + cached_audio + cached_image,
            "cached_tokens_details": {
                "text_tokens": cached_text,
                "audio_tokens": cached_audio,
                "image_tokens": cached_image,
            },
        },
        "output_token_details": {"text_tokens": out_text, "audio_tokens": out_audio},
    }


def session_created(model: str, transcription: str | None = None) -> dict[str, Any]:
    audio = {"input": {"transcription": {"model": transcription}}} if transcription else {}
    return {
        "type": "session.created",
        "event_id": "ev_s",
        "session": {"type": "realtime", "model": model, "instructions": "x", "audio": audio},
    }


def response_done(rid: str, use: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "response.done",
        "event_id": f"ev_{rid}",
        "response": {"id": rid, "object": "realtime.response", "status": "completed", "usage": use},
    }


# A gpt-realtime-2.1-mini voice turn: 200 text in (128 cached), 50 audio in, 20 text + 80 audio out.
MINI_TURN = usage(text=200, cached_text=128, audio=50, out_text=20, out_audio=80)
# uncached 72×0.60 + 50×10 = 43.2 + 500 = 543.2; cached 128×0.06 = 7.68;
# out 20×2.40 + 80×20 = 48 + 1600 = 1648; total 2198.88 per 1M.
MINI_TURN_USD = (543.2e-6, 7.68e-6, 1648e-6, 2198.88e-6)

# A gpt-realtime-2.1 mixed turn: text 300 (200 cached), audio 120 (40 cached), image 500 (100
# cached) in; 50 text + 150 audio out.
MIXED_TURN = usage(
    text=300,
    cached_text=200,
    audio=120,
    cached_audio=40,
    image=500,
    cached_image=100,
    out_text=50,
    out_audio=150,
)
# uncached 100×4 + 80×32 + 400×5 = 400 + 2560 + 2000 = 4960
# cached 200×0.40 + 40×0.40 + 100×0.50 = 80 + 16 + 50 = 146
# out 50×24 + 150×64 = 1200 + 9600 = 10800; total 15906 per 1M.
MIXED_TURN_USD = (4960e-6, 146e-6, 10800e-6, 15906e-6)


def _split(model: str, use: dict[str, Any]) -> tuple[float, float, float, float]:
    c = cost_of(token_counts(use), model, PRICES)
    return (c.input_usd, c.cached_usd, c.output_usd, c.total_usd)


def test_a_gpt_realtime_2_1_mini_turn_by_hand() -> None:
    assert _split("gpt-realtime-2.1-mini", MINI_TURN) == pytest.approx(MINI_TURN_USD, abs=1e-12)


def test_a_gpt_realtime_2_1_mixed_turn_by_hand() -> None:
    assert _split("gpt-realtime-2.1", MIXED_TURN) == pytest.approx(MIXED_TURN_USD, abs=1e-12)
    # gpt-realtime-2 has the same prices (text out $24).
    assert _split("gpt-realtime-2", MIXED_TURN) == pytest.approx(MIXED_TURN_USD, abs=1e-12)
    # gpt-realtime-1.5 differs only in text out ($16): 10800 - 50×(24-16) = 10400 → 15506.
    assert _split("gpt-realtime-1.5", MIXED_TURN)[3] == pytest.approx(15506e-6, abs=1e-12)


def test_the_mini_turn_in_a_conversation() -> None:
    conv = Conversation()
    conv.ingest(
        [
            (1.0, "server", session_created("gpt-realtime-2.1-mini")),
            (2.0, "server", response_done("r1", MINI_TURN)),
        ]
    )
    assert conv.cost() == pytest.approx(2198.88e-6, abs=1e-12)
    row = conv.usage.iloc[0]
    assert row["model"] == "gpt-realtime-2.1-mini"
    assert row["cost_cached_usd"] == pytest.approx(7.68e-6, abs=1e-12)


@pytest.mark.parametrize(
    ("model", "seconds", "usd"),
    [
        ("gpt-realtime-whisper", 90, 0.0255),  # 1.5 min × $0.017
        ("gpt-live-transcribe", 90, 0.0255),  # 1.5 min × $0.017
        ("gpt-transcribe", 90, 0.00675),  # 1.5 min × $0.0045
        ("whisper-1", 30, 0.003),  # 0.5 min × $0.006
    ],
)
def test_duration_billed_transcription_by_hand(model: str, seconds: float, usd: float) -> None:
    c = cost_of(token_counts({"type": "duration", "seconds": seconds}), model, PRICES)
    assert (c.input_usd, c.cached_usd, c.output_usd) == pytest.approx((usd, 0.0, 0.0), abs=1e-12)


def test_a_whisper_transcription_in_a_conversation() -> None:
    conv = Conversation()
    completed = {
        "type": "conversation.item.input_audio_transcription.completed",
        "event_id": "ev_t",
        "item_id": "item_U1",
        "content_index": 0,
        "transcript": "Hello.",
        "usage": {"type": "duration", "seconds": 90},
    }
    conv.ingest(
        [
            (1.0, "server", session_created("gpt-realtime-2.1", "gpt-realtime-whisper")),
            (2.0, "server", completed),
        ]
    )
    tr = conv.usage[conv.usage["kind"] == "transcription"].iloc[0]
    assert tr["model"] == "gpt-realtime-whisper"
    assert tr["audio_seconds"] == 90
    assert tr["cost_usd"] == pytest.approx(0.0255, abs=1e-12)


def test_transcription_tokens_at_the_current_model_page_prices() -> None:
    use = {
        "type": "tokens",
        "input_tokens": 30,
        "output_tokens": 8,
        "input_token_details": {"text_tokens": 10, "audio_tokens": 20},
    }
    # gpt-4o-transcribe: 10×2.50 (prompt) + 20×2.50 + 8×10 = 25 + 50 + 80 = 155
    assert _split("gpt-4o-transcribe", use)[3] == pytest.approx(155e-6, abs=1e-12)
    # gpt-4o-mini-transcribe: 10×1.25 + 20×1.25 + 8×5 = 12.5 + 25 + 40 = 77.5
    assert _split("gpt-4o-mini-transcribe", use)[3] == pytest.approx(77.5e-6, abs=1e-12)


def test_a_dated_snapshot_prices_as_its_family() -> None:
    conv = Conversation()
    conv.ingest(
        [
            (1.0, "server", session_created("gpt-realtime-2.1-2027-03-01")),
            (2.0, "server", response_done("r1", MIXED_TURN)),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert conv.cost() == pytest.approx(15906e-6, abs=1e-12)
    assert lookup("gpt-realtime-2.1-mini-2026-12-01", PRICES) is PRICES["gpt-realtime-2.1-mini"]
    assert lookup("gpt-realtime-2025-08-28", PRICES) is PRICES["gpt-realtime"]
    assert lookup("gpt-4o-mini-transcribe-2025-12-15", PRICES) is PRICES["gpt-4o-mini-transcribe"]
    # The historical row still prices old logs (tests/fixtures/beta_names).
    assert lookup("gpt-4o-realtime-preview-2024-12-17", PRICES) is PRICES["gpt-4o-realtime-preview"]
    # A user-added family: its dated snapshots price as it too.
    mine = ModelPrices(1, 1, 1, 1, 1, 1)
    assert lookup("my-voice-2026-01-01", {"my-voice": mine}) is mine


def test_never_a_longer_prefix_neighbour() -> None:
    only_old = {"gpt-realtime": PRICES["gpt-realtime"], "gpt-realtime-mini": PRICES["gpt-realtime"]}
    # The old longest-prefix rule priced these as gpt-realtime(-mini): impossible now.
    for name in (
        "gpt-realtime-2.1-mini",
        "gpt-realtime-2.1",
        "gpt-realtime-mini-x",
        "gpt-realtime-2.1-mini-2026-12-01",  # its family is not in this table
    ):
        assert lookup(name, only_old) is None, name
    assert lookup("gpt-realtime-2.1-mini-beta", PRICES) is None
    assert lookup("gpt-realtimeX", PRICES) is None


def test_an_unknown_model_costs_nan_with_exactly_one_warning() -> None:
    conv = Conversation()
    conv.ingest(
        [
            (1.0, "server", session_created("gpt-realtime-3")),
            (2.0, "server", response_done("r1", MINI_TURN)),
            (3.0, "server", response_done("r2", MIXED_TURN)),
        ]
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert math.isnan(conv.cost())
    unpriced = [w for w in caught if issubclass(w.category, UnknownModelPriceWarning)]
    assert len(unpriced) == 1
    assert "'gpt-realtime-3'" in str(unpriced[0].message)
    with pytest.warns(UnknownModelPriceWarning):  # the usage table warns once too
        rows = conv.usage
    # the tokens are still counted: 350 + 1120
    assert rows["total_tokens"].sum() == 1470
    assert rows["cost_usd"].isna().all()


def test_every_current_family_has_a_row_with_a_source() -> None:
    assert PRICES_AS_OF == "2026-12-01"
    families = {
        "gpt-realtime-2.1",
        "gpt-realtime-2",
        "gpt-realtime-1.5",
        "gpt-realtime",
        "gpt-realtime-2.1-mini",
        "gpt-realtime-mini",
        "gpt-live-transcribe",
        "gpt-transcribe",
        "gpt-realtime-whisper",
        "gpt-4o-transcribe",
        "gpt-4o-mini-transcribe",
        "whisper-1",
    }
    assert families <= set(PRICES)
    assert set(PRICE_SOURCES) == set(PRICES)
    for model, source in PRICE_SOURCES.items():
        assert f"read {PRICES_AS_OF}" in source, model
    for model in ("gpt-4o-realtime-preview", "gpt-4o-mini-realtime-preview"):
        assert "historical" in PRICE_SOURCES[model]
    # Image prices on all current realtime families.
    for model in ("gpt-realtime-2.1", "gpt-realtime-2.1-mini", "gpt-realtime-mini"):
        assert not math.isnan(PRICES[model].image_in) and not math.isnan(PRICES[model].image_cached)
    # Rows for duration-billed models have a per-minute price and api_facts agrees.
    for name, info in facts.TRANSCRIPTION_MODEL_INFO.items():
        row = lookup(name, PRICES)
        if row is not None:
            assert math.isnan(row.per_minute) == (info.billing == "tokens"), name


def test_prices_json_is_the_view_trait() -> None:
    table = {
        "a": ModelPrices(1, 2, 3, 4, 5, 6, 7, 8),
        "b": ModelPrices(NAN, NAN, NAN, NAN, NAN, NAN, per_minute=0.5),
    }
    assert prices_json(table) == {
        "source": PRICE_NOTE,
        "prices": {
            "a": {
                "text_in": 1,
                "text_cached": 2,
                "text_out": 3,
                "audio_in": 4,
                "audio_cached": 5,
                "audio_out": 6,
                "image_in": 7,
                "image_cached": 8,
                "per_minute": None,
            },
            "b": {
                "text_in": None,
                "text_cached": None,
                "text_out": None,
                "audio_in": None,
                "audio_cached": None,
                "audio_out": None,
                "image_in": None,
                "image_cached": None,
                "per_minute": 0.5,
            },
        },
    }
    full = prices_json(PRICES)
    assert set(full["prices"]) == set(PRICES)
    assert full["prices"]["gpt-realtime-2.1"]["text_out"] == 24.0


def test_the_prices_setter_validates_and_reprices() -> None:
    conv = Conversation(model="gpt-realtime-2.1")
    conv.ingest_event(response_done("r1", MIXED_TURN), time=1.0)
    assert conv.usage["cost_usd"].iloc[0] == pytest.approx(15906e-6, abs=1e-12)
    conv.prices = {"gpt-realtime-2.1": ModelPrices(1, 1, 1, 1, 1, 1, 1, 1)}
    # every token at $1 per 1M: 920 in + 200 out = 1120
    assert conv.usage["cost_usd"].iloc[0] == pytest.approx(1120e-6, abs=1e-12)
    assert conv.cost() == pytest.approx(1120e-6, abs=1e-12)
    conv.prices = None  # back to the module table
    assert conv.prices is PRICES
    assert conv.cost() == pytest.approx(15906e-6, abs=1e-12)
    with pytest.raises(TypeError, match=r"prices\['gpt-realtime-2.1'\] must be a ModelPrices"):
        conv.prices = {"gpt-realtime-2.1": {"text_in": 4}}  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="mapping"):
        conv.prices = [("a", ModelPrices(1, 1, 1, 1, 1, 1))]  # type: ignore[assignment]
    with pytest.raises(TypeError, match="model name"):
        validate_prices({3: ModelPrices(1, 1, 1, 1, 1, 1)})
    # A refused table leaves the previous one in force.
    assert conv.prices is PRICES
