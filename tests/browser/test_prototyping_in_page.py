"""Prototyping live, tier 2: the real Python widget ⇄ the built widget JS in Chromium ⇄ emulator.

Uses the fault suite's bridge (tests/faults/bridge.py): Python `RealtimeWidget` and the page
talk through Playwright bindings, so each test sees the DOM, the Python widget and the
emulator's engine at once. Every client event the browser sent (as logged by Python) is
validated against the openai SDK's `RealtimeClientEvent`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pandas as pd
import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect
from support.chromium import async_chromium

from realtime_widget.emulator import EmulatorThread
from tests.faults.bridge import FAKE_KEY, Bridge, OpenBridge, open_bridges, serve_pages
from tests.support.openai_types import assert_client_event

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

# A "notebook variable" the tool reads: the function runs in this process, like a kernel.
inventory = pd.DataFrame({"item": ["apples", "pears", "plums"], "count": [12, 7, 23]})


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@pytest.fixture(scope="module")
def pages() -> Iterator[str]:
    yield from serve_pages()


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorThread]:
    # Real-time speech pacing (60 ms a character) and slow text deltas, so that a long
    # answer is still being produced and played when the test interrupts it.
    with EmulatorThread(api_keys=[FAKE_KEY], text_delta_interval_s=0.05) as emu:
        yield emu


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_chromium() as b:
        yield b


@pytest_asyncio.fixture(loop_scope="module")
async def open_bridge(
    browser: Browser, pages: str, emulator: EmulatorThread
) -> AsyncIterator[OpenBridge]:
    async with open_bridges(browser, pages, emulator) as open_:
        yield open_


def _client_events(b: Bridge) -> list[dict[str, Any]]:
    return [
        p
        for _t, d, p in b.widget.conversation.raw_events
        if d == "client" and isinstance(p, dict) and not p["type"].startswith("realtime_widget.")
    ]


def _server(b: Bridge, kind: str) -> list[dict[str, Any]]:
    return [
        p
        for _t, d, p in b.widget.conversation.raw_events
        if d == "server" and isinstance(p, dict) and p.get("type") == kind
    ]


def _assert_clean(b: Bridge) -> None:
    for event in _client_events(b):
        assert_client_event(event)
    assert b.page_problems == []
    assert b.kernel_exceptions() == []


def _last(emu: Any) -> Any:
    """The emulator's last call (typed loosely: its engine's stats are not in the protocol)."""
    return emu.last_call


def _engine(emulator: EmulatorThread, index: int = -1) -> Any:
    return emulator.call(lambda emu: list(emu.calls.values())[index].engine)


async def test_instructions_change_live_and_a_refused_update_rolls_back(
    open_bridge: Any, emulator: EmulatorThread
) -> None:
    b = await open_bridge(muted=True, instructions="Version one.")
    await b.connect()
    b.widget.instructions = "Version two."
    await b.until(lambda: _server(b, "session.updated"), "session.updated")
    session = emulator.call(lambda emu: _last(emu).engine.session)
    assert session["instructions"] == "Version two."
    assert b.widget.session_error is None

    emulator.set_faults(error_on_client_event_types={"session.update"})
    with pytest.warns(RuntimeWarning, match="refused"):
        b.widget.update_session(instructions="Version three.", noise_reduction="far_field")
        await b.until(lambda: b.widget.session_error is not None, "the rejection in Python")
    assert b.widget.instructions == "Version two." and b.widget.noise_reduction is None
    assert emulator.call(lambda emu: _last(emu).engine.session)["instructions"] == ("Version two.")
    await expect(b.page.locator(".rtw-notice[role=alert]")).to_contain_text(
        "refused the session update"
    )
    updates = [e for e in _client_events(b) if e["type"] == "session.update"]
    assert len(updates) == 2  # one event for two fields; the rollback sends nothing
    assert set(updates[1]["session"]) == {"type", "instructions", "audio"}
    _assert_clean(b)


async def test_a_tool_reads_a_notebook_variable_and_the_model_uses_the_result(
    open_bridge: Any,
) -> None:
    b = await open_bridge(muted=True, output_modalities="text")

    def total_stock() -> int:
        """How many pieces of fruit are in stock."""
        return int(inventory["count"].sum())

    b.widget.add_tool(total_stock)

    await b.connect()
    await b.type_message("What is the total stock?")
    reply = b.page.locator(".rtw-turn.rtw-assistant.rtw-complete .rtw-text")
    await expect(reply.last).to_have_text("The tool returned: 42", timeout=15_000)
    tr = b.widget.transcript
    assert list(tr["kind"]) == ["text", "function_call", "function_output", "text"]
    assert tr["text"].iloc[2] == "42"
    # The view shows the call and its result as rows of the transcript.
    await expect(b.page.locator(".rtw-kind-function_call .rtw-text")).to_have_text(
        "total_stock({})"
    )
    await expect(b.page.locator(".rtw-kind-function_output .rtw-text")).to_have_text("42")
    (result,) = [m for m in b.to_browser if m["type"] == "tool-result"]
    assert result["ok"] is True
    _assert_clean(b)


async def test_interrupt_during_a_long_reply_cancels_and_clears_and_the_server_truncates(
    open_bridge: Any, emulator: EmulatorThread
) -> None:
    b = await open_bridge(muted=True)
    await b.connect()
    long_text = "This is a long message that the emulator repeats back slowly. " * 4
    await b.type_message(long_text.strip())
    await b.until(lambda: _server(b, "output_audio_buffer.started"), "the answer plays")
    sent_before = len(_client_events(b))
    await asyncio.sleep(1.0)  # let about a second of the answer play
    assert b.widget.interrupt() is True
    await b.until(lambda: _server(b, "output_audio_buffer.cleared"), "the cleared buffer")
    await b.until(lambda: _server(b, "response.done"), "response.done")
    # What the official WebRTC client sends: cancel and clear, no truncate.
    kinds = [e["type"] for e in _client_events(b)[sent_before:]]
    assert kinds == ["response.cancel", "output_audio_buffer.clear"], kinds
    (done,) = _server(b, "response.done")
    assert done["response"]["status"] == "cancelled"
    assert done["response"]["status_details"]["reason"] == "client_cancelled"
    # The server truncated the playing item at what it had played: about one second, far
    # less than the whole answer.
    (truncated,) = _server(b, "conversation.item.truncated")
    assert 500 <= truncated["audio_end_ms"] <= 5000, truncated
    # ... and dropped the transcript of the item from the model's context.
    item = emulator.call(lambda emu: _last(emu).engine.items[-1])
    assert item["id"] == truncated["item_id"]
    assert not item["content"][0].get("transcript")
    # The kernel keeps all the text received and says what was heard.
    row = b.widget.transcript.set_index("item_id").loc[truncated["item_id"]]
    assert row["status"] == "interrupted" and row["heard_ms"] == truncated["audio_end_ms"]
    assert row["heard_text"] and row["unheard_text"]
    assert row["text"] == row["heard_text"] + row["unheard_text"]
    await expect(b.page.locator(".rtw-turn.rtw-assistant").last).to_have_attribute(
        "data-status", "interrupted"
    )
    _assert_clean(b)


async def test_push_to_talk_makes_a_turn_only_on_release(
    open_bridge: Any, emulator: EmulatorThread
) -> None:
    b = await open_bridge(turn_detection=None, transcription=None)
    await b.connect()
    talk = b.page.get_by_role("button", name="Hold to talk (or hold Space)")
    await expect(talk).to_be_visible()
    box = await talk.bounding_box()
    assert box is not None
    await b.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await b.page.mouse.down()
    await b.until(lambda: _server(b, "input_audio_buffer.cleared"), "the buffer cleared")
    await asyncio.sleep(1.2)  # the fake microphone keeps sending audio while held
    stats = emulator.call(lambda emu: dict(_last(emu).engine.stats.server_events))
    assert stats.get("input_audio_buffer.committed", 0) == 0
    assert stats.get("response.created", 0) == 0
    await b.page.mouse.up()
    await b.until(lambda: _server(b, "response.done"), "the answer to the held speech")
    kinds = [e["type"] for e in _client_events(b)]
    assert kinds == ["input_audio_buffer.clear", "input_audio_buffer.commit", "response.create"]
    assert len(_server(b, "input_audio_buffer.committed")) == 1
    assert (
        "I heard you speak for"
        in _server(b, "response.done")[0]["response"]["output"][0]["content"][0]["transcript"]
    )
    _assert_clean(b)


async def test_mute_silences_the_microphone_without_dropping_the_call(
    open_bridge: Any, emulator: EmulatorThread
) -> None:
    b = await open_bridge(turn_detection=None, muted=True)
    await b.connect()

    def mic() -> tuple[int, float]:
        return emulator.call(
            lambda emu: (_last(emu).engine.stats.mic_frames, _last(emu).engine.stats.mic_peak)
        )

    # Frames keep flowing (a second of them), all silence (a few units of codec noise at most).
    await b.until(lambda: mic()[0] >= 50, "a second of muted microphone frames at the emulator")
    frames, peak = mic()
    assert frames >= 50 and peak < 0.001
    b.widget.muted = False
    await b.until(lambda: mic()[1] > 0.01, "the microphone's sound at the emulator")
    assert b.widget.status == "connected"
    assert emulator.call(lambda emu: _last(emu).state) == "active"
    _assert_clean(b)


async def test_session_expiry_with_auto_reconnect_continues_with_the_earlier_turns(
    open_bridge: Any, emulator: EmulatorThread
) -> None:
    b = await open_bridge(muted=True, auto_reconnect=True, output_modalities="text")
    emulator.set_faults(expire_after_s=3.0)
    calls_before = emulator.call(lambda emu: len(emu.calls))
    await b.connect()
    await b.type_message("Remember the word marmalade")
    await b.until(lambda: _server(b, "response.done"), "the first answer")
    await b.until(
        lambda: any(e["error"].get("code") == "session_expired" for e in _server(b, "error")),
        "session_expired",
    )
    emulator.set_faults(expire_after_s=None)
    await b.until(
        lambda: emulator.call(lambda emu: len(emu.calls)) == calls_before + 2, "a second call"
    )
    await b.until(lambda: b.widget.status == "connected", "connected again")
    await b.until(lambda: len(_engine(emulator).items) >= 2, "the earlier turns in the new session")
    items = _engine(emulator).items
    assert [(i["role"], i["content"][0]["type"]) for i in items[:2]] == [
        ("user", "input_text"),
        ("assistant", "output_text"),
    ]
    assert items[0]["content"][0]["text"] == "Remember the word marmalade"
    assert items[1]["content"][0]["text"] == "You said: Remember the word marmalade"
    # The conversation goes on, logged as one conversation with a boundary.
    await b.until(lambda: b.widget.status == "connected", "connected again")
    # The bridge may deliver a quick run of status reports late: settle on the page's.
    await expect(b.page.get_by_role("status")).to_have_text("connected")
    await b.until(lambda: b.widget.status == "connected", "connected in Python")
    commands = [m["name"] for m in b.to_browser if m["type"] == "command"]
    assert commands[-2:] == ["disconnect", "connect"]
    await b.type_message("And now?")
    await b.until(lambda: len(_server(b, "response.done")) == 2, "an answer in the new session")
    assert list(b.widget.events["type"]).count("realtime_widget.session_boundary") == 1
    texts = list(b.widget.transcript["text"])
    assert texts.count("Remember the word marmalade") == 1  # re-inserted, not duplicated
    assert texts[-1] == "You said: And now?"
    _assert_clean(b)
