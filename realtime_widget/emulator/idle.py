"""server_vad's `idle_timeout_ms`: when the user's silence has lasted long enough.

It follows the SDK's description of `input_audio_buffer.timeout_triggered`: the wait
starts when the last response's audio has finished playing (`output_audio_buffer.stopped`,
or `.cleared` by the client; `response.done` for a response without audio), and is
counted on the input audio clock (a WebRTC mic track delivers frames, silence included,
in real time). Not before the first response, and user speech or a new response stops
it. When it fires (see `input_audio.InputAudio`): `timeout_triggered` (`audio_start_ms` =
where playback ended, `audio_end_ms` = now), the silent audio is committed as a user
`input_audio` item (transcribed to ""), and a response prompts the user to go on
(replies.IDLE_PROMPT by default).
"""

from __future__ import annotations

from typing import Any

from .audio_out import AudioOut
from .vad import EnergyVad


class IdleTimer:
    def __init__(self, vad: EnergyVad, audio_out: AudioOut) -> None:
        self._vad = vad
        self._audio_out = audio_out
        # Input audio position (ms) when the last response's audio finished playing;
        # idle_timeout_ms counts from here. None: no idle timer running.
        self.since_ms: int | None = None

    def arm(self) -> None:
        """Playback has ended (the caller knows no response is running): count from now."""
        if not self._vad.speaking and not self._audio_out.busy:
            self.since_ms = self._vad.position_ms

    def disarm(self) -> None:
        self.since_ms = None

    def due(self, td: dict[str, Any], *, responding: bool) -> tuple[int, int] | None:
        """(start, now) in input audio ms once the wait is over (and disarm), else None."""
        # Measured on the input audio clock, as the real event's offsets are: over
        # WebRTC the mic track delivers frames (silence included) in real time.
        since = self.since_ms
        limit = td.get("idle_timeout_ms")
        if (
            since is None
            or td.get("type") != "server_vad"
            or not isinstance(limit, int)
            or self._vad.speaking
            or responding
        ):
            return None
        now = self._vad.position_ms
        if now - since < limit:
            return None
        self.since_ms = None
        return since, now
