"""A landscape's controls move the race as η does, in headless Chromium: κ, θ and the
picker start no full run of the page (which Streamlit's page pays for by marking all it holds
as running), yet the map, the sidebar's own controls and the start follow.

Runs of the page are read off the server's WebSocket messages: each ``new_session`` message
starts a run and names the fragments it runs; a full run names none.
"""

from __future__ import annotations

import pytest
from e2e_support import (
    DESKTOP,
    MAP_SELECTOR,
    RECORD_DRAWS,
    RECORD_MESSAGES,
    address,
    chromium_page,
    received_messages,
    runs_started,
    slider_thumb,
    wait_for_sidebar,
    wait_until_idle,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import optim_core
from ui import state

pytestmark = pytest.mark.browser

SIDEBAR = '[data-testid="stSidebar"]'
CARD = ".st-key-landscape_card"  # the landscape's controls, on the stage
CONTOUR = f"{MAP_SELECTOR} .imagelayer image"


@pytest.fixture()
def page(chromium_path: str, server):
    with chromium_page(chromium_path, DESKTOP) as page:
        page.goto(server.url + "?land=quadratic")
        page.wait_for_selector(MAP_SELECTOR)
        page.locator('[data-testid="stExpandSidebarButton"]').click()
        page.wait_for_selector(f"{SIDEBAR} .st-key-x0")  # the start point's boxes
        page.wait_for_selector(f"{CARD} .st-key-land_kappa")
        wait_until_idle(page)
        yield page


def pick_landscape(page, label: str) -> None:
    """Choose ``label`` in the landscape's picker. The list is opened again if a run redrew
    the picker meanwhile, or the page scrolled (either closes an open list)."""
    option = page.get_by_role("option", name=label, exact=True)
    opener = page.locator(f"{CARD} .st-key-landscape button[aria-label='Open']")
    for _ in range(3):
        wait_until_idle(page)
        opener.scroll_into_view_if_needed()
        opener.click()
        try:
            option.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    option.click()


def runs_since_recording(page) -> list[list[str]]:
    """The fragments each run named since ``RECORD_MESSAGES``; an empty list is a full run."""
    return runs_started(received_messages(page))


def contour(page) -> str:
    return page.locator(CONTOUR).first.get_attribute("href")


def moved(page, before: str) -> None:
    """Waits for the map's contour to differ from ``before``, then for the page to settle."""
    page.wait_for_function(
        "([sel, before]) => document.querySelector(sel)?.getAttribute('href') !== before",
        arg=[CONTOUR, before],
    )
    wait_until_idle(page)


@pytest.mark.parametrize("key", ["land_kappa", "land_angle"])
def test_a_landscape_slider_reruns_the_race_alone(page, key):
    before = contour(page)
    page.evaluate(RECORD_MESSAGES)
    slider_thumb(page, key).press("ArrowRight")
    moved(page, before)
    runs = runs_since_recording(page)
    assert runs and all(runs), f"a full run started: {runs}"
    assert f"{key.removeprefix('land_')}=" in address(page)  # the link follows the move


def link_holds(page, name: str, value: str) -> None:
    """Until the address bar holds ``name=value``: the map's element writes it after the
    redraw, and a reload before then would draw the previous scene."""
    page.wait_for_function(
        "([name, value]) => new URLSearchParams(location.search).get(name) === value",
        arg=[name, value],
    )


# What the learner sees of the map: the contour's picture, the lines, the loss axis' range.
MAP_DRAWN = """(sel) => {
  const gd = document.querySelector(sel);
  return {
    picture: gd.querySelector(".imagelayer image").getAttribute("href"),
    lines: Array.from(gd.querySelectorAll(".scatterlayer path.js-line"), (p) =>
      p.getAttribute("d")),
    lossRange: gd._fullLayout.yaxis2.range,
  };
}"""


# Whether the map is drawn at its element's width, as it was at the last poll.
FITTED = """(sel) => {
  const gd = document.querySelector(sel);
  const width = gd.closest(".pg-root").clientWidth;
  const fitted = gd._fullLayout.width === width && window.lastWidth === width;
  window.lastWidth = width;
  return fitted;
}"""


def test_a_turn_of_the_valley_redraws_its_picture_and_paths_in_place(page):
    """θ turns the valley and its start together, so the losses and the loss axis stay: a
    move changes the contour's picture and the paths alone. The element swaps the picture's
    source in place and hands the moved traces to Plotly.animate: neither Plotly.react
    (which replots all 21 traces) nor Plotly.relayout (which recomputes every trace's
    defaults first). The map drawn so is the one a fresh page draws for the new angle."""
    # The sidebar opened by the fixture slides in: the map is fitted to the page's new width.
    page.wait_for_function(FITTED, arg=MAP_SELECTOR, polling=300)
    before = contour(page)
    page.evaluate(RECORD_DRAWS, MAP_SELECTOR)
    slider_thumb(page, "land_angle").press("ArrowRight")
    moved(page, before)
    draws = page.evaluate("window.draws")
    assert [kind for kind, _ in draws] == ["animate"], draws
    assert {f"path-{name}" for name in state.Scene().optimizers} <= set(draws[0][1])
    drawn = page.evaluate(MAP_DRAWN, MAP_SELECTOR)
    link_holds(page, "land.angle", slider_thumb(page, "land_angle").get_attribute("aria-valuetext"))
    page.reload()  # the sidebar stays open (Streamlit keeps it so): its controls come a run later
    page.wait_for_selector(CONTOUR, state="attached")
    wait_for_sidebar(page)
    page.wait_for_function(FITTED, arg=MAP_SELECTOR, polling=300)
    assert page.evaluate(MAP_DRAWN, MAP_SELECTOR) == drawn


def test_a_move_that_takes_the_loss_a_decade_further_redraws_in_place(page):
    """κ flattens the valley floor: walking it up from 1, some moves take the losses past a
    decade of the loss panel's axis. Such a move changes the traces, the picture and that
    axis' range alone: the range goes to Plotly.relayout, which redraws its axis and the
    traces over it, not Plotly.react. The map drawn so is the one a fresh page draws.

    The range is drawn before the traces are animated: Plotly.relayout draws at once,
    Plotly.animate at the next animation frame, and the other way round one frame was
    painted with the new losses over the old range."""
    page.wait_for_function(FITTED, arg=MAP_SELECTOR, polling=300)
    kappa = slider_thumb(page, "land_kappa")
    before = contour(page)
    kappa.press("Home")
    moved(page, before)
    link_holds(page, "land.kappa", kappa.get_attribute("aria-valuetext"))  # drawn: recorded no more
    page.evaluate(RECORD_DRAWS, MAP_SELECTOR)
    for _ in range(20):
        ranged = [d for d in page.evaluate("window.draws") if d[0] == "relayout"]
        if ranged:
            break
        before = contour(page)
        kappa.press("ArrowRight")
        moved(page, before)
    wait_until_idle(page)
    draws = page.evaluate("window.draws")
    assert ranged and all(keys == ["yaxis2.range"] for _, keys in ranged), draws
    assert "react" not in [kind for kind, _ in draws], draws
    # The loop stopped at the first move that changed the range: its draws come last.
    assert [kind for kind, _ in draws[-2:]] == ["relayout", "animate"], draws
    drawn = page.evaluate(MAP_DRAWN, MAP_SELECTOR)
    link_holds(page, "land.kappa", kappa.get_attribute("aria-valuetext"))
    page.reload()
    page.wait_for_selector(CONTOUR, state="attached")
    wait_for_sidebar(page)
    page.wait_for_function(FITTED, arg=MAP_SELECTOR, polling=300)
    assert page.evaluate(MAP_DRAWN, MAP_SELECTOR) == drawn


def test_the_picker_redraws_its_controls_the_start_and_the_race_without_a_full_run(page):
    land = optim_core.LANDSCAPES["rosenbrock"]
    before = contour(page)
    page.evaluate(RECORD_MESSAGES)
    pick_landscape(page, land.label)
    moved(page, before)
    runs = runs_since_recording(page)
    assert runs and all(runs), f"a full run started: {runs}"
    # The card shows the new landscape's parameters, the sidebar its own start point.
    for param in land.params:
        page.wait_for_selector(f"{CARD} .st-key-land_{param.name}")
    assert not page.locator(f"{CARD} .st-key-land_kappa").count()
    x0 = float(page.locator(f"{SIDEBAR} .st-key-x0 input").input_value())
    y0 = float(page.locator(f"{SIDEBAR} .st-key-y0 input").input_value())
    assert (x0, y0) == pytest.approx(tuple(land.start), abs=5e-4)
    assert "land=rosenbrock" in address(page)


def test_a_bad_formula_shows_its_error_and_keeps_the_map(page):
    quadratic = contour(page)
    pick_landscape(page, "Custom f(x, y)…")
    page.wait_for_selector(f"{CARD} .st-key-formula input")
    moved(page, quadratic)  # the custom landscape's map is drawn
    before = contour(page)
    page.evaluate(RECORD_MESSAGES)
    page.locator(f"{CARD} .st-key-formula input").fill("x^2 + 2x")
    page.keyboard.press("Enter")
    error = page.locator(f"{CARD} [data-testid='stAlertContentError']")
    error.wait_for()
    assert "2*x" in error.inner_text()
    wait_until_idle(page)
    assert contour(page) == before
    runs = runs_since_recording(page)
    assert runs and all(runs), f"a full run started: {runs}"


# --- the map in words ------------------------------------------------------------------------
LEADER = ".st-key-map .pg-leader"


def default_race_final_gaps() -> dict[str, float]:
    """Each default optimizer's f − f* after the default scene's last step, run here."""
    scene = state.Scene()
    land = optim_core.LANDSCAPES[scene.landscape]
    gaps = {}
    for name in scene.optimizers:
        traj = optim_core.run(name, land, land.start, scene.steps, **scene.hyperparams(name))
        gaps[optim_core.OPTIMIZERS[name].label] = float(traj.loss[-1] - land.f_min)
    return gaps


def test_the_map_has_a_name_and_a_sentence_saying_who_leads_at_the_shown_step(page):
    chart = page.locator(MAP_SELECTOR)
    assert chart.get_attribute("role") == "figure"
    assert "Map of" in chart.get_attribute("aria-label")
    leader = page.locator(LEADER)
    assert chart.get_attribute("aria-describedby") == leader.get_attribute("id")
    page.wait_for_function("(sel) => document.querySelector(sel)?.textContent", arg=LEADER)
    assert leader.inner_text().startswith("Step 0 of 200: all level, f − f* = ")
    page.locator(".st-key-map .pg-step").press("End")  # the race's last step
    page.wait_for_function(
        "(sel) => document.querySelector(sel).textContent.startsWith('Step 200 ')", arg=LEADER
    )
    gaps = default_race_final_gaps()
    order = sorted(gaps, key=gaps.get)
    text = leader.inner_text()
    assert text.startswith(f"Step 200 of 200: {order[0]} leads with f − f* = ")
    positions = [text.index(f" {name} ") for name in order[1:]]
    assert positions == sorted(positions), f"not in the order of the run's losses: {text}"
    assert leader.get_attribute("aria-live") == "polite"  # read out where the learner stops
