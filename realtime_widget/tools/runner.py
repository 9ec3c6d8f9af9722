"""Glue between server events and the registry: run each function call, answer it.

The widget feeds every server event to :meth:`ToolCallRunner.feed` and gives it a
``send`` callable that puts a client event on the data channel. The runner:

- starts a call as soon as its ``function_call`` item is done
  (``response.output_item.done``), so the tool runs while the model finishes
  its response; calls found only in ``response.done`` are started then;
- sends each ``function_call_output`` as soon as that call finishes;
- sends one ``response.create`` after ``response.done`` once every call of that
  response is answered (asking earlier fails with
  ``conversation_already_has_active_response``), and only if the response
  completed: a response the user interrupted gets its outputs but no new response;
- runs every call at most once per ``call_id``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from .events import function_call_output_events
from .registry import ToolRegistry, ToolResult

__all__ = ["RunningTasks", "ToolCall", "ToolCallRunner"]


@dataclass(frozen=True)
class ToolCall:
    call_id: str
    name: str
    arguments: str
    response_id: str | None = None
    item_id: str | None = None


class RunningTasks:
    """Tool calls (and what waits on them) running on the loop: started, counted, awaited
    and cancelled together. A task leaves the set when it is done, cancelled or not."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task

    @property
    def pending(self) -> int:
        return sum(1 for task in self._running if not task.done())

    async def drain(self) -> None:
        """Wait until every task, and any task it started meanwhile, has finished."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    def cancel(self) -> None:
        for task in list(self._running):
            task.cancel()


class ToolCallRunner:
    def __init__(
        self,
        registry: ToolRegistry,
        send: Callable[[dict[str, Any]], None],
        *,
        timeout: float | None = 60.0,
        on_call: Callable[[ToolCall], None] | None = None,
        on_result: Callable[[ToolCall, ToolResult], None] | None = None,
        auto_respond: bool = True,
    ) -> None:
        self.registry = registry
        self.timeout = timeout
        self.auto_respond = auto_respond
        self._send = send
        self._on_call = on_call
        self._on_result = on_result
        self._seen: set[str] = set()
        self._by_response: dict[str | None, list[asyncio.Task[ToolResult]]] = {}
        self._tasks = RunningTasks()

    @property
    def pending(self) -> int:
        """Calls and follow-ups still running."""
        return self._tasks.pending

    def feed(self, event: Mapping[str, Any]) -> None:
        """Look at one server event; call from a coroutine or callback on the running loop."""
        kind = event.get("type")
        if kind == "response.output_item.done":
            self._maybe_start(event.get("item"), event.get("response_id"))
        elif kind == "response.done":
            response = event.get("response") or {}
            response_id = response.get("id")
            for item in response.get("output") or ():
                self._maybe_start(item, response_id)
            calls = self._by_response.pop(response_id, [])
            if calls:
                completed = response.get("status") == "completed"
                self._spawn(self._follow_up(calls, respond=completed and self.auto_respond))

    async def drain(self) -> None:
        """Wait until every started call and follow-up has finished."""
        await self._tasks.drain()

    def cancel(self) -> None:
        """Stop waiting for running calls (for example when the connection closes)."""
        self._tasks.cancel()
        self._by_response.clear()

    def _maybe_start(self, item: Any, response_id: str | None) -> None:
        if not isinstance(item, Mapping) or item.get("type") != "function_call":
            return
        # An item cut short by an interruption carries half-written arguments.
        if item.get("status") not in (None, "completed"):
            return
        call_id = item.get("call_id")
        if not call_id or call_id in self._seen:
            return
        self._seen.add(call_id)
        call = ToolCall(
            call_id=call_id,
            name=str(item.get("name", "")),
            arguments=str(item.get("arguments") or ""),
            response_id=response_id,
            item_id=item.get("id"),
        )
        if self._on_call is not None:
            self._on_call(call)
        task = self._spawn(self._run(call))
        self._by_response.setdefault(response_id, []).append(task)

    async def _run(self, call: ToolCall) -> ToolResult:
        result = await self.registry.call(call.name, call.arguments, timeout=self.timeout)
        for client_event in function_call_output_events(call.call_id, result, respond=False):
            self._send(client_event)
        if self._on_result is not None:
            self._on_result(call, result)
        return result

    async def _follow_up(self, calls: list[asyncio.Task[ToolResult]], *, respond: bool) -> None:
        await asyncio.gather(*calls, return_exceptions=True)
        if respond and not any(task.cancelled() for task in calls):
            self._send({"type": "response.create"})

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        return self._tasks.spawn(coro)
