from __future__ import annotations

import json
from typing import Any

import pytest
from anywidget import AnyWidget

from realtime_widget import RealtimeWidget

from .bridge import PAGE_TRAITS, Bridge
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


def _synced(w: RealtimeWidget) -> dict[str, Any]:
    """The widget's own synced traits as the front end gets them (serialized, through JSON);
    listed here independently of the bridge's PAGE_TRAITS."""
    names = set(w.trait_names(sync=True)) - set(AnyWidget.class_trait_names(sync=True))
    # anywidget's per-instance plumbing: the module and style (the page loads them itself).
    names -= {"_esm", "_css", "_anywidget_id"}
    state: dict[str, Any] = json.loads(json.dumps(w.get_state(sorted(names))))
    return state


async def _page_differs(b: Bridge) -> dict[str, Any]:
    page = await b.page_state()
    return {
        k: (v, page.get(k, "<missing>")) for k, v in _synced(b.widget).items() if page.get(k) != v
    }


async def test_page_model_carries_every_synced_trait(open_bridge: OpenBridge) -> None:
    """The page's model holds every synced trait of the widget with its JSON value (dicts,
    lists, None, numbers), at load and after Python changes one; and a trait the page sets
    reaches Python."""
    assert {"turn_detection", "price_table", "reasoning_effort", "tool_specs"} <= set(PAGE_TRAITS)
    b = await open_bridge(
        muted=True,
        turn_detection={"type": "semantic_vad", "eagerness": "low"},
        reasoning_effort="low",
        noise_reduction={"type": "near_field"},
        tracing="auto",
        speed=1.2,
        parallel_tool_calls=False,
    )
    state = _synced(b.widget)
    assert isinstance(state["price_table"], dict) and state["price_table"]["prices"]
    page = await b.page_state()
    missing = sorted(set(state) - set(page))
    assert missing == [], f"synced traits missing from the page: {missing}"
    assert await _page_differs(b) == {}
    # Python changes: a dict to None, a string to another, a list: the page follows.
    b.widget.turn_detection = None
    b.widget.noise_reduction = {"type": "far_field"}
    b.widget.output_modalities = ["text"]
    b.widget.speed = None
    await b.until(lambda: b.state_to_browser[-1] == {"speed": None}, "the last patch sent")
    diff: dict[str, Any] = {}
    for _ in range(50):
        if not (diff := await _page_differs(b)):
            break
        await b.page.wait_for_timeout(20)
    assert diff == {}, f"page model differs from Python: {diff}"
    assert (await b.page_state())["turn_detection"] is None
    # The page sets a trait: Python gets it.
    await b.page.evaluate("harness.model.set('muted', false); harness.model.save_changes()")
    await b.until(lambda: b.widget.muted is False, "muted=False from the page in Python")
    assert b.page_problems == []
    assert b.kernel_exceptions() == []
