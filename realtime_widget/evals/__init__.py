"""Compare versions of a voice agent: scenarios × variants × repeats, checks, one DataFrame.

    from realtime_widget import evals

    capital = evals.Scenario(
        "capital",
        turns=["What is the capital of France?"],
        expect=[evals.contains("Paris"), evals.first_response_within(1500)],
    )
    result = await evals.run(
        [capital],
        {"brief": {"instructions": "Be brief."}, "warm": {"instructions": "Be warm."}},
        repeats=3,
    )
    result.summary          # per variant: pass rate (Wilson 95 %), latency, cost per turn
    result.turns            # one row per scenario × variant × repeat × turn

Each run is a headless `RealtimeSession` (no key: the built-in emulator). In a script,
`evals.run_sync(...)`. Scenario files (YAML / JSON): `evals.load_scenarios(path)`, the
format in docs/evals.md. Nothing heavy is imported here beyond what `realtime_widget`
itself loads; ipywidgets, PyYAML and httpx are imported when used.
"""

from __future__ import annotations

from .checks import (
    Check,
    Outcome,
    check,
    contains,
    cost_under,
    first_audio_within,
    first_response_within,
    matches,
    not_contains,
    tool_called,
    tool_not_called,
)
from .files import ScenarioFileError, load_scenarios, scenario_from, scenarios_from
from .judge import Judge, judge
from .result import EvalResult, load
from .runner import run, run_sync
from .scenario import (
    BargeIn,
    Item,
    Pause,
    Scenario,
    UserAudio,
    UserText,
    audio,
    barge_in,
    pause,
    user,
)
from .summary import wilson
from .turn import ToolCallMade, Turn

__all__ = [
    "BargeIn",
    "Check",
    "EvalResult",
    "Item",
    "Judge",
    "Outcome",
    "Pause",
    "Scenario",
    "ScenarioFileError",
    "ToolCallMade",
    "Turn",
    "UserAudio",
    "UserText",
    "audio",
    "barge_in",
    "check",
    "contains",
    "cost_under",
    "first_audio_within",
    "first_response_within",
    "judge",
    "load",
    "load_scenarios",
    "matches",
    "not_contains",
    "pause",
    "run",
    "run_sync",
    "scenario_from",
    "scenarios_from",
    "tool_called",
    "tool_not_called",
    "user",
    "wilson",
]
