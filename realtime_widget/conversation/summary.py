"""A small, cheap summary of a conversation (the widget's live traits are built from it)."""

from __future__ import annotations

from dataclasses import dataclass

from realtime_widget.conversation.pricing import PRICE_NOTE
from realtime_widget.conversation.reduce import Reducer


@dataclass(frozen=True, slots=True)
class Summary:
    """Turns, tokens and estimated cost so far.

    The cost covers the same rows as `usage`: every response and every billed input
    transcription. The token counts are those of the responses (`total_tokens`,
    `input_tokens`, `output_tokens`) and, apart, of input transcription
    (`transcription_tokens`, and `transcription_seconds` for models billed by duration), so
    `total_tokens + transcription_tokens` is `usage["total_tokens"].sum()`.
    """

    #: Completed in-conversation responses (`response.done`), i.e. model turns; out-of-band
    #: responses are no turns (their tokens and cost are counted: they are billed).
    turns: int
    #: Tokens of every response (input + output), out-of-band ones included.
    total_tokens: int
    input_tokens: int
    output_tokens: int
    #: Estimated USD of the responses and the input transcription; NaN if a model has no price.
    cost_usd: float
    #: Events in the log (server and client, raw messages included).
    events: int
    #: Tokens of input transcription billed by tokens (not in `total_tokens`).
    transcription_tokens: int = 0
    #: Seconds of audio of input transcription billed by duration.
    transcription_seconds: float = 0.0
    note: str = PRICE_NOTE
    #: Billable session seconds of an API billed by time (GPT-Live), over every session.
    voice_seconds: float = 0.0

    def __str__(self) -> str:
        transcription = f"{self.transcription_tokens:,} tokens"
        if self.transcription_seconds:
            transcription += f" and {self.transcription_seconds:,.1f} s of audio"
        if self.voice_seconds:
            return (
                f"{self.turns} turns, {self.voice_seconds:,.0f} s of voice session + "
                f"{self.total_tokens:,} backend tokens ({self.input_tokens:,} in / "
                f"{self.output_tokens:,} out), ~${self.cost_usd:.4f} (estimate: session time + "
                f"backend), {self.events:,} events"
            )
        return (
            f"{self.turns} turns, {self.total_tokens:,} response tokens "
            f"({self.input_tokens:,} in / {self.output_tokens:,} out) + {transcription} of "
            f"input transcription, ~${self.cost_usd:.4f} (estimate: responses + input "
            f"transcription), {self.events:,} events"
        )


def summarize(state: Reducer, n_events: int, cost_usd: float) -> Summary:
    """O(number of models): reads the reducer's running totals, never the log."""
    total = inp = out = tr_tokens = 0
    tr_seconds = voice = 0.0
    for (kind, _), c in state.totals.items():
        if kind == "response":
            total += c.total_tokens
            inp += c.input_tokens
            out += c.output_tokens
        elif kind == "voice":
            voice += c.seconds
        else:
            tr_tokens += c.total_tokens
            tr_seconds += c.seconds
    return Summary(
        state.model_turns(),
        total,
        inp,
        out,
        cost_usd,
        n_events,
        transcription_tokens=tr_tokens,
        transcription_seconds=tr_seconds,
        voice_seconds=voice,
    )
