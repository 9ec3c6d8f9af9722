"""`RealtimeSession`: conversations with no browser, over real WebSocket to a real
in-process emulator (the official SDK's client; no mocks). Every event a session logged
is validated strictly against its SDK type when the test ends (support.headless), and
no task of the session may be left running after `await s.close()`."""

# ruff: noqa: F811  (pytest fixtures imported from support.headless are redefined as arguments)

from __future__ import annotations

import asyncio
import base64
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support.headless import KEY, MakeSession, assert_events_valid, emu, make_session  # noqa: F401
from support.rtc_client import silence, speech_like

import realtime_widget
from realtime_widget import RealtimeSession
from realtime_widget.conversation.jsonl import read_records
from realtime_widget.emulator import Emulator

RATE = 24_000


def test_the_worktree_is_what_runs() -> None:
    here = __file__.rsplit("/tests/", 1)[0]
    assert realtime_widget.__file__.startswith(here + "/realtime_widget/")
    assert realtime_widget.RealtimeSession is RealtimeSession


def client_events(s: RealtimeSession, kind: str | None = None) -> list[dict[str, Any]]:
    return [
        p
        for _, d, p in s.conversation.raw_events
        if d == "client" and isinstance(p, dict) and kind in (None, p["type"])
    ]


def server_types(s: RealtimeSession) -> list[str]:
    return [
        p["type"] for _, d, p in s.conversation.raw_events if d == "server" and isinstance(p, dict)
    ]


def voice() -> np.ndarray:
    """Lead-in silence and a speech-like burst (the session appends the trailing silence)."""
    return np.concatenate([silence(0.3, rate=RATE), speech_like(1.2, rate=RATE)])


# --- text turns and tools ---------------------------------------------------------------


async def test_text_turn(make_session: MakeSession) -> None:
    s = await make_session(output_modalities="text")
    assert s.status == "connected" and s.backend == "openai"
    done = await s.send_text("What is the capital of France?")
    assert done is not None and done["type"] == "response.done"
    assert done["response"]["status"] == "completed"
    rows = s.transcript
    assert list(rows["role"]) == ["user", "assistant"]
    text = next(
        p["text"]
        for _, d, p in s.conversation.raw_events
        if isinstance(p, dict) and p["type"] == "response.output_text.done"
    )
    assert rows.iloc[0]["text"] == "What is the capital of France?"
    assert rows.iloc[1]["text"] == text and text
    assert len(s.usage) == 1 and s.usage.iloc[0]["total_tokens"] > 0
    assert s.cost() > 0
    assert s.events["type"].iloc[0] == "session.created"
    assert {"conversation.item.create", "response.create", "response.done"} <= set(s.events["type"])
    assert s.summary().turns == 1
    # wait=False returns at once; the reply still arrives.
    assert await s.send_text("And of Italy?", wait=False) is None
    await s.wait_for("response.done", 10)
    assert len(s.usage) == 2


async def test_a_python_tool_called_by_the_model(make_session: MakeSession) -> None:
    s = await make_session(output_modalities="text")
    calls: list[str] = []

    @s.tool
    def get_weather(city: str) -> str:
        """The weather of a city."""
        calls.append(city)
        return f"sunny in {city}"

    done = await s.send_text("Please use get_weather for Paris")
    assert done is not None and calls, server_types(s)
    # The reply returned is the one after the tool: no function call in it.
    assert all(item["type"] != "function_call" for item in done["response"]["output"])
    outputs = [
        e
        for e in client_events(s, "conversation.item.create")
        if e["item"]["type"] == "function_call_output"
    ]
    assert len(outputs) == 1 and "sunny in" in outputs[0]["item"]["output"]
    assert "The tool returned: sunny in" in s.transcript.iloc[-1]["text"]
    assert len(s.usage) == 2 and not s.tool_errors


# --- live settings ----------------------------------------------------------------------


async def test_live_instructions_then_voice_refused_after_the_model_spoke(
    make_session: MakeSession,
) -> None:
    s = await make_session()
    before = len(client_events(s, "session.update"))
    s.instructions = "Answer in French."
    await s.wait_for("session.updated", 10)
    updates = client_events(s, "session.update")
    assert len(updates) == before + 1
    assert updates[-1]["session"]["instructions"] == "Answer in French."
    assert s.instructions == "Answer in French."
    with pytest.raises(TypeError, match="voice must be a str"):
        s.voice = 42
    await s.send_text("Say something")  # audio out: the model has spoken
    assert s.audio().size > 0
    with pytest.raises(ValueError, match="already spoken"):
        s.voice = "cedar"
    assert s.voice == "marin"
    assert len(client_events(s, "session.update")) == before + 1


async def test_a_refused_update_is_rolled_back(emu: Emulator, make_session: MakeSession) -> None:
    s = await make_session(instructions="Be brief.")
    emu.faults.error_on_client_event_types = {"session.update"}
    with pytest.warns(RuntimeWarning, match="refused the session update"):
        s.instructions = "Be verbose."
        await s.wait_for("error", 10)
    assert s.instructions == "Be brief."
    assert s.session_error is not None and set(s.session_error.attempted) == {"instructions"}
    assert any("refused" in n["text"] and n["level"] == "error" for n in s.notices)
    assert not any("widget" in n["text"] for n in s.notices)  # a session has no widget
    emu.faults.error_on_client_event_types = set()
    s.update_session(instructions="Be kind.", speed=1.2)
    await s.wait_for("session.updated", 10)
    assert (s.instructions, s.speed) == ("Be kind.", 1.2)


# --- audio turns ------------------------------------------------------------------------


async def test_audio_turn_ended_by_server_vad(make_session: MakeSession, tmp_path: Path) -> None:
    s = await make_session()
    done = await s.send_audio(voice())
    assert done is not None and done["response"]["status"] == "completed"
    appends = client_events(s, "input_audio_buffer.append")
    pcm = b"".join(base64.b64decode(e["audio"]) for e in appends)
    assert all(len(base64.b64decode(e["audio"])) <= 4800 for e in appends)  # 100 ms each
    assert len(pcm) // 2 >= voice().size + RATE // 2  # the trailing silence ended the turn
    types = server_types(s)
    assert types.index("input_audio_buffer.speech_stopped") < types.index("response.done")
    assert not client_events(s, "input_audio_buffer.commit")
    assert list(s.transcript["role"]) == ["user", "assistant"]
    # Over WebSocket the voice starts with its first delta (there is no output buffer).
    latency = s.latency.iloc[-1]
    first_audio = next(
        e for e in s.conversation.raw_events if e[2].get("type") == "response.output_audio.delta"
    )
    assert latency["audio_started_at"].timestamp() == pytest.approx(first_audio[0])
    assert 0 < latency["to_audio_ms"] < 10_000
    out = s.audio()
    assert out.dtype == np.int16 and out.size / RATE > 0.3
    assert int(np.abs(out.astype(np.int32)).max()) > 1000
    item_id = s.transcript.iloc[-1]["item_id"]
    assert s.audio_items() == [item_id] and np.array_equal(s.audio(item_id), out)
    path = tmp_path / "reply.wav"
    s.save_audio(path)
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, RATE)
        assert wav.getnframes() == out.size
        assert np.array_equal(np.frombuffer(wav.readframes(out.size), "<i2"), out)
    assert path.stat().st_size == 44 + 2 * out.size
    with pytest.raises(LookupError, match="no audio received"):
        s.audio("item_nope")


async def test_push_to_talk_audio_turn_resampled(make_session: MakeSession, tmp_path: Path) -> None:
    s = await make_session(turn_detection=None, output_modalities="text")
    floats = speech_like(1.0, rate=16_000).astype(np.float64) / 32767.0
    done = await s.send_audio(floats, rate=16_000)
    assert done is not None and done["response"]["status"] == "completed"
    pcm = b"".join(
        base64.b64decode(e["audio"]) for e in client_events(s, "input_audio_buffer.append")
    )
    assert abs(len(pcm) // 2 - RATE) <= 1  # 1 s at 16 kHz → 24 000 samples, no silence added
    kinds = [e["type"] for e in client_events(s)]
    assert kinds[-2:] == ["input_audio_buffer.commit", "response.create"]
    assert "input_audio_buffer.committed" in server_types(s)
    # A WAV file works the same (stereo, 48 kHz, mixed down and resampled).
    stereo = np.repeat(speech_like(0.5, rate=48_000)[:, None], 2, axis=1)
    path = tmp_path / "turn.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(48_000)
        wav.writeframes(stereo.astype("<i2").tobytes())
    assert await s.send_audio(path) is not None
    assert len(s.usage) == 2


async def test_bad_audio_is_refused_before_anything_is_sent(
    make_session: MakeSession, tmp_path: Path
) -> None:
    s = await make_session(turn_detection=None)
    text_file = tmp_path / "notes.wav"
    text_file.write_text("not audio at all")
    wav8 = tmp_path / "8bit.wav"
    with wave.open(str(wav8), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(b"\x80" * 800)
    sent = len(client_events(s))
    cases: list[tuple[Any, dict[str, Any], str]] = [
        (np.zeros(0, dtype=np.int16), {}, "empty"),
        (b"", {}, "empty"),
        (b"\x00\x01\x02", {}, "odd count"),
        (text_file, {}, "not a readable WAV"),
        (wav8, {}, "8-bit"),
        (tmp_path / "missing.wav", {}, "no audio file"),
        (np.zeros((2, 3, 4), dtype=np.int16), {}, "shape"),
        (np.zeros((2, 48_000), dtype=np.int16), {}, "at most 8 channels"),
        (np.zeros(100, dtype=np.int32), {}, "dtype int32"),
        (np.full(100, 3.0), {}, "beyond \\[-1, 1\\]"),
        (np.full(100, np.nan), {}, "NaN"),
        (np.zeros(100, dtype=np.int16), {"rate": 100}, "rate must be"),
        (wav8, {"rate": 16_000}, "8-bit"),
    ]
    for source, kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            await s.send_audio(source, **kwargs)
    with pytest.raises(TypeError, match="WAV path, PCM16 bytes"):
        await s.send_audio([0, 1, 2])
    with pytest.raises(TypeError, match="rate must be an int"):
        await s.send_audio(np.zeros(10, dtype=np.int16), rate=16000.0)  # type: ignore[arg-type]
    assert len(client_events(s)) == sent


async def test_interrupt_cancels_and_truncates_at_the_audio_received(
    make_session: MakeSession,
) -> None:
    s = await make_session()
    assert not s.interrupt()  # nothing to stop
    await s.send_text("Tell me a long story about the sea, please", wait=False)
    delta = await s.wait_for("response.output_audio.delta", 10)
    cut = asyncio.ensure_future(s.wait_for("conversation.item.truncated", 10))
    refused = asyncio.ensure_future(s.wait_for("error", 10))
    assert s.interrupt()
    done = await s.wait_for("response.done", 10)
    assert done["response"]["status"] == "cancelled"
    truncate = client_events(s, "conversation.item.truncate")
    assert len(truncate) == 1 and truncate[0]["item_id"] == delta["item_id"]
    assert client_events(s, "response.cancel")
    assert truncate[0]["audio_end_ms"] <= s.audio(delta["item_id"]).size * 1000 // RATE
    assert truncate[0]["audio_end_ms"] > 0
    # The server accepts a cut at the audio the client has (never "already shorter").
    await asyncio.wait([cut, refused], return_when=asyncio.FIRST_COMPLETED)
    assert not refused.done(), refused.result()
    refused.cancel()
    truncated = cut.result()
    assert truncated["item_id"] == delta["item_id"]
    assert truncated["audio_end_ms"] == truncate[0]["audio_end_ms"]


# --- connecting, logs, several sessions, closing ----------------------------------------


async def test_a_bad_key_makes_connect_raise_without_the_key(emu: Emulator) -> None:
    bad = "sk-wrong-SECRET-0123456789abcdefWXYZ"
    s = RealtimeSession(api_key=bad, base_url=emu.base_url)
    with pytest.raises(RuntimeError) as caught:
        async with s:
            pass
    text = str(caught.value)
    assert "401" in text and "Incorrect API key" in text, text
    assert bad not in text and bad not in s.error and bad not in repr(s)
    assert s.status == "error"
    await s.close()
    assert s.running_tasks == 0


def test_bad_arguments_are_refused_before_anything_starts() -> None:
    with pytest.raises(ValueError):
        RealtimeSession(api_key=KEY, base_url="http://127.0.0.1:1", voice="nobody")
    with pytest.raises(TypeError, match="auto_reconnect"):
        RealtimeSession(api_key=KEY, base_url="http://127.0.0.1:1", auto_reconnect="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="log_path"):
        RealtimeSession(api_key=KEY, base_url="http://127.0.0.1:1", log_path=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tool_timeout_s"):
        RealtimeSession(api_key=KEY, base_url="http://127.0.0.1:1", tool_timeout_s=0)
    # The message names the argument that was wrong (it once said tool_timeout_s here).
    with pytest.raises(TypeError, match=r"^connect_timeout_s must be a number of seconds, got"):
        RealtimeSession(api_key=KEY, base_url="http://127.0.0.1:1", connect_timeout_s=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^connect_timeout_s must be > 0 seconds, got -1"):
        RealtimeSession(api_key=KEY, base_url="http://127.0.0.1:1", connect_timeout_s=-1)
    with pytest.raises(TypeError, match="log_path must be a file path"):
        RealtimeSession(api_key=KEY, base_url="http://127.0.0.1:1", log_path="")
    s = RealtimeSession(api_key=KEY, base_url="http://127.0.0.1:1")
    with pytest.raises(RuntimeError, match="cannot send text while status is 'idle'"):
        s._core.send_text("hi")


async def test_log_path_has_every_event(make_session: MakeSession, tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    s = await make_session(output_modalities="text", log_path=path)
    await s.send_text("Hello")
    await s.close()
    logged = read_records(path)
    assert [(d, p) for _, d, p in logged] == [(d, p) for _, d, p in s.conversation.raw_events]
    assert len(logged) == len(s.conversation) > 10


CRASHING_SCRIPT = """
import asyncio, json, sys
from realtime_widget import RealtimeSession

async def main():
    s = RealtimeSession(api_key=sys.argv[1], base_url=sys.argv[2], log_path=sys.argv[3],
                        output_modalities="text")
    await s.connect()
    await s.send_text("Tell me a long story about the sea, please", wait=False)
    for _ in range(5):
        await s.wait_for("response.output_text.delta", 10)
    ids = [p["event_id"] for _, d, p in s.conversation.raw_events if d == "server"]
    print(json.dumps(ids), flush=True)
    await asyncio.sleep(60)  # killed here, mid-response

asyncio.run(main())
"""


async def test_log_path_survives_the_process_being_killed_mid_response(tmp_path: Path) -> None:
    """SIGKILL while deltas stream in: every event the session had received is on disk,
    and the log loads (a record cut mid-write is skipped with a warning, not an error)."""
    import json
    import os
    import signal
    import sys

    from realtime_widget.conversation import Conversation

    emulator = Emulator(api_keys=[KEY], text_delta_interval_s=0.05)
    await emulator.start()
    log = tmp_path / "crash.jsonl"
    script = tmp_path / "crash.py"
    script.write_text(CRASHING_SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(Path(realtime_widget.__file__).parent.parent))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(script), KEY, emulator.base_url, str(log),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert line, (await proc.communicate())[1].decode()[-2000:]
        received = json.loads(line)
        os.kill(proc.pid, signal.SIGKILL)  # the child we started
        await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await emulator.stop()
    assert proc.returncode == -signal.SIGKILL
    logged = [p["event_id"] for _, d, p in read_records(log) if d == "server"]
    assert logged[: len(received)] == received  # all of it, in order, before the kill
    conversation = Conversation.load(log)
    assert "response.done" not in {e["type"] for _, _, e in conversation.raw_events}
    assistant = conversation.transcript.query("role == 'assistant'")
    assert len(assistant) == 1 and assistant["text"].iloc[0]  # the part that streamed


async def test_two_sessions_at_once_are_kept_apart(make_session: MakeSession) -> None:
    a, b = await asyncio.gather(
        make_session(output_modalities="text", instructions="You are A."),
        make_session(output_modalities="text", instructions="You are B."),
    )
    await asyncio.gather(a.send_text("Hello from A"), b.send_text("Hello from B"))
    assert a.transcript.iloc[0]["text"] == "Hello from A"
    assert b.transcript.iloc[0]["text"] == "Hello from B"
    assert len(a.transcript) == len(b.transcript) == 2
    sid = [next(p["session"]["id"] for _, _, p in s.conversation.raw_events) for s in (a, b)]
    assert sid[0] != sid[1]
    assert a.instructions == "You are A." and b.instructions == "You are B."


async def test_close_leaves_no_task_running(emu: Emulator) -> None:
    def ours() -> set[asyncio.Task[Any]]:
        found = set()
        for task in asyncio.all_tasks():
            code = getattr(task.get_coro(), "cr_code", None)
            name = code.co_filename if code is not None else ""
            if "/websockets/" in name or "realtime_widget/call/" in name or "/openai/" in name:
                found.add(task)
        return found

    s = RealtimeSession(api_key=KEY, base_url=emu.base_url, output_modalities="text")
    async with s:
        await s.send_text("Hi")
        assert ours() and s.running_tasks >= 2
    assert s.status == "idle" and s.running_tasks == 0
    await asyncio.sleep(0)
    assert not [t for t in ours() if not t.done()]
    assert_events_valid(s.conversation)
    with pytest.raises(RuntimeError, match="while status is 'idle'"):
        await s.send_text("Anyone?")


async def test_expiry_with_auto_reconnect_continues_the_conversation(
    emu: Emulator, make_session: MakeSession
) -> None:
    s = await make_session(output_modalities="text", auto_reconnect=True)
    await s.send_text("Remember the number 7")
    emu.faults.expire_after_s = 1.0  # re-read live by the running session
    created = await s.wait_for("session.created", 10)  # the second call's
    emu.faults.expire_after_s = None  # the new session is younger: it stays
    await s.wait_until_connected(10)
    assert s.status == "connected" and emu.stats.calls_created == 2
    done = await s.send_text("Which number was it?")
    assert done is not None and done["response"]["status"] == "completed"
    records = s.conversation.raw_events
    start = next(i for i, (_, _, p) in enumerate(records) if p is created)
    context = [
        p["item"]
        for _, d, p in records[start:]
        if d == "client" and isinstance(p, dict) and p["type"] == "conversation.item.create"
    ]
    assert "Remember the number 7" in str(context[0])
    assert len(s.sessions) >= 2


async def test_no_key_uses_the_built_in_emulator(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with caplog.at_level("INFO", logger="realtime_widget"):
        s = RealtimeSession(output_modalities="text")
    assert s.backend == "emulator" and s.base_url.startswith("http://127.0.0.1:")
    assert any("offline emulator" in r.getMessage() for r in caplog.records)
    async with s:
        done = await s.send_text("Hello")
    assert done is not None and done["response"]["status"] == "completed"
    assert s.running_tasks == 0
    assert_events_valid(s.conversation)


def test_a_typo_in_a_setting_is_refused() -> None:
    s = RealtimeSession(api_key=KEY, base_url="http://127.0.0.1:1")
    with pytest.raises(AttributeError, match="did you mean 'instructions'"):
        s.instruction = "Be brief."  # type: ignore[attr-defined]
    s.instructions = "Be brief."  # not connected: the next call starts with it
    assert s.settings().instructions == "Be brief."


def test_usable_from_a_plain_script(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    script = tmp_path / "turn.py"
    script.write_text(
        "import asyncio\n"
        "from realtime_widget import RealtimeSession\n"
        "async def main():\n"
        "    async with RealtimeSession(output_modalities='text') as s:\n"
        "        done = await s.send_text('What is the capital of France?')\n"
        "    print(done['response']['status'], len(s.transcript), s.running_tasks)\n"
        "asyncio.run(main())\n"
    )
    here = Path(realtime_widget.__file__).parent.parent
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["PYTHONPATH"] = str(here)
    out = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["completed", "2", "0"]


async def test_barge_in_by_audio_while_the_model_speaks(make_session: MakeSession) -> None:
    s = await make_session()
    await s.send_text("Tell me a long story about the sea, please", wait=False)
    first = await s.wait_for("response.created", 10)
    await s.wait_for("response.output_audio.delta", 10)
    done = await s.send_audio(voice())  # server VAD hears it: the answer is cut, a new one comes
    assert done is not None and done["response"]["id"] != first["response"]["id"]
    assert done["response"]["status"] == "completed"
    responses = [
        p["response"]
        for _, d, p in s.conversation.raw_events
        if isinstance(p, dict) and p["type"] == "response.done"
    ]
    assert responses[0]["id"] == first["response"]["id"]
    assert responses[0]["status"] in ("cancelled", "completed")
    types = server_types(s)
    assert "input_audio_buffer.speech_started" in types
    assert len(s.audio_items()) == 2


async def test_disconnect_connect_and_reconnect_keep_one_conversation(
    emu: Emulator, make_session: MakeSession
) -> None:
    s = await make_session(output_modalities="text")
    await s.send_text("Remember the number 7")
    s.disconnect()
    assert s.status == "idle"
    await s.connect()  # a new call, the same conversation (no context carried)
    s.reconnect()  # a new call with the conversation so far as context
    await s.wait_until_connected(10)
    done = await s.send_text("Which number was it?")
    assert done is not None and emu.stats.calls_created == 3
    context = [
        p["item"]
        for _, d, p in s.conversation.raw_events
        if d == "client" and isinstance(p, dict) and p["type"] == "conversation.item.create"
    ]
    assert any("Remember the number 7" in str(item) for item in context[1:])
    assert list(s.transcript["role"]).count("user") >= 2
