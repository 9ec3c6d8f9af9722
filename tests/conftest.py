"""Generic test configuration shared by every test directory.

Browser and JupyterLab tests need Debian's Chromium. On a developer machine without it they
are skipped with a reason that says how to get it; in CI (the `CI` variable is set) a missing
browser is a failure, so the end-to-end suite can never silently stop running there.

In CI any other skipped test fails the run too, unless its reason is in `CI_SKIP_ALLOWLIST`:
a skip is a test that did not run, and CI must not report green without it. The skipped
tests and their reasons are listed at the end (tests/test_repository.py tests these hooks).

Every test gets the marker of its tier, from the folder it is in (tests/README.md): `browser`,
`e2e`, `faults`, `benchmark` or `install` for tests/browser/, tests/e2e/, tests/faults/,
tests/benchmarks/ and tests/install/, `unit` for every other test (the package's own modules,
mirrored folder by folder, and tests/test_repository.py), so `pytest -m unit` runs the fast
tier. A test outside the tier folders that needs Chromium or JupyterLab fails: it belongs in
a tier folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.chromium import MISSING_CHROMIUM as _MISSING
from support.chromium import chromium_path

_NEEDS_CHROMIUM = ("browser", "jupyter")

#: Skip reasons CI accepts (exact text, as `-rs` prints it). Keep this short and explicit:
#: every entry is a test CI never runs. Today there is none.
CI_SKIP_ALLOWLIST: tuple[str, ...] = ()


def in_ci() -> bool:
    """`CI` set to anything but "0" or "false" (`.ci/run` sets CI=1, CI services CI=true)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def _needs_chromium(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(name) for name in _NEEDS_CHROMIUM)


# --- Tiers: a marker per folder (registered in pyproject.toml) ------------------------------

TESTS_DIR = Path(__file__).resolve().parent
#: The tier folders (tests/<folder>/) and their markers; every other test is `unit`.
TIER_FOLDERS: dict[str, str] = {
    "browser": "browser",
    "e2e": "e2e",
    "faults": "faults",
    "benchmarks": "benchmark",
    "install": "install",
}
UNIT = "unit"
_MISPLACED = pytest.StashKey[str]()


def tier_of(path: Path) -> str | None:
    """The tier marker of a test file under tests/, None for a file elsewhere."""
    try:
        parts = path.resolve().relative_to(TESTS_DIR).parts
    except ValueError:
        return None
    return TIER_FOLDERS.get(parts[0], UNIT) if len(parts) > 1 else UNIT


def _mark_tier(item: pytest.Item) -> None:
    tier = tier_of(item.path)
    if tier is None:
        return
    item.add_marker(tier)
    if tier == UNIT:
        needs = [name for name in _NEEDS_CHROMIUM if item.get_closest_marker(name)]
        if needs:
            item.stash[_MISPLACED] = (
                f"{item.nodeid} is marked {', '.join(needs)} but is in the unit tier: move it "
                "to tests/browser/ (a page in Chromium) or tests/e2e/ (JupyterLab), see "
                "tests/README.md"
            )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # First, so that `-m unit` (and any -m on a tier) sees the markers.
    for item in items:
        _mark_tier(item)
    if chromium_path() is not None or in_ci():
        return
    for item in items:
        # A misplaced test fails (pytest_runtest_setup) rather than being skipped.
        if _needs_chromium(item) and _MISPLACED not in item.stash:
            item.add_marker(pytest.mark.skip(reason=_MISSING))


def pytest_runtest_setup(item: pytest.Item) -> None:
    misplaced = item.stash.get(_MISPLACED, None)
    if misplaced is not None:
        pytest.fail(misplaced, pytrace=False)
    # In CI a missing browser must fail loudly, never turn into a quiet skip.
    if in_ci() and _needs_chromium(item) and chromium_path() is None:
        pytest.fail(f"CI must be able to run browser tests: {_MISSING}", pytrace=False)


# --- In CI, a skipped test fails the run (unless its reason is allowlisted) ----------------


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


class _CISkips:
    """Records the skips (of tests, and of whole modules at collection) CI does not allow."""

    def __init__(self) -> None:
        self.skips: list[tuple[str, str]] = []

    def _record(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        # An xfail is reported as skipped too: it ran, and is not a skip.
        if report.skipped and not hasattr(report, "wasxfail"):
            reason = _skip_reason(report)
            # Read at the end of each test, so the allowlist is the module's as it is then.
            if reason not in CI_SKIP_ALLOWLIST:
                self.skips.append((report.nodeid, reason))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._record(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._record(report)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        # Only turn a success into a failure: exit 5 (no tests collected), a failure or an
        # interruption already fails the run and keeps its own status.
        if self.skips and exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.skips:
            return
        terminalreporter.section("skipped tests fail CI", sep="=", red=True, bold=True)
        for nodeid, reason in self.skips:
            terminalreporter.line(f"SKIPPED {nodeid}: {reason}")
        terminalreporter.line(
            f"{len(self.skips)} skipped: make them run in CI, or (rarely) allowlist the exact "
            "reason in CI_SKIP_ALLOWLIST (tests/conftest.py)"
        )


def pytest_configure(config: pytest.Config) -> None:
    if in_ci():
        config.pluginmanager.register(_CISkips(), "ci_skips")
