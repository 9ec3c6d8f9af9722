"""Over HTTP and real WebRTC: the call's session is the one the client secret named.

A behaviour test across modules: http_handlers.py, http_state.py, peer.py and engine.py.
"""

# ruff: noqa: F811  (pytest fixtures imported from support.emulator_server are redefined as arguments)

from __future__ import annotations

from support.emulator_server import StartEmulator, emulator, start_emulator  # noqa: F401
from support.openai_types import assert_server_event
from support.rtc_client import RtcClient, mint_secret

from realtime_widget.emulator import Emulator


async def test_session_created_has_the_client_secret_session_id(emulator: Emulator) -> None:
    secret = await mint_secret(
        emulator.base_url, session={"type": "realtime", "instructions": "Be brief."}
    )
    minted = secret["session"]["id"]
    assert minted.startswith("sess_")
    async with RtcClient(emulator.base_url, secret["value"], send_mic=False) as client:
        created = await client.wait_for("session.created", timeout=15)
        assert_server_event(created)
        assert created["session"]["id"] == minted
        assert created["session"]["instructions"] == "Be brief."
