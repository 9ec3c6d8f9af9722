"""The output audio buffer: `output_audio_buffer.started/stopped`, the client's
`output_audio_buffer.clear`, and interrupting playback (also VAD barge-in).

Generation runs ahead of playback (`audio_out` plays in real time), so what a user
heard is known only here: an interruption truncates each item cut short at the audio
actually played, as the real WebRTC server does.

Over WebSocket (`SocketPlayback`) the client plays the audio it got as events: the server
has no output audio buffer (the SDK marks `output_audio_buffer.*` "WebRTC/SIP Only"), so
none of its events go out and an interruption truncates nothing (the client sends
`conversation.item.truncate` for what it did not play). `audio_out` still runs on its
clock as the server's estimate of the playback, which the idle timeout counts from.
"""

from __future__ import annotations

from typing import Any

from .engine_context import EngineContext
from .items import Conversation
from .responses import Responses


class Playback:
    def __init__(
        self, ctx: EngineContext, conversation: Conversation, responses: Responses
    ) -> None:
        self._ctx = ctx
        self._conversation = conversation
        self._responses = responses

    def on_started(self, response_id: str) -> None:
        self._ctx.send({"type": "output_audio_buffer.started", "response_id": response_id})

    def on_stopped(self, response_id: str) -> None:
        self._ctx.send({"type": "output_audio_buffer.stopped", "response_id": response_id})
        self._responses.arm_idle_timer()

    def on_clear(self, evt: dict[str, Any], event_id: str | None) -> None:
        self.interrupt(None)
        self._responses.arm_idle_timer()  # playback ended here, cut short by the client

    def interrupt(self, response_id: str | None) -> None:
        """Stop the track now, truncate what was cut short, then `output_audio_buffer.cleared`.

        As the real WebRTC server does: it tracks playback, so it truncates each
        conversation item whose audio was not played to the end at the position
        actually played (`conversation.item.truncated`, audio_end_ms = ms sent on the
        track), which also removes that item's transcript.
        """
        ctx, conv = self._ctx, self._conversation
        audio_out = ctx.audio_out
        playing = audio_out.playing_response
        pending = audio_out.clear()
        heard = [r for r in dict.fromkeys([playing, *pending]) if r is not None]
        for rid in heard:
            resp = self._responses.by_id.get(rid)
            for item in resp.output if resp else []:
                if item.get("type") != "message" or conv.index(item["id"]) is None:
                    continue
                content = item.get("content") or []
                if not content or content[0].get("type") != "output_audio":
                    continue
                played = round(audio_out.played_ms(item["id"]))
                if played < round(conv.item_audio_ms.get(item["id"], 0.0)):
                    conv.truncate(item, 0, float(played))
                    ctx.send(
                        {
                            "type": "conversation.item.truncated",
                            "item_id": item["id"],
                            "content_index": 0,
                            "audio_end_ms": played,
                        }
                    )
        cleared = playing or (heard[0] if heard else None) or response_id
        ctx.send(
            {
                "type": "output_audio_buffer.cleared",
                "response_id": cleared or self._responses.last_response_id or "",
            }
        )


class SocketPlayback(Playback):
    """The WebSocket interface's playback: no output audio buffer, no server truncation."""

    def on_started(self, response_id: str) -> None:
        return

    def on_stopped(self, response_id: str) -> None:
        self._responses.arm_idle_timer()

    def interrupt(self, response_id: str | None) -> None:
        self._ctx.audio_out.clear()
