"""Callbacks and waiting: dispatch, isolation of failures, wait_for."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from realtime_widget import Conversation
from tests.conversation.conftest import FIXTURES


def ev(type_: str, **fields: Any) -> dict[str, Any]:
    return {"type": type_, "event_id": "e", **fields}


def test_specific_star_and_beta_name_callbacks() -> None:
    conv = Conversation()
    seen: list[str] = []
    conv.on("response.done", lambda e: seen.append("done:" + e["type"]))
    conv.on("*", lambda e: seen.append("*:" + e["type"]))

    @conv.on("response.audio_transcript.delta")  # a beta name still works
    def beta(e: dict[str, Any]) -> None:
        seen.append("beta:" + e["type"])

    conv.ingest(
        [
            (1.0, "server", ev("response.output_audio_transcript.delta", item_id="i", delta="a")),
            (2.0, "server", ev("response.done", response={"id": "r"})),
            (3.0, "server", "raw text"),
        ]
    )
    assert seen == [
        "beta:response.output_audio_transcript.delta",
        "*:response.output_audio_transcript.delta",
        "done:response.done",
        "*:response.done",
    ]
    assert beta.__name__ == "beta"  # the decorator returns the function


def test_ga_callback_receives_events_recorded_with_beta_names() -> None:
    conv = Conversation()
    got: list[str] = []
    conv.on("response.output_audio_transcript.delta", lambda e: got.append(e["delta"]))
    conv.ingest(Conversation.load(FIXTURES / "beta_names.jsonl").raw_events)
    assert got == ["Bon", "jour."]


def test_off() -> None:
    conv = Conversation()
    calls: list[int] = []

    def f(e: dict[str, Any]) -> None:
        calls.append(1)

    conv.on("a", f)
    conv.on("b", f)
    conv.off("a", f)
    conv.ingest_event(ev("a"), time=1)
    conv.ingest_event(ev("b"), time=2)
    assert calls == [1]
    conv.off(fn=f)
    conv.ingest_event(ev("b"), time=3)
    assert calls == [1]


def test_failing_callback_is_isolated_logged_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    conv = Conversation()
    reported: list[tuple[str, BaseException]] = []
    conv.on_callback_error = lambda t, exc: reported.append((t, exc))
    after: list[str] = []

    def boom(e: dict[str, Any]) -> None:
        raise RuntimeError("kaboom")

    conv.on("response.done", boom)
    conv.on("response.done", lambda e: after.append(e["response"]["id"]))
    with caplog.at_level(logging.ERROR, logger="realtime_widget.conversation"):
        conv.ingest(
            [
                (1.0, "server", ev("response.done", response={"id": "r1"})),
                (2.0, "server", ev("response.done", response={"id": "r2"})),
            ]
        )
    assert after == ["r1", "r2"]  # later callbacks and later events still run
    assert len(conv) == 2 and conv.summary().turns == 2
    assert [t for t, _ in reported] == ["response.done", "response.done"]
    assert isinstance(reported[0][1], RuntimeError)
    assert len(conv.callback_errors) == 2
    assert conv.callback_errors[0].callback.endswith("boom")
    assert "kaboom" in caplog.text and "boom" in caplog.text


def test_failing_error_hook_does_not_break_ingest() -> None:
    conv = Conversation()
    conv.on("x", lambda e: 1 / 0)

    def bad_hook(t: str, exc: BaseException) -> None:
        raise ValueError("hook")

    conv.on_callback_error = bad_hook
    conv.ingest_event(ev("x"), time=1)
    assert len(conv.callback_errors) == 1


def test_callbacks_run_after_the_whole_batch_is_in() -> None:
    conv = Conversation()
    sizes: list[int] = []
    conv.on("*", lambda e: sizes.append(len(conv)))
    conv.ingest([(1.0, "server", ev("a")), (2.0, "server", ev("b"))])
    assert sizes == [2, 2]


async def test_wait_for_resolves_on_ingest() -> None:
    conv = Conversation()

    async def feed() -> None:
        await asyncio.sleep(0)
        conv.ingest_event(ev("response.created", response={"id": "r0"}), time=1)
        conv.ingest_event(ev("response.done", response={"id": "r1"}), time=2)
        conv.ingest_event(ev("response.done", response={"id": "r2"}), time=3)

    task = asyncio.create_task(feed())
    got = await conv.wait_for(
        "response.done", timeout=5, predicate=lambda e: e["response"]["id"] == "r2"
    )
    await task
    assert got["response"]["id"] == "r2"


async def test_wait_for_star_and_history_is_not_replayed() -> None:
    conv = Conversation()
    conv.ingest_event(ev("old"), time=1)
    waiter = asyncio.create_task(conv.wait_for("*", timeout=5))
    await asyncio.sleep(0)
    conv.ingest_event(ev("new"), time=2)
    assert (await waiter)["type"] == "new"


async def test_wait_for_times_out_with_a_clear_message() -> None:
    conv = Conversation()
    with pytest.raises(TimeoutError) as info:
        await conv.wait_for("response.done", timeout=0.01)
    msg = str(info.value)
    assert "response.done" in msg and "ipykernel >= 7.4" in msg and "time.sleep" in msg
    # The waiter was removed: nothing left to resolve.
    conv.ingest_event(ev("response.done", response={"id": "r"}), time=1)


async def test_wait_for_predicate_error_fails_the_wait() -> None:
    conv = Conversation()
    waiter = asyncio.create_task(conv.wait_for("x", timeout=5, predicate=lambda e: e["nope"]))
    await asyncio.sleep(0)
    conv.ingest_event(ev("x"), time=1)
    with pytest.raises(KeyError):
        await waiter
    assert len(conv.callback_errors) == 1


async def test_wait_for_from_another_thread_ingest() -> None:
    conv = Conversation()
    loop = asyncio.get_running_loop()
    waiter = asyncio.create_task(conv.wait_for("x", timeout=5))
    await asyncio.sleep(0)
    await loop.run_in_executor(None, lambda: conv.ingest_event(ev("x", n=7), time=1))
    assert (await waiter)["n"] == 7


def test_bad_registration_is_explained() -> None:
    conv = Conversation()
    with pytest.raises(TypeError, match="callable"):
        conv.on("x", 3)  # type: ignore[arg-type]


async def test_wait_for_refuses_to_wait_forever() -> None:
    conv = Conversation()
    with pytest.raises(ValueError, match="timeout"):
        await conv.wait_for("x", timeout=None)  # type: ignore[arg-type]
