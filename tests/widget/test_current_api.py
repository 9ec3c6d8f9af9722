"""The widget on today's Realtime API (issue 11): 2.x fields live, retiring models, prices on a
live widget, interrupt and out-of-band responses.

A behaviour test across modules: config.py and api_facts.py (models, 2.x fields),
call/live_settings.py (live updates), conversation/pricing.py (prices), call/core.py
(interrupt), response_create.py (respond).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import pytest

from realtime_widget import ModelDeprecationWarning, ModelPrices, RealtimeWidget
from realtime_widget import api_facts as facts
from tests.support.openai_types import assert_client_event

from .conftest import Browser

CREATED = {"type": "session.created", "session": {"type": "realtime"}}


def _connected(browser: Browser) -> RealtimeWidget:
    browser.set_status("connected")
    browser.server(CREATED)
    return browser.widget


def _sent(browser: Browser, kind: str) -> list[dict[str, Any]]:
    return [e for e in browser.client_events() if e["type"] == kind]


def test_defaults_are_current_models() -> None:
    assert facts.DEFAULT_MODEL == "gpt-realtime-2.1"
    assert facts.DEFAULT_TRANSCRIPTION_MODEL == "gpt-live-transcribe"
    for name in (facts.DEFAULT_MODEL, facts.DEFAULT_TRANSCRIPTION_MODEL):
        info = facts.model_info(name)
        assert info is not None and info.shutdown is None


def test_2x_fields_update_live_one_event_each_and_validate_against_the_sdk(
    browser: Browser,
) -> None:
    w = _connected(browser)
    w.reasoning_effort = "high"
    w.speed = 1.25
    w.parallel_tool_calls = True
    w.tracing = {"workflow_name": "support-bot"}
    updates = _sent(browser, "session.update")
    assert [u["session"] for u in updates] == [
        {"type": "realtime", "reasoning": {"effort": "high"}},
        {"type": "realtime", "audio": {"output": {"speed": 1.25}}},
        {"type": "realtime", "parallel_tool_calls": True},
        {"type": "realtime", "tracing": {"workflow_name": "support-bot"}},
    ]
    for u in updates:
        assert_client_event(u)
    with pytest.raises(ValueError, match=r"0\.25 to 1\.5"):
        w.speed = 2.0
    with pytest.raises(ValueError, match="reasoning effort"):
        w.reasoning_effort = "extreme"
    assert w.speed == 1.25 and w.reasoning_effort == "high"
    assert len(_sent(browser, "session.update")) == 4


def test_reasoning_fields_need_a_reasoning_model(browser: Browser) -> None:
    with pytest.raises(ValueError, match="reasoning models"):
        RealtimeWidget(model="gpt-realtime-1.5", reasoning_effort="low")
    w = browser.widget
    w.reasoning_effort = "low"
    with pytest.raises(ValueError, match="does not take them"):
        w.model = "gpt-realtime-1.5"
    assert w.model == facts.DEFAULT_MODEL
    # Both at once through update_session is one consistent change.
    w.update_session(model="gpt-realtime-1.5", reasoning_effort=None)
    assert (w.model, w.reasoning_effort) == ("gpt-realtime-1.5", None)


def test_a_retiring_model_warns_once_and_a_shut_down_one_is_refused() -> None:
    with pytest.warns(ModelDeprecationWarning, match=r"2027-01-20.*gpt-realtime-2\.1-mini"):
        RealtimeWidget(model="gpt-realtime-mini-2025-12-15")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelDeprecationWarning)
        RealtimeWidget(model="gpt-realtime-mini-2025-12-15")  # once per model name
    with pytest.raises(ValueError, match="shut down by OpenAI on 2026-05-07"):
        RealtimeWidget(model="gpt-4o-realtime-preview")


def test_assigning_prices_reprices_the_live_widget_and_the_view_follows(
    browser: Browser,
) -> None:
    w = _connected(browser)
    usage = {
        "total_tokens": 1_100_000,
        "input_tokens": 1_000_000,
        "output_tokens": 100_000,
        "input_token_details": {"text_tokens": 1_000_000, "audio_tokens": 0, "cached_tokens": 0},
        "output_token_details": {"text_tokens": 100_000, "audio_tokens": 0},
    }
    browser.server(
        {
            "type": "response.done",
            "response": {"id": "r1", "status": "completed", "output": [], "usage": usage},
        }
    )
    # gpt-realtime-2.1: 1M text in × $4 + 0.1M text out × $24 = $6.40.
    assert w.cost() == pytest.approx(6.40)
    assert w.cost_usd == pytest.approx(6.40)
    w.prices = {**w.prices, "gpt-realtime-2.1": ModelPrices(1.0, 0.1, 10.0, 8.0, 0.1, 16.0)}
    assert w.cost() == pytest.approx(2.0)  # 1 + 0.1 × 10
    assert w.cost_usd == pytest.approx(2.0)
    assert w.price_table["prices"]["gpt-realtime-2.1"]["text_out"] == 10.0
    w.prices = None
    assert w.cost() == pytest.approx(6.40)
    assert w.price_table["prices"]["gpt-realtime-2.1"]["text_out"] == 24.0
    with pytest.raises(TypeError, match="ModelPrices"):
        w.prices = {"gpt-realtime-2.1": {"text_in": 1}}  # type: ignore[dict-item]
    assert not math.isnan(w.cost())


def test_an_out_of_band_response_is_not_what_interrupt_cancels(browser: Browser) -> None:
    w = _connected(browser)
    browser.server({"type": "response.created", "response": {"id": "oob", "conversation_id": None}})
    assert w.interrupt() is False  # only an out-of-band response runs
    browser.server(
        {"type": "response.created", "response": {"id": "r1", "conversation_id": "conv_1"}}
    )
    browser.server({"type": "response.done", "response": {"id": "oob", "conversation_id": None}})
    assert w.interrupt() is True  # r1 still runs
    commands = [m for m in browser.sent if m.get("type") == "command"]
    assert commands[-1] == {"type": "command", "name": "interrupt"}
    browser.server({"type": "response.done", "response": {"id": "r1", "conversation_id": "conv_1"}})
    assert w.interrupt() is False


def test_respond_accepts_reasoning_and_parallel_tool_calls(browser: Browser) -> None:
    w = _connected(browser)
    w.respond(reasoning="minimal", parallel_tool_calls=False, conversation="none")
    (event,) = _sent(browser, "response.create")
    assert_client_event(event)
    assert event["response"]["reasoning"] == {"effort": "minimal"}
    assert event["response"]["parallel_tool_calls"] is False


def test_respond_tool_choice_must_name_a_tool_the_model_has(browser: Browser) -> None:
    w = _connected(browser)
    with pytest.raises(ValueError, match="nope"):
        w.respond(tool_choice="nope")
    assert _sent(browser, "response.create") == []

    @w.tool
    def lookup(city: str) -> str:
        """Look a city up.

        Args:
            city: The city.
        """
        return city

    w.respond(tool_choice="lookup")
    (event,) = _sent(browser, "response.create")
    assert event["response"]["tool_choice"] == {"type": "function", "name": "lookup"}
