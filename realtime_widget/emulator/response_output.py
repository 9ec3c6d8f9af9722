"""A response's output items as they stream: an assistant message (text or audio) and
function calls, each announced, streamed in deltas and completed in the real order.

`ResponseState` is one response's record (parameters, output so far, streaming state,
usage inputs); `responses.Responses` owns the records, `ResponseWriter` fills them in.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from . import session_config as sc
from .audio_events import delta_chunks
from .engine_context import EngineContext, new_id
from .items import Conversation
from .replies import Reply, ToolCall, arguments_json
from .speech import SAMPLE_RATE, synthesize
from .transcribe import split_deltas
from .usage import Segment, text_tokens


@dataclass
class ResponseState:
    id: str
    params: dict[str, Any]
    in_conversation: bool
    modalities: list[str]
    voice: Any
    output_format: dict[str, Any]
    max_output_tokens: Any
    metadata: Any
    segments: list[Segment] = field(default_factory=list)
    output: list[dict[str, Any]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    created_sent: bool = False
    events_after_created: int = 0
    done: bool = False
    idle: bool = False  # started by server_vad's idle timeout
    # Streaming state of the output item being produced.
    current: dict[str, Any] | None = None
    full_text: str = ""
    text_so_far: str = ""
    audio_ms: float = 0.0  # assistant audio produced (ms)
    audio_sent_ms: float = 0.0  # of which sent as events (WebSocket): the client has it
    out_text_tokens: int = 0


class ResponseWriter:
    def __init__(self, ctx: EngineContext, conversation: Conversation) -> None:
        self._ctx = ctx
        self._conversation = conversation

    def announce_item(self, resp: ResponseState, item: dict[str, Any]) -> int:
        output_index = len(resp.output)
        resp.output.append(item)
        resp.current = item
        self._ctx.send(
            {
                "type": "response.output_item.added",
                "response_id": resp.id,
                "output_index": output_index,
                "item": item,
            }
        )
        if resp.in_conversation:
            previous = self._conversation.insert(item)
            self._ctx.send(
                {"type": "conversation.item.added", "previous_item_id": previous, "item": item}
            )
        return output_index

    def complete_item(
        self, resp: ResponseState, item: dict[str, Any], output_index: int, status: str
    ) -> None:
        conv = self._conversation
        item["status"] = status
        self._ctx.send(
            {
                "type": "response.output_item.done",
                "response_id": resp.id,
                "output_index": output_index,
                "item": item,
            }
        )
        if resp.in_conversation and conv.index(item["id"]) is not None:
            idx = conv.index(item["id"])
            previous = conv.items[idx - 1]["id"] if idx else None
            self._ctx.send(
                {"type": "conversation.item.done", "previous_item_id": previous, "item": item}
            )
        resp.current = None

    async def produce_message(self, resp: ResponseState, reply: Reply) -> None:
        ctx = self._ctx
        text = reply.text or ""
        audio = "audio" in resp.modalities
        item: dict[str, Any] = {
            "id": new_id("item_"),
            "type": "message",
            "object": "realtime.item",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        output_index = self.announce_item(resp, item)
        base = {
            "response_id": resp.id,
            "item_id": item["id"],
            "output_index": output_index,
            "content_index": 0,
        }
        part = {"type": "audio", "transcript": ""} if audio else {"type": "text", "text": ""}
        content = (
            {"type": "output_audio", "transcript": ""}
            if audio
            else {"type": "output_text", "text": ""}
        )
        item["content"].append(content)
        ctx.send({"type": "response.content_part.added", **base, "part": part})
        resp.full_text = text
        resp.text_so_far = ""
        pieces = split_deltas(text)
        # Over WebSocket the voice goes as events, beside the transcript (see audio_events).
        audio_deltas: list[tuple[list[str], float]] = [([], 0.0) for _ in pieces]
        if audio:
            speed = sc.output_speed(ctx.config)
            samples = synthesize(text, ms_per_char=ctx.options.ms_per_char / speed)
            resp.audio_ms = samples.size * 1000 / SAMPLE_RATE
            self._conversation.item_audio_ms[item["id"]] = resp.audio_ms
            ctx.lock_voice()
            # Over WebSocket this is the server's estimate of the client's playback (the
            # idle timeout counts from its end); over WebRTC it feeds the media track.
            ctx.audio_out.open_response(resp.id)
            ctx.audio_out.enqueue(resp.id, item["id"], samples)
            if ctx.options.transport == "websocket" and pieces:
                audio_deltas = delta_chunks(samples, resp.output_format, len(pieces))
        delta_type = (
            "response.output_audio_transcript.delta" if audio else "response.output_text.delta"
        )
        for piece, (chunks, sent_ms) in zip(pieces, audio_deltas, strict=True):
            await asyncio.sleep(ctx.options.text_delta_interval_s)
            for chunk in chunks:
                ctx.send({"type": "response.output_audio.delta", **base, "delta": chunk})
            resp.audio_sent_ms = max(resp.audio_sent_ms, sent_ms)
            resp.text_so_far += piece
            content["transcript" if audio else "text"] = resp.text_so_far
            ctx.send({"type": delta_type, **base, "delta": piece})
        resp.out_text_tokens += text_tokens(text)
        if audio:
            ctx.send({"type": "response.output_audio.done", **base})
            ctx.send({"type": "response.output_audio_transcript.done", **base, "transcript": text})
            part = {"type": "audio", "transcript": text}
        else:
            ctx.send({"type": "response.output_text.done", **base, "text": text})
            part = {"type": "text", "text": text}
        ctx.send({"type": "response.content_part.done", **base, "part": part})
        self.complete_item(resp, item, output_index, "completed")

    async def produce_function_call(self, resp: ResponseState, call: ToolCall) -> None:
        ctx = self._ctx
        args = arguments_json(call.arguments)
        item: dict[str, Any] = {
            "id": new_id("item_"),
            "type": "function_call",
            "object": "realtime.item",
            "status": "in_progress",
            "name": call.name,
            "call_id": new_id("call_", 16),
            "arguments": "",
        }
        output_index = self.announce_item(resp, item)
        base = {
            "response_id": resp.id,
            "item_id": item["id"],
            "output_index": output_index,
            "call_id": item["call_id"],
        }
        for i in range(0, len(args), 12):
            await asyncio.sleep(ctx.options.text_delta_interval_s)
            item["arguments"] += args[i : i + 12]
            ctx.send(
                {
                    "type": "response.function_call_arguments.delta",
                    **base,
                    "delta": args[i : i + 12],
                }
            )
        item["arguments"] = args
        resp.out_text_tokens += text_tokens(args) + text_tokens(call.name)
        ctx.send(
            {
                "type": "response.function_call_arguments.done",
                **base,
                "name": call.name,
                "arguments": args,
            }
        )
        self.complete_item(resp, item, output_index, "completed")

    def cut_short(self, resp: ResponseState) -> None:
        """Mark the item being produced incomplete, keeping what was generated of it."""
        item = resp.current
        if item is None:
            return
        if item.get("type") == "message" and item["content"]:
            heard = resp.text_so_far
            key = "transcript" if item["content"][0]["type"] == "output_audio" else "text"
            item["content"][0][key] = heard
            if resp.full_text and resp.audio_ms:
                # Audio is generated faster than it plays; keep what was generated, and
                # at least what went out as events (the WebSocket client has it).
                share = len(heard) / len(resp.full_text)
                kept = min(resp.audio_ms, max(resp.audio_ms * share, resp.audio_sent_ms))
                self._ctx.audio_out.cut(resp.id, kept)
                resp.audio_ms = kept
                audio_ms = self._conversation.item_audio_ms
                audio_ms[item["id"]] = min(audio_ms.get(item["id"], kept), kept)
            resp.out_text_tokens += text_tokens(heard)
        self.complete_item(resp, item, resp.output.index(item), "incomplete")
