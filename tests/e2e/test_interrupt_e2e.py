"""Interrupt over WebRTC the way the real server expects it, end to end (issue 11).

Real JupyterLab, Chromium, WebRTC to the built-in emulator. While the model's audio plays, the
Interrupt button sends `response.cancel` and `output_audio_buffer.clear` and nothing else (the
official client sends no truncate: the server knows what was played). The emulator, like the
real server, answers the clear with `conversation.item.truncated` at the played position and
`output_audio_buffer.cleared`, and drops the transcript of the cut part. The kernel's transcript
keeps every word received but says which part was heard; a reconnect afterwards re-inserts only
the heard part.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Locator, expect
from support.view_text import format_usd

from .conftest import OpenNotebook
from .lab import AttachedKernel, PageProblems
from .test_widget_e2e import WIDGET_CELL, connect, open_quickstart, type_message, widget_view

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

# The emulator repeats a typed message ("You said: …"). Like the real server it generates faster
# than it plays: the transcript streams a word every 20 ms while the voice lasts about 60 ms a
# character. So the 170 words of LONG are still being generated a second into playback
# (Interrupt then cancels and clears), while SHORT is fully generated within a second and only
# its playback is left to stop (Interrupt then only clears).
LONG = " ".join(
    ["Tell me everything about the history of the harbour and the ships that came in every"] * 10
)
SHORT = "Describe the lighthouse at the end of the old pier, and the keeper who lived there."

CLIENT_SINCE = "[e['type'] for e in e2e_events(w, 'client')[{start}:]]"
TRUNCATED = "[e for e in e2e_events(w) if e['type'] == 'conversation.item.truncated']"
ROW = (
    "w.transcript.set_index('item_id').loc[{item_id!r}, ['role', 'status', 'text', 'heard_ms', "
    "'heard_text', 'unheard_text']].to_dict()"
)


def _interrupt_while_playing(view: Locator, kernel: AttachedKernel, turn: int) -> list[str]:
    """Click Interrupt while turn `turn`'s audio plays; the client events it sent."""
    start = kernel.eval("len(e2e_events(w, 'client'))")
    interrupt = view.get_by_role("button", name="Interrupt the model's answer")
    expect(interrupt).to_be_enabled()
    interrupt.click()
    kernel.wait_for(
        f"e2e_server_types(w).count('output_audio_buffer.cleared') >= {turn} and e2e_settled(w)",
        timeout=20,
        what="the server to clear the audio and finish the response",
    )
    sent: list[str] = kernel.eval(CLIENT_SINCE.format(start=start))
    return sent


def _heard_row(kernel: AttachedKernel, truncated: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = kernel.eval(ROW.format(item_id=truncated["item_id"]))
    assert row["role"] == "assistant" and row["status"] == "interrupted", row
    assert row["heard_ms"] == truncated["audio_end_ms"]
    assert row["heard_text"].strip() and row["unheard_text"].strip(), row
    # Nothing received is lost: the transcript's text is the heard part followed by the rest.
    assert row["text"] == row["heard_text"] + row["unheard_text"]
    return row


def test_interrupt_sends_cancel_and_clear_and_reconnect_restores_only_what_was_heard(
    open_notebook: OpenNotebook, page_problems: PageProblems
) -> None:
    notebook, kernel = open_quickstart(open_notebook)
    view = widget_view(notebook, WIDGET_CELL)
    connect(view, kernel)
    first_call = kernel.eval("w.call_id")

    # 1. While the answer is still generated: response.cancel, then output_audio_buffer.clear.
    type_message(view, LONG)
    kernel.wait_for(
        "'output_audio_buffer.started' in e2e_server_types(w)",
        timeout=30,
        what="the model's answer to start playing",
    )
    time.sleep(1.0)  # about a second of the answer plays: what the user hears
    assert "response.done" not in kernel.eval("e2e_server_types(w)"), "generated too fast"
    assert _interrupt_while_playing(view, kernel, 1) == [
        "response.cancel",
        "output_audio_buffer.clear",
    ]
    (truncated,) = kernel.eval(TRUNCATED)
    types = kernel.eval("e2e_server_types(w)")
    # The server truncates first, then reports the cleared buffer.
    assert types.index("conversation.item.truncated") < types.index("output_audio_buffer.cleared")
    # About a second was played (measured by the server's playback, not the browser's clock).
    assert 300 <= truncated["audio_end_ms"] <= 6000, truncated
    first = _heard_row(kernel, truncated)
    assert len(first["heard_text"]) < len(first["text"]) / 4
    # The view shows the unheard rest as such.
    expect(view.locator(".rtw-unheard").first).to_contain_text(first["unheard_text"].strip()[:20])

    # 2. The answer is fully generated but still plays: output_audio_buffer.clear only.
    type_message(view, SHORT)
    kernel.wait_for(
        "e2e_server_types(w).count('response.done') >= 2 "
        "and e2e_server_types(w).count('output_audio_buffer.started') >= 2",
        timeout=30,
        what="the second answer to be generated and to play",
    )
    assert _interrupt_while_playing(view, kernel, 2) == ["output_audio_buffer.clear"]
    second = _heard_row(kernel, kernel.eval(TRUNCATED)[1])

    # Prices assigned from Python reprice the live view (w.prices → the price_table trait).
    view.locator(".rtw-usage > summary").click()
    session_usd = view.locator(".rtw-usage-table tbody tr").nth(1).locator(".rtw-usd")
    before = kernel.eval("w.cost()")
    expect(session_usd).to_have_text(format_usd(before), timeout=10_000)
    kernel.run(
        "from realtime_widget import ModelPrices\n"
        "w.prices = {**w.prices, 'gpt-realtime-2.1': ModelPrices(40, 4, 240, 320, 4, 640, 50, 5)}"
    )
    tenfold = kernel.eval("w.cost()")
    expect(session_usd).to_have_text(format_usd(tenfold), timeout=10_000)
    assert tenfold == pytest.approx(10 * before)  # every price of the model ×10

    # A new session with context gets only what the user heard.
    boundary = kernel.eval("len(e2e_events(w, 'client'))")
    kernel.run("w.reconnect()")
    kernel.wait_for(
        f"w.status == 'connected' and w.call_id not in ('', {first_call!r})",
        timeout=30,
        what="the new call",
    )
    kernel.wait_for(
        "sum(e['type'] == 'conversation.item.create' "
        f"for e in e2e_events(w, 'client')[{boundary}:]) >= 4",
        timeout=15,
        what="the earlier conversation re-inserted",
    )
    restored = kernel.eval(
        "[c.get('text', '') for e in e2e_events(w, 'client')"
        f"[{boundary}:] if e['type'] == 'conversation.item.create' "
        "and e['item'].get('role') == 'assistant' for c in e['item']['content']]"
    )
    assert restored == [first["heard_text"], second["heard_text"]], restored
    for row in (first, second):
        assert all(row["unheard_text"].strip() not in text for text in restored)
    assert page_problems.page_errors == []
    notebook.screenshot("interrupt-heard-part")
