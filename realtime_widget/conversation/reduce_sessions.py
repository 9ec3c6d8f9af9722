"""Fold session events into the reducer state: model, voice, instruction versions, calls.

Every `session.created`/`session.updated` (server) and `session.update` (client) becomes a
`SessionRow`; a change of instructions starts a new version, and a session boundary (a new
call in the same log) starts a new session number.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from realtime_widget.conversation.log import Direction, Event
from realtime_widget.conversation.reducer_state import ABSENT, ReducerState, SessionRow


def instructions_hash(instructions: str) -> str:
    """Short stable hash for grouping rows by identical instructions."""
    return hashlib.sha256(instructions.encode("utf-8")).hexdigest()[:8]


class SessionReducer(ReducerState):
    """Handlers of session events and of the session boundary between calls."""

    def _session_common(self, event: Event, t: float, direction: Direction) -> None:
        sess = event.get("session")
        if not isinstance(sess, Mapping):
            return
        model = sess.get("model")
        if isinstance(model, str) and model and direction == "server":
            self.model = model
        audio = sess.get("audio")
        tr: Any = None
        if isinstance(audio, Mapping) and isinstance(audio.get("input"), Mapping):
            tr = audio["input"].get("transcription", ABSENT)
        else:
            tr = sess.get("input_audio_transcription", ABSENT)  # beta shape
        if tr is not ABSENT:
            self.transcription_model = tr.get("model") if isinstance(tr, Mapping) else None
        instr = sess.get("instructions")
        if isinstance(instr, str) and instr != self._instructions:
            self._instructions = instr
            self.version += 1
            self.version_times.append((t, self.version))
        voice = None
        if isinstance(audio, Mapping) and isinstance(audio.get("output"), Mapping):
            voice = audio["output"].get("voice")
        elif isinstance(sess.get("voice"), str):
            voice = sess["voice"]
        self.sessions.append(
            SessionRow(
                time=t,
                direction=direction,
                type=str(event.get("type")),
                session=self.session,
                version=self.version,
                instructions_hash=instructions_hash(instr) if isinstance(instr, str) else None,
                instructions=instr if isinstance(instr, str) else None,
                model=model if isinstance(model, str) else None,
                voice=voice if isinstance(voice, str) else None,
                event_id=event.get("event_id"),
            )
        )

    def _session_server(self, event: Event, t: float) -> None:
        self._session_common(event, t, "server")

    def _session_client(self, event: Event, t: float) -> None:
        self._session_common(event, t, "client")

    def _boundary(self, event: Event, t: float) -> None:
        self.session += 1
        self._pending = None
        self.model = self.default_model
