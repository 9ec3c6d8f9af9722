"""GPT-Live end to end (issue 17): real JupyterLab, Chromium, WebRTC to the emulator's Live API.

`RealtimeWidget(model="gpt-live-1.1")` in a notebook: the model picks GPT-Live, the kernel
posts the page's offer to `POST /v1/live/sessions` (no client secret exists: GPT-Live has
none) and attaches the Live sideband. A spoken turn from the fake microphone and a typed
message (sent as speakable context) both get spoken replies; the typed question is a task the
model delegates to the application, and the notebook's Python tool answers it. Then the
tables: the transcript in conversation order, per-second usage priced by the Live meter,
latency of the spoken turn, the appended instructions as a new version in `sessions`. Every
logged event validates strictly against `openai.types.live`, and neither the key nor anything
shaped like a secret is in what the page saw, its DOM or the saved notebook.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from support.live_types import check_live_event

from .conftest import OpenNotebook
from .lab import LabServer, PageProblems, write_notebook
from .test_signaling_e2e import CLIENT_SECRET, PageTraffic
from .test_widget_e2e import KERNEL_PROBE, connect, type_message, widget_view

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

NOTEBOOK = "gpt-live.ipynb"
LOG_FILE = "gpt-live.jsonl"
ANSWER = "The notebook says it is 21 degrees in Paris."
WIDGET = f"""\
from realtime_widget import RealtimeWidget
w = RealtimeWidget(model="gpt-live-1.1", instructions="Be brief.", log_path="{LOG_FILE}")

@w.tool
def lookup(request: str) -> str:
    \"\"\"Look up what the user asks for in the notebook's data.\"\"\"
    asked.append(request)
    return {ANSWER!r}

asked = []
w"""

# What the kernel reads back: plain JSON.
TEXTS = "[(r['role'], r['kind'], r['text']) for r in w.transcript.to_dict('records')]"
COUNTERS = (
    "e2e_shared_emulator().call(lambda emu: {"
    "'client_secrets': dict(emu.stats.client_secret_requests), "
    "'live_sessions': dict(emu.stats.live_session_requests), "
    "'live_attach': dict(emu.stats.live_attach_requests)})"
)


def _assistant_texts(kernel: Any) -> list[str]:
    rows: list[list[str]] = kernel.eval(TEXTS)
    return [text for role, kind, text in rows if role == "assistant" and text]


def test_a_live_conversation_spoken_typed_delegated_and_its_tables(
    jupyter_server: LabServer,
    open_notebook: OpenNotebook,
    page: Page,
    page_problems: PageProblems,
) -> None:
    started = time.monotonic()
    traffic = PageTraffic(page)
    source = write_notebook(jupyter_server.root_dir / NOTEBOOK, [("code", WIDGET)])
    notebook = open_notebook(NOTEBOOK)
    source.unlink()
    kernel = notebook.kernel()
    kernel.run(KERNEL_PROBE)
    notebook.run_all()
    kernel.run("w.muted = True")  # the fake microphone speaks only when the test wants it
    assert kernel.eval("(w.api, w.signaling)") == ["live", "kernel"]

    view = widget_view(notebook, 0)
    expect(view).to_contain_text("GPT-Live")
    connect(view, kernel)
    call_id: str = kernel.eval("w.call_id")
    assert call_id.startswith("live_"), call_id
    assert kernel.eval("w._offers.call_ids") == [call_id]
    kernel.wait_for("w.sideband_state == 'attached'", timeout=20, what="the kernel's Live sideband")

    # A spoken turn: the fake microphone's speech, heard and answered.
    kernel.run("w.muted = False")
    kernel.wait_for(
        "any(r == 'user' for r, k, t in " + TEXTS + ")",
        timeout=30,
        what="the user's speech in the transcript",
    )
    kernel.run("w.muted = True")
    # The emulator says how long it heard you speak; typed text goes in once it is done.
    kernel.wait_for(
        f"any(t.rstrip().endswith('seconds.') for r, k, t in {TEXTS} if r == 'assistant')",
        timeout=30,
        what="a spoken reply to the spoken turn",
    )
    # ...and until its voice has ended (the emulator meters usage after each utterance).
    kernel.wait_for(
        "e2e_server_types(w)[-1] == 'session.usage.updated'",
        timeout=20,
        what="the end of the spoken reply",
    )
    spoken_replies = len(_assistant_texts(kernel))

    # A typed question: speakable context, which the model delegates to the application.
    typed = "What is the weather in Paris?"
    type_message(view, typed)
    kernel.wait_for("asked", timeout=30, what="the Python tool answering the delegated task")
    assert typed in kernel.eval("asked[0]")
    kernel.wait_for(
        f"any({ANSWER[:20]!r} in t for r, k, t in {TEXTS} if r == 'assistant')",
        timeout=30,
        what="the model speaking the tool's result",
    )
    expect(view).to_contain_text(typed)
    expect(view).to_contain_text(ANSWER[:20], timeout=15_000)
    assert len(_assistant_texts(kernel)) > spoken_replies

    # Instructions are appended, not replaced: a warning, and a new version in `sessions`.
    kernel.run(
        "import warnings\n"
        "with warnings.catch_warnings(record=True) as e2e_caught:\n"
        "    warnings.simplefilter('always')\n"
        "    w.instructions = 'Also say the temperature in Fahrenheit.'\n"
        "e2e_warned = [str(x.message) for x in e2e_caught]"
    )
    assert any("cannot be replaced" in m for m in kernel.eval("e2e_warned"))
    kernel.wait_for(
        "bool(w.sessions['version'].max() >= 2)",
        timeout=15,
        what="the appended instructions' version",
    )
    versions: list[list[Any]] = kernel.eval(
        "w.sessions[['type', 'version', 'instructions']].values.tolist()"
    )
    assert ["session.instructions.appended", 2, "Also say the temperature in Fahrenheit."] in [
        list(v) for v in versions
    ], versions
    # Voice and model are fixed at start: refused up front, the trait unchanged.
    kernel.run(
        "try:\n    w.voice = 'cedar'\n    e2e_refused = ''\n"
        "except ValueError as x:\n    e2e_refused = str(x)"
    )
    refused: str = kernel.eval("e2e_refused")
    assert "GPT-Live fixes it when the session starts" in refused, refused
    assert kernel.eval("w.voice") == "marin"

    # The tables.
    rows: list[list[str]] = kernel.eval(TEXTS)
    roles = [r for r, _, _ in rows]
    assert roles.index("user") < max(i for i, r in enumerate(roles) if r == "assistant")
    assert any(k == "commentary" and t == typed for _, k, t in rows), rows
    usage: dict[str, Any] = kernel.eval(
        "{'seconds': float(w.usage['audio_seconds'].sum()), 'cost': float(w.cost()), "
        "'models': sorted(set(w.usage['model']))}"
    )
    assert usage["seconds"] > 0 and usage["cost"] > 0 and "gpt-live-1.1" in usage["models"], usage
    latency: list[float] = kernel.eval("w.latency['to_first_delta_ms'].dropna().tolist()")
    assert latency and all(ms > 0 for ms in latency), latency

    # Every event in the kernel's log validates strictly against its own Live SDK type.
    for direction in ("server", "client"):
        events: list[dict[str, Any]] = kernel.eval(f"e2e_events(w, {direction!r})")
        assert events, f"no {direction} events"
        for event in events:
            check_live_event(direction, event)

    notebook.save()
    saved = jupyter_server.read_notebook_file(notebook.notebook)
    key: str = kernel.eval("w._api_key")
    places = {
        "the page's websocket traffic": traffic.text(),
        "the page": page.content(),
        "the saved notebook": saved,
        "the JSONL log": (jupyter_server.root_dir / LOG_FILE).read_text(encoding="utf-8"),
        "the widget state": kernel.eval("e2e_state_json(w)"),
    }
    for where, text in places.items():
        assert key not in text, f"the widget's API key is in {where}"
        assert not CLIENT_SECRET.findall(text), f"something shaped like a client secret in {where}"
    assert re.search(r'"api":\s*"live"', places["the JSONL log"]), "the log does not say Live"

    view.get_by_role("button", name="Disconnect", exact=True).click()
    kernel.wait_for("e2e_active_calls() == 0", timeout=15, what="the emulator to see the hang-up")
    # No client secret: none asked for; one Live session created; the sideband attached
    # (a WebSocket request is counted when it ends: after the hang-up).
    kernel.wait_for(
        "sum(" + COUNTERS + "['live_attach'].values()) >= 1",
        timeout=15,
        what="the emulator to count the sideband's attach",
    )
    counters: dict[str, Any] = kernel.eval(COUNTERS)
    assert counters["client_secrets"] == {}, counters
    assert counters["live_sessions"] == {"200": 1}, counters
    assert not [r for r in traffic.requests if "/v1/live" in r], traffic.requests
    (jupyter_server.root_dir / LOG_FILE).unlink(missing_ok=True)
    assert page_problems.page_errors == []
    assert page_problems.console_errors == []
    assert page_problems.failed_requests == []
    print(f"\n[e2e] GPT-Live conversation in {time.monotonic() - started:.1f} s")
