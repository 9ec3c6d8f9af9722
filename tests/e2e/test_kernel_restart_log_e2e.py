"""After the kernel restarts, the `log_path=` file holds every event of every batch the kernel
acknowledged, once each and in the emulator's wire order (issue 12), in real JupyterLab.

The kernel acknowledges a batch only once it is ingested and appended to the file
(realtime_widget/widget.py `_on_events`, conversation/jsonl.py `JsonlAppender`), so an
acknowledged batch must already be on disk when the kernel goes away. The test takes the
hardest restart: the kernel process is killed (SIGKILL) mid-response, while deltas flow, and
JupyterLab's kernel nanny restarts it. Nothing runs at exit there (no `close`, no finalizer,
no flush of Python's file buffer), so a log written only at close, or not flushed per batch,
loses acknowledged events and fails this test. A graceful restart would not tell: Python
flushes and closes open files when the old kernel exits normally.

Three records are compared, none of them the kernel's memory (which the restart wipes):
- what the browser sent and what the kernel acknowledged, read where the page's JupyterLab
  kernel connection sends and receives its messages (`anyMessage`);
- what the built-in emulator (in the kernel) put on the data channel, appended with one
  unbuffered write per event to a file beside the log;
- the `log_path=` file, read with the package's own loader.
"""

from __future__ import annotations

import json
import os
import signal
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from realtime_widget.conversation import Conversation
from realtime_widget.conversation.jsonl import TruncatedLogWarning

from .conftest import OpenNotebook
from .lab import LabServer, PageProblems, wait_until, write_notebook
from .test_widget_e2e import connect, type_message, widget_view

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

#: The emulator answers "You said: <this>", one delta per word every 20 ms: ~6 s of deltas.
LONG = " ".join(["Tell me about the tides, the moon and the boats in the harbour at dawn."] * 20)
DELTAS = ("response.output_audio_transcript.delta", "response.output_text.delta")
#: The kernel is killed once the browser holds acks for at least this many reply deltas.
ACKED_DELTAS_BEFORE_KILL = 25

# Run in the kernel before the call: every server event the built-in emulator sends on an
# open data channel, appended to WIRE with one os.write (no Python buffer to lose on SIGKILL)
# before it is sent, so the file is a superset, in order, of what the browser can receive.
WIRE_TAP = """
import json as _e2e_json, os as _e2e_os
from realtime_widget.emulator.peer import CallPeer as _E2ECallPeer

_e2e_wire_fd = _e2e_os.open({wire!r}, _e2e_os.O_WRONLY | _e2e_os.O_CREAT | _e2e_os.O_APPEND)
_e2e_original_send = _E2ECallPeer.send_text

def _e2e_send_text(self, text):
    channel = self._channel
    if channel is not None and channel.readyState == "open":
        try:
            event = _e2e_json.loads(text)
            line = {{"call": self.call_id, "id": event.get("event_id"), "type": event.get("type")}}
        except (ValueError, AttributeError):
            line = {{"call": self.call_id, "id": None, "type": "<not JSON>"}}
        _e2e_os.write(_e2e_wire_fd, (_e2e_json.dumps(line) + "\\n").encode())
    _e2e_original_send(self, text)

_E2ECallPeer.send_text = _e2e_send_text
w.muted = True
"""

# In the page: every event batch the widget sends (first copy of each seq: resends carry the
# same events) and every ack it receives, as JupyterLab's kernel connection sees them.
JS_RECORD_DELIVERY = """() => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const rec = (window.__e2eDelivery = { fe: null, batches: {}, acks: [] });
  kernel.anyMessage.connect((_, { msg, direction }) => {
    if (msg.header.msg_type !== 'comm_msg') return;
    const data = msg.content && msg.content.data;
    if (!data || data.method !== 'custom' || !data.content) return;
    const c = data.content;
    if (direction === 'send' && c.type === 'events' && typeof c.fe === 'string') {
      rec.fe = c.fe;
      if (!(c.seq in rec.batches)) {
        rec.batches[c.seq] = c.events.map((r) => [
          r.dir,
          r.event ? (r.event.event_id ?? null) : null,
          r.event ? String(r.event.type) : '<raw>',
        ]);
      }
    } else if (direction === 'recv' && c.type === 'ack') {
      rec.acks.push([c.fe, c.seq]);
    }
  });
}"""

JS_ACKED_DELTAS = """(deltas) => {
  const rec = window.__e2eDelivery;
  let top = -1;
  for (const [fe, seq] of rec.acks) if (fe === rec.fe && seq > top) top = seq;
  let n = 0;
  for (let s = 0; s <= top; s++)
    for (const r of rec.batches[s] || []) if (deltas.includes(r[2])) n++;
  return n;
}"""

Record = tuple[str, str | None, str]  # (direction, event_id, type)


def _acknowledged(delivery: dict[str, Any]) -> tuple[int, list[Record]]:
    """The last seq the kernel acknowledged to this page, and the records of batches 0..seq."""
    fe = delivery["fe"]
    assert fe, "the page sent no event batch"
    acked = [seq for ack_fe, seq in delivery["acks"] if ack_fe == fe]
    assert acked, "the kernel acknowledged no batch before it was killed"
    top = max(acked)
    batches = {int(seq): events for seq, events in delivery["batches"].items()}
    missing = [seq for seq in range(top + 1) if seq not in batches]
    assert not missing, f"acknowledged batches the page was not seen sending: {missing}"
    records: list[Record] = [
        (str(d), i, str(t)) for seq in range(top + 1) for d, i, t in batches[seq]
    ]
    return top, records


def _load_log(path: Path) -> list[Record]:
    """The log through the package's loader; only a cut-off last line may be skipped."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        conversation = Conversation.load(path)
    others = [w for w in caught if not issubclass(w.category, TruncatedLogWarning)]
    assert not others, [str(w.message) for w in others]
    return [
        (d, p.get("event_id"), str(p.get("type"))) if isinstance(p, dict) else (d, None, "<raw>")
        for _t, d, p in conversation.raw_events
    ]


def _duplicates(ids: list[str | None]) -> list[str | None]:
    return sorted({i for i, n in Counter(ids).items() if n > 1}, key=str)


def test_log_file_holds_every_acknowledged_event_after_a_kernel_restart(
    jupyter_server: LabServer,
    open_notebook: OpenNotebook,
    page: Page,
    page_problems: PageProblems,
    tmp_path: Path,
) -> None:
    log_path = tmp_path / "session.jsonl"
    wire_path = tmp_path / "wire.jsonl"
    source = f"kernel-restart-log-{os.getpid()}.ipynb"
    write_notebook(
        jupyter_server.root_dir / source,
        [
            (
                "code",
                "from realtime_widget import RealtimeWidget\n\n"
                # The browser's path alone: what this test compares is what the browser
                # sent and the kernel acknowledged (a sideband would bring events the page
                # never acked; tests/faults/test_sideband_faults.py covers that log).
                f"w = RealtimeWidget(log_path={str(log_path)!r}, sideband=False)\nw",
            )
        ],
    )
    try:
        notebook = open_notebook(source)
    finally:
        (jupyter_server.root_dir / source).unlink(missing_ok=True)
    notebook.run_all()
    kernel = notebook.kernel()
    kernel.run(WIRE_TAP.format(wire=str(wire_path)))
    assert kernel.eval("w.backend") == "emulator", "no key set: the built-in emulator is expected"
    pid = kernel.eval("__import__('os').getpid()")
    assert isinstance(pid, int) and pid != os.getpid()
    page.evaluate(JS_RECORD_DELIVERY)

    view = widget_view(notebook, 0)
    connecting_at = time.monotonic()
    connect(view, kernel)
    call_id = kernel.eval("w.call_id")
    type_message(view, LONG)
    # Mid-reply: the browser holds acks for part of the deltas while the rest still flows.
    page.wait_for_function(
        f"(d) => ({JS_ACKED_DELTAS})(d) >= {ACKED_DELTAS_BEFORE_KILL}",
        arg=list(DELTAS),
        timeout=30_000,
        polling=10,
    )
    os.kill(pid, signal.SIGKILL)  # the notebook's kernel, a child of the test's JupyterLab
    killed_at = time.monotonic()

    # JupyterLab's nanny restarts the dead kernel (same id and ports, new process, fresh
    # namespace); wait until the attached client reaches the new one.
    def restarted() -> list[Any] | None:
        now = kernel.eval("[__import__('os').getpid(), 'w' in globals()]", timeout=3)
        return now if now[0] != pid else None

    new_pid, has_widget = wait_until(
        restarted, timeout=25, what="JupyterLab to restart the killed kernel", interval=0.2
    )
    assert new_pid != pid and not has_widget, "the kernel was not restarted"
    restarted_in = time.monotonic() - killed_at
    # The page sees the restarted kernel too, before its record is read (late acks included).
    page.wait_for_function(
        """() => {
          const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
          return k.connectionStatus === 'connected' && k.status === 'idle';
        }""",
        timeout=20_000,
        polling=100,
    )

    top, acked = _acknowledged(page.evaluate("() => window.__e2eDelivery"))
    logged = _load_log(log_path)
    on_wire = [
        line
        for line in map(json.loads, wire_path.read_text(encoding="utf-8").splitlines())
        if line["call"] == call_id
    ]
    wire = [line["id"] for line in on_wire]
    acked_server = [i for d, i, _ in acked if d == "server"]
    logged_server = [i for d, i, _ in logged if d == "server"]
    acked_deltas = sum(1 for _, _, t in acked if t in DELTAS)

    # The kill really came mid-reply, after many acknowledged batches.
    assert acked_deltas >= ACKED_DELTAS_BEFORE_KILL, acked_deltas
    assert "response.done" not in {line["type"] for line in on_wire}, (
        "the emulator had finished the reply before the kill"
    )

    # (a) every acknowledged event is in the file: in order, as the page sent it, first.
    in_file = set(logged_server)
    missing = [i for i in acked_server if i not in in_file]
    assert not missing, {
        "last_acked_seq": top,
        "acked_server_events": len(acked_server),
        "logged_server_events": len(logged_server),
        "missing_from_file": missing[:20],
        "missing_count": len(missing),
    }
    assert logged[: len(acked)] == acked, "the file's first records are not the acked batches"
    # (b) nothing twice.
    assert not _duplicates(logged_server), _duplicates(logged_server)
    # ...and the file's server events are the emulator's, in wire order, with nothing extra.
    assert logged_server == wire[: len(logged_server)], {
        "first_difference": next(
            (n for n, (a, b) in enumerate(zip(logged_server, wire, strict=False)) if a != b),
            None,
        ),
        "logged": len(logged_server),
        "wire": len(wire),
    }
    assert page_problems.page_errors == []
    print(
        f"\n[e2e] killed after batch {top} acked ({len(acked)} records, {acked_deltas} deltas); "
        f"file {len(logged)} records, wire {len(wire)} server events; "
        f"page {notebook.timings.page_load_s:.1f} s, run all {notebook.timings.run_all_s:.1f} s, "
        f"connect to kill {killed_at - connecting_at:.1f} s, restarted in {restarted_in:.1f} s"
    )
