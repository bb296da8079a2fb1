"""The playground on a class's four screens, in headless Chromium: phone, tablet, laptop and
projector. The map's drawing area, the loss panel, the player and the design's sliders are
measured on the page as loaded (no click), and presentation mode's sizes and keys are checked.

One server for the module, one browser, a fresh page per screen. Screenshots of each screen
go to bench/out/ (ignored by git); copy them to docs/ to refresh the ones the README shows.
"""

from __future__ import annotations

import pytest
from e2e_support import (
    LINK_START_MOVED,
    OUT_DIR,
    address,
    launch_chromium,
    link_start,
    wait_until_idle,
)

import optim_core
from ui import state

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
PLAYER = ".st-key-map .pg-player"
READOUT = ".st-key-map .pg-readout"
PLAY = ".st-key-map .pg-play"
WIDE = 1200  # px of viewport from which the loss panel sits beside the map (plotly_element.js)

# name: viewport and whether it is a touch screen
SCREENS = {
    "phone": ({"width": 390, "height": 844}, True),
    "tablet": ({"width": 768, "height": 1024}, True),
    "laptop": ({"width": 1366, "height": 768}, False),
    "projector": ({"width": 1920, "height": 1080}, False),
}
# The share of the viewport's width the map's drawing area takes at least on a narrow screen.
MAP_WIDTH_SHARE = {"phone": 0.9, "tablet": 0.8}
DESIGN = ("lr", "beta", "beta1", "beta2", "eps")  # the design's sliders: η and the β's, ε

# Boxes ([x, y, width, height], in viewport pixels) of what a learner sees.
BOXES = """(keys) => {
  const box = (el) => {
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return [r.x, r.y, r.width, r.height];
  };
  const one = (sel) => box(document.querySelector(sel));
  return {
    scrollWidth: document.documentElement.scrollWidth,
    map: one(".st-key-map .xy .nsewdrag"),
    loss: one(".st-key-map .x2y2 .nsewdrag"),
    player: one(".st-key-map .pg-player"),
    step: one(".st-key-map .pg-step"),
    sliders: Object.fromEntries(
      keys.map((k) => [k, one(`.pg-range:has(> input[data-key="${k}"])`)])),
  };
}"""


def design_keys() -> list[str]:
    """The widget keys of the default race's η, β, β₁, β₂ and ε sliders, from the registry."""
    return [
        state.hp_key(name, p.name)
        for name in state.DEFAULT_OPTIMIZERS
        for p in optim_core.OPTIMIZERS[name].hyperparams
        if p.name in DESIGN
    ]


@pytest.fixture(scope="module")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw, chromium_path)
        yield browser
        browser.close()


def open_page(browser, url: str, screen: str):
    """A fresh page at ``screen``'s size with the playground drawn and idle."""
    viewport, touch = SCREENS[screen]
    context = browser.new_context(viewport=viewport, has_touch=touch, is_mobile=touch)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.wait_for_selector(PLAYER)
    wait_until_idle(page)
    page.wait_for_function(
        "() => !document.querySelector('.pg-root')?.parentElement.style.minHeight"
    )  # the fitted figure is drawn
    wait_until_still(page)
    return page


# Resolves once the map's and the sliders' boxes have not moved for ten animation frames:
# the sidebar's slide, a refit and the page's reflow are over.
STILL = """() => new Promise((resolve) => {
  const boxes = () => JSON.stringify(Array.from(
    document.querySelectorAll(".st-key-map .xy .nsewdrag, .pg-design, .st-key-map .pg-player"),
    (el) => { const r = el.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; }));
  let last = boxes(), same = 0;
  const tick = () => {
    const now = boxes();
    same = now === last ? same + 1 : 0;
    last = now;
    if (same >= 10) resolve(true); else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})"""


def wait_until_still(page) -> None:
    page.evaluate(STILL)


def inside(box: list[float], width: float, height: float) -> bool:
    x, y, w, h = box
    return x >= -0.5 and y >= -0.5 and x + w <= width + 0.5 and y + h <= height + 0.5


@pytest.mark.parametrize("screen", list(SCREENS))
def test_each_screen_shows_the_map_first_and_the_design_in_reach(browser, server, screen):
    page = open_page(browser, server.url, screen)
    try:
        vw, vh = SCREENS[screen][0]["width"], SCREENS[screen][0]["height"]
        keys = design_keys()
        got = page.evaluate(BOXES, keys)
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=OUT_DIR / f"screen-{screen}.png")
        assert got["scrollWidth"] <= vw, f"the page scrolls sideways: {got['scrollWidth']} px"
        mx, my, mw, mh = got["map"]
        lx, ly, lw, lh = got["loss"]
        assert inside(got["player"], vw, 10**6) and inside(got["step"], vw, 10**6)
        missing = [k for k, b in got["sliders"].items() if b is None]
        assert not missing, f"sliders not drawn at load: {missing}"
        if vw >= WIDE:
            assert abs(mw - mh) <= 2, f"the map is not square: {got['map']}"
            assert mh >= 0.6 * vh, f"map {mh:.0f} px tall in a {vh} px viewport"
            assert my + mh <= vh, "the map does not fit the screen"
            assert lx >= mx + mw and abs(ly - my) <= 2, "the loss panel is not beside the map"
            off = [k for k, b in got["sliders"].items() if not inside(b, vw, vh)]
            assert not off, f"sliders off the screen at load: {off}"
        else:
            assert mw >= MAP_WIDTH_SHARE[screen] * vw, f"map {mw:.0f} px wide of {vw}"
            assert ly >= my + mh, "the loss panel is not under the map"
            below = got["player"][1] + got["player"][3]
            for key, (x, y, w, _) in got["sliders"].items():
                assert y >= below and x >= 0 and x + w <= vw, f"{key} at {(x, y, w)}"
            # right under the map's player: the table is folded
            first = min(b[1] for b in got["sliders"].values())
            assert first - below <= 160, f"the first slider is {first - below:.0f} px lower"
    finally:
        page.context.close()


def test_the_map_follows_a_resize_and_the_opened_sidebar(browser, server):
    page = open_page(browser, server.url, "laptop")
    try:
        page.set_viewport_size({"width": 900, "height": 768})  # a window made narrow
        page.wait_for_function(
            f"() => ({BOXES})([]).loss[1] > ({BOXES})([]).map[1] + 100", timeout=5_000
        )
        page.set_viewport_size(SCREENS["laptop"][0])
        page.locator('[data-testid="stExpandSidebarButton"]').click()
        sidebar = '[data-testid="stSidebar"]'
        page.wait_for_function(  # the sidebar slid in, then the map was refitted beside it
            f"() => ({BOXES})([]).map[0] >= document.querySelector('{sidebar}')"
            ".getBoundingClientRect().right"
        )
        wait_until_still(page)
        mx, my, mw, mh = page.evaluate(BOXES, [])["map"]
        lx, ly, _, _ = page.evaluate(BOXES, [])["loss"]
        sidebar = page.locator(sidebar).bounding_box()
        assert mx >= sidebar["x"] + sidebar["width"], "the map is under the sidebar"
        assert abs(mw - mh) <= 2 and mh >= 0.6 * 768 and lx >= mx + mw and abs(ly - my) <= 2
    finally:
        page.context.close()


def test_a_tap_on_the_phone_map_sets_the_start_and_a_finger_scrubs(browser, server):
    page = open_page(browser, server.url, "phone")
    try:
        before = link_start(page)
        mx, my, mw, mh = page.evaluate(BOXES, [])["map"]
        page.touchscreen.tap(mx + 0.8 * mw, my + 0.25 * mh)
        page.wait_for_function(LINK_START_MOVED, arg=before[0])
        wait_until_idle(page)
        page.wait_for_selector(PLAYER)
        x, y, w, h = page.locator(".st-key-map .pg-step").bounding_box().values()
        page.locator(".st-key-map .pg-step").dispatch_event(
            "pointerdown",
            {"pointerType": "touch", "pointerId": 7, "clientX": x + w / 2, "clientY": y + h / 2},
        )
        step, last = page.locator(READOUT).inner_text().split()[1::2]
        assert abs(int(step) - int(last) / 2) <= int(last) / 20, f"step {step} of {last}"
    finally:
        page.context.close()


# The figure as Plotly drew it: its font and the paths' widths.
DRAWN = """() => {
  const gd = document.querySelector(".st-key-map .js-plotly-plot");
  const paths = gd._fullData.filter((t) => String(t.meta).startsWith("path-"));
  return { font: gd._fullLayout.font.size, widths: paths.map((t) => t.line.width),
           legend: parseFloat(getComputedStyle(document.querySelector(".pg-legend")).fontSize),
           sidebar: Boolean(document.querySelector('[data-testid="stSidebar"]')?.offsetWidth) };
}"""


# Each of Plotly's drawing calls waits 400 ms before it draws.
SLOW_PLOTLY = """() => {
  window.slowCalls = 0;
  for (const name of ["react", "animate", "relayout"]) {
    const draw = window.Plotly[name];
    window.Plotly[name] = (...args) => {
      window.slowCalls += 1;
      return new Promise((done) => setTimeout(done, 400)).then(() => draw(...args));
    };
  }
}"""


def test_presentation_mode_fills_the_projector_in_large_type_and_takes_keys(browser, server):
    page = open_page(browser, server.url + "?present=1", "projector")
    try:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=OUT_DIR / "screen-present.png")
        drawn = page.evaluate(DRAWN)
        assert drawn["font"] >= 20 and drawn["legend"] >= 20, drawn
        assert drawn["widths"] and min(drawn["widths"]) >= 3, drawn
        assert not drawn["sidebar"], "the sidebar shows in presentation mode"
        got = page.evaluate(BOXES, [])
        assert got["map"][3] >= 0.75 * 1080 and got["map"][1] + got["map"][3] <= 1080
        assert got["loss"][0] + got["loss"][2] >= 0.9 * 1920, "the loss panel leaves room"
        assert got["player"][1] + got["player"][3] <= 1080, "the player is off the screen"

        page.locator("body").press("ArrowRight")
        assert page.locator(READOUT).inner_text().split()[1] != "0"
        page.locator("body").press(" ")
        page.wait_for_function(
            "(s) => document.querySelector(s).textContent.includes('Pause')",
            arg=PLAY,
            timeout=5_000,
        )
        page.locator("body").press(" ")
        page.wait_for_function(
            "(s) => document.querySelector(s).textContent.includes('Play')",
            arg=PLAY,
            timeout=5_000,
        )
        assert "present=1" in address(page)  # the link keeps the mode

        # A render still drawing when the next comes: Streamlit calls its cleanup at once,
        # and the page must stay presenting. (Plotly held back 400 ms a call, two moves of κ.)
        page.evaluate(SLOW_PLOTLY)
        kappa = page.locator(".st-key-map .pg-land input[data-param=kappa]")
        kappa.press("ArrowRight")
        page.wait_for_timeout(150)
        kappa.press("ArrowRight")
        wait_until_idle(page)
        page.wait_for_timeout(1500)
        assert page.evaluate("window.slowCalls") >= 2
        assert not page.locator('[data-testid="stHeader"]').is_visible()
        assert not page.evaluate(DRAWN)["sidebar"]

        page.get_by_role("button", name="Leave presentation mode").click()
        page.wait_for_selector('[data-testid="stHeader"]', state="visible")
        assert page.locator(".st-key-head h1").is_visible()
        assert page.evaluate("document.querySelectorAll('.pg-presenting, .pg-present').length") == 0
    finally:
        page.context.close()
