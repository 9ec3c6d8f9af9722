"""The kernel's sideband beside the browser's call: the real widget JS in Chromium, a real
WebRTC call to the emulator, and the Python widget attaching its own WebSocket to that
call by `call_id` (the official SDK), as it does by default.

What it must hold: every server event is in the kernel's log once, in the order the
server put it on the data channel (the emulator's wire log), whichever path brought it;
with the page's comm to the kernel held (a hidden tab, a busy kernel websocket) a Python
tool is still called, answered over the sideband and the reply reaches the page; a
sideband cut mid-call leaves a notice and the call goes on through the browser;
`sideband=False` attaches nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.async_api import expect

from realtime_widget.emulator import EmulatorThread

from .bridge import Bridge, OpenBridge

pytestmark = pytest.mark.asyncio(loop_scope="module")


def server_ids(b: Bridge) -> list[str]:
    return [p["event_id"] for p in b.kernel_server_log() if isinstance(p, dict)]


def wire_ids(b: Bridge) -> list[str]:
    _, wire = b.wire_log(b.widget.call_id)
    return [json.loads(text)["event_id"] for text in wire]


def client_types(b: Bridge) -> list[str]:
    return [
        p["type"]
        for _, d, p in b.widget.conversation.raw_events
        if d == "client" and isinstance(p, dict)
    ]


def responses_done(b: Bridge) -> int:
    log = b.kernel_server_log()
    return sum(1 for p in log if isinstance(p, dict) and p["type"] == "response.done")


async def attached(b: Bridge) -> None:
    await b.connect()
    await b.until(lambda: b.widget.sideband_state == "attached", "the sideband attached")


async def settled(b: Bridge) -> None:
    """Both paths have delivered all there is (the log matches the wire, held ones taken)."""
    try:
        await b.until(
            lambda: server_ids(b) == wire_ids(b) and b.widget._paths._merge.held == 0,
            "the kernel's log to match the data channel's wire",
        )
    except AssertionError:  # say where the two differ (the test's output shows it)
        kernel, wire = server_ids(b), wire_ids(b)
        first = next(
            (i for i, (k, w) in enumerate(zip(kernel, wire, strict=False)) if k != w), None
        )
        types = {p["event_id"]: p["type"] for p in b.kernel_server_log() if isinstance(p, dict)}
        print(f"kernel {len(kernel)} events, wire {len(wire)}, first difference at {first}")
        print("kernel:", [types.get(i) for i in kernel[first or 0 :][:20]])
        print("wire:  ", [types.get(i, "(not in the kernel)") for i in wire[first or 0 :][:20]])
        raise


async def test_every_event_is_logged_once_in_the_servers_order(open_bridge: OpenBridge) -> None:
    b = await open_bridge(muted=True)  # typed turns only: no looping fake voice
    await attached(b)
    await expect(b.page.locator(".rtw-sideband")).to_have_text("Sideband")
    await b.type_message("Hello over both paths")
    await b.until(lambda: responses_done(b) >= 1, "the reply in the kernel")
    await settled(b)
    ids = server_ids(b)
    assert len(ids) == len(set(ids))
    via = b.widget._paths.via
    assert via["browser"] + via["sideband"] == len(ids)
    assert via["sideband"] > 0  # it was attached and brought events first at times
    # The log says which path brought each: the sideband's in `via`, the browser's as "".
    events = b.widget.events
    server = events[events["direction"] == "server"]
    assert (server["via"] == "sideband").sum() == via["sideband"]
    assert set(server["via"]) == {"", "sideband"}
    # What Python sent went over the sideband, and the log says so.
    sent = events[
        (events["direction"] == "client") & (events["type"] == "conversation.item.create")
    ]
    assert list(sent["via"]) == ["sideband"]
    # The typed text went from the kernel over the sideband and is logged once.
    assert client_types(b).count("conversation.item.create") == 1
    assert b.kernel_exceptions() == [] and b.page_problems == []


async def test_a_tool_is_answered_while_the_pages_comm_is_held(open_bridge: OpenBridge) -> None:
    b = await open_bridge(muted=True)  # typed turns only: no looping fake voice
    calls: list[str] = []

    @b.widget.tool
    def get_stock(item: str) -> int:
        """How many of an item are in stock."""
        calls.append(item)
        return 7

    await attached(b)
    b.hold_comm()  # nothing from the page reaches the kernel from here on
    b.widget.send_text("Please use get_stock for apples")
    await b.until(lambda: responses_done(b) >= 2, "the tool call and the answer, by sideband")
    assert calls == ["apples"]
    assert "function_call_output" in json.dumps(b.widget.conversation.raw_events)
    # The page heard it all straight from the call: the answer with the tool's output.
    view = b.page.locator(".rtw-turn.rtw-assistant.rtw-complete")
    await expect(view.last).to_contain_text("7", timeout=10_000)
    b.release_comm()
    await settled(b)
    assert len(server_ids(b)) == len(set(server_ids(b)))
    assert b.widget.tool_errors == [] and b.kernel_exceptions() == []


async def test_a_cut_sideband_falls_back_to_the_browser_and_says_so(
    open_bridge: OpenBridge, emulator: EmulatorThread
) -> None:
    b = await open_bridge(muted=True)  # typed turns only: no looping fake voice
    await attached(b)
    call_id = b.widget.call_id
    assert emulator.call(lambda emu: emu.drop_sidebands(call_id)) == 1
    await b.until(lambda: b.widget.sideband_state == "dropped", "the drop noticed")
    notice: dict[str, Any] = await b.until(
        lambda: next((n for n in b.widget.notices if "sideband" in n["text"]), None),
        "a notice about the sideband",
    )
    assert "dropped" in notice["text"] and "through the browser" in notice["text"]
    await expect(b.page.get_by_text("sideband to the call dropped")).to_be_visible()
    await expect(b.page.locator(".rtw-sideband")).to_have_text("Sideband lost")
    b.widget.send_text("Still there?")
    await b.until(lambda: responses_done(b) >= 1, "the reply through the browser")
    await settled(b)
    assert b.widget.status == "connected"


async def test_sideband_false_attaches_nothing(
    open_bridge: OpenBridge, emulator: EmulatorThread
) -> None:
    before = emulator.call(lambda emu: emu.stats.sidebands_attached)
    b = await open_bridge(sideband=False, muted=True)
    await b.connect()
    await b.type_message("Hello, browser only")
    await b.until(lambda: responses_done(b) >= 1, "the reply")
    await settled(b)
    assert b.widget.sideband_state == "off"
    await expect(b.page.locator(".rtw-sideband")).to_be_hidden()
    assert emulator.call(lambda emu: emu.stats.sidebands_attached) == before
    assert b.widget._paths.via["sideband"] == 0
