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
