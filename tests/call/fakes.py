"""A fake transport and host for `CallCore` (they record; nothing else)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from realtime_widget.call import CallCore
from realtime_widget.config import SessionSettings
from realtime_widget.conversation import Conversation
from realtime_widget.tools import ToolCall, ToolResult
from tests.support.openai_types import assert_client_event


class FakeTransport:
    """Records what the core asks of the transport; every sent event is checked against its
    SDK type, strictly (`check`: the Realtime types by default; a GPT-Live test passes the
    Live validator)."""

    def __init__(self, check: Callable[[dict[str, Any]], object] = assert_client_event) -> None:
        self._check = check
        self.calls: list[str] = []
        self.sent: list[dict[str, Any]] = []

    def open(self) -> None:
        self.calls.append("open")

    def close(self) -> None:
        self.calls.append("close")

    def send(self, event: dict[str, Any]) -> None:
        self._check(event)
        self.sent.append(event)

    def interrupt(self) -> None:
        self.calls.append("interrupt")

    def types(self) -> list[str]:
        return [e["type"] for e in self.sent]


class FakeHost:
    def __init__(self) -> None:
        self.notices: list[tuple[str, str]] = []
        self.pending: list[list[str]] = []
        self.mirrored: list[dict[str, Any]] = []
        self.tools: list[tuple[ToolCall, ToolResult]] = []

    def notice(self, text: str, level: str) -> None:
        self.notices.append((level, text))

    def pending_changed(self, items: Sequence[Mapping[str, Any]]) -> None:
        self.pending.append([str(i["label"]) for i in items])

    def settings_changed(self, values: Mapping[str, Any]) -> None:
        self.mirrored.append(dict(values))

    def tool_finished(self, call: ToolCall, result: ToolResult) -> None:
        self.tools.append((call, result))


class Call:
    """A core wired to fakes, with helpers to play the server's part."""

    def __init__(self, **settings: Any) -> None:
        self.transport = FakeTransport()
        self.host = FakeHost()
        self.conversation = Conversation(model="gpt-realtime-2.1")
        self.core = CallCore(
            self.transport, self.host, self.conversation, SessionSettings(**settings)
        )
        self._t = 1_700_000_000.0

    def server(self, *events: dict[str, Any]) -> None:
        records = []
        for event in events:
            self._t += 0.01
            records.append((self._t, "server", event))
        self.core.receive(records)  # type: ignore[arg-type]

    def connected(self) -> CallCore:
        self.core.connect()
        self.core.status_changed("connecting")
        self.core.status_changed("connected")
        self.server(created())
        return self.core


def created(session_id: str = "sess_1") -> dict[str, Any]:
    return {
        "type": "session.created",
        "event_id": "ev_c",
        "session": {"type": "realtime", "id": session_id},
    }


def response_created(rid: str, *, out_of_band: bool = False) -> dict[str, Any]:
    return {
        "type": "response.created",
        "event_id": f"ev_{rid}",
        "response": {
            "id": rid,
            "object": "realtime.response",
            "status": "in_progress",
            "conversation_id": None if out_of_band else "conv_1",
            "output": [],
        },
    }


def response_done(rid: str) -> dict[str, Any]:
    return {
        "type": "response.done",
        "event_id": f"ev_d_{rid}",
        "response": {"id": rid, "object": "realtime.response", "status": "completed", "output": []},
    }
