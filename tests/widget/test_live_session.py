"""`RealtimeSession` with a GPT-Live model: over the SDK's `client.live.connect()` to the real
in-process emulator (no mocks). Every logged event is validated strictly against
`openai.types.live` when the test ends (support.headless)."""

# ruff: noqa: F811  (pytest fixtures imported from support.headless are redefined as arguments)

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support.headless import KEY, MakeSession, emu, make_session  # noqa: F401
from support.rtc_client import silence, speech_like

from realtime_widget import Conversation, RealtimeSession
from realtime_widget.emulator import Emulator

RATE = 24_000
MODEL = "gpt-live-1.1"


def rows(s: RealtimeSession) -> list[tuple[str, str, str]]:
    return [(r["role"], r["kind"], r["text"]) for r in s.transcript.to_dict("records")]


def client_types(s: RealtimeSession) -> list[str]:
    return [p["type"] for _, d, p in s.conversation.raw_events if d == "client"]


async def test_typed_text_is_context_the_model_answers(make_session: MakeSession) -> None:
    s = await make_session(model=MODEL, instructions="Be brief.")
    assert (s.api, s.conversation.api) == ("live", "live")
    reply = await s.send_text("Hello there", timeout=20)
    assert reply is not None and reply["type"] == "session.output_transcript.delta"
    assert client_types(s) == ["session.start", "session.commentary.append"]
    got = rows(s)
    assert ("system", "commentary", "Hello there") in got
    assert any(role == "assistant" and "Hello there" in text for role, _, text in got), got
    # Voice usage is metered in whole seconds (cumulative), priced per second.
    assert "session.usage.updated" in [
        p["type"] for _, d, p in s.conversation.raw_events if d == "server"
    ]
    assert MODEL in set(s.usage["model"])


async def test_a_client_delegation_is_answered_by_the_python_tool(
    make_session: MakeSession,
) -> None:
    s = await make_session(model=MODEL)
    asked: list[str] = []

    @s.tool
    def lookup(request: str) -> str:
        """Look up what the user asked for."""
        asked.append(request)
        return "It is 21 degrees in Paris."

    await s.send_text("What is the weather in Paris?", timeout=20)
    assert asked == ["What is the weather in Paris?"]
    answers = [
        p
        for _, d, p in s.conversation.raw_events
        if d == "client" and p.get("type") == "session.commentary.append" and p["delegation_id"]
    ]
    assert [a["content"] for a in answers] == ["It is 21 degrees in Paris."]
    got = rows(s)
    assert ("tool", "delegation_output", "It is 21 degrees in Paris.") in got
    # The reply waited for the result the model speaks, not just its "one moment".
    assert any("21 degrees" in text for role, _, text in got if role == "assistant"), got


async def test_responses_delegation_calls_the_python_tool_through_the_backend(
    make_session: MakeSession,
) -> None:
    backend = {"type": "responses", "responses": {"model": "gpt-5.5", "instructions": "Use tools."}}
    s = await make_session(model="gpt-live-1", delegation=backend)
    calls: list[str] = []

    @s.tool
    def weather(city: str) -> str:
        """The weather in a city."""
        calls.append(city)
        return f"21 degrees in {city}"

    await s.send_text("Use weather for Paris please", timeout=30)
    await s._core.drain_tools()
    assert calls == ["Paris"]
    sent = client_types(s)
    assert sent.index("response.item.create") < sent.index("response.create")
    # The tool was added while the session ran: the backend got it in a session.update.
    update = next(p for _, d, p in s.conversation.raw_events if p.get("type") == "session.update")
    tools = update["session"]["delegation"]["responses"]["tools"]
    assert [t["name"] for t in tools] == ["weather"]
    usage = s.usage
    assert set(usage["model"]) == {"gpt-live-1", "gpt-5.5"}
    assert int(usage.loc[usage["model"] == "gpt-5.5", "total_tokens"].sum()) > 0


async def test_a_spoken_turn_is_heard_and_answered(make_session: MakeSession) -> None:
    s = await make_session(model=MODEL)
    speech = np.concatenate([silence(0.3, rate=RATE), speech_like(1.2, rate=RATE)])
    reply = await s.send_audio(speech, timeout=30)
    assert reply is not None
    assert client_types(s).count("session.input_audio.append") > 10
    got = rows(s)
    assert got[0][0] == "user" and any(role == "assistant" for role, _, _ in got), got
    assert s.audio_items() and s.audio().size > RATE // 2  # the model's voice, kept
    latency = s.latency["to_first_delta_ms"].dropna()
    assert len(latency) == 1 and float(latency.iloc[0]) > 0


async def test_instructions_append_and_fixed_settings_are_refused(
    make_session: MakeSession,
) -> None:
    s = await make_session(model=MODEL, instructions="Be brief.")
    with pytest.warns(UserWarning, match="cannot be replaced, only added to"):
        s.instructions = "Also be kind."
    await s.send_text("Hi", timeout=20)
    sessions = s.sessions
    appended = sessions[sessions["type"] == "session.instructions.appended"]
    assert appended["version"].tolist() == [2]
    assert appended["instructions"].tolist() == ["Also be kind."]
    with pytest.raises(ValueError, match="GPT-Live fixes it when the session starts"):
        s.voice = "cedar"
    with pytest.raises(ValueError, match="turn_detection cannot be set here: GPT-Live drives"):
        s.turn_detection = "semantic_vad"
    with pytest.raises(ValueError, match="no client event that makes the model reply"):
        s.respond()
    assert s.voice == "marin"


def test_settings_live_ignores_warn_and_a_realtime_delegation_is_refused() -> None:
    with pytest.warns(UserWarning, match="speed=1.2: GPT-Live has no speech speed setting"):
        RealtimeSession(model=MODEL, speed=1.2, api_key=KEY, base_url="http://127.0.0.1:9")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the defaults alone warn about nothing
        RealtimeSession(model=MODEL, api_key=KEY, base_url="http://127.0.0.1:9")
    with pytest.raises(ValueError, match="delegation is a GPT-Live setting"):
        RealtimeSession(delegation={"type": "client"}, api_key=KEY, base_url="http://127.0.0.1:9")


async def test_a_saved_live_log_loads_as_live(make_session: MakeSession, tmp_path: Path) -> None:
    s = await make_session(model=MODEL)
    await s.send_text("Hello there", timeout=20)
    path = tmp_path / "live.jsonl"
    s.save(path)
    loaded = Conversation.load(path)
    assert loaded.api == "live"
    assert loaded.transcript["text"].tolist() == s.transcript["text"].tolist()
    assert float(loaded.cost()) == pytest.approx(float(s.cost()))


async def test_reconnect_continues_with_the_conversation_as_history(
    emu: Emulator, make_session: MakeSession
) -> None:
    s = await make_session(model=MODEL, instructions="Be brief.")
    await s.send_text("My name is Ada.", timeout=20)
    s.instructions = "Also be kind."
    await s.send_text("Thanks.", timeout=20)  # by then the append is acknowledged
    s._core.reconnect()
    await s.wait_until_connected(20)
    starts: list[dict[str, Any]] = [
        p["session"] for _, d, p in s.conversation.raw_events if p.get("type") == "session.start"
    ]
    assert len(starts) == 2
    history = starts[1]["input"]
    assert {"role": "user", "content": "My name is Ada."} in history or any(
        "My name is Ada." in str(m) for m in history
    ), history
    assert any("Also be kind." in str(m) for m in history), history
