"""Helpers for driving RealtimeWidget's Python side without a browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from realtime_widget import RealtimeWidget

KEY = "sk-test-SECRET-0123456789abcdefWXYZ"


def deliver(widget: RealtimeWidget, content: Any) -> None:
    """A custom message from the front end, through ipywidgets' own comm handler."""
    widget._handle_msg(
        {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
    )


class Browser:
    """Stands in for the front end: records what the kernel sends, sends what JS would."""

    def __init__(self, widget: RealtimeWidget) -> None:
        self.widget = widget
        self.sent: list[dict[str, Any]] = []
        self.seq = 0
        widget.send = self.sent.append
        # What the front end's initialize sends once the widget's model exists.
        self.message({"type": "ready"})

    def message(self, content: Any) -> None:
        deliver(self.widget, content)

    def batch(self, *records: Any, seq: int | None = None) -> None:
        if seq is None:
            seq = self.seq
        self.seq = seq + 1
        self.message({"type": "events", "seq": seq, "events": list(records)})

    def server(self, *events: dict[str, Any], t0: float = 1_700_000_000_000.0) -> None:
        self.batch(*({"t": t0 + i, "dir": "server", "event": e} for i, e in enumerate(events)))

    def set_status(self, status: str) -> None:
        self.widget.set_state({"status": status})

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if m.get("type") == kind]

    def client_events(self) -> list[dict[str, Any]]:
        return [m["event"] for m in self.of_type("client-event")]


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@pytest.fixture
def widget() -> Iterator[RealtimeWidget]:
    w = RealtimeWidget(api_key=KEY, base_url="http://127.0.0.1:9")
    yield w
    w.close()


@pytest.fixture
def browser(widget: RealtimeWidget) -> Browser:
    return Browser(widget)
