"""The quickstart in Notebook 7 (`jupyter notebook`), the way a newcomer uses it there.

Notebook 7 is built from JupyterLab's parts but is its own application (its own server app,
page, shell and URLs), so the widget is checked there on its own: the quickstart displayed,
Connect, a spoken turn (Chromium's fake microphone), a typed turn, both in the view's
transcript, and every event the emulator sent in the kernel, in order. The same drivers as
the JupyterLab tests (lab.py's `NOTEBOOK7` host, test_widget_e2e.py's steps); only the server
differs: this module's `jupyter_server` replaces the package's JupyterLab for its tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from .conftest import NOTEBOOKS, OpenNotebook
from .lab import NOTEBOOK7, LabServer, PageProblems, start_lab, write_notebook
from .test_widget_e2e import (
    QUICKSTART,
    TRANSCRIPT_CELL,
    WIDGET_CELL,
    compare_with_emulator,
    connect,
    open_quickstart,
    type_message,
    wait_assistant_reply,
    widget_view,
)

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

#: A notebook with no widget: what Notebook 7 itself reports on a page, without the widget.
BLANK = "blank.ipynb"


@pytest.fixture(scope="module")
def jupyter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """`python -m notebook` (Notebook 7) on 127.0.0.1 with the quickstart in its root."""
    server = start_lab(
        tmp_path_factory.mktemp("notebook7"), [NOTEBOOKS / QUICKSTART], host=NOTEBOOK7
    )
    write_notebook(server.root_dir / BLANK, [("code", "1 + 1")])
    print(f"\n[e2e] Notebook 7 ready in {server.started_in_s:.2f} s at {server.url}")
    try:
        yield server
    finally:
        server.close()


def _host_own_problems(open_notebook: OpenNotebook, problems: PageProblems) -> PageProblems:
    """What a notebook without the widget already reports in this page; `problems` is emptied.

    Notebook 7.6.5 with JupyterLab 4.6.6 throws one uncaught TypeError ("reading 'schema'",
    from its keyboard-shortcuts settings plugin) on every notebook page, widget or not. Only
    what the widget adds to that is the widget's.
    """
    open_notebook(BLANK)
    own = PageProblems(
        console_errors=list(problems.console_errors),
        page_errors=list(problems.page_errors),
        failed_requests=list(problems.failed_requests),
    )
    problems.console_errors.clear()
    problems.page_errors.clear()
    problems.failed_requests.clear()
    return own


def _without(seen: list[str], own: list[str]) -> list[str]:
    return [problem for problem in seen if problem not in own]


def test_quickstart_talk_type_and_every_event_reaches_the_kernel(
    open_notebook: OpenNotebook, page_problems: PageProblems
) -> None:
    own = _host_own_problems(open_notebook, page_problems)
    notebook, kernel = open_quickstart(open_notebook)
    page = notebook.page
    # Notebook 7's own page, not JupyterLab's: its app, its URL, no JupyterLab shell around it.
    assert page.evaluate("() => window.jupyterapp.name") == NOTEBOOK7.app_name
    assert f"/notebooks/{notebook.notebook}" in page.url
    assert kernel.eval("w.backend") == "emulator", "no key set: the built-in emulator is expected"
    view = widget_view(notebook, WIDGET_CELL)
    expect(view).to_contain_text(re.compile("emulator", re.IGNORECASE))

    connect(view, kernel)
    call_id = kernel.eval("w.call_id")
    assert call_id.startswith("rtc_")
    assert kernel.eval("e2e_server_types(w)[0]") == "session.created"

    # A typed turn (the microphone is muted): the emulator repeats what it was told.
    typed = "Hello from Notebook 7"
    type_message(view, typed)
    reply = wait_assistant_reply(kernel, after=0)
    assert typed in reply, reply
    expect(view).to_contain_text(typed)
    expect(view).to_contain_text(reply, timeout=20_000)
    kernel.wait_for("e2e_settled(w)", timeout=45, what="the typed turn's reply to finish")

    # A spoken turn: the fake microphone's speech-like bursts, transcribed by the emulator.
    mute = view.get_by_role("button", name=re.compile("mute", re.IGNORECASE))
    expect(mute).to_have_attribute("aria-pressed", "true")
    you = view.locator(".rtw-ind-user")  # lit from speech_started to speech_stopped
    mute.click()
    expect(you).to_have_attribute("data-active", "true", timeout=30_000)
    # Muted from the page in the silence after the burst, which is quicker than through the
    # kernel: the file loops, and its next burst would be another turn.
    expect(you).not_to_have_attribute("data-active", "true", timeout=30_000)
    mute.click()
    kernel.wait_for("w.muted is True", timeout=15, what="muted again in the kernel")
    spoken: list[str] = kernel.wait_for(
        "e2e_user_transcripts(w)", timeout=45, what="a transcribed user voice turn"
    )
    types = kernel.eval("e2e_server_types(w)")
    for expected in (
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
    ):
        assert expected in types, f"{expected} missing from the kernel's log"
    expect(view).to_contain_text(spoken[0], timeout=20_000)
    spoken_reply = wait_assistant_reply(kernel, after=1)
    expect(view).to_contain_text(spoken_reply, timeout=20_000)
    kernel.wait_for("e2e_settled(w)", timeout=45, what="the assistant to finish speaking")

    # Every event the emulator sent on this call is in the kernel, once, in its order.
    compare_with_emulator(kernel, call_id)
    rows = kernel.eval(
        "w.transcript[['role', 'kind', 'status', 'text']].astype(str).values.tolist()"
    )
    assert rows[:2] == [
        ["user", "text", "complete", typed],
        ["assistant", "audio", "complete", reply],
    ], rows
    assert ["user", "audio", "complete", spoken[0]] in rows[2:], rows

    # The quickstart's next cell shows the same conversation as a table.
    table = notebook.run_cell(TRANSCRIPT_CELL).locator(".jp-OutputArea-output")
    expect(table).to_contain_text(typed)
    expect(table).to_contain_text(reply)

    view.get_by_role("button", name="Disconnect", exact=True).click()
    kernel.wait_for("w.status == 'idle'", timeout=20, what="status idle after Disconnect")
    notebook.screenshot("notebook7-quickstart")
    print(f"\n[e2e] Notebook 7's own page errors, without the widget: {own.page_errors}")
    assert _without(page_problems.page_errors, own.page_errors) == []
    assert _without(page_problems.console_errors, own.console_errors) == []
    assert _without(page_problems.failed_requests, own.failed_requests) == []
