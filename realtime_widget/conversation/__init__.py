"""Pure-Python conversation model: event log, reduction, DataFrames, pricing, persistence.

No ipywidgets here: `Conversation` works on its own (e.g. on a saved JSONL log) and is what
`RealtimeWidget` delegates to.
"""

from realtime_widget.conversation.callbacks import CallbackError
from realtime_widget.conversation.conversation import Conversation
from realtime_widget.conversation.jsonl import TruncatedLogWarning
from realtime_widget.conversation.log import Direction, Event, EventRecord
from realtime_widget.conversation.names import BETA_TO_GA, canonical_type
from realtime_widget.conversation.pricing import (
    PRICE_NOTE,
    PRICES,
    PRICES_AS_OF,
    ModelPrices,
    PriceTable,
    UnknownModelPriceWarning,
)
from realtime_widget.conversation.summary import Summary

__all__ = [
    "BETA_TO_GA",
    "PRICES",
    "PRICES_AS_OF",
    "PRICE_NOTE",
    "CallbackError",
    "Conversation",
    "Direction",
    "Event",
    "EventRecord",
    "ModelPrices",
    "PriceTable",
    "Summary",
    "TruncatedLogWarning",
    "UnknownModelPriceWarning",
    "canonical_type",
]
