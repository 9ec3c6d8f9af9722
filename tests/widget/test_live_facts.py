"""Which API a model selects, checked against the installed SDK's Live model literals."""

from __future__ import annotations

import typing

from openai.types.live import SessionConfig

from realtime_widget.live_facts import LIVE_MODELS, api_of


def test_live_models_are_the_sdk_literals() -> None:
    hint = SessionConfig.model_fields["model"].annotation
    literals = {a for arg in typing.get_args(hint) for a in typing.get_args(arg)}
    assert set(LIVE_MODELS) <= literals, literals


def test_the_model_family_picks_the_api() -> None:
    assert api_of("gpt-live-1") == "live"
    assert api_of(" gpt-live-1.1 ") == "live"
    assert api_of("gpt-live-1-2026-09-01") == "live"
    assert api_of("gpt-realtime-2.1") == "realtime"
    assert api_of("gpt-live-10") == "realtime"
