"""Kernel signaling: the browser's `sdp_offer` rpc, answered by the kernel posting the offer
to a real in-process emulator with the standard key (no client secret anywhere).

The offer is a real aiortc peer's (what a browser makes), and the happy path finishes the
call with the relayed answer: the data channel opens and `session.created` carries the
widget's session config. Also: refusals (a bad key, a bad offer, the other mode's method,
no offer at all), the kernel's own time limit and network failure worded as the browser's,
a cancel from the browser, the thread fallback outside a kernel, and the argument's checks.
Covers call_signaling.py, offer_relay.py, rpc_methods.py and the widget's rpc routing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from support.openai_types import assert_server_event

from realtime_widget import ReadOnlyTraitError, RealtimeWidget
from realtime_widget.call_signaling import call_id_from_location, refused, seconds_text
from realtime_widget.emulator.background import EmulatorThread
from realtime_widget.emulator.faults import HttpFault
from realtime_widget.emulator.ice import loopback_ice
from realtime_widget.emulator.server import Emulator

from .conftest import KEY, Browser, deliver

CLIENT_SECRET = re.compile(r"\bek_[A-Za-z0-9_\-]{6,}")


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(api_keys=[KEY]) as emulator:
        yield emulator


class Peer:
    """The browser's half of the call: a real offer, then the relayed answer applied."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.channel = self.pc.createDataChannel("oai-events")
        self.events: list[dict[str, Any]] = []
        self.opened = asyncio.Event()
        self.channel.on("open", self.opened.set)
        self.channel.on("message", lambda m: self.events.append(json.loads(m)))
        self.pc.addTransceiver("audio", direction="sendrecv")

    async def offer(self) -> str:
        offer = await self.pc.createOffer()
        with loopback_ice():
            await self.pc.setLocalDescription(offer)
        sdp: str = self.pc.localDescription.sdp
        return sdp

    async def answer(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))

    async def wait_for(self, kind: str, timeout: float = 10.0) -> dict[str, Any]:
        async def found() -> dict[str, Any]:
            while True:
                for event in self.events:
                    if event.get("type") == kind:
                        return event
                await asyncio.sleep(0.02)

        return await asyncio.wait_for(found(), timeout)

    async def close(self) -> None:
        await self.pc.close()


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    p = Peer()
    yield p
    await p.close()


def _offer(browser: Browser, rid: int, sdp: Any) -> None:
    browser.message({"type": "rpc", "id": rid, "method": "sdp_offer", "params": {"sdp": sdp}})


async def _reply(browser: Browser, rid: int, timeout: float = 10.0) -> dict[str, Any]:
    for _ in range(int(timeout / 0.01)):
        replies = [m for m in browser.of_type("rpc-reply") if m["id"] == rid]
        if replies:
            assert len(replies) == 1
            return replies[0]
        await asyncio.sleep(0.01)
    raise AssertionError(f"no rpc-reply for id {rid}")


def _kernel_widget(emu: Emulator, **kwargs: Any) -> RealtimeWidget:
    kwargs.setdefault("api_key", KEY)
    return RealtimeWidget(base_url=emu.base_url, signaling="kernel", **kwargs)


async def test_the_kernel_posts_the_offer_and_the_call_starts_with_the_widgets_session(
    emu: Emulator, peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="realtime_widget")
    w = _kernel_widget(emu, voice="cedar", instructions="Be brief.")
    assert w.signaling == "kernel"
    assert w.get_state()["signaling"] == "kernel"  # what the view reads
    browser = Browser(w)
    _offer(browser, 4, await peer.offer())
    assert len(w._offers._tasks) == 1  # posted on this loop, not on a thread
    reply = await _reply(browser, 4)
    assert reply["ok"] is True, reply
    result = reply["result"]
    assert set(result) == {"sdp", "call_id"}
    assert result["sdp"].startswith("v=0")
    call_id = result["call_id"]
    assert call_id.startswith("rtc_") and call_id in emu.calls
    assert w._offers.call_ids == [call_id]
    # No client secret was asked for, minted or used: one call request, with the standard key.
    assert not emu.stats.client_secret_requests
    assert emu.stats.call_requests == {201: 1}
    assert emu.secrets._secrets == {}

    # The answer completes the call: the session is the widget's, from the first event.
    await peer.answer(result["sdp"])
    await asyncio.wait_for(peer.opened.wait(), 10)
    created = await peer.wait_for("session.created")
    assert_server_event(created)
    session = created["session"]
    assert session["audio"]["output"]["voice"] == "cedar"
    assert session["instructions"] == "Be brief."
    assert session["model"] == w.model

    state = {k: v for k, v in w.get_state().items() if k not in ("_esm", "_css")}
    for text in (json.dumps(browser.sent), caplog.text, json.dumps(state, default=str)):
        assert KEY not in text
        assert not CLIENT_SECRET.search(text)
    assert call_id in caplog.text  # the log says which call the kernel started


async def test_a_rejected_key_comes_back_with_status_and_body_and_never_the_key(
    emu: Emulator, peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    bad = "sk-test-SECRET-not-accepted-9999"
    w = _kernel_widget(emu, api_key=bad)
    browser = Browser(w)
    _offer(browser, 1, await peer.offer())
    reply = await _reply(browser, 1)
    assert reply["ok"] is False
    error = reply["error"]
    # Status and body, so the browser words it as a failure of its own POST.
    assert error["status"] == 401
    assert error["code"] == "invalid_api_key"
    body = json.loads(error["body"])
    assert body["error"]["message"].startswith("Incorrect API key provided: ***")
    assert error["message"].startswith(f"POST {emu.base_url}/v1/realtime/calls answered 401")
    assert "answered 401" in caplog.text
    assert not emu.stats.client_secret_requests
    for text in (json.dumps(reply), caplog.text):
        assert bad not in text
        assert "SECRET" not in text
        assert "9999" not in text  # not even the part OpenAI's message quotes


async def test_a_bad_offer_is_refused_with_the_servers_400(emu: Emulator) -> None:
    w = _kernel_widget(emu)
    browser = Browser(w)
    _offer(browser, 2, "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=no media\r\n")
    reply = await _reply(browser, 2)
    assert reply["ok"] is False
    assert reply["error"]["status"] == 400
    body = json.loads(reply["error"]["body"])
    assert body["error"]["param"] == "sdp"
    assert "not an SDP offer" in body["error"]["message"]
    assert emu.stats.call_requests == {400: 1}


@pytest.mark.parametrize(
    ("params", "words"),
    [({}, "has no SDP offer"), ({"sdp": 3}, "has no SDP offer"), ({"sdp": "v=0" * 70_000}, "more")],
    ids=["missing", "not-text", "too-long"],
)
async def test_a_request_without_an_offer_is_refused_before_any_post(
    emu: Emulator, params: dict[str, Any], words: str
) -> None:
    w = _kernel_widget(emu)
    browser = Browser(w)
    browser.message({"type": "rpc", "id": 3, "method": "sdp_offer", "params": params})
    reply = await _reply(browser, 3)
    assert reply["ok"] is False and reply["error"]["code"] == "bad_request"
    assert words in reply["error"]["message"]
    assert not emu.stats.call_requests


async def test_each_mode_answers_only_its_own_method(emu: Emulator, peer: Peer) -> None:
    kernel = _kernel_widget(emu)
    kb = Browser(kernel)
    kb.message({"type": "rpc", "id": 1, "method": "client_secret", "params": {}})
    reply = await _reply(kb, 1)
    assert reply["ok"] is False and reply["error"]["code"] == "wrong_signaling"
    assert "signaling='kernel'" in reply["error"]["message"]
    with pytest.raises(RuntimeError, match="no client secret is minted"):
        kernel.mint_client_secret()

    plain = RealtimeWidget(api_key=KEY, base_url=emu.base_url)
    assert plain.signaling == "browser"
    pb = Browser(plain)
    _offer(pb, 2, await peer.offer())
    reply = await _reply(pb, 2)
    assert reply["ok"] is False and reply["error"]["code"] == "wrong_signaling"
    # Neither request reached the server.
    assert not emu.stats.client_secret_requests and not emu.stats.call_requests

    # The page cannot switch the kernel's mode: it goes by the value it was created with.
    kernel.set_state({"signaling": "browser"})
    kb.message({"type": "rpc", "id": 3, "method": "client_secret", "params": {}})
    assert (await _reply(kb, 3))["error"]["code"] == "wrong_signaling"
    assert not emu.stats.client_secret_requests


async def test_the_kernels_time_limit_is_worded_as_the_browsers(emu: Emulator, peer: Peer) -> None:
    emu.faults.calls_delay_s = 1.0
    w = _kernel_widget(emu, call_timeout_ms=300)
    browser = Browser(w)
    _offer(browser, 5, await peer.offer())
    reply = await _reply(browser, 5)
    assert reply["error"] == {
        "message": "The server did not answer the call request within 0.3 s "
        f"(POST {emu.base_url}/v1/realtime/calls).",
        "code": "timeout",
        "status": None,
    }


async def test_an_unreachable_server_is_named(peer: Peer) -> None:
    w = RealtimeWidget(api_key=KEY, base_url="http://127.0.0.1:9", signaling="kernel")
    browser = Browser(w)
    _offer(browser, 6, await peer.offer())
    reply = await _reply(browser, 6)
    message = reply["error"]["message"]
    assert message.startswith(
        "Could not reach http://127.0.0.1:9/v1/realtime/calls from the kernel:"
    )
    assert reply["error"]["code"] == "connection_error"
    w.close()


async def test_a_cancel_from_the_browser_stops_the_post(emu: Emulator, peer: Peer) -> None:
    emu.faults.calls_delay_s = 1.0
    w = _kernel_widget(emu)
    browser = Browser(w)
    _offer(browser, 7, await peer.offer())
    await asyncio.sleep(0.2)  # the POST is on its way
    (task,) = w._offers._tasks
    browser.message({"type": "rpc-cancel", "id": 7})
    await asyncio.wait([task], timeout=2)
    assert task.cancelled()
    assert w._offers._by_id == {}
    await asyncio.sleep(1.2)  # past the server's delay: still nothing replied, no call left
    assert browser.of_type("rpc-reply") == []
    assert not emu.calls
    # A cancel for an id that is done or unknown is ignored.
    browser.message({"type": "rpc-cancel", "id": 99})
    browser.message({"type": "rpc-cancel"})


async def test_an_error_answer_from_a_proxy_keeps_its_text(emu: Emulator, peer: Peer) -> None:
    emu.faults.calls = HttpFault(502, "<html>Bad gateway</html>", content_type="text/html", times=1)
    w = _kernel_widget(emu)
    browser = Browser(w)
    _offer(browser, 8, await peer.offer())
    error = (await _reply(browser, 8))["error"]
    assert error["status"] == 502 and error["body"] == "<html>Bad gateway</html>"
    assert error["code"] is None


def test_without_a_running_loop_a_thread_posts() -> None:
    async def make_offer() -> str:
        p = Peer()
        try:
            return await p.offer()  # its text is all the kernel needs
        finally:
            await p.close()

    with EmulatorThread(api_keys=[KEY]) as emu:
        w = RealtimeWidget(api_key=KEY, base_url=emu.base_url, signaling="kernel")
        done = threading.Event()
        replies: list[dict[str, Any]] = []

        def send(msg: dict[str, Any]) -> None:
            replies.append(msg)
            done.set()

        w.send = send
        sdp = asyncio.run(make_offer())
        deliver(w, {"type": "rpc", "id": 9, "method": "sdp_offer", "params": {"sdp": sdp}})
        assert done.wait(20)
        (reply,) = replies
        assert reply["ok"] is True and reply["result"]["call_id"].startswith("rtc_")
        assert not emu.stats()["client_secret_requests"]
        w.close()
        emu.run(emu.emulator.hangup(reply["result"]["call_id"]))  # no browser will connect


def test_the_argument_is_checked_and_fixed() -> None:
    with pytest.raises(ValueError, match=r"signaling must be 'browser'.*or 'kernel'.*got 'server'"):
        RealtimeWidget(api_key=KEY, base_url="http://127.0.0.1:9", signaling="server")
    with pytest.raises(TypeError, match=r"signaling must be .*got bool"):
        RealtimeWidget(api_key=KEY, base_url="http://127.0.0.1:9", signaling=True)  # type: ignore[arg-type]
    w = RealtimeWidget(api_key=KEY, base_url="http://127.0.0.1:9", signaling="kernel")
    with pytest.raises(ReadOnlyTraitError, match="chosen when the widget is created"):
        w.signaling = "browser"
    assert "signaling" in (RealtimeWidget.__doc__ or "")
    w.close()


# -- pure parts ---------------------------------------------------------------------------


def test_call_id_from_location_is_the_browsers_rule() -> None:
    assert call_id_from_location("/v1/realtime/calls/rtc_abc") == "rtc_abc"
    assert call_id_from_location("https://api.openai.com/v1/realtime/calls/rtc_x/?a=1#f") == "rtc_x"
    assert call_id_from_location("") is None
    assert call_id_from_location(None) is None
    assert call_id_from_location("/") is None


def test_seconds_are_worded_as_the_browser_words_them() -> None:
    # connect_timeouts.ts: one decimal below 10 s (".0" dropped), whole seconds above.
    assert [seconds_text(s) for s in (0.3, 0.7, 1.0, 2.5, 15.0, 20.4)] == [
        "0.3 s",
        "0.7 s",
        "1 s",
        "2.5 s",
        "15 s",
        "20 s",
    ]


def test_a_refusal_is_redacted_and_bounded() -> None:
    key = "sk-proj-SECRETSECRET1234"
    text = json.dumps({"error": {"message": f"bad key {key}", "code": "invalid_api_key"}})
    err = refused(401, text + " " * 10_000, "http://h/v1/realtime/calls", key)
    assert key not in err.body and key not in err.message and "SECRET" not in err.body
    assert len(err.body) == 4_000
    assert err.code == "invalid_api_key" and err.status == 401
    assert err.to_json()["body"] == err.body
