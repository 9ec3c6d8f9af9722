"""Readers the e2e tests run INSIDE the notebook's kernel (its source is executed there).

They turn the widget's event log and the built-in emulator's counters into plain JSON data,
so the tests compare data rather than scraped text. Everything is prefixed `e2e_` because
it lands in the notebook's namespace.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from realtime_widget.emulator.background import shared_emulator as e2e_shared_emulator

# call_id -> types of the server events the emulator put on the data channel, in order.
E2E_WIRE: dict[str, list[str]] = {}
# call_id -> their event ids, in the same order.
E2E_WIRE_IDS: dict[str, list[str]] = {}


def e2e_tap_wire() -> None:
    """Record every server event the built-in emulator sends, at the data channel.

    The engine only counts events by type; the wire order is what the kernel's order must
    match. Wrapping the peer's send (in this kernel process, before any call starts) sees
    exactly what left the emulator, including whether the channel was open.
    """
    from realtime_widget.emulator.peer import CallPeer

    original = CallPeer.send_text
    if getattr(original, "e2e_tap", False):
        return

    def send_text(self: CallPeer, text: str) -> None:
        channel = self._channel
        if channel is not None and channel.readyState == "open":
            try:
                parsed = json.loads(text)
                kind = str(parsed.get("type"))
                event_id = str(parsed.get("event_id"))
            except (ValueError, AttributeError):
                kind = event_id = "<not JSON>"
            E2E_WIRE.setdefault(self.call_id, []).append(kind)
            E2E_WIRE_IDS.setdefault(self.call_id, []).append(event_id)
        original(self, text)

    send_text.e2e_tap = True  # type: ignore[attr-defined]
    CallPeer.send_text = send_text  # type: ignore[method-assign]


e2e_tap_wire()

E2E_ASSISTANT_DONE = ("response.output_audio_transcript.done", "response.output_text.done")
E2E_USER_DONE = "conversation.item.input_audio_transcription.completed"


def e2e_events(widget: Any, direction: str = "server") -> list[dict[str, Any]]:
    return [
        payload
        for _t, d, payload in widget.conversation.raw_events
        if d == direction and isinstance(payload, dict)
    ]


def e2e_server_types(widget: Any) -> list[str]:
    return [str(e.get("type")) for e in e2e_events(widget)]


def e2e_assistant_texts(widget: Any) -> list[str]:
    return [
        str(e.get("transcript") or e.get("text") or "")
        for e in e2e_events(widget)
        if e.get("type") in E2E_ASSISTANT_DONE
    ]


def e2e_user_transcripts(widget: Any) -> list[str]:
    return [
        str(e.get("transcript") or "") for e in e2e_events(widget) if e.get("type") == E2E_USER_DONE
    ]


def e2e_settled(widget: Any) -> bool:
    """No response in progress and no assistant audio playing, as far as the log shows."""
    types = e2e_server_types(widget)
    responding = types.count("response.created") > types.count("response.done")
    started = types.count("output_audio_buffer.started")
    ended = types.count("output_audio_buffer.stopped") + types.count("output_audio_buffer.cleared")
    return not responding and started <= ended


def e2e_active_calls() -> int:
    count: int = e2e_shared_emulator().call(lambda emulator: emulator.active_call_count)
    return count


def e2e_emulator_engine_stats(call_id: str) -> dict[str, Any]:
    """The engine's counters for one call, read on the emulator's own loop.

    Read directly rather than through `EmulatorThread.stats()`, whose snapshot turns
    Counter fields into Counters of (key, count) pairs.
    """

    def read(emulator: Any) -> dict[str, Any]:
        stats = emulator.calls[call_id].engine.stats
        return {name: _plain(value) for name, value in vars(stats).items()}

    result: dict[str, Any] = e2e_shared_emulator().call(read)
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, dict):  # Counter included
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def e2e_state_json(widget: Any) -> str:
    """The widget's synced state as the front end (and a saved notebook) would get it."""
    return json.dumps(widget.get_state(), default=repr)


def e2e_sent_vs_logged(widget: Any, call_id: str) -> dict[str, Any]:
    """What the emulator sent on `call_id` against what the kernel logged for that call.

    The kernel's log covers every call of the widget; only the events after the last
    `session.created` belong to the current call.
    """
    types = e2e_server_types(widget)
    starts = [i for i, t in enumerate(types) if t == "session.created"]
    logged = types[starts[-1] :] if starts else types
    engine = e2e_emulator_engine_stats(call_id)
    return {
        "logged": logged,
        "logged_counts": dict(Counter(logged)),
        "sent_counts": {k: v for k, v in engine["server_events"].items() if v},
        "sent_in_order": list(E2E_WIRE.get(call_id, [])),
    }
