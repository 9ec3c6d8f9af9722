"""server_vad `idle_timeout_ms`, and the session id carried from the client secret.

What the real API documents (openai SDK `InputAudioBufferTimeoutTriggered` and
`RealtimeAudioInputTurnDetection.idle_timeout_ms`): the timeout counts from the
moment the last response's audio finished playing; when it passes without user
speech the server sends `input_audio_buffer.timeout_triggered` (`audio_start_ms`
= input audio offset at the end of playback, `audio_end_ms` = offset now), commits
the silent audio as a user `input_audio` item (`input_audio_buffer.committed`) and
generates a response that prompts the user to go on. Server VAD only.

Every server event is validated against the SDK types by the FakeLink.

The unit test of idle.py; the session id tests cover engine.py.
"""

from __future__ import annotations

from typing import Any

from engine_harness import Harness, MakeEngine, silence, speech

from realtime_widget.emulator.replies import IDLE_PROMPT

IDLE_MS = 5000


def idle_session(idle_ms: int | None = IDLE_MS, **vad: Any) -> dict[str, Any]:
    td: dict[str, Any] = {"type": "server_vad", "idle_timeout_ms": idle_ms, **vad}
    return {
        "type": "realtime",
        "audio": {
            "input": {
                "turn_detection": td,
                "transcription": {"model": "gpt-4o-mini-transcribe"},
            }
        },
    }


def text_turn(h: Harness, text: str) -> None:
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
    h.send({"type": "response.create"})


async def answered_and_heard(h: Harness, count: int = 1) -> None:
    """Wait until the `count`-th response is done and its audio has finished playing."""
    await h.link.wait_for("response.done", count)
    await h.link.wait_for("output_audio_buffer.stopped", count)


async def test_session_created_carries_the_given_session_id(make_engine: MakeEngine) -> None:
    h = make_engine({"type": "realtime", "id": "sess_fromTheSecret01"})
    created = h.link.of("session.created")[0]["session"]
    assert created["id"] == "sess_fromTheSecret01"
    h.send({"type": "session.update", "session": {"type": "realtime", "instructions": "x"}})
    assert h.link.of("session.updated")[0]["session"]["id"] == "sess_fromTheSecret01"


async def test_without_a_given_id_the_engine_names_the_session(make_engine: MakeEngine) -> None:
    a = make_engine({"type": "realtime", "id": "not-a-session-id"})
    b = make_engine()
    ids = [h.link.of("session.created")[0]["session"]["id"] for h in (a, b)]
    assert all(i.startswith("sess_") for i in ids) and ids[0] != ids[1]


async def test_idle_timeout_commits_silence_and_prompts_the_user(make_engine: MakeEngine) -> None:
    h = make_engine(idle_session())
    h.feed(silence(1000))  # input audio position 1000 ms before the turn
    text_turn(h, "hello")
    await answered_and_heard(h)
    h.feed(silence(IDLE_MS - 100))
    assert h.link.of("input_audio_buffer.timeout_triggered") == []
    h.feed(silence(200))
    fired = h.link.of("input_audio_buffer.timeout_triggered")
    assert len(fired) == 1
    timeout = fired[0]
    assert timeout["audio_start_ms"] == 1000  # where playback ended, on the input clock
    assert IDLE_MS <= timeout["audio_end_ms"] - timeout["audio_start_ms"] < IDLE_MS + 20
    item_id = timeout["item_id"]

    done = await h.link.wait_for("response.done", 2)
    types = h.link.types()
    after = types[types.index("input_audio_buffer.timeout_triggered") :]
    assert after[:4] == [
        "input_audio_buffer.timeout_triggered",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ]
    assert "response.created" in after
    committed = h.link.of("input_audio_buffer.committed")[0]
    assert committed["item_id"] == item_id
    user = next(e for e in h.link.of("conversation.item.added") if e["item"]["id"] == item_id)
    assert user["item"]["role"] == "user"
    assert user["item"]["content"] == [{"type": "input_audio", "transcript": None}]
    # The response prompts the user, and bills the silent audio as input.
    assert done["response"]["status"] == "completed"
    spoken = h.link.of("response.output_audio_transcript.done")[-1]["transcript"]
    assert spoken == IDLE_PROMPT
    assert done["response"]["usage"]["input_token_details"]["audio_tokens"] > 0
    completed = await h.link.wait_for("conversation.item.input_audio_transcription.completed")
    assert completed["item_id"] == item_id and completed["transcript"] == ""
    assert h.engine.items[-2]["id"] == item_id  # user item, then the prompt


async def test_idle_timer_rearms_after_each_response(make_engine: MakeEngine) -> None:
    h = make_engine(idle_session())
    text_turn(h, "hello")
    await answered_and_heard(h)
    h.feed(silence(IDLE_MS + 50))
    await answered_and_heard(h, 2)  # the idle prompt, heard to the end
    h.feed(silence(IDLE_MS - 100))
    assert len(h.link.of("input_audio_buffer.timeout_triggered")) == 1
    h.feed(silence(200))
    second = h.link.of("input_audio_buffer.timeout_triggered")
    assert len(second) == 2
    assert second[1]["audio_start_ms"] == IDLE_MS + 50  # where the prompt finished playing


async def test_user_speech_restarts_the_idle_wait(make_engine: MakeEngine) -> None:
    h = make_engine(idle_session())
    text_turn(h, "hello")
    await answered_and_heard(h)
    h.feed(silence(3000))
    h.feed(speech())
    h.feed(silence(700))  # speech stops after silence_duration_ms; a response follows
    assert h.link.of("input_audio_buffer.speech_stopped")
    await answered_and_heard(h, 2)
    restart = h.engine._vad.position_ms
    h.feed(silence(IDLE_MS - 100))
    assert h.link.of("input_audio_buffer.timeout_triggered") == []
    h.feed(silence(200))
    (timeout,) = h.link.of("input_audio_buffer.timeout_triggered")
    assert timeout["audio_start_ms"] == restart


async def test_no_idle_timeout_before_any_response_or_when_unset(make_engine: MakeEngine) -> None:
    never_answered = make_engine(idle_session())
    never_answered.feed(silence(IDLE_MS * 2))
    unset = make_engine(idle_session(None))
    text_turn(unset, "hello")
    await answered_and_heard(unset)
    unset.feed(silence(31_000))
    push_to_talk = make_engine({"type": "realtime", "audio": {"input": {"turn_detection": None}}})
    text_turn(push_to_talk, "hello")
    await answered_and_heard(push_to_talk)
    push_to_talk.feed(silence(31_000))
    for h in (never_answered, unset, push_to_talk):
        assert h.link.of("input_audio_buffer.timeout_triggered") == []
    assert len(unset.link.of("response.done")) == 1


async def test_text_only_response_starts_the_wait_at_response_done(
    make_engine: MakeEngine,
) -> None:
    session = idle_session()
    session["output_modalities"] = ["text"]
    h = make_engine(session)
    h.feed(silence(500))
    text_turn(h, "hello")
    await h.link.wait_for("response.done")
    h.feed(silence(IDLE_MS))
    (timeout,) = h.link.of("input_audio_buffer.timeout_triggered")
    assert timeout["audio_start_ms"] == 500
    done = await h.link.wait_for("response.done", 2)
    assert done["response"]["output"][0]["content"][0]["text"] == IDLE_PROMPT


async def test_client_interrupt_starts_the_wait_where_playback_was_cleared(
    make_engine: MakeEngine,
) -> None:
    h = make_engine(idle_session(), audio_clock_speed=1.0)  # real-time playback: time to cut
    text_turn(h, "tell me something long")
    await h.link.wait_for("output_audio_buffer.started")
    h.send({"type": "response.cancel"})
    h.send({"type": "output_audio_buffer.clear"})
    await h.link.wait_for("output_audio_buffer.cleared")
    assert h.link.of("output_audio_buffer.stopped") == []
    h.feed(silence(300))
    h.feed(silence(IDLE_MS - 300))
    (timeout,) = h.link.of("input_audio_buffer.timeout_triggered")
    assert timeout["audio_start_ms"] == 0
    assert timeout["audio_end_ms"] == IDLE_MS
