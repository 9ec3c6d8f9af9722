"""A plain `pip install` of the built wheel, in a fresh virtual environment, works with no key.

What a newcomer does: `pip install realtime-widget`, `jupyter lab`, the quickstart, Connect,
type. Here the wheel is built as a release would be (`pip wheel .` on a copy of the tracked
files, so the build hook's `npm install` and `npm run build` never touch this checkout), its
contents are checked, and it is installed with pip (dependencies from PyPI, pinned by
.ci/constraints.txt) into one fresh venv for the whole module. Everything after that runs from
that venv with nothing of this checkout on the path: the widget built with no key (the
emulator, no ImportError), then its own `jupyter lab` on 127.0.0.1 running the quickstart in
headless Chromium, the kernel checked through a second client (tests/e2e/lab.py).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.lab import REPO, NotebookPage, PageProblems, kernel_environment, start_lab
from tests.support.chromium import AUTOPLAY_WITHOUT_GESTURE, CHROMIUM_ARGS, sync_chromium

pytestmark = [pytest.mark.browser, pytest.mark.jupyter, pytest.mark.timeout(900)]

QUICKSTART = REPO / "notebooks" / "quickstart.ipynb"
CONSTRAINTS = REPO / ".ci" / "constraints.txt"
KERNEL_PROBE = (REPO / "tests" / "e2e" / "kernel_probe.py").read_text(encoding="utf-8")
WIDGET_CELL = 1  # the quickstart's `w = RealtimeWidget(); w` cell
TRANSCRIPT_CELL = 3  # its `w.transcript` cell
CONNECTED = re.compile(r"\bconnected\b", re.IGNORECASE)
#: What the emulator needs and the default widget imports: none of it may hide in an extra.
DEFAULT_REQUIREMENTS = ("aiortc", "aiohttp", "numpy", "openai", "anywidget", "ipykernel")


def _run(
    argv: list[str],
    *,
    what: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command; fail the test with its output if it fails."""
    proc = subprocess.run(
        argv, capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        output = f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        pytest.fail(f"{what} failed (exit {proc.returncode}):\n{output}")
    return proc


# --------------------------------------------------------------------------- the wheel


def _copy_of_the_tracked_files(target: Path) -> Path:
    """The working tree's tracked files (as edited, not as committed) and js/node_modules,
    copied: the build hook's `npm install` may rewrite node_modules and the lockfile."""
    listed = _run(["git", "ls-files", "-z"], what="git ls-files", cwd=REPO).stdout
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    modules = REPO / "js" / "node_modules"
    if not modules.is_dir():
        pytest.fail("js/node_modules is missing: run `npm --prefix js ci` (bash .ci/dev test does)")
    shutil.copytree(modules, target / "js" / "node_modules", symlinks=True)
    return target


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = _copy_of_the_tracked_files(tmp_path_factory.mktemp("source"))
    out = tmp_path_factory.mktemp("dist")
    started = time.monotonic()
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(source), "-w", str(out)],
        what="building the wheel (pip wheel .)",
    )
    print(f"\n[install] wheel built in {time.monotonic() - started:.1f} s")
    (built,) = out.glob("realtime_widget-*.whl")
    return built


def test_the_wheel_carries_the_built_front_end_and_only_the_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        widget_js = archive.read("realtime_widget/static/widget.js").decode()
        widget_css = archive.read("realtime_widget/static/widget.css").decode()
        metadata = Parser().parsestr(
            archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        )
    # The esbuild bundle of js/src (its data channel, its badge) and its stylesheet.
    assert len(widget_js) > 20_000, len(widget_js)
    assert "oai-events" in widget_js and "Offline emulator" in widget_js
    assert ".rtw-connect" in widget_css
    strays = [
        n
        for n in names
        if not (n.startswith("realtime_widget/") or ".dist-info/" in n)
        or "node_modules" in n
        or "/tests/" in n
    ]
    assert strays == [], strays
    assert "realtime_widget/emulator/server.py" in names
    # Needed with no key (the emulator) and by every widget (the sideband's SDK): in the
    # default install, not behind an extra.
    unconditional = {
        re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0].lower()
        for r in metadata.get_all("Requires-Dist") or []
        if "extra ==" not in r
    }
    missing = [name for name in DEFAULT_REQUIREMENTS if name not in unconditional]
    assert missing == [], f"not default dependencies: {missing}; default: {sorted(unconditional)}"


# --------------------------------------------------------------------------- the fresh venv


@dataclass(frozen=True)
class FreshVenv:
    python: Path
    install_s: float


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    """One fresh venv with only the wheel pip-installed (its dependencies pinned like CI's)."""
    root = tmp_path_factory.mktemp("venv") / "venv"
    started = time.monotonic()
    _run([sys.executable, "-m", "venv", str(root)], what="python -m venv")
    python = root / "bin" / "python"
    _run(
        [str(python), "-m", "pip", "install", "-q", "-c", str(CONSTRAINTS), str(wheel)],
        what=f"pip install {wheel.name} into a fresh venv",
        env=kernel_environment(import_checkout=False),
    )
    install_s = time.monotonic() - started
    print(f"\n[install] fresh venv + pip install of the wheel: {install_s:.1f} s")
    return FreshVenv(python=python, install_s=install_s)


def test_with_no_key_the_widget_uses_the_emulator_from_the_plain_install(
    venv: FreshVenv, tmp_path: Path
) -> None:
    code = (
        "import json, realtime_widget\n"
        "from realtime_widget import RealtimeWidget, RealtimeSession\n"
        "w = RealtimeWidget()\n"
        "print(json.dumps({'file': realtime_widget.__file__, 'backend': w.backend,"
        " 'base_url': w.base_url}))\n"
        "w.close()\n"
    )
    proc = _run(
        [str(venv.python), "-c", code],
        what="constructing RealtimeWidget() with no key in the fresh venv",
        cwd=tmp_path,  # not the checkout: `import realtime_widget` must find the wheel's
        env=kernel_environment(import_checkout=False),
        timeout=120,
    )
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert Path(found["file"]).is_relative_to(venv.python.parent.parent), found
    assert found["backend"] == "emulator", found
    assert found["base_url"].startswith("http://127.0.0.1:"), found


# --------------------------------------------------------------------------- its JupyterLab


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_chromium([*CHROMIUM_ARGS, AUTOPLAY_WITHOUT_GESTURE]) as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, permissions=["microphone"]
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


def test_jupyter_lab_from_the_venv_runs_the_quickstart(
    venv: FreshVenv, page: Page, tmp_path_factory: pytest.TempPathFactory
) -> None:
    lab = start_lab(tmp_path_factory.mktemp("lab"), [QUICKSTART], python=venv.python)
    problems = PageProblems()
    problems.watch(page)
    notebook = NotebookPage(page, lab, QUICKSTART.name)
    try:
        notebook.open(timeout=120)
        notebook.run_all(timeout=120)
        kernel = notebook.kernel()
        # The notebook's kernel is the venv's Python, and imports the wheel's package.
        where = kernel.eval(
            "[__import__('sys').prefix, __import__('realtime_widget').__file__, w.backend]"
        )
        prefix = str(venv.python.parent.parent)
        assert where[0] == prefix and where[1].startswith(prefix + "/"), where
        assert where[2] == "emulator", where
        kernel.run(KERNEL_PROBE + "\nw.muted = True")  # a typed turn only

        view = notebook.output_of(WIDGET_CELL)
        connect = view.get_by_role("button", name="Connect", exact=True)
        expect(connect).to_be_visible(timeout=30_000)
        expect(view).to_contain_text(re.compile("emulator", re.IGNORECASE))
        connect.click()
        expect(view.get_by_role("status")).to_have_text(CONNECTED, timeout=30_000)
        kernel.wait_for("w.status == 'connected'", timeout=30, what="w.status connected")

        typed = "Hello from a plain pip install"
        box = view.get_by_role("textbox", name="Message")
        box.fill(typed)
        box.press("Enter")
        expect(box).to_have_value("")
        texts: list[str] = kernel.wait_for(
            "e2e_assistant_texts(w)", timeout=45, what="the emulator's reply in the kernel"
        )
        assert typed in texts[0], texts  # the emulator repeats what it was told
        expect(view).to_contain_text(typed)
        expect(view).to_contain_text(texts[0], timeout=20_000)
        kernel.wait_for("e2e_settled(w)", timeout=45, what="the reply to finish")

        # The events are in the kernel, and the next cell reads them.
        types = kernel.eval("e2e_server_types(w)")
        assert types[0] == "session.created", types
        assert "response.done" in types and "conversation.item.done" in types, types
        table = notebook.run_cell(TRANSCRIPT_CELL).locator(".jp-OutputArea-output")
        expect(table).to_contain_text(typed)
        expect(table).to_contain_text(texts[0])
        notebook.screenshot("plain-pip-install-quickstart")
        assert problems.page_errors == []
        assert problems.failed_requests == []
    finally:
        notebook.close()
        lab.close()
