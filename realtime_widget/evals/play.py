"""Playing a scenario on a connected `RealtimeSession`, leaving a `Mark` per spoken turn.

A turn is sent and its reply awaited (past tool calls) before the next, except when the
next turn is a barge-in: then the reply is only awaited until it starts
(`response.created`), the barge-in's `after_ms` passes, the session interrupts it
(`response.cancel` and a truncate at the audio received, as a WebSocket client does) and
the barge-in's words are sent. The marks say where each turn starts in the event log, so
the turns are read back from the log afterwards (turn.py), nothing measured twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from realtime_widget.conversation import Event, canonical_type

from .scenario import BargeIn, Pause, Scenario, SpokenTurn, UserAudio, UserText, kind_of
from .turn import Mark

if TYPE_CHECKING:
    from realtime_widget.session import RealtimeSession

TRANSCRIPTION_DONE = (
    "conversation.item.input_audio_transcription.completed",
    "conversation.item.input_audio_transcription.failed",
)
#: How long the end of a run waits for the transcripts of its audio turns.
TRANSCRIPT_WAIT_S = 5.0


def _in_conversation(event: Event) -> bool:
    response = event.get("response") or {}
    return not (isinstance(response, dict) and response.get("conversation_id", "") is None)


def _calls_tools(done: Event) -> bool:
    output = (done.get("response") or {}).get("output") or []
    return any(isinstance(item, dict) and item.get("type") == "function_call" for item in output)


class Responses:
    """Every in-conversation `response.created` / `response.done` of the session, kept by
    callbacks from the moment it is made. (Not `wait_for` in a loop: a waiter re-armed
    after a timeout can miss an event that arrives in between.)"""

    def __init__(self, session: RealtimeSession) -> None:
        self.session = session
        self.created: list[str] = []
        self.done: list[Event] = []
        self.changed = asyncio.Event()
        session.conversation.on("response.created", self._seen)
        session.conversation.on("response.done", self._seen)

    def _seen(self, event: Event) -> None:
        if not _in_conversation(event):
            return
        if event.get("type") == "response.done":
            self.done.append(event)
        else:
            self.created.append(str((event.get("response") or {}).get("id")))
        self.changed.set()

    def close(self) -> None:
        self.session.conversation.off("response.created", self._seen)
        self.session.conversation.off("response.done", self._seen)

    async def _until(self, found: Callable[[], bool], timeout: float, what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not found():
            if self.session.status not in ("connected", "connecting"):
                error = self.session.error
                raise RuntimeError(
                    f"the call ended before {what}" + (f": {error}" if error else "")
                )
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(f"no {what} within {timeout:g} s")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(left, 0.25))

    async def started(self, before: int, timeout: float) -> None:
        """Until a response is created after the first `before`."""
        await self._until(lambda: len(self.created) > before, timeout, "the reply's start")

    async def reply(self, before: int, timeout: float) -> None:
        """Until the reply to a turn is done: a response created after the first `before`,
        done with no function call in it (or not completed), as `send_text` waits."""

        def answered() -> bool:
            new = set(self.created[before:])
            return any(
                (d.get("response") or {}).get("id") in new
                and ((d.get("response") or {}).get("status") != "completed" or not _calls_tools(d))
                for d in self.done
            )

        await self._until(answered, timeout, "reply")


def _send(session: RealtimeSession, words: UserText | UserAudio) -> Awaitable[Any]:
    if isinstance(words, UserText):
        return session.send_text(words.text, wait=False)
    return session.send_audio(words.samples, wait=False)


async def play(
    session: RealtimeSession,
    scenario: Scenario,
    marks: list[Mark],
    *,
    timeout_s: float,
) -> None:
    """Seed the setup items, then play every turn, appending to `marks` as it goes (so a
    failure leaves the marks of the turns played)."""
    responses = Responses(session)
    try:
        await _seed(session, scenario, timeout_s)
        turns = scenario.turns
        for position, turn in enumerate(turns):
            if isinstance(turn, Pause):
                await asyncio.sleep(turn.ms / 1000)
                continue
            following = turns[position + 1] if position + 1 < len(turns) else None
            await _play_turn(session, responses, turn, following, marks, timeout_s)
        await _settle_transcripts(session)
    finally:
        responses.close()


async def _seed(session: RealtimeSession, scenario: Scenario, timeout_s: float) -> None:
    """Add the setup items and wait until the server has the last (so none of them falls
    in the first turn's part of the log)."""
    if not scenario.setup:
        return
    ids = [f"item_setup_{i}" for i in range(len(scenario.setup))]
    added = session.conversation.wait_for(
        "conversation.item.added", timeout_s, lambda e: (e.get("item") or {}).get("id") == ids[-1]
    )
    waiting = asyncio.ensure_future(added)
    await asyncio.sleep(0)  # registered before anything is sent
    try:
        for item, item_id in zip(scenario.setup, ids, strict=True):
            session.send_event(item.event(item_id))
        await waiting
    finally:
        waiting.cancel()


async def _play_turn(
    session: RealtimeSession,
    responses: Responses,
    turn: SpokenTurn,
    following: object,
    marks: list[Mark],
    timeout_s: float,
) -> None:
    if session.status != "connected":
        # Say why the call is gone rather than that nothing can be sent.
        raise RuntimeError(
            f"the call ended before turn {len(marks)}: {session.error or session.status}"
        )
    if isinstance(turn, BargeIn) and marks:
        cut = session.interrupt()
        last = marks[-1]
        marks[-1] = Mark(last.index, last.kind, last.start, last.said, cut, last.error)
    words = turn.say if isinstance(turn, BargeIn) else turn
    mark = Mark(len(marks), kind_of(turn), len(session.conversation), turn.describe)
    marks.append(mark)
    before = len(responses.created)
    try:
        await _send(session, words)
        if isinstance(following, BargeIn):
            await responses.started(before, timeout_s)
            await asyncio.sleep(following.after_ms / 1000)
        else:
            await responses.reply(before, timeout_s)
    except Exception as exc:
        marks[-1] = Mark(mark.index, mark.kind, mark.start, mark.said, False, _describe(exc))
        raise


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if not isinstance(exc, RuntimeError) else text


async def _settle_transcripts(session: RealtimeSession) -> None:
    """Wait (a little) until every committed audio turn has its transcript or its failure,
    so the user's words are in the result; a session without transcription is not waited on."""
    if session.transcription is None:
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TRANSCRIPT_WAIT_S
    while _untranscribed(session) and loop.time() < deadline and session.status == "connected":
        await asyncio.sleep(0.05)


def _untranscribed(session: RealtimeSession) -> set[str]:
    committed: set[str] = set()
    done: set[str] = set()
    for _, direction, payload in session.conversation.raw_events:
        if direction != "server" or not isinstance(payload, dict):
            continue
        kind = canonical_type(str(payload.get("type", "")))
        if kind == "input_audio_buffer.committed":
            committed.add(str(payload.get("item_id")))
        elif kind in TRANSCRIPTION_DONE:
            done.add(str(payload.get("item_id")))
    return committed - done
