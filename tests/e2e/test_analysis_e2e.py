"""Analysis in the kernel, end to end (issue 4): real JupyterLab, Chromium, WebRTC, emulator.

One notebook and one kernel for the whole story, as a person would use them: a typed turn sent
from a cell that awaits its `response.done` (top-level await, ipykernel >= 7.4), a spoken turn
from Chromium's fake microphone, then the tables read in the kernel: transcript order, roles,
kinds and statuses; usage against the raw `response.done` events and the token invariants;
latency; the `log_path=` JSON Lines file and `save()` reloaded with `Conversation.load`; and a
callback that raises, whose error shows under the widget while events keep arriving.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import OpenNotebook
from .lab import LabServer, PageProblems, write_notebook
from .test_widget_e2e import KERNEL_PROBE, connect, wait_assistant_reply, widget_view

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

TYPED = "Please answer the analysis test"

SETUP = """\
import os, tempfile
from realtime_widget import Conversation, RealtimeWidget
LOG = os.path.join(tempfile.mkdtemp(prefix="rtw-e2e-"), "live.jsonl")
w = RealtimeWidget(log_path=LOG)
w"""

# Run in the kernel (same namespace as the notebook) before connecting.
CALLBACKS = """\
w.muted = True  # the fake microphone speaks only when the test wants a voice turn
e2e_done_ids = []

def annotate_turn(event):
    raise RuntimeError("annotate_turn failed on purpose")

w.on("response.done", annotate_turn)  # raises on every turn: shown, never breaks ingest
w.on("response.done", lambda e: e2e_done_ids.append(e["response"]["id"]))

def e2e_mute_after_one_turn(event):
    # In the kernel, as the event arrives: the looping fake microphone must not start a
    # second turn that would barge in on the reply.
    w.muted = True
    w.off("input_audio_buffer.speech_stopped", e2e_mute_after_one_turn)
"""

# Typed into a new cell in the page and run there, as a person would: the send and the wait
# are in the same cell, and the wait must resolve while the cell runs.
AWAIT_CELL = (
    f'w.send_text("{TYPED}")\n'
    'ev = await w.wait_for("response.done", timeout=20)\n'
    'print("awaited", ev["response"]["status"], ev["response"]["id"])'
)

# Everything the assertions need, read in one kernel execution (one consistent snapshot).
REPORT = """\
def e2e_analysis_report():
    import json, re
    conv = w.conversation
    cols = ["item_id", "role", "kind", "text", "status"]

    def rows(df):
        return json.loads(df[cols].astype(object).to_json(orient="records"))

    t = w.transcript
    u = w.usage
    lat = w.latency
    done = [e for e in e2e_events(w) if e.get("type") == "response.done"]
    with open(LOG, encoding="utf-8") as f:
        log_text = f.read()
    logged = [json.loads(line) for line in log_text.splitlines()]
    saved = LOG.replace("live.jsonl", "saved.jsonl")
    w.save(saved)
    from_log = Conversation.load(LOG)
    from_save = Conversation.load(saved)
    with open(saved, encoding="utf-8") as f:
        saved_text = f.read()
    # The key this widget really uses (the built-in emulator's per-process "emulator-…" key)
    # and every client secret the built-in emulator minted for it.
    from realtime_widget.emulator.background import shared_emulator
    files = log_text + saved_text
    minted = shared_emulator().call(lambda emu: list(emu.secrets._secrets))
    tokens = [c for c in u.columns if c.endswith("_tokens")]
    responses = u[u["kind"] == "response"]
    return {
        "transcript": rows(t),
        "started_monotonic": bool(t["started_at"].is_monotonic_increasing),
        "started_tz": str(t["started_at"].dtype),
        "usage_responses": json.loads(responses.to_json(orient="records")),
        "usage_kinds": [str(k) for k in u["kind"]],
        "usage_cost_sum": float(u["cost_usd"].sum()),
        "cost": w.cost(),
        "done_usage": {e["response"]["id"]: e["response"].get("usage") for e in done},
        "latency": json.loads(lat[["response_id", "trigger", "to_response_ms",
                                   "to_first_delta_ms", "to_audio_ms"]].to_json(orient="records")),
        "n_events": len(conv),
        "log_records": [[r["direction"], r["event"].get("type")] for r in logged],
        "log_keys": sorted({k for r in logged for k in r}),
        "log_vias": sorted({r.get("via", "") for r in logged}),
        "table_vias": sorted(set(conv.events["via"])),
        "log_times_tz": all(re.search(r"(\\+00:00|Z)$", r["time"]) for r in logged),
        "raw_records": [[d, p.get("type") if isinstance(p, dict) else None]
                        for _, d, p in conv.raw_events],
        "from_log_transcript": rows(from_log.transcript),
        "from_save_transcript": rows(from_save.transcript),
        "from_save_usage_tokens": from_save.usage[tokens].to_dict("list"),
        "usage_tokens": u[tokens].to_dict("list"),
        "from_save_cost": from_save.cost(),
        "backend": w.backend,
        "key_is_the_emulators": w._api_key.startswith("emulator-"),
        "key_in_files": w._api_key in files,
        "minted_secrets": len(minted),
        "secrets_in_files": [v[:6] + "…" for v in minted if v in files],
        "secret_shaped_in_files": [m[:6] + "…" for m in
                                   re.findall(r"\\b(?:ek_|sk-)[A-Za-z0-9_-]{6,}", files)],
        "callback_errors": [[e.callback, e.event_type, repr(e.error)]
                            for e in conv.callback_errors],
        "done_ids_seen_by_callback": list(e2e_done_ids),
        "live": [w.turns, w.total_tokens, w.cost_usd, w.event_count],
        "summary": [conv.summary().turns, conv.summary().total_tokens],
    }
"""


def analysis_notebook(lab: LabServer) -> str:
    name = "analysis-e2e.ipynb"
    write_notebook(lab.root_dir / name, [("code", SETUP)])
    return name


def test_typed_and_spoken_turns_analysed_in_the_kernel(
    jupyter_server: LabServer, open_notebook: OpenNotebook, page_problems: PageProblems
) -> None:
    notebook = open_notebook(analysis_notebook(jupyter_server))
    notebook.run_all()
    kernel = notebook.kernel()
    kernel.run(KERNEL_PROBE + "\n" + CALLBACKS + "\n" + REPORT)
    view = widget_view(notebook, 0)
    connect(view, kernel)

    # 1. A cell that sends and awaits in one go; it must finish with the response it waited for.
    started = time.monotonic()
    cell = notebook.add_cell_and_run(AWAIT_CELL, timeout=40)
    awaited_in = time.monotonic() - started
    expect(cell.locator(".jp-OutputArea-output")).to_contain_text(
        re.compile(r"awaited completed resp_")
    )
    awaited_id = kernel.eval("ev['response']['id']")
    reply = wait_assistant_reply(kernel, after=0)
    expect(view).to_contain_text(TYPED)
    expect(view).to_contain_text(reply, timeout=15_000)

    # 2. The raising callback: its error is under the widget, naming it and the exception.
    expect(view.get_by_role("alert").filter(has_text="annotate_turn")).to_contain_text(
        "RuntimeError: annotate_turn failed on purpose"
    )
    # Shown from the kernel's notices, not bounced through the browser's error trait.
    assert "annotate_turn" in kernel.eval("' '.join(n['text'] for n in w.notices)")
    assert kernel.eval("w.error") == ""

    # 3. A spoken turn (Chromium's fake microphone), after the reply's audio has ended.
    kernel.wait_for("e2e_settled(w)", timeout=30, what="the assistant to finish speaking")
    kernel.run(
        'w.on("input_audio_buffer.speech_stopped", e2e_mute_after_one_turn)\nw.muted = False'
    )
    spoken: list[str] = kernel.wait_for(
        "e2e_user_transcripts(w)", timeout=30, what="a transcribed user voice turn"
    )
    assert kernel.eval("w.muted"), "the speech_stopped callback should have muted the mic"
    second_reply = wait_assistant_reply(kernel, after=1)
    kernel.wait_for("e2e_settled(w)", timeout=30, what="the assistant to finish speaking")

    report: dict[str, Any] = kernel.eval("e2e_analysis_report()")

    # Secrets first: neither the key the widget used nor a client secret is in the JSONL files.
    assert report["backend"] == "emulator" and report["key_is_the_emulators"], report["backend"]
    assert not report["key_in_files"], "the widget's API key is in the log_path or save() file"
    assert report["minted_secrets"] >= 1, "no client secret minted: nothing to look for"
    assert report["secrets_in_files"] == [], report["secrets_in_files"]
    assert report["secret_shaped_in_files"] == [], report["secret_shaped_in_files"]

    # Transcript: conversation order, roles, kinds, statuses, texts from the event log.
    transcript = report["transcript"]
    assert [(r["role"], r["kind"], r["status"]) for r in transcript[:4]] == [
        ("user", "text", "complete"),
        ("assistant", "audio", "complete"),
        ("user", "audio", "complete"),
        ("assistant", "audio", "complete"),
    ], transcript
    assert [r["text"] for r in transcript[:4]] == [TYPED, reply, spoken[0], second_reply]
    assert report["started_monotonic"]
    assert report["started_tz"] == "datetime64[ns, UTC]" or "UTC" in report["started_tz"]

    # Usage: one row per response.done, equal to the event's usage, invariants, cost.
    usage = report["usage_responses"]
    done_usage = report["done_usage"]
    assert len(usage) == len(done_usage) >= 2
    assert awaited_id in done_usage
    assert report["done_ids_seen_by_callback"] == list(done_usage)  # the callback saw them all
    for row in usage:
        raw = done_usage[row["response_id"]]
        assert row["input_tokens"] == raw["input_tokens"] > 0
        assert row["output_tokens"] == raw["output_tokens"] > 0
        assert row["total_tokens"] == raw["total_tokens"]
        assert row["input_tokens"] == (
            row["input_text_tokens"] + row["input_audio_tokens"] + row["input_image_tokens"]
        )
        assert row["cached_tokens"] <= row["input_tokens"]
        assert row["total_tokens"] == row["input_tokens"] + row["output_tokens"]
        assert row["cost_usd"] > 0
    assert "transcription" in report["usage_kinds"]  # the spoken turn's transcription is billed
    assert report["cost"] > 0
    assert report["usage_cost_sum"] == pytest.approx(report["cost"], rel=1e-9)

    # Latency: a row per turn, positive milliseconds to the response and to its audio.
    latency = report["latency"]
    assert [r["response_id"] for r in latency] == list(done_usage)
    assert [r["trigger"] for r in latency[:2]] == ["text", "speech"]
    for r in latency:
        assert r["to_response_ms"] > 0 and r["to_first_delta_ms"] > 0 and r["to_audio_ms"] > 0

    # log_path: every event, in order, in the public JSONL shape; reloads to the same transcript.
    assert report["log_records"] == report["raw_records"]
    assert len(report["log_records"]) == report["n_events"]
    assert {"client", "server"} == {d for d, _ in report["log_records"]}
    # "via" is there only for the events the kernel's sideband brought first (or sent).
    assert set(report["log_keys"]) - {"via"} == {"direction", "event", "time"}
    assert set(report["log_vias"]) <= {"", "sideband"}
    assert report["log_vias"] == report["table_vias"]
    assert report["log_times_tz"]
    assert report["from_log_transcript"] == transcript
    # save() and load() round trip: same transcript, same usage, same cost.
    assert report["from_save_transcript"] == transcript
    assert report["from_save_usage_tokens"] == report["usage_tokens"]
    assert report["from_save_cost"] == pytest.approx(report["cost"], rel=1e-12)

    # The failing callback failed on every turn, and ingest went on (all of the above).
    errors = report["callback_errors"]
    assert len(errors) == len(done_usage)
    assert all(e[0] == "annotate_turn" and e[1] == "response.done" for e in errors)
    # Live traits agree with the conversation's summary.
    turns, total_tokens, cost_usd, event_count = report["live"]
    assert [turns, total_tokens] == report["summary"]
    assert turns == len(done_usage) and event_count == report["n_events"]
    assert cost_usd == pytest.approx(report["cost"], rel=1e-9)

    assert page_problems.page_errors == []
    print(
        f"\n[e2e] analysis: await cell (send + wait_for response.done) {awaited_in:.2f} s; "
        f"{report['n_events']} events, {len(usage)} responses, cost ${report['cost']:.5f}; "
        f"latency to response {[round(r['to_response_ms']) for r in latency]} ms"
    )
