"""The paths of a WebRTC call's events: its data channel, and the sideband WebSockets a
server attached to it (`GET /v1/realtime?call_id=rtc_…` with a standard API key).

`CallPaths` is the engine's `CallLink` on a WebRTC call. Every server event goes to the
data channel and to each sideband, in the same order and with the same `event_id` (so a
client that hears both can keep each once); client events may come from any path (a
sideband's `WebSocketLink` hands its frames to the same engine). A sideband carries no
media: the voice stays on the call's track, so it sees what the data channel sees, which
over WebRTC has no audio deltas. Attaching sends nothing (the session already exists).

How paths end: the call ending (hangup, expiry, the emulator stopping) closes every
sideband with the code a WebSocket session gets for that reason; a sideband closing
leaves the call as it is; the data-channel drop fault leaves the sidebands going.
"""

from __future__ import annotations

from .engine_context import CallLink
from .ws_link import WebSocketLink


class CallPaths:
    """The data channel (`primary`) and the attached sidebands of one call."""

    def __init__(self, primary: CallLink) -> None:
        self.primary = primary
        self.sidebands: list[WebSocketLink] = []
        self.attached = 0  # sidebands attached over the call's life

    def add(self, sideband: WebSocketLink) -> None:
        self.sidebands.append(sideband)
        self.attached += 1

    def remove(self, sideband: WebSocketLink) -> None:
        if sideband in self.sidebands:
            self.sidebands.remove(sideband)

    # -- CallLink -----------------------------------------------------------------

    def send_text(self, text: str) -> None:
        self.primary.send_text(text)
        for sideband in list(self.sidebands):
            sideband.send_text(text)

    def close_channel(self) -> bool:
        self.primary.close_channel()
        return bool(self.sidebands)

    def close_call(self, reason: str) -> None:
        self.primary.close_call(reason)
        self.close_sidebands(reason)

    def close_sidebands(self, reason: str) -> None:
        for sideband in list(self.sidebands):
            sideband.close_call(reason)
