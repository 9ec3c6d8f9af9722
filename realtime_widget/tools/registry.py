"""The set of Python tools a session offers, and running one when the model calls it."""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from .schema import ToolDefinition, describe_tool
from .serialize import ToolOutputError, serialize_result
from .validate import ArgumentValidationError, validate_arguments

__all__ = ["ToolRegistry", "ToolResult"]


@dataclass(frozen=True)
class ToolResult:
    """What came of one tool call.

    ``output`` is the string sent to the model: the serialized return value, or
    ``"Error: …"`` so the model can tell the user or retry. ``error`` is the
    same message without the prefix (None on success) and ``traceback`` the
    Python traceback of an exception raised by the tool, kept for display only.
    """

    output: str
    ok: bool
    error: str | None = None
    duration_ms: float = 0.0
    name: str = ""
    traceback: str | None = None


class ToolRegistry:
    """Named tools, in the order they were first added.

    Adding a tool under a name that is already taken replaces it (re-running a
    notebook cell that defines a tool must not create a duplicate).
    """

    def __init__(self) -> None:
        self._tools: dict[str, ToolDefinition] = {}

    def add(
        self,
        fn: Callable[..., Any],
        name: str | None = None,
        description: str | None = None,
    ) -> ToolDefinition:
        """Register ``fn``; raises ``ToolSchemaError`` if it cannot be described."""
        definition = describe_tool(fn, name=name, description=description)
        self._tools[definition.name] = definition
        return definition

    def remove(self, name: str) -> None:
        if name not in self._tools:
            raise KeyError(f"No tool named {name!r}. Registered tools: {self._names_text()}.")
        del self._tools[name]

    def clear(self) -> None:
        self._tools.clear()

    def get(self, name: str) -> ToolDefinition:
        try:
            return self._tools[name]
        except KeyError:
            raise KeyError(
                f"No tool named {name!r}. Registered tools: {self._names_text()}."
            ) from None

    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self) -> list[dict[str, Any]]:
        """The GA function tools, ready for ``session.tools``."""
        return [definition.spec() for definition in self._tools.values()]

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._tools))

    def __len__(self) -> int:
        return len(self._tools)

    def __repr__(self) -> str:
        return f"ToolRegistry({self.names()!r})"

    async def call(self, name: str, arguments_json: str, *, timeout: float | None) -> ToolResult:
        """Run tool ``name`` with the model's JSON arguments; never raises for tool problems.

        Sync functions run in a worker thread so that a slow one does not stall
        the kernel's event loop; async ones run on the loop. After ``timeout``
        seconds the call gives up with an error result (an async tool is
        cancelled; a sync one cannot be stopped and finishes in its thread,
        its return value ignored).
        """
        started = time.perf_counter()

        def failed(message: str, tb: str | None = None) -> ToolResult:
            return ToolResult(
                output=f"Error: {message}",
                ok=False,
                error=message,
                duration_ms=(time.perf_counter() - started) * 1000,
                name=name,
                traceback=tb,
            )

        definition = self._tools.get(name)
        if definition is None:
            return failed(f"unknown tool {name!r}. Available tools: {self._names_text()}.")
        try:
            # An empty string is what some clients send for a call without arguments.
            raw = json.loads(arguments_json) if arguments_json.strip() else {}
        except json.JSONDecodeError as exc:
            return failed(f"the arguments for tool {name!r} are not valid JSON ({exc}).")
        try:
            kwargs = validate_arguments(
                definition.parameters, raw, types=definition.hints, tool=name
            )
        except ArgumentValidationError as exc:
            return failed(str(exc))

        positional = []
        for param in definition.positional_only:
            if param not in kwargs:
                break
            positional.append(kwargs.pop(param))
        try:
            value = await asyncio.wait_for(_invoke(definition.fn, positional, kwargs), timeout)
        except TimeoutError:
            return failed(f"TimeoutError: tool {name!r} did not finish within {timeout:g} s.")
        except Exception as exc:
            return failed(f"{type(exc).__name__}: {exc}", _user_traceback(exc))
        try:
            output = serialize_result(value)
        except ToolOutputError as exc:
            return failed(f"TypeError: {exc}")
        return ToolResult(
            output=output,
            ok=True,
            duration_ms=(time.perf_counter() - started) * 1000,
            name=name,
        )

    def _names_text(self) -> str:
        return ", ".join(self._tools) or "none"


def is_async_callable(fn: Callable[..., Any]) -> bool:
    while isinstance(fn, functools.partial):
        fn = fn.func
    if inspect.iscoroutinefunction(fn):
        return True
    call = getattr(fn, "__call__", None)  # noqa: B004 - an object with an async __call__
    return call is not None and inspect.iscoroutinefunction(call)


async def _invoke(fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    if is_async_callable(fn):
        return await fn(*args, **kwargs)
    result = await asyncio.to_thread(fn, *args, **kwargs)
    if inspect.isawaitable(result):  # e.g. a lambda or decorator that returns a coroutine
        result = await result
    return result


def _user_traceback(exc: BaseException) -> str:
    """The traceback without this module's own frames, which only add noise."""
    tb: TracebackType | None = exc.__traceback__
    while tb is not None and _is_machinery(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def _is_machinery(filename: str) -> bool:
    return filename == __file__ or filename.endswith(
        ("asyncio/tasks.py", "asyncio/threads.py", "concurrent/futures/thread.py")
    )
