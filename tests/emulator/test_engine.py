"""SessionEngine protocol behaviour, driven without a transport.

Every server event the engine sends is validated against the openai SDK types
(strictly: unknown fields fail) by the FakeLink in conftest.py.

The unit test of engine.py, through which it covers the engine's layers: items.py,
input_audio.py, responses.py, response_output.py, playback.py, transcribe.py, faults.py.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import numpy as np
from engine_harness import Harness, MakeEngine, silence, speech

from realtime_widget.emulator.faults import Faults
from realtime_widget.emulator.replies import Reply, ReplyContext, ToolCall
from realtime_widget.emulator.speech import speech_duration_ms

TEXT_ONLY = {"type": "realtime", "output_modalities": ["text"]}


def user_text(h: Harness, text: str, event_id: str | None = None) -> None:
    evt: dict[str, Any] = {
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": text}],
        },
    }
    if event_id:
        evt["event_id"] = event_id
    h.send(evt)


def between(types: list[str], first: str, last: str) -> list[str]:
    return types[types.index(first) : types.index(last) + 1]


async def test_session_created_first_and_early_update_is_applied_after_it(
    make_engine: MakeEngine,
) -> None:
    h = make_engine(start=False)
    h.send({"type": "session.update", "session": {"type": "realtime", "instructions": "Be brief."}})
    assert h.link.events == []  # nothing may precede session.created
    h.engine.start()
    assert h.link.types() == ["session.created", "session.updated"]
    created = h.link.events[0]["session"]
    assert created["id"].startswith("sess_") and created["object"] == "realtime.session"
    assert h.link.events[1]["session"]["instructions"] == "Be brief."
    assert h.engine.session["instructions"] == "Be brief."
    assert all(
        isinstance(e["event_id"], str) and e["event_id"].startswith("event_") for e in h.link.events
    )


async def test_text_turn_in_text_mode_streams_output_text(make_engine: MakeEngine) -> None:
    h = make_engine(TEXT_ONLY)
    user_text(h, "what time is it")
    h.send({"type": "response.create"})
    done = await h.link.wait_for("response.done")
    types = h.link.types()
    assert (
        between(types, "conversation.item.added", "conversation.item.done")[-1]
        == "conversation.item.done"
    )
    tail = types[types.index("response.created") :]
    deltas = [t for t in tail if t == "response.output_text.delta"]
    assert deltas and "response.output_audio_transcript.delta" not in tail
    order = [t for t in tail if t != "response.output_text.delta"]
    assert order == [
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "conversation.item.done",
        "response.done",
        "rate_limits.updated",
    ]
    text = "".join(e["delta"] for e in h.link.of("response.output_text.delta"))
    assert text == "You said: what time is it"
    assert h.link.of("response.output_text.done")[0]["text"] == text
    assert done["response"]["status"] == "completed"
    assert done["response"]["output"][0]["content"][0] == {"type": "output_text", "text": text}
    assert "output_audio_buffer.started" not in types
    assert [i["role"] for i in h.engine.items] == ["user", "assistant"]


async def test_audio_turn_plays_audio_and_stops_after_response_done(
    make_engine: MakeEngine,
) -> None:
    h = make_engine(audio_clock_speed=20.0)
    user_text(h, "hello")
    h.send({"type": "response.create"})
    await h.link.wait_for("output_audio_buffer.stopped")
    types = h.link.types()
    assert types.index("response.content_part.added") < types.index("output_audio_buffer.started")
    assert types.index("response.done") < types.index("output_audio_buffer.stopped")
    transcript = "".join(e["delta"] for e in h.link.of("response.output_audio_transcript.delta"))
    assert transcript == "You said: hello"
    assert types.index("response.output_audio.done") < types.index(
        "response.output_audio_transcript.done"
    )
    rid = h.link.of("response.created")[0]["response"]["id"]
    assert h.link.of("output_audio_buffer.started")[0]["response_id"] == rid
    item_id = h.link.of("response.output_item.added")[0]["item"]["id"]
    expected = speech_duration_ms(transcript)
    assert abs(h.engine.audio_out.played_ms(item_id) - expected) < 1.0
    usage = h.link.of("response.done")[0]["response"]["usage"]
    assert usage["output_token_details"]["audio_tokens"] == int(np.ceil(expected / 50))


async def test_voice_turn_vad_times_transcription_and_response(make_engine: MakeEngine) -> None:
    session = {
        "type": "realtime",
        "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}},
    }
    h = make_engine(session)
    burst = speech("this is a spoken sentence for the test")
    h.feed(np.concatenate([silence(1000), burst, silence(1000)]))
    started = h.link.of("input_audio_buffer.speech_started")[0]
    stopped = h.link.of("input_audio_buffer.speech_stopped")[0]
    onset, end = 1000, 1000 + len(burst) * 1000 // 48_000
    assert abs(started["audio_start_ms"] - (onset - 300)) <= 40  # includes prefix padding
    assert abs(stopped["audio_end_ms"] - (end + 500)) <= 40  # includes silence duration
    assert started["item_id"] == stopped["item_id"]
    added = next(e for e in h.link.of("conversation.item.added") if e["item"]["role"] == "user")
    assert added["item"]["content"] == [{"type": "input_audio", "transcript": None}]
    types = h.link.types()
    assert between(types, "input_audio_buffer.speech_stopped", "conversation.item.done") == [
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ]
    completed = await h.link.wait_for("conversation.item.input_audio_transcription.completed")
    assert completed["item_id"] == started["item_id"]
    deltas = h.link.of("conversation.item.input_audio_transcription.delta")
    assert "".join(d["delta"] for d in deltas) == completed["transcript"]
    assert completed["usage"]["type"] == "tokens" and completed["usage"]["input_tokens"] > 0
    done = await h.link.wait_for("response.done")
    assert done["response"]["status"] == "completed"
    spoken_s = (stopped["audio_end_ms"] - started["audio_start_ms"]) / 1000
    assert f"{spoken_s:.1f} seconds" in done["response"]["output"][0]["content"][0]["transcript"]


async def test_no_transcription_events_when_transcription_is_off(make_engine: MakeEngine) -> None:
    h = make_engine()
    h.feed(np.concatenate([silence(300), speech("short words here"), silence(900)]))
    await h.link.wait_for("response.done")
    await asyncio.sleep(0.05)
    assert not [t for t in h.link.types() if "input_audio_transcription" in t]


async def test_barge_in_cancels_response_and_clears_audio(make_engine: MakeEngine) -> None:
    long_reply = "This is a rather long answer that keeps talking for several seconds on end."
    h = make_engine(replies=[long_reply], audio_clock_speed=1.0)
    user_text(h, "tell me something")
    h.send({"type": "response.create"})
    await h.link.wait_for("output_audio_buffer.started")
    await h.link.wait_for("response.done")  # generation is faster than playback
    await asyncio.sleep(0.3)
    h.feed(np.concatenate([speech("wait stop"), silence(600)]))
    types = h.link.types()
    assert "output_audio_buffer.cleared" in types
    assert "output_audio_buffer.stopped" not in types
    truncated = h.link.of("conversation.item.truncated")[0]
    assistant = next(i for i in h.engine.items if i.get("role") == "assistant")
    assert truncated["item_id"] == assistant["id"]
    total = speech_duration_ms(long_reply)
    assert 0 < truncated["audio_end_ms"] < total
    # Truncation drops the server-side transcript (the model no longer has that text).
    assert assistant["content"][0]["transcript"] is None


async def test_barge_in_during_generation_cancels_with_turn_detected(
    make_engine: MakeEngine,
) -> None:
    words = " ".join(f"word{i}" for i in range(200))
    h = make_engine(replies=[words], text_delta_interval_s=0.01, audio_clock_speed=1.0)
    user_text(h, "go")
    h.send({"type": "response.create"})
    await h.link.wait_for("response.output_audio_transcript.delta", 3)
    h.feed(np.concatenate([speech("interrupting now"), silence(100)]))
    done = h.link.of("response.done")[0]
    assert done["response"]["status"] == "cancelled"
    assert done["response"]["status_details"] == {"type": "cancelled", "reason": "turn_detected"}
    assert done["response"]["output"][0]["status"] == "incomplete"
    assert "output_audio_buffer.cleared" in h.link.types()
    await asyncio.sleep(0.05)
    assert len(h.link.of("response.done")) == 1  # the cancelled task never finishes it again


async def test_push_to_talk_needs_commit_and_response_create(make_engine: MakeEngine) -> None:
    h = make_engine({"type": "realtime", "audio": {"input": {"turn_detection": None}}})
    h.send({"type": "input_audio_buffer.commit", "event_id": "evt_empty"})
    err = h.link.of("error")[0]["error"]
    assert err["code"] == "input_audio_buffer_commit_empty" and err["event_id"] == "evt_empty"
    h.feed(np.concatenate([silence(200), speech("push to talk words"), silence(800)]))
    assert not [t for t in h.link.types() if t.startswith("input_audio_buffer.speech")]
    h.send({"type": "input_audio_buffer.commit"})
    committed = h.link.of("input_audio_buffer.committed")[0]
    assert "response.created" not in h.link.types()
    h.send({"type": "response.create"})
    done = await h.link.wait_for("response.done")
    assert done["response"]["status"] == "completed"
    user = h.engine.items[0]
    assert user["id"] == committed["item_id"] and user["content"][0]["type"] == "input_audio"
    h.send({"type": "input_audio_buffer.clear"})
    assert h.link.types()[-1] == "input_audio_buffer.cleared"


async def test_function_call_round_trip(make_engine: MakeEngine) -> None:
    tool = {
        "type": "function",
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
            "required": ["city", "days"],
        },
    }
    h = make_engine({"type": "realtime", "output_modalities": ["text"], "tools": [tool]})
    user_text(h, "please get_weather for Paris")
    h.send({"type": "response.create"})
    done = await h.link.wait_for("response.done")
    call = done["response"]["output"][0]
    assert call["type"] == "function_call" and call["name"] == "get_weather"
    assert call["call_id"].startswith("call_")
    args = json.loads(call["arguments"])
    assert isinstance(args["city"], str) and isinstance(args["days"], int) and args["days"] >= 1
    deltas = h.link.of("response.function_call_arguments.delta")
    assert "".join(d["delta"] for d in deltas) == call["arguments"]
    fdone = h.link.of("response.function_call_arguments.done")[0]
    assert (fdone["call_id"], fdone["name"], fdone["arguments"]) == (
        call["call_id"],
        "get_weather",
        call["arguments"],
    )
    await asyncio.sleep(0.05)
    assert len(h.link.of("response.created")) == 1  # waits for the client
    h.send(
        {
            "type": "conversation.item.create",
            "item": {
                "type": "function_call_output",
                "call_id": call["call_id"],
                "output": "sunny, 21C",
            },
        }
    )
    h.send({"type": "response.create"})
    second = await h.link.wait_for("response.done", 2)
    assert "sunny, 21C" in second["response"]["output"][0]["content"][0]["text"]


async def test_scripted_replies_and_context(make_engine: MakeEngine) -> None:
    seen: list[ReplyContext] = []

    def script(ctx: ReplyContext) -> Reply | str:
        seen.append(ctx)
        if ctx.response_index == 0:
            return Reply(text="Checking.", tool_call=ToolCall("lookup", {"q": "x"}))
        return "done"

    tools = [{"type": "function", "name": "lookup", "parameters": {"type": "object"}}]
    h = make_engine(
        {"type": "realtime", "output_modalities": ["text"], "tools": tools}, replies=script
    )
    user_text(h, "hi")
    h.send({"type": "response.create", "response": {"instructions": "Override."}})
    done = await h.link.wait_for("response.done")
    assert [o["type"] for o in done["response"]["output"]] == ["message", "function_call"]
    assert seen[0].user_text == "hi" and seen[0].instructions == "Override."
    assert seen[0].tools[0]["name"] == "lookup"


async def test_session_update_validation_errors_name_event_id_and_param(
    make_engine: MakeEngine,
) -> None:
    h = make_engine()
    cases = [
        (
            {"type": "realtime", "audio": {"output": {"voice": "robot"}}},
            "session.audio.output.voice",
            "invalid_value",
        ),
        ({"instructions": "x"}, "session.type", "missing_required_parameter"),
        (
            {"type": "realtime", "audio": {"output": {"speed": 3}}},
            "session.audio.output.speed",
            "decimal_above_max_value",
        ),
        (
            {"type": "realtime", "input_audio_format": "pcm16"},
            "session.input_audio_format",
            "unknown_parameter",
        ),
        (
            {"type": "realtime", "audio": {"input": {"turn_detection": {"type": "loud"}}}},
            "session.audio.input.turn_detection.type",
            "invalid_value",
        ),
    ]
    for i, (session, param, code) in enumerate(cases):
        h.send({"type": "session.update", "event_id": f"evt_{i}", "session": session})
        err = h.link.events[-1]
        assert err["type"] == "error", session
        assert err["error"]["type"] == "invalid_request_error"
        assert (err["error"]["param"], err["error"]["code"], err["error"]["event_id"]) == (
            param,
            code,
            f"evt_{i}",
        )
    assert "session.updated" not in h.link.types()
    accepted = {
        "type": "realtime",
        "tracing": None,
        "include": None,
        "truncation": "auto",
        "prompt": None,
        "max_output_tokens": 500,
        "tool_choice": "auto",
        "audio": {
            "input": {
                "noise_reduction": None,
                "format": {"type": "audio/pcm", "rate": 24000},
                "turn_detection": {"type": "semantic_vad", "eagerness": "high"},
            },
            "output": {"speed": 1.2, "voice": "cedar"},
        },
    }
    h.send({"type": "session.update", "session": accepted})
    updated = h.link.events[-1]
    assert updated["type"] == "session.updated"
    td = updated["session"]["audio"]["input"]["turn_detection"]
    assert td == {
        "type": "semantic_vad",
        "eagerness": "high",
        "create_response": True,
        "interrupt_response": True,
    }


async def test_voice_change_refused_after_audio(make_engine: MakeEngine) -> None:
    h = make_engine()
    h.send(
        {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"output": {"voice": "ash"}}},
        }
    )
    assert h.link.events[-1]["type"] == "session.updated"  # no audio yet: allowed
    user_text(h, "hi")
    h.send({"type": "response.create"})
    await h.link.wait_for("response.done")
    h.send(
        {
            "type": "session.update",
            "event_id": "v2",
            "session": {"type": "realtime", "audio": {"output": {"voice": "echo"}}},
        }
    )
    err = h.link.of("error")[-1]["error"]
    assert err["code"] == "cannot_update_voice" and err["event_id"] == "v2"
    assert err["message"] == "Cannot update a conversation's voice if assistant audio is present."
    assert h.engine.session["audio"]["output"]["voice"] == "ash"


async def test_cancel_by_client(make_engine: MakeEngine) -> None:
    words = " ".join(f"w{i}" for i in range(300))
    h = make_engine(replies=[words], text_delta_interval_s=0.01)
    user_text(h, "go")
    h.send({"type": "response.create"})
    await h.link.wait_for("response.output_audio_transcript.delta", 2)
    h.send({"type": "response.cancel"})
    done = h.link.of("response.done")[0]["response"]
    assert done["status"] == "cancelled"
    assert done["status_details"] == {"type": "cancelled", "reason": "client_cancelled"}
    heard = done["output"][0]["content"][0]["transcript"]
    assert 0 < len(heard) < len(words)
    h.send({"type": "output_audio_buffer.clear"})
    assert h.link.of("output_audio_buffer.cleared")[0]["response_id"] == done["id"]
    h.send({"type": "response.cancel", "event_id": "again"})
    err = h.link.of("error")[-1]["error"]
    assert err["code"] == "response_cancel_not_active" and err["event_id"] == "again"


async def test_second_response_while_active_is_refused(make_engine: MakeEngine) -> None:
    h = make_engine(replies=[" ".join(["x"] * 100)], text_delta_interval_s=0.01)
    user_text(h, "go")
    h.send({"type": "response.create"})
    h.send({"type": "response.create", "event_id": "dup"})
    err = h.link.of("error")[0]["error"]
    assert err["code"] == "conversation_already_has_active_response" and err["event_id"] == "dup"
    # out-of-band responses are allowed next to it and stay out of the conversation
    h.send(
        {
            "type": "response.create",
            "response": {"conversation": "none", "output_modalities": ["text"]},
        }
    )
    await h.link.wait_for("response.done", 2)
    assert sum(1 for i in h.engine.items if i.get("role") == "assistant") <= 1


async def test_truncate_delete_retrieve(make_engine: MakeEngine) -> None:
    reply = "A reply that is long enough to be cut in the middle."
    h = make_engine(replies=[reply])
    user_text(h, "hi")
    h.send({"type": "response.create"})
    await h.link.wait_for("response.done")
    item_id = next(i["id"] for i in h.engine.items if i.get("role") == "assistant")
    total = speech_duration_ms(reply)
    h.send(
        {
            "type": "conversation.item.truncate",
            "item_id": item_id,
            "content_index": 0,
            "audio_end_ms": int(total / 2),
        }
    )
    ev = h.link.of("conversation.item.truncated")[0]
    assert (ev["item_id"], ev["audio_end_ms"]) == (item_id, int(total / 2))
    h.send({"type": "conversation.item.retrieve", "item_id": item_id})
    got = h.link.of("conversation.item.retrieved")[0]["item"]
    assert got["content"][0]["transcript"] is None  # the server drops the transcript
    h.send(
        {
            "type": "conversation.item.truncate",
            "event_id": "long",
            "item_id": item_id,
            "content_index": 0,
            "audio_end_ms": int(total * 2),
        }
    )
    assert h.link.of("error")[-1]["error"]["param"] == "audio_end_ms"
    h.send({"type": "conversation.item.delete", "item_id": item_id})
    assert h.link.of("conversation.item.deleted")[0]["item_id"] == item_id
    assert all(i["id"] != item_id for i in h.engine.items)
    h.send({"type": "conversation.item.delete", "event_id": "gone", "item_id": item_id})
    err = h.link.of("error")[-1]["error"]
    assert err["code"] == "item_delete_invalid_item_id" and err["event_id"] == "gone"


async def test_unknown_item_ids_get_the_real_error_per_action(make_engine: MakeEngine) -> None:
    h = make_engine()
    for action in ("retrieve", "delete", "truncate"):
        h.send(
            {
                "type": f"conversation.item.{action}",
                "event_id": action,
                "item_id": "item_nope",
                "content_index": 0,
                "audio_end_ms": 0,
            }
        )
    errors = [e["error"] for e in h.link.of("error")]
    assert [(e["code"], e["param"], e["event_id"]) for e in errors] == [
        ("item_retrieve_invalid_item_id", "item_id", "retrieve"),
        ("item_delete_invalid_item_id", "item_id", "delete"),
        ("item_truncate_invalid_item_id", "item_id", "truncate"),
    ]
    assert [e["message"] for e in errors] == [
        f"Error {doing} item: the item with id 'item_nope' does not exist."
        for doing in ("retrieving", "deleting", "truncating")
    ]


async def test_bad_client_messages_get_errors_not_crashes(make_engine: MakeEngine) -> None:
    h = make_engine()
    h.engine.handle_message("{not json")
    h.send({"type": "no.such.event", "event_id": "u1"})
    h.send({"event_id": "u2"})
    user_text(h, "still alive")
    errors = [e["error"] for e in h.link.of("error")]
    assert [e["code"] for e in errors] == [
        "invalid_json",
        "invalid_value",
        "missing_required_parameter",
    ]
    assert errors[1]["event_id"] == "u1" and errors[1]["param"] == "type"
    assert h.link.types()[-1] == "conversation.item.done"
    assert h.engine.stats.client_events["no.such.event"] == 1


async def test_function_items_missing_a_string_field_name_it(make_engine: MakeEngine) -> None:
    h = make_engine()
    cases = [
        ({"type": "function_call_output", "output": "{}"}, "item.call_id"),
        ({"type": "function_call_output", "call_id": "c1", "output": 3}, "item.output"),
        ({"type": "function_call", "arguments": "{}"}, "item.name"),
        ({"type": "function_call", "name": "f"}, "item.arguments"),
    ]
    for n, (item, _param) in enumerate(cases):
        h.send({"type": "conversation.item.create", "event_id": f"bad{n}", "item": item})
    errors = [e["error"] for e in h.link.of("error")]
    assert [(e["event_id"], e["code"], e["param"]) for e in errors] == [
        (f"bad{n}", "missing_required_parameter", param) for n, (_i, param) in enumerate(cases)
    ]
    assert errors[0]["message"] == "Missing required parameter: 'item.call_id'."
    assert h.engine.items == []
    # Complete items of both kinds are accepted.
    h.send({"type": "conversation.item.create", "item": cases[1][0] | {"output": "{}"}})
    h.send({"type": "conversation.item.create", "item": cases[3][0] | {"arguments": "{}"}})
    assert [i["type"] for i in h.engine.items] == ["function_call_output", "function_call"]
    assert len(h.link.of("error")) == len(cases)


async def test_fault_drop_channel_after_response_events(make_engine: MakeEngine) -> None:
    h = make_engine(faults=Faults(drop_channel_after_response_events=3))
    user_text(h, "hello")
    sent_before = len(h.link.events)
    h.send({"type": "response.create"})
    await asyncio.sleep(0.2)
    assert h.link.channel_closed and h.link.call_closed is None
    after = h.link.types()[sent_before:]
    assert after[0] == "response.created" and len(after) == 4  # created + 3


async def test_fault_drop_peer(make_engine: MakeEngine) -> None:
    h = make_engine(faults=Faults(drop_peer_after_response_events=2))
    user_text(h, "hello")
    h.send({"type": "response.create"})
    await asyncio.sleep(0.2)
    assert h.link.call_closed is not None
    assert "response.done" not in h.link.types()


async def test_fault_malformed_and_unknown_messages_after_created(make_engine: MakeEngine) -> None:
    h = make_engine(start=False, faults=Faults(malformed_json_messages=2, unknown_event_messages=1))
    h.link.validate = False  # the unknown event is deliberately not an SDK type
    h.engine.start()
    assert json.loads(h.link.raw[0])["type"] == "session.created"
    bad = 0
    for text in h.link.raw[1:3]:
        try:
            json.loads(text)
        except ValueError:
            bad += 1
    assert bad == 2
    assert json.loads(h.link.raw[3])["type"] == "emulator.unknown_event"


async def test_fault_error_on_client_event_types(make_engine: MakeEngine) -> None:
    faults = Faults(error_on_client_event_types={"response.create"})
    h = make_engine(faults=faults)
    user_text(h, "x")
    h.send({"type": "response.create", "event_id": "boom"})
    err = h.link.of("error")[0]["error"]
    assert err["event_id"] == "boom" and err["code"] == "injected_fault"
    assert "response.created" not in h.link.types()
    faults.error_on_client_event_types.clear()  # switches take effect at once
    h.send({"type": "response.create"})
    await h.link.wait_for("response.done")


async def test_session_expiry(make_engine: MakeEngine) -> None:
    h = make_engine(max_session_seconds=0.2)
    await asyncio.sleep(0.5)
    err = h.link.of("error")[-1]["error"]
    assert err == {
        "type": "invalid_request_error",
        "code": "session_expired",
        "message": "Your session hit the maximum duration of 60 minutes.",
        "param": None,
        "event_id": None,
    }
    assert h.link.call_closed == "session_expired"
    count = len(h.link.events)
    user_text(h, "too late")
    assert len(h.link.events) == count


async def test_fault_expire_after_s_overrides(make_engine: MakeEngine) -> None:
    h = make_engine(faults=Faults(expire_after_s=0.1))
    await asyncio.sleep(0.4)
    assert h.link.call_closed == "session_expired"


async def test_usage_invariants_and_cache_growth(make_engine: MakeEngine) -> None:
    h = make_engine()
    for i in range(4):
        user_text(h, f"turn number {i} " + "with some padding text " * 10)
        h.send({"type": "response.create"})
        await h.link.wait_for("response.done", i + 1)
    usages = [e["response"]["usage"] for e in h.link.of("response.done")]
    cached = []
    for u in usages:
        d = u["input_token_details"]
        assert u["input_tokens"] == d["text_tokens"] + d["audio_tokens"] + d["image_tokens"]
        assert u["total_tokens"] == u["input_tokens"] + u["output_tokens"]
        assert u["output_tokens"] == sum(u["output_token_details"].values())
        assert d["cached_tokens"] <= u["input_tokens"] and d["cached_tokens"] % 64 == 0
        assert d["cached_tokens"] == sum(d["cached_tokens_details"].values())
        cached.append(d["cached_tokens"])
    assert cached[0] == 0
    assert cached == sorted(cached) and cached[-1] > cached[1]
    inputs = [u["input_tokens"] for u in usages]
    assert inputs == sorted(inputs) and len(set(inputs)) == 4


async def test_stats_and_mic_peak(make_engine: MakeEngine) -> None:
    h = make_engine()
    h.feed(np.full(960 * 3, 16384, dtype=np.int16))
    assert h.engine.stats.mic_frames == 3
    assert abs(h.engine.stats.mic_peak - 0.5) < 1e-3
    user_text(h, "x")
    assert h.engine.stats.client_events["conversation.item.create"] == 1
    assert h.engine.stats.server_events["session.created"] == 1


async def test_inject_and_close_idempotent(make_engine: MakeEngine) -> None:
    h = make_engine()
    h.engine.inject({"type": "input_audio_buffer.cleared"})
    assert (
        h.link.events[-1]["type"] == "input_audio_buffer.cleared" and h.link.events[-1]["event_id"]
    )
    h.engine.inject("raw text")
    assert h.link.raw[-1] == "raw text"
    h.engine.close()
    h.engine.close()
