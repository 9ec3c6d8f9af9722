"""`evals.result`: the tables of a real grid, `save(dir)` / `evals.load(dir)` round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from realtime_widget import evals
from realtime_widget.emulator import Emulator

from .conftest import KEY
from .test_runner import GREETING, STOCK, VARIANTS


async def test_save_and_load_round_trip(emu: Emulator, tmp_path: Path) -> None:
    result = await evals.run(
        [STOCK, GREETING],
        {"tools": VARIANTS["tools"], "bare": VARIANTS["bare"]},
        budget_usd=1.0,
        api_key=KEY,
        base_url=emu.base_url,
        out_dir=tmp_path / "run",
        progress=False,
    )
    saved = result.save(tmp_path / "saved")
    assert saved == tmp_path / "saved"
    logs = sorted(p.name for p in (saved / "logs").iterdir())
    assert logs == sorted(Path(p).name for p in result.runs["log_path"]) and len(logs) == 4
    again = evals.load(saved)
    pd.testing.assert_frame_equal(again.turns, result.turns)
    pd.testing.assert_frame_equal(again.checks, result.checks)
    pd.testing.assert_frame_equal(again.summary, result.summary)
    pd.testing.assert_frame_equal(
        again.runs.drop(columns="log_path"), result.runs.drop(columns="log_path")
    )
    assert all(p.startswith(str(saved)) for p in again.runs["log_path"])
    assert again.meta == json.loads(json.dumps(result.meta))
    assert again.meta["variants"]["tools"] == {
        "tools": ["stock_level"],
        "output_modalities": "text",
    }
    key = ("greeting", "bare", 0)
    pd.testing.assert_frame_equal(
        again.conversations[key].transcript, result.conversations[key].transcript
    )
    # The run's own folder is a saved result too (run() writes result.json there).
    pd.testing.assert_frame_equal(evals.load(tmp_path / "run").turns, result.turns)
    assert "EvalResult: 4 runs (0 failed, 0 skipped), 6 turns" in repr(again)
    assert "pass_rate" in again._repr_html_()
    with pytest.raises(KeyError, match=r"keys are \(scenario, variant, repeat\)"):
        again.conversation("greeting", "nope")
    with pytest.raises(FileNotFoundError, match=r"no result\.json"):
        evals.load(tmp_path / "empty")


def test_tables_have_their_dtypes_even_when_empty(tmp_path: Path) -> None:
    empty = evals.EvalResult(runs=[], turns=[], root=tmp_path, meta={})
    assert list(empty.turns.columns[:6]) == ["run", "scenario", "variant", "repeat", "turn", "kind"]
    assert empty.turns["passed"].dtype == "boolean" and empty.runs.empty
    assert empty.summary.empty and empty.stopped is None
    assert list(empty.summarize(["scenario", "variant"]).index.names) == ["scenario", "variant"]
    with pytest.raises(ValueError, match="summarize"):
        empty.summarize("model")
