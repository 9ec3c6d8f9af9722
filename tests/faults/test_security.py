"""Security: the API key never leaves the kernel, the client secret is never persisted (and
with signaling="kernel" none exists anywhere), model and user text is never HTML, bad input is
refused before anything is sent."""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from realtime_widget import RealtimeWidget
from realtime_widget import api_facts as facts
from realtime_widget.emulator import EmulatorThread
from realtime_widget.emulator.faults import HttpFault
from realtime_widget.minting import RealtimeAPIError

from .bridge import FAKE_KEY, Bridge
from .checks import assert_clean, assert_released
from .conftest import OpenBridge

pytestmark = [pytest.mark.faults, pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


def _log_text(b: Bridge) -> str:
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    return "\n".join(formatter.format(r) for r in b.logs.records)


def _secrets_sent(b: Bridge) -> list[str]:
    return [
        m["result"]["value"] for m in b.to_browser if m.get("type") == "rpc-reply" and m.get("ok")
    ]


async def test_api_key_and_client_secret_stay_where_they_belong(
    open_bridge: OpenBridge, tmp_path: Path
) -> None:
    log_path = tmp_path / "live.jsonl"
    b = await open_bridge(muted=True, log_path=log_path)
    # A failed mint whose error body quotes the whole key, as a careless proxy might.
    b.emulator.set_faults(
        client_secrets=HttpFault(401, {"error": {"message": f"bad key {FAKE_KEY}"}}, times=1)
    )
    await b.click_connect()
    await expect(b.page.get_by_role("status")).to_have_text("error", timeout=15_000)
    await b.connect()
    await b.type_message("hello")
    await b.until(lambda: b.logged_counts()["response.done"] == 1, "the reply in Python")
    await b.disconnect()
    await assert_released(b)
    b.widget.save(tmp_path / "saved.jsonl")
    b.widget.conversation.close()

    secrets = _secrets_sent(b)
    assert len(secrets) == 1 and secrets[0].startswith("ek_")
    failed_mint = RealtimeAPIError("unset")
    try:  # the blocking API and its traceback
        RealtimeWidget(api_key=FAKE_KEY, base_url="http://127.0.0.1:9").mint_client_secret()
    except RealtimeAPIError as exc:
        failed_mint = exc
        tb = traceback.format_exc()
    places: dict[str, str] = {
        "messages to the browser (except the secret's own rpc-reply)": json.dumps(
            [m for m in b.to_browser if m.get("type") != "rpc-reply" or not m.get("ok")]
        ),
        "state sent to the browser": json.dumps(b.state_to_browser, default=str),
        "widget state": json.dumps(b.widget.get_state(), default=str),
        "repr": repr(b.widget) + str(b.widget.conversation),
        "log output": _log_text(b),
        "JSONL log": log_path.read_text(),
        "saved JSONL": (tmp_path / "saved.jsonl").read_text(),
        "DOM": await b.page.content(),
        "browser console": "\n".join(b.console),
        "error texts": b.widget.error + str(b.widget.mint_error) + repr(failed_mint),
        "traceback of a failed mint": tb,
    }
    for where, text in places.items():
        assert FAKE_KEY not in text, f"the API key leaked into {where}"
        assert "DO-NOT-LEAK" not in text, f"part of the API key leaked into {where}"
        if where != "DOM" and where != "browser console":
            for secret in secrets:
                assert secret not in text, f"the client secret leaked into {where}"
    assert secrets[0] not in places["DOM"]
    # The failed mint told the user what happened, without the key.
    assert any(
        "rejected the API key (401)" in m.get("error", {}).get("message", "")
        for m in b.to_browser
        if m.get("type") == "rpc-reply"
    )
    assert_clean(b)


#: A client secret's shape (the widget's own code names the prefix, so "ek_" alone is no leak).
CLIENT_SECRET = re.compile(r"\bek_[A-Za-z0-9_\-]{6,}")


async def test_with_kernel_signaling_no_client_secret_exists_and_the_key_stays_in_the_kernel(
    open_bridge: OpenBridge, emulator: EmulatorThread, tmp_path: Path
) -> None:
    log_path = tmp_path / "live.jsonl"
    minted_before = _minted_secrets(emulator)
    b = await open_bridge(muted=True, log_path=log_path, signaling="kernel")
    secret_requests = sum(b.emulator.stats()["client_secret_requests"].values())
    page_requests: list[str] = []

    async def on_request(request: Any) -> None:
        headers = await request.all_headers()
        page_requests.append(f"{request.method} {request.url} {headers} {request.post_data}")

    b.page.on("request", on_request)
    # A refused call request whose error body quotes the whole key, as a careless proxy might.
    b.emulator.set_faults(
        calls=HttpFault(
            401, {"error": {"message": f"bad key {FAKE_KEY}", "code": "invalid_api_key"}}, times=1
        )
    )
    await b.click_connect()
    await expect(b.page.get_by_role("status")).to_have_text("error", timeout=15_000)
    await expect(b.page.get_by_role("alert")).to_contain_text(
        "The API key was rejected (401) when the kernel started the call"
    )
    await b.connect()
    await b.type_message("hello")
    await b.until(lambda: b.logged_counts()["response.done"] == 1, "the reply in Python")
    call_id = b.widget.call_id
    assert call_id.startswith("rtc_") and b.widget._offers.call_ids[-1] == call_id
    await b.disconnect()
    await assert_released(b)
    b.widget.save(tmp_path / "saved.jsonl")
    b.widget.conversation.close()

    # Nothing asked for, minted or handed out a client secret.
    assert sum(b.emulator.stats()["client_secret_requests"].values()) == secret_requests
    assert _minted_secrets(emulator) <= minted_before
    assert not [m for m in b.from_browser if m.get("method") == "client_secret"]
    assert [m["method"] for m in b.from_browser if m.get("type") == "rpc"] == ["sdp_offer"] * 2
    # The page never talked to the API: the kernel posted both offers.
    assert not [r for r in page_requests if "/v1/realtime" in r], page_requests
    places: dict[str, str] = {
        "messages to the browser": json.dumps(b.to_browser),
        "messages from the browser": json.dumps(b.from_browser),
        "state sent to the browser": json.dumps(b.state_to_browser, default=str),
        "widget state": json.dumps(
            {k: v for k, v in b.widget.get_state().items() if k not in ("_esm", "_css")},
            default=str,
        ),
        "the page's requests": "\n".join(page_requests),
        "repr": repr(b.widget) + str(b.widget.conversation),
        "log output": _log_text(b),
        "JSONL log": log_path.read_text(),
        "saved JSONL": (tmp_path / "saved.jsonl").read_text(),
        "DOM": await b.page.content(),
        "browser console": "\n".join(b.console),
        "error texts": b.widget.error,
    }
    for where, text in places.items():
        assert FAKE_KEY not in text, f"the API key leaked into {where}"
        assert "DO-NOT-LEAK" not in text, f"part of the API key leaked into {where}"
        found = CLIENT_SECRET.findall(text)
        assert not found, f"something shaped like a client secret in {where}: {found[:3]}"
    assert_clean(b)


def _minted_secrets(emulator: EmulatorThread) -> set[str]:
    """The client secrets the module's emulator holds (read on its thread)."""
    return set(emulator.call(lambda emu: list(emu.secrets._secrets)))


async def test_client_secret_is_short_lived(open_bridge: OpenBridge) -> None:
    assert facts.DEFAULT_SECRET_TTL_S <= 600
    b = await open_bridge(muted=True)
    await b.connect()
    await b.disconnect()
    secret = _secrets_sent(b)[-1]
    left = b.emulator.call(lambda emu: emu.secrets._secrets[secret].expires_at) - time.time()
    assert 0 < left <= facts.DEFAULT_SECRET_TTL_S
    # Configurable, and the configured lifetime is what the server is asked for.
    b2 = await open_bridge(muted=True, secret_ttl_s=30)
    await b2.connect()
    await b2.disconnect()
    left = (
        b2.emulator.call(lambda emu: emu.secrets._secrets[_secrets_sent(b2)[-1]].expires_at)
        - time.time()
    )
    assert 0 < left <= 30


XSS = '<img src=x onerror="window.__pwned = (window.__pwned || 0) + 1">'


async def test_model_and_user_text_is_never_html(open_bridge: OpenBridge) -> None:
    b = await open_bridge(muted=True)
    await b.connect()
    await b.type_message(XSS)
    reply = b.page.locator(".rtw-turn.rtw-assistant.rtw-complete .rtw-text")
    # The emulator's reply quotes the user's text, so the model's text carries it too.
    await expect(reply).to_have_text(f"You said: {XSS}", timeout=15_000)
    await expect(b.page.locator(".rtw-turn.rtw-user .rtw-text")).to_have_text(XSS)
    # A server error message is text too.
    b.emulator.call(
        lambda emu: emu.last_call.engine.inject(
            {
                "type": "error",
                "error": {
                    "type": "x",
                    "code": "x",
                    "message": XSS,
                    "param": None,
                    "event_id": None,
                },
            }
        )
    )
    await expect(b.page.get_by_role("alert")).to_contain_text(XSS)
    assert await b.page.locator(".harness-view img").count() == 0
    assert await b.page.evaluate("window.__pwned") is None
    await b.disconnect()
    assert_clean(b)


async def test_bad_python_input_is_refused_before_anything_is_sent(
    open_bridge: OpenBridge,
) -> None:
    b = await open_bridge(muted=True)
    w = b.widget
    bad_events: list[tuple[Any, type[Exception], str]] = [
        ({"type": "response.create", "x": object()}, TypeError, "event['x'] is a object"),
        ({"type": "response.create", "x": float("nan")}, TypeError, "not finite"),
        ({"type": "response.create", "x": {1, 2}}, TypeError, "is a set"),
        ({"type": "response.create", "x": b"bytes"}, TypeError, "is a bytes"),
        ({"type": "response.create", 3: "k"}, TypeError, "non-str key 3"),
        ({"no": "type"}, ValueError, "'type'"),
        ("response.create", TypeError, "must be a dict"),
    ]
    sent_before = len(b.to_browser)
    for event, exc_type, words in bad_events:
        with pytest.raises(exc_type, match=None) as info:
            w.send_event(event)
        assert words in str(info.value), (words, str(info.value))
    assert len(b.to_browser) == sent_before, "a refused event reached the browser"

    bad_args: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"voice": "nope"}, ValueError, "voice"),
        ({"model": 3}, TypeError, "model"),
        ({"batch_interval_ms": 0}, ValueError, "batch_interval_ms"),
        ({"secret_ttl_s": 5}, ValueError, "secret_ttl_s"),
        ({"call_timeout_ms": -1}, ValueError, "call_timeout_ms"),
        ({"turn_detection": {"type": "server_vad", "threshold": 2}}, ValueError, "threshold"),
        ({"no_such_option": 1}, TypeError, "no_such_option"),
    ]
    for kwargs, exc_type, words in bad_args:
        with pytest.raises(exc_type) as info:
            RealtimeWidget(api_key=FAKE_KEY, base_url=b.emulator.base_url, **kwargs)
        assert words in str(info.value), (kwargs, str(info.value))
        assert FAKE_KEY not in str(info.value)
    # Live assignments are checked the same way and leave the old value in place.
    with pytest.raises(ValueError, match="voice"):
        w.voice = "nope"
    assert w.voice == facts.DEFAULT_VOICE
    with pytest.raises(AttributeError, match="read-only"):
        w.status = "connected"
    assert_clean(b)
