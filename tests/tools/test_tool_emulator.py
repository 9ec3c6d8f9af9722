"""A Python tool answers the emulator's function call over a real WebRTC data channel.

A behaviour test across modules: tools/runner.py and tools/registry.py against the emulator.
"""

from typing import Any, Literal

from support.openai_types import assert_client_event
from support.rtc_client import RtcClient, mint_secret

from realtime_widget.emulator import Emulator
from realtime_widget.emulator.replies import Reply, ToolCall
from realtime_widget.tools import ToolCallRunner, ToolRegistry

STOCK = {"apples": 12, "pears": 0}


def stock_level(fruit: Literal["apples", "pears"], warehouse: str = "main") -> dict[str, Any]:
    """How many of a fruit are in stock.

    Args:
        fruit: Which fruit.
        warehouse: Which warehouse to look in.
    """
    return {"fruit": fruit, "count": STOCK[fruit], "warehouse": warehouse}


async def test_round_trip_through_the_emulator() -> None:
    registry = ToolRegistry()
    registry.add(stock_level)
    script = [Reply(tool_call=ToolCall("stock_level", {"fruit": "apples"}))]
    emu = Emulator(replies=script)
    await emu.start()
    try:
        secret = await mint_secret(emu.base_url)
        async with RtcClient(emu.base_url, secret["value"], send_mic=False) as client:

            def send(event: dict[str, Any]) -> None:
                assert_client_event(event)
                client.send(event)

            runner = ToolCallRunner(registry, send, timeout=10)
            client_events = [
                {
                    "type": "session.update",
                    "session": {
                        "type": "realtime",
                        "output_modalities": ["text"],
                        "tools": registry.specs(),
                    },
                },
                {
                    "type": "conversation.item.create",
                    "item": {
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": "Any apples left?"}],
                    },
                },
            ]
            await client.wait_for("session.created")
            for event in client_events:
                send(event)
            await client.wait_for("session.updated")
            send({"type": "response.create"})
            first = await client.wait_for("response.done")
            for event in list(client.events):
                runner.feed(event)
            await runner.drain()
            second = await client.wait_for("response.done", count=2)
    finally:
        await emu.stop()

    call = first["response"]["output"][0]
    assert call["type"] == "function_call" and call["name"] == "stock_level"
    outputs = [
        e
        for e in client.events
        if e.get("type") == "conversation.item.added"
        and e["item"].get("type") == "function_call_output"
    ]
    assert outputs and outputs[0]["item"]["call_id"] == call["call_id"]
    reply = second["response"]["output"][0]["content"][0]
    text = reply.get("text") or reply.get("transcript")
    assert '"count": 12' in text and '"warehouse": "main"' in text
