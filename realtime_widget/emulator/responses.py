"""Responses: `response.create` and `response.cancel`, and each response's run.

`Responses` owns the response records (by id), the one in-conversation response in
progress (`active`), the reply planner, the usage ledger and the rate-limit count. A
run plans the reply, has `ResponseWriter` stream its items, then finishes it
(`response.done` with usage, `rate_limits.updated`). Out-of-band responses
(`conversation: "none"`) run beside the conversation and never join it.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from typing import Any

from ..api_facts import DEFAULT_VOICE
from . import session_config as sc
from .engine_context import EngineContext, new_id
from .idle import IdleTimer
from .items import Conversation, validate_item
from .replies import ReplyContext, ReplyPlanner
from .response_output import ResponseState, ResponseWriter
from .usage import Segment, UsageLedger, assistant_audio_tokens, item_segment, text_tokens

RATE_LIMIT_TOKENS = 40_000


class Responses:
    def __init__(self, ctx: EngineContext, conversation: Conversation, idle: IdleTimer) -> None:
        self._ctx = ctx
        self._conversation = conversation
        self._idle = idle
        self._writer = ResponseWriter(ctx, conversation)
        self._planner = ReplyPlanner(ctx.options.replies)
        self._ledger = UsageLedger()
        self._tokens_used = 0
        self.active: ResponseState | None = None  # the response writing to the conversation
        self.by_id: dict[str, ResponseState] = {}
        self.last_response_id: str | None = None

    def arm_idle_timer(self) -> None:
        """The last response's audio has finished playing: the user's silence counts from now."""
        if self.active is None:
            self._idle.arm()

    # ------------------------------------------------------------------ client events

    def on_create(self, evt: dict[str, Any], event_id: str | None) -> None:
        ctx = self._ctx
        params = evt.get("response") or {}
        problems = sc.validate_response_params(params)
        if problems:
            p = problems[0]
            ctx.error(p.code, p.message, param=p.param, event_id=event_id)
            return
        for i, entry in enumerate(params.get("input") or []):
            problem = self._input_problem(entry, i)
            if problem is not None:
                ctx.error(problem[1], problem[2], param=problem[0], event_id=event_id)
                return
        in_conv = params.get("conversation", "auto") != "none"
        if in_conv and self.active is not None:
            ctx.error(
                "conversation_already_has_active_response",
                f"Conversation already has an active response in progress: {self.active.id}. "
                "Wait until the response is finished before creating a new one.",
                event_id=event_id,
            )
            return
        self.start(params, event_id)

    def on_cancel(self, evt: dict[str, Any], event_id: str | None) -> None:
        wanted = evt.get("response_id")
        resp = self.by_id.get(wanted) if wanted else self.active
        if resp is None or resp.done:
            self._ctx.error(
                "response_cancel_not_active",
                "Cancellation failed: no active response found",
                event_id=event_id,
            )
            return
        self.cancel(resp, "client_cancelled")

    def _input_problem(self, entry: Any, index: int) -> tuple[str, str, str] | None:
        """(param, code, message) of a bad `response.input` entry, or None."""
        param = f"response.input[{index}]"
        if isinstance(entry, dict) and entry.get("type") == "item_reference":
            ref = entry.get("id")
            if not isinstance(ref, str) or self._conversation.index(ref) is None:
                return (
                    f"{param}.id",
                    "invalid_value",
                    f"Invalid '{param}.id': no item with id '{ref}' in the conversation.",
                )
            return None
        problem = validate_item(entry)
        if problem is None:
            return None
        return (param + problem[0][len("item") :], problem[1], problem[2])

    # ------------------------------------------------------------------ what a response sees

    def _context_items(self, resp: ResponseState) -> list[dict[str, Any]]:
        """What a response sees: `response.input` (item references resolved), else the
        whole conversation."""
        conv = self._conversation
        given = resp.params.get("input")
        if not isinstance(given, list):
            return list(conv.items)
        seen: list[dict[str, Any]] = []
        for entry in given:
            if isinstance(entry, dict) and entry.get("type") == "item_reference":
                idx = conv.index(str(entry.get("id")))
                if idx is not None:
                    seen.append(conv.items[idx])
            elif isinstance(entry, dict):
                seen.append(entry)
        return seen

    def _segments(
        self, resp: ResponseState, instructions: str, tools: list[dict[str, Any]]
    ) -> list[Segment]:
        audio_ms = self._conversation.item_audio_ms
        tools_text = json.dumps(tools, sort_keys=True) if tools else ""
        segs = [
            Segment(
                f"instructions:{zlib.crc32(instructions.encode())}", text_tokens(instructions) + 4
            ),
            Segment(f"tools:{zlib.crc32(tools_text.encode())}", text_tokens(tools_text)),
        ]
        for item in self._context_items(resp):
            segs.append(item_segment(item, audio_ms.get(str(item.get("id")), 0.0)))
        return segs

    def _parallel_tool_calls(self, resp: ResponseState) -> bool:
        given = resp.params.get("parallel_tool_calls", self._ctx.config.get("parallel_tool_calls"))
        return given is True

    # ------------------------------------------------------------------ running

    def start(self, params: dict[str, Any], event_id: str | None, *, idle: bool = False) -> None:
        s = self._ctx.config
        audio_params = (params.get("audio") or {}).get("output") or {}
        out_cfg = (s.get("audio") or {}).get("output") or {}
        resp = ResponseState(
            id=new_id("resp_"),
            params=params,
            in_conversation=params.get("conversation", "auto") != "none",
            modalities=list(
                params.get("output_modalities") or s.get("output_modalities") or ["audio"]
            ),
            voice=audio_params.get("voice", out_cfg.get("voice", DEFAULT_VOICE)),
            output_format=dict(
                audio_params.get("format")
                or out_cfg.get("format")
                or {"type": "audio/pcm", "rate": 24000}
            ),
            max_output_tokens=params.get("max_output_tokens", s.get("max_output_tokens", "inf")),
            metadata=params.get("metadata"),
            idle=idle,
        )
        self.by_id[resp.id] = resp
        self.last_response_id = resp.id
        if resp.in_conversation:
            self.active = resp
            self._idle.disarm()  # re-armed once this response has been heard
        self._ctx.stats.responses += 1
        resp.task = self._ctx.spawn(self._run(resp))

    def _response_object(
        self, resp: ResponseState, status: str, details: Any, usage: Any
    ) -> dict[str, Any]:
        session_id = self._ctx.session_id
        return {
            "object": "realtime.response",
            "id": resp.id,
            "status": status,
            "status_details": details,
            "output": [json.loads(json.dumps(i)) for i in resp.output],
            "conversation_id": f"conv_{session_id[5:]}" if resp.in_conversation else None,
            "output_modalities": resp.modalities,
            "max_output_tokens": resp.max_output_tokens,
            "audio": {"output": {"format": resp.output_format, "voice": resp.voice}},
            "usage": usage,
            "metadata": resp.metadata,
        }

    async def _run(self, resp: ResponseState) -> None:
        ctx, conv = self._ctx, self._conversation
        s = ctx.config
        instructions = resp.params.get("instructions") or s.get("instructions") or ""
        tools = list(resp.params.get("tools", s.get("tools")) or [])
        tool_choice = resp.params.get("tool_choice", s.get("tool_choice", "auto"))
        resp.segments = self._segments(resp, instructions, tools)
        ctx.send(
            {
                "type": "response.created",
                "response": self._response_object(resp, "in_progress", None, None),
            }
        )
        resp.created_sent = True
        items = self._context_items(resp)
        if resp.in_conversation:
            user_text, user_ms = conv.last_user
            outputs, conv.pending_outputs = conv.pending_outputs, []
        else:
            # Out of band: only what `response.input` (or the conversation) shows, and
            # nothing of the conversation's own turn-taking state is consumed.
            user_text, user_ms = _last_user_text(items), None
            outputs = []
        reply_ctx = ReplyContext(
            user_text=user_text,
            user_audio_ms=user_ms,
            items=items,
            tools=tools,
            tool_choice=tool_choice,
            function_outputs=outputs,
            instructions=instructions,
            response_index=ctx.stats.responses - 1,
            idle_timeout=resp.idle,
            parallel_tool_calls=self._parallel_tool_calls(resp),
            in_conversation=resp.in_conversation,
            metadata=resp.metadata,
        )
        try:
            reply = self._planner.next(reply_ctx)
        except Exception as exc:  # a user's script failed: report it like a failed response
            details = {
                "type": "failed",
                "error": {
                    "type": "server_error",
                    "code": "reply_script_error",
                    "message": f"{type(exc).__name__}: {exc}",
                },
            }
            self._finish(resp, "failed", details)
            return
        if resp.in_conversation:
            conv.last_user = (None, None)
        if reply.text:
            await self._writer.produce_message(resp, reply)
        calls = list(reply.calls)
        if not self._parallel_tool_calls(resp):
            calls = calls[:1]  # one function call per response unless parallel_tool_calls
        for call in calls:
            await self._writer.produce_function_call(resp, call)
        self._finish(resp, "completed", None)

    # ------------------------------------------------------------------ ending

    def cancel(self, resp: ResponseState, reason: str) -> None:
        """Stop a response now: its partial output stays, marked incomplete."""
        if resp.done:
            return
        if resp.task is not None and resp.task is not asyncio.current_task():
            resp.task.cancel()
        if not resp.created_sent:  # cancelled before its task ever ran
            self._ctx.send(
                {
                    "type": "response.created",
                    "response": self._response_object(resp, "in_progress", None, None),
                }
            )
            resp.created_sent = True
        self._writer.cut_short(resp)
        self._finish(resp, "cancelled", {"type": "cancelled", "reason": reason})

    def _finish(self, resp: ResponseState, status: str, details: Any) -> None:
        if resp.done:
            return
        ctx = self._ctx
        out_audio = assistant_audio_tokens(resp.audio_ms) if "audio" in resp.modalities else 0
        usage = self._ledger.bill(resp.segments, resp.out_text_tokens, out_audio)
        ctx.send(
            {
                "type": "response.done",
                "response": self._response_object(resp, status, details, usage),
            }
        )
        resp.done = True
        if self.active is resp:
            self.active = None
        self._tokens_used += int(usage["total_tokens"])
        ctx.send(
            {
                "type": "rate_limits.updated",
                # The real server reports only the `tokens` entry.
                "rate_limits": [
                    {
                        "name": "tokens",
                        "limit": RATE_LIMIT_TOKENS,
                        "remaining": max(0, RATE_LIMIT_TOKENS - self._tokens_used),
                        "reset_seconds": round(self._tokens_used / RATE_LIMIT_TOKENS * 60, 3),
                    },
                ],
            }
        )
        # Only now may playback report "stopped": the real server sends it after response.done.
        ctx.audio_out.close_response(resp.id)
        if resp.in_conversation and resp.audio_ms == 0:
            # Nothing to play: the idle timeout counts from response.done.
            self.arm_idle_timer()


def _last_user_text(items: list[dict[str, Any]]) -> str | None:
    """The text (or transcript) of the last user message among `items`."""
    for item in reversed(items):
        if item.get("type") == "message" and item.get("role") == "user":
            texts = [
                p.get("text") or p.get("transcript")
                for p in item.get("content") or []
                if isinstance(p, dict)
            ]
            return " ".join(t for t in texts if isinstance(t, str) and t) or None
    return None
