"""The repository keeps nothing built or executed: notebooks are committed without outputs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_the_three_documented_notebooks_exist() -> None:
    names = {p.name for p in NOTEBOOKS}
    assert {"quickstart.ipynb", "analysis.ipynb", "prototyping.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_have_no_outputs_or_widget_state(path: Path) -> None:
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name} cell {i} has outputs: clear them"
            assert cell.get("execution_count") is None, f"{path.name} cell {i} was executed"
    assert "widgets" not in nb.get("metadata", {}), f"{path.name} carries saved widget state"


def test_nothing_built_is_tracked() -> None:
    try:
        tracked = subprocess.run(
            ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    built = [
        f
        for f in tracked
        if f.startswith(("realtime_widget/static/", "test-artifacts/"))
        or "/node_modules/" in f
        or f.startswith(("js/node_modules/", ".venv/"))
        or "__pycache__" in f
    ]
    assert built == []


def _readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_says_what_w_tools_and_w_tool_specs_are() -> None:
    """`w.tools` is the tool registry (it iterates names); `w.tool_specs` holds the GA specs."""
    from realtime_widget import RealtimeWidget

    w = RealtimeWidget()
    try:

        @w.tool
        def add(a: int, b: int) -> int:
            """Add two numbers."""
            return a + b

        assert list(w.tools) == ["add"]
        assert [s["name"] for s in w.tool_specs] == ["add"] and w.tool_specs[0]["type"]
    finally:
        w.close()
    text = " ".join(_readme().split())
    assert "`w.tools` lists the GA specs" not in text
    assert "`w.tools` is the tool registry" in text, "say what w.tools is"
    assert "`w.tool_specs` lists the GA specs" in text, "say where the specs are"


def _dev_dry_run(*args: str) -> list[list[str]]:
    """The commands `bash .ci/dev ARGS` would run (DEV_DRY_RUN=1 prints them instead)."""
    import os
    import shlex

    out = subprocess.run(
        ["bash", str(REPO / ".ci" / "dev"), *args],
        cwd="/",
        env={**os.environ, "DEV_DRY_RUN": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    commands = [shlex.split(line[2:]) for line in out.splitlines() if line.startswith("+ ")]
    return [c[1:] if c[:1] == ["exec"] else c for c in commands]


def _is_npm(argv: list[str], sub: str) -> bool:
    """`npm [--prefix js] SUB ...`."""
    if argv[:1] != ["npm"]:
        return False
    rest = argv[3:] if argv[1:3] == ["--prefix", "js"] else argv[1:]
    return [a for a in rest if not a.startswith("-")][:1] == [sub]


def _installs_js_from_the_lockfile(commands: list[list[str]]) -> int:
    """The index of the `npm ci` (in js/); fails on any `npm install`, which may rewrite it."""
    assert not [c for c in commands if _is_npm(c, "install") or _is_npm(c, "i")], commands
    ci = [i for i, c in enumerate(commands) if _is_npm(c, "ci")]
    assert len(ci) == 1, commands
    return ci[0]


def test_dev_lab_serves_the_repository_root_and_opens_the_quickstart() -> None:
    import os

    commands = _dev_dry_run("lab")
    lab = [c for c in commands if c[:1] and c[0].endswith("jupyter") and c[1:2] == ["lab"]]
    assert len(lab) == 1, commands
    argv = lab[0]
    assert argv[0] == ".venv/bin/jupyter", argv
    roots = [a.split("=", 1)[1] for a in argv if a.startswith("--ServerApp.root_dir=")]
    assert roots == [str(REPO)], argv  # README.md and docs/ are in the file browser
    notebooks = [a for a in argv if a.endswith(".ipynb")]
    assert notebooks == ["notebooks/quickstart.ipynb"], argv  # relative to the root
    assert (Path(roots[0]) / notebooks[0]).is_file()
    assert argv[argv.index("--ip") + 1] == "127.0.0.1"
    assert ("--allow-root" in argv) == (os.geteuid() == 0)
    # It installs what the notebooks need (dev includes the notebooks extra), JS from the
    # lockfile first: the editable install's build hook would otherwise `npm install`.
    npm_ci = _installs_js_from_the_lockfile(commands)
    pip_e = [i for i, c in enumerate(commands) if "pip" in c and "-e" in c]
    assert len(pip_e) == 1 and npm_ci < pip_e[0], commands
    assert commands[pip_e[0]][-1] == ".[dev]", commands


def test_dev_test_installs_from_the_lockfile_without_rewriting_it() -> None:
    commands = _dev_dry_run("test", "-k", "nothing")
    npm_ci = _installs_js_from_the_lockfile(commands)
    pip_e = next(i for i, c in enumerate(commands) if "pip" in c and "-e" in c)
    assert npm_ci < pip_e, commands
    assert commands[-1] == [".venv/bin/python", "-m", "pytest", "-k", "nothing"], commands


def test_readme_set_up_commands_are_the_dev_script_s() -> None:
    import re

    readme = _readme()
    documented = re.findall(r"^bash \.ci/dev (\w+)", readme, flags=re.M)
    assert documented[:2] == ["lab", "test"], documented
    script = (REPO / ".ci" / "dev").read_text(encoding="utf-8")
    for cmd in set(documented):
        assert re.search(rf"^  {cmd}\)", script, flags=re.M), f".ci/dev has no `{cmd}` command"
    assert "open JupyterLab on the repository" in " ".join(readme.split())
