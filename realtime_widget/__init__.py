"""realtime_widget: live voice conversations with the OpenAI Realtime API in Jupyter."""

from __future__ import annotations

__version__ = "0.1.0"

from realtime_widget.api_facts import ModelDeprecationWarning as ModelDeprecationWarning
from realtime_widget.conversation import PRICES as PRICES
from realtime_widget.conversation import Conversation as Conversation
from realtime_widget.conversation import ModelPrices as ModelPrices
from realtime_widget.session import RealtimeSession as RealtimeSession
from realtime_widget.widget import ReadOnlyTraitError as ReadOnlyTraitError
from realtime_widget.widget import RealtimeWidget as RealtimeWidget
