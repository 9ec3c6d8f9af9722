"""api_facts' model table against the installed `openai` SDK (the ground truth for names).

Reads the `Literal` members of `RealtimeSessionCreateRequest.model` and
`AudioTranscription.model` and parses the "Deprecated values" part of their field docstrings.
Fails when a default is deprecated there, when a model in our tables is not an SDK literal, or
when the SDK deprecates a model our table has no (or another) shutdown date for: upgrading the
SDK to one that deprecates one more model fails here until api_facts is updated.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Mapping
from datetime import date

import pytest
from openai.types.realtime import AudioTranscription, RealtimeSessionCreateRequest
from pydantic import BaseModel

from realtime_widget import api_facts as facts

_DATE = re.compile(r"Announced shutdown date:\s*(\d{4}-\d{2}-\d{2})")


def literal_members(model: type[BaseModel], field: str) -> set[str]:
    """Every str in the `Literal[...]` parts of a field's annotation."""
    found: set[str] = set()

    def walk(tp: object) -> None:
        if typing.get_origin(tp) is typing.Literal:
            found.update(a for a in typing.get_args(tp) if isinstance(a, str))
        for arg in typing.get_args(tp):
            walk(arg)

    walk(model.model_fields[field].annotation)
    return found


def field_docstring(model: type[BaseModel], field: str) -> str:
    """The string literal right after `field: ...` in the class source (pydantic drops it)."""
    source = inspect.getsource(model)
    match = re.search(
        rf"^    {re.escape(field)}:.*?\n    \"\"\"(.*?)\"\"\"", source, re.DOTALL | re.MULTILINE
    )
    assert match, f"no docstring for {model.__name__}.{field} in the SDK source"
    return match.group(1)


def deprecated_values(doc: str) -> dict[str, str]:
    """Model name -> announced shutdown date, from a "Deprecated values:" bullet list."""
    _, sep, tail = doc.partition("Deprecated values:")
    if not sep:
        return {}
    out: dict[str, str] = {}
    for bullet in re.split(r"\n\s*- ", "\n" + tail)[1:]:
        when = _DATE.search(bullet)
        assert when, f"a deprecated-values bullet without a shutdown date: {bullet!r}"
        head = bullet[: when.start()]
        for name in re.findall(r'"([^"]+)"', head):
            out[name] = when.group(1)
    return out


def problems(
    literals: set[str],
    deprecated: Mapping[str, str],
    table: Mapping[str, facts.ModelInfo],
    default: str,
) -> list[str]:
    """What is wrong with `table` (and `default`) given what the SDK says."""
    found: list[str] = []
    if default in deprecated:
        found.append(f"default {default!r} is deprecated in the SDK ({deprecated[default]})")
    for name in table:
        if name not in literals:
            found.append(f"{name!r} is in our table but not an SDK literal")
    for name, when in deprecated.items():
        info = table.get(name)
        if info is None:
            found.append(f"SDK deprecates {name!r} ({when}); our table lacks it")
        elif info.shutdown != when:
            found.append(
                f"SDK deprecates {name!r} with shutdown {when}; our table says {info.shutdown}"
            )
    return found


REALTIME_DOC = field_docstring(RealtimeSessionCreateRequest, "model")
TRANSCRIPTION_DOC = field_docstring(AudioTranscription, "model")
CASES = [
    pytest.param(
        literal_members(RealtimeSessionCreateRequest, "model"),
        REALTIME_DOC,
        facts.REALTIME_MODELS,
        facts.DEFAULT_MODEL,
        id="realtime",
    ),
    pytest.param(
        literal_members(AudioTranscription, "model"),
        TRANSCRIPTION_DOC,
        facts.TRANSCRIPTION_MODEL_INFO,
        facts.DEFAULT_TRANSCRIPTION_MODEL,
        id="transcription",
    ),
]


@pytest.mark.parametrize(("literals", "doc", "table", "default"), CASES)
def test_our_table_agrees_with_the_installed_sdk(
    literals: set[str], doc: str, table: Mapping[str, facts.ModelInfo], default: str
) -> None:
    deprecated = deprecated_values(doc)
    assert deprecated, "the SDK docstring lists no deprecated values: has its format changed?"
    assert problems(literals, deprecated, table, default) == []


@pytest.mark.parametrize(("literals", "doc", "table", "default"), CASES)
def test_one_more_deprecation_in_the_sdk_would_fail(
    literals: set[str], doc: str, table: Mapping[str, facts.ModelInfo], default: str
) -> None:
    # The same check on a docstring where the SDK also deprecates the default: it must fail.
    upgraded = doc.replace(
        "Deprecated values:\n",
        f'Deprecated values:\n\n    - "{default}": Announced shutdown date: 2028-01-01.\n',
    )
    found = problems(literals, deprecated_values(upgraded), table, default)
    assert any("default" in p for p in found)
    assert any(f"{default!r} with shutdown 2028-01-01" in p for p in found)


def test_the_docstring_parser_on_the_sdk_text() -> None:
    realtime = deprecated_values(REALTIME_DOC)
    assert realtime["gpt-realtime"] == "2027-01-20"
    assert realtime["gpt-audio-mini-2025-12-15"] == "2027-01-20"
    transcription = deprecated_values(TRANSCRIPTION_DOC)
    assert transcription["gpt-4o-transcribe-diarize"] == "2027-02-26"
    assert "gpt-live-transcribe" not in transcription


def test_defaults_are_current_and_reasoning_capable() -> None:
    assert facts.REALTIME_MODELS[facts.DEFAULT_MODEL].shutdown is None
    assert facts.REALTIME_MODELS[facts.DEFAULT_MODEL].reasoning
    assert facts.TRANSCRIPTION_MODEL_INFO[facts.DEFAULT_TRANSCRIPTION_MODEL].shutdown is None


def test_dated_names_belong_to_the_family_their_name_says() -> None:
    # The view's price lookup (js/src/pricing.ts) strips the date to find the family;
    # Python uses family_of. Both agree only while this holds.
    snapshot = re.compile(r"-\d{4}-\d{2}-\d{2}$")
    for table in (facts.REALTIME_MODELS, facts.TRANSCRIPTION_MODEL_INFO):
        for name, info in table.items():
            if snapshot.search(name):
                assert info.family == snapshot.sub("", name), name
            else:
                assert info.family == name, name


def test_model_info_and_family_of() -> None:
    info = facts.model_info("gpt-realtime-2.1-2027-03-01")
    assert info is not None and info.family == "gpt-realtime-2.1" and info.reasoning
    assert info.name == "gpt-realtime-2.1-2027-03-01"
    assert facts.model_info("gpt-realtime-2.1-mini-x") is None  # no neighbour's row
    assert facts.family_of("gpt-realtime-2025-08-28") == "gpt-realtime"
    assert facts.family_of("gpt-future-2030-01-01") == "gpt-future"
    assert facts.family_of("gpt-future") is None


def test_retirement_dates_and_messages() -> None:
    old = facts.REALTIME_MODELS["gpt-realtime"]
    assert not facts.is_shut_down(old, date(2027, 1, 19))
    assert facts.is_shut_down(old, date(2027, 1, 20))
    warn = facts.retirement_message(old, "Realtime model", date(2026, 12, 1))
    assert warn is not None and "deprecated" in warn and "'gpt-realtime-2.1'" in warn
    gone = facts.retirement_message(old, "Realtime model", date(2027, 2, 1))
    assert gone is not None and "was shut down" in gone
    assert facts.retirement_message(facts.REALTIME_MODELS["gpt-realtime-2"], "m") is None


def test_transcription_option_matrix() -> None:
    opts = {n: m.transcription_options for n, m in facts.TRANSCRIPTION_MODEL_INFO.items()}
    both = {"language", "languages", "keywords", "prompt"}
    assert opts["gpt-live-transcribe"] == both
    assert opts["gpt-transcribe"] == both
    assert opts["gpt-realtime-whisper"] == {"language", "delay"}
    assert opts["gpt-4o-transcribe"] == {"language", "prompt"}
    assert opts["gpt-4o-transcribe-diarize"] == {"language"}
    assert opts["whisper-1"] == {"language", "prompt"}
    for name in ("gpt-live-transcribe", "gpt-transcribe", "gpt-realtime-whisper", "whisper-1"):
        assert facts.TRANSCRIPTION_MODEL_INFO[name].billing == "duration"
