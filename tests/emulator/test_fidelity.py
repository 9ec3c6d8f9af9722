"""Emulator fidelity (issue 11): interrupting over WebRTC, truncation, out-of-band
responses, 2.x session fields. Driven without a transport; every server event is
validated strictly against the openai SDK types by the FakeLink.

A behaviour test across modules (through SessionEngine): playback.py, responses.py,
response_output.py, items.py, session_config.py and usage.py.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import numpy as np
from engine_harness import Harness, MakeEngine, silence, speech

from realtime_widget.api_facts import TRANSCRIPTION_MODEL_INFO
from realtime_widget.emulator.replies import Reply, ReplyContext, ToolCall
from realtime_widget.emulator.speech import speech_duration_ms

WORDS = " ".join(f"word{i}" for i in range(60))  # ~20 s of audio at 60 ms a character


def user_text(h: Harness, text: str) -> str:
    h.send(
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": text}],
            },
        }
    )
    return str(h.link.of("conversation.item.added")[-1]["item"]["id"])


def assistant_item(h: Harness) -> dict[str, Any]:
    return next(i for i in h.engine.items if i.get("role") == "assistant")


def after(h: Harness, kind: str) -> list[str]:
    types = h.link.types()
    return types[types.index(kind) :]


# --- 1. interrupting as the real WebRTC server does -----------------------------------


async def test_cancel_stops_generation_but_generated_audio_plays_until_clear(
    make_engine: MakeEngine,
) -> None:
    h = make_engine(replies=[WORDS], text_delta_interval_s=0.02, audio_clock_speed=1.0)
    user_text(h, "go")
    h.send({"type": "response.create"})
    await h.link.wait_for("response.output_audio_transcript.delta", 10)
    h.send({"type": "response.cancel"})
    done = h.link.of("response.done")[0]["response"]
    assert done["status_details"] == {"type": "cancelled", "reason": "client_cancelled"}
    item = assistant_item(h)
    generated_ms = h.engine.audio_out.total_ms(item["id"])
    assert generated_ms > 1000  # ten words of speech were generated
    # Cancelling stops generation only: the audio already generated keeps playing.
    await h.link.wait_for("output_audio_buffer.started")
    played_before = h.engine.audio_out.played_ms(item["id"])
    await asyncio.sleep(0.3)
    assert h.engine.audio_out.played_ms(item["id"]) > played_before
    assert "output_audio_buffer.cleared" not in h.link.types()
    assert "output_audio_buffer.stopped" not in h.link.types()
    h.send({"type": "output_audio_buffer.clear"})
    played = h.engine.audio_out.played_ms(item["id"])
    assert after(h, "conversation.item.truncated") == [
        "conversation.item.truncated",
        "output_audio_buffer.cleared",
    ]
    truncated = h.link.of("conversation.item.truncated")[0]
    assert truncated["item_id"] == item["id"] and truncated["content_index"] == 0
    assert truncated["audio_end_ms"] == round(played) < generated_ms
    assert h.link.of("output_audio_buffer.cleared")[0]["response_id"] == done["id"]
    await asyncio.sleep(0.1)  # the track stopped at once: nothing more plays
    assert h.engine.audio_out.played_ms(item["id"]) == played
    assert not h.engine.audio_out.busy
    assert "output_audio_buffer.stopped" not in h.link.types()


async def test_fully_generated_response_still_playing_is_truncated_by_clear(
    make_engine: MakeEngine,
) -> None:
    seen: list[ReplyContext] = []

    def script(ctx: ReplyContext) -> Reply:
        seen.append(ctx)
        return Reply(text=WORDS if ctx.response_index == 0 else "ok")

    h = make_engine(replies=script, audio_clock_speed=1.0)
    user_text(h, "go")
    h.send({"type": "response.create"})
    done = await h.link.wait_for("response.done")
    assert done["response"]["status"] == "completed"  # generated in full, far ahead
    await asyncio.sleep(0.4)
    item = assistant_item(h)
    assert h.engine.audio_out.busy  # ... of playback, which goes on
    h.send({"type": "output_audio_buffer.clear"})
    end_ms = h.link.of("conversation.item.truncated")[0]["audio_end_ms"]
    assert 300 <= end_ms < speech_duration_ms(WORDS) / 4
    # The server drops the transcript of the truncated part: the model no longer has it.
    h.send({"type": "conversation.item.retrieve", "item_id": item["id"]})
    got = h.link.of("conversation.item.retrieved")[0]["item"]
    assert got["content"] == [{"type": "output_audio", "transcript": None}]
    # A later response sees no text for it and bills only the audio that was played.
    user_text(h, "and then?")
    h.send({"type": "response.create"})
    second = await h.link.wait_for("response.done", 2)
    context_item = next(i for i in seen[1].items if i["id"] == item["id"])
    assert context_item["content"][0]["transcript"] is None
    first_usage = done["response"]["usage"]["input_token_details"]
    usage = second["response"]["usage"]["input_token_details"]
    assert usage["audio_tokens"] - first_usage["audio_tokens"] == math.ceil(end_ms / 50)


async def test_client_truncate_beyond_the_audio_is_refused_with_the_real_words(
    make_engine: MakeEngine,
) -> None:
    h = make_engine(replies=["Short one."])
    user_text(h, "hi")
    h.send({"type": "response.create"})
    await h.link.wait_for("output_audio_buffer.stopped")
    item = assistant_item(h)
    total = round(h.engine.audio_out.total_ms(item["id"]))
    h.send(
        {
            "type": "conversation.item.truncate",
            "event_id": "evt_long",
            "item_id": item["id"],
            "content_index": 0,
            "audio_end_ms": total + 500,
        }
    )
    err = h.link.of("error")[-1]["error"]
    assert err["message"] == f"Audio content of {total}ms is already shorter than {total + 500}ms"
    assert err["event_id"] == "evt_long" and err["type"] == "invalid_request_error"
    assert item["content"][0]["transcript"] == "Short one."  # a refused truncate changes nothing


async def test_vad_barge_in_truncates_at_the_played_position_then_clears(
    make_engine: MakeEngine,
) -> None:
    h = make_engine(replies=[WORDS], audio_clock_speed=1.0)
    user_text(h, "tell me")
    h.send({"type": "response.create"})
    await h.link.wait_for("response.done")
    await h.link.wait_for("output_audio_buffer.started")
    await asyncio.sleep(0.3)
    item = assistant_item(h)
    h.feed(np.concatenate([speech("wait stop"), silence(600)]))
    types = after(h, "input_audio_buffer.speech_started")
    assert types[:3] == [
        "input_audio_buffer.speech_started",
        "conversation.item.truncated",
        "output_audio_buffer.cleared",
    ]
    truncated = h.link.of("conversation.item.truncated")[0]
    assert truncated["audio_end_ms"] == round(h.engine.audio_out.played_ms(item["id"]))
    assert item["content"][0]["transcript"] is None


# --- 3. out-of-band responses ---------------------------------------------------------


async def test_out_of_band_response_beside_the_conversation(make_engine: MakeEngine) -> None:
    seen: dict[str, ReplyContext] = {}

    def script(ctx: ReplyContext) -> Reply:
        key = "oob" if not ctx.in_conversation else f"conv{ctx.response_index}"
        seen[key] = ctx
        if not ctx.in_conversation:
            return Reply(text="positive")
        return Reply(text=WORDS if ctx.response_index == 1 else "first")

    h = make_engine(replies=script, text_delta_interval_s=0.01)
    first_user = user_text(h, "first question")
    h.send({"type": "response.create"})
    await h.link.wait_for("response.done")
    user_text(h, "second question")
    h.send({"type": "response.create"})  # in the conversation, still generating ...
    await h.link.wait_for("response.output_audio_transcript.delta", 3)
    items_before = len(h.engine.items)
    added_before = len(h.link.of("conversation.item.added"))
    h.send(
        {
            "type": "response.create",
            "response": {
                "conversation": "none",
                "output_modalities": ["text"],
                "metadata": {"purpose": "sentiment"},
                "instructions": "Classify the user's sentiment.",
                "input": [
                    {"type": "item_reference", "id": first_user},
                    {
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": "classify this"}],
                    },
                ],
            },
        }
    )
    oob_done = await h.link.wait_for("response.done", 2)  # ... beside it
    conv_done = await h.link.wait_for("response.done", 3)
    assert oob_done["response"]["metadata"] == {"purpose": "sentiment"}
    created = [e["response"] for e in h.link.of("response.created")]
    oob_created = next(r for r in created if r["id"] == oob_done["response"]["id"])
    assert (
        oob_created["conversation_id"] is None and oob_done["response"]["conversation_id"] is None
    )
    assert oob_created["metadata"] == {"purpose": "sentiment"}
    session_tail = h.engine.session_id.removeprefix("sess_")
    assert conv_done["response"]["conversation_id"] == f"conv_{session_tail}"
    assert all(
        r["conversation_id"] == f"conv_{session_tail}" for r in created if r is not oob_created
    )
    oob_item = oob_done["response"]["output"][0]
    assert oob_item["content"][0]["text"] == "positive"
    added_ids = {e["item"]["id"] for e in h.link.of("conversation.item.added")}
    done_ids = {e["item"]["id"] for e in h.link.of("conversation.item.done")}
    assert oob_item["id"] not in added_ids | done_ids
    assert oob_item["id"] not in {i["id"] for i in h.engine.items}
    assert len(h.link.of("conversation.item.added")) == added_before  # the live one was added
    assert len(h.engine.items) == items_before
    # It saw exactly its `input`: the referenced item and its own message.
    oob_ctx = seen["oob"]
    assert oob_ctx.items[0].get("id") == first_user and len(oob_ctx.items) == 2
    assert oob_ctx.user_text == "classify this" and oob_ctx.metadata == {"purpose": "sentiment"}
    assert conv_done["response"]["status"] == "completed"


async def test_out_of_band_input_with_an_unknown_reference_is_refused(
    make_engine: MakeEngine,
) -> None:
    h = make_engine()
    h.send(
        {
            "type": "response.create",
            "event_id": "evt_oob",
            "response": {
                "conversation": "none",
                "input": [{"type": "item_reference", "id": "item_nope"}],
            },
        }
    )
    err = h.link.of("error")[0]["error"]
    assert err["param"] == "response.input[0].id" and err["event_id"] == "evt_oob"
    assert "response.created" not in h.link.types()


# --- 4. rate limits, session fields, items, usage, tools ----------------------------


async def test_rate_limits_carry_only_tokens(make_engine: MakeEngine) -> None:
    h = make_engine({"type": "realtime", "output_modalities": ["text"]})
    user_text(h, "hi")
    h.send({"type": "response.create"})
    limits = (await h.link.wait_for("rate_limits.updated"))["rate_limits"]
    assert [entry["name"] for entry in limits] == ["tokens"]


async def test_session_update_cannot_change_the_model(make_engine: MakeEngine) -> None:
    h = make_engine()
    model = h.engine.session["model"]
    h.send(
        {
            "type": "session.update",
            "event_id": "evt_model",
            "session": {"type": "realtime", "model": "gpt-realtime-2.1-mini"},
        }
    )
    err = h.link.of("error")[0]["error"]
    assert (err["param"], err["event_id"]) == ("session.model", "evt_model")
    assert h.engine.session["model"] == model
    # Sending the model in force back (a whole session echoed) is fine.
    h.send({"type": "session.update", "session": {"type": "realtime", "model": model}})
    assert h.link.types()[-1] == "session.updated"


async def test_2x_session_fields_are_accepted_and_reflected(make_engine: MakeEngine) -> None:
    h = make_engine()
    update = {
        "type": "realtime",
        "reasoning": {"effort": "high"},
        "parallel_tool_calls": True,
        "tracing": {"workflow_name": "emulator-test"},
        "audio": {
            "input": {
                "noise_reduction": {"type": "far_field", "strength": 0.4},
                "turn_detection": {"type": "server_vad", "idle_timeout_ms": 5000},
            },
            "output": {"speed": 1.25, "voice": {"id": "voice_custom123"}},
        },
    }
    h.send({"type": "session.update", "session": update})
    session = h.link.of("session.updated")[-1]["session"]
    assert session["reasoning"] == {"effort": "high"}
    assert session["parallel_tool_calls"] is True
    assert session["tracing"] == {"workflow_name": "emulator-test"}
    assert session["audio"]["input"]["noise_reduction"] == {"type": "far_field", "strength": 0.4}
    assert session["audio"]["input"]["turn_detection"]["idle_timeout_ms"] == 5000
    assert session["audio"]["output"]["speed"] == 1.25
    assert session["audio"]["output"]["voice"] == {"id": "voice_custom123"}
    h.send({"type": "session.update", "session": {"type": "realtime", "tracing": "auto"}})
    assert h.link.of("session.updated")[-1]["session"]["tracing"] == "auto"


async def test_2x_field_limits_are_errors_naming_the_param(make_engine: MakeEngine) -> None:
    h = make_engine()
    cases: list[tuple[dict[str, Any], str, str]] = [
        (
            {
                "audio": {
                    "input": {"turn_detection": {"type": "server_vad", "idle_timeout_ms": 4999}}
                }
            },
            "session.audio.input.turn_detection.idle_timeout_ms",
            "integer_below_min_value",
        ),
        (
            {
                "audio": {
                    "input": {"turn_detection": {"type": "server_vad", "idle_timeout_ms": 30001}}
                }
            },
            "session.audio.input.turn_detection.idle_timeout_ms",
            "integer_above_max_value",
        ),
        (
            {"audio": {"output": {"speed": 1.6}}},
            "session.audio.output.speed",
            "decimal_above_max_value",
        ),
        (
            {"audio": {"output": {"speed": 0.2}}},
            "session.audio.output.speed",
            "decimal_below_min_value",
        ),
        ({"reasoning": {"effort": "max"}}, "session.reasoning.effort", "invalid_value"),
        ({"reasoning": {"depth": 1}}, "session.reasoning.depth", "unknown_parameter"),
    ]
    for i, (fields, param, code) in enumerate(cases):
        h.send(
            {
                "type": "session.update",
                "event_id": f"e{i}",
                "session": {"type": "realtime", **fields},
            }
        )
        err = h.link.of("error")[-1]["error"]
        assert (err["param"], err["code"], err["event_id"]) == (param, code, f"e{i}"), fields
    assert "session.updated" not in h.link.types()


async def test_assistant_output_audio_without_text_is_refused(make_engine: MakeEngine) -> None:
    h = make_engine()

    def create(part: dict[str, Any], event_id: str) -> None:
        h.send(
            {
                "type": "conversation.item.create",
                "event_id": event_id,
                "item": {"type": "message", "role": "assistant", "content": [part]},
            }
        )

    create({"type": "output_audio", "transcript": "Thanks for calling."}, "evt_no_text")
    err = h.link.of("error")[0]["error"]
    assert err == {
        "type": "invalid_request_error",
        "code": "missing_required_parameter",
        "message": "Missing required parameter: 'item.content[0].text'.",
        "param": "item.content[0].text",
        "event_id": "evt_no_text",
    }
    create({"type": "output_audio", "text": "Thanks for calling."}, "evt_ok")
    item = h.link.of("conversation.item.added")[-1]["item"]
    assert item["content"][0]["transcript"] == "Thanks for calling."


async def test_transcription_usage_by_model(make_engine: MakeEngine) -> None:
    # Billing per model comes from api_facts (gpt-realtime-whisper bills by duration).
    assert TRANSCRIPTION_MODEL_INFO["gpt-realtime-whisper"].billing == "duration"
    for model in ("gpt-realtime-whisper", "gpt-4o-mini-transcribe"):
        kind = TRANSCRIPTION_MODEL_INFO[model].billing
        h = make_engine(
            {"type": "realtime", "audio": {"input": {"transcription": {"model": model}}}}
        )
        h.feed(np.concatenate([silence(300), speech("a few spoken words"), silence(900)]))
        done = await h.link.wait_for("conversation.item.input_audio_transcription.completed")
        usage = done["usage"]
        assert usage["type"] == kind, model
        if kind == "duration":
            assert set(usage) == {"type", "seconds"} and usage["seconds"] > 0.5
        else:
            assert usage["input_tokens"] > 0


async def test_parallel_tool_calls_let_one_response_call_two_tools(
    make_engine: MakeEngine,
) -> None:
    tools = [
        {"type": "function", "name": "get_weather", "parameters": {"type": "object"}},
        {"type": "function", "name": "get_time", "parameters": {"type": "object"}},
    ]
    two = Reply(tool_calls=(ToolCall("get_weather", {"city": "Oslo"}), ToolCall("get_time")))
    h = make_engine(
        {"type": "realtime", "tools": tools, "parallel_tool_calls": True}, replies=[two]
    )
    user_text(h, "weather and time?")
    h.send({"type": "response.create"})
    done = (await h.link.wait_for("response.done"))["response"]
    calls = [o for o in done["output"] if o["type"] == "function_call"]
    assert [(c["name"], c["arguments"]) for c in calls] == [
        ("get_weather", '{"city":"Oslo"}'),
        ("get_time", "{}"),
    ]
    assert len({c["call_id"] for c in calls}) == 2
    args_done = h.link.of("response.function_call_arguments.done")
    assert [e["output_index"] for e in args_done] == [0, 1]
    # Without parallel_tool_calls only the first call is made; the single-call API stays.
    h2 = make_engine(
        {"type": "realtime", "tools": tools}, replies=[two, Reply(tool_call=ToolCall("get_time"))]
    )
    user_text(h2, "weather and time?")
    h2.send({"type": "response.create"})
    first = (await h2.link.wait_for("response.done"))["response"]
    assert [o["name"] for o in first["output"]] == ["get_weather"]
    h2.send({"type": "response.create"})
    second = (await h2.link.wait_for("response.done", 2))["response"]
    assert [o["name"] for o in second["output"]] == ["get_time"]
