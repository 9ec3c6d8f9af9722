"""Every event reaches the kernel exactly once and in order when the page's connection to the
Jupyter server drops mid-response (issue 12), in real JupyterLab.

The page talks to JupyterLab through a proxy the test cuts (tests/e2e/proxy.py): the kernel
websocket dies with messages in flight and JupyterLab reconnects. The browser keeps every
batch until the kernel acknowledges it and resends the rest (js/src/delivery.ts); the kernel
drops copies (realtime_widget/lifecycle.py). The kernel's log is then compared, event id by
event id and in order, with what the emulator put on the data channel for that call.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from .conftest import NOTEBOOKS
from .lab import LabServer, NotebookPage, PageProblems
from .proxy import CuttableProxy, cuttable_proxy
from .test_widget_e2e import CONNECTED, KERNEL_PROBE, WIDGET_CELL, type_message, widget_view

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

LONG = " ".join(["Tell me about the tides, the moon and the boats in the harbour at dawn."] * 6)

LOGGED_IDS = """[p.get('event_id') for _t, d, p in w.conversation.raw_events
 if d == 'server' and isinstance(p, dict)]"""


class _ThroughProxy:
    """The lab as the page sees it: every page URL goes through the proxy."""

    def __init__(self, lab: LabServer, proxy_url: str) -> None:
        self._lab = lab
        self._proxy_url = proxy_url

    def page_url(self, notebook: str) -> str:
        return self._lab.page_url(notebook).replace(self._lab.url, self._proxy_url, 1)

    def __getattr__(self, name: str) -> object:
        return getattr(self._lab, name)


@contextlib.contextmanager
def quickstart_through_proxy(
    jupyter_server: LabServer, page: Page, name: str
) -> Iterator[tuple[NotebookPage, CuttableProxy]]:
    """A copy of the quickstart notebook, opened by the page through a proxy the test can
    cut or hold; closed and deleted afterwards."""
    shutil.copy(NOTEBOOKS / "quickstart.ipynb", jupyter_server.root_dir / name)
    with cuttable_proxy(jupyter_server.url) as proxy:
        lab = _ThroughProxy(jupyter_server, proxy.url_for(jupyter_server.url))
        notebook = NotebookPage(page, lab, name)  # type: ignore[arg-type]
        try:
            notebook.open()
            yield notebook, proxy
        finally:
            notebook.close()
            (jupyter_server.root_dir / name).unlink(missing_ok=True)


def test_events_reach_the_kernel_once_in_order_across_a_dropped_connection(
    jupyter_server: LabServer, page: Page, page_problems: PageProblems
) -> None:
    with quickstart_through_proxy(jupyter_server, page, "delivery-e2e.ipynb") as (notebook, proxy):
        notebook.run_all()
        kernel = notebook.kernel()
        kernel.run(KERNEL_PROBE + "\nw.muted = True")
        view = widget_view(notebook, WIDGET_CELL)
        view.get_by_role("button", name="Connect", exact=True).click()
        expect(view.get_by_role("status")).to_have_text(CONNECTED, timeout=30_000)
        call_id = kernel.wait_for("w.call_id", timeout=15, what="the call id")

        type_message(view, LONG)
        kernel.wait_for(
            "'response.output_audio_transcript.delta' in e2e_server_types(w)",
            timeout=20,
            what="the reply to stream",
        )
        # Mid-response, while deltas flow: a one-second dropout (the batches sent in it
        # are lost on the wire), then the connections break and JupyterLab reconnects.
        cut = proxy.cut(blackhole_s=1.0)
        assert cut > 0, "the page had no connection through the proxy"
        assert proxy.discarded > 0, "nothing was in flight during the dropout"

        kernel.wait_for(
            "'response.done' in e2e_server_types(w) and e2e_settled(w)",
            timeout=60,
            what="the reply to finish and reach the kernel",
        )
        sent = kernel.eval(f"E2E_WIRE_IDS[{call_id!r}]")
        # The emulator may still send rate_limits.updated etc.: wait for the tail too.
        kernel.wait_for(
            f"len({LOGGED_IDS}) >= len(E2E_WIRE_IDS[{call_id!r}])",
            timeout=30,
            what="every event the emulator sent to be in the kernel's log",
        )
        sent = kernel.eval(f"E2E_WIRE_IDS[{call_id!r}]")
        logged = kernel.eval(LOGGED_IDS)
        assert logged == sent, {
            "missing": [i for i in sent if i not in logged],
            "twice": sorted({i for i in logged if logged.count(i) > 1}),
        }
        assert kernel.eval("w.lost_batches") == 0
        # The page really lost its kernel connection (and got it back).
        assert proxy.connections > 1
    assert page_problems.page_errors == []
