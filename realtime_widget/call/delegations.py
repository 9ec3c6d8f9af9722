"""GPT-Live's client delegation answered by the Python tools of the kernel.

Under client delegation (the default: `delegation` null or `{"type": "client"}`) the Live
model hands a task to the application with `session.delegation.created`. The event holds
the delegation id only, not the task: the task is what the user just said, so the
application reads the pending user transcript (as LiveKit's `pendingTranscript` does) and
answers with `session.commentary.append` carrying that `delegation_id`; the model then
speaks the result (docs: developers.openai.com/api/docs/guides/live-delegation).

The kernel's rule, which `delegate_for` states and the docs repeat: the one registered
tool answers, called with the task text as its single text parameter (or with no
argument when it takes none). Several tools cannot be told apart without a model, so
then nothing is called and the problem is reported, naming the two ways out: keep one
tool, or pick Responses delegation, whose backend model chooses among them
(`protocols.live_tools`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from realtime_widget.tools import ToolCall, ToolRegistry, ToolResult
from realtime_widget.tools.runner import RunningTasks

log = logging.getLogger("realtime_widget")

#: A commentary is "limited to 500 tokens" (the SDK's CommentaryAppendEvent.content); about
#: four characters a token, with room to spare. A longer result is cut, and says so.
MAX_RESULT_CHARS: Final = 1_800


@dataclass(frozen=True)
class Delegate:
    """Which tool answers a delegation, and how the task text becomes its arguments."""

    name: str
    #: The parameter the task text goes into; None: the tool takes no argument.
    parameter: str | None

    def arguments(self, task: str) -> str:
        return json.dumps({self.parameter: task} if self.parameter else {})


def delegate_for(registry: ToolRegistry) -> Delegate | str:
    """The tool that answers client delegations, or why none can (pure)."""
    names = registry.names()
    if not names:
        return (
            "GPT-Live delegated a task to your application, but this session has no Python "
            "tool to do it: register one with @w.tool (it gets the task text), or pick "
            "Responses delegation with delegation={'type': 'responses', ...}"
        )
    if len(names) > 1:
        return (
            f"GPT-Live delegated a task to your application, and {len(names)} Python tools "
            f"could answer it ({', '.join(names)}): under client delegation the task names "
            "no tool, so keep one tool, or pick delegation={'type': 'responses', "
            "'responses': {'model': ...}} to let a backend model choose among them"
        )
    spec = registry.get(names[0]).spec()["parameters"]
    props = spec.get("properties") or {}
    required = list(spec.get("required") or [])
    text = [p for p, s in props.items() if isinstance(s, Mapping) and s.get("type") == "string"]
    if not props:
        return Delegate(names[0], None)
    if len(required) <= 1 and text and (not required or required[0] in text):
        return Delegate(names[0], required[0] if required else text[0])
    return (
        f"GPT-Live delegated a task, but the tool {names[0]!r} does not take the task as text: "
        "under client delegation the task is what the user said, so give the tool a single "
        "str parameter (e.g. `def answer(request: str) -> str`), or pick Responses delegation "
        "to have a backend model fill in its arguments"
    )


def commentary_text(result: ToolResult) -> str:
    """The tool's answer as speakable context: its output, or what went wrong."""
    text = result.output if result.ok else f"The application could not do it: {result.error}"
    if len(text) > MAX_RESULT_CHARS:
        text = text[:MAX_RESULT_CHARS] + " … (cut: too long to speak)"
    return text


class DelegationRunner:
    """Watches a Live session's server events and answers its client delegations."""

    def __init__(
        self,
        registry: ToolRegistry,
        send: Callable[[dict[str, Any]], None],
        *,
        timeout: float | None,
        on_result: Callable[[ToolCall, ToolResult], None],
        on_problem: Callable[[str], None],
    ) -> None:
        self.registry = registry
        self.timeout = timeout
        self._send = send
        self._on_result = on_result
        self._on_problem = on_problem
        self._turn: list[str] = []
        self._assistant_since = False
        self._seen: set[str] = set()
        self._tasks = RunningTasks()

    def feed(self, event: Mapping[str, Any]) -> None:
        """Look at one event of the call, server's or client's (on the running loop)."""
        kind = event.get("type")
        if kind == "session.commentary.append" and event.get("delegation_id") is None:
            # Typed text (the widget's Message box) is context the model may act on: it
            # belongs to the user's current turn like speech does.
            if self._assistant_since:
                self._turn, self._assistant_since = [], False
            self._turn.append(str(event.get("content") or "") + " ")
        elif kind == "session.input_transcript.delta":
            if self._assistant_since:  # the user's next turn starts
                self._turn, self._assistant_since = [], False
            self._turn.append(str(event.get("delta") or ""))
        elif kind == "session.output_transcript.delta":
            self._assistant_since = True
        elif kind == "session.delegation.created":
            delegation = event.get("delegation")
            if not isinstance(delegation, Mapping) or delegation.get("target") != "client":
                return
            did = delegation.get("id")
            if not isinstance(did, str) or did in self._seen:
                return
            self._seen.add(did)
            self._start(did, "".join(self._turn).strip())

    def _start(self, delegation_id: str, task: str) -> None:
        chosen = delegate_for(self.registry)
        if isinstance(chosen, str):
            log.warning("%s", chosen)
            self._on_problem(chosen)
            return
        call = ToolCall(call_id=delegation_id, name=chosen.name, arguments=chosen.arguments(task))
        self._tasks.spawn(self._run(call))

    async def _run(self, call: ToolCall) -> None:
        result = await self.registry.call(call.name, call.arguments, timeout=self.timeout)
        self._send(
            {
                "type": "session.commentary.append",
                "content": commentary_text(result),
                "delegation_id": call.call_id,
            }
        )
        self._on_result(call, result)

    @property
    def pending(self) -> int:
        return self._tasks.pending

    async def drain(self) -> None:
        await self._tasks.drain()

    def cancel(self) -> None:
        self._tasks.cancel()
        self._turn, self._assistant_since = [], False
