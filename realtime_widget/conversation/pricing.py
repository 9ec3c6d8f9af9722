"""Prices in USD per 1M tokens, one editable table, and the pure cost arithmetic.

The figures are OpenAI's list prices from each model's page on developers.openai.com, read on
PRICES_AS_OF; `PRICE_SOURCES` names the page of every row. Prices change: every cost this
package reports is an *estimate* and names this table (`PRICE_NOTE`). Override per
conversation with `Conversation(prices=...)` (or `conversation.prices = ...`), or edit `PRICES`
for the whole process:

    from realtime_widget import PRICES, ModelPrices
    PRICES["my-finetune"] = ModelPrices(text_in=4.0, text_cached=0.4, text_out=16.0,
                                        audio_in=32.0, audio_cached=0.4, audio_out=64.0)

Lookup (`lookup`): the exact table key; else, for a dated snapshot (`…-YYYY-MM-DD`), its
family (the name without the date, as `api_facts.family_of` says); any other unknown name has no
price (its cost is NaN, with one warning per model), never a neighbour's.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Final, TypeAlias

PRICES_AS_OF: Final = "2026-12-01"
PRICE_SOURCE: Final = "OpenAI model pages on developers.openai.com (pricing.PRICE_SOURCES)"
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
    #: USD per minute of audio, for duration-billed transcription (usage type "duration").
    per_minute: float = NAN


PriceTable: TypeAlias = Mapping[str, ModelPrices]


def _per_minute(usd: float) -> ModelPrices:
    return ModelPrices(NAN, NAN, NAN, NAN, NAN, NAN, per_minute=usd)


#: GPT-Live's voice meter, USD per minute of billable session time (billed per second): the
#: active rate, and the lower standby rate of a WebRTC session while inference is paused
#: (`SessionUsage.paused_seconds`). The standby rate is the row `standby_meter(model)`.
LIVE_ACTIVE_USD_PER_MINUTE: Final = 0.05
LIVE_STANDBY_USD_PER_MINUTE: Final = 0.02
#: Suffix of a voice model's standby-rate row in the table ("gpt-live-1:standby").
STANDBY_SUFFIX: Final = ":standby"

_PAGE: Final = "https://developers.openai.com/api/docs/models/"
_READ: Final = f", read {PRICES_AS_OF}"

#: The process-wide, editable table: realtime models and input-transcription models, one row per
#: family (dated snapshots price as their family). NaN: that kind of token is not billed by the
#: model (0 such tokens cost 0; any would make the cost NaN).
PRICES: dict[str, ModelPrices] = {
    # text in, cached, out; audio in, cached, out; image in, cached
    "gpt-realtime-2.1": ModelPrices(4.00, 0.40, 24.00, 32.00, 0.40, 64.00, 5.00, 0.50),
    "gpt-realtime-2": ModelPrices(4.00, 0.40, 24.00, 32.00, 0.40, 64.00, 5.00, 0.50),
    "gpt-realtime-1.5": ModelPrices(4.00, 0.40, 16.00, 32.00, 0.40, 64.00, 5.00, 0.50),
    "gpt-realtime": ModelPrices(4.00, 0.40, 16.00, 32.00, 0.40, 64.00, 5.00, 0.50),
    "gpt-realtime-2.1-mini": ModelPrices(0.60, 0.06, 2.40, 10.00, 0.30, 20.00, 0.80, 0.08),
    "gpt-realtime-mini": ModelPrices(0.60, 0.06, 2.40, 10.00, 0.30, 20.00, 0.80, 0.08),
    # Historical (shut down 2026-05-07): kept so that old logs still price.
    "gpt-4o-realtime-preview": ModelPrices(5.00, 2.50, 20.00, 40.00, 2.50, 80.00),
    "gpt-4o-mini-realtime-preview": ModelPrices(0.60, 0.30, 2.40, 10.00, 0.30, 20.00),
    # Input transcription billed by audio duration (usage {"type": "duration", "seconds"}).
    "gpt-live-transcribe": _per_minute(0.017),
    "gpt-transcribe": _per_minute(0.0045),
    "gpt-realtime-whisper": _per_minute(0.017),
    "whisper-1": _per_minute(0.006),
    # Input transcription billed by tokens: audio in, text out (the prompt is text in).
    "gpt-4o-transcribe": ModelPrices(2.50, NAN, 10.00, 2.50, NAN, NAN),
    "gpt-4o-mini-transcribe": ModelPrices(1.25, NAN, 5.00, 1.25, NAN, NAN),
    # GPT-Live: billed per second of session time (`session.usage.updated` seconds), at the
    # active rate, and paused seconds at the standby rate; its Responses backend's tokens are
    # priced as that backend model.
    "gpt-live-1": _per_minute(LIVE_ACTIVE_USD_PER_MINUTE),
    "gpt-live-1:standby": _per_minute(LIVE_STANDBY_USD_PER_MINUTE),
    "gpt-live-1.1": _per_minute(LIVE_ACTIVE_USD_PER_MINUTE),
    "gpt-live-1.1:standby": _per_minute(LIVE_STANDBY_USD_PER_MINUTE),
    # Responses models a Live session delegates to (text only: audio NaN).
    "gpt-5.5": ModelPrices(5.00, 0.50, 30.00, NAN, NAN, NAN),
}

_LIVE_SOURCE: Final = (
    f"{_PAGE}gpt-live-1.1 (live session duration per minute: active $0.05, standby $0.02; "
    "gpt-live-1 is billed at the same rates, per the voice-latency-cost guide's 'current "
    f"model rate' link and the GPT-Live pricing section){_READ}"
)

#: Where each row's figures come from, and when they were read.
PRICE_SOURCES: dict[str, str] = {
    "gpt-realtime-2.1": f"{_PAGE}gpt-realtime-2.1{_READ}",
    "gpt-realtime-2": f"{_PAGE}gpt-realtime-2{_READ}",
    "gpt-realtime-1.5": f"{_PAGE}gpt-realtime-1.5{_READ}",
    "gpt-realtime": (
        f"{_PAGE}gpt-realtime-1.5 (gpt-realtime is priced as gpt-realtime-1.5; it has no "
        f"price page of its own){_READ}"
    ),
    "gpt-realtime-2.1-mini": f"{_PAGE}gpt-realtime-2.1-mini{_READ}",
    "gpt-realtime-mini": (
        f"{_PAGE}gpt-realtime-2.1-mini (gpt-realtime-mini is priced as gpt-realtime-2.1-mini; "
        f"text input confirmed by the quick comparison there){_READ}"
    ),
    "gpt-4o-realtime-preview": f"{_PAGE}gpt-4o-realtime-preview (shut down; historical){_READ}",
    "gpt-4o-mini-realtime-preview": (
        f"{_PAGE}gpt-4o-mini-realtime-preview (shut down; historical){_READ}"
    ),
    "gpt-live-transcribe": f"{_PAGE}gpt-live-transcribe (realtime audio duration){_READ}",
    "gpt-transcribe": f"{_PAGE}gpt-transcribe (transcription audio duration){_READ}",
    "gpt-realtime-whisper": f"{_PAGE}gpt-realtime-whisper (realtime audio duration){_READ}",
    "whisper-1": f"{_PAGE}whisper-1 (cost per minute){_READ}",
    "gpt-4o-transcribe": (
        f"{_PAGE}gpt-4o-transcribe (audio in $2.50, out $10; text in from the earlier "
        f"pricing page){_READ}"
    ),
    "gpt-4o-mini-transcribe": (
        f"https://developers.openai.com/api/docs/models/compare?model=gpt-4o-mini-transcribe "
        f"(audio in $1.25, out $5; text in from the earlier pricing page){_READ}"
    ),
    "gpt-live-1": _LIVE_SOURCE,
    "gpt-live-1:standby": _LIVE_SOURCE,
    "gpt-live-1.1": _LIVE_SOURCE,
    "gpt-live-1.1:standby": _LIVE_SOURCE,
    "gpt-5.5": (
        "third-party figures (benchr.org GPT-5.5 pricing explained; aipromptshub.co cost "
        "calculator): $5 in, $0.50 cached, $30 out per 1M text tokens; no OpenAI model page "
        f"was available to check: an estimate{_READ}"
    ),
}

_SNAPSHOT: Final = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def lookup(model: str, table: PriceTable) -> ModelPrices | None:
    """Prices for `model`: the exact key; else, for a dated snapshot, its family's row.

    A dated snapshot (`gpt-realtime-2025-08-28`) prices as its family, the name without the
    date (what `api_facts.family_of` returns for every dated name: tests/widget/test_api_facts.py
    checks it; this package imports nothing outside `realtime_widget.conversation`), which
    may also be a user-added key. Any other unknown name is None: `gpt-realtime-2.1-mini`
    never prices as `gpt-realtime`.
    """
    found = table.get(model)
    if found is not None:
        return found
    family = _SNAPSHOT.sub("", model)
    return table.get(family) if family != model else None


def standby_meter(model: str) -> str:
    """The table key of a voice model's standby rate: its family's name + ":standby".

    A dated snapshot (`gpt-live-1-2026-09-01`) has its family's standby row, as its active
    rate is its family's row (`lookup`).
    """
    return _SNAPSHOT.sub("", model) + STANDBY_SUFFIX


def voice_seconds(usage: Mapping[str, Any] | None) -> tuple[float, float]:
    """(active, standby) billable seconds of a cumulative GPT-Live `SessionUsage`.

    `seconds` is the billable total; `paused_seconds`, when reported (eligible WebRTC
    sessions), is the part billed at the standby rate. Without the breakdown every second is
    active. Never sum these over usage events: each one is cumulative.
    """
    if not usage:
        return (0.0, 0.0)
    total = usage.get("seconds")
    paused = usage.get("paused_seconds")
    secs = float(total) if isinstance(total, int | float) and not isinstance(total, bool) else 0.0
    standby = (
        float(paused) if isinstance(paused, int | float) and not isinstance(paused, bool) else 0.0
    )
    standby = min(max(standby, 0.0), secs)
    return (secs - standby, standby)


def validate_prices(table: object) -> dict[str, ModelPrices]:
    """A copy of a price table, checked: a mapping of model name (str) to ModelPrices."""
    if not isinstance(table, Mapping):
        raise TypeError(
            f"prices must be a mapping of model name to ModelPrices, got {type(table).__name__}"
        )
    out: dict[str, ModelPrices] = {}
    for model, row in table.items():
        if not isinstance(model, str) or not model:
            raise TypeError(f"prices: a model name must be a non-empty str, got {model!r}")
        if not isinstance(row, ModelPrices):
            raise TypeError(f"prices[{model!r}] must be a ModelPrices, got {type(row).__name__}")
        out[model] = row
    return out


def prices_json(table: PriceTable) -> dict[str, Any]:
    """The price table as JSON for the view (the `price_table` trait): NaN becomes None."""
    names = [f.name for f in fields(ModelPrices)]
    return {
        "source": PRICE_NOTE,
        "prices": {
            model: {f: (None if math.isnan(v := getattr(p, f)) else v) for f in names}
            for model, p in table.items()
        },
    }


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
    # Realtime names them input/output_token_details; Responses (a Live backend) names them
    # input/output_tokens_details, with cached_tokens and reasoning_tokens (text) only.
    ind = usage.get("input_token_details") or usage.get("input_tokens_details") or {}
    outd = usage.get("output_token_details") or usage.get("output_tokens_details") or {}
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
