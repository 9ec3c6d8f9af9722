"""The widget end to end: real JupyterLab, real Chromium, real WebRTC to the emulator.

Every test opens its own copy of a notebook (so its own kernel), drives the widget through
the page the way a person would (buttons and text box found by role and accessible name),
and checks the Python side through a second client attached to the same kernel.

`test_talk_type_and_every_event_reaches_the_kernel` makes docs/screenshot.png (written to
test-artifacts/docs/ unless REFRESH_DOCS=1), the screenshot the README shows.
"""

from __future__ import annotations

import difflib
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, expect

from .conftest import EmulatorProcess, OpenNotebook
from .lab import (
    DOCS_SHOTS,
    AttachedKernel,
    LabServer,
    NotebookPage,
    PageProblems,
    wait_until,
    write_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

QUICKSTART = "quickstart.ipynb"
WIDGET_CELL = 1  # the quickstart's `w = RealtimeWidget(); w` cell
TRANSCRIPT_CELL = 3  # its `w.transcript` cell
SCREENSHOT = DOCS_SHOTS / "screenshot.png"

CONNECTED = re.compile(r"\bconnected\b", re.IGNORECASE)
SECRET_SHAPES = re.compile(r"\b(?:ek_|sk-)[A-Za-z0-9_\-]{6,}")

# Run in each test's kernel: readers over the widget's log and the built-in emulator's counters.
KERNEL_PROBE = (Path(__file__).parent / "kernel_probe.py").read_text(encoding="utf-8")


def widget_view(notebook: NotebookPage, cell: int) -> Locator:
    """The widget's output area in a cell: where its buttons, status and transcript live."""
    view = notebook.output_of(cell)
    expect(view.get_by_role("button", name="Connect", exact=True)).to_be_visible(timeout=30_000)
    return view


def connect(view: Locator, kernel: AttachedKernel, widget: str = "w") -> float:
    """Press Connect; wait until both the page and the kernel say connected; return click time."""
    clicked = time.time()
    view.get_by_role("button", name="Connect", exact=True).click()
    expect(view.get_by_role("status")).to_have_text(CONNECTED, timeout=30_000)
    kernel.wait_for(f"{widget}.status == 'connected'", timeout=15, what=f"{widget}.status")
    expect(view.get_by_role("button", name="Disconnect", exact=True)).to_be_visible()
    return clicked


def type_message(view: Locator, text: str) -> None:
    """Type into the Message box and press Enter, as a person would."""
    box = view.get_by_role("textbox", name="Message")
    box.fill(text)
    box.press("Enter")
    # The view empties the box once the message is handed to the kernel.
    expect(box, "Enter in the Message box did not send the message").to_have_value("")


def wait_assistant_reply(kernel: AttachedKernel, after: int, widget: str = "w") -> str:
    """The final text of the next assistant reply, as logged by the kernel."""
    texts: list[str] = kernel.wait_for(
        f"len(e2e_assistant_texts({widget})) > {after} and e2e_assistant_texts({widget})",
        timeout=30,
        what="an assistant reply in the kernel's event log",
    )
    reply = texts[after]
    assert reply.strip(), "the assistant's reply has no text"
    return reply


def open_quickstart(open_notebook: OpenNotebook) -> tuple[NotebookPage, AttachedKernel]:
    notebook = open_notebook(QUICKSTART)
    notebook.run_all()
    kernel = notebook.kernel()
    kernel.run(KERNEL_PROBE)
    # The fake microphone is quiet until a test wants a voice turn, so text turns are not
    # interrupted by the looping speech file.
    kernel.run("w.muted = True")
    return notebook, kernel


def save_readme_screenshot(notebook: NotebookPage, view: Locator) -> None:
    page = notebook.page
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    view.scroll_into_view_if_needed()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    notebook.cell(WIDGET_CELL).screenshot(path=str(SCREENSHOT))


def test_talk_type_and_every_event_reaches_the_kernel(
    open_notebook: OpenNotebook, page_problems: PageProblems
) -> None:
    notebook, kernel = open_quickstart(open_notebook)
    assert kernel.eval("w.backend") == "emulator", "no key set: the built-in emulator is expected"
    view = widget_view(notebook, WIDGET_CELL)
    expect(view).to_contain_text(re.compile("emulator", re.IGNORECASE))

    clicked = connect(view, kernel)
    first_event_at = kernel.wait_for(
        "len(w.conversation.raw_events) > 0 and w.conversation.raw_events[0][0]",
        timeout=10,
        what="the first event in the kernel",
    )
    assert kernel.eval("e2e_server_types(w)[0]") == "session.created"
    call_id = kernel.eval("w.call_id")
    assert call_id.startswith("rtc_")
    assert kernel.eval("e2e_active_calls()") == 1

    # Typed turn: the user's text and the assistant's reply both show in the transcript.
    typed = "Hello from the end-to-end test"
    type_message(view, typed)
    reply = wait_assistant_reply(kernel, after=0)
    expect(view).to_contain_text(typed)
    expect(view).to_contain_text(reply, timeout=15_000)

    # Voice turn. Wait for the reply's audio to end first: speaking over it would interrupt it.
    kernel.wait_for("e2e_settled(w)", timeout=30, what="the assistant to finish speaking")
    mute = view.get_by_role("button", name=re.compile("mute", re.IGNORECASE))
    expect(mute).to_have_attribute("aria-pressed", "true")
    mute.click()  # unmute: the fake microphone's speech-like bursts now reach the emulator
    kernel.wait_for("w.muted is False", timeout=10, what="the mute toggle to reach the kernel")
    spoken: list[str] = kernel.wait_for(
        "e2e_user_transcripts(w)", timeout=30, what="a transcribed user voice turn"
    )
    mute.click()
    kernel.wait_for("w.muted is True", timeout=10, what="muted again")
    types = kernel.eval("e2e_server_types(w)")
    for expected in (
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
    ):
        assert expected in types, f"{expected} missing from the kernel's log"
    expect(view).to_contain_text(spoken[0], timeout=15_000)
    wait_assistant_reply(kernel, after=1)  # the answer to the voice turn
    kernel.wait_for("e2e_settled(w)", timeout=30, what="the assistant to finish speaking")

    # Every event the emulator sent on this call reached the kernel, in the same order.
    compare_with_emulator(kernel, call_id)

    # The quickstart's next cell shows the conversation as a table.
    transcript_cell = notebook.run_cell(TRANSCRIPT_CELL)
    table = transcript_cell.locator(".jp-OutputArea-output")
    expect(table).to_contain_text(typed)
    expect(table).to_contain_text(reply)

    save_readme_screenshot(notebook, view)
    notebook.screenshot("widget-connected-conversation")
    assert page_problems.page_errors == []
    assert page_problems.console_errors == []
    assert page_problems.failed_requests == []
    print(
        f"\n[e2e] page+kernel ready {notebook.timings.page_load_s:.2f} s, "
        f"run all {notebook.timings.run_all_s:.2f} s, "
        f"Connect click -> first event in the browser {first_event_at - clicked:.2f} s"
    )


def compare_with_emulator(kernel: AttachedKernel, call_id: str) -> None:
    """Wait until the kernel has logged exactly what the emulator sent on this call.

    Two records of the emulator's side: the engine's counts by type, and the order on the
    wire (kernel_probe taps the data channel). Both are read in the same kernel execution
    as the kernel's log, so the three are one consistent snapshot.
    """
    last: dict[str, Any] = {}

    def same() -> bool:
        last.update(kernel.eval(f"e2e_sent_vs_logged(w, {call_id!r})"))
        counts_agree = last["logged_counts"] == last["sent_counts"]
        return (
            bool(last["sent_counts"]) and counts_agree and last["logged"] == last["sent_in_order"]
        )

    deadline = time.monotonic() + 30
    while not same():
        if time.monotonic() > deadline:
            logged, sent = last["logged_counts"], last["sent_counts"]
            differ = {
                t: (logged.get(t, 0), sent.get(t, 0))
                for t in sorted(set(logged) | set(sent))
                if logged.get(t, 0) != sent.get(t, 0)
            }
            order_logged, order_sent = last["logged"], last["sent_in_order"]
            at = next(
                (
                    i
                    for i, (a, b) in enumerate(zip(order_logged, order_sent, strict=False))
                    if a != b
                ),
                min(len(order_logged), len(order_sent)),
            )
            raise AssertionError(
                f"kernel logged {sum(logged.values())} server events, emulator sent "
                f"{sum(sent.values())}; (logged, sent) counts where they differ: {differ}; "
                f"first difference in order at #{at}: kernel {order_logged[at : at + 3]} vs "
                f"wire {order_sent[at : at + 3]}"
            )
        time.sleep(0.25)
    print(f"\n[e2e] kernel and emulator agree on {len(last['logged'])} server events, in order")


def test_reconnect_and_a_second_view_share_one_call(open_notebook: OpenNotebook) -> None:
    notebook, kernel = open_quickstart(open_notebook)
    view = widget_view(notebook, WIDGET_CELL)

    connect(view, kernel)
    first_call = kernel.eval("w.call_id")
    type_message(view, "first call")
    first_reply = wait_assistant_reply(kernel, after=0)

    view.get_by_role("button", name="Disconnect", exact=True).click()
    kernel.wait_for("w.status == 'idle'", timeout=15, what="status idle after Disconnect")
    kernel.wait_for("e2e_active_calls() == 0", timeout=15, what="the emulator to see the hang-up")
    expect(view).to_contain_text(first_reply)  # the transcript stays on screen

    connect(view, kernel)
    second_call = kernel.eval("w.call_id")
    assert second_call != first_call
    assert kernel.eval("e2e_active_calls()") == 1

    # A second view of the same widget model: same conversation, still one peer connection.
    cell = notebook.add_cell_and_run("display(w)")
    second_view = cell.locator(".jp-OutputArea-output")
    expect(second_view.get_by_role("button", name="Disconnect", exact=True)).to_be_visible()
    type_message(second_view, "typed in the second view")
    reply = wait_assistant_reply(kernel, after=1)
    for each in (view, second_view):
        expect(each).to_contain_text("typed in the second view")
        expect(each).to_contain_text(reply, timeout=15_000)
    assert kernel.eval("e2e_active_calls()") == 1
    # Both views draw the same conversation: once the page settles, the transcripts match.
    # (Whole views may differ for a moment: each ticks its own session clock.)
    transcripts = [each.get_by_role("list", name="Transcript") for each in (view, second_view)]
    texts: list[str] = ["", ""]

    def same_text() -> bool:
        texts[:] = [each.inner_text() for each in transcripts]
        return texts[0] == texts[1]

    try:
        wait_until(same_text, timeout=15, what="both views to show the same transcript")
    except TimeoutError as exc:
        diff = "\n".join(
            difflib.unified_diff(
                texts[0].splitlines(), texts[1].splitlines(), "first view", "second view"
            )
        )
        raise AssertionError(f"{exc}:\n{diff}") from None
    notebook.screenshot("widget-two-views")

    # A cell that awaits an event: widget messages keep flowing while it runs (ipykernel 7.4+).
    cell = notebook.add_cell_and_run(
        'w.send_text("sent from a cell")\n'
        'done = await w.wait_for("response.done", timeout=20)\n'
        'print("status:", done["response"]["status"])',
        timeout=40,
    )
    expect(cell.locator(".jp-OutputArea-output")).to_contain_text("status: completed")
    for each in (view, second_view):
        expect(each).to_contain_text("sent from a cell")


# --------------------------------------------------------------------------- keys


def _keys_notebook(lab: LabServer) -> str:
    """Two widgets against the CLI emulator: one with its accepted key, one with a bad key.

    The key reaches the kernel through the environment (set by the attached client before the
    cells run), so it is nowhere in the notebook's source: whatever the saved file holds came
    from the widget.
    """
    name = "keys.ipynb"
    write_notebook(
        lab.root_dir / name,
        [
            ("code", "import os\nfrom realtime_widget import RealtimeWidget"),
            (
                "code",
                "good = RealtimeWidget(api_key=os.environ['E2E_KEY'], "
                "base_url=os.environ['E2E_URL'])\ngood",
            ),
            ("code", "bad = RealtimeWidget(api_key='sk-bad', base_url=os.environ['E2E_URL'])\nbad"),
        ],
    )
    return name


def open_keys_notebook(
    lab: LabServer, open_notebook: OpenNotebook, emulator: EmulatorProcess
) -> tuple[NotebookPage, AttachedKernel]:
    notebook = open_notebook(_keys_notebook(lab))
    kernel = notebook.kernel()
    kernel.run(
        f"import os\nos.environ['E2E_KEY'] = {emulator.api_key!r}\n"
        f"os.environ['E2E_URL'] = {emulator.url!r}\n" + KERNEL_PROBE
    )
    notebook.run_all()
    return notebook, kernel


def test_a_bad_key_shows_the_401_message(
    jupyter_server: LabServer,
    open_notebook: OpenNotebook,
    emulator: EmulatorProcess,
    page_problems: PageProblems,
) -> None:
    notebook, kernel = open_keys_notebook(jupyter_server, open_notebook, emulator)
    view = widget_view(notebook, 2)
    view.get_by_role("button", name="Connect", exact=True).click()

    kernel.wait_for("bad.status == 'error'", timeout=20, what="status error with a bad key")
    error = kernel.eval("bad.error")
    assert "401" in error
    assert "rejected" in error.lower()
    assert "sk-bad" not in error
    expect(view).to_contain_text("401")
    expect(view.get_by_role("button", name="Connect", exact=True)).to_be_visible()
    assert "sk-bad" not in view.inner_text()
    notebook.screenshot("widget-bad-key")
    assert page_problems.page_errors == []


def test_saved_notebook_and_widget_state_hold_no_secret(
    jupyter_server: LabServer, open_notebook: OpenNotebook, emulator: EmulatorProcess
) -> None:
    notebook, kernel = open_keys_notebook(jupyter_server, open_notebook, emulator)
    view = widget_view(notebook, 1)
    connect(view, kernel, widget="good")  # a client secret was minted and used for this call
    type_message(view, "keep my secrets")
    wait_assistant_reply(kernel, after=0, widget="good")

    notebook.save()
    saved = jupyter_server.read_notebook_file(notebook.notebook)
    states = json.loads(saved)["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]
    widget_states = [
        s["state"]
        for s in states["state"].values()
        if s["state"].get("status") == "connected" or s["state"].get("call_id")
    ]
    assert widget_states, "the saved notebook should carry the widget's state (saveState is on)"

    for where, text in (
        ("the saved notebook", saved),
        ("the widget state in the kernel", kernel.eval("e2e_state_json(good)")),
        ("the page", notebook.page.content()),
        ("repr(good)", kernel.eval("repr(good)")),
    ):
        assert emulator.api_key not in text, f"the API key leaked into {where}"
        found = SECRET_SHAPES.findall(text)
        assert not found, f"something secret-shaped in {where}: {found[:3]}"
