"""End to end: a shared link straight to a page, opened first on a freshly started server,
gets the app's navigation and layout (not Streamlit's file-name page list)."""

from __future__ import annotations

import pytest
from e2e_support import (
    app_in_chromium,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

NAV_LINKS = 'a[data-testid="stTopNavLink"]'  # app.py puts the navigation in the top bar


def test_a_link_to_the_inspector_on_a_fresh_server_gets_the_apps_navigation() -> None:
    with app_in_chromium({"width": 1400, "height": 1000}, 60_000) as (server, page):
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
