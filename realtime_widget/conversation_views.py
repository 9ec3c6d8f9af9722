"""The conversation's tables, callbacks and persistence, for anything that holds one.

`RealtimeWidget` (and any other front of a call core) mixes this in so that `w.transcript`,
`w.on(...)`, `await w.wait_for(...)` and `w.save(...)` have one definition, with the real
signatures of `Conversation`'s methods.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import overload

import pandas as pd

from .conversation import Conversation
from .conversation.callbacks import Callback, Predicate
from .conversation.log import Event
from .conversation.summary import Summary


class ConversationViews:
    """Delegates to `self.conversation` (set by the class that mixes this in)."""

    conversation: Conversation

    @property
    def events(self) -> pd.DataFrame:
        """Every event so far, in arrival order (see `Conversation.events`)."""
        return self.conversation.events

    @property
    def transcript(self) -> pd.DataFrame:
        """One row per conversation item, in conversation order (see `Conversation.transcript`)."""
        return self.conversation.transcript

    @property
    def usage(self) -> pd.DataFrame:
        """One row per response (and billed transcription): tokens and estimated cost."""
        return self.conversation.usage

    @property
    def out_of_band(self) -> pd.DataFrame:
        """One row per out-of-band response (`respond(conversation="none")`): its text,
        metadata and usage; they never join `transcript` (see `Conversation.out_of_band`)."""
        return self.conversation.out_of_band

    @property
    def latency(self) -> pd.DataFrame:
        """Per turn: ms from end of speech (or the text send) to the first response event."""
        return self.conversation.latency

    @property
    def sessions(self) -> pd.DataFrame:
        """The session.update / session.updated history with instruction versions."""
        return self.conversation.sessions

    def cost(self) -> float:
        """Estimated total USD so far (NaN if a model has no price)."""
        return self.conversation.cost()

    def summary(self) -> Summary:
        """Turns, tokens, estimated cost and event count."""
        return self.conversation.summary()

    @overload
    def on(self, event_type: str) -> Callable[[Callback], Callback]: ...
    @overload
    def on(self, event_type: str, fn: Callback) -> Callback: ...

    def on(
        self, event_type: str, fn: Callback | None = None
    ) -> Callback | Callable[[Callback], Callback]:
        """Call `fn(event)` for each event of `event_type` ("*" for all); also a decorator.

        An exception in `fn` is logged and shown; ingest goes on.
        """
        if fn is None:
            return self.conversation.on(event_type)
        return self.conversation.on(event_type, fn)

    def off(self, event_type: str | None = None, fn: Callback | None = None) -> None:
        """Remove a callback (`off(type, fn)`), all of a type (`off(type)`), or `fn` everywhere."""
        self.conversation.off(event_type, fn)

    async def wait_for(
        self, event_type: str, timeout: float = 30.0, predicate: Predicate | None = None
    ) -> Event:
        """Wait (top-level `await` in a cell) for the next event of `event_type`."""
        return await self.conversation.wait_for(event_type, timeout, predicate)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the whole log as JSON Lines (the public format; secrets redacted)."""
        self.conversation.save(path)
