"""Every shipped notebook with "Run All", and a newcomer's first minute, in real JupyterLab.

Real JupyterLab, Chromium with a fake microphone, WebRTC to the built-in emulator (no key).
"Run All" executes `w.connect()` and `w.send_text(...)` before the widget's view even exists:
the kernel keeps them (realtime_widget/lifecycle.py) and they go, in order, once the view is
ready and then once the session is. The newcomer presses Connect and types at Playwright's
pace, before the call is up: the message waits, shown as pending, and gets its reply.
headless.ipynb has no widget: its `RealtimeSession`s talk over WebSocket to the emulator in
the kernel, each turn a top-level `await`; the kernel's tables say what its cells did.
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from realtime_widget.conversation import Conversation
from tests.support.headless import assert_events_valid

from .conftest import NOTEBOOKS, OpenNotebook
from .lab import AttachedKernel, NotebookPage, PageProblems
from .test_widget_e2e import CONNECTED, KERNEL_PROBE, WIDGET_CELL, widget_view

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

SHIPPED = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def test_every_notebook_is_tested_here() -> None:
    assert SHIPPED == [
        "analysis.ipynb",
        "evaluate.ipynb",
        "headless.ipynb",
        "prototyping.ipynb",
        "quickstart.ipynb",
    ]
    # The marimo notebooks (files of Python) run in marimo, not JupyterLab: tested in
    # test_marimo_e2e.py.
    assert sorted(p.name for p in NOTEBOOKS.glob("*.py")) == ["marimo_quickstart.py"]


@pytest.mark.parametrize("name", SHIPPED)
def test_run_all_finishes_with_no_error_output(
    name: str, open_notebook: OpenNotebook, page_problems: PageProblems, tmp_path: Path
) -> None:
    notebook = open_notebook(name)
    notebook.run_all(timeout=120)  # fails on any error output
    assert page_problems.page_errors == []
    if name == "prototyping.ipynb":
        _prototyping_reached_the_model(notebook.kernel())
    elif name == "headless.ipynb":
        _headless_did_what_it_says(notebook.kernel(), tmp_path)
    elif name == "evaluate.ipynb":
        print(f"\n[e2e] evaluate.ipynb: Run All in {notebook.timings.run_all_s:.1f} s")
        _evaluate_did_what_it_says(notebook.kernel())
        _plots_are_shown(notebook, NOTEBOOKS / name, ("fig_quality, (", "fig_cost = "))


def _prototyping_reached_the_model(kernel: AttachedKernel) -> None:
    """The notebook connects and talks from its cells: all of it reached the model."""
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


def _headless_did_what_it_says(kernel: AttachedKernel, tmp_path: Path) -> None:
    """A tool called and answered, two variants compared, a spoken turn answered aloud."""
    assert kernel.eval("s.backend") == "emulator"  # the kernel has no key
    assert kernel.eval("[s.status, s.running_tasks]") == ["idle", 0]  # closed by its last cell
    assert kernel.eval("[s.notices, len(s.tool_errors)]") == [[], 0]
    rows = kernel.eval(
        "s.transcript[['role', 'kind', 'name', 'call_id', 'text', 'status']]"
        ".astype(str).values.tolist()"
    )
    # The tool turn: the model's call with the fruit named, the kernel's answer read from
    # `stock_table`, then the reply made from it.
    at = next(i for i, r in enumerate(rows) if r[1] == "function_call")
    call, output, reply = rows[at : at + 3]
    assert call[:3] == ["assistant", "function_call", "stock"], rows
    assert json.loads(call[4]) == {"item": "pears"}
    assert output[:2] == ["tool", "function_output"] and output[3] == call[3], rows
    assert output[4] == "7"  # stock_table's pears
    assert reply[0] == "assistant" and "7" in reply[4], rows
    assert [r[1] for r in rows].count("function_call") == 1

    table = kernel.eval("comparison.astype(str).to_dict('records')")
    turns = kernel.eval("turns")
    assert [(r["variant"], r["turn"]) for r in table] == [
        (v, t) for v in ("friendly", "terse") for t in turns
    ], table
    assert all(r["reply"].strip() for r in table), table
    assert kernel.eval(
        "bool((comparison['latency_ms'] > 0).all() and (comparison['tokens'] > 0).all()"
        " and (comparison['cost_usd'] > 0).all())"
    )

    # The spoken turn: the 16 kHz file went as 24 kHz audio, one user audio item, and the
    # model's answer came back as audio samples.
    user, answer = rows[-2], rows[-1]
    assert user[:2] == ["user", "audio"] and user[5] == "complete", rows
    assert user[4].startswith("(spoken 2.4"), user  # the emulator's transcript
    assert answer[:2] == ["assistant", "audio"] and answer[4], rows
    assert kernel.eval("sent") == round(kernel.eval("seconds") * 24_000)
    assert kernel.eval("s.audio_items()[-1]") == kernel.eval("s.transcript['item_id'].iloc[-1]")
    assert kernel.eval("int(s.audio().size)") > 24_000 // 2
    assert kernel.eval("int(abs(s.audio().astype('int32')).max())") > 1000

    # Every event the session logged, strictly against its SDK type.
    log = tmp_path / "headless.jsonl"
    kernel.run(f"s.save({str(log)!r})")
    assert assert_events_valid(Conversation.load(log)) > 50


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


EVALUATE_VARIANTS = ["v1 low", "v1 high", "v2 low", "v2 high"]
EVALUATE_SCENARIOS = ["stock", "spoken", "barge_in"]


def _evaluate_did_what_it_says(kernel: AttachedKernel) -> None:
    """2 instructions × 2 efforts over 3 scenarios, twice: every run completed, and what the
    notebook says is the same every time offline is: the words (but the cut reply), the tool's
    answer read from the notebook's table, the cut, every pass rate; the plots were drawn."""
    assert kernel.eval("list(variants)") == EVALUATE_VARIANTS
    assert kernel.eval("[s.name for s in scenarios]") == EVALUATE_SCENARIOS
    runs = kernel.eval(
        "result.runs[['scenario', 'variant', 'repeat', 'status', 'error']].values.tolist()"
    )
    assert len(runs) == 4 * 3 * 2, runs
    assert sorted((s, v, r) for s, v, r, _, _ in runs) == sorted(
        itertools.product(EVALUATE_SCENARIOS, EVALUATE_VARIANTS, range(2))
    )
    assert [(status, error) for *_, status, error in runs] == [("completed", "")] * 24, runs

    summary = kernel.eval(
        "result.summary.reset_index()[['variant', 'runs', 'errors', 'skipped', 'passed', "
        "'pass_rate', 'checks', 'checks_passed', 'turns']].values.tolist()"
    )
    # Per variant, 2 repeats of: stock 4 decided checks (its judge is skipped with no key),
    # spoken 3, barge_in 5 (two turns, each with its cost).
    assert summary == [[v, 6, 0, 0, 6, 1.0, 24, 24, 8] for v in EVALUATE_VARIANTS], summary
    assert kernel.eval(
        "bool((summary['response_ms_p95'] > 0).all() and (summary['audio_ms_p95'] > 0).all()"
        " and (summary['cost_per_turn_usd'] > 0).all())"
    )

    turns = kernel.eval(
        "result.turns.assign(passed=[None if p is pd.NA else bool(p)"
        " for p in result.turns['passed']])"
        "[['scenario', 'variant', 'repeat', 'turn', 'kind', 'user_text', 'reply', 'tool_calls',"
        " 'status', 'interrupted', 'passed']].to_dict('records')"
    )
    assert len(turns) == 4 * 2 * (1 + 1 + 2), len(turns)
    assert all(t["passed"] is True for t in turns), [t for t in turns if t["passed"] is not True]
    by_scenario = {name: [t for t in turns if t["scenario"] == name] for name in EVALUATE_SCENARIOS}
    # The tool ran in the kernel and answered from the notebook's DataFrame.
    pears = kernel.eval("int(stock_table.set_index('item').loc['pears', 'count'])")
    assert pears == 7
    for t in by_scenario["stock"]:
        assert t["tool_calls"] == [
            {"name": "stock", "arguments": {"item": "pears"}, "output": str(pears)}
        ], t
        assert t["reply"] == f"The tool returned: {pears}", t
    # The WAV went as the user's audio; the emulator says how long it heard speech.
    for t in by_scenario["spoken"]:
        assert t["kind"] == "audio" and t["user_text"] == "(spoken 2.6 s)", t
        assert t["reply"] == "I heard you speak for 2.6 seconds.", t
    # The barge-in cut the first reply every time (at a point the clock decides), and the
    # user's new words were answered.
    full = "You said: " + kernel.eval("long_request")
    for t in by_scenario["barge_in"]:
        if t["turn"] == 0:
            assert t["interrupted"] and t["status"] == "cancelled", t
            assert full.startswith(t["reply"]) and t["reply"] != full, t
        else:
            assert t["kind"] == "barge_in" and t["status"] == "completed", t
            assert t["reply"] == "You said: Stop. Just tell me how it ends, in one sentence.", t
    # The judge was skipped, not faked: no key here.
    judged = kernel.eval(
        "[[None if p is pd.NA else bool(p), r] for c, p, r in"
        " result.checks[['check', 'passed', 'reason']].values.tolist() if c.startswith('judge(')]"
    )
    assert len(judged) == 8 and all(p is None for p, _ in judged), judged
    assert all(r.startswith("skipped: no OpenAI API key") for _, r in judged), judged
    assert kernel.eval("again.summary.equals(summary)")  # saved and loaded back

    # The plots: pass rate with its interval and p95 latency per variant, cost per turn.
    figures = kernel.eval(
        "[[a.get_title() for a in f.axes] for f in (fig_quality, fig_cost)]"
        " + [[round(p.get_height(), 6) for p in fig_quality.axes[0].patches]]"
        " + [len(fig_quality.axes[1].patches), len(fig_cost.axes[0].patches)]"
    )
    assert figures == [
        ["Pass rate (Wilson 95 % interval)", "p95 latency"],
        ["Mean cost per turn"],
        [1.0] * 4,
        4 * 2,
        3 * 4,
    ], figures

    # Every event of every run's log, strictly against its SDK type.
    logs = kernel.eval("result.runs['log_path'].tolist()")
    assert sum(assert_events_valid(Conversation.load(p)) for p in logs) > 24 * 20
    # The notebook's two temporary folders (the run's, the saved copy): a few MB each.
    kernel.run("import shutil\nshutil.rmtree(result.root)\nshutil.rmtree(saved)")


def _plots_are_shown(notebook: NotebookPage, path: Path, markers: tuple[str, ...]) -> None:
    """The cells that draw the figures show them as images (matplotlib's inline backend)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for marker in markers:
        index = next(i for i, c in enumerate(cells) if marker in "".join(c["source"]))
        kinds = [sorted(o.get("data", {})) for o in notebook.cell_outputs(index)]
        assert any("image/png" in k for k in kinds), (marker, kinds)
