"""`EvalResult`: the runs and turns of a grid as DataFrames, their logs, and persistence.

The result holds plain rows (JSON values only), so saving is writing them and loading is
reading them back: the tables are rebuilt from the rows either way, with the same dtypes.
A run's event log (JSON Lines, the public format) is in `logs/` under the result's folder;
`conversations[(scenario, variant, repeat)]` opens it as a `Conversation`.

    result.save("evals/2026-12-02")   # result.json + logs/*.jsonl
    again = evals.load("evals/2026-12-02")
"""

from __future__ import annotations

import html
import json
import math
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from realtime_widget.conversation import Conversation

from .summary import summary_frame

FORMAT = "realtime_widget.evals/1"
RESULT_FILE = "result.json"
LOG_DIR = "logs"

TURN_COLUMNS = (
    "run",
    "scenario",
    "variant",
    "repeat",
    "turn",
    "kind",
    "user_text",
    "reply",
    "heard",
    "tool_calls",
    "status",
    "interrupted",
    "reached",
    "to_response_ms",
    "to_first_delta_ms",
    "to_audio_ms",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost_usd",
    "passed",
    "failed_checks",
    "error",
)
RUN_COLUMNS = (
    "run",
    "scenario",
    "variant",
    "repeat",
    "status",
    "passed",
    "error",
    "skip_reason",
    "log_path",
    "started_at",
    "duration_s",
    "turns",
    "checks",
    "checks_passed",
    "checks_failed",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost_usd",
    "model",
    "events",
)
CHECK_COLUMNS = ("run", "scenario", "variant", "repeat", "turn", "check", "passed", "reason")
_FLOATS = ("to_response_ms", "to_first_delta_ms", "to_audio_ms", "cost_usd", "duration_s")
_INTS = ("run", "repeat", "turn", "input_tokens", "output_tokens", "total_tokens", "events")


def json_float(value: float | None) -> float | None:
    """NaN → None: JSON has no NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def turn_passed(checks: Sequence[Mapping[str, Any]]) -> bool | None:
    """All decided checks passed (None: no check was decided)."""
    decided = [c["passed"] for c in checks if c["passed"] is not None]
    return all(decided) if decided else None


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for name in frame.columns:
        if name in _FLOATS:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
        elif name in _INTS or name in ("turns", "checks", "checks_passed", "checks_failed"):
            frame[name] = frame[name].astype("int64")
    return frame


class _Conversations(Mapping[tuple[str, str, int], Conversation]):
    """Each run's conversation, read from its log when first asked for."""

    def __init__(self, result: EvalResult) -> None:
        self._result = result
        self._open: dict[tuple[str, str, int], Conversation] = {}

    def _runs(self) -> dict[tuple[str, str, int], Mapping[str, Any]]:
        return {
            (r["scenario"], r["variant"], int(r["repeat"])): r
            for r in self._result.run_rows
            if r["log"]
        }

    def __getitem__(self, key: tuple[str, str, int]) -> Conversation:
        runs = self._runs()
        if key not in runs:
            known = ", ".join(repr(k) for k in list(runs)[:6])
            raise KeyError(f"no logged run {key!r}; keys are (scenario, variant, repeat): {known}")
        if key not in self._open:
            row = runs[key]
            self._open[key] = Conversation.load(
                self._result.root / row["log"], model=row["model"] or "gpt-realtime"
            )
        return self._open[key]

    def __iter__(self) -> Iterator[tuple[str, str, int]]:
        return iter(self._runs())

    def __len__(self) -> int:
        return len(self._runs())


class EvalResult:
    """What `evals.run` found. Tables: `turns` (one row per scenario × variant × repeat ×
    spoken turn, with a column per check and its reason), `checks` (one row per check of a
    turn), `runs` (one row per run, skipped ones included, with its log), `summary` (per
    variant). `conversations[(scenario, variant, repeat)]`: a run's `Conversation`."""

    def __init__(
        self,
        *,
        runs: Sequence[Mapping[str, Any]],
        turns: Sequence[Mapping[str, Any]],
        root: str | os.PathLike[str],
        meta: Mapping[str, Any],
    ) -> None:
        self.run_rows: list[dict[str, Any]] = [dict(r) for r in runs]
        self.turn_rows: list[dict[str, Any]] = [dict(t) for t in turns]
        #: The folder the run logs are in (`logs/` under it).
        self.root = Path(root)
        #: How the grid was run: scenarios, variants (no keys), repeats, budgets, when.
        self.meta: dict[str, Any] = dict(meta)
        self.conversations: Mapping[tuple[str, str, int], Conversation] = _Conversations(self)

    # -- tables ---------------------------------------------------------------------------

    @property
    def turns(self) -> pd.DataFrame:
        rows = self.turn_rows
        labels = list(dict.fromkeys(c["check"] for t in rows for c in t["checks"]))
        data: dict[str, list[Any]] = {name: [] for name in TURN_COLUMNS}
        for t in rows:
            for name in TURN_COLUMNS:
                if name == "failed_checks":
                    data[name].append([c["check"] for c in t["checks"] if c["passed"] is False])
                elif name == "passed":
                    data[name].append(turn_passed(t["checks"]))
                else:
                    data[name].append(t[name])
        frame = _typed(pd.DataFrame(data, columns=list(TURN_COLUMNS)))
        frame["passed"] = frame["passed"].astype("boolean")
        frame["interrupted"] = frame["interrupted"].astype("bool")
        frame["reached"] = frame["reached"].astype("bool")
        columns: dict[str, Any] = {}
        for label in labels:
            found = [next((c for c in t["checks"] if c["check"] == label), None) for t in rows]
            columns[label] = pd.array([c and c["passed"] for c in found], dtype="boolean")
            columns[f"{label}: reason"] = pd.array(
                [c["reason"] if c else None for c in found], dtype="object"
            )
        if columns:
            frame = pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1)
        return frame

    @property
    def checks(self) -> pd.DataFrame:
        data: dict[str, list[Any]] = {name: [] for name in CHECK_COLUMNS}
        for t in self.turn_rows:
            for c in t["checks"]:
                for name in ("run", "scenario", "variant", "repeat", "turn"):
                    data[name].append(t[name])
                data["check"].append(c["check"])
                data["passed"].append(c["passed"])
                data["reason"].append(c["reason"])
        frame = _typed(pd.DataFrame(data, columns=list(CHECK_COLUMNS)))
        frame["passed"] = frame["passed"].astype("boolean")
        return frame

    @property
    def runs(self) -> pd.DataFrame:
        data: dict[str, list[Any]] = {name: [] for name in RUN_COLUMNS}
        for r in self.run_rows:
            for name in RUN_COLUMNS:
                if name == "log_path":
                    data[name].append(str(self.root / r["log"]) if r["log"] else None)
                elif name == "started_at":
                    data[name].append(r["started_at"])
                else:
                    data[name].append(r[name])
        frame = _typed(pd.DataFrame(data, columns=list(RUN_COLUMNS)))
        frame["passed"] = frame["passed"].astype("boolean")
        started = pd.to_numeric(frame["started_at"], errors="coerce").astype("float64")
        frame["started_at"] = pd.to_datetime(started * 1e6, unit="us", utc=True)
        return frame

    @property
    def skipped(self) -> pd.DataFrame:
        """The runs a budget kept from starting, and why."""
        runs = self.runs
        return runs[runs["status"] == "skipped"][
            ["run", "scenario", "variant", "repeat", "skip_reason"]
        ]

    @property
    def stopped(self) -> str | None:
        """Why the grid stopped starting runs (a budget), None when every run started."""
        reason = self.meta.get("stopped")
        return reason if isinstance(reason, str) else None

    def summarize(self, by: str | Sequence[str] = "variant") -> pd.DataFrame:
        """Pass rate (Wilson 95 % interval), latency median / p95, cost per turn, per
        group of `by` ("variant", "scenario", or both)."""
        keys = [by] if isinstance(by, str) else list(by)
        for key in keys:
            if key not in ("variant", "scenario"):
                raise ValueError(
                    f"summarize(by=...) takes 'variant' and/or 'scenario', got {key!r}"
                )
        order = {
            "variant": self.meta.get("variants_order", []),
            "scenario": self.meta.get("scenarios", []),
        }
        return summary_frame(self.run_rows, self.turn_rows, keys, order)

    @property
    def summary(self) -> pd.DataFrame:
        """Per variant: runs, errors, skipped, pass rate with its Wilson 95 % interval
        over the runs (a run passes when no check of it failed), check pass rate, median
        and p95 ms to the first response event and to the first audio, mean cost per turn
        and total cost."""
        return self.summarize("variant")

    def conversation(self, scenario: str, variant: str, repeat: int = 0) -> Conversation:
        """The `Conversation` of one run (read from its log)."""
        return self.conversations[(scenario, variant, repeat)]

    # -- persistence ----------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write `result.json` and every run's log (`logs/`) into the folder `path`
        (made if missing); `evals.load(path)` reads it back. Returns the folder."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        for row in self.run_rows:
            if not row["log"]:
                continue
            source, target = self.root / row["log"], folder / row["log"]
            if source.resolve() != target.resolve() and source.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
        document = {
            "format": FORMAT,
            "meta": self.meta,
            "runs": self.run_rows,
            "turns": self.turn_rows,
        }
        text = json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False)
        (folder / RESULT_FILE).write_text(text + "\n", encoding="utf-8")
        return folder

    def __repr__(self) -> str:
        played = sum(1 for r in self.run_rows if r["status"] != "skipped")
        errors = sum(1 for r in self.run_rows if r["status"] == "error")
        return (
            f"<EvalResult: {played} runs ({errors} failed, "
            f"{len(self.run_rows) - played} skipped), {len(self.turn_rows)} turns, in {self.root}>"
        )

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>{self.summary.to_html()}"


def load(path: str | os.PathLike[str]) -> EvalResult:
    """An `EvalResult` saved with `.save(path)` (its logs in `path/logs/`)."""
    folder = Path(path)
    file = folder / RESULT_FILE
    if not file.is_file():
        raise FileNotFoundError(f"no {RESULT_FILE} in {str(folder)!r}: save a result there first")
    document = json.loads(file.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{str(file)!r} is not an evals result ({FORMAT})")
    return EvalResult(
        runs=document["runs"], turns=document["turns"], root=folder, meta=document["meta"]
    )
