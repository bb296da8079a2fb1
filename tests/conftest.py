"""Shared test settings.

With PLAYGROUND_REQUIRE_BROWSER=1 (set by .ci/run), a browser or deployment test that skips
counts as a failure: CI must not pass without having driven the app in Chromium and nginx.
With PLAYGROUND_REQUIRE_REFERENCES=1 (also set by .ci/run), so does a comparison with an
independent reference (torch.optim, optax, scipy) that skips: a green run has checked them all.
"""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Markers whose skip fails the run when the environment variable is "1".
REQUIRED = {
    "PLAYGROUND_REQUIRE_BROWSER": ("browser", "deploy"),  # Debian's Chromium and nginx
    "PLAYGROUND_REQUIRE_REFERENCES": ("torch", "optax", "scipy"),  # requirements-dev.txt
}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.skipped:
        return
    for variable, markers in REQUIRED.items():
        if os.environ.get(variable) == "1" and any(map(item.get_closest_marker, markers)):
            report.outcome = "failed"
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
            report.longrepr = f"test skipped but {variable}=1: {reason}"
            return


# The browser tests' shared fixtures: Debian's Chromium, and one app server per test module.
@pytest.fixture(scope="module")
def chromium_path() -> str:
    from e2e_support import require_chromium

    return require_chromium()


@pytest.fixture(scope="module")
def server(chromium_path: str):
    from e2e_support import streamlit_server

    with streamlit_server(ROOT / "app.py", timeout=90) as server:
        yield server


# The deployment tests' shared fixture: two replicas behind nginx, one set per test module.
@pytest.fixture(scope="module")
def deployment():
    import shutil

    from test_deploy import require_nginx

    from deploy import serve_replicas

    require_nginx()
    with serve_replicas.serve(2) as running:
        yield running
    shutil.rmtree(running.workdir, ignore_errors=True)
