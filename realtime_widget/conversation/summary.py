"""A small, cheap summary of a conversation (the widget's live traits are built from it)."""

from __future__ import annotations

from dataclasses import dataclass

from realtime_widget.conversation.pricing import PRICE_NOTE
from realtime_widget.conversation.reduce import Reducer


@dataclass(frozen=True, slots=True)
class Summary:
    #: Completed in-conversation responses (`response.done`), i.e. model turns; out-of-band
    #: responses are no turns (their tokens and cost are counted: they are billed).
    turns: int
    total_tokens: int
    input_tokens: int
    output_tokens: int
    #: Estimated USD (responses + input transcription); NaN if a model has no price.
    cost_usd: float
    #: Events in the log (server and client, raw messages included).
    events: int
    note: str = PRICE_NOTE

    def __str__(self) -> str:
        return (
            f"{self.turns} turns, {self.total_tokens:,} tokens "
            f"({self.input_tokens:,} in / {self.output_tokens:,} out), "
            f"~${self.cost_usd:.4f} (estimate), {self.events:,} events"
        )


def summarize(state: Reducer, n_events: int, cost_usd: float) -> Summary:
    """O(number of models): reads the reducer's running totals, never the log."""
    total = inp = out = 0
    for (kind, _), c in state.totals.items():
        if kind == "response":
            total += c.total_tokens
            inp += c.input_tokens
            out += c.output_tokens
    return Summary(state.responses_done, total, inp, out, cost_usd, n_events)
