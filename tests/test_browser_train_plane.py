"""End to end in headless Chromium: the train page's loss plane plays with the playground's
player, and its legend says each path's share. Skips, loudly, when Debian's Chromium is
missing."""

from __future__ import annotations

import re

import pytest
from e2e_support import DESKTOP, OUT_DIR, chromium_page, wait_until_idle

pytestmark = pytest.mark.browser

TIMEOUT_MS = 90_000
ELEMENT = ".st-key-train_plane_map"
PLANE_MAP = f"{ELEMENT} .js-plotly-plot"
READOUT = f"{ELEMENT} .pg-readout"
PLAY = f"{ELEMENT} .pg-play"
# Where Adam's path starts and where its marker is now (as drawn: typed arrays decoded).
ADAM_MARKER = f"""() => {{
  const gd = document.querySelector("{PLANE_MAP}");
  const path = gd._fullData.find((t) => t.meta === "path-adam");
  const marker = gd._fullData.find((t) => t.meta === "marker-adam");
  return [[path.x[0], path.y[0]], [marker.x[0], marker.y[0]]];
}}"""
STEP = re.compile(r"step ([\d,]+) of ([\d,]+)")


@pytest.fixture
def page(chromium_path: str, server):
    with chromium_page(chromium_path, DESKTOP, TIMEOUT_MS) as page:
        yield page


def readout(page) -> tuple[int, int]:
    """The player's readout as (step shown, last step)."""
    match = STEP.fullmatch(page.locator(READOUT).inner_text().strip())
    assert match, page.locator(READOUT).inner_text()
    return tuple(int(g.replace(",", "")) for g in match.groups())


def test_play_moves_the_plane_through_the_training_steps(page, server) -> None:
    page.goto(f"{server.url.rstrip('/')}/train?train.epochs=20&train.opt=gd,adam")
    page.wait_for_selector(f"{PLANE_MAP} .imagelayer image", state="attached")
    wait_until_idle(page, TIMEOUT_MS)
    page.locator(ELEMENT).scroll_into_view_if_needed()
    legend = page.locator(f"{ELEMENT} .pg-legend").inner_text()
    assert re.search(r"Gradient descent · (< 1|> 99|\d+) % in plane", legend), legend
    assert "Adam · " in legend
    step, last = readout(page)
    assert step == 0 and last == 20 * 9  # 300 training points, batches of 32: 9 steps an epoch
    start, marker = page.evaluate(ADAM_MARKER)
    assert start == pytest.approx(marker, abs=1e-3)  # step 0: at the start of its path

    page.locator(PLAY).click()
    page.wait_for_function(
        f"""() => {{
          const text = document.querySelector("{READOUT}")?.textContent ?? "";
          const m = text.match(/^step ([\\d,]+) of/);
          return m && Number(m[1].replace(/,/g, "")) > 0;
        }}""",
        timeout=30_000,
    )
    moved, _ = readout(page)
    assert moved > 0
    # the markers moved with it: Adam's marker has left the start of its path
    start, marker = page.evaluate(ADAM_MARKER)
    assert start != pytest.approx(marker, abs=1e-3), (start, marker)
    assert not page.locator('[data-testid="stException"]').count()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    page.locator(ELEMENT).screenshot(path=OUT_DIR / "train_plane.png")
