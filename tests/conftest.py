"""Generic test configuration shared by every test directory.

Browser and JupyterLab tests need Debian's Chromium. On a developer machine without it they
are skipped with a reason that says how to get it; in CI (the `CI` variable is set) a missing
browser is a failure, so the end-to-end suite can never silently stop running there.
"""

from __future__ import annotations

import os

import pytest
from support.chromium import MISSING_CHROMIUM as _MISSING
from support.chromium import chromium_path

_NEEDS_CHROMIUM = ("browser", "jupyter")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


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
