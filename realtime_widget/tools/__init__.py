"""Python functions as Realtime tools: schema derivation, argument validation, running calls.

Pure Python with no ipywidgets import; the widget holds a :class:`ToolRegistry`
and a :class:`ToolCallRunner`.
"""

from __future__ import annotations

from .events import function_call_output_events
from .registry import ToolRegistry, ToolResult
from .runner import ToolCall, ToolCallRunner
from .schema import ToolDefinition, ToolSchemaError, describe_tool, function_schema
from .serialize import ToolOutputError, serialize_result
from .validate import ArgumentValidationError, validate_arguments

__all__ = [
    "ArgumentValidationError",
    "ToolCall",
    "ToolCallRunner",
    "ToolDefinition",
    "ToolOutputError",
    "ToolRegistry",
    "ToolResult",
    "ToolSchemaError",
    "describe_tool",
    "function_call_output_events",
    "function_schema",
    "serialize_result",
    "validate_arguments",
]
