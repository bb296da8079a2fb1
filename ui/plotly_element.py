"""A Plotly chart that updates in place: the playground's map on every slider move.

``st.plotly_chart`` replaces its chart on every rerun: a new element id (the id hashes
the figure), a fresh ``Plotly.newPlot``, then a second full ``Plotly.react`` after its
theme pass, and the learner's zoom is lost. This element keeps one graph div for the
session and calls ``Plotly.react`` on it, which redraws only what changed.

plotly.js comes from the installed ``plotly`` package (the version ``requirements.txt``
pins), served by Streamlit's static file serving (``server.enableStaticServing``) from a
copy made at start-up in ``static/``. Where that copy cannot be made (a read-only
install), ``available()`` is false and the page falls back to ``st.plotly_chart``.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import plotly
import streamlit as st

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
PLOTLY_JS = "plotly.min.js"
# Relative, so it also resolves under a server.baseUrlPath and from any page's URL.
PLOTLY_URL = f"app/static/{PLOTLY_JS}"

_JS = """
let plotlyLoading = null;

function loadPlotly(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  plotlyLoading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => resolve(window.Plotly);
    script.onerror = () => reject(new Error("could not load " + src));
    document.head.appendChild(script);
  });
  return plotlyLoading;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let gd = parentElement.querySelector(":scope > .pg-plot");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "pg-plot";
    gd.style.width = "100%";
    parentElement.appendChild(gd);
  }
  loadPlotly(data.src).then((Plotly) => {
    const { config } = data;
    const figure = JSON.parse(data.figure);
    const frames = figure.frames ?? [];
    return Plotly.react(gd, { data: figure.data, layout: figure.layout, frames, config })
      .then(() => {
        if (gd.dataset.clicks) return;
        gd.dataset.clicks = "on";
        gd.on("plotly_click", (event) => {
          const point = event.points && event.points[0];
          if (point && point.data.meta === data.clickable) {
            setTriggerValue("click", { x: point.x, y: point.y });
          }
        });
      });
  });
}
"""

_CSS = """
.pg-plot .modebar { top: 0; }
"""


@functools.cache
def available() -> bool:
    """Whether plotly.js could be put where Streamlit serves static files."""
    source = Path(plotly.__file__).parent / "package_data" / PLOTLY_JS
    target = STATIC_DIR / PLOTLY_JS
    try:
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            STATIC_DIR.mkdir(exist_ok=True)
            # Copy then rename: replicas sharing a checkout never serve a half-written file.
            partial = target.with_name(f"{PLOTLY_JS}.{os.getpid()}.part")
            shutil.copyfile(source, partial)
            os.replace(partial, target)
    except OSError:
        return False
    return bool(st.get_option("server.enableStaticServing"))


@functools.cache
def _element():
    return st.components.v2.component(
        "optimizer_playground.plotly", js=_JS, css=_CSS, isolate_styles=False
    )


def figure_json(figure: dict) -> str:
    """``figure`` as the JSON text the element takes (compact, ASCII)."""
    return json.dumps(figure, separators=(",", ":"))


def plotly_element(
    figure: dict | str,
    *,
    key: str,
    height: int | None = None,
    config: dict | None = None,
    clickable: str | None = None,
    on_click: Callable[[], None] | None = None,
):
    """Draw ``figure`` in a chart that updates in place across reruns.

    ``figure`` is a plain dict or, cheaper, its ``figure_json`` text (then pass ``height``):
    Streamlit encodes the element's data twice per rerun (for its identity and to send it),
    and a ready string costs a copy where a dict of a few hundred kB costs a full JSON
    encoding each time.
    A click on a point of the trace whose ``meta`` is ``clickable`` sets the trigger value
    ``click`` (``{"x": …, "y": …}``) and calls ``on_click``; read it from
    ``st.session_state[key].click`` inside the callback.
    """
    if isinstance(figure, dict):
        height = height or figure.get("layout", {}).get("height")
    text = figure if isinstance(figure, str) else figure_json(figure)
    data = {
        "figure": text,
        "config": {"displaylogo": False, "responsive": True, **(config or {})},
        "src": PLOTLY_URL,
        "clickable": clickable,
    }
    return _element()(
        key=key,
        data=data,
        height=height,
        on_click_change=on_click or (lambda: None),
    )
