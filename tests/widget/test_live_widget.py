"""RealtimeWidget with a GPT-Live model, its Python side without a browser: the model picks
the API, what GPT-Live cannot do is refused or warned about, saying why, and typed text,
instructions and delegations become the Live client events (checked strictly)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from support.live_types import check_live_client_event

from realtime_widget import RealtimeWidget

from .conftest import KEY, Browser

MODEL = "gpt-live-1.1"


def live_widget(**kwargs: Any) -> RealtimeWidget:
    return RealtimeWidget(model=MODEL, api_key=KEY, base_url="http://127.0.0.1:9", **kwargs)


def started(browser: Browser) -> None:
    """The browser's call is up: session.started, then connected."""
    browser.set_status("connecting")
    browser.server(
        {
            "type": "session.started",
            "event_id": "e1",
            "session": {
                "id": "live_1",
                "expires_at": 1_900_000_000,
                "model": MODEL,
                "status": "active",
                "instructions": "Be brief.",
                "audio": {"output": {"voice": "marin"}},
            },
        }
    )
    browser.set_status("connected")


def test_the_model_picks_the_api_and_the_kernel_posts_the_offer() -> None:
    w = live_widget()
    try:
        assert (w.api, w.signaling) == ("live", "kernel")
        # In the state the comm opens with (the browser reads it when it builds the model).
        assert w.get_state()["api"] == "live"
    finally:
        w.close()
    realtime = RealtimeWidget(api_key=KEY, base_url="http://127.0.0.1:9")
    try:
        assert (realtime.api, realtime.signaling) == ("realtime", "browser")
    finally:
        realtime.close()


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"signaling": "browser"}, "not possible with GPT-Live: it has no client secrets"),
        ({"delegation": {"type": "nobody"}}, "delegation"),
    ],
)
def test_what_gpt_live_cannot_take_is_refused_at_creation(
    kwargs: dict[str, Any], words: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=words):
        live_widget(**kwargs)


def test_a_realtime_model_refuses_a_delegation() -> None:
    with pytest.raises(ValueError, match="delegation is a GPT-Live setting"):
        RealtimeWidget(api_key=KEY, base_url="http://127.0.0.1:9", delegation={"type": "client"})


def test_settings_gpt_live_has_no_place_for_warn_at_creation_and_are_refused_later() -> None:
    with pytest.warns(UserWarning, match="turn_detection=None: GPT-Live drives turn-taking"):
        w = live_widget(turn_detection=None)
    try:
        with pytest.raises(ValueError, match="noise_reduction cannot be set here"):
            w.noise_reduction = "near_field"
        assert w.noise_reduction is None
        with pytest.raises(ValueError, match="create a new RealtimeWidget"):
            w.model = "gpt-realtime-2.1"  # the other API: a new widget
        w.model = "gpt-live-1"  # the same API, before a session: fine
    finally:
        w.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        live_widget().close()  # the defaults alone warn about nothing


def test_typed_text_instructions_and_fixed_settings_in_a_running_session() -> None:
    w = live_widget(instructions="Be brief.")
    browser = Browser(w)
    try:
        started(browser)
        browser.message({"type": "ui", "action": "send_text", "text": "Hello"})
        with pytest.warns(UserWarning, match="cannot be replaced, only added to"):
            w.instructions = "Also be kind."
        with pytest.raises(ValueError, match="GPT-Live fixes it when the session starts"):
            w.voice = "cedar"
        assert w.voice == "marin"
        with pytest.raises(ValueError, match="no client event that makes the model reply"):
            w.respond()
        sent = browser.client_events()
        assert [e["type"] for e in sent] == [
            "session.commentary.append",
            "session.instructions.append",
        ]
        assert sent[0]["content"] == "Hello" and sent[0]["delegation_id"] is None
        assert sent[1]["content"] == "Also be kind."
        for event in sent:
            check_live_client_event(event)
        assert any("cannot be replaced" in n["text"] for n in w.notices)
        # Interrupt: nothing to send; the browser silences its playback, and says why.
        assert w.interrupt() is True
        assert [m for m in browser.sent if m.get("type") == "command"][-1]["name"] == "interrupt"
        assert any("decides itself when it stops" in n["text"] for n in w.notices)
    finally:
        w.close()


@pytest.mark.parametrize(
    ("model", "voice", "error"),
    [
        (MODEL, "beacon", None),  # a GPT-Live voice the Realtime API lacks
        (MODEL, "sage", None),
        ("gpt-realtime-2.1", "beacon", "is not a voice of the Realtime API"),
        (MODEL, "maryn", "is not a voice of the Realtime API or GPT-Live"),
    ],
)
def test_each_api_takes_its_own_voices(model: str, voice: str, error: str | None) -> None:
    if error is not None:
        with pytest.raises(ValueError, match=error):
            RealtimeWidget(model=model, voice=voice, api_key=KEY, base_url="http://127.0.0.1:9")
        return
    w = RealtimeWidget(model=model, voice=voice, api_key=KEY, base_url="http://127.0.0.1:9")
    try:
        assert w.voice == voice
        session = w._core.settings.for_new_call()[0]
        assert session["audio"]["output"]["voice"] == voice
    finally:
        w.close()
