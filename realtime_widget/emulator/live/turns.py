"""When the emulated Live model delegates a user turn, and what it says meanwhile (pure).

The Realtime emulator calls a tool when the user's text names it (`replies._named_tool`).
A Live session declares no tools of its own (reasoning and tools are delegated), so the
Live rule is: a turn is delegated when it names a function tool of the Responses backend
(`delegation.responses.tools`, the Realtime rule) or asks for a task, that is it contains
one of `TASK_WORDS` as a whole word (case-insensitive). Other turns get a reply.
"""

from __future__ import annotations

import re
from typing import Any, Final

from ..replies import _named_tool

#: Words that make a user turn a task for the delegate ("What's the weather in Paris?").
TASK_WORDS: Final = ("weather", "look", "search", "find", "check", "book", "delegate")
#: What the model says at once when it delegates (client delegation's default
#: `acknowledgement_delay_ms` is 0: the acknowledgement is requested immediately).
ACKNOWLEDGEMENT: Final = "One moment, let me look into that."

_TASK = re.compile(r"\b(" + "|".join(TASK_WORDS) + r")\b", re.IGNORECASE)


def backend_tools(session: dict[str, Any]) -> list[dict[str, Any]]:
    """The Responses backend's function tools (none under client delegation)."""
    delegation = session.get("delegation")
    if not isinstance(delegation, dict) or delegation.get("type") != "responses":
        return []
    tools = (delegation.get("responses") or {}).get("tools") or []
    return [
        t for t in tools if isinstance(t, dict) and t.get("type") == "function" and t.get("name")
    ]


def delegates(text: str, session: dict[str, Any]) -> bool:
    """Whether the model delegates this user turn (see the module docstring)."""
    return bool(_TASK.search(text)) or _named_tool(text, backend_tools(session)) is not None
