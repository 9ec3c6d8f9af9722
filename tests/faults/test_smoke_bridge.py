from __future__ import annotations

import pytest

from .conftest import OpenBridge

pytestmark = [pytest.mark.faults, pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


async def test_bridge_round_trip(open_bridge: OpenBridge) -> None:
    b = await open_bridge(muted=True)
    await b.connect()
    await b.type_message("hello bridge")
    # The turn ends when its audio has played (output_audio_buffer.stopped, after response.done).
    await b.until(
        lambda: b.logged_counts()["output_audio_buffer.stopped"] == 1, "the whole turn in Python"
    )
    await b.disconnect()
    await b.until(lambda: b.active_calls() == 0, "no active call")
    assert b.logged_counts() == b.server_counts()
    assert await b.live_mic_tracks() == 0
    assert b.page_problems == []
    assert b.kernel_exceptions() == []
