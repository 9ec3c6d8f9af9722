"""Live summary traits, callback errors under the widget, `w.off`, and `@w.tool` typing.

The widget's Python side is fed the recorded fixtures as the browser would send them (batches
of records); the expected totals come from the fixtures' hand-checked `.expected.json`.

A behaviour test across modules: widget.py, widget_traits.py, conversation/summary.py,
call/core.py (notices) and the `@w.tool` typing of widget.py.
"""

from __future__ import annotations

import json
import math
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from realtime_widget import RealtimeWidget
from realtime_widget.conversation import UnknownModelPriceWarning
from realtime_widget.widget import ReadOnlyTraitError

from .conftest import KEY, Browser

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REPO = FIXTURES.parents[1]
LIVE = ["turns", "total_tokens", "cost_usd", "event_count"]


def records(name: str) -> list[dict[str, Any]]:
    """A fixture's events as the browser's batch records (`t` in epoch ms)."""
    out = []
    for line in (FIXTURES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        t = datetime.fromisoformat(entry["time"]).timestamp() * 1000
        out.append({"t": t, "dir": entry["direction"], "event": entry["event"]})
    return out


def expected_totals(name: str) -> dict[str, Any]:
    data = json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))
    totals: dict[str, Any] = data["totals"]
    return totals


def watch(widget: RealtimeWidget) -> list[tuple[str, Any]]:
    changes: list[tuple[str, Any]] = []
    widget.observe(lambda c: changes.append((c["name"], c["new"])), names=LIVE)
    return changes


def notices(browser: Browser) -> list[dict[str, Any]]:
    return list(browser.widget.notices)


# --------------------------------------------------------------------------- live traits


def test_one_batch_notifies_each_live_trait_once_with_the_fixture_totals(
    widget: RealtimeWidget, browser: Browser
) -> None:
    recs = records("voice_turn")
    totals = expected_totals("voice_turn")
    changes = watch(widget)

    browser.batch(*recs)

    assert sorted(name for name, _ in changes) == sorted(LIVE)  # each once, not per event
    got = dict(changes)
    assert got["turns"] == totals["responses"] == widget.turns
    assert got["total_tokens"] == totals["total_tokens"] == widget.total_tokens
    assert got["event_count"] == len(recs) == widget.event_count
    assert got["cost_usd"] == pytest.approx(totals["cost_usd"], rel=1e-9)
    assert widget.cost_usd == pytest.approx(widget.cost(), rel=1e-12)


def test_live_traits_change_only_in_batches_that_change_them(
    widget: RealtimeWidget, browser: Browser
) -> None:
    recs = records("text_turn")
    done = next(i for i, r in enumerate(recs) if r["event"]["type"] == "response.done")
    changes = watch(widget)

    browser.batch(*recs[:done])  # everything before response.done: no turn yet
    assert [name for name, _ in changes] == ["event_count"]
    assert widget.turns == 0 and widget.total_tokens == 0 and widget.cost_usd == 0.0

    changes.clear()
    browser.batch(*recs[done:])
    assert sorted(name for name, _ in changes) == sorted(LIVE)
    assert widget.turns == expected_totals("text_turn")["responses"]
    assert widget.event_count == len(recs)


def test_unknown_price_notifies_nan_once_not_every_batch(
    widget: RealtimeWidget, browser: Browser
) -> None:
    recs = records("text_turn")
    for r in recs:
        session = r["event"].get("session")
        if isinstance(session, dict) and "model" in session:
            session["model"] = "my-private-model"
    changes = watch(widget)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownModelPriceWarning)
        browser.batch(*recs)
        browser.batch({"t": 1.0, "dir": "server", "event": {"type": "rate_limits.updated"}})
    costs = [value for name, value in changes if name == "cost_usd"]
    assert len(costs) == 1 and math.isnan(costs[0])
    assert [name for name, _ in changes].count("event_count") == 2


@pytest.mark.parametrize("name", LIVE)
def test_live_traits_are_read_only_and_not_synced(widget: RealtimeWidget, name: str) -> None:
    with pytest.raises(ReadOnlyTraitError, match=f"{name} is read-only.*observe"):
        setattr(widget, name, 3)
    assert name not in widget.keys  # never sent to the browser nor saved in the notebook
    assert name not in widget.get_state()


def test_live_traits_cannot_be_given_to_the_constructor() -> None:
    with pytest.raises(ReadOnlyTraitError, match="turns is read-only"):
        RealtimeWidget(api_key=KEY, base_url="http://127.0.0.1:9", turns=5)


# --------------------------------------------------------------------------- callback errors


def test_a_failing_callback_shows_one_notice_and_ingest_goes_on(
    widget: RealtimeWidget, browser: Browser
) -> None:
    after: list[str] = []

    def summarize_turn(event: dict[str, Any]) -> None:
        raise ValueError(f"cannot use key {KEY}")  # a secret in the message must not show

    widget.on("response.done", summarize_turn)
    widget.on("response.done", lambda e: after.append(e["type"]))
    recs = records("voice_turn")

    browser.batch(*recs)

    [notice] = notices(browser)
    assert notice["level"] == "error"
    text = notice["text"]
    assert "summarize_turn" in text and "'response.done'" in text and "ValueError" in text
    assert KEY not in text and "sk-" not in text
    assert after == ["response.done"]  # the next callback still ran
    assert len(widget.transcript) == 2 and widget.turns == 1  # ingest was not broken
    [error] = widget.conversation.callback_errors
    assert error.callback.endswith("summarize_turn")


def test_many_failures_in_one_batch_make_one_notice(
    widget: RealtimeWidget, browser: Browser
) -> None:
    @widget.on("*")
    def every(event: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    recs = records("text_turn")
    browser.batch(*recs)
    [notice] = notices(browser)
    assert f"and {len(recs) - 1} more callback error(s) in this batch" in notice["text"]
    browser.batch(*records("voice_turn"))
    assert len(notices(browser)) == 2  # one per batch


def test_an_error_outside_a_batch_is_shown_at_once(
    widget: RealtimeWidget, browser: Browser
) -> None:
    widget.on("custom.thing", lambda e: 1 / 0)
    widget.conversation.ingest_event({"type": "custom.thing"})
    [notice] = notices(browser)
    assert "ZeroDivisionError" in notice["text"] and "'custom.thing'" in notice["text"]


def test_a_huge_exception_message_is_cut(widget: RealtimeWidget, browser: Browser) -> None:
    def loud(event: dict[str, Any]) -> None:
        raise ValueError("x" * 50_000)

    widget.on("response.done", loud)
    browser.batch(*records("text_turn"))
    [notice] = notices(browser)
    assert len(notice["text"]) < 1_000


def test_off_removes_a_callback(widget: RealtimeWidget, browser: Browser) -> None:
    calls: list[str] = []

    def count(event: dict[str, Any]) -> None:
        calls.append(event["type"])

    widget.on("response.done", count)
    browser.batch(*records("text_turn"))
    widget.off("response.done", count)
    browser.batch(*records("voice_turn"))
    assert calls == ["response.done"]

    widget.on("*", count)
    widget.off(fn=count)
    browser.batch(*records("text_turn"))
    assert calls == ["response.done"]


# --------------------------------------------------------------------------- @w.tool typing

TYPING_CHECK = """
from typing import assert_type
from realtime_widget import RealtimeWidget

w = RealtimeWidget()

@w.tool
def lookup(city: str, limit: int = 3) -> list[str]:
    return [city] * limit

@w.tool(name="count_rows", description="Rows in the table.")
async def rows(table: str) -> int:
    return len(table)

def plain(x: float) -> float:
    return x

assert_type(lookup("Paris"), list[str])
async def use() -> None:
    assert_type(await rows("t"), int)
reveal_type(lookup)
reveal_type(rows)
reveal_type(w.tool(plain))
w.add_tool(plain, name="plain")
lookup(3)  # the one error: a wrong argument type is still caught through the decorator
"""


def test_decorated_tools_keep_their_type_under_strict_mypy(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    path = tmp_path / "typing_check.py"
    path.write_text(TYPING_CHECK, encoding="utf-8")
    stdout, stderr, status = api.run(
        [
            "--strict",
            "--config-file",
            str(REPO / "pyproject.toml"),
            "--cache-dir",
            str(REPO / ".mypy_cache"),
            "--no-error-summary",
            "--show-error-codes",
            str(path),
        ]
    )
    lines = stdout.splitlines()
    errors = [line for line in lines if ": error:" in line]
    # Exactly one error, the deliberate one: assert_type and everything else holds.
    assert len(errors) == 1, stdout + stderr
    assert '"lookup" has incompatible type "int"' in errors[0] and "arg-type" in errors[0]
    assert status == 1
    # Older mypy versions spell builtins in full.
    revealed = [
        line.split("Revealed type is ", 1)[1].replace("builtins.", "")
        for line in lines
        if "Revealed type" in line
    ]
    assert revealed == [
        '"def (city: str, limit: int =) -> list[str]"',
        '"def (table: str) -> typing.Coroutine[Any, Any, int]"',
        '"def (x: float) -> float"',
    ], stdout
