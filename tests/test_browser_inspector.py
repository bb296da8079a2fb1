"""End to end: the inspector in headless Chromium — reached from the playground with the scene
kept, arrows drawn on the map, and Play stepping through the run."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from e2e_support import (
    OUT_DIR,
    app_in_chromium,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

EXCEPTION = '[data-testid="stException"]'
INSPECTOR_MAP = ".st-key-inspector_map .js-plotly-plot"
TIMEOUT_MS = 60_000

# The arrow traces as drawn: per arrow, its name and how many marker paths (tail, head) the SVG
# holds, and whether the head uses Plotly's "arrow" symbol.
ARROWS_DRAWN = """(sel) => {
  const gd = document.querySelector(sel);
  if (!gd || !gd._fullData) return null;
  const traces = gd.querySelectorAll(".scatterlayer .trace");
  return gd._fullData.flatMap((t, i) => {
    const meta = [].concat(t.meta ?? [])[0] ?? "";
    if (!meta.startsWith("arrow-")) return [];
    const drawn = traces[t.index] ?? traces[i];
    return [{ meta, name: t.name, points: drawn ? drawn.querySelectorAll("path.point").length : 0,
              head: [].concat(t.marker.symbol).at(-1) }];
  });
}"""


def test_inspector_draws_arrows_keeps_the_scene_and_plays() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with app_in_chromium({"width": 1400, "height": 1100}, TIMEOUT_MS) as (server, page):
        page.goto(server.url + "?adam.lr=0.1&x0=-3&y0=1.5")
        page.wait_for_selector(".st-key-map .js-plotly-plot", state="attached")
        wait_until_idle(page)

        # Through the navigation, as a learner would: the scene comes along.
        page.get_by_role("link", name="Inside the optimizer").click()
        page.wait_for_selector(f"{INSPECTOR_MAP}, {EXCEPTION}", state="attached")
        wait_until_idle(page)
        assert not page.locator(EXCEPTION).count(), page.locator(EXCEPTION).first.inner_text()
        url = urlparse(page.url)
        assert url.path.rstrip("/").endswith("/inspector"), page.url
        query = parse_qs(url.query)
        assert query["adam.lr"] == ["0.1"] and query["x0"] == ["-3"], query

        arrows = page.evaluate(ARROWS_DRAWN, INSPECTOR_MAP)
        kinds = {a["meta"] for a in arrows}
        assert {"arrow-gradient", "arrow-momentum", "arrow-step"} <= kinds, arrows
        assert all(a["points"] == 2 and a["head"] == "arrow" for a in arrows), arrows
        legend = page.evaluate(
            "(sel) => [...document.querySelectorAll(sel + ' .legendtext')]"
            ".map((e) => e.textContent)",
            INSPECTOR_MAP,
        )
        assert any("step taken" in t for t in legend), legend
        scales = {t.rsplit("drawn ×", 1)[1] for t in legend if "drawn ×" in t}
        assert len(scales) == 1, legend  # one scale for every arrow
        lengths = page.get_by_text("‖step‖ =")
        assert lengths.count() == 1 and f"Arrows drawn ×{scales.pop()}" in lengths.inner_text()
        assert page.locator(".katex").count() >= 3, "the update rule with its numbers"
        page.screenshot(path=OUT_DIR / "inspector.png", full_page=True)
        series = page.locator(".st-key-inspector_series")
        series.scroll_into_view_if_needed()
        series.screenshot(path=OUT_DIR / "inspector_series.png")

        # Play: the step slider moves on by itself and the page follows.
        thumb = page.locator(".st-key-inspect_step").get_by_role("slider")
        before = int(thumb.input_value())
        page.locator(".st-key-inspect_play").get_by_text("Play").click()
        page.wait_for_function(
            """([before]) => {
              const s = document.querySelector('.st-key-inspect_step input[type="range"]');
              return s && Number(s.value) >= before + 4;
            }""",
            arg=[before],
            timeout=20_000,
        )
        page.locator(".st-key-inspect_play").get_by_text("Play").click()
        wait_until_idle(page)
        assert not page.locator(EXCEPTION).count()
        page.screenshot(path=OUT_DIR / "inspector_played.png", full_page=True)
