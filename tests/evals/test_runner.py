"""`evals.run` against the real in-process emulator (over real WebSocket, the official
SDK's client): the grid, checks that pass and fail where the emulator's deterministic
replies say, budgets, failing runs, concurrency, barge-in, spoken turns. Every event of
every run's log is validated strictly against its SDK type."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from support.headless import assert_events_valid

import realtime_widget
from realtime_widget import RealtimeSession, evals
from realtime_widget.emulator import Emulator

from .conftest import KEY, voice

BAD_KEY = "sk-wrong-SECRET-0123456789abcdefWXYZ"


def stock_level(fruit: str) -> int:
    """Units of a fruit in stock."""
    return {"pears": 12}.get(fruit, 0)


STOCK = evals.Scenario(
    "stock",
    turns=["How many pears are in stock? Check the stock level."],
    expect=[
        evals.tool_called("stock_level", {"fruit": "pears"}),
        evals.contains("12"),
        evals.first_response_within(5000),
    ],
)
GREETING = evals.Scenario(
    "greeting",
    turns=["Hello there", "Goodbye"],
    expect=[
        evals.contains("Hello", turn=0),
        evals.tool_not_called(turn="all"),
        evals.first_audio_within(5000),
        evals.check(lambda t: (t.reply.startswith("You said:"), t.reply), name="echoes"),
    ],
)
VARIANTS: dict[str, dict[str, Any]] = {
    "tools": {"tools": [stock_level], "output_modalities": "text"},
    "voice": {"tools": [stock_level]},
    "bare": {"output_modalities": "text"},
}


def verdict(value: object) -> bool | None:
    """A cell of a nullable boolean column: True, False or None (NA)."""
    return None if value is pd.NA else bool(value)


def passed_matrix(result: evals.EvalResult) -> dict[tuple[str, str, int], bool | None]:
    return {(r.scenario, r.variant, r.repeat): verdict(r.passed) for r in result.runs.itertuples()}


async def test_a_grid_of_2_scenarios_3_variants_2_repeats(emu: Emulator, tmp_path: Path) -> None:
    result = await evals.run(
        [STOCK, GREETING],
        VARIANTS,
        repeats=2,
        api_key=KEY,
        base_url=emu.base_url,
        out_dir=tmp_path / "out",
        progress=False,
    )
    runs, turns = result.runs, result.turns
    assert len(runs) == 12 and list(runs["run"]) == list(range(12))
    assert set(runs["status"]) == {"completed"}, runs["error"].tolist()
    assert len(turns) == 2 * 3 * (1 + 2) == 18
    assert emu.stats.calls_created == 12
    # Grid order: repeat, then scenario, then variant.
    assert list(runs["variant"][:3]) == ["tools", "voice", "bare"]
    assert list(runs["scenario"][:6]) == ["stock"] * 3 + ["greeting"] * 3
    # The emulator calls a tool named in the text when the variant has it, and only then;
    # a text-only variant has no audio.
    expected = {"tools": (True, False), "voice": (True, True), "bare": (False, False)}
    for (scenario, variant, _), passed in passed_matrix(result).items():
        assert passed is expected[variant][scenario == "greeting"], (scenario, variant)
    bare = turns[(turns["variant"] == "bare") & (turns["scenario"] == "stock")].iloc[0]
    assert verdict(bare["tool_called('stock_level', fruit='pears')"]) is False
    assert bare["tool_called('stock_level', fruit='pears'): reason"] == (
        "stock_level was not called (calls: none)"
    )
    assert bare["failed_checks"] == ["tool_called('stock_level', fruit='pears')", "contains('12')"]
    tool_turn = turns[(turns["variant"] == "tools") & (turns["scenario"] == "stock")].iloc[0]
    assert tool_turn["reply"] == "The tool returned: 12"
    assert tool_turn["tool_calls"] == [
        {"name": "stock_level", "arguments": {"fruit": "pears"}, "output": "12"}
    ]
    assert tool_turn["to_response_ms"] > 0 and tool_turn["input_tokens"] > 0
    assert tool_turn["cost_usd"] > 0
    spoken = turns[(turns["variant"] == "voice") & (turns["scenario"] == "greeting")]
    assert (spoken["to_audio_ms"] > 0).all() and list(spoken["turn"]) == [0, 1, 0, 1]
    texts = turns[(turns["variant"] == "bare") & (turns["scenario"] == "greeting")]
    assert texts["to_audio_ms"].isna().all()
    assert (
        list(texts["first_audio_within(5000): reason"].dropna())
        == ["no audio came in this turn"] * 2
    )
    assert [verdict(v) for v in texts["echoes"]] == [None, True, None, True]  # the last turn
    summary = result.summary
    assert list(summary.index) == ["tools", "voice", "bare"]
    assert list(summary["pass_rate"]) == [0.5, 1.0, 0.0]
    assert list(summary["runs"]) == [4, 4, 4] and list(summary["turns"]) == [6, 6, 6]
    assert summary.loc["voice", "pass_rate_low"] == pytest.approx(evals.wilson(4, 4)[0])
    assert summary.loc["voice", "audio_ms_p95"] >= summary.loc["voice", "audio_ms_median"] > 0
    # Each run's log is a Conversation, its turns the table's.
    assert len(result.conversations) == 12
    for key, conversation in result.conversations.items():
        assert_events_valid(conversation)
        mine = turns[
            (turns["scenario"] == key[0])
            & (turns["variant"] == key[1])
            & (turns["repeat"] == key[2])
        ]
        replies = conversation.transcript.query("role == 'assistant' and kind in ['text', 'audio']")
        assert " ".join(mine["reply"]) == " ".join(replies["text"])
    assert (tmp_path / "out" / "result.json").is_file()


async def test_a_budget_stops_starting_runs_at_the_right_one(emu: Emulator) -> None:
    quiet = {"output_modalities": "text"}
    one = await evals.run(STOCK, {"v": quiet}, api_key=KEY, base_url=emu.base_url, progress=False)
    cost = float(one.runs["cost_usd"].iloc[0])
    assert cost > 0
    result = await evals.run(
        STOCK,
        {"v": quiet},
        repeats=5,
        concurrency=1,
        budget_usd=2.5 * cost,
        api_key=KEY,
        base_url=emu.base_url,
        progress=False,
    )
    runs = result.runs
    # Run 0 has no estimate; run 1: 1 spent + 1 estimated <= 2.5; run 2: 2 + 1 > 2.5.
    assert list(runs["status"]) == ["completed"] * 2 + ["skipped"] * 3
    assert runs["cost_usd"].iloc[:2].tolist() == pytest.approx([cost, cost])
    assert result.stopped is not None and result.stopped.startswith("budget_usd: $")
    assert list(result.skipped["run"]) == [2, 3, 4]
    assert set(result.skipped["skip_reason"]) == {result.stopped}
    assert len(result.turns) == 2 and result.summary.loc["v", "skipped"] == 3
    # With concurrency the first run still runs alone (no estimate before it ends).
    wide = await evals.run(
        STOCK,
        {"v": quiet},
        repeats=4,
        concurrency=4,
        budget_usd=2.5 * cost,
        api_key=KEY,
        base_url=emu.base_url,
        progress=False,
    )
    assert list(wide.runs["status"]) == ["completed", "completed", "skipped", "skipped"]
    # A time budget already spent starts nothing.
    none = await evals.run(
        STOCK, {"v": quiet}, budget_minutes=0, api_key=KEY, base_url=emu.base_url, progress=False
    )
    assert list(none.runs["status"]) == ["skipped"] and none.turns.empty
    assert none.stopped == "budget_minutes: 0.0 s elapsed, the budget is 0 s"


async def test_a_failing_run_is_recorded_and_the_others_finish(
    emu: Emulator, tmp_path: Path
) -> None:
    expiring = Emulator(text_delta_interval_s=0.002, audio_clock_speed=20.0)
    expiring.faults.expire_after_s = 0.4
    await expiring.start()
    try:
        scenario = evals.Scenario(
            "two",
            turns=["Hello", evals.pause(900), "Still there?"],
            expect=[evals.contains("Hello", turn=0), evals.contains("Still")],
        )
        result = await evals.run(
            scenario,
            {
                "ok": {"output_modalities": "text"},
                "bad_key": {"api_key": BAD_KEY, "output_modalities": "text"},
                "expiring": {"base_url": expiring.base_url, "output_modalities": "text"},
            },
            repeats=2,
            api_key=KEY,
            base_url=emu.base_url,
            progress=False,
        )
    finally:
        await expiring.stop()
    runs = result.runs.set_index(["variant", "repeat"])
    assert list(runs.loc["ok", "status"]) == ["completed"] * 2
    assert list(runs.loc["ok", "passed"]) == [True, True]
    for variant in ("bad_key", "expiring"):
        assert list(runs.loc[variant, "status"]) == ["error"] * 2
        assert list(runs.loc[variant, "passed"]) == [False, False]
    bad = runs.loc[("bad_key", 0)]
    assert "401" in bad["error"] and "Incorrect API key" in bad["error"]
    assert BAD_KEY not in str(result.runs.to_dict()) and BAD_KEY not in str(result.turn_rows)
    assert BAD_KEY not in (Path(result.root) / "result.json").read_text()
    expired = runs.loc[("expiring", 0)]
    assert expired["error"].startswith("the call ended before turn 1: "), expired["error"]
    assert "session_expired" in expired["error"]
    turns = result.turns.set_index(["variant", "repeat", "turn"])
    # The expiring session answered its first turn; its second never came.
    first = turns.loc[("expiring", 0, 0)]
    assert first["reached"] and verdict(first["contains('Hello')"]) is True
    unreached = turns.loc[("bad_key", 0, 1)]
    assert not unreached["reached"] and verdict(unreached["contains('Still')"]) is None
    assert unreached["contains('Still'): reason"].startswith("not reached: the run failed")
    assert result.summary.loc["ok", "pass_rate"] == 1.0
    assert list(result.summary["errors"]) == [0, 2, 2]


async def test_concurrency_is_honoured(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    state = {"open": 0, "most": 0}
    connect, close = RealtimeSession.connect, RealtimeSession.close

    async def counted_connect(self: RealtimeSession, timeout: float = 30.0) -> None:
        state["open"] += 1
        state["most"] = max(state["most"], state["open"])
        await connect(self, timeout)

    async def counted_close(self: RealtimeSession) -> None:
        await close(self)
        state["open"] -= 1

    monkeypatch.setattr(RealtimeSession, "connect", counted_connect)
    monkeypatch.setattr(RealtimeSession, "close", counted_close)
    calls: list[int] = []

    async def watch() -> None:
        while True:
            calls.append(emu.active_call_count)
            await asyncio.sleep(0.002)

    watcher = asyncio.ensure_future(watch())
    result = await evals.run(
        GREETING,
        {"a": {"output_modalities": "text"}, "b": {"output_modalities": "text"}},
        repeats=3,
        concurrency=2,
        api_key=KEY,
        base_url=emu.base_url,
        progress=False,
    )
    watcher.cancel()
    assert len(result.runs) == 6 and set(result.runs["status"]) == {"completed"}
    assert state == {"open": 0, "most": 2}
    assert max(calls) <= 2


async def test_barge_in_cancels_and_truncates_the_reply(tmp_path: Path) -> None:
    # Real-time pacing: the reply is still arriving when the barge-in comes.
    slow = Emulator(api_keys=[KEY], text_delta_interval_s=0.02, audio_clock_speed=1.0)
    await slow.start()
    try:
        scenario = evals.Scenario(
            "cut",
            turns=[
                "Tell me a long story about the sea and the ships and the sailors, please",
                evals.barge_in(after_ms=150, say="Stop, just the end."),
            ],
            expect=[
                evals.check(
                    lambda t: (t.status == "cancelled", t.status), name="cancelled", turn=0
                ),
                evals.contains("Stop, just the end."),
            ],
        )
        result = await evals.run(
            scenario, {"voice": {}}, api_key=KEY, base_url=slow.base_url, progress=False
        )
    finally:
        await slow.stop()
    assert bool(result.runs["passed"].iloc[0]), result.checks
    cut, after = result.turns.iloc[0], result.turns.iloc[1]
    assert cut["interrupted"] and cut["status"] == "cancelled"
    assert after["kind"] == "barge_in" and after["status"] == "completed"
    full = "You said: Tell me a long story about the sea and the ships and the sailors, please"
    assert cut["reply"] != full and full.startswith(cut["reply"])
    assert cut["reply"].startswith(cut["heard"]) and cut["heard"] != full
    conversation = result.conversation("cut", "voice")
    client = [p for _, d, p in conversation.raw_events if d == "client" and isinstance(p, dict)]
    kinds = [p["type"] for p in client]
    assert "response.cancel" in kinds and "conversation.item.truncate" in kinds
    assert_events_valid(conversation)


async def test_spoken_turns_from_an_array_and_a_wav_file(emu: Emulator, tmp_path: Path) -> None:
    from .test_scenario import write_wav

    wav = write_wav(tmp_path / "q.wav", voice(0.8))
    scenario = evals.Scenario(
        "spoken",
        turns=[voice(1.2), wav],
        setup=[("user", "I will speak now."), ("assistant", "Go ahead.")],
        expect=[
            evals.contains("I heard you speak", turn="all"),
            evals.first_audio_within(5000, turn="all"),
        ],
    )
    result = await evals.run(
        scenario, {"voice": {}}, api_key=KEY, base_url=emu.base_url, progress=False
    )
    turns = result.turns
    assert bool(result.runs["passed"].iloc[0]), result.checks
    assert list(turns["kind"]) == ["audio", "audio"]
    # The emulator's transcripts say how long the user spoke (the session pads silence).
    assert all(t.startswith("(spoken ") for t in turns["user_text"]), list(turns["user_text"])
    assert (turns["cost_usd"] > 0).all()
    transcript = result.conversation("spoken", "voice").transcript
    assert list(transcript["text"][:2]) == ["I will speak now.", "Go ahead."]


async def test_bad_arguments_are_refused_before_any_run(emu: Emulator, tmp_path: Path) -> None:
    with pytest.raises(
        ValueError, match="variant 'a': unknown setting 'instruction'; did you mean 'instructions'"
    ):
        await evals.run(STOCK, {"a": {"instruction": "Hi"}}, progress=False)
    with pytest.raises(ValueError, match=r"variant 'a': .*voice"):
        await evals.run(STOCK, {"a": {"voice": "nobody"}}, progress=False)
    with pytest.raises(ValueError, match="repeats must be an int >= 1"):
        await evals.run(STOCK, None, repeats=0, progress=False)
    with pytest.raises(ValueError, match="two scenarios are named 'stock'"):
        await evals.run([STOCK, STOCK], None, progress=False)
    with pytest.raises(TypeError, match="tools must be Python functions"):
        await evals.run(STOCK, {"a": {"tools": ["stock_level"]}}, progress=False)
    done = await evals.run(
        STOCK, None, api_key=KEY, base_url=emu.base_url, out_dir=tmp_path, progress=False
    )
    assert list(done.runs["variant"]) == ["default"]
    with pytest.raises(FileExistsError, match="already holds a result"):
        await evals.run(STOCK, None, api_key=KEY, base_url=emu.base_url, out_dir=tmp_path)
    with pytest.raises(RuntimeError, match=re.escape("use `result = await evals.run")):
        evals.run_sync(STOCK, None)


async def test_progress_is_a_line_per_run_in_a_script(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    await evals.run(
        STOCK,
        {"tools": VARIANTS["tools"], "bare": VARIANTS["bare"]},
        concurrency=1,
        api_key=KEY,
        base_url=emu.base_url,
    )
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("[1/2] stock × tools #0: 3/3 checks passed")
    assert lines[1].startswith("[2/2] stock × bare #0: 1/3 checks passed")
    assert lines[2].startswith("2 runs in ") and "(0 failed, 0 skipped); saved in" in lines[2]


def test_run_sync_from_a_plain_script(tmp_path: Path) -> None:
    script = tmp_path / "grid.py"
    script.write_text(
        "from realtime_widget import evals\n"
        "s = evals.Scenario('hi', turns=['Hello'], expect=[evals.contains('Hello')])\n"
        "r = evals.run_sync(s, {'a': {'output_modalities': 'text'}}, repeats=2, progress=False)\n"
        "print(list(r.runs['status']), list(r.summary['pass_rate']))\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "OPENAI_API_KEY"}
    env["PYTHONPATH"] = str(Path(realtime_widget.__file__).parent.parent)
    out = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[0] == "['completed', 'completed'] [1.0]"


async def test_a_bug_reading_one_run_does_not_stop_the_grid(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from realtime_widget.evals import runner

    real = runner.turns_of

    def broken(conversation: Any, marks: Any, **kw: Any) -> list[evals.Turn]:
        if kw["variant"] == "b":
            raise KeyError("item_x")
        return real(conversation, marks, **kw)

    monkeypatch.setattr(runner, "turns_of", broken)
    result = await evals.run(
        STOCK,
        {"a": VARIANTS["tools"], "b": VARIANTS["tools"]},
        api_key=KEY,
        base_url=emu.base_url,
        progress=False,
    )
    assert list(result.runs["status"]) == ["completed", "error"]
    assert result.runs["error"].iloc[1] == "internal error reading the run: KeyError: 'item_x'"
    assert "reading run 1 failed" in caplog.text
