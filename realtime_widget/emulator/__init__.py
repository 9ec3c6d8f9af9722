"""A local, faithful stand-in for the OpenAI Realtime API (GA interface) and GPT-Live (`live/`).

    async with Emulator() as emu:        # http://127.0.0.1:<free port>
        ...
    with EmulatorThread() as t:          # the same, on a background thread
        t.base_url

`python -m realtime_widget.emulator` runs one from the command line.
"""

from __future__ import annotations

from .background import EmulatorThread, shared_emulator
from .faults import Faults, HttpFault
from .replies import Reply, ReplyContext, ReplyScript, ToolCall
from .server import Call, Emulator, EmulatorStats

__all__ = [
    "Call",
    "Emulator",
    "EmulatorStats",
    "EmulatorThread",
    "Faults",
    "HttpFault",
    "Reply",
    "ReplyContext",
    "ReplyScript",
    "ToolCall",
    "shared_emulator",
]
