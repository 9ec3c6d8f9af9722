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

import pytest
from playwright.sync_api import expect

from .conftest import OpenNotebook
from .lab import PageProblems
from .test_widget_e2e import WIDGET_CELL, connect, open_quickstart, type_message, widget_view

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

# The emulator repeats a typed message ("You said: …"); its voice lasts as long as the text
# (about 60 ms a character), so this reply plays for well over ten seconds.
LONG = (
    "Tell me everything about the history of the harbour, the ships that came in every "
    "spring, the people who unloaded them, and what the town looked like before the railway."
)

CLIENT_SINCE = "[e['type'] for e in e2e_events(w, 'client')[{start}:]]"


def test_interrupt_sends_cancel_and_clear_and_reconnect_restores_only_what_was_heard(
    open_notebook: OpenNotebook, page_problems: PageProblems
) -> None:
    notebook, kernel = open_quickstart(open_notebook)
    view = widget_view(notebook, WIDGET_CELL)
    connect(view, kernel)
    first_call = kernel.eval("w.call_id")

    type_message(view, LONG)
    kernel.wait_for(
        "'output_audio_buffer.started' in e2e_server_types(w)",
        timeout=30,
        what="the model's answer to start playing",
    )
    start = kernel.eval("len(e2e_events(w, 'client'))")
    # Let about a second of the answer play: that is what the user hears before interrupting.
    time.sleep(1.0)
    interrupt = view.get_by_role("button", name="Interrupt the model's answer")
    expect(interrupt).to_be_enabled()
    interrupt.click()

    kernel.wait_for(
        "'output_audio_buffer.cleared' in e2e_server_types(w) and e2e_settled(w)",
        timeout=20,
        what="the server to clear the audio and finish the response",
    )
    sent = kernel.eval(CLIENT_SINCE.format(start=start))
    assert sent == ["response.cancel", "output_audio_buffer.clear"], sent

    (truncated,) = kernel.eval(
        "[e for e in e2e_events(w) if e['type'] == 'conversation.item.truncated']"
    )
    types = kernel.eval("e2e_server_types(w)")
    # The server truncates first, then reports the cleared buffer.
    assert types.index("conversation.item.truncated") < types.index("output_audio_buffer.cleared")
    # About a second was played (measured by the server's playback, not the browser's clock),
    # far less than the whole answer.
    assert 300 <= truncated["audio_end_ms"] <= 6000, truncated

    row = kernel.eval(
        "w.transcript.set_index('item_id').loc["
        f"{truncated['item_id']!r}, ['role', 'status', 'text', 'heard_ms', 'heard_text', "
        "'unheard_text']].to_dict()"
    )
    assert row["role"] == "assistant" and row["status"] == "interrupted", row
    assert row["heard_ms"] == truncated["audio_end_ms"]
    heard, unheard = row["heard_text"].strip(), row["unheard_text"].strip()
    assert heard and unheard, row
    # Nothing received is lost: the transcript's text is the heard part followed by the rest.
    assert row["text"].startswith(row["heard_text"])
    assert row["text"].endswith(row["unheard_text"])
    assert len(heard) < len(row["text"]) / 2, "about a second of a long answer was heard"
    # The view shows the unheard rest as such.
    expect(view.locator(".rtw-unheard").last).to_contain_text(unheard[:20])

    # A new session with context gets only what the user heard.
    boundary = kernel.eval("len(e2e_events(w, 'client'))")
    kernel.run("w.reconnect()")
    kernel.wait_for(
        f"w.status == 'connected' and w.call_id not in ('', {first_call!r})",
        timeout=30,
        what="the new call",
    )
    kernel.wait_for(
        "any(e['type'] == 'conversation.item.create' "
        f"for e in e2e_events(w, 'client')[{boundary}:])",
        timeout=15,
        what="the earlier conversation re-inserted",
    )
    restored = kernel.eval(
        "[c.get('text', '') for e in e2e_events(w, 'client')"
        f"[{boundary}:] if e['type'] == 'conversation.item.create' "
        "and e['item'].get('role') == 'assistant' for c in e['item']['content']]"
    )
    assert restored == [row["heard_text"]], restored
    assert all(unheard not in text for text in restored)
    assert page_problems.page_errors == []
    notebook.screenshot("interrupt-heard-part")
