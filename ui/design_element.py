"""The race's design as one element: each racing optimizer's card of sliders, as native inputs.

Every Streamlit widget on the page costs each message of a slider move a React pass over
it, and the playground's cards hold thirteen of them (η, β, β₁, β₂, ε, λ, a radio and a
toggle for the default race). Drawn by this element instead, as native range inputs,
checkboxes and radios, they cost a move nothing until the cards themselves change; an η
move then answered in 0.84-0.87x the time it took with the widgets, and κ, θ in
0.89-0.97x (bench/bench_latency.py against the page with the widgets; docs/performance.md).

The cards are built from the optimizers' declarations (``ui.controls.design_spec``) and
their values are the widgets' session-state keys (``ui.state.hp_key``), so the inspector's
Streamlit sliders, links and presets read and set the same values. A move sets the trigger
value ``move`` (``{"key": …, "value": …}``), untrusted: ``ui.state.design_move`` checks it.

The element's code is ``ui/design_element.js``, imported once by the page from the app's
static files (``ui.static_files``). Where they cannot be served, ``available()`` is false and
the page draws Streamlit's widgets (``ui.controls.design_controls``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from ui import static_files
from ui.static_files import URL_PREFIX

SOURCE = Path(__file__).with_suffix(".js")
MODULE_URL = f"{URL_PREFIX}{static_files.module_name(SOURCE)}"

# The component's own code: import the module once per page, then hand it each render.
_LOADER = f"""
let element = null;

export default function (component) {{
  element ??= import(new URL({json.dumps(MODULE_URL)}, document.baseURI).href);
  return element
    .then((module) => module.default(component))
    .catch((error) => {{
      element = null;
      console.error(error);
      const note = document.createElement("div");
      note.setAttribute("role", "alert");
      note.textContent =
        `The sliders could not be drawn (${{error.message}}). Reload the page to try again.`;
      component.parentElement.replaceChildren(note);
    }});
}}
"""


@functools.cache
def available() -> bool:
    """Whether the element's module could be put where Streamlit serves static files."""
    try:
        static_files.publish_module(SOURCE)
    except OSError:
        return False
    return static_files.serving()


@functools.cache
def _element():
    return st.components.v2.component(
        "optimizer_playground.design", js=_LOADER, isolate_styles=False
    )


def design_element(
    cards: list[dict], *, key: str, revision: int = 0, on_move: Callable[[], None]
) -> None:
    """Draw ``cards`` (``ui.controls.design_spec``); a move calls ``on_move``, which reads
    ``st.session_state[key].move``.

    ``revision`` counts the element's moves the page took. A move is not drawn again (its
    run is the race's), so the next render may carry the same cards as the last one while
    the values differ from what the element shows: the count makes it a new render. It also
    tells the element a render of a run that started before its latest moves, which then
    leaves the controls they moved as the learner left them.
    """
    _element()(
        key=key,
        data={"cards": cards, "revision": revision},
        height="content",
        on_move_change=on_move,
    )
