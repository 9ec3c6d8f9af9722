"""A third-party browser client (a plain page, no widget) works against the emulator.

The page is served from another origin than the emulator, so CORS preflights and the
exposed `Location` header are exercised exactly as in a real deployment.
"""

# ruff: noqa: F811  (pytest fixtures imported from support.emulator_server are redefined as arguments)

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import Page
from support.chromium import AUTOPLAY_WITHOUT_GESTURE, async_chromium
from support.chromium import CHROMIUM_ARGS as BASE_ARGS
from support.emulator_server import emulator, start_emulator  # noqa: F401
from support.openai_types import assert_server_event
from support.rtc_client import mint_secret

from realtime_widget.emulator import Emulator

PAGES = Path(__file__).parent / "pages"
# The page plays the reply's audio without a click first.
CHROMIUM_ARGS = [*BASE_ARGS, AUTOPLAY_WITHOUT_GESTURE]

pytestmark = pytest.mark.browser


@pytest.fixture
async def page_server() -> AsyncIterator[str]:
    """The static page on its own port: a different origin from the emulator."""
    app = web.Application()
    app.router.add_static("/", PAGES)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_chromium(CHROMIUM_ARGS) as browser:
        yield await browser.new_page()


async def wait_js(page: Page, expression: str, timeout_s: float = 15.0) -> Any:
    await page.wait_for_function(expression, timeout=timeout_s * 1000)
    return await page.evaluate(expression)


async def test_plain_page_text_turn_and_audio(
    emulator: Emulator, page_server: str, page: Page
) -> None:
    await page.goto(f"{page_server}/plain_client.html")
    # Push-to-talk: Chromium's fake microphone beeps, and server VAD would rightly
    # take the beeps for speech and barge in on the reply.
    secret = await mint_secret(
        emulator.base_url,
        session={"type": "realtime", "audio": {"input": {"turn_detection": None}}},
    )
    started = time.monotonic()
    await page.evaluate("([url, s]) => connect(url, s)", [emulator.base_url, secret["value"]])
    await wait_js(page, "channelState() === 'open'")
    connect_s = time.monotonic() - started
    await wait_js(page, "window.events.some(e => e.type === 'session.created')")
    call_id = await page.evaluate("window.callId")
    assert call_id in emulator.calls  # the cross-origin page could read Location

    await page.evaluate(
        """() => {
            send({type: "conversation.item.create", item: {type: "message", role: "user",
                  content: [{type: "input_text", text: "hello from a plain page"}]}});
            send({type: "response.create"});
        }"""
    )
    await wait_js(page, "window.events.some(e => e.type === 'response.done')")
    await wait_js(page, "window.events.some(e => e.type === 'output_audio_buffer.stopped')", 20)
    events: list[dict[str, Any]] = await page.evaluate("window.events")
    assert await page.evaluate("window.raw") == []
    for event in events:
        assert_server_event(event)
    transcript = next(
        e["transcript"] for e in events if e["type"] == "response.output_audio_transcript.done"
    )
    assert "hello from a plain page" in transcript

    # The model's voice was really received and decoded (ontrack alone proves nothing).
    inbound = await wait_js(
        page,
        "inboundAudio().then(s => s && s.totalSamplesReceived > 0 ? s : null)",
    )
    assert inbound["packetsReceived"] > 0
    assert inbound["totalAudioEnergy"] > 0

    # The fake microphone reached the emulator too.
    stats = emulator.calls[call_id].engine.stats  # type: ignore[attr-defined]
    assert stats.mic_frames > 0

    await page.evaluate("hangUp()")
    for _ in range(100):
        if emulator.calls[call_id].state == "closed":
            break
        await asyncio.sleep(0.05)
    assert emulator.calls[call_id].state == "closed"
    print(
        f"\nplain page: offer POST to channel open {connect_s * 1000:.0f} ms, {len(events)} events"
    )


async def test_default_fake_microphone_makes_turns_that_end(
    emulator: Emulator, page_server: str, page: Page
) -> None:
    """Chromium's default fake microphone (a 20 ms beep every 500 ms) with server VAD on:
    turns start and end (speech_stopped arrives), instead of one turn that never ends."""
    await page.goto(f"{page_server}/plain_client.html")
    secret = await mint_secret(emulator.base_url)  # default session: server_vad
    started = time.monotonic()
    await page.evaluate("([url, s]) => connect(url, s)", [emulator.base_url, secret["value"]])
    await wait_js(page, "channelState() === 'open'")
    stopped = "window.events.filter(e => e.type === 'input_audio_buffer.speech_stopped').length"
    await wait_js(page, f"{stopped} >= 3", timeout_s=20)
    elapsed_s = time.monotonic() - started
    events: list[dict[str, Any]] = await page.evaluate("window.events")
    await page.evaluate("hangUp()")
    for event in events:
        assert_server_event(event)
    assert not [e for e in events if e["type"] == "error"]
    starts = [e for e in events if e["type"] == "input_audio_buffer.speech_started"]
    stops = [e for e in events if e["type"] == "input_audio_buffer.speech_stopped"]
    assert len(starts) - len(stops) in (0, 1)
    lengths = [b["audio_end_ms"] - a["audio_start_ms"] for a, b in zip(starts, stops, strict=False)]
    assert all(a["item_id"] == b["item_id"] for a, b in zip(starts, stops, strict=False))
    assert max(lengths) <= 1500, lengths  # beep + prefix padding + silence, not an endless turn
    print(f"\nfake microphone: {len(stops)} turns ended in {elapsed_s:.1f} s, lengths {lengths} ms")
