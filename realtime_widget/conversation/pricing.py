"""Prices in USD per 1M tokens, one editable table, and the pure cost arithmetic.

The figures are OpenAI's list prices as collected in the project's realtime-api.md §8. Prices
change: every cost this package reports is an *estimate* and names this table (`PRICE_NOTE`).
Override per conversation with `Conversation(prices=...)`, or edit `PRICES` for the whole process:

    from realtime_widget import PRICES, ModelPrices
    PRICES["my-finetune"] = ModelPrices(text_in=4.0, text_cached=0.4, text_out=16.0,
                                        audio_in=32.0, audio_cached=0.4, audio_out=64.0)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

PRICES_AS_OF: Final = "2026-11-21"
PRICE_SOURCE: Final = "OpenAI list prices, realtime-api.md §8"
PRICE_NOTE: Final = (
    f"Estimated cost in USD from the price table `realtime_widget.PRICES` "
    f"({PRICE_SOURCE}, as of {PRICES_AS_OF}); actual billing may differ."
)

NAN: Final = float("nan")


class UnknownModelPriceWarning(UserWarning):
    """A model (or a token kind for it) has no price in the table; its cost is NaN."""


@dataclass(frozen=True, slots=True)
class ModelPrices:
    """USD per 1M tokens. A price of NaN means "unknown": such tokens make the cost NaN."""

    text_in: float
    text_cached: float
    text_out: float
    audio_in: float
    audio_cached: float
    audio_out: float
    image_in: float = NAN
    image_cached: float = NAN
    #: Only for duration-billed transcription models (whisper-1).
    per_minute: float = NAN


PriceTable: TypeAlias = Mapping[str, ModelPrices]

#: The process-wide, editable table: realtime models and input-transcription models.
PRICES: dict[str, ModelPrices] = {
    "gpt-realtime": ModelPrices(4.00, 0.40, 16.00, 32.00, 0.40, 64.00, 5.00, 0.50),
    "gpt-realtime-mini": ModelPrices(0.60, 0.06, 2.40, 10.00, 0.30, 20.00),
    "gpt-4o-realtime-preview": ModelPrices(5.00, 2.50, 20.00, 40.00, 2.50, 80.00),
    "gpt-4o-mini-realtime-preview": ModelPrices(0.60, 0.30, 2.40, 10.00, 0.30, 20.00),
    # Transcription: audio in / text out per realtime-api.md §8; the text-in (prompt) prices
    # are OpenAI's list prices for these models. Cached tokens do not apply.
    "gpt-4o-transcribe": ModelPrices(2.50, 2.50, 10.00, 6.00, 6.00, 10.00),
    "gpt-4o-mini-transcribe": ModelPrices(1.25, 1.25, 5.00, 3.00, 3.00, 5.00),
    "whisper-1": ModelPrices(NAN, NAN, NAN, NAN, NAN, NAN, per_minute=0.006),
}


def lookup(model: str, table: PriceTable) -> ModelPrices | None:
    """Prices for `model`: exact name, else the longest table key it starts with.

    Dated snapshots ("gpt-realtime-2025-08-28") thus use their family's price, and
    "gpt-realtime-mini-…" matches "gpt-realtime-mini", not "gpt-realtime".
    """
    found = table.get(model)
    if found is not None:
        return found
    best: str | None = None
    for key in table:
        if model.startswith(key + "-") and (best is None or len(key) > len(best)):
            best = key
    return None if best is None else table[best]


def warn_unpriced(model: str | None, what: str = "token") -> None:
    """Warn that `model` has no `what` price (or no model is known) so its cost is NaN."""
    if model is None:
        msg = (
            "The model of some usage is unknown (no session event named it; for input "
            "transcription, audio.input.transcription.model), so its cost is NaN."
        )
    else:
        msg = (
            f"No {what} price for model {model!r} in the price table, so its cost is NaN. "
            f"Add it: realtime_widget.PRICES[{model!r}] = ModelPrices(...), "
            f"or pass Conversation(prices=...)."
        )
    warnings.warn(msg, UnknownModelPriceWarning, stacklevel=3)


@dataclass(frozen=True, slots=True)
class TokenCounts:
    """Token counts of one response (or one transcription), flattened from the usage object."""

    input_tokens: int = 0
    input_text_tokens: int = 0
    input_audio_tokens: int = 0
    input_image_tokens: int = 0
    cached_tokens: int = 0
    cached_text_tokens: int = 0
    cached_audio_tokens: int = 0
    cached_image_tokens: int = 0
    output_tokens: int = 0
    output_text_tokens: int = 0
    output_audio_tokens: int = 0
    total_tokens: int = 0
    #: Duration-billed transcription (`usage.type == "duration"`), else 0.
    seconds: float = 0.0


def _int(d: Mapping[str, Any] | None, key: str) -> int:
    if not d:
        return 0
    v = d.get(key)
    return int(v) if isinstance(v, int | float) else 0


def token_counts(usage: Mapping[str, Any] | None) -> TokenCounts:
    """Flatten a `response.usage` or a transcription `usage` object (missing fields are 0).

    When the cached split is missing but `cached_tokens` is set, the cached tokens are taken as
    text first, then audio (the split the API reports for typical sessions).
    """
    if not usage:
        return TokenCounts()
    if usage.get("type") == "duration":
        secs = usage.get("seconds")
        return TokenCounts(seconds=float(secs) if isinstance(secs, int | float) else 0.0)
    ind = usage.get("input_token_details") or {}
    outd = usage.get("output_token_details") or {}
    cached = _int(ind, "cached_tokens")
    cd = ind.get("cached_tokens_details")
    inp, out = _int(usage, "input_tokens"), _int(usage, "output_tokens")
    audio_in, image_in = _int(ind, "audio_tokens"), _int(ind, "image_tokens")
    # Without a text count (e.g. transcription usage has no output details), the rest is text.
    text_in = _int(ind, "text_tokens") if "text_tokens" in ind else inp - audio_in - image_in
    audio_out = _int(outd, "audio_tokens")
    text_out = _int(outd, "text_tokens") if "text_tokens" in outd else out - audio_out
    if cd:
        c_text, c_audio, c_image = (
            _int(cd, "text_tokens"),
            _int(cd, "audio_tokens"),
            _int(cd, "image_tokens"),
        )
    else:
        c_text = min(cached, text_in)
        c_audio = min(cached - c_text, audio_in)
        c_image = cached - c_text - c_audio
    total = _int(usage, "total_tokens") if "total_tokens" in usage else inp + out
    return TokenCounts(
        input_tokens=inp,
        input_text_tokens=text_in,
        input_audio_tokens=audio_in,
        input_image_tokens=image_in,
        cached_tokens=cached,
        cached_text_tokens=c_text,
        cached_audio_tokens=c_audio,
        cached_image_tokens=c_image,
        output_tokens=out,
        output_text_tokens=text_out,
        output_audio_tokens=audio_out,
        total_tokens=total,
    )


def add_counts(a: TokenCounts, b: TokenCounts) -> TokenCounts:
    """Field-wise sum (costs are linear in tokens, so totals can be priced once)."""
    return TokenCounts(*(getattr(a, f) + getattr(b, f) for f in TokenCounts.__dataclass_fields__))


@dataclass(frozen=True, slots=True)
class Cost:
    """USD split the way OpenAI bills: uncached input, cached input, output."""

    input_usd: float
    cached_usd: float
    output_usd: float

    @property
    def total_usd(self) -> float:
        return self.input_usd + self.cached_usd + self.output_usd


_NAN_COST: Final = Cost(NAN, NAN, NAN)


def _mul(tokens: int, price: float) -> float:
    # 0 tokens of an unpriced kind cost nothing; only tokens actually used make it unknown.
    return 0.0 if tokens == 0 else tokens * price


def cost_of(
    counts: TokenCounts,
    model: str | None,
    table: PriceTable,
    unpriced: set[tuple[str | None, str]] | None = None,
) -> Cost:
    """Estimated cost of one response/transcription; NaN when unpriced.

    Unpriced cases warn (`UnknownModelPriceWarning`), or, when `unpriced` is given, are added
    to it so that the caller can warn once per model instead of once per row.
    """

    def unknown(what: str) -> None:
        if unpriced is None:
            warn_unpriced(model, what)
        else:
            unpriced.add((model, what))

    prices = lookup(model, table) if model else None
    if prices is None:
        if counts.total_tokens or counts.seconds:
            unknown("token")
        return _NAN_COST
    if counts.seconds:
        usd = counts.seconds / 60.0 * prices.per_minute
        if math.isnan(usd):
            unknown("per-minute")
        return Cost(usd, 0.0, 0.0)
    p = prices
    cost = Cost(
        input_usd=(
            _mul(counts.input_text_tokens - counts.cached_text_tokens, p.text_in)
            + _mul(counts.input_audio_tokens - counts.cached_audio_tokens, p.audio_in)
            + _mul(counts.input_image_tokens - counts.cached_image_tokens, p.image_in)
        )
        / 1e6,
        cached_usd=(
            _mul(counts.cached_text_tokens, p.text_cached)
            + _mul(counts.cached_audio_tokens, p.audio_cached)
            + _mul(counts.cached_image_tokens, p.image_cached)
        )
        / 1e6,
        output_usd=(
            _mul(counts.output_text_tokens, p.text_out)
            + _mul(counts.output_audio_tokens, p.audio_out)
        )
        / 1e6,
    )
    if math.isnan(cost.total_usd):
        unknown("image (or other token kind)")
    return cost
