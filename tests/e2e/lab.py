"""Driving a real JupyterLab: the server process, a notebook page, and the notebook's kernel.

The same driver runs Notebook 7 (`jupyter notebook`, built from JupyterLab's parts: the same
notebook panel, commands and cell DOM); `JupyterHost` holds what differs, the server app that
takes the options and where a notebook's page is. `start_lab(python=...)` runs the server (and
so the kernels) of another environment, e.g. a fresh venv with the wheel installed.

Three things this module knows that cost time to learn (DESIGN.md §6):
- The toolbar says "idle" before the kernel exists; keys pressed then are lost. We wait until
  the server reports the notebook's kernel idle AND the page's own kernel connection is up.
- JupyterLab is started with `expose_app_in_browser`, so the page exposes `window.jupyterapp`
  and we run JupyterLab's own commands (run all cells, save) instead of guessing key bindings.
- Assertions about Python state go through a second client attached to the SAME kernel with
  its connection file (jupyter_client), never through scraped output text.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any, TypeVar

import httpx
from jupyter_client.blocking.client import BlockingKernelClient
from playwright.sync_api import ConsoleMessage, Error, Locator, Page, Response

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
# The README's screenshots are tracked files: tests write them to test-artifacts/ unless asked
# to refresh docs/ (REFRESH_DOCS=1 bash .ci/dev test), so a test run leaves git status clean.
DOCS_SHOTS = REPO / "docs" if os.environ.get("REFRESH_DOCS") == "1" else ARTIFACTS / "docs"

T = TypeVar("T")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(
    probe: Callable[[], T | None], *, timeout: float, what: str, interval: float = 0.1
) -> T:
    """Poll `probe` until it returns something other than None/False; fail naming `what`."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = probe()
        except Exception as exc:  # the server may not be listening yet
            last_error = exc
            value = None
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(interval)


def stop_process(proc: subprocess.Popen[Any], *, grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it does not go; only ever the process we started."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace)


# --------------------------------------------------------------------------- the server


@dataclass(frozen=True)
class JupyterHost:
    """A Jupyter front end the widget is displayed in, as far as the tests differ for it."""

    name: str  # as the README's "Where it runs" table says it
    module: str  # `python -m <module>` starts its server
    app_class: str  # the traitlets class its own options (expose_app_in_browser, ...) go to
    app_name: str  # `window.jupyterapp.name` on its pages: which front end really opened

    def notebook_url(self, base_url: str, notebook: str, token: str) -> str:
        if self.module == "notebook":
            # One notebook per page; no workspace (Notebook 7 restores no layout).
            return f"{base_url}/notebooks/{notebook}?token={token}"
        # A workspace of its own per page: the default one would reopen the notebooks of
        # earlier tests (already deleted: 404s in the console) next to this one.
        workspace = "e2e-" + secrets.token_hex(4)
        return f"{base_url}/lab/workspaces/{workspace}/tree/{notebook}?token={token}"

    def app_args(self, base_dir: Path, settings_dir: Path) -> list[str]:
        args = [
            f"--{self.app_class}.expose_app_in_browser=True",
            f"--{self.app_class}.user_settings_dir={settings_dir}",
            f"--{self.app_class}.workspaces_dir={base_dir / 'workspaces'}",
        ]
        if self.module == "jupyterlab":
            args.append("--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate")
        return args


LAB = JupyterHost("JupyterLab", "jupyterlab", "LabApp", "JupyterLab")
NOTEBOOK7 = JupyterHost("Notebook 7", "notebook", "JupyterNotebookApp", "Jupyter Notebook")


@dataclass
class LabServer:
    url: str
    token: str
    root_dir: Path
    runtime_dir: Path
    log_path: Path
    proc: subprocess.Popen[bytes]
    started_in_s: float
    host: JupyterHost = LAB
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"token {self.token}"},
            timeout=httpx.Timeout(10.0),
        )

    def api(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, path, json=body)
        response.raise_for_status()
        return response.json() if response.content else None

    def page_url(self, notebook: str) -> str:
        return self.host.notebook_url(self.url, notebook, self.token)

    def kernel_id_for(self, notebook: str) -> str | None:
        for session in self.api("GET", "/api/sessions"):
            if session.get("path") == notebook and session.get("kernel"):
                kernel_id: str = session["kernel"]["id"]
                return kernel_id
        return None

    def kernel_state(self, kernel_id: str) -> str:
        state: str = self.api("GET", f"/api/kernels/{kernel_id}")["execution_state"]
        return state

    def connection_file(self, kernel_id: str) -> Path:
        return self.runtime_dir / f"kernel-{kernel_id}.json"

    def shutdown_sessions_for(self, notebook: str) -> None:
        for session in self.api("GET", "/api/sessions"):
            if session.get("path") == notebook:
                self.api("DELETE", f"/api/sessions/{session['id']}")

    def read_notebook_file(self, notebook: str) -> str:
        return (self.root_dir / notebook).read_text(encoding="utf-8")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    def close(self) -> None:
        self.http.close()
        stop_process(self.proc)


def _lab_settings(settings_dir: Path) -> None:
    """User settings for the test server: save widget state, no news or update pop-ups."""
    files: Mapping[str, Mapping[str, Any]] = {
        # Saved notebooks then carry the widget state, which is what the secret test inspects.
        "@jupyter-widgets/jupyterlab-manager/plugin.jupyterlab-settings": {"saveState": True},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }
    for relative, content in files.items():
        path = settings_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content), encoding="utf-8")


def kernel_environment(
    extra: Mapping[str, str] | None = None, *, import_checkout: bool = True
) -> dict[str, str]:
    """The environment JupyterLab (and so every kernel) runs with.

    No OPENAI_API_KEY: the widget must fall back to its built-in emulator. The repository is
    on PYTHONPATH so that the kernel imports this checkout even without an install; with
    `import_checkout=False` there is no PYTHONPATH at all, so a kernel imports only what its
    environment has installed.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.pop("REALTIME_WIDGET_BASE_URL", None)
    if import_checkout:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    else:
        env.pop("PYTHONPATH", None)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def start_lab(
    base_dir: Path,
    notebooks: list[Path],
    *,
    timeout: float = 90.0,
    host: JupyterHost = LAB,
    python: Path | None = None,
) -> LabServer:
    """Start `host`'s server on 127.0.0.1 with `notebooks` copied into a fresh root.

    `python` is the interpreter of another environment to run it from (its own Jupyter, its
    own kernels, none of this checkout on the path); by default this one, with the checkout.
    """
    root = base_dir / "root"
    root.mkdir(parents=True)
    for notebook in notebooks:
        shutil.copy2(notebook, root / notebook.name)
    runtime = base_dir / "runtime"
    settings = base_dir / "user-settings"
    _lab_settings(settings)
    port = free_port()
    token = secrets.token_hex(24)
    jupyter_dirs = {
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "JUPYTER_CONFIG_DIR": str(base_dir / "config"),
        "JUPYTER_DATA_DIR": str(base_dir / "data"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    if python is None:
        env = kernel_environment(jupyter_dirs)
    else:
        env = kernel_environment(jupyter_dirs, import_checkout=False)
        # Its own scripts first, as an activated venv has them.
        env["PATH"] = os.pathsep.join([str(python.parent), env.get("PATH", "")])
        env["VIRTUAL_ENV"] = str(python.parent.parent)
    args = [
        str(python or sys.executable),
        "-m",
        host.module,
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        *host.app_args(base_dir, settings),
        "--ServerApp.open_browser=False",
        "--ServerApp.terminals_enabled=False",
        "--LanguageServerManager.autodetect=False",
    ]
    if os.geteuid() == 0:
        args.append("--allow-root")
    log_path = base_dir / f"{host.module}.log"
    started = time.monotonic()
    log = log_path.open("wb")
    proc = subprocess.Popen(
        args, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    log.close()
    server = LabServer(
        url=f"http://127.0.0.1:{port}",
        token=token,
        root_dir=root,
        runtime_dir=runtime,
        log_path=log_path,
        proc=proc,
        started_in_s=0.0,
        host=host,
    )

    def ready() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"{host.name} exited early:\n{server.log_tail()}")
        return server.http.get("/api/status").status_code == 200

    try:
        wait_until(ready, timeout=timeout, what=f"{host.name} /api/status")
    except BaseException:
        server.close()
        raise
    server.started_in_s = time.monotonic() - started
    return server


# --------------------------------------------------------------------------- the kernel


class KernelError(AssertionError):
    pass


class AttachedKernel:
    """A second client on a notebook's kernel: same namespace, so `w` is the notebook's widget."""

    def __init__(self, connection_file: Path) -> None:
        self.client = BlockingKernelClient(connection_file=str(connection_file))
        self.client.load_connection_file()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=30)

    def run(self, code: str, *, timeout: float = 30.0) -> str:
        """Execute `code`; return its stdout; raise with the traceback if it fails."""
        stdout: list[str] = []
        errors: list[str] = []

        def hook(msg: dict[str, Any]) -> None:
            kind = msg["msg_type"]
            content = msg["content"]
            if kind == "stream" and content.get("name") == "stdout":
                stdout.append(content["text"])
            elif kind == "error":
                errors.append("\n".join(content.get("traceback", [])) or content.get("evalue", ""))

        reply = self.client.execute_interactive(
            code, timeout=timeout, output_hook=hook, store_history=False, allow_stdin=False
        )
        if reply["content"]["status"] != "ok" or errors:
            raise KernelError(f"kernel code failed:\n{code}\n---\n" + "\n".join(errors))
        return "".join(stdout)

    def eval(self, expression: str, *, timeout: float = 30.0) -> Any:
        """The JSON value of a Python expression evaluated in the notebook's namespace."""
        marker = "@@E2E-JSON@@"
        out = self.run(
            f"import json as _e2e_json\nprint({marker!r} + _e2e_json.dumps({expression}))",
            timeout=timeout,
        )
        for line in reversed(out.splitlines()):
            if line.startswith(marker):
                return json.loads(line[len(marker) :])
        raise KernelError(f"no result for {expression!r}; stdout was:\n{out}")

    def wait_for(self, expression: str, *, timeout: float, what: str) -> Any:
        """Poll a Python expression until it is truthy; return its value."""
        last: list[Any] = [None]

        def probe() -> Any:
            last[0] = self.eval(expression)
            return last[0] or None

        try:
            return wait_until(probe, timeout=timeout, what=what, interval=0.25)
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}; last value of {expression!r}: {last[0]!r}") from None

    def drain_iopub(self) -> None:
        while True:
            try:
                self.client.get_iopub_msg(timeout=0.01)
            except Empty:
                return

    def close(self) -> None:
        self.client.stop_channels()


# --------------------------------------------------------------------------- the page


@dataclass
class PageProblems:
    """Console errors and uncaught exceptions seen on one page."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)  # "404 GET http://…" (no query)

    def watch(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)
        page.on("response", self._on_response)

    def _on_response(self, response: Response) -> None:
        if response.status >= 400:
            url = response.url.split("?", 1)[0]  # the query may hold the server token
            self.failed_requests.append(f"{response.status} {response.request.method} {url}")

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _on_page_error(self, error: Error) -> None:
        self.page_errors.append(f"{error.name}: {error.message}")

    def unexpected_console_errors(self, *allowed: str) -> list[str]:
        return [e for e in self.console_errors if not any(a in e for a in allowed)]


# JupyterLab's own objects, reached through window.jupyterapp (expose_app_in_browser).
_JS_NOTEBOOK = "() => window.jupyterapp.shell.currentWidget"
_JS_KERNEL_READY = """(path) => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!w || !w.context || w.context.path !== path) return false;
  const kernel = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""
_JS_CELL_OUTPUTS = """(index) => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[index];
  return cell.model.type === 'code' ? cell.model.outputs.toJSON() : [];
}"""


@dataclass
class Timings:
    page_load_s: float = 0.0
    run_all_s: float = 0.0


class NotebookPage:
    """One notebook open in JupyterLab on a Playwright page."""

    def __init__(self, page: Page, lab: LabServer, notebook: str) -> None:
        self.page = page
        self.lab = lab
        self.notebook = notebook
        self.timings = Timings()
        self._kernel: AttachedKernel | None = None

    # -- opening and running

    def open(self, *, timeout: float = 60.0) -> None:
        started = time.monotonic()
        self.page.goto(self.lab.page_url(self.notebook))
        kernel_id = wait_until(
            lambda: self.lab.kernel_id_for(self.notebook),
            timeout=timeout,
            what=f"a kernel session for {self.notebook}",
        )
        wait_until(
            lambda: self.lab.kernel_state(kernel_id) == "idle",
            timeout=timeout,
            what=f"kernel {kernel_id} idle on the server",
        )
        # The server's view is not enough: the page must also hold a live kernel connection.
        self.page.wait_for_function(
            _JS_KERNEL_READY, arg=self.notebook, timeout=timeout * 1000, polling=100
        )
        self.timings.page_load_s = time.monotonic() - started

    @property
    def kernel_id(self) -> str:
        kernel_id = self.lab.kernel_id_for(self.notebook)
        assert kernel_id, f"no kernel for {self.notebook}"
        return kernel_id

    def run_all(self, *, timeout: float = 90.0) -> None:
        """Run every cell through JupyterLab's command; resolves when the last one finished."""
        started = time.monotonic()
        self.page.evaluate(
            "() => window.jupyterapp.commands.execute('notebook:run-all-cells')",
        )
        self.page.wait_for_function(
            """() => {
              const nb = window.jupyterapp.shell.currentWidget;
              const kernel = nb.sessionContext.session.kernel;
              const code = nb.content.widgets.filter(c => c.model.type === 'code');
              // JupyterLab stops "Run All" at the first error: report it at once.
              const failed = code.some(
                c => c.model.outputs.toJSON().some(o => o.output_type === 'error'));
              return kernel.status === 'idle' && (
                failed || code.every(c => c.model.executionCount !== null));
            }""",
            timeout=timeout * 1000,
            polling=100,
        )
        self.timings.run_all_s = time.monotonic() - started
        self.assert_no_cell_errors()

    def run_cell(self, index: int, *, timeout: float = 30.0) -> Locator:
        """Run one existing cell again (JupyterLab's run command); wait for its new output."""
        before = self.page.evaluate(
            """(index) => {
              const nb = window.jupyterapp.shell.currentWidget.content;
              nb.activeCellIndex = index;
              nb.mode = 'command';
              return nb.widgets[index].model.executionCount;
            }""",
            index,
        )
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell')")
        self.page.wait_for_function(
            """([index, before]) => {
              const nb = window.jupyterapp.shell.currentWidget;
              const count = nb.content.widgets[index].model.executionCount;
              return count !== null && count !== before
                && nb.sessionContext.session.kernel.status === 'idle';
            }""",
            arg=[index, before],
            timeout=timeout * 1000,
            polling=100,
        )
        self.assert_no_cell_errors()
        return self.cell(index)

    def cell_count(self) -> int:
        count: int = self.page.evaluate(f"() => ({_JS_NOTEBOOK})().content.widgets.length")
        return count

    def cell_outputs(self, index: int) -> list[dict[str, Any]]:
        outputs: list[dict[str, Any]] = self.page.evaluate(_JS_CELL_OUTPUTS, index)
        return outputs

    def assert_no_cell_errors(self) -> None:
        for index in range(self.cell_count()):
            for output in self.cell_outputs(index):
                if output.get("output_type") == "error":
                    trace = "\n".join(output.get("traceback", []))
                    raise AssertionError(f"cell {index} raised:\n{trace}")

    def add_cell_and_run(self, code: str, *, timeout: float = 30.0) -> Locator:
        """Append a code cell with `code`, run it from the UI, return the new cell."""
        before = self.cell_count()
        self.page.evaluate(
            """(code) => {
              const nb = window.jupyterapp.shell.currentWidget.content;
              nb.activeCellIndex = nb.widgets.length - 1;
              nb.mode = 'command';
            }""",
            code,
        )
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:insert-cell-below')")
        new_cell = self.cell(before)
        editor = new_cell.locator(".cm-content")
        editor.click()
        self.page.keyboard.type(code)
        self.page.keyboard.press("Shift+Enter")
        self.page.wait_for_function(
            """(index) => {
              const nb = window.jupyterapp.shell.currentWidget;
              const cell = nb.content.widgets[index];
              return cell.model.executionCount !== null
                && nb.sessionContext.session.kernel.status === 'idle';
            }""",
            arg=before,
            timeout=timeout * 1000,
            polling=100,
        )
        return new_cell

    def save(self, *, timeout: float = 30.0) -> None:
        self.page.evaluate(
            "async () => { await window.jupyterapp.commands.execute('docmanager:save'); }"
        )
        self.page.wait_for_function(
            "() => !window.jupyterapp.shell.currentWidget.context.model.dirty",
            timeout=timeout * 1000,
        )

    # -- finding things

    def cell(self, index: int) -> Locator:
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def output_of(self, index: int) -> Locator:
        return self.cell(index).locator(".jp-OutputArea-output")

    # -- the kernel

    def kernel(self) -> AttachedKernel:
        if self._kernel is None:
            self._kernel = AttachedKernel(self.lab.connection_file(self.kernel_id))
        return self._kernel

    # -- evidence

    def screenshot(self, name: str, target: Locator | None = None) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        if target is None:
            self.page.screenshot(path=str(path))
        else:
            target.screenshot(path=str(path))
        return path

    def close(self) -> None:
        if self._kernel is not None:
            self._kernel.close()
            self._kernel = None
        with suppress(httpx.HTTPError):
            self.lab.shutdown_sessions_for(self.notebook)


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    """A minimal nbformat 4 notebook with a python3 kernelspec; cells are (kind, source)."""

    def cell(kind: str, source: str) -> dict[str, Any]:
        if kind == "markdown":
            return {"cell_type": "markdown", "metadata": {}, "source": source}
        return {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": source,
        }

    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": [cell(kind, source) for kind, source in cells],
    }
    path.write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")
    return path
