"""Generic test configuration shared by every test directory.

Browser and JupyterLab tests need Debian's Chromium. On a developer machine without it they
are skipped with a reason that says how to get it; in CI (the `CI` variable is set) a missing
browser is a failure, so the end-to-end suite can never silently stop running there.

In CI any other skipped test fails the run too, unless its reason is in `CI_SKIP_ALLOWLIST`:
a skip is a test that did not run, and CI must not report green without it. The skipped
tests and their reasons are listed at the end (tests/test_repository.py tests these hooks).
"""

from __future__ import annotations

import os

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if chromium_path() is not None or in_ci():
        return
    for item in items:
        if _needs_chromium(item):
            item.add_marker(pytest.mark.skip(reason=_MISSING))


def pytest_runtest_setup(item: pytest.Item) -> None:
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
