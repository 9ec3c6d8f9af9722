"""GPT-Live's client delegation answered by a Python tool (DelegationRunner, pure parts)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from realtime_widget.call.delegations import (
    MAX_RESULT_CHARS,
    Delegate,
    DelegationRunner,
    commentary_text,
    delegate_for,
)
from realtime_widget.tools import ToolCall, ToolRegistry, ToolResult


def _delegated(did: str, target: str = "client") -> dict[str, Any]:
    return {
        "type": "session.delegation.created",
        "event_id": f"ev_{did}",
        "offset_ms": 1200,
        "delegation": {"id": did, "target": target, "type": "delegation"},
    }


def _heard(text: str, side: str = "input") -> dict[str, Any]:
    return {
        "type": f"session.{side}_transcript.delta",
        "event_id": "ev",
        "delta": text,
        "start_ms": 0,
        "end_ms": 10,
    }


def test_one_text_tool_gets_the_task() -> None:
    reg = ToolRegistry()

    def lookup(request: str) -> str:
        """Look something up."""
        return request

    reg.add(lookup)
    assert delegate_for(reg) == Delegate("lookup", "request")
    assert Delegate("lookup", "request").arguments("the weather") == '{"request": "the weather"}'


def test_a_tool_without_arguments_is_called_bare() -> None:
    reg = ToolRegistry()

    def status() -> str:
        """Report the status."""
        return "fine"

    reg.add(status)
    assert delegate_for(reg) == Delegate("status", None)
    assert Delegate("status", None).arguments("anything") == "{}"


@pytest.mark.parametrize("how", ["none", "two", "numeric"])
def test_when_no_tool_can_take_the_task_the_reason_names_the_fix(how: str) -> None:
    reg = ToolRegistry()

    def a(request: str) -> str:
        """A."""
        return request

    def b(city: str) -> str:
        """B."""
        return city

    def n(count: int) -> str:
        """N."""
        return str(count)

    if how == "two":
        reg.add(a)
        reg.add(b)
    elif how == "numeric":
        reg.add(n)
    why = delegate_for(reg)
    assert isinstance(why, str)
    assert "responses" in why.lower()
    if how == "two":
        assert "a, b" in why
    if how == "numeric":
        assert "str parameter" in why


def test_commentary_is_the_output_or_the_failure_and_is_cut_when_long() -> None:
    assert commentary_text(ToolResult(output="22 C", ok=True)) == "22 C"
    failed = commentary_text(ToolResult(output="Error: boom", ok=False, error="boom"))
    assert failed == "The application could not do it: boom"
    long = commentary_text(ToolResult(output="x" * 5000, ok=True))
    assert len(long) < 5000 and long.startswith("x" * MAX_RESULT_CHARS) and "cut" in long


async def test_the_runner_answers_a_client_delegation_with_the_users_turn() -> None:
    reg = ToolRegistry()
    seen: list[str] = []

    def lookup(request: str) -> str:
        """Look something up."""
        seen.append(request)
        return f"found: {request}"

    reg.add(lookup)
    sent: list[dict[str, Any]] = []
    results: list[tuple[ToolCall, ToolResult]] = []
    problems: list[str] = []
    runner = DelegationRunner(
        reg,
        sent.append,
        timeout=5,
        on_result=lambda c, r: results.append((c, r)),
        on_problem=problems.append,
    )
    runner.feed(_heard("An earlier question"))
    runner.feed(_heard("An earlier answer", "output"))
    runner.feed(_heard("What is the weather "))
    runner.feed(_heard("in Paris?"))
    runner.feed(_delegated("dlg_1"))
    runner.feed(_delegated("dlg_1"))  # the same delegation again (sideband + browser)
    runner.feed(_delegated("dlg_2", target="responses"))  # not the application's
    await runner.drain()
    assert seen == ["What is the weather in Paris?"]
    assert sent == [
        {
            "type": "session.commentary.append",
            "content": "found: What is the weather in Paris?",
            "delegation_id": "dlg_1",
        }
    ]
    assert [c.call_id for c, _ in results] == ["dlg_1"] and problems == []


async def test_without_a_tool_the_problem_is_reported_and_nothing_is_sent() -> None:
    sent: list[dict[str, Any]] = []
    problems: list[str] = []
    runner = DelegationRunner(
        ToolRegistry(),
        sent.append,
        timeout=5,
        on_result=lambda c, r: None,
        on_problem=problems.append,
    )
    runner.feed(_delegated("dlg_1"))
    await asyncio.sleep(0)
    assert sent == [] and len(problems) == 1 and "@w.tool" in problems[0]
