"""Progress of a grid: a bar under the cell in a Jupyter kernel, a line per run elsewhere."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, Protocol, TextIO


def in_kernel() -> bool:
    """Running in a Jupyter kernel (where a widget can show)?"""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class Progress(Protocol):
    def run_done(self, run: Mapping[str, Any]) -> None: ...

    def close(self, note: str) -> None: ...


def _line(done: int, total: int, run: Mapping[str, Any]) -> str:
    where = f"{run['scenario']} × {run['variant']} #{run['repeat']}"
    if run["status"] == "skipped":
        return f"[{done}/{total}] {where}: skipped ({run['skip_reason']})"
    if run["status"] == "error":
        return f"[{done}/{total}] {where}: error: {run['error']}"
    cost = run["cost_usd"]
    money = f", ${cost:.4f}" if isinstance(cost, float) else ""
    return (
        f"[{done}/{total}] {where}: {run['checks_passed']}/{run['checks']} checks passed "
        f"({run['duration_s']:.1f} s{money})"
    )


class Lines:
    """A line per finished (or skipped) run, on stderr."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total, self.done = total, 0
        self.stream = stream if stream is not None else sys.stderr

    def run_done(self, run: Mapping[str, Any]) -> None:
        self.done += 1
        print(_line(self.done, self.total, run), file=self.stream, flush=True)

    def close(self, note: str) -> None:
        print(note, file=self.stream, flush=True)


class Bar:
    """An ipywidgets progress bar with a line of counts."""

    def __init__(self, total: int) -> None:
        import ipywidgets
        from IPython.display import display

        self.total, self.done, self.errors, self.skipped = total, 0, 0, 0
        self.bar = ipywidgets.IntProgress(value=0, min=0, max=max(total, 1), description="evals")
        self.label = ipywidgets.HTML(value=f"0 / {total} runs")
        display(ipywidgets.HBox([self.bar, self.label]))  # type: ignore[no-untyped-call]

    def run_done(self, run: Mapping[str, Any]) -> None:
        self.done += 1
        self.errors += run["status"] == "error"
        self.skipped += run["status"] == "skipped"
        self.bar.value = self.done
        extra = "".join(
            f", {n} {what}" for n, what in ((self.errors, "failed"), (self.skipped, "skipped")) if n
        )
        self.label.value = f"{self.done} / {self.total} runs{extra}"

    def close(self, note: str) -> None:
        self.bar.bar_style = "warning" if self.errors or self.skipped else "success"
        self.label.value = note


class Silent:
    def run_done(self, run: Mapping[str, Any]) -> None:
        pass

    def close(self, note: str) -> None:
        pass


def make_progress(progress: bool | None, total: int) -> Progress:
    """`progress`: None → a bar in a kernel, lines elsewhere; True → the same, never
    silent; False → nothing."""
    if progress is False:
        return Silent()
    if in_kernel():
        try:
            return Bar(total)
        except ImportError:
            pass
    return Lines(total)
