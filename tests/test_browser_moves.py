"""A landscape's controls move the race in headless Chromium: κ, θ, the picker and the
formula box are the map element's own (a row above its legend), so a move is one run of the
race, never a full run of the page (which Streamlit's page pays for by marking all it holds
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
    wait_for_sidebar,
    wait_until_idle,
)

import optim_core
from ui import state

pytestmark = pytest.mark.browser

SIDEBAR = '[data-testid="stSidebar"]'
ROW = ".st-key-map .pg-land"  # the landscape's controls, in the map's element
CONTOUR = f"{MAP_SELECTOR} .imagelayer image"


@pytest.fixture()
def page(chromium_path: str, server):
    with chromium_page(chromium_path, DESKTOP) as page:
        page.goto(server.url + "?land=quadratic")
        page.wait_for_selector(MAP_SELECTOR)
        page.locator('[data-testid="stExpandSidebarButton"]').click()
        page.wait_for_selector(f"{SIDEBAR} .st-key-x0")  # the start point's boxes
        page.wait_for_selector(f"{ROW} input[data-param=kappa]")
        wait_until_idle(page)
        yield page


def param_range(page, name: str):
    """The range input of the landscape's parameter ``name`` (``kappa``, ``angle``)."""
    return page.locator(f"{ROW} input[data-param={name}]")


def pick_landscape(page, name: str) -> None:
    """Choose landscape ``name`` in the row's picker (a native select: its change event)."""
    pick = page.locator(f"{ROW} .pg-land-pick")
    pick.focus()  # as the learner's click or Tab leaves it
    pick.select_option(name)


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


@pytest.mark.parametrize("name", ["kappa", "angle"])
def test_a_landscape_slider_move_is_one_run_of_the_race(page, name):
    """One run, the race's: a Streamlit slider's move would be two (its own fragment's, which
    hands the move to the race's). The range keeps the focus, for the next key."""
    before = contour(page)
    shown = param_range(page, name).get_attribute("aria-valuetext")
    page.evaluate(RECORD_MESSAGES)
    param_range(page, name).press("ArrowRight")
    moved(page, before)
    runs = runs_since_recording(page)
    assert len(runs) == 1 and runs[0], f"not one run of the race: {runs}"
    value = param_range(page, name).get_attribute("aria-valuetext")
    assert value != shown
    link_holds(page, f"land.{name}", value)  # the link follows the move
    assert page.evaluate("document.activeElement.dataset.param") == name
    param_range(page, name).press("ArrowRight")  # the next key moves it on
    moved(page, contour(page))


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
    param_range(page, "angle").press("ArrowRight")
    moved(page, before)
    draws = page.evaluate("window.draws")
    assert [kind for kind, _ in draws] == ["animate"], draws
    assert {f"path-{name}" for name in state.Scene().optimizers} <= set(draws[0][1])
    drawn = page.evaluate(MAP_DRAWN, MAP_SELECTOR)
    link_holds(page, "land.angle", param_range(page, "angle").get_attribute("aria-valuetext"))
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
    kappa = param_range(page, "kappa")
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
    pick_landscape(page, "rosenbrock")
    moved(page, before)
    runs = runs_since_recording(page)
    assert runs and all(runs), f"a full run started: {runs}"
    # The row shows the new landscape's parameters, the sidebar its own start point.
    for param in land.params:
        param_range(page, param.name).wait_for()
    page.wait_for_function("(sel) => !document.querySelector(sel)", arg=f"{ROW} [data-param]")
    assert page.evaluate("document.activeElement.dataset.id") == "pick"  # focus stays
    x0 = float(page.locator(f"{SIDEBAR} .st-key-x0 input").input_value())
    y0 = float(page.locator(f"{SIDEBAR} .st-key-y0 input").input_value())
    assert (x0, y0) == pytest.approx(tuple(land.start), abs=5e-4)
    assert "land=rosenbrock" in address(page)


def test_a_bad_formula_shows_its_error_and_keeps_the_map(page):
    quadratic = contour(page)
    pick_landscape(page, "custom")
    box = page.locator(f"{ROW} .pg-land-formula")
    box.wait_for()
    moved(page, quadratic)  # the custom landscape's map is drawn
    before = contour(page)
    page.evaluate(RECORD_MESSAGES)
    box.fill("x^2 + 2x")
    box.press("Enter")
    error = page.locator(f"{ROW} .pg-land-error")
    error.wait_for()
    assert "2*x" in error.inner_text()
    assert box.get_attribute("aria-invalid") == "true"
    wait_until_idle(page)
    assert contour(page) == before
    assert box.input_value() == "x^2 + 2x"  # the learner's text stays, to be mended
    runs = runs_since_recording(page)
    assert len(runs) == 1 and runs[0], f"not one run of the race: {runs}"
    box.fill("x^2 + 3*y^2")
    box.press("Enter")
    moved(page, before)
    assert error.is_hidden()


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


def test_the_sentence_gives_f_below_zero_where_the_landscape_has_no_minimum(page, server):
    """On the saddle, f itself falls without bound: the sentence gives the leader's f as the
    run has it, below zero, not "0"."""
    from ui.presets import PRESETS

    scene = PRESETS["saddle-escape"].scene
    land = optim_core.LANDSCAPES[scene.landscape]
    finals = {
        optim_core.OPTIMIZERS[name].label: float(
            optim_core.run(name, land, scene.start, scene.steps, **scene.hyperparams(name)).loss[-1]
        )
        for name in scene.optimizers
    }
    leader_name = min(finals, key=finals.get)
    page.goto(server.url + "?preset=saddle-escape")
    page.locator(".st-key-map .pg-step").press("End")
    page.wait_for_function(
        "(sel) => document.querySelector(sel)?.textContent.startsWith('Step 40 ')", arg=LEADER
    )
    text = page.locator(LEADER).inner_text()
    head = f"Step 40 of 40: {leader_name} leads with f = "
    assert text.startswith(head), text
    said = float(text[len(head) :].split(";")[0])
    assert said < 0 and abs(said - finals[leader_name]) <= 0.05 * abs(finals[leader_name]), text
