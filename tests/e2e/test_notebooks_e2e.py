"""Every shipped notebook with "Run All", and a newcomer's first minute, in real JupyterLab.

Real JupyterLab, Chromium with a fake microphone, WebRTC to the built-in emulator (no key).
"Run All" executes `w.connect()` and `w.send_text(...)` before the widget's view even exists:
the kernel keeps them (realtime_widget/lifecycle.py) and they go, in order, once the view is
ready and then once the session is. The newcomer presses Connect and types at Playwright's
pace, before the call is up: the message waits, shown as pending, and gets its reply.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from .conftest import NOTEBOOKS, OpenNotebook
from .lab import PageProblems
from .test_widget_e2e import CONNECTED, KERNEL_PROBE, WIDGET_CELL, widget_view

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

SHIPPED = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def test_every_notebook_is_tested_here() -> None:
    assert SHIPPED == ["analysis.ipynb", "prototyping.ipynb", "quickstart.ipynb"]


@pytest.mark.parametrize("name", SHIPPED)
def test_run_all_finishes_with_no_error_output(
    name: str, open_notebook: OpenNotebook, page_problems: PageProblems
) -> None:
    notebook = open_notebook(name)
    notebook.run_all(timeout=120)  # fails on any error output
    assert page_problems.page_errors == []
    if name != "prototyping.ipynb":
        return
    # The notebook connects and talks from its cells: all of it reached the model.
    kernel = notebook.kernel()
    kernel.run(KERNEL_PROBE)
    kernel.wait_for("w.status == 'connected'", timeout=30, what="the notebook's call")
    kernel.wait_for(
        "e2e_settled(w) and e2e_server_types(w).count('response.done') >= 3",
        timeout=60,
        what="the answers to what the cells sent",
    )
    assert kernel.eval("[p.label for p in w.unsent]") == []
    texts = kernel.eval("list(w.transcript['text'])")
    assert "How many apples are in stock? Use the stock tool." in texts
    assert kernel.eval("len(w.out_of_band)") >= 1  # the classifier cell's response
    sent = kernel.eval("[e['type'] for e in e2e_events(w, 'client')]")
    # The queued session change went before the text that waited for the session.
    assert sent.index("conversation.item.create") < sent.index("response.create")


@pytest.mark.parametrize("pace", ["playwright", "person"])
def test_a_newcomer_connects_and_types(
    pace: str, open_notebook: OpenNotebook, page_problems: PageProblems
) -> None:
    """At Playwright's pace the message is typed while the call starts; at a person's pace
    (a pause between steps, typing key by key) it usually goes once connected."""
    notebook = open_notebook("quickstart.ipynb")
    notebook.run_all()
    kernel = notebook.kernel()
    kernel.run(KERNEL_PROBE + "\nw.muted = True")  # typed turns only: no looping fake voice
    view = widget_view(notebook, WIDGET_CELL)
    view.get_by_role("button", name="Connect", exact=True).click()
    box = view.get_by_role("textbox", name="Message")
    if pace == "person":
        time.sleep(0.8)
        box.press_sequentially("Hello, I typed this the moment the box appeared", delay=20)
    else:
        box.fill("Hello, I typed this the moment the box appeared")
    box.press("Enter")
    expect(box).to_have_value("")
    # Shown at once (pending while the call starts, then in the transcript), never lost.
    expect(view).to_contain_text("Hello, I typed this the moment the box appeared")
    expect(view.get_by_role("status")).to_have_text(CONNECTED, timeout=30_000)
    reply = view.locator(".rtw-turn.rtw-assistant.rtw-complete")
    expect(reply.first).to_contain_text("You said: Hello, I typed this", timeout=20_000)
    expect(view.locator(".rtw-outbox")).to_be_hidden()
    assert kernel.eval("[p.label for p in w.unsent]") == []

    # The next cell reads the same conversation.
    kernel.wait_for("e2e_settled(w)", timeout=30, what="the reply to finish")
    out = notebook.run_cell(3)
    expect(out).to_contain_text("Hello, I typed this the moment the box appeared")
    expect(out).to_contain_text("You said: Hello, I typed this")
    rows = kernel.eval("w.transcript[['role', 'kind', 'status']].astype(str).values.tolist()")
    assert rows == [["user", "text", "complete"], ["assistant", "audio", "complete"]], rows
    assert kernel.eval("int(w.usage['output_tokens'].sum()) > 0")

    view.get_by_role("button", name="Disconnect", exact=True).click()
    kernel.wait_for("w.status == 'idle'", timeout=15, what="status idle after Disconnect")
    for chip in (".rtw-ind-user", ".rtw-ind-thinking", ".rtw-ind-model"):
        expect(view.locator(chip)).not_to_have_attribute("data-active", "true")
    expect(view).to_contain_text("You said: Hello, I typed this")  # the transcript stays
    assert page_problems.page_errors == []
    notebook.screenshot(f"newcomer-{pace}-pace")
