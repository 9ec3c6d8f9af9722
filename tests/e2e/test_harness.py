"""The harness itself, proven on a trivial notebook before any widget test relies on it."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import OpenNotebook
from .fake_mic import SAMPLE_RATE, speech_like_pcm
from .lab import REPO, LabServer, PageProblems, write_notebook

browser = pytest.mark.browser
jupyter = pytest.mark.jupyter


def _write_trivial_notebook(lab: LabServer) -> str:
    name = "trivial.ipynb"
    write_notebook(
        lab.root_dir / name,
        [
            ("markdown", "# Harness check"),
            ("code", 'print("hello from the e2e harness")'),
            ("code", "import os\nanswer = 6 * 7"),
        ],
    )
    return name


@browser
@jupyter
def test_runs_cells_and_attaches_to_the_same_kernel(
    jupyter_server: LabServer, open_notebook: OpenNotebook, page_problems: PageProblems
) -> None:
    notebook = open_notebook(_write_trivial_notebook(jupyter_server))
    notebook.run_all()

    # What the cell printed is on the page.
    assert "hello from the e2e harness" in notebook.output_of(1).inner_text()

    # A second client sees the notebook's namespace ...
    kernel = notebook.kernel()
    assert kernel.eval("answer") == 42
    # ... and the notebook sees what that client defines: one kernel, not two.
    kernel.run("shared = 'written by the attached client'")
    cell = notebook.add_cell_and_run("print(shared)")
    assert "written by the attached client" in cell.locator(".jp-OutputArea-output").inner_text()

    # Kernels run without a key, so the widget falls back to its built-in emulator.
    assert kernel.eval("'OPENAI_API_KEY' in os.environ") is False
    # ... and imports this checkout of the package.
    assert kernel.eval("__import__('realtime_widget').__file__").startswith(str(REPO))

    notebook.screenshot("harness-trivial")
    assert page_problems.page_errors == []
    print(
        f"\n[e2e] harness: page+kernel ready {notebook.timings.page_load_s:.2f} s, "
        f"run all {notebook.timings.run_all_s:.2f} s, "
        f"console errors: {page_problems.console_errors}, "
        f"failed requests: {page_problems.failed_requests}"
    )


@browser
@jupyter
def test_cell_errors_are_reported(jupyter_server: LabServer, open_notebook: OpenNotebook) -> None:
    write_notebook(
        jupyter_server.root_dir / "failing.ipynb",
        [("code", "raise ValueError('planted failure')")],
    )
    notebook = open_notebook("failing.ipynb")
    with pytest.raises(AssertionError, match="planted failure"):
        notebook.run_all()


def test_fake_mic_has_a_speech_burst_then_silence() -> None:
    pcm = speech_like_pcm(speech_s=1.0, silence_s=2.0).astype(np.float64) / 32767
    burst, silence = pcm[:SAMPLE_RATE], pcm[SAMPLE_RATE:]
    assert len(silence) == 2 * SAMPLE_RATE
    assert np.sqrt(np.mean(burst**2)) > 0.1  # loud enough for any sane VAD threshold
    assert np.max(np.abs(silence)) == 0.0
    assert np.max(np.abs(pcm)) <= 0.5 + 1e-6  # no clipping
