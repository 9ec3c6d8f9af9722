"""Registering tools and running a call: sync/async, timeouts, errors, results."""

import asyncio
import dataclasses
import enum
import json
import threading
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel
from support.openai_types import assert_client_event

from realtime_widget.tools import ToolRegistry, ToolResult, ToolSchemaError

SALES = pd.DataFrame({"region": ["north", "south"], "total": [120, 80]})


def region_total(region: str) -> int:
    """Total sales of a region (reads a module-level DataFrame, as a notebook tool would)."""
    return int(SALES.loc[SALES["region"] == region, "total"].sum())


async def test_add_specs_and_replace_on_re_add() -> None:
    registry = ToolRegistry()

    def lookup(city: str) -> str:
        """First version."""
        return "v1"

    def other() -> str:
        return "other"

    registry.add(lookup)
    registry.add(other)

    def lookup(city: str, country: str = "FR") -> str:  # type: ignore[no-redef]
        """Second version (the cell was re-run)."""
        return "v2"

    registry.add(lookup)
    assert registry.names() == ["lookup", "other"]
    specs = registry.specs()
    assert specs[0]["description"] == "Second version (the cell was re-run)."
    assert list(specs[0]["parameters"]["properties"]) == ["city", "country"]
    assert (await registry.call("lookup", '{"city": "Lyon"}', timeout=5)).output == "v2"
    assert_client_event({"type": "session.update", "session": {"type": "realtime", "tools": specs}})


async def test_remove_and_unknown_names() -> None:
    registry = ToolRegistry()
    registry.add(region_total, name="sales")
    assert "sales" in registry and len(registry) == 1
    with pytest.raises(KeyError, match=r"No tool named .nope.\. Registered tools: sales"):
        registry.remove("nope")
    registry.remove("sales")
    assert registry.specs() == [] and "sales" not in registry
    result = await registry.call("sales", "{}", timeout=5)
    assert not result.ok
    assert result.output == "Error: unknown tool 'sales'. Available tools: none."


def test_add_rejects_unsupported_function() -> None:
    registry = ToolRegistry()

    def bad(x) -> None: ...  # type: ignore[no-untyped-def]

    with pytest.raises(ToolSchemaError, match="parameter 'x'"):
        registry.add(bad)
    assert registry.names() == []


async def test_sync_tool_reads_notebook_data_in_a_worker_thread() -> None:
    registry = ToolRegistry()
    loop_thread = threading.get_ident()
    seen: list[int] = []

    def where(region: str) -> int:
        seen.append(threading.get_ident())
        return region_total(region)

    registry.add(where)
    result = await registry.call("where", '{"region": "north"}', timeout=5)
    assert result == ToolResult(output="120", ok=True, duration_ms=result.duration_ms, name="where")
    assert seen and seen[0] != loop_thread


async def test_slow_sync_tool_does_not_block_the_event_loop() -> None:
    # The tool waits for something only the event loop can do; if it ran on the
    # loop, the loop could not set the flag and the call would hit its timeout.
    registry = ToolRegistry()
    flag = threading.Event()

    def wait_for_loop() -> bool:
        return flag.wait(10)

    registry.add(wait_for_loop)
    call = asyncio.create_task(registry.call("wait_for_loop", "{}", timeout=20))
    await asyncio.sleep(0)
    asyncio.get_running_loop().call_soon(flag.set)
    result = await call
    assert result.ok and result.output == "true"


async def test_async_tool_runs_on_the_loop() -> None:
    registry = ToolRegistry()
    loop_thread = threading.get_ident()

    async def fetch(n: int) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"n": n, "same_thread": threading.get_ident() == loop_thread}

    registry.add(fetch)
    result = await registry.call("fetch", '{"n": 2}', timeout=5)
    assert json.loads(result.output) == {"n": 2, "same_thread": True}


async def test_async_tool_timeout_cancels_it() -> None:
    registry = ToolRegistry()
    cancelled = asyncio.Event()

    async def hang() -> str:
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()
        return "never"

    registry.add(hang)
    result = await registry.call("hang", "", timeout=0.05)
    assert not result.ok
    assert result.output == "Error: TimeoutError: tool 'hang' did not finish within 0.05 s."
    assert cancelled.is_set()


async def test_sync_tool_timeout_returns_an_error_result() -> None:
    registry = ToolRegistry()
    release = threading.Event()

    def stuck() -> str:
        release.wait(10)
        return "late"

    registry.add(stuck)
    try:
        result = await registry.call("stuck", "{}", timeout=0.05)
    finally:
        release.set()
    assert not result.ok and result.error is not None and "did not finish" in result.error


async def test_exception_becomes_an_error_for_the_model_with_traceback_kept() -> None:
    registry = ToolRegistry()

    def find(city: str) -> str:
        raise ValueError(f"unknown city {city!r}")

    async def afind(city: str) -> str:
        raise LookupError("no data")

    registry.add(find)
    registry.add(afind)
    result = await registry.call("find", '{"city": "Atlantis"}', timeout=5)
    assert not result.ok
    assert result.output == "Error: ValueError: unknown city 'Atlantis'"
    assert result.error == "ValueError: unknown city 'Atlantis'"
    assert result.traceback is not None
    assert result.traceback.startswith("Traceback (most recent call last):")
    assert 'in find\n    raise ValueError(f"unknown city {city!r}")' in result.traceback
    assert "tools/registry.py" not in result.traceback and "threading" not in result.traceback
    result = await registry.call("afind", '{"city": "x"}', timeout=5)
    assert result.output == "Error: LookupError: no data"
    assert result.traceback is not None and "tools/registry.py" not in result.traceback


async def test_bad_json_and_invalid_arguments() -> None:
    registry = ToolRegistry()
    registry.add(region_total)
    result = await registry.call("region_total", '{"region": ', timeout=5)
    assert not result.ok
    assert result.output.startswith(
        "Error: the arguments for tool 'region_total' are not valid JSON"
    )
    result = await registry.call("region_total", '{"region": 3, "year": 2024}', timeout=5)
    assert result.output == (
        "Error: Invalid arguments for tool 'region_total':\n"
        "- region: expected a string, got 3\n"
        "- year: unexpected property (allowed: region)"
    )


class Mood(enum.Enum):
    HAPPY = "happy"


@dataclasses.dataclass
class Reading:
    value: float
    mood: Mood


class Report(BaseModel):
    total: int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain text", "plain text"),
        ({"a": [1, 2.5, None, True]}, '{"a": [1, 2.5, null, true]}'),
        (None, "null"),
        ("héllo", "héllo"),
        ({"name": "Zoë"}, '{"name": "Zoë"}'),
        (Mood.HAPPY, '"happy"'),
        (Reading(1.5, Mood.HAPPY), '{"value": 1.5, "mood": "happy"}'),
        (Report(total=3), '{"total": 3}'),
        (np.int64(7), "7"),
        (np.array([1, 2]), "[1, 2]"),
        (SALES, '[{"region": "north", "total": 120}, {"region": "south", "total": 80}]'),
        (SALES["total"], '{"0": 120, "1": 80}'),
        ((1, "a"), '[1, "a"]'),
    ],
)
async def test_results_are_serialized(value: Any, expected: str) -> None:
    registry = ToolRegistry()

    def give() -> Any:
        return value

    registry.add(give)
    result = await registry.call("give", "{}", timeout=5)
    assert result.ok, result.error
    assert result.output == expected


async def test_unserializable_result_is_a_clear_error() -> None:
    registry = ToolRegistry()

    class Widget:
        pass

    def make() -> Any:
        return {"w": Widget()}

    registry.add(make)
    result = await registry.call("make", "{}", timeout=5)
    assert not result.ok
    assert result.output.startswith("Error: TypeError: the tool returned a dict, which cannot be")
    assert "Widget" in result.output and "Return a str" in result.output


async def test_coerced_values_reach_the_function() -> None:
    registry = ToolRegistry()
    received: list[Any] = []

    def record(a: int, /, mood: Mood, point: tuple[int, int]) -> str:
        received.append((a, mood, point))
        return "ok"

    registry.add(record)
    result = await registry.call("record", '{"a": 1, "mood": "happy", "point": [1, 2]}', timeout=5)
    assert result.ok and received == [(1, Mood.HAPPY, (1, 2))]


async def test_sync_callable_returning_a_coroutine_is_awaited() -> None:
    registry = ToolRegistry()

    async def inner(x: int) -> int:
        return x * 2

    def outer(x: int) -> Any:
        return inner(x)

    registry.add(outer)
    assert (await registry.call("outer", '{"x": 21}', timeout=5)).output == "42"
