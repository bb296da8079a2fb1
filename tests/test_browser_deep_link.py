"""End to end: a shared link straight to a page, opened first on a freshly started server,
gets the app's navigation and layout (not Streamlit's file-name page list)."""

from __future__ import annotations

import pytest
from e2e_support import (
    ROOT,
    SKIP_PREFIX,
    find_chromium,
    launch_chromium,
    missing_chromium_reason,
    streamlit_server,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

NAV_LINKS = '[data-testid="stSidebarNav"] a'


def test_a_link_to_the_inspector_on_a_fresh_server_gets_the_apps_navigation() -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(f"{SKIP_PREFIX} the playwright package is not installed")
    chromium = find_chromium()
    if chromium is None:
        pytest.skip(missing_chromium_reason())
    with streamlit_server(ROOT / "app.py", timeout=90) as server, sync_playwright() as pw:
        browser = launch_chromium(pw, chromium)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(server.url.rstrip("/") + "/inspector?inspect=rmsprop&k=5")
            page.wait_for_selector("h1")
            wait_until_idle(page)
            page.wait_for_function("() => document.querySelector('h1').innerText.length > 0")
            assert page.locator("h1").first.inner_text() == "Inside the optimizer"
            # a link's text is its icon's name, then its title
            links = [a.inner_text().strip().splitlines()[-1] for a in page.locator(NAV_LINKS).all()]
            assert "Playground" in links and "Inside the optimizer" in links, links
            assert not any(name in links for name in ("app", "inspector", "playground")), links
            assert page.locator(".st-key-inspect_step").count() == 1
        finally:
            browser.close()
