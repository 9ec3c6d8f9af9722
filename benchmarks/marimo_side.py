"""Code the delivery benchmark runs inside a marimo kernel (benchmarks/delivery_hosts.py).

A marimo kernel has no client a benchmark can attach to (JupyterLab's kernels have
jupyter_client), so the kernel reports through files in a folder: every 100 ms a thread writes
`status.json` (each widget's status, call_id, how many session.created and bench events it
has stamped, how many batches (custom messages) it received); a file `dump-<name>-<tag>` asks
it to write that tag's arrival stamps to `arrivals-<name>-<tag>.json` (then forget them), and
`gc` asks for a full garbage collection. Nothing here runs per event: the stamps are
`kernel_side.record_widget`'s, as in JupyterLab.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.kernel_side import Arrivals, record_widget

TICK_S = 0.1


class Batches:
    """How many `events` messages (one HTTP request each in marimo) a widget received."""

    def __init__(self, widget: Any) -> None:
        self.count = 0
        widget.on_msg(self._on_msg)

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "events":
            self.count += 1


def _status(widgets: dict[str, tuple[Any, Arrivals, Batches]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (widget, rec, batches) in widgets.items():
        # list(): a C-level copy, so the comm handler cannot resize the dict under us.
        counts = {tag: len(times) for tag, times in list(rec.times.items())}
        out[name] = {
            "status": widget.status,
            "call_id": widget.call_id,
            "created": len(rec.session_created),
            "stamped": rec.stamped,
            "batches": batches.count,
            "counts": counts,
        }
    return out


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _serve(folder: Path, widgets: dict[str, tuple[Any, Arrivals, Batches]]) -> None:
    while True:
        for request in sorted(folder.glob("dump-*")):
            _, name, tag = request.name.split("-", 2)
            rec = widgets[name][1]
            target = folder / f"arrivals-{name}-{tag}.json"
            rec.dump(tag, str(target.with_suffix(".part")))
            os.replace(target.with_suffix(".part"), target)
            request.unlink()
        gc_request = folder / "gc"
        if gc_request.exists():
            gc.collect()
            gc_request.unlink()
            (folder / "gc-done").touch()
        with contextlib.suppress(RuntimeError):  # a dict resized while copied: next tick
            _write_atomically(folder / "status.json", json.dumps(_status(widgets)))
        time.sleep(TICK_S)


def report_to(folder: str, widgets: dict[str, Any]) -> dict[str, Arrivals]:
    """Stamp every named widget's events and report on them in `folder` from a daemon
    thread; returns the stamps."""
    recorded = {name: (w, record_widget(w), Batches(w)) for name, w in widgets.items()}
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    threading.Thread(target=_serve, args=(path, recorded), name="bench-report", daemon=True).start()
    return {name: rec for name, (_, rec, _) in recorded.items()}
