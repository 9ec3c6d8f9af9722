"""`evals.files`: scenarios from YAML / JSON give what the same Python scenarios give."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from realtime_widget import evals
from realtime_widget.emulator import Emulator

from .conftest import KEY, voice
from .test_runner import stock_level
from .test_scenario import write_wav

SUITE = """
scenarios:
  - name: stock
    description: a tool that reads the shop's table
    setup:
      - {role: user, text: I run a fruit shop.}
      - {role: assistant, text: Noted.}
    turns:
      - user: How many pears are in stock? Check the stock level.
        expect:
          - tool_called: stock_level
            args: {fruit: pears}
          - contains: "12"
          - first_response_within_ms: 5000
      - pause_ms: 50
      - Thanks
    expect:
      - not_contains: sorry
        turn: all
      - cost_under_usd: 0.5
  - name: spoken
    turns:
      - audio: question.wav
        expect:
          - matches: "speak for \\\\d"
      - user: Tell me a long story about the sea, please
      - barge_in: {after_ms: 10, say: Stop.}
        expect:
          - contains: Stop
          - tool_not_called: null
            name: no tools
"""


def python_suite(wav: Path) -> list[evals.Scenario]:
    return [
        evals.Scenario(
            "stock",
            description="a tool that reads the shop's table",
            setup=[("user", "I run a fruit shop."), ("assistant", "Noted.")],
            turns=[
                evals.user(
                    "How many pears are in stock? Check the stock level.",
                    expect=[
                        evals.tool_called("stock_level", {"fruit": "pears"}),
                        evals.contains("12"),
                        evals.first_response_within(5000),
                    ],
                ),
                evals.pause(50),
                "Thanks",
            ],
            expect=[evals.not_contains("sorry", turn="all"), evals.cost_under(0.5)],
        ),
        evals.Scenario(
            "spoken",
            turns=[
                evals.audio(wav, expect=[evals.matches(r"speak for \d")]),
                "Tell me a long story about the sea, please",
                evals.barge_in(
                    after_ms=10,
                    say="Stop.",
                    expect=[evals.contains("Stop"), evals.tool_not_called(label="no tools")],
                ),
            ],
        ),
    ]


def without_timing(frame: pd.DataFrame) -> pd.DataFrame:
    timing = [c for c in frame.columns if c.endswith("_ms") or "within" in c or c == "heard"]
    # A barge-in cuts the reply at a time, not at a word: its text may differ run to run.
    out = frame.drop(
        columns=[
            *timing,
            "reply",
            "status",
            "interrupted",
            "input_tokens",
            "output_tokens",
            "total_tokens",
            "cost_usd",
            "cost_under(0.5): reason",
        ]
    )
    return out.reset_index(drop=True)


async def test_yaml_gives_the_python_scenarios_and_their_result(
    emu: Emulator, tmp_path: Path
) -> None:
    wav = write_wav(tmp_path / "question.wav", voice(1.0))
    (tmp_path / "suite.yaml").write_text(SUITE)
    from_yaml = evals.load_scenarios(tmp_path / "suite.yaml")
    in_python = python_suite(wav)
    assert from_yaml == in_python
    assert [[c.label for c in p] for p in from_yaml[0].plan] == [
        [
            "tool_called('stock_level', fruit='pears')",
            "contains('12')",
            "first_response_within(5000)",
            "not_contains('sorry')",
        ],
        ["not_contains('sorry')", "cost_under(0.5)"],
    ]
    variants = {"v": {"tools": [stock_level], "output_modalities": "text"}}
    results = [
        await evals.run(s, variants, api_key=KEY, base_url=emu.base_url, progress=False)
        for s in (tmp_path / "suite.yaml", in_python)
    ]
    yaml_turns, python_turns = (without_timing(r.turns) for r in results)
    pd.testing.assert_frame_equal(yaml_turns, python_turns)
    assert list(results[0].runs["passed"]) == list(results[1].runs["passed"]) == [True, True]
    # JSON holds the same.
    data = __import__("yaml").safe_load(SUITE)
    (tmp_path / "suite.json").write_text(json.dumps(data))
    assert evals.load_scenarios(tmp_path / "suite.json") == in_python


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("scenarios: []", "no scenario in it"),
        ("- name: a\n  turns: [{usr: Hi}]", "turn 0: a turn has exactly one of"),
        ("- name: a\n  turns: [{user: Hi, expect: [{contains: x, turn: 0}]}]", "no turn:"),
        ("- name: a\n  turns: [Hi]\n  expect: [{contain: x}]", "names exactly one kind"),
        ("- name: a\n  turns: [Hi]\n  expect: [{matches: '('}]", "not a valid regular expression"),
        ("- name: a\n  turns: [{audio: missing.wav}]", "no audio file"),
        ("- name: a\n  turns: [{barge_in: {after_ms: 5, say: x}}]", "right after a user turn"),
        ("- name: a\n  turns: [Hi, {barge_in: {after_ms: 5}}]", "one of say: or say_audio:"),
        ("- name: a\n  turns: [{pause_ms: 5, expect: [{contains: x}]}]", "no expect"),
        ("- name: a\n  turn: [Hi]", "unknown key(s) ['turn']"),
        ("- name: a\n  turns: [Hi]\n- name: a\n  turns: [Yo]", "two scenarios are named 'a'"),
        ("name: [unclosed", "not valid YAML"),
    ],
)
def test_bad_files_say_where(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(evals.ScenarioFileError) as caught:
        evals.load_scenarios(path)
    assert message in str(caught.value) and str(caught.value).startswith("bad.yaml: ")
    with pytest.raises(evals.ScenarioFileError, match=r"ends in \.yaml"):
        (tmp_path / "s.txt").write_text("x")
        evals.load_scenarios(tmp_path / "s.txt")


def test_the_documented_example_loads(tmp_path: Path) -> None:
    docs = Path(__file__).parents[2] / "docs" / "evals.md"
    example = docs.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "suite.yaml").write_text(example)
    write_wav(tmp_path / "question.wav", voice(0.5))
    (stock,) = evals.load_scenarios(tmp_path / "suite.yaml")
    assert [type(t).__name__ for t in stock.turns] == [
        "UserText",
        "Pause",
        "UserAudio",
        "UserText",
        "BargeIn",
    ]
    assert [len(p) for p in stock.plan] == [4, 2, 1, 5]
    assert "judge('the reply is polite')" in [c.label for c in stock.plan[-1]]
