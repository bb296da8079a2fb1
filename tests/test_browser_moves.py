"""A landscape's controls move the race as η does, in headless Chromium: κ, θ and the
picker start no full run of the page (which Streamlit's page pays for by marking all it holds
as running), yet the map, the sidebar's own controls and the start follow.

Runs of the page are read off the server's WebSocket messages: each ``new_session`` message
starts a run and names the fragments it runs; a full run names none.
"""

from __future__ import annotations

import base64

import pytest
from e2e_support import DESKTOP, MAP_SELECTOR, chromium_page, slider_thumb, wait_until_idle

import optim_core

pytestmark = pytest.mark.browser

SIDEBAR = '[data-testid="stSidebar"]'
CONTOUR = f"{MAP_SELECTOR} .imagelayer image"
# Keeps, base64, every WebSocket message from the server from now on (the page's socket is
# already open: each message is caught when Streamlit's handler reads its data).
RECORD = """() => {
  window.received = [];
  if (window.recording) return;
  window.recording = true;
  const get = Object.getOwnPropertyDescriptor(MessageEvent.prototype, "data").get;
  Object.defineProperty(MessageEvent.prototype, "data", { configurable: true, get() {
    const value = get.call(this);
    if (this.target instanceof WebSocket && value instanceof ArrayBuffer && !this.kept) {
      this.kept = true;
      let text = "";
      for (const byte of new Uint8Array(value)) text += String.fromCharCode(byte);
      window.received.push(btoa(text));
    }
    return value;
  } });
}"""


@pytest.fixture()
def page(chromium_path: str, server):
    with chromium_page(chromium_path, DESKTOP) as page:
        page.goto(server.url + "?land=quadratic")
        page.wait_for_selector(MAP_SELECTOR)
        page.locator('[data-testid="stExpandSidebarButton"]').click()
        page.wait_for_selector(f"{SIDEBAR} .st-key-land_kappa")
        wait_until_idle(page)
        yield page


def runs_since_recording(page) -> list[list[str]]:
    """The fragments each run named since ``RECORD``; an empty list is a full run."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    messages = [ForwardMsg.FromString(base64.b64decode(m)) for m in page.evaluate("received")]
    return [list(m.metadata.run.fragment_ids) for m in messages if m.HasField("new_session")]


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
    page.evaluate(RECORD)
    slider_thumb(page, key).press("ArrowRight")
    moved(page, before)
    runs = runs_since_recording(page)
    assert runs and all(runs), f"a full run started: {runs}"
    assert f"{key.removeprefix('land_')}=" in page.url  # the link follows the move


def test_the_picker_redraws_its_controls_the_start_and_the_race_without_a_full_run(page):
    land = optim_core.LANDSCAPES["rosenbrock"]
    before = contour(page)
    page.evaluate(RECORD)
    page.locator(f"{SIDEBAR} .st-key-landscape button[aria-label='Open']").click()
    page.get_by_role("option", name=land.label, exact=True).click()
    moved(page, before)
    runs = runs_since_recording(page)
    assert runs and all(runs), f"a full run started: {runs}"
    # The sidebar shows the new landscape's parameters and its own start point.
    for param in land.params:
        page.wait_for_selector(f"{SIDEBAR} .st-key-land_{param.name}")
    assert not page.locator(f"{SIDEBAR} .st-key-land_kappa").count()
    x0 = float(page.locator(f"{SIDEBAR} .st-key-x0 input").input_value())
    y0 = float(page.locator(f"{SIDEBAR} .st-key-y0 input").input_value())
    assert (x0, y0) == pytest.approx(tuple(land.start), abs=5e-4)
    assert "land=rosenbrock" in page.url


def test_a_bad_formula_shows_its_error_and_keeps_the_map(page):
    page.locator(f"{SIDEBAR} .st-key-landscape button[aria-label='Open']").click()
    page.get_by_role("option", name="Custom f(x, y)…").click()
    page.wait_for_selector(f"{SIDEBAR} .st-key-formula input")
    wait_until_idle(page)
    before = contour(page)
    page.evaluate(RECORD)
    page.locator(f"{SIDEBAR} .st-key-formula input").fill("x^2 + 2x")
    page.keyboard.press("Enter")
    error = page.locator(f"{SIDEBAR} [data-testid='stAlertContentError']")
    error.wait_for()
    assert "2*x" in error.inner_text()
    wait_until_idle(page)
    assert contour(page) == before
    runs = runs_since_recording(page)
    assert runs and all(runs), f"a full run started: {runs}"
