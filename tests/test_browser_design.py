"""The design's cards in headless Chromium: each racing optimizer's sliders, checkboxes and
radios are native inputs of one element (``ui/design_element.js``), whose moves rerun the
race alone, as the Streamlit widgets in their place did, and follow in the link."""

from __future__ import annotations

import pytest
from e2e_support import (
    DESKTOP,
    MAP_SELECTOR,
    RECORD_MESSAGES,
    chromium_page,
    received_messages,
    runs_started,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

DESIGN = ".pg-design"
LEGEND = ".st-key-map .pg-legend"


@pytest.fixture()
def page(chromium_path: str, server):
    with chromium_page(chromium_path, DESKTOP) as page:
        page.goto(server.url + "?opt=gd,momentum,adam")
        page.wait_for_selector(MAP_SELECTOR)
        page.wait_for_selector(f"{DESIGN} input[data-key=hp_adam_lr]")
        wait_until_idle(page)
        yield page


def control(page, key: str, value: str | None = None):
    """The design element's input of widget key ``key`` (a radio: the one of ``value``)."""
    which = f"[value='{value}']" if value is not None else ""
    return page.locator(f"{DESIGN} input[data-key={key}]{which}")


def link_holds(page, name: str, value: str) -> None:
    page.wait_for_function(
        "([name, value]) => new URLSearchParams(location.search).get(name) === value",
        arg=[name, value],
    )


def test_a_slider_move_reruns_the_race_alone_and_keeps_the_focus(page):
    lr = control(page, "hp_gd_lr")
    assert lr.get_attribute("aria-valuetext") == "0.1"
    assert page.get_by_role("slider", name="η · lr").count() == 3  # one per card, labelled
    page.evaluate(RECORD_MESSAGES)
    lr.press("ArrowRight")
    link_holds(page, "gd.lr", "0.12")
    wait_until_idle(page)
    runs = runs_started(received_messages(page))
    assert runs and all(runs), f"a full run of the page: {runs}"
    assert "Gradient descent (η 0.12)" in page.locator(LEGEND).inner_text()
    assert page.evaluate("document.activeElement.dataset.key") == "hp_gd_lr"
    lr.press("ArrowRight")  # the next key moves it on
    link_holds(page, "gd.lr", "0.15")
    assert lr.get_attribute("aria-valuetext") == "0.15"


def test_a_checkbox_and_a_radio_move_the_race(page):
    control(page, "hp_adam_bias_correction").click()
    link_holds(page, "adam.bias_correction", "0")
    page.locator(LEGEND).get_by_text("no bias correction").wait_for()
    momentum = page.get_by_role("group", name="Momentum")
    momentum.get_by_role("radio", name="classic").click()
    link_holds(page, "momentum.formulation", "classic")
    page.locator(LEGEND).get_by_text("formulation classic").wait_for()
    assert control(page, "hp_momentum_formulation", "1").is_checked()
    assert not control(page, "hp_adam_bias_correction").is_checked()


def test_each_card_says_what_its_optimizer_and_sliders_do_on_a_click(page):
    card = page.get_by_role("group", name="Adam")
    about = card.get_by_role("button", name="What Adam and its sliders do")
    helps = card.locator(".pg-help")
    assert about.get_attribute("aria-expanded") == "false"
    assert not any(h.is_visible() for h in helps.all())
    about.click()
    assert about.get_attribute("aria-expanded") == "true"
    assert all(h.is_visible() for h in helps.all())
    assert "learning rate" in card.inner_text()
    # the help is each slider's description for a screen reader, open or not
    described = control(page, "hp_adam_lr").get_attribute("aria-describedby")
    assert "learning rate" in page.locator(f"#{described}").inner_text()
    about.click()
    assert not any(h.is_visible() for h in helps.all())
