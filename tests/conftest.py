"""Shared test settings.

With PLAYGROUND_REQUIRE_BROWSER=1 (set by .ci/run), a browser or deployment test that skips
counts as a failure: CI must not pass without having driven the app in Chromium and nginx.
"""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Tests that need a program from Debian (Chromium, nginx) which CI installs.
END_TO_END_MARKERS = ("browser", "deploy")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    required = os.environ.get("PLAYGROUND_REQUIRE_BROWSER") == "1"
    end_to_end = any(item.get_closest_marker(marker) for marker in END_TO_END_MARKERS)
    if required and report.skipped and end_to_end:
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"end-to-end test skipped but PLAYGROUND_REQUIRE_BROWSER=1: {reason}"
