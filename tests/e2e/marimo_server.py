"""A real marimo server for one notebook: `marimo run` on 127.0.0.1, a free port, no token.

`marimo run` (the app view) runs every cell when a page opens it, as a reader of the notebook
would see it; `marimo edit` 0.25 waits for the user to run the cells (its `auto_instantiate`
default is off), so the tests use `run`. Each page that opens the app gets its own session
(kernel), which is also where the widget's built-in emulator then runs.

Shared by tests/e2e/test_marimo_e2e.py and benchmarks/delivery.py (its marimo rows).
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from .lab import free_port, kernel_environment, stop_process, wait_until

MISSING_MARIMO = (
    "marimo is not installed in this Python; install the dev extra "
    "(pip install -e '.[dev]' -c .ci/constraints.txt) to run the marimo tests"
)


@dataclass(frozen=True)
class MarimoServer:
    url: str
    notebook: Path
    log_path: Path
    proc: subprocess.Popen[bytes]

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]


@contextlib.contextmanager
def marimo_run(
    notebook: Path,
    base_dir: Path,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 90.0,
) -> Iterator[MarimoServer]:
    """Serve a copy of `notebook` (copied into `base_dir`) with `marimo run`; stopped on exit.

    The environment is the e2e kernels' (no OPENAI_ key, this checkout on PYTHONPATH) plus
    `env`.
    """
    if importlib.util.find_spec("marimo") is None:
        raise RuntimeError(MISSING_MARIMO)
    base_dir.mkdir(parents=True, exist_ok=True)
    copy = base_dir / notebook.name
    shutil.copy2(notebook, copy)
    port = free_port()
    log_path = base_dir / "marimo.log"
    args = [
        sys.executable,
        "-m",
        "marimo",
        "run",
        str(copy),
        "--headless",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-token",
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            args,
            cwd=base_dir,
            env=kernel_environment(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = MarimoServer(
        url=f"http://127.0.0.1:{port}", notebook=copy, log_path=log_path, proc=proc
    )

    def ready() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"marimo exited early:\n{server.log_tail()}")
        return httpx.get(server.url + "/health", timeout=2.0).status_code == 200

    try:
        wait_until(ready, timeout=timeout, what="marimo's /health")
        yield server
    finally:
        stop_process(proc)
