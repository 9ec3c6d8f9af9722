"""Input audio: the buffer, turn detection, commits, push-to-talk and transcription.

Mic frames (and `input_audio_buffer.append`) fill the buffer and run the detector;
with server/semantic VAD its decisions start and end user turns (`speech_started`
barges in, `speech_stopped` commits and responds) and drive the idle timeout; with
turn detection off the client commits (`input_audio_buffer.commit/clear`). A committed
turn becomes a user `input_audio` item, transcribed asynchronously when the session
asks for transcription.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import numpy as np
import numpy.typing as npt

from . import session_config as sc
from .audio_events import decode, format_rate
from .engine_context import EngineContext, new_id
from .idle import IdleTimer
from .items import Conversation
from .playback import Playback
from .responses import Responses
from .transcribe import split_deltas, transcript_for
from .usage import transcription_usage
from .vad import EnergyVad, VadConfig

MIN_COMMIT_MS = 100.0


def vad_config(session: dict[str, Any]) -> VadConfig:
    td = sc.turn_detection(session)
    return VadConfig.from_turn_detection(td) if td else VadConfig()


class InputAudio:
    def __init__(
        self,
        ctx: EngineContext,
        conversation: Conversation,
        responses: Responses,
        playback: Playback,
        *,
        vad: EnergyVad,
        idle: IdleTimer,
    ) -> None:
        self._ctx = ctx
        self._conversation = conversation
        self._responses = responses
        self._playback = playback
        self.vad = vad
        self._idle = idle
        self.buffer_ms = 0.0  # input audio buffer (since the last commit/clear)
        self._speech_item: str | None = None
        self._speech_start_ms = 0
        self._voice_turns = 0

    def session_updated(self, had_vad: bool) -> None:
        """The session changed: follow its turn detection (off: forget a turn in progress)."""
        self.vad.reconfigure(vad_config(self._ctx.config))
        if had_vad and sc.turn_detection(self._ctx.config) is None:
            self.vad.reset_speech()
            self._speech_item = None

    def ingest(self, data: npt.NDArray[np.int16], sample_rate: int) -> None:
        ms = data.size * 1000.0 / sample_rate
        self._ctx.stats.mic_ms += ms
        self.buffer_ms += ms
        td = sc.turn_detection(self._ctx.config)
        # The detector always runs so its clock keeps counting session audio;
        # with turn detection off its decisions are ignored (push-to-talk).
        events = self.vad.process(data, sample_rate)
        if td is None:
            return
        for ev in events:
            if ev.kind == "start":
                self._on_speech_started(td, ev.audio_ms)
            else:
                self._on_speech_stopped(td, ev.audio_ms)
        self._check_idle_timeout(td)

    # ------------------------------------------------------------------ turn detection

    def _check_idle_timeout(self, td: dict[str, Any]) -> None:
        due = self._idle.due(td, responding=self._responses.active is not None)
        if due is None:
            return
        since, now = due
        item_id = new_id("item_")
        self._ctx.send(
            {
                "type": "input_audio_buffer.timeout_triggered",
                "audio_start_ms": since,
                "audio_end_ms": now,
                "item_id": item_id,
            }
        )
        # The real server commits the (silent) audio as a user item and responds,
        # prompting the user to go on; silence transcribes to an empty string.
        self._speech_item = None
        self._commit(item_id, float(now - since), transcript="")
        self._responses.start({}, None, idle=True)

    def _on_speech_started(self, td: dict[str, Any], start_ms: int) -> None:
        self._idle.disarm()
        self._speech_item = new_id("item_")
        self._speech_start_ms = start_ms
        self._ctx.send(
            {
                "type": "input_audio_buffer.speech_started",
                "audio_start_ms": start_ms,
                "item_id": self._speech_item,
            }
        )
        if td.get("interrupt_response", True):
            self._barge_in()

    def _barge_in(self) -> None:
        audio_out = self._ctx.audio_out
        playing = audio_out.playing_response
        current = self._responses.active
        active = current if current is not None and not current.done else None
        if active is not None:
            self._responses.cancel(active, "turn_detected")
        if not audio_out.busy:
            return
        self._playback.interrupt(playing or (active.id if active else None))

    def _on_speech_stopped(self, td: dict[str, Any], end_ms: int) -> None:
        item_id = self._speech_item or new_id("item_")
        self._speech_item = None
        self._ctx.send(
            {
                "type": "input_audio_buffer.speech_stopped",
                "audio_end_ms": end_ms,
                "item_id": item_id,
            }
        )
        self._commit(item_id, float(end_ms - self._speech_start_ms))
        if td.get("create_response", True) and self._responses.active is None:
            self._responses.start({}, None)

    # ------------------------------------------------------------------ commits

    def _commit(self, item_id: str, audio_ms: float, *, transcript: str | None = None) -> None:
        """Commit the input buffer as a user item; `transcript` overrides the voice-turn script."""
        ctx, conv = self._ctx, self._conversation
        self.buffer_ms = 0.0
        item = {
            "id": item_id,
            "type": "message",
            "object": "realtime.item",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        previous = conv.insert(item)
        conv.item_audio_ms[item_id] = audio_ms
        if transcript is None:
            turn = self._voice_turns
            self._voice_turns += 1
            transcript = transcript_for(ctx.options.transcripts, turn, audio_ms)
            heard = transcript if ctx.options.transcripts is not None else None
            conv.last_user = (heard, audio_ms)
        else:
            conv.last_user = (transcript or None, None)
        ctx.send(
            {
                "type": "input_audio_buffer.committed",
                "previous_item_id": previous,
                "item_id": item_id,
            }
        )
        ctx.send({"type": "conversation.item.added", "previous_item_id": previous, "item": item})
        ctx.send({"type": "conversation.item.done", "previous_item_id": previous, "item": item})
        tr = sc.transcription(ctx.config)
        if tr is not None:
            ctx.spawn(self._transcribe(item, transcript, audio_ms, tr.get("model")))

    async def _transcribe(
        self, item: dict[str, Any], transcript: str, audio_ms: float, model: Any
    ) -> None:
        ctx = self._ctx
        await asyncio.sleep(ctx.options.transcription_delay_s)
        for piece in split_deltas(transcript):
            ctx.send(
                {
                    "type": "conversation.item.input_audio_transcription.delta",
                    "item_id": item["id"],
                    "content_index": 0,
                    "delta": piece,
                }
            )
            await asyncio.sleep(ctx.options.text_delta_interval_s)
        item["content"][0]["transcript"] = transcript
        ctx.send(
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": item["id"],
                "content_index": 0,
                "transcript": transcript,
                "usage": transcription_usage(
                    model if isinstance(model, str) else None, audio_ms, transcript
                ),
            }
        )

    # ------------------------------------------------------------------ client events

    def on_append(self, evt: dict[str, Any], event_id: str | None) -> None:
        try:
            raw = base64.b64decode(evt.get("audio") or "", validate=True)
        except ValueError:
            self._ctx.error(
                "invalid_value",
                "Invalid 'audio': expected base64-encoded 16-bit PCM at 24 kHz.",
                param="audio",
                event_id=event_id,
            )
            return
        fmt = ((self._ctx.config.get("audio") or {}).get("input") or {}).get("format")
        self.ingest(decode(raw, fmt), format_rate(fmt))

    def on_commit(self, evt: dict[str, Any], event_id: str | None) -> None:
        if self.buffer_ms < MIN_COMMIT_MS:
            self._ctx.error(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected at least "
                f"100ms of audio, but buffer only has {self.buffer_ms:.2f}ms of audio.",
                event_id=event_id,
            )
            return
        item_id = self._speech_item or new_id("item_")
        self._speech_item = None
        self.vad.reset_speech()
        self._commit(item_id, self.buffer_ms)

    def on_clear(self, evt: dict[str, Any], event_id: str | None) -> None:
        self.buffer_ms = 0.0
        self._speech_item = None
        self.vad.reset_speech()
        self._ctx.send({"type": "input_audio_buffer.cleared"})
