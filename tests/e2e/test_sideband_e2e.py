"""The kernel's sideband in real JupyterLab (issue 16): a Python tool is called and answered
while the page's connection to the kernel is held, the page still shows and plays the
reply, every event is in the kernel's log once and in the server's order, and a sideband
cut mid-call falls back to the browser and says so.

The page talks to JupyterLab through a proxy the test holds (tests/e2e/proxy.py `hold`:
nothing is lost, nothing goes through, as with a busy or background tab's kernel
websocket). The kernel is driven from the test's own kernel client, which does not go
through the proxy; the call itself is WebRTC between the page and the built-in emulator.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .lab import LabServer, PageProblems
from .test_delivery_e2e import LOGGED_IDS, quickstart_through_proxy
from .test_widget_e2e import CONNECTED, KERNEL_PROBE, WIDGET_CELL, widget_view

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

TOOL = '''
E2E_TOOL_CALLS = []

@w.tool
def get_stock(item: str) -> int:
    """How many of an item are in stock."""
    E2E_TOOL_CALLS.append(item)
    return 7
'''


def test_a_tool_answered_over_the_sideband_while_the_page_is_held_then_a_cut(
    jupyter_server: LabServer, page: Page, page_problems: PageProblems
) -> None:
    with quickstart_through_proxy(jupyter_server, page, "sideband-e2e.ipynb") as (notebook, proxy):
        notebook.run_all()
        kernel = notebook.kernel()
        kernel.run(KERNEL_PROBE + "\nw.muted = True\n" + TOOL)
        view = widget_view(notebook, WIDGET_CELL)
        view.get_by_role("button", name="Connect", exact=True).click()
        expect(view.get_by_role("status")).to_have_text(CONNECTED, timeout=30_000)
        call_id = kernel.wait_for("w.call_id", timeout=15, what="the call id")
        kernel.wait_for("w.sideband_state == 'attached'", timeout=15, what="the sideband")
        expect(view.locator(".rtw-sideband")).to_have_text("Sideband")

        proxy.hold()  # from here the page and the kernel cannot reach each other
        kernel.run("w.send_text('Please use get_stock for apples')")
        kernel.wait_for("E2E_TOOL_CALLS == ['apples']", timeout=20, what="the tool to run")
        kernel.wait_for(
            "e2e_server_types(w).count('response.done') >= 2",
            timeout=30,
            what="the tool's answer and the reply, over the sideband",
        )
        # The page got it all straight from the call: the reply, with the tool's output,
        # in its transcript, and the voice played (its audio buffer ran and stopped).
        reply = view.locator(".rtw-turn.rtw-assistant.rtw-complete").last
        expect(reply).to_contain_text("7", timeout=20_000)
        kernel.wait_for(  # the tool call has no voice; the answer has
            f"E2E_WIRE[{call_id!r}].count('output_audio_buffer.stopped') >= 1",
            timeout=30,
            what="the page's playback of the answer",
        )
        assert kernel.eval("w._paths.via['sideband']") > 0
        released = proxy.release()
        assert released > 0, "nothing was held: the page was not talking to the kernel"

        # Both paths delivered everything: each event once, in the wire's order.
        kernel.wait_for(
            f"{LOGGED_IDS} == E2E_WIRE_IDS[{call_id!r}]",
            timeout=30,
            what="the kernel's log to match the data channel's wire",
        )
        assert kernel.eval("w.tool_errors") == []

        # The sideband is cut: the widget says so and goes on through the browser.
        dropped = kernel.eval(
            f"e2e_shared_emulator().call(lambda emu: emu.drop_sidebands({call_id!r}))"
        )
        assert dropped == 1
        kernel.wait_for("w.sideband_state == 'dropped'", timeout=15, what="the drop")
        expect(view.locator(".rtw-sideband")).to_have_text("Sideband lost")
        expect(view.get_by_text("sideband to the call dropped")).to_be_visible()
        kernel.run("w.send_text('Are you still there?')")
        kernel.wait_for(
            "e2e_server_types(w).count('response.done') >= 3",
            timeout=30,
            what="a reply through the browser",
        )
        kernel.wait_for(
            f"{LOGGED_IDS} == E2E_WIRE_IDS[{call_id!r}]",
            timeout=30,
            what="the log to match the wire after the cut",
        )
        assert kernel.eval("w.status") == "connected"
    assert page_problems.page_errors == []
