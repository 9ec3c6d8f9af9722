"""A sideband on a WebRTC call: the official SDK attaches by `call_id` (standard key) to a
call an aiortc client (the browser's part) made, and both see the same conversation.

`AsyncOpenAI(...).realtime.connect(call_id="rtc_…")` against an in-process emulator, as a
trusted server would. Every event either side received is validated against its own SDK
type; the events seen on both paths carry the same `event_id`s in the same order. Also
covered: the refusals (unknown or ended call, a WebSocket session's id, a client secret)
and how the paths end (a sideband closing or dropping leaves the call; a hangup closes
the sideband; the data-channel drop fault leaves the sideband going). Covers sideband.py
and the `?call_id=` branch of http_handlers.py.
"""

# ruff: noqa: F811  (pytest fixtures imported from support.emulator_server are redefined as arguments)

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from support.emulator_server import StartEmulator, start_emulator  # noqa: F401
from support.openai_types import assert_server_event
from support.rtc_client import RtcClient, mint_secret
from support.sdk_ws import KEY, WEATHER_TOOL, Session, sdk_client, user_text
from websockets.exceptions import ConnectionClosed, InvalidStatus

from realtime_widget.emulator import Emulator, Faults

Event = dict[str, Any]


async def start(start_emulator: StartEmulator, **kwargs: Any) -> Emulator:
    kwargs.setdefault("api_keys", [KEY])
    kwargs.setdefault("text_delta_interval_s", 0.002)
    return await start_emulator(**kwargs)


@asynccontextmanager
async def browser_call(
    emu: Emulator, session: dict[str, Any] | None = None
) -> AsyncIterator[RtcClient]:
    """The browser's part: an ek_ secret minted by the server, then a WebRTC call with it."""
    secret = await mint_secret(emu.base_url, KEY, session=session)
    client = RtcClient(emu.base_url, secret["value"], send_mic=False)
    await client.connect()
    await client.wait_for("session.created")
    try:
        yield client
    finally:
        await client.close()
        for event in client.events:
            assert_server_event(event)


@asynccontextmanager
async def sideband(emu: Emulator, call_id: str, key: str = KEY) -> AsyncIterator[Session]:
    async with sdk_client(emu, key).realtime.connect(call_id=call_id) as conn:
        yield Session(conn)


def ids(events: list[Event], since: str | None = None) -> list[str]:
    out = [e["event_id"] for e in events]
    return out[out.index(since) :] if since else out


async def test_the_sdk_attaches_and_drives_the_browsers_call(
    start_emulator: StartEmulator,
) -> None:
    emu = await start(start_emulator)
    async with browser_call(emu, {"type": "realtime", "output_modalities": ["text"]}) as page:
        assert page.call_id is not None and page.call_id.startswith("rtc_")
        async with sideband(emu, page.call_id) as server:
            await server.send(user_text("Hello from the server"))
            await server.send({"type": "response.create"})
            done = await server.wait_for("response.done")
            await page.wait_for("response.done")
        assert done["response"]["status"] == "completed"
        # Nothing is sent on attach: the session exists (its session.created went to the page).
        assert server.events[0]["type"] == "conversation.item.added"
        # The page saw the server's turn and the reply, as the same events, in the same order.
        first = server.events[0]["event_id"]
        assert ids(page.events, since=first)[: len(server.events)] == ids(server.events)
        texts = [e["text"] for e in page.of_type("response.output_text.done")]
        assert texts and texts[-1] == server.of("response.output_text.done")[-1]["text"]
        assert emu.stats.sidebands_attached == 1
        await asyncio.sleep(0.1)
        assert emu.calls[page.call_id].state == "active"  # the sideband closing left the call


async def test_a_tool_call_is_answered_over_the_sideband(start_emulator: StartEmulator) -> None:
    emu = await start(start_emulator)
    session = {"type": "realtime", "output_modalities": ["text"], "tools": [WEATHER_TOOL]}
    async with browser_call(emu, session) as page:
        assert page.call_id is not None
        async with sideband(emu, page.call_id) as server:
            page.send(user_text("Please get_weather for Paris"))
            page.send({"type": "response.create"})
            call = await server.wait_for("response.function_call_arguments.done")
            await server.wait_for("response.done")
            await server.send(
                {
                    "type": "conversation.item.create",
                    "item": {
                        "type": "function_call_output",
                        "call_id": call["call_id"],
                        "output": json.dumps({"temperature_c": 21}),
                    },
                }
            )
            await server.send({"type": "response.create"})
            await page.wait_for("response.done", count=2)
        reply = page.of_type("response.output_text.done")[-1]["text"]
        assert "21" in reply


async def test_client_events_from_both_paths_reach_one_session(
    start_emulator: StartEmulator,
) -> None:
    emu = await start(start_emulator)
    async with browser_call(emu) as page:
        assert page.call_id is not None
        async with sideband(emu, page.call_id) as server:
            await server.send(
                {"type": "session.update", "session": {"type": "realtime", "instructions": "A"}}
            )
            await server.wait_for("session.updated")
            voice = {"type": "realtime", "audio": {"output": {"voice": "ash"}}}
            page.send({"type": "session.update", "session": voice})
            updated = await server.wait_for("session.updated")
        assert updated["session"]["instructions"] == "A"
        assert updated["session"]["audio"]["output"]["voice"] == "ash"
        assert len(page.of_type("session.updated")) == 2


async def test_unknown_or_ended_calls_and_websocket_sessions_are_404(
    start_emulator: StartEmulator,
) -> None:
    emu = await start(start_emulator)
    with pytest.raises(InvalidStatus) as unknown:
        async with sideband(emu, "rtc_nosuchcall"):
            pass
    assert unknown.value.response.status_code == 404
    body = json.loads(unknown.value.response.body or b"{}")
    assert body["error"]["code"] == "call_id_not_found" and body["error"]["param"] == "call_id"
    async with browser_call(emu) as page:
        assert page.call_id is not None
        ended = page.call_id
    await emu.hangup(ended)
    with pytest.raises(InvalidStatus) as gone:
        async with sideband(emu, ended):
            pass
    assert gone.value.response.status_code == 404
    async with sdk_client(emu).realtime.connect(model="gpt-realtime-2.1") as conn:
        created = json.loads(await conn.recv_bytes())
        ws_call = next(c for c in emu.calls.values() if c.transport == "websocket")
        assert created["type"] == "session.created"
        with pytest.raises(InvalidStatus) as not_webrtc:
            async with sideband(emu, ws_call.call_id):
                pass
    assert not_webrtc.value.response.status_code == 404
    assert emu.stats.sidebands_attached == 0


async def test_a_client_secret_cannot_attach(start_emulator: StartEmulator) -> None:
    emu = await start(start_emulator)
    async with browser_call(emu) as page:
        assert page.call_id is not None
        secret = await mint_secret(emu.base_url, KEY)
        with pytest.raises(InvalidStatus) as refused:
            async with sideband(emu, page.call_id, key=secret["value"]):
                pass
        assert refused.value.response.status_code == 401
        body = json.loads(refused.value.response.body or b"{}")
        assert "standard API key" in body["error"]["message"]
        assert secret["value"] not in body["error"]["message"]
        with pytest.raises(InvalidStatus) as bad:
            async with sideband(emu, page.call_id, key="sk-not-a-key-of-this-emulator"):
                pass
        assert bad.value.response.status_code == 401
    assert emu.stats.sidebands_attached == 0


async def test_a_hangup_closes_the_sideband(start_emulator: StartEmulator) -> None:
    emu = await start(start_emulator)
    async with browser_call(emu) as page:
        assert page.call_id is not None
        async with sideband(emu, page.call_id) as server:
            await asyncio.sleep(0.05)  # attached
            await emu.hangup(page.call_id)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(server.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000


async def test_a_dropped_sideband_leaves_the_call_going(start_emulator: StartEmulator) -> None:
    emu = await start(start_emulator)
    async with browser_call(emu, {"type": "realtime", "output_modalities": ["text"]}) as page:
        assert page.call_id is not None
        async with sideband(emu, page.call_id) as server:
            await asyncio.sleep(0.05)
            assert emu.drop_sidebands(page.call_id) == 1
            with pytest.raises(ConnectionClosed) as dropped:
                await asyncio.wait_for(server.recv(), 5)
        assert dropped.value.rcvd is None  # no close frame: a network drop (1006)
        page.send(user_text("Still there?"))
        page.send({"type": "response.create"})
        done = await page.wait_for("response.done")
        assert done["response"]["status"] == "completed"
        assert emu.calls[page.call_id].paths is not None
        assert emu.calls[page.call_id].paths.sidebands == []  # type: ignore[union-attr]


async def test_the_data_channel_dropping_leaves_the_sideband_going(
    start_emulator: StartEmulator,
) -> None:
    emu = await start(start_emulator, faults=Faults(drop_channel_after_response_events=3))
    async with browser_call(emu, {"type": "realtime", "output_modalities": ["text"]}) as page:
        assert page.call_id is not None
        async with sideband(emu, page.call_id) as server:
            await server.send(user_text("Tell me a long story about the sea, please"))
            await server.send({"type": "response.create"})
            done = await server.wait_for("response.done")
            await asyncio.wait_for(page.channel_closed.wait(), 5)
        assert done["response"]["status"] == "completed"
        assert "response.done" not in page.types()  # the page's channel went mid-response
