"""The repository keeps nothing built or executed: notebooks are committed without outputs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_the_documented_notebooks_exist() -> None:
    names = {p.name for p in NOTEBOOKS}
    assert {
        "quickstart.ipynb",
        "analysis.ipynb",
        "prototyping.ipynb",
        "headless.ipynb",
        "evaluate.ipynb",
    } <= names


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


def _dev_dry_run_process(
    *args: str, fail: str = "", script: str = "dev", ci: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`bash .ci/SCRIPT ARGS` with DEV_DRY_RUN=1 (commands printed, not run), `CI` set to
    `ci` (unset if None), and DEV_DRY_RUN_FAIL=FAIL (the printed commands containing one of its
    comma-separated strings fail)."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(DEV_DRY_RUN="1", DEV_DRY_RUN_FAIL=fail)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        ["bash", str(REPO / ".ci" / script), *args],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _commands(out: str) -> list[list[str]]:
    import shlex

    commands = [shlex.split(line[2:]) for line in out.splitlines() if line.startswith("+ ")]
    return [c[1:] if c[:1] == ["exec"] else c for c in commands]


def _dev_dry_run(*args: str) -> list[list[str]]:
    """The commands `bash .ci/dev ARGS` would run (DEV_DRY_RUN=1 prints them instead)."""
    proc = _dev_dry_run_process(*args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return _commands(proc.stdout)


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
    assert commands[-1] == [".venv/bin/python", "-m", "pytest", "-rs", "-k", "nothing"], commands


def test_readme_set_up_commands_are_the_dev_script_s() -> None:
    import re

    readme = _readme()
    documented = re.findall(r"^bash \.ci/dev (\w+)", readme, flags=re.M)
    assert documented[:2] == ["lab", "test"], documented
    script = (REPO / ".ci" / "dev").read_text(encoding="utf-8")
    for cmd in set(documented):
        assert re.search(rf"^  {cmd}\)", script, flags=re.M), f".ci/dev has no `{cmd}` command"
    assert "open JupyterLab on the repository" in " ".join(readme.split())


# --- `bash .ci/dev test`: every check runs, then one summary line each --------------------

#: The checks of `bash .ci/dev test`, in order: (summary name, the command's start).
_CHECKS = [
    ("tsc", ["npm", "--prefix", "js", "run", "--silent", "typecheck"]),
    ("ruff check", [".venv/bin/ruff", "check"]),
    ("ruff format --check", [".venv/bin/ruff", "format", "--check"]),
    ("mypy", [".venv/bin/mypy"]),
    ("vitest", ["npm", "--prefix", "js", "test"]),
    ("pytest", [".venv/bin/python", "-m", "pytest", "-rs"]),
]


def _check_commands(commands: list[list[str]]) -> list[str]:
    """The names of the checks among COMMANDS, in the order they run."""
    names = []
    for argv in commands:
        matching = [name for name, start in _CHECKS if argv[: len(start)] == start]
        names += matching
    return names


def _summary(out: str) -> dict[str, str]:
    """`== summary` lines: check name -> "passed" or "FAILED (exit N)"."""
    lines = out.split("\n== summary\n", 1)[1].splitlines()
    rows = [line.strip() for line in lines if line.startswith("  ")]
    return {
        name: row[len(name) :].strip()
        for row in rows
        for name, _ in _CHECKS
        if row.startswith(name + " ")
    }


def test_dev_test_runs_every_check_then_a_summary_line_each() -> None:
    proc = _dev_dry_run_process("test", "-m", "not browser")  # the README's command
    assert proc.returncode == 0, proc.stdout + proc.stderr
    commands = _commands(proc.stdout)
    assert _check_commands(commands) == [name for name, _ in _CHECKS], commands
    # The extra arguments go to pytest, and only to pytest.
    assert commands[-1][-2:] == ["-m", "not browser"], commands
    assert [c for c in commands if "not browser" in c] == [commands[-1]], commands
    assert _summary(proc.stdout) == {name: "passed" for name, _ in _CHECKS}, proc.stdout
    assert proc.stdout.rstrip().endswith("== all 6 checks passed"), proc.stdout


def test_dev_test_a_failed_check_does_not_hide_the_others() -> None:
    proc = _dev_dry_run_process("test", fail="ruff check,.venv/bin/mypy")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # The checks after the failed ones still ran.
    assert _check_commands(_commands(proc.stdout)) == [name for name, _ in _CHECKS]
    expected = {name: "passed" for name, _ in _CHECKS}
    expected.update({"ruff check": "FAILED (exit 1)", "mypy": "FAILED (exit 1)"})
    assert _summary(proc.stdout) == expected, proc.stdout
    assert proc.stdout.rstrip().endswith("== 2 of 6 checks FAILED: ruff check, mypy")


def test_dev_test_fails_when_only_pytest_does() -> None:
    # Under CI pytest fails on a skip or on exit 5 (no tests collected): any non-zero exit of
    # the last check is the run's failure.
    proc = _dev_dry_run_process("test", "-k", "nothing", fail="-m pytest")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _summary(proc.stdout)["pytest"] == "FAILED (exit 1)", proc.stdout


@pytest.mark.parametrize("fail", ["npm --prefix js ci", "pip install", "run build"])
def test_dev_test_a_failed_installation_stops_at_once(fail: str) -> None:
    proc = _dev_dry_run_process("test", fail=fail)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    commands = _commands(proc.stdout)
    assert any(fail in " ".join(c) for c in commands), commands
    assert _check_commands(commands) == [], commands  # nothing was checked
    assert "== summary" not in proc.stdout
    assert "installation failed" in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("ci", "in_ci"),
    [(None, False), ("0", False), ("false", False), ("FALSE", False), ("1", True), ("true", True)],
)
def test_dev_test_says_when_it_runs_in_ci_mode(ci: str | None, in_ci: bool) -> None:
    proc = _dev_dry_run_process("test", ci=ci)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ("== CI mode" in proc.stdout) == in_ci, proc.stdout


def test_ci_run_is_the_test_command_in_ci_mode() -> None:
    proc = _dev_dry_run_process(script="run", ci=None)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "== CI mode (CI=1)" in proc.stdout, proc.stdout
    assert _check_commands(_commands(proc.stdout)) == [name for name, _ in _CHECKS]


# --- Under CI a skipped test fails pytest (tests/conftest.py), unless allowlisted -----------

_SKIPPING_TESTS = {
    "test_runs.py": """
import pytest

def test_passes():
    pass

def test_skips_when_called():
    pytest.skip("needs the moon")

@pytest.mark.skip(reason="a skip marker")
def test_skipped_by_a_marker():
    pass

@pytest.mark.xfail(reason="an xfail is not a skip", strict=True)
def test_xfails():
    assert False
""",
    "test_module_skipped.py": """
import pytest

pytest.skip("the whole module", allow_module_level=True)
""",
}


def _pytest_with_the_conftest(
    tmp_path: Path, files: dict[str, str], ci: str | None
) -> subprocess.CompletedProcess[str]:
    """pytest on FILES in TMP_PATH with tests/conftest.py loaded as a plugin (`-p conftest`:
    its hooks, its allowlist) and `CI` set to CI (unset if None)."""
    import os
    import sys
    import textwrap

    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    env = {
        k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")
    }
    env.update(PYTHONPATH=os.pathsep.join([str(REPO / "tests"), str(tmp_path)]))
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    if ci is not None:
        env["CI"] = ci
    argv = [sys.executable, "-m", "pytest", "-p", "conftest"]
    if "allow_for_test.py" in files:
        argv += ["-p", "allow_for_test"]
    argv += ["-c", str(tmp_path / "pytest.ini"), "-rs", "-p", "no:cacheprovider", str(tmp_path)]
    return subprocess.run(
        argv,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("ci", "in_ci"),
    [
        *[(None, False), ("", False), ("0", False), ("false", False), ("FALSE", False)],
        *[("1", True), ("true", True), ("yes", True)],
    ],
)
def test_the_conftest_s_ci_rule(
    monkeypatch: pytest.MonkeyPatch, ci: str | None, in_ci: bool
) -> None:
    """Any non-empty `CI` but "0" and "false" (the rule `.ci/dev` prints CI mode by)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_ci_conftest", REPO / "tests" / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    assert module.in_ci() is in_ci


def test_in_ci_a_skipped_test_fails_the_run_and_says_which_and_why(tmp_path: Path) -> None:
    proc = _pytest_with_the_conftest(tmp_path, _SKIPPING_TESTS, ci="true")
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "skipped tests fail CI" in out, out
    for line in (
        "SKIPPED test_runs.py::test_skips_when_called: needs the moon",
        "SKIPPED test_runs.py::test_skipped_by_a_marker: a skip marker",
        "SKIPPED test_module_skipped.py: the whole module",
    ):
        assert line in out, out
    assert "xfail" not in out.split("skipped tests fail CI", 1)[1].split("short test")[0], out
    assert "CI_SKIP_ALLOWLIST (tests/conftest.py)" in out, out
    assert "1 passed, 3 skipped, 1 xfailed" in out, out


def test_outside_ci_a_skipped_test_is_reported_with_its_reason(tmp_path: Path) -> None:
    proc = _pytest_with_the_conftest(tmp_path, _SKIPPING_TESTS, ci=None)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "skipped tests fail CI" not in out, out
    assert "needs the moon" in out, out  # -rs


def test_in_ci_an_allowlisted_skip_reason_passes(tmp_path: Path) -> None:
    files = {
        # Loaded after tests/conftest.py: an allowlist as the conftest would keep it.
        "allow_for_test.py": """
            import conftest

            conftest.CI_SKIP_ALLOWLIST = ("needs the moon", "a skip marker", "the whole module")
            """,
        **_SKIPPING_TESTS,
    }
    proc = _pytest_with_the_conftest(tmp_path, files, ci="1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "skipped tests fail CI" not in proc.stdout, proc.stdout


def test_in_ci_an_allowlist_lets_only_its_own_reasons_pass(tmp_path: Path) -> None:
    files = {
        "allow_for_test.py": """
            import conftest

            conftest.CI_SKIP_ALLOWLIST = ("needs the moon",)
            """,
        **_SKIPPING_TESTS,
    }
    proc = _pytest_with_the_conftest(tmp_path, files, ci="1")
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "SKIPPED test_runs.py::test_skipped_by_a_marker: a skip marker" in out, out
    assert "test_skips_when_called:" not in out, out


def test_in_ci_no_test_collected_fails_the_run(tmp_path: Path) -> None:
    proc = _pytest_with_the_conftest(tmp_path, {"test_empty.py": "X = 1\n"}, ci="1")
    assert proc.returncode == pytest.ExitCode.NO_TESTS_COLLECTED, proc.stdout + proc.stderr


def test_in_ci_a_failure_keeps_its_exit_status(tmp_path: Path) -> None:
    files = {**_SKIPPING_TESTS, "test_fails.py": "def test_fails():\n    assert False\n"}
    proc = _pytest_with_the_conftest(tmp_path, files, ci="1")
    assert proc.returncode == pytest.ExitCode.TESTS_FAILED, proc.stdout + proc.stderr
    assert "SKIPPED test_runs.py::test_skips_when_called: needs the moon" in proc.stdout


def test_the_ci_skip_allowlist_is_short_and_explicit() -> None:
    import ast

    tree = ast.parse((REPO / "tests" / "conftest.py").read_text(encoding="utf-8"))
    values = [
        node.value
        for node in tree.body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id == "CI_SKIP_ALLOWLIST"
    ]
    assert len(values) == 1, "tests/conftest.py keeps CI_SKIP_ALLOWLIST, a tuple literal"
    reasons = ast.literal_eval(values[0])
    assert isinstance(reasons, tuple) and all(isinstance(r, str) and r for r in reasons)
    assert len(reasons) <= 5, "every allowlisted reason is a test CI never runs"


# --- A test's tier marker is its folder's (tests/conftest.py, tests/README.md) ------------


def test_the_tier_marker_of_a_test_is_its_folder_s() -> None:
    import importlib.util
    import tomllib

    spec = importlib.util.spec_from_file_location("_tier_conftest", REPO / "tests" / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tests = REPO / "tests"
    assert module.tier_of(tests / "e2e" / "test_delivery_e2e.py") == "e2e"
    assert module.tier_of(tests / "browser" / "test_view_in_page.py") == "browser"
    assert module.tier_of(tests / "faults" / "test_mint_faults.py") == "faults"
    assert module.tier_of(tests / "benchmarks" / "test_benchmarks_smoke.py") == "benchmark"
    assert module.tier_of(tests / "install" / "test_wheel_install.py") == "install"
    assert module.tier_of(tests / "conversation" / "test_jsonl.py") == "unit"
    assert module.tier_of(tests / "test_repository.py") == "unit"
    assert module.tier_of(REPO / "benchmarks" / "test_elsewhere.py") is None
    assert all((tests / folder).is_dir() for folder in module.TIER_FOLDERS)
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    registered = {m.split(":")[0] for m in pyproject["tool"]["pytest"]["ini_options"]["markers"]}
    assert {*module.TIER_FOLDERS.values(), module.UNIT} <= registered


def test_readme_has_an_evaluate_versions_section_after_without_a_browser() -> None:
    """Issue 15: right after "Without a browser", pointing to the docs and the notebook."""
    import re

    headings = re.findall(r"^## (.+)$", _readme(), flags=re.M)
    assert headings[headings.index("Without a browser") + 1] == "Evaluate versions", headings
    section = _readme().split("\n## Evaluate versions\n", 1)[1].split("\n## ", 1)[0]
    for pointer in ("docs/evals.md", "notebooks/evaluate.ipynb"):
        assert pointer in section and (REPO / pointer).is_file(), pointer
