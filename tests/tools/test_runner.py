"""Server function-call events in, function_call_output + response.create out (SDK shapes)."""

import asyncio
from typing import Any

import pytest
from support.openai_types import assert_client_event, assert_server_event

from realtime_widget.tools import (
    ToolCall,
    ToolCallRunner,
    ToolRegistry,
    ToolResult,
    function_call_output_events,
)


def call_item(call_id: str, name: str, arguments: str, status: str = "completed") -> dict[str, Any]:
    return {
        "id": f"item_{call_id}",
        "object": "realtime.item",
        "type": "function_call",
        "status": status,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


def item_done(response_id: str, item: dict[str, Any], index: int = 0) -> dict[str, Any]:
    event = {
        "type": "response.output_item.done",
        "event_id": f"ev_{item['id']}",
        "response_id": response_id,
        "output_index": index,
        "item": item,
    }
    assert_server_event(event)
    return event


def response_done(
    response_id: str, items: list[dict[str, Any]], status: str = "completed"
) -> dict[str, Any]:
    event = {
        "type": "response.done",
        "event_id": f"ev_done_{response_id}",
        "response": {
            "id": response_id,
            "object": "realtime.response",
            "status": status,
            "output": items,
        },
    }
    assert_server_event(event)
    return event


class Harness:
    def __init__(self, registry: ToolRegistry, **kwargs: Any) -> None:
        self.sent: list[dict[str, Any]] = []
        self.calls: list[ToolCall] = []
        self.results: list[tuple[ToolCall, ToolResult]] = []
        self.runner = ToolCallRunner(
            registry,
            self.send,
            on_call=self.calls.append,
            on_result=lambda call, result: self.results.append((call, result)),
            **kwargs,
        )

    def send(self, event: dict[str, Any]) -> None:
        assert_client_event(event)
        self.sent.append(event)

    def kinds(self) -> list[str]:
        return [e["type"] for e in self.sent]

    def outputs(self) -> dict[str, str]:
        return {
            e["item"]["call_id"]: e["item"]["output"]
            for e in self.sent
            if e["type"] == "conversation.item.create"
        }


def make_registry() -> tuple[ToolRegistry, dict[str, asyncio.Event]]:
    registry = ToolRegistry()
    gates: dict[str, asyncio.Event] = {"slow": asyncio.Event()}

    def add(a: int, b: int) -> int:
        return a + b

    async def slow(text: str) -> str:
        await gates["slow"].wait()
        return text.upper()

    registry.add(add)
    registry.add(slow)
    return registry, gates


def test_function_call_output_events_match_the_sdk() -> None:
    result = ToolResult(output='{"ok": true}', ok=True)
    events = function_call_output_events("call_1", result)
    assert events == [
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": "call_1", "output": '{"ok": true}'},
        },
        {"type": "response.create"},
    ]
    for event in events:
        assert_client_event(event)
    assert function_call_output_events("call_2", "text", respond=False) == [
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": "call_2", "output": "text"},
        }
    ]
    with pytest.raises(ValueError, match="call_id is empty"):
        function_call_output_events("", result)


async def test_one_call_round_trip() -> None:
    registry, _ = make_registry()
    h = Harness(registry)
    item = call_item("call_1", "add", '{"a": 2, "b": 3}')
    h.runner.feed(item_done("resp_1", item))
    h.runner.feed(response_done("resp_1", [item]))
    await h.runner.drain()
    assert h.sent == [
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": "call_1", "output": "5"},
        },
        {"type": "response.create"},
    ]
    assert h.calls == [ToolCall("call_1", "add", '{"a": 2, "b": 3}', "resp_1", "item_call_1")]
    assert [r.output for _, r in h.results] == ["5"]


async def test_response_create_waits_for_every_call_of_the_response() -> None:
    registry, gates = make_registry()
    h = Harness(registry)
    fast = call_item("call_f", "add", '{"a": 1, "b": 1}')
    slow = call_item("call_s", "slow", '{"text": "hi"}')
    h.runner.feed(item_done("resp_1", fast, 0))
    h.runner.feed(item_done("resp_1", slow, 1))
    h.runner.feed(response_done("resp_1", [fast, slow]))
    for _ in range(20):
        await asyncio.sleep(0)
    # The fast call is answered at once; no new response while the slow one runs.
    assert h.kinds() == ["conversation.item.create"]
    assert h.runner.pending > 0
    gates["slow"].set()
    await h.runner.drain()
    assert h.kinds() == ["conversation.item.create", "conversation.item.create", "response.create"]
    assert h.outputs() == {"call_f": "2", "call_s": "HI"}
    assert h.runner.pending == 0


async def test_call_started_before_response_done_does_not_respond_early() -> None:
    registry, _ = make_registry()
    h = Harness(registry)
    item = call_item("call_1", "add", '{"a": 1, "b": 2}')
    h.runner.feed(item_done("resp_1", item))
    await h.runner.drain()
    assert h.kinds() == ["conversation.item.create"]
    h.runner.feed(response_done("resp_1", [item]))
    await h.runner.drain()
    assert h.kinds() == ["conversation.item.create", "response.create"]


async def test_calls_listed_only_in_response_done_run_once() -> None:
    registry, _ = make_registry()
    h = Harness(registry)
    item = call_item("call_1", "add", '{"a": 4, "b": 4}')
    done = response_done("resp_1", [item])
    h.runner.feed(done)
    h.runner.feed(done)  # a replayed event must not run the tool twice
    await h.runner.drain()
    assert h.kinds() == ["conversation.item.create", "response.create"]
    assert len(h.calls) == 1


async def test_interrupted_response_gets_outputs_but_no_new_response() -> None:
    registry, _ = make_registry()
    h = Harness(registry)
    complete = call_item("call_1", "add", '{"a": 1, "b": 1}')
    partial = call_item("call_2", "add", '{"a": 1, "b', status="incomplete")
    h.runner.feed(item_done("resp_1", complete))
    h.runner.feed(item_done("resp_1", partial, 1))
    h.runner.feed(response_done("resp_1", [complete, partial], status="cancelled"))
    await h.runner.drain()
    assert h.kinds() == ["conversation.item.create"]
    assert h.outputs() == {"call_1": "2"}


async def test_errors_are_answered_so_the_model_can_recover() -> None:
    registry, _ = make_registry()
    h = Harness(registry)
    unknown = call_item("call_u", "nope", "{}")
    invalid = call_item("call_i", "add", '{"a": "one"}')
    h.runner.feed(response_done("resp_1", [unknown, invalid]))
    await h.runner.drain()
    outputs = h.outputs()
    assert outputs["call_u"] == "Error: unknown tool 'nope'. Available tools: add, slow."
    assert outputs["call_i"].startswith("Error: Invalid arguments for tool 'add':")
    assert "- a: expected an integer" in outputs["call_i"] and "- b: required" in outputs["call_i"]
    assert h.kinds()[-1] == "response.create"
    assert all(not result.ok for _, result in h.results)


async def test_auto_respond_off_and_timeout() -> None:
    registry, _ = make_registry()
    h = Harness(registry, auto_respond=False, timeout=0.05)
    item = call_item("call_s", "slow", '{"text": "x"}')
    h.runner.feed(response_done("resp_1", [item]))
    await h.runner.drain()
    assert h.kinds() == ["conversation.item.create"]
    assert "did not finish within 0.05 s" in h.outputs()["call_s"]


async def test_other_events_are_ignored_and_cancel_stops_pending_calls() -> None:
    registry, _ = make_registry()
    h = Harness(registry)
    text_item = {
        "id": "item_m",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": "hi"}],
    }
    h.runner.feed(item_done("resp_0", text_item))
    h.runner.feed({"type": "session.updated", "session": {}})
    h.runner.feed(response_done("resp_0", [text_item]))
    slow = call_item("call_s", "slow", '{"text": "x"}')
    h.runner.feed(response_done("resp_1", [slow]))
    await asyncio.sleep(0)
    h.runner.cancel()
    await h.runner.drain()
    assert h.sent == [] and h.runner.pending == 0
    assert [c.call_id for c in h.calls] == ["call_s"]
