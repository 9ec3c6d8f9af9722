"""The README's "Evaluate versions" example, as written there, against the built-in emulator
(no key: what a reader without one gets), with the notebook's stock tool and its WAV as
`question.wav`."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]


def readme_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Evaluate versions\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the section has one Python example"
    return str(blocks[0])


def stock(item: Literal["apples", "pears", "plums"]) -> int:
    """How many of a fruit are in stock."""
    return {"apples": 12, "pears": 7, "plums": 23}[item]


async def test_the_readme_example_runs_offline_as_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = readme_example()
    assert 10 <= len(code.strip().splitlines()) <= 20, "keep the README's example short"
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(REPO / "notebooks" / "data" / "spoken_turn.wav", tmp_path / "question.wav")
    namespace: dict[str, Any] = {"stock": stock}
    compiled = compile(code, "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    await eval(compiled, namespace)  # top-level await, as in a notebook cell
    result = namespace["result"]
    runs, summary = result.runs, result.summary
    shutil.rmtree(result.root)  # the run's temporary folder (the README gives no out_dir)
    assert len(runs) == 2 * 2 * 3 and set(runs["status"]) == {"completed"}, runs["error"]
    assert result.stopped is None  # the budget is far from spent
    assert list(summary.index) == ["v1", "v2 high"]
    assert list(summary["pass_rate"]) == [1.0, 1.0], result.checks
    asked = result.turns[result.turns["scenario"] == "stock"]
    assert list(asked["reply"]) == ["The tool returned: 7"] * 6
    assert (result.turns["cost_usd"] > 0).all()
    assert isinstance(result.turns, pd.DataFrame)
