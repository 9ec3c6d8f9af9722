"""agents-python's realtime client (`openai-agents`), unchanged, against the emulator.

`RealtimeRunner(RealtimeAgent(...)).run(model_config={"url": "ws://127.0.0.1:PORT/v1/realtime
?model=…", "api_key": KEY})` is the only change from a real deployment: the URL. Over it the
agents SDK runs a text turn, a function tool round trip (the `@function_tool` runs in this
process, its output goes back, the model answers with it), a voice turn (PCM16 24 kHz
through `session.send_audio`, ended by the semantic VAD agents configures by default) and
an interrupt that truncates the reply where the app's playback tracker says it is.

Both directions are checked on the emulator's side of the wire: every frame the emulator
sent (a tap on the session's link, through `Emulator(engine_factory=…)`) and every frame it
received from agents (the engine's own `stats.client_raw`) is validated strictly against
its SDK type, no `error` event may occur on either side (agents reports a server event its
own parsing refuses as an error), and the server events agents surfaced as raw model events
are exactly the ones sent, in order.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pytest
from agents import function_tool
from agents.realtime import (
    AssistantMessageItem,
    RealtimeAgent,
    RealtimeAudio,
    RealtimeAudioEnd,
    RealtimeAudioInterrupted,
    RealtimeError,
    RealtimeHistoryAdded,
    RealtimeHistoryUpdated,
    RealtimeItem,
    RealtimeModelConfig,
    RealtimePlaybackTracker,
    RealtimeRawModelEvent,
    RealtimeRunner,
    RealtimeSession,
    RealtimeSessionEvent,
    RealtimeSessionModelSettings,
    RealtimeToolEnd,
    RealtimeToolStart,
    UserMessageItem,
)
from agents.realtime.items import AssistantAudio, AssistantText, InputAudio
from support.openai_types import assert_client_event, assert_server_event
from support.rtc_client import silence, speech_like

from realtime_widget.emulator import Emulator
from realtime_widget.emulator.audio_events import PCM_RATE
from realtime_widget.emulator.engine import SessionEngine
from realtime_widget.emulator.engine_context import CallLink, Transport
from realtime_widget.emulator.http_state import Engine
from realtime_widget.emulator.server import _default_engine_factory
from realtime_widget.emulator.ws_link import WebSocketLink

KEY = "sk-test-0123456789abcdef0123456789"
MODEL = "gpt-realtime-2.1"

Event = dict[str, Any]
T = TypeVar("T")


# --- the emulator's side of the wire ----------------------------------------------------


class _SentFrames:
    """A WebSocket session's link that keeps every frame it really sent (the link drops
    frames once the session is closing or silenced, and counts them)."""

    def __init__(self, link: WebSocketLink, sent: list[str]) -> None:
        self._link = link
        self._sent = sent

    def send_text(self, text: str) -> None:
        dropped = self._link.messages_dropped
        self._link.send_text(text)
        if self._link.messages_dropped == dropped:
            self._sent.append(text)

    def close_channel(self) -> None:
        self._link.close_channel()

    def close_call(self, reason: str) -> None:
        self._link.close_call(reason)


@dataclass
class Wire:
    """One WebSocket session as the emulator saw it: the frames it sent and received."""

    sent: list[str] = field(default_factory=list)
    received: list[str] = field(default_factory=list)

    def server_events(self) -> list[Event]:
        return [json.loads(text) for text in self.sent]

    def client_events(self) -> list[Event]:
        return [json.loads(text) for text in self.received]

    def server(self, kind: str) -> list[Event]:
        return [e for e in self.server_events() if e["type"] == kind]

    def client(self, kind: str) -> list[Event]:
        return [e for e in self.client_events() if e["type"] == kind]


class WireLog:
    """An `engine_factory` for `Emulator`: the emulator's own engine, on a tapped link."""

    def __init__(self) -> None:
        self.sessions: list[Wire] = []

    def engine_factory(
        self,
        *,
        call_id: str,
        session: dict[str, Any],
        link: CallLink,
        emulator: Emulator,
        transport: Transport = "webrtc",
    ) -> Engine:
        assert isinstance(link, WebSocketLink), "only WebSocket sessions are tapped here"
        wire = Wire()
        engine = _default_engine_factory(
            call_id=call_id,
            session=session,
            link=_SentFrames(link, wire.sent),
            emulator=emulator,
            transport=transport,
        )
        assert isinstance(engine, SessionEngine)
        wire.received = engine.stats.client_raw  # every client frame, as received
        self.sessions.append(wire)
        return engine

    def only(self) -> Wire:
        assert len(self.sessions) == 1, f"{len(self.sessions)} sessions, expected one"
        return self.sessions[0]


@pytest.fixture
def wire_log() -> WireLog:
    return WireLog()


@pytest.fixture
async def emu(wire_log: WireLog) -> AsyncIterator[Emulator]:
    """An emulator that knows KEY, with fast text and a fast estimate of playback."""
    emulator = Emulator(
        api_keys=[KEY],
        text_delta_interval_s=0.002,
        audio_clock_speed=20.0,
        engine_factory=wire_log.engine_factory,
    )
    await emulator.start()
    yield emulator
    await emulator.stop()


# --- the agents session -----------------------------------------------------------------


class Run:
    """An agents `RealtimeSession` and every event it yielded, in order."""

    def __init__(self, session: RealtimeSession) -> None:
        self.session = session
        self.events: list[RealtimeSessionEvent] = []

    async def until(self, done: Callable[[Run], bool], timeout: float = 15.0) -> None:
        """Read the session's events until `done(self)` holds."""
        try:
            async with asyncio.timeout(timeout):
                while not done(self):
                    async for event in self.session:
                        self.events.append(event)
                        if done(self):
                            return
                    raise AssertionError(f"the session ended first; got {self.server_types()}")
        except TimeoutError:
            raise AssertionError(
                f"not done within {timeout} s; the server events so far: {self.server_types()}"
            ) from None

    def of(self, kind: type[T]) -> list[T]:
        return [e for e in self.events if isinstance(e, kind)]

    def server_events(self) -> list[Event]:
        """The server events as agents received them (its raw model events)."""
        return [
            e.data.data
            for e in self.of(RealtimeRawModelEvent)
            if e.data.type == "raw_server_event" and isinstance(e.data.data, dict)
        ]

    def server(self, kind: str) -> list[Event]:
        return [e for e in self.server_events() if e["type"] == kind]

    def server_types(self) -> list[str]:
        return [e["type"] for e in self.server_events()]

    def history(self) -> list[RealtimeItem]:
        """The conversation as an agents UI would hold it (from the history events)."""
        items: list[RealtimeItem] = []
        for event in self.events:
            if isinstance(event, RealtimeHistoryUpdated):
                items = list(event.history)
            elif isinstance(event, RealtimeHistoryAdded):
                items = [i for i in items if i.item_id != event.item.item_id] + [event.item]
        return items


def saw(kind: str, count: int = 1) -> Callable[[Run], bool]:
    return lambda run: len(run.server(kind)) >= count


def ws_url(emu: Emulator) -> str:
    return emu.base_url.replace("http://", "ws://", 1) + f"/v1/realtime?model={MODEL}"


@asynccontextmanager
async def agents_session(
    emu: Emulator,
    agent: RealtimeAgent[Any],
    settings: RealtimeSessionModelSettings | None = None,
    tracker: RealtimePlaybackTracker | None = None,
) -> AsyncIterator[Run]:
    """agents-python connected to the emulator: only the URL differs from the real API."""
    config: RealtimeModelConfig = {"url": ws_url(emu), "api_key": KEY}
    if settings is not None:
        config["initial_model_settings"] = settings
    if tracker is not None:
        config["playback_tracker"] = tracker
    session = await RealtimeRunner(agent).run(model_config=config)
    async with session:
        run = Run(session)
        await run.until(saw("session.created"))
        yield run


def assert_wire_valid(run: Run, wire: Wire) -> None:
    """Every frame both ways valid against its SDK type, no error on either side, and the
    server events agents surfaced are the ones that went out, in order, none lost."""
    server, client = wire.server_events(), wire.client_events()
    assert server and client
    for evt in server:
        assert_server_event(evt)
    for evt in client:
        assert_client_event(evt)
    assert not wire.server("error"), wire.server("error")
    assert not run.of(RealtimeError), run.of(RealtimeError)
    # The test stops reading at some point: what agents surfaced is a prefix of what went out.
    seen = run.server_events()
    assert seen == server[: len(seen)]


def voice_pcm() -> np.ndarray:
    """Lead-in silence, a speech-like burst, then silence long enough for semantic VAD."""
    return np.concatenate(
        [
            silence(0.3, rate=PCM_RATE),
            speech_like(1.2, rate=PCM_RATE),
            silence(1.2, rate=PCM_RATE),
        ]
    ).astype("<i2")


async def speak(run: Run, pcm: np.ndarray) -> None:
    """Send `pcm` through agents' `send_audio`, 100 ms a chunk as fast as agents takes them,
    and wait for the reply to be done."""
    step = PCM_RATE // 10
    for i in range(0, pcm.size, step):
        await run.session.send_audio(pcm[i : i + step].tobytes())
    await run.until(saw("response.done"))


# --- conversations ----------------------------------------------------------------------


async def test_text_turn(emu: Emulator, wire_log: WireLog) -> None:
    agent = RealtimeAgent(name="Assistant", instructions="Answer in one short sentence.")
    async with agents_session(emu, agent, {"output_modalities": ["text"]}) as run:
        await run.session.send_message("What is the capital of France?")
        await run.until(saw("response.done"))
    wire = wire_log.only()
    assert_wire_valid(run, wire)

    # agents' own configuration, as the emulator took it.
    session = wire.server("session.updated")[-1]["session"]
    assert session["output_modalities"] == ["text"]
    assert session["instructions"] == "Answer in one short sentence."
    assert session["audio"]["input"]["turn_detection"]["type"] == "semantic_vad"
    assert session["audio"]["input"]["transcription"]["model"] == "gpt-4o-mini-transcribe"
    assert session["audio"]["output"]["voice"] == "ash"
    assert session["tracing"] == "auto"  # agents' second session.update, after session.created

    done = run.server("response.done")[0]
    assert done["response"]["status"] == "completed"
    text = run.server("response.output_text.done")[0]["text"]
    assert text and "".join(d["delta"] for d in run.server("response.output_text.delta")) == text
    assert not [t for t in run.server_types() if "audio" in t]
    # What an agents app shows: the user's message, then the reply.
    user, reply = run.history()
    assert isinstance(user, UserMessageItem) and isinstance(reply, AssistantMessageItem)
    assert [c.text for c in reply.content if isinstance(c, AssistantText)] == [text]
    usage = run.events[-1].info.context.usage
    assert usage.total_tokens == done["response"]["usage"]["total_tokens"] > 0

    [create] = wire.client("response.create")  # agents asks for the reply itself
    assert create["event_id"].startswith("agents_py_")
    call = emu.last_call
    assert call is not None and call.transport == "websocket"
    assert emu.stats.websocket_requests[101] == 1


async def test_function_tool_round_trip(emu: Emulator, wire_log: WireLog) -> None:
    calls: list[str] = []

    @function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        calls.append(city)
        return json.dumps({"city": city, "temperature_c": 21})

    agent = RealtimeAgent(name="Weather", instructions="Use the tools.", tools=[get_weather])
    async with agents_session(emu, agent, {"output_modalities": ["text"]}) as run:
        await run.session.send_message("Please get_weather for Paris")
        await run.until(saw("response.done", 2))
    wire = wire_log.only()
    assert_wire_valid(run, wire)

    [tool] = wire.server("session.updated")[0]["session"]["tools"]
    assert tool["name"] == "get_weather" and tool["parameters"] == get_weather.params_json_schema
    assert calls == ["Paris"]  # the tool ran, here, once
    args = run.server("response.function_call_arguments.done")[0]
    assert args["name"] == "get_weather" and json.loads(args["arguments"]) == {"city": "Paris"}
    [start], [end] = run.of(RealtimeToolStart), run.of(RealtimeToolEnd)
    assert start.tool.name == end.tool.name == "get_weather"
    expected_output = json.dumps({"city": "Paris", "temperature_c": 21})
    assert end.output == expected_output

    # The output went back for that call, then agents asked for the answer.
    outputs = [
        e["item"]
        for e in wire.client("conversation.item.create")
        if e["item"]["type"] == "function_call_output"
    ]
    assert outputs == [
        {"type": "function_call_output", "call_id": args["call_id"], "output": expected_output}
    ]
    assert len(wire.client("response.create")) == 2
    first, second = run.server("response.done")
    assert [o["type"] for o in first["response"]["output"]] == ["function_call"]
    assert second["response"]["status"] == "completed"
    answer = run.server("response.output_text.done")[-1]["text"]
    assert expected_output in answer  # the model answered with what the tool returned


async def test_voice_turn_through_send_audio(emu: Emulator, wire_log: WireLog) -> None:
    agent = RealtimeAgent(name="Assistant", instructions="Be brief.")
    pcm = voice_pcm()
    async with agents_session(emu, agent) as run:  # agents' defaults: audio out, semantic VAD
        await speak(run, pcm)
        # After the transcript, agents fetches the assistant item (conversation.item.retrieve).
        await run.until(
            lambda r: bool(
                r.server("conversation.item.input_audio_transcription.completed")
                and r.server("conversation.item.retrieved")
            )
        )
    wire = wire_log.only()
    assert_wire_valid(run, wire)

    appended = wire.client("input_audio_buffer.append")
    assert b"".join(base64.b64decode(e["audio"]) for e in appended) == pcm.tobytes()
    started = run.server("input_audio_buffer.speech_started")[0]
    stopped = run.server("input_audio_buffer.speech_stopped")[0]
    committed = run.server("input_audio_buffer.committed")[0]
    assert started["item_id"] == stopped["item_id"] == committed["item_id"]
    assert stopped["audio_end_ms"] > started["audio_start_ms"] + 1000
    done = run.server("response.done")[0]
    assert done["response"]["status"] == "completed"

    # The voice agents handed to the app is the voice the emulator sent, byte for byte.
    deltas = run.server("response.output_audio.delta")
    wire_voice = b"".join(base64.b64decode(d["delta"]) for d in deltas)
    heard = b"".join(e.audio.data for e in run.of(RealtimeAudio))
    assert heard == wire_voice and len(heard) / 2 / PCM_RATE > 0.3
    assert int(np.abs(np.frombuffer(heard, "<i2").astype(np.int32)).max()) > 1000
    reply_id = deltas[0]["item_id"]
    assert [e.item_id for e in run.of(RealtimeAudioEnd)] == [reply_id]

    [retrieve] = wire.client("conversation.item.retrieve")
    assert retrieve["item_id"] == reply_id
    assert run.server("conversation.item.retrieved")[0]["item"]["id"] == reply_id

    # The history: the user's turn with its transcript, the reply with its transcript.
    transcript = run.server("conversation.item.input_audio_transcription.completed")[0]
    assert transcript["item_id"] == committed["item_id"]
    history = {item.item_id: item for item in run.history()}
    user, reply = history[committed["item_id"]], history[reply_id]
    assert isinstance(user, UserMessageItem) and isinstance(reply, AssistantMessageItem)
    assert [c.transcript for c in user.content if isinstance(c, InputAudio)] == [
        transcript["transcript"]
    ]
    spoken = run.server("response.output_audio_transcript.done")[0]["transcript"]
    assert [c.transcript for c in reply.content if isinstance(c, AssistantAudio)] == [spoken]


async def test_interrupt_truncates_the_reply_where_playback_is(
    emu: Emulator, wire_log: WireLog
) -> None:
    # An app that plays the audio itself reports its progress to agents' tracker; agents'
    # interrupt then cuts the reply at that point (without it agents guesses from the clock).
    tracker = RealtimePlaybackTracker()
    agent = RealtimeAgent(name="Assistant", instructions="Be brief.")
    async with agents_session(emu, agent, tracker=tracker) as run:
        await speak(run, voice_pcm())
        reply_id = run.server("response.output_audio.delta")[0]["item_id"]
        tracker.on_play_ms(reply_id, 0, 200.0)
        await run.session.interrupt()
        await run.until(saw("conversation.item.truncated"))
    wire = wire_log.only()
    assert_wire_valid(run, wire)

    [truncate] = wire.client("conversation.item.truncate")
    assert truncate == {
        "type": "conversation.item.truncate",
        "item_id": reply_id,
        "content_index": 0,
        "audio_end_ms": 200,
    }
    truncated = run.server("conversation.item.truncated")[0]
    assert (truncated["item_id"], truncated["audio_end_ms"]) == (reply_id, 200)
    assert [e.item_id for e in run.of(RealtimeAudioInterrupted)] == [reply_id]
    # The session's turn detection interrupts responses itself, so agents cancels nothing.
    assert not wire.client("response.cancel")
