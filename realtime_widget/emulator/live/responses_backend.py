"""The Responses backend of a Live session under Responses delegation (pure event building).

A delegated task becomes one Responses response, streamed to the client as nested
Responses stream events, each wrapped in a Live `response.event` (with the delegation's
id). What the backend answers follows `replies.default_reply` over the backend's own
tools (`delegation.responses.tools`): a function tool named in the task → a
`function_call` the application answers with `response.item.create`
(`function_call_output`) + `response.create`; function outputs → a text containing them;
otherwise a text reflecting the task. A text answer is what the Live model then speaks.

Usage is the Responses shape (`input_tokens`, `output_tokens`, their details,
`total_tokens`), counted with the emulator's token rules (`usage.text_tokens`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..engine_context import new_id
from ..replies import ReplyContext, arguments_json, default_reply
from ..transcribe import split_deltas
from ..usage import text_tokens


@dataclass
class BackendRun:
    """One delegated task's conversation with the backend (several responses when a
    function call waits for its output)."""

    delegation_id: str
    task: str
    response_id: str = field(default_factory=lambda: new_id("resp_", 24))
    pending_calls: dict[str, str] = field(default_factory=dict)  # call_id -> tool name
    outputs: list[dict[str, Any]] = field(default_factory=list)  # function_call_output items
    sequence: int = 0

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence - 1


@dataclass(frozen=True)
class BackendAnswer:
    """What one backend response produced: its stream events, and the text to speak
    (None: a function call waits for the application)."""

    events: list[dict[str, Any]]
    text: str | None


def _response(
    run: BackendRun,
    config: dict[str, Any],
    *,
    status: str,
    output: list[dict[str, Any]],
    usage: dict[str, Any] | None,
) -> dict[str, Any]:
    tools = list(config.get("tools") or [])
    response: dict[str, Any] = {
        "id": run.response_id,
        "object": "response",
        "created_at": int(time.time()),
        "model": str(config.get("model") or ""),
        "status": status,
        "instructions": config.get("instructions"),
        "output": output,
        "parallel_tool_calls": bool(config.get("parallel_tool_calls", True)),
        "tool_choice": config.get("tool_choice") or "auto",
        "tools": tools,
    }
    if usage is not None:
        response["usage"] = usage
    return response


def _usage(run: BackendRun, config: dict[str, Any], output_text: str) -> dict[str, Any]:
    prompt = [config.get("instructions") or "", run.task] + [
        str(o.get("output", "")) for o in run.outputs
    ]
    input_tokens = sum(text_tokens(p) for p in prompt) + 4 * len(prompt)
    output_tokens = max(1, text_tokens(output_text))
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }


def _text_events(run: BackendRun, text: str) -> Iterator[dict[str, Any]]:
    item_id = new_id("msg_", 24)
    empty = {"type": "output_text", "text": "", "annotations": []}
    yield {
        "type": "response.output_item.added",
        "output_index": 0,
        "item": {
            "id": item_id,
            "type": "message",
            "role": "assistant",
            "status": "in_progress",
            "content": [],
        },
    }
    where = {"item_id": item_id, "output_index": 0, "content_index": 0}
    yield {"type": "response.content_part.added", **where, "part": empty}
    for piece in split_deltas(text):
        yield {"type": "response.output_text.delta", **where, "delta": piece, "logprobs": []}
    part = {"type": "output_text", "text": text, "annotations": []}
    yield {"type": "response.output_text.done", **where, "text": text, "logprobs": []}
    yield {"type": "response.content_part.done", **where, "part": part}
    yield {
        "type": "response.output_item.done",
        "output_index": 0,
        "item": {
            "id": item_id,
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [part],
        },
    }


def _call_events(run: BackendRun, name: str, arguments: str) -> Iterator[dict[str, Any]]:
    item_id = new_id("fc_", 24)
    call_id = new_id("call_", 24)
    run.pending_calls[call_id] = name
    item = {
        "id": item_id,
        "type": "function_call",
        "call_id": call_id,
        "name": name,
        "arguments": "",
        "status": "in_progress",
    }
    yield {"type": "response.output_item.added", "output_index": 0, "item": item}
    where = {"item_id": item_id, "output_index": 0}
    yield {"type": "response.function_call_arguments.delta", **where, "delta": arguments}
    yield {"type": "response.function_call_arguments.done", **where, "arguments": arguments}
    yield {
        "type": "response.output_item.done",
        "output_index": 0,
        "item": dict(item, arguments=arguments, status="completed"),
    }


def answer(run: BackendRun, config: dict[str, Any]) -> BackendAnswer:
    """The next backend response for `run` under `config` (`delegation.responses`)."""
    tools = [t for t in config.get("tools") or [] if isinstance(t, dict)]
    reply = default_reply(
        ReplyContext(
            user_text=run.task,
            user_audio_ms=None,
            items=[],
            tools=tools,
            tool_choice=config.get("tool_choice") or "auto",
            function_outputs=run.outputs,
            instructions=str(config.get("instructions") or ""),
            response_index=0,
            parallel_tool_calls=False,
        )
    )
    run.outputs = []
    created = {
        "type": "response.created",
        "response": _response(run, config, status="in_progress", output=[], usage=None),
    }
    body: list[dict[str, Any]]
    call = reply.calls[0] if reply.calls else None
    if call is not None:
        body = list(_call_events(run, call.name, arguments_json(call.arguments)))
        spoken = None
        usage_text = arguments_json(call.arguments)
    else:
        spoken = reply.text or ""
        body = list(_text_events(run, spoken))
        usage_text = spoken
    output = [e["item"] for e in body if e["type"] == "response.output_item.done"]
    completed = {
        "type": "response.completed",
        "response": _response(
            run, config, status="completed", output=output, usage=_usage(run, config, usage_text)
        ),
    }
    events = [{**e, "sequence_number": run.next_sequence()} for e in [created, *body, completed]]
    return BackendAnswer(events, spoken)


def next_response(run: BackendRun) -> None:
    """`response.create` after function outputs: the backend's next response has its own id."""
    run.response_id = new_id("resp_", 24)
    run.sequence = 0
