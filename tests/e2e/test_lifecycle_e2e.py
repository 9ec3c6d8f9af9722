"""Lifecycle guarantees in real JupyterLab + Chromium against the CLI emulator, the way a
notebook runs them with "Run All": a connect from Python before the view exists, text sent
in the same cell, a connection that then fails (what waited is reported as not sent, in the
view from the kernel's notices and in Python), `await w.wait_until_connected()` raising the
failure, and a widget that is never displayed saying so."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from .conftest import EmulatorProcess, OpenNotebook
from .lab import LabServer, PageProblems, write_notebook
from .test_widget_e2e import KERNEL_PROBE, SECRET_SHAPES

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

CELLS = [
    ("code", "import os\nfrom realtime_widget import RealtimeWidget"),
    (
        "code",
        # Connect and send before the cell's output (the view) exists, as Run All does.
        "bad = RealtimeWidget(api_key='sk-bad-e2e-0123456789', base_url=os.environ['E2E_URL'])\n"
        "bad.connect()\n"
        "bad.send_text('kept until it fails')\n"
        "bad",
    ),
    (
        "code",
        "try:\n"
        "    await bad.wait_until_connected(timeout=20)\n"
        "except RuntimeError as exc:\n"
        "    print('wait failed:', exc)",
    ),
    ("code", "print('unsent:', [p.label for p in bad.unsent])"),
    (
        "code",
        "never = RealtimeWidget(api_key=os.environ['E2E_KEY'], base_url=os.environ['E2E_URL'])\n"
        "never.connect()",
    ),
]


def test_a_failed_connection_reports_what_waited_and_wait_until_connected_raises(
    jupyter_server: LabServer,
    open_notebook: OpenNotebook,
    emulator: EmulatorProcess,
    page_problems: PageProblems,
) -> None:
    write_notebook(jupyter_server.root_dir / "lifecycle.ipynb", CELLS)
    notebook = open_notebook("lifecycle.ipynb")
    kernel = notebook.kernel()
    kernel.run(
        f"import os\nos.environ['E2E_KEY'] = {emulator.api_key!r}\n"
        f"os.environ['E2E_URL'] = {emulator.url!r}\n" + KERNEL_PROBE
    )
    notebook.run_all(timeout=60)  # fails on any error output

    # The connect waited for the view, then failed on the key: the wait says why.
    expect(notebook.output_of(2)).to_contain_text("wait failed: the connection failed:")
    expect(notebook.output_of(2)).to_contain_text("401")
    assert kernel.eval("bad.status") == "error"
    # The text sent in the same cell is reported, not lost: in Python …
    expect(notebook.output_of(3)).to_contain_text("unsent: ['kept until it fails']")
    notices = kernel.eval("[n['text'] for n in bad.notices]")
    assert any("Not sent" in t and "kept until it fails" in t for t in notices), notices
    assert kernel.eval("bad.error").count("401") >= 1
    # … and under the widget, from the kernel's notices (an alert), next to the 401.
    view = notebook.cell(1).locator(".rtw")
    alert = view.locator(".rtw-notice[role=alert]")
    expect(alert).to_contain_text("kept until it fails")
    expect(alert).to_contain_text("Not sent")
    expect(view.locator(".rtw-error")).to_contain_text("401")
    expect(view.locator(".rtw-outbox")).to_be_hidden()  # nothing shown as pending any more
    assert not SECRET_SHAPES.search(view.inner_text())
    # Nothing reached the server for that call.
    assert kernel.eval("[e['type'] for e in e2e_events(bad, 'client')]") == []

    notebook.screenshot("lifecycle-not-sent")

    # × dismisses the notice everywhere (the kernel drops it).
    view.get_by_role("button", name="Dismiss this notice").first.click()
    kernel.wait_for("len(bad.notices) == 0", timeout=10, what="the notice dismissed")
    expect(view.locator(".rtw-notice")).to_have_count(0)

    # A widget that is never displayed says so when asked to connect.
    expect(notebook.output_of(4)).to_contain_text("not displayed yet")
    assert kernel.eval("never.status") == "idle"
    assert page_problems.page_errors == []


GOOD_CELLS = [
    ("code", "import os\nfrom realtime_widget import RealtimeWidget"),
    (
        "code",
        "good = RealtimeWidget(api_key=os.environ['E2E_KEY'], base_url=os.environ['E2E_URL'],"
        " muted=True)\n"
        "good.connect()\n"
        "good.send_text('hello from the same cell')\n"
        "good",
    ),
    (
        "code",
        # The next cell waits for the reply (wait_for waits for the next such event).
        "done = await good.wait_for('response.done', timeout=30)\n"
        "print('reply:', done['response']['status'])",
    ),
    ("code", "await good.wait_until_connected(timeout=5)\nprint('connected:', good.status)"),
    ("code", "good.disconnect()"),
]


def test_connect_and_send_in_one_cell_then_wait_and_a_reopened_notebook_does_not_reconnect(
    jupyter_server: LabServer,
    open_notebook: OpenNotebook,
    emulator: EmulatorProcess,
    page_problems: PageProblems,
) -> None:
    write_notebook(jupyter_server.root_dir / "lifecycle-good.ipynb", GOOD_CELLS)
    notebook = open_notebook("lifecycle-good.ipynb")
    kernel = notebook.kernel()
    kernel.run(
        f"import os\nos.environ['E2E_KEY'] = {emulator.api_key!r}\n"
        f"os.environ['E2E_URL'] = {emulator.url!r}\n" + KERNEL_PROBE
    )
    notebook.run_all(timeout=90)
    expect(notebook.output_of(2)).to_contain_text("reply: completed")
    expect(notebook.output_of(3)).to_contain_text("connected: connected")
    kernel.wait_for("good.status == 'idle'", timeout=15, what="idle after good.disconnect()")
    texts = kernel.eval("list(good.transcript['text'])")
    assert texts[0] == "hello from the same cell" and len(texts) == 2, texts
    sessions = kernel.eval("e2e_server_types(good).count('session.created')")
    assert sessions == 1

    # Saved (outputs and all) and opened again on the same kernel: the view comes back, the
    # call does not (nothing held for the front end replays an old connect).
    notebook.save()
    notebook.open()
    view = notebook.cell(1).locator(".rtw")
    expect(view.get_by_role("button", name="Connect", exact=True)).to_be_visible(timeout=30_000)
    time.sleep(3)  # a window for a wrong reconnect to show itself (asserted absent below)
    assert kernel.eval("good.status") == "idle"
    assert kernel.eval("e2e_server_types(good).count('session.created')") == sessions
    expect(view.get_by_role("status")).to_have_text("idle")
    assert page_problems.page_errors == []
