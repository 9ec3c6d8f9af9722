"""`evals.run`: every scenario × variant × repeat as a headless `RealtimeSession`.

Runs go in grid order (repeat, then scenario, then variant: a budget that stops the grid
leaves whole rounds of every variant), at most `concurrency` at once. Each run has its
own session, logged as JSON Lines in `out_dir/logs/`; a run that fails (its session
refused, an emulator fault, a timeout) is recorded with its error and the others go on.
Budgets stop *starting* runs (budget.py). When the grid is done, `out_dir/result.json` is
written, so the folder is a saved result (`evals.load(out_dir)`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import difflib
import inspect
import logging
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from realtime_widget import config
from realtime_widget.connection_inputs import normalize_api_key, normalize_base_url
from realtime_widget.conversation import Conversation
from realtime_widget.minting import redact
from realtime_widget.session import RealtimeSession
from realtime_widget.tools import ToolRegistry

from .budget import Budget
from .checks import Outcome
from .files import load_scenarios
from .play import play
from .progress import make_progress
from .result import LOG_DIR, RESULT_FILE, EvalResult, json_float, turn_passed
from .scenario import Scenario, kind_of
from .turn import Mark, Turn, turns_of

log = logging.getLogger("realtime_widget")

_PARAMETERS = inspect.signature(RealtimeSession.__init__).parameters
#: What a variant may set: `RealtimeSession`'s arguments (but the log, which is the
#: runner's) and `tools`.
SESSION_ARGUMENTS = tuple(n for n in _PARAMETERS if n not in ("self", "log_path"))
VARIANT_KEYS = (*SESSION_ARGUMENTS, "tools")
_SESSION_FIELDS = (
    "model",
    "voice",
    "instructions",
    "turn_detection",
    "transcription",
    "noise_reduction",
    "output_modalities",
    "reasoning_effort",
    "parallel_tool_calls",
    "speed",
    "tracing",
)
_DEFAULTS = {n: _PARAMETERS[n].default for n in _SESSION_FIELDS}

Tools = Sequence[Callable[..., Any]] | Mapping[str, Callable[..., Any]]


@dataclass(frozen=True)
class RunSpec:
    run: int
    scenario: Scenario
    variant: str
    repeat: int
    settings: Mapping[str, Any]  # RealtimeSession arguments
    tools: tuple[tuple[str | None, Callable[..., Any]], ...]
    log: str  # relative to the output folder


# -- checking the arguments -----------------------------------------------------------------


def _tool_list(value: object, where: str) -> list[tuple[str | None, Callable[..., Any]]]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        pairs: list[tuple[str | None, Any]] = list(value.items())
    elif isinstance(value, Iterable) and not isinstance(value, str | bytes):
        pairs = [(None, fn) for fn in value]
    else:
        raise TypeError(f"{where}: tools must be a list of functions or a dict name → function")
    check = ToolRegistry()
    for name, fn in pairs:
        if not callable(fn):
            raise TypeError(f"{where}: tools must be Python functions, got {fn!r}")
        check.add(fn, name=name)  # a function that cannot be described fails here, not later
    return pairs


def _merge_tools(
    common: list[tuple[str | None, Callable[..., Any]]],
    own: list[tuple[str | None, Callable[..., Any]]],
) -> tuple[tuple[str | None, Callable[..., Any]], ...]:
    # The variant's tool replaces a common one of the same name.
    def key(pair: tuple[str | None, Callable[..., Any]]) -> str:
        return pair[0] or str(getattr(pair[1], "__name__", repr(pair[1])))

    merged = {key(p): p for p in common}
    merged.update({key(p): p for p in own})
    return tuple(merged.values())


def check_variants(variants: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Each variant's settings, checked as `RealtimeSession` would check them (before
    any run starts), with an error naming the variant."""
    if variants is None:
        return {"default": {}}
    if not isinstance(variants, Mapping) or not variants:
        raise TypeError(
            "variants must be a non-empty dict of name → session settings, e.g. "
            '{"brief": {"instructions": "Be brief."}}'
        )
    out: dict[str, dict[str, Any]] = {}
    for name, settings in variants.items():
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"a variant's name must be a non-empty str, got {name!r}")
        if not isinstance(settings, Mapping):
            raise TypeError(f"variant {name!r}: settings must be a dict, got {settings!r}")
        for key in settings:
            if key not in VARIANT_KEYS:
                close = difflib.get_close_matches(str(key), VARIANT_KEYS, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(f"variant {name!r}: unknown setting {key!r}{hint}")
        try:
            fields = {k: settings[k] for k in _SESSION_FIELDS if k in settings}
            config.checked_session({**_DEFAULTS, **fields})
            normalize_api_key(settings.get("api_key"))
            normalize_base_url(settings.get("base_url"))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"variant {name!r}: {exc}") from None
        out[name] = dict(settings)
    return out


def check_scenarios(scenarios: object) -> list[Scenario]:
    if isinstance(scenarios, str | os.PathLike):
        return load_scenarios(scenarios)
    if isinstance(scenarios, Scenario):
        return [scenarios]
    if not isinstance(scenarios, Iterable):
        raise TypeError("scenarios must be a Scenario, a list of them, or a scenario file path")
    found: list[Scenario] = []
    for s in scenarios:
        if not isinstance(s, Scenario):
            raise TypeError(f"scenarios must be evals.Scenario objects, got {type(s).__name__}")
        found.append(s)
    if not found:
        raise ValueError("no scenario to run")
    names = [s.name for s in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"two scenarios are named {twice[0]!r}; names must be unique")
    return found


def _positive_int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    return value


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:40] or "x"


def _out_dir(out_dir: str | os.PathLike[str] | None) -> Path:
    if out_dir is None:
        return Path(tempfile.mkdtemp(prefix="realtime-evals-"))
    folder = Path(out_dir)
    if (folder / RESULT_FILE).exists() or (folder / LOG_DIR).exists():
        raise FileExistsError(
            f"{str(folder)!r} already holds a result (its {RESULT_FILE} or {LOG_DIR}/); "
            "give run() a new folder (out_dir=) so no log is appended to"
        )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def plan_grid(
    scenarios: Sequence[Scenario],
    variants: Mapping[str, Mapping[str, Any]],
    repeats: int,
    *,
    tools: list[tuple[str | None, Callable[..., Any]]],
    connection: Mapping[str, Any],
) -> list[RunSpec]:
    """Every run in grid order: repeat, then scenario, then variant."""
    specs: list[RunSpec] = []
    for repeat in range(repeats):
        for scenario in scenarios:
            for variant, settings in variants.items():
                run = len(specs)
                own = _tool_list(settings.get("tools"), f"variant {variant!r}")
                session = {**connection, **{k: v for k, v in settings.items() if k != "tools"}}
                log = f"{LOG_DIR}/{run:04d}-{_slug(scenario.name)}-{_slug(variant)}-r{repeat}.jsonl"
                specs.append(
                    RunSpec(run, scenario, variant, repeat, session, _merge_tools(tools, own), log)
                )
    return specs


# -- one run --------------------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, RuntimeError) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def _outcomes(turn: Turn, spec: RunSpec) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for check in spec.scenario.plan[turn.index]:
        if not turn.reached:
            outcome = Outcome(None, f"not reached: {turn.error}")
        else:
            outcome = await check.evaluate_async(turn)
        out.append({"check": check.label, "passed": outcome.passed, "reason": outcome.reason})
    return out


def _turn_row(turn: Turn, run: int, checks: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "run": run,
        "scenario": turn.scenario,
        "variant": turn.variant,
        "repeat": turn.repeat,
        "turn": turn.index,
        "kind": turn.kind,
        "user_text": turn.user_text,
        "reply": turn.reply,
        "heard": turn.heard,
        "tool_calls": [
            {"name": c.name, "arguments": c.arguments, "output": c.output} for c in turn.tool_calls
        ],
        "status": turn.status,
        "interrupted": turn.interrupted,
        "reached": turn.reached,
        "to_response_ms": json_float(turn.to_response_ms),
        "to_first_delta_ms": json_float(turn.to_first_delta_ms),
        "to_audio_ms": json_float(turn.to_audio_ms),
        "input_tokens": turn.input_tokens,
        "output_tokens": turn.output_tokens,
        "total_tokens": turn.total_tokens,
        "cost_usd": json_float(turn.cost_usd),
        "error": turn.error,
        "checks": checks,
    }


def skipped_row(spec: RunSpec, reason: str) -> dict[str, Any]:
    return {
        "run": spec.run,
        "scenario": spec.scenario.name,
        "variant": spec.variant,
        "repeat": spec.repeat,
        "status": "skipped",
        "passed": None,
        "error": "",
        "skip_reason": reason,
        "log": "",
        "started_at": None,
        "duration_s": None,
        "turns": 0,
        "checks": 0,
        "checks_passed": 0,
        "checks_failed": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "total_tokens": 0,
        "cost_usd": None,
        "model": "",
        "events": 0,
    }


async def run_one(
    spec: RunSpec, root: Path, timeout_s: float
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Play one scenario on one new session; never raises for what goes wrong in the run
    (its error is in the run's row)."""
    loop = asyncio.get_running_loop()
    started, t0 = time.time(), loop.time()
    marks: list[Mark] = []
    error = ""
    session: RealtimeSession | None = None
    key = spec.settings.get("api_key")
    try:
        session = RealtimeSession(**spec.settings, log_path=root / spec.log)
        for name, fn in spec.tools:
            session.add_tool(fn, name=name)
        await session.connect(timeout=timeout_s)
        await play(session, spec.scenario, marks, timeout_s=timeout_s)
    except Exception as exc:  # one failing run is recorded; the grid goes on
        error = redact(_describe(exc), key if isinstance(key, str) else None) or "failed"
    finally:
        if session is not None:
            with contextlib.suppress(Exception):
                await session.close()
            session.conversation.close()
    duration = loop.time() - t0
    conversation = session.conversation if session is not None else Conversation()
    spoken = spec.scenario.spoken
    turns = turns_of(
        conversation,
        marks,
        scenario=spec.scenario.name,
        variant=spec.variant,
        repeat=spec.repeat,
        count=len(spoken),
        kinds=[kind_of(t) for t in spoken],
        said=[t.describe for t in spoken],
        error=f"the run failed before this turn: {error}" if error else "",
    )
    rows = [_turn_row(t, spec.run, await _outcomes(t, spec)) for t in turns]
    checks = [c for r in rows for c in r["checks"]]
    cost = conversation.cost() if session is not None else 0.0
    usage = conversation.usage
    run = {
        **skipped_row(spec, ""),
        "status": "error" if error else "completed",
        "passed": False if error else turn_passed(checks),
        "error": error,
        "log": spec.log if (root / spec.log).exists() else "",
        "started_at": started,
        "duration_s": duration,
        "turns": sum(1 for t in turns if t.reached),
        "checks": sum(1 for c in checks if c["passed"] is not None),
        "checks_passed": sum(1 for c in checks if c["passed"] is True),
        "checks_failed": sum(1 for c in checks if c["passed"] is False),
        "input_tokens": int(usage["input_tokens"].sum()),
        "output_tokens": int(usage["output_tokens"].sum()),
        "total_tokens": int(usage["total_tokens"].sum()),
        "cost_usd": json_float(cost),
        "model": conversation.model if session is not None else "",
        "events": len(conversation),
    }
    return run, rows


# -- the grid -------------------------------------------------------------------------------


def _public(settings: Mapping[str, Any]) -> dict[str, Any]:
    """A variant's settings as saved: no key, tools by name, other values as JSON."""
    out: dict[str, Any] = {}
    for key, value in settings.items():
        if key == "api_key":
            continue
        if key == "tools":
            out[key] = [n or getattr(f, "__name__", "?") for n, f in _tool_list(value, key)]
        elif value is None or isinstance(value, str | int | float | bool | list | dict | tuple):
            out[key] = list(value) if isinstance(value, tuple) else value
        else:
            out[key] = repr(value)
    return out


async def run(
    scenarios: Scenario | Iterable[Scenario] | str | os.PathLike[str],
    variants: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    repeats: int = 1,
    concurrency: int = 4,
    budget_usd: float | None = None,
    budget_minutes: float | None = None,
    tools: Tools | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    timeout_s: float = 60.0,
    progress: bool = True,
) -> EvalResult:
    """Run every scenario × variant × repeat, each as its own headless `RealtimeSession`.

    `scenarios`: `Scenario`s, or a YAML / JSON scenario file. `variants`: name → session
    settings (`RealtimeSession`'s arguments: instructions, model, voice, reasoning_effort,
    turn_detection, output_modalities, …, and `tools`, a list of Python functions);
    None: one variant "default". `tools`: functions every variant offers. `api_key` /
    `base_url`: where every session connects, unless a variant says otherwise (no key
    anywhere: the built-in emulator). At most `concurrency` sessions at once. A budget
    (`budget_usd`, `budget_minutes` of wall time) stops starting runs when the next would
    exceed it (estimated from the runs so far); those runs are in `result.runs` as
    skipped, with the reason. `timeout_s`: for connecting and for each reply. Logs and
    `result.json` go to `out_dir` (default: a new temporary folder). `progress`: a bar in
    a notebook, a line per run in a script.
    """
    found = check_scenarios(scenarios)
    settings = check_variants(variants)
    repeats = _positive_int("repeats", repeats)
    concurrency = _positive_int("concurrency", concurrency)
    budget = Budget(budget_usd, budget_minutes)
    if not isinstance(timeout_s, int | float) or not math.isfinite(timeout_s) or timeout_s <= 0:
        raise ValueError(f"timeout_s must be a number of seconds > 0, got {timeout_s!r}")
    connection: dict[str, Any] = {}
    if api_key is not None:
        connection["api_key"] = normalize_api_key(api_key)
    if base_url is not None:
        connection["base_url"] = normalize_base_url(base_url)
    common_tools = _tool_list(tools, "run(tools=...)")
    specs = plan_grid(found, settings, repeats, tools=common_tools, connection=connection)
    root = _out_dir(out_dir)
    (root / LOG_DIR).mkdir(parents=True, exist_ok=True)

    loop = asyncio.get_running_loop()
    t0 = loop.time()
    report = make_progress(progress, len(specs))
    run_rows: dict[int, dict[str, Any]] = {}
    turn_rows: dict[int, list[dict[str, Any]]] = {}
    running: dict[asyncio.Task[tuple[dict[str, Any], list[dict[str, Any]]]], RunSpec] = {}
    stopped: str | None = None

    def finished(task: asyncio.Task[tuple[dict[str, Any], list[dict[str, Any]]]]) -> None:
        spec = running.pop(task)
        failure = task.exception()
        if failure is None:
            row, rows = task.result()
        else:
            # A bug of this package reading the run, not the run's own failure (run_one
            # records those): the grid goes on all the same, the run says what happened.
            log.error("evals: reading run %d failed", spec.run, exc_info=failure)
            row = {**skipped_row(spec, ""), "status": "error", "passed": False}
            row["error"] = f"internal error reading the run: {_describe(failure)}"
            rows = []
        run_rows[spec.run], turn_rows[spec.run] = row, rows
        report.run_done(row)

    async def wait_one() -> None:
        done, _ = await asyncio.wait(list(running), return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            finished(task)

    try:
        for spec in specs:
            # With a budget and no run finished yet there is no estimate: one run alone.
            while len(running) >= concurrency or (budget.active and running and not run_rows):
                await wait_one()
            if stopped is None:
                done_rows = [r for r in run_rows.values() if r["status"] != "skipped"]
                stopped = budget.refusal(
                    costs=[math.nan if r["cost_usd"] is None else r["cost_usd"] for r in done_rows],
                    durations=[r["duration_s"] for r in done_rows],
                    in_flight=len(running),
                    elapsed_s=loop.time() - t0,
                )
            if stopped is not None:
                run_rows[spec.run], turn_rows[spec.run] = skipped_row(spec, stopped), []
                report.run_done(run_rows[spec.run])
                continue
            task = asyncio.ensure_future(run_one(spec, root, float(timeout_s)))
            running[task] = spec
        while running:
            await wait_one()
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)

    wall = loop.time() - t0
    meta = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenarios": [s.name for s in found],
        "variants_order": list(settings),
        "variants": {name: _public(v) for name, v in settings.items()},
        "repeats": repeats,
        "concurrency": concurrency,
        "budget_usd": budget.usd,
        "budget_minutes": budget.minutes,
        "stopped": stopped,
        "wall_s": wall,
        "run_s": math.fsum(r["duration_s"] or 0.0 for r in run_rows.values()),
    }
    result = EvalResult(
        runs=[run_rows[i] for i in sorted(run_rows)],
        turns=[row for i in sorted(turn_rows) for row in turn_rows[i]],
        root=root,
        meta=meta,
    )
    result.save(root)
    skipped = sum(1 for r in run_rows.values() if r["status"] == "skipped")
    errors = sum(1 for r in run_rows.values() if r["status"] == "error")
    note = f"{len(specs) - skipped} runs in {wall:.1f} s ({errors} failed, {skipped} skipped)"
    report.close(note + (f"; stopped: {stopped}" if stopped else "") + f"; saved in {root}")
    return result


def run_sync(
    scenarios: Scenario | Iterable[Scenario] | str | os.PathLike[str],
    variants: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    repeats: int = 1,
    concurrency: int = 4,
    budget_usd: float | None = None,
    budget_minutes: float | None = None,
    tools: Tools | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    timeout_s: float = 60.0,
    progress: bool = True,
) -> EvalResult:
    """`run` for a script (no event loop running); in a notebook, `await evals.run(...)`."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(
            run(
                scenarios,
                variants,
                repeats=repeats,
                concurrency=concurrency,
                budget_usd=budget_usd,
                budget_minutes=budget_minutes,
                tools=tools,
                api_key=api_key,
                base_url=base_url,
                out_dir=out_dir,
                timeout_s=timeout_s,
                progress=progress,
            )
        )
    raise RuntimeError(
        "an event loop is already running here (a notebook cell?): use "
        "`result = await evals.run(...)` instead of run_sync"
    )
