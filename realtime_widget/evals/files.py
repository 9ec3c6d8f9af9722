"""Scenarios from a YAML or JSON file (the format: docs/evals.md).

    scenarios:
      - name: capital
        turns:
          - user: What is the capital of France?
            expect:
              - contains: Paris
              - first_response_within_ms: 2000
          - audio: question.wav          # relative to the file
          - pause_ms: 300
          - barge_in: {after_ms: 200, say: Stop, please.}
        expect:
          - tool_not_called: null

Every entry is checked; an error names the file, the scenario and the entry. The checks
are built by the same functions as in Python, so a file and the same scenarios written
in Python give the same result.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from . import checks as C
from .checks import Check
from .judge import judge
from .scenario import Pause, Scenario, ScenarioTurn, UserAudio, audio, barge_in, pause, user

#: Check kinds: the key that names the check, what builds it from its value and the
#: modifiers the entry may carry besides (plus `turn` and `name` for every kind).
_CHECKS: dict[str, tuple[Callable[..., Check], tuple[str, ...]]] = {
    "contains": (C.contains, ("case_sensitive",)),
    "not_contains": (C.not_contains, ("case_sensitive",)),
    "matches": (C.matches, ("case_sensitive",)),
    "tool_called": (C.tool_called, ("args",)),
    "tool_not_called": (C.tool_not_called, ()),
    "first_response_within_ms": (C.first_response_within, ()),
    "first_audio_within_ms": (C.first_audio_within, ()),
    "cost_under_usd": (C.cost_under, ()),
    "judge": (judge, ("model",)),
}
_TURN_KEYS = ("user", "audio", "pause_ms", "barge_in")


class ScenarioFileError(ValueError):
    """A scenario file that cannot be read as scenarios; the message says where."""


def _check(entry: object, where: str, *, in_turn: bool) -> Check:
    if isinstance(entry, str):
        entry = {entry: None}
    if not isinstance(entry, Mapping):
        raise ScenarioFileError(f"{where}: a check is a mapping such as {{contains: Paris}}")
    kinds = [k for k in entry if k in _CHECKS]
    if len(kinds) != 1:
        raise ScenarioFileError(
            f"{where}: a check names exactly one kind of {sorted(_CHECKS)}; got {sorted(entry)}"
        )
    kind = kinds[0]
    build, extras = _CHECKS[kind]
    allowed = {kind, *extras, "name"} | (set() if in_turn else {"turn"})
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise ScenarioFileError(
            f"{where}: {kind} takes {sorted(allowed - {kind})}, not {unknown}"
            + (
                " (a check in a turn's expect checks that turn: no turn:)"
                if "turn" in unknown
                else ""
            )
        )
    kwargs: dict[str, Any] = {k: entry[k] for k in extras if k in entry}
    if "turn" in entry:
        kwargs["turn"] = entry["turn"]
    if "name" in entry:
        kwargs["label" if kind in ("tool_called", "tool_not_called") else "name"] = entry["name"]
    try:
        if kind == "tool_called" and "args" in kwargs:
            return build(entry[kind], kwargs.pop("args"), **kwargs)
        return build(entry[kind], **kwargs)
    except (TypeError, ValueError) as exc:
        raise ScenarioFileError(f"{where}: {exc}") from None


def _expect(value: object, where: str, *, in_turn: bool) -> list[Check]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ScenarioFileError(f"{where}: expect must be a list of checks")
    return [_check(e, f"{where} check {i}", in_turn=in_turn) for i, e in enumerate(value)]


def _audio(value: object, base: Path, where: str) -> UserAudio:
    if not isinstance(value, str):
        raise ScenarioFileError(f"{where}: audio must be a WAV file path")
    path = Path(value) if Path(value).is_absolute() else base / value
    try:
        return audio(path)
    except (TypeError, ValueError) as exc:
        raise ScenarioFileError(f"{where}: {exc}") from None


def _turn(entry: object, base: Path, where: str) -> ScenarioTurn:
    if isinstance(entry, str):
        return user(entry)
    if not isinstance(entry, Mapping):
        raise ScenarioFileError(f"{where}: a turn is a mapping with one of {list(_TURN_KEYS)}")
    kinds = [k for k in _TURN_KEYS if k in entry]
    if len(kinds) != 1:
        raise ScenarioFileError(
            f"{where}: a turn has exactly one of {list(_TURN_KEYS)}; got {sorted(entry)}"
        )
    kind = kinds[0]
    extra = sorted(set(entry) - {kind, "expect"})
    if extra:
        raise ScenarioFileError(f"{where}: unknown key(s) {extra} in a {kind} turn")
    expect = _expect(entry.get("expect"), where, in_turn=True)
    value = entry[kind]
    try:
        if kind == "user":
            if not isinstance(value, str):
                raise ScenarioFileError(f"{where}: user: takes the text the user says")
            return user(value, expect=expect)
        if kind == "audio":
            spoken = _audio(value, base, where)
            return UserAudio(spoken.samples, spoken.source, tuple(expect))
        if kind == "pause_ms":
            if expect:
                raise ScenarioFileError(f"{where}: a pause gets no reply, so no expect")
            made: Pause = pause(value)
            return made
        if not isinstance(value, Mapping) or set(value) - {"after_ms", "say", "say_audio"}:
            raise ScenarioFileError(
                f"{where}: barge_in takes {{after_ms: ..., say: text}} or {{after_ms: ..., "
                "say_audio: file.wav}}"
            )
        if ("say" in value) == ("say_audio" in value):
            raise ScenarioFileError(f"{where}: barge_in needs one of say: or say_audio:")
        say: Any = value["say"] if "say" in value else _audio(value["say_audio"], base, where)
        return barge_in(after_ms=value.get("after_ms"), say=say, expect=expect)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ScenarioFileError):
            raise
        raise ScenarioFileError(f"{where}: {exc}") from None


def scenario_from(data: object, base: str | os.PathLike[str] = ".", where: str = "") -> Scenario:
    """One scenario from its plain description (a dict as the file holds it); audio
    paths are relative to `base`."""
    if not isinstance(data, Mapping):
        raise ScenarioFileError(
            f"{where or 'a scenario'}: a scenario is a mapping with name: and turns:"
        )
    name = data.get("name")
    label = f"{where}scenario {name!r}"
    unknown = sorted(set(data) - {"name", "description", "setup", "turns", "expect"})
    if unknown:
        raise ScenarioFileError(f"{label}: unknown key(s) {unknown}")
    turns = data.get("turns")
    if not isinstance(turns, list):
        raise ScenarioFileError(f"{label}: turns: must be a list")
    folder = Path(base)
    built = [_turn(t, folder, f"{label} turn {i}") for i, t in enumerate(turns)]
    try:
        return Scenario(
            name,  # type: ignore[arg-type]
            turns=built,
            expect=_expect(data.get("expect"), f"{label} expect", in_turn=False),
            setup=data.get("setup") or [],
            description=data.get("description") or "",
        )
    except (TypeError, ValueError) as exc:
        raise ScenarioFileError(f"{label}: {exc}") from None


def scenarios_from(
    data: object, base: str | os.PathLike[str] = ".", where: str = ""
) -> list[Scenario]:
    """Scenarios from a file's content: {scenarios: [...]}, a list, or one scenario."""
    if isinstance(data, Mapping) and "scenarios" in data:
        if set(data) - {"scenarios"}:
            raise ScenarioFileError(f"{where}the top level has only scenarios:")
        data = data["scenarios"]
    items = data if isinstance(data, list) else [data]
    if not items:
        raise ScenarioFileError(f"{where}no scenario in it")
    found = [scenario_from(s, base, where) for s in items]
    names = [s.name for s in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ScenarioFileError(f"{where}two scenarios are named {twice[0]!r}")
    return found


def load_scenarios(path: str | os.PathLike[str]) -> list[Scenario]:
    """The scenarios of a `.yaml` / `.yml` / `.json` file (audio paths relative to it)."""
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"no scenario file at {str(file)!r}")
    text = file.read_text(encoding="utf-8")
    where = f"{file.name}: "
    if file.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ScenarioFileError(f"{where}not valid JSON: {exc}") from None
    elif file.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ScenarioFileError(f"{where}not valid YAML: {exc}") from None
    else:
        raise ScenarioFileError(f"{where}a scenario file ends in .yaml, .yml or .json")
    return scenarios_from(data, file.parent, where)
