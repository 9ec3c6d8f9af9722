"""The SDP POST fails (401 expired secret, 4xx JSON, 5xx, too slow, not SDP; the last four
also posted by the kernel, signaling="kernel") and the connection fails after it (ICE never
connects, peer or data channel dropped mid-response)."""

from __future__ import annotations

import time

import pytest

from realtime_widget.emulator.faults import HttpFault

from .bridge import Bridge, handler_outcomes
from .checks import (
    assert_clean,
    assert_events_kept,
    assert_fault_reported,
    assert_reconnects,
    assert_released,
)
from .conftest import OpenBridge

pytestmark = [pytest.mark.faults, pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

# The failures of the call request read the same whoever posted it: the browser with a client
# secret, or the kernel with the API key (signaling="kernel").
SIGNALING = ["browser", "kernel"]


async def _recovers(b: Bridge) -> None:
    await assert_released(b)
    assert_clean(b)
    b.widget.call_timeout_ms = 15_000
    await assert_reconnects(b)
    assert_clean(b)


async def test_call_secret_expired_401(open_bridge: OpenBridge) -> None:
    b = await open_bridge(muted=True)
    b.emulator.set_faults(calls_delay_s=1.0)
    minted = b.emulator.stats()["client_secret_requests"].get(200, 0)
    await b.click_connect()
    await b.until(
        lambda: b.emulator.stats()["client_secret_requests"].get(200, 0) > minted, "a mint"
    )

    def expire_all(emu: object) -> None:  # the real expiry path of the emulator's secret store
        store = emu.secrets  # type: ignore[attr-defined]
        for value in list(store._secrets):
            store.expire(value)

    b.emulator.call(expire_all)
    await assert_fault_reported(b, "client secret was rejected (401)", "expired", "Connect again")
    assert b.widget.mint_error is None  # minting worked; the call was refused
    await _recovers(b)


@pytest.mark.parametrize(
    ("status", "body", "parts"),
    [
        (
            400,
            {
                "error": {
                    "message": "Invalid SDP offer: no audio section.",
                    "type": "invalid_request_error",
                    "code": "invalid_offer",
                }
            },
            ("refused the call (400)", "Invalid SDP offer: no audio section. (invalid_offer)"),
        ),
        (
            503,
            {"error": {"message": "Service temporarily unavailable.", "type": "server_error"}},
            ("failed to start the call (503)", "Service temporarily unavailable."),
        ),
    ],
    ids=["4xx-json", "5xx"],
)
@pytest.mark.parametrize("signaling", SIGNALING)
async def test_call_http_error(
    open_bridge: OpenBridge,
    status: int,
    body: dict[str, object],
    parts: tuple[str, ...],
    signaling: str,
) -> None:
    b = await open_bridge(muted=True, signaling=signaling)
    b.emulator.set_faults(calls=HttpFault(status, body, times=1))
    await b.click_connect()
    await assert_fault_reported(b, *parts)
    await _recovers(b)


@pytest.mark.parametrize("signaling", SIGNALING)
async def test_call_answer_too_slow(open_bridge: OpenBridge, signaling: str) -> None:
    b = await open_bridge(muted=True, call_timeout_ms=700, signaling=signaling)
    b.emulator.set_faults(calls_delay_s=3.0)
    with handler_outcomes(b.emulator, "_create_call_inner") as outcomes:
        await b.click_connect()
        await assert_fault_reported(
            b, "did not answer the call request within 0.7 s", "/v1/realtime/calls"
        )
        b.emulator.set_faults(calls_delay_s=0.0)
        # The emulator finishes the abandoned request later (answers it, or finds the browser
        # gone); a peer it made for it must not live on (assert_released: no active call).
        await b.until(lambda: outcomes, "the emulator to finish the abandoned call request")
    await _recovers(b)


@pytest.mark.parametrize("signaling", SIGNALING)
async def test_call_answer_not_sdp(open_bridge: OpenBridge, signaling: str) -> None:
    b = await open_bridge(muted=True, signaling=signaling)
    b.emulator.set_faults(
        calls=HttpFault(201, "<html>Welcome to nginx!</html>", content_type="text/html", times=1)
    )
    await b.click_connect()
    await assert_fault_reported(b, "not an SDP answer", "Is base_url right?")
    await _recovers(b)


async def test_ice_never_connects(open_bridge: OpenBridge) -> None:
    b = await open_bridge(muted=True, call_timeout_ms=2_000)
    b.emulator.set_faults(refuse_ice=True)
    await b.click_connect()
    await assert_fault_reported(b, "ICE", "UDP")
    await _recovers(b)


async def _mid_response(b: Bridge) -> str:
    await b.connect()
    call_id = str(b.widget.call_id)
    assert call_id.startswith("rtc_")
    await b.type_message("Please tell me a rather long story about the sea.")
    return call_id


async def test_peer_drops_mid_response(open_bridge: OpenBridge) -> None:
    b = await open_bridge(muted=True)
    b.emulator.set_faults(drop_peer_after_response_events=4)
    call_id = await _mid_response(b)
    await assert_fault_reported(b, "The connection closed", "transcript is kept", "Connect")
    await b.until(lambda: b.active_calls() == 0, "the emulator to close the call")
    sent = assert_events_kept(b, call_id)
    assert sent["response.created"] == 1 and sent["response.done"] == 0  # really mid-response
    await _recovers(b)
    # The earlier call's events are still there after the new call.
    assert not sent - b.logged_counts()


async def test_data_channel_closes_mid_response(open_bridge: OpenBridge) -> None:
    b = await open_bridge(muted=True)
    b.emulator.set_faults(drop_channel_after_response_events=4)
    call_id = await _mid_response(b)
    await assert_fault_reported(b, "The connection closed", "transcript is kept")
    sent = assert_events_kept(b, call_id)
    assert sent["response.created"] == 1 and sent["response.done"] == 0
    await _recovers(b)


async def test_a_server_that_goes_silent_ends_the_call_after_the_ice_grace_period(
    open_bridge: OpenBridge,
) -> None:
    """No close, no answers: Chromium's ICE goes `disconnected` after its consent checks fail,
    and the widget ends the call 5 s later (the official client's grace period) instead of
    showing "connected" until ICE gives up about 30 s later."""
    b = await open_bridge(muted=True)
    call_id = await _mid_response(b)
    await b.until(lambda: b.logged_counts().get("response.created", 0) >= 1, "the answer")
    silent_at = time.monotonic()
    b.emulator.set_faults(silent_calls=True)
    await assert_fault_reported(b, "connection to the server was lost", "no answer for 5 s")
    lost_after = time.monotonic() - silent_at
    # Consent checks fail after a few seconds; then the 5 s grace. Well below ICE's own
    # ~30 s failure, and not before the grace period could have run.
    assert 5.0 <= lost_after <= 20.0, lost_after
    # The browser let go of everything at once.
    tracks = await b.mic_tracks()
    assert tracks and all(t["readyState"] == "ended" for t in tracks), tracks
    assert await b.open_peers() == 0
    # Everything received before the silence is in the kernel.
    assert b.logged_counts().get("response.created", 0) >= 1
    # The silent server side never heard the hang-up; end it there as a real server would
    # once its own consent checks fail, then the widget connects again as usual.
    b.emulator.set_faults(silent_calls=False)
    b.emulator.run(b.emulator.emulator.hangup(call_id))
    await _recovers(b)
