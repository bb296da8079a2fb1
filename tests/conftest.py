"""Shared test settings.

With PLAYGROUND_REQUIRE_BROWSER=1 (set by .ci/run), a browser test that skips counts as a
failure: CI must not pass without having driven the app in Chromium.
"""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    required = os.environ.get("PLAYGROUND_REQUIRE_BROWSER") == "1"
    if required and report.skipped and item.get_closest_marker("browser") is not None:
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"browser test skipped but PLAYGROUND_REQUIRE_BROWSER=1: {reason}"
