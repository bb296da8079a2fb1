"""A Plotly chart that updates in place: the playground's map on every slider move.

``st.plotly_chart`` replaces its chart on every rerun: a new element id (the id hashes
the figure), a fresh ``Plotly.newPlot``, then a second full ``Plotly.react`` after its
theme pass, and the learner's zoom is lost. This element keeps one graph div for the
session and calls ``Plotly.react`` on it, which redraws only what changed.

The element's code is ``ui/plotly_element.js``. Streamlit sends a component's inline
code with every rerun of it (14 kB on every slider move), so the component's own code is
a few lines that import that module once, from Streamlit's static file serving, under a
name that changes with its content (``ui.static_files``).
plotly.js comes the same way from the installed ``plotly`` package (the version
``requirements.txt`` pins). Both are copied into ``static/`` at start-up; where they
cannot be (a read-only install), ``available()`` is false and the page falls back to
``st.plotly_chart``.

plotly.js also goes there gzipped, once (``PLOTLY_GZ``), and the page unpacks it
(``DecompressionStream``). Streamlit compresses every response under ``app/static/`` again
at each request and keeps no copy: for the 4.8 MB plotly.js that is 140–190 ms of the
server's CPU at every first visit, on the first map's path, and again for each student of a
class that opens the link at once. A ``.gz`` file goes out as it is (``application/gzip`` is
not compressed again). A browser without ``DecompressionStream``, or a failed download,
falls back to the plain file.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path

import plotly
import streamlit as st

from ui import static_files
from ui.static_files import URL_PREFIX

PLOTLY_JS = "plotly.min.js"
PLOTLY_URL = f"{URL_PREFIX}{PLOTLY_JS}"
# Named by the plotly package's version, which fixes the plotly.js it ships.
PLOTLY_GZ = f"plotly-{plotly.__version__}.min.js.gz"
PLOTLY_GZ_URL = f"{URL_PREFIX}{PLOTLY_GZ}"
ELEMENT_SOURCE = Path(__file__).with_suffix(".js")
ELEMENT_JS = static_files.module_name(ELEMENT_SOURCE)
ELEMENT_URL = f"{URL_PREFIX}{ELEMENT_JS}"
PLAYER_HEIGHT = 44  # px, the player's bar under the chart
LEGEND_HEIGHT = 26  # px, a row of the HTML legend above it
URL_KEPT = "url_kept"  # the element's state: it keeps the address bar's query (url_query)

# The look of the table a chart may carry under it (``below_html``, e.g. the race's ranking).
TABLE_CSS = """
.pg-table { border-collapse: collapse; width: 100%; font-size: 0.95rem; margin: 0.25rem 0 1rem; }
.pg-table caption { caption-side: top; text-align: left; font-weight: 600; font-size: 1.5rem;
  padding: 0.5rem 0 0.75rem; color: #1b2733; }
.pg-table th, .pg-table td { border: 1px solid rgba(27, 39, 51, 0.12); padding: 0.35rem 0.75rem; }
.pg-table th { font-weight: 400; color: #4a5866; text-align: left; background: #f3f6fa; }
.pg-table td { font-variant-numeric: tabular-nums; }
"""

_CSS = """
.pg-plot .modebar { top: 0; }
.pg-player {
  display: flex; align-items: center; gap: 0.6rem; padding: 0.25rem 0 0 50px;
  font-family: "Source Sans", "Source Sans Pro", sans-serif; font-size: 0.95rem; color: #1b2733;
}
.pg-player button, .pg-player select {
  font: inherit; color: inherit; background: #ffffff; cursor: pointer;
  border: 1px solid rgba(27, 39, 51, 0.2); border-radius: 0.5rem; padding: 0.3rem 0.75rem;
}
.pg-player button { min-width: 6.5rem; }
.pg-player button:hover, .pg-player select:hover { border-color: #0072B2; color: #0072B2; }
.pg-player button:focus-visible, .pg-player select:focus-visible, .pg-player input:focus-visible {
  outline: 2px solid #0072B2; outline-offset: 2px;
}
.pg-player .pg-step { flex: 1 1 auto; max-width: 40rem; accent-color: #0072B2; cursor: pointer; }
.pg-player .pg-readout { min-width: 14rem; font-variant-numeric: tabular-nums; color: #4a5866; }
.pg-leader {
  margin: 0.35rem 0 0.5rem; padding: 0 0 0 var(--pg-left, 50px); font-size: 0.95rem;
  color: #1b2733; font-variant-numeric: tabular-nums;
}
.pg-root.pg-present .pg-leader { font-size: 22px; }
.pg-land {
  display: flex; flex-wrap: wrap; align-items: center; gap: 0.3rem 1.25rem;
  padding: 0 0 0.35rem var(--pg-left, 50px); min-height: 2.5rem;
  font-family: "Source Sans", "Source Sans Pro", sans-serif; font-size: 0.95rem; color: #1b2733;
}
.pg-land-item { display: inline-flex; align-items: center; gap: 0.5rem; }
.pg-land-item > span { color: #4a5866; white-space: nowrap; }
.pg-land select, .pg-land input[type=text] {
  font: inherit; color: inherit; background: #ffffff; min-height: 2.25rem;
  border: 1px solid rgba(27, 39, 51, 0.2); border-radius: 0.5rem; padding: 0.25rem 0.6rem;
}
.pg-land select { cursor: pointer; max-width: 100%; }
.pg-land select:hover { border-color: #0072B2; }
.pg-land input[type=range] { width: 9rem; accent-color: #0072B2; cursor: pointer; }
.pg-land-wide { flex: 1 1 20rem; }
.pg-land-wide input { flex: 1 1 auto; min-width: 0; font-family: "Source Code Pro", monospace; }
.pg-land-value { min-width: 2.5rem; font-variant-numeric: tabular-nums; }
.pg-land-error {
  flex: 1 1 100%; margin: 0; padding: 0.4rem 0.75rem; border-radius: 0.5rem;
  background: rgba(255, 43, 43, 0.09); color: #7d1f1f;
}
.pg-land-help { flex: 1 1 100%; margin: 0; font-size: 0.85rem; color: #4a5866; }
.pg-land select:focus-visible, .pg-land input:focus-visible {
  outline: 2px solid #0072B2; outline-offset: 2px;
}
/* Presentation mode: the map and the loss fill the screen, the landscape's row under them. */
.pg-root.pg-present { display: flex; flex-direction: column; }
.pg-root.pg-present > .pg-land { order: 1; font-size: 22px; padding-top: 0.5rem; }
.pg-root.pg-present > .pg-below { order: 2; }
.pg-root.pg-present .pg-land input[type=range] { width: 14rem; }
@media (pointer: coarse) {
  .pg-land input[type=range] { height: 2rem; touch-action: pan-y; }  /* a swipe still scrolls */
  .pg-land select, .pg-land input[type=text] { min-height: 2.75rem; }
}
@media (max-width: 640px) {
  .pg-land { padding-left: 0; }
  .pg-land-item { flex: 1 1 100%; }
  .pg-land-item:has(input[type=range]) { flex-basis: 40%; }
  .pg-land-item .pg-land-name { display: none; }
  .pg-land select { flex: 1 1 auto; min-width: 0; }
  .pg-land input[type=range] { flex: 1 1 4rem; width: 4rem; min-width: 0; }
}
.pg-legend {
  display: flex; flex-wrap: wrap; gap: 0.15rem 1rem; padding: 0 0 0 50px; min-height: 1.6rem;
  font-family: "Source Sans", "Source Sans Pro", sans-serif; font-size: 13px; color: #1b2733;
}
.pg-legend button {
  display: inline-flex; align-items: center; gap: 0.35rem; font: inherit; color: inherit;
  background: none; border: none; padding: 0.1rem 0; cursor: pointer;
}
.pg-legend button.pg-off { opacity: 0.4; text-decoration: line-through; }
.pg-legend button:focus-visible { outline: 2px solid #0072B2; outline-offset: 2px; }
.pg-legend .pg-glyph { font-size: 14px; line-height: 1; }
.pg-below { padding-top: 0.25rem; }
.pg-notice {
  display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem; margin: 0 0 0.5rem;
  padding: 0.6rem 1rem; border-radius: 0.5rem; background: rgba(255, 189, 69, 0.2);
  color: #6b4f04; font-family: "Source Sans", "Source Sans Pro", sans-serif; font-size: 1rem;
}
.pg-notice button {
  font: inherit; color: inherit; background: #ffffff; cursor: pointer;
  border: 1px solid rgba(27, 39, 51, 0.2); border-radius: 0.5rem; padding: 0.25rem 0.75rem;
}
.pg-notice button:focus-visible { outline: 2px solid #0072B2; outline-offset: 2px; }
.pg-verdict {
  margin: 0.25rem 0 0.75rem; padding: 0.75rem 1rem; border-radius: 0.5rem;
  font-family: "Source Sans", "Source Sans Pro", sans-serif; font-size: 1.1rem;
}
.pg-right { background: rgba(33, 195, 84, 0.12); color: #145c2e; }
.pg-wrong { background: rgba(255, 43, 43, 0.09); color: #7d1f1f; }
.pg-failed {
  padding: 0.75rem 1rem; border-radius: 0.5rem; background: #fdecea; color: #7d1f1f;
  font-family: "Source Sans", "Source Sans Pro", sans-serif; font-size: 1rem;
}
"""


# The component's own code: import the element's module once per page, then hand it each
# render. (A dynamic import resolves against the document, as a script's src does.) If the
# module or plotly.js cannot be loaded or the chart cannot be drawn, say so where the chart
# would be, and try again at the next render.
# plotly.js downloads while the element's module does, not after it: gzipped, and unpacked
# (``unpack``), or else the plain file with a preload hint. The element's loadPlotly takes the
# URL that ``window.pgPlotly`` resolves to. (Comments stay out of the code: it travels with
# every move.)
_LOADER = f"""
let element = null;

function say(parent, text) {{
  let note = parent.querySelector(":scope > .pg-failed");
  if (!text) return note?.remove();
  if (!note) {{
    note = document.createElement("div");
    note.className = "pg-failed";
    note.setAttribute("role", "alert");
    parent.appendChild(note);
  }}
  note.textContent = text;
}}

async function unpack(url) {{
  const response = await fetch(new URL(url, document.baseURI));
  if (!response.ok) throw new Error(`${{response.status}}`);
  const text = response.body.pipeThrough(new DecompressionStream("gzip"));
  const code = await new Response(text).blob();
  return URL.createObjectURL(new Blob([code], {{ type: "text/javascript" }}));
}}

export default function (component) {{
  const {{ data, parentElement }} = component;
  if (data.minHeight && !parentElement.querySelector(".pg-root")) {{  // until the first chart
    parentElement.style.minHeight = `${{data.minHeight}}px`;
  }}
  if (!element && data.src && !window.Plotly && !window.pgPlotly) {{
    window.pgPlotly = unpack(data.srcGz).catch(() => {{
      const hint = document.createElement("link");
      Object.assign(hint, {{ rel: "preload", as: "script", href: data.src }});
      document.head.appendChild(hint);
      return data.src;
    }});
  }}
  element ??= import(new URL({json.dumps(ELEMENT_URL)}, document.baseURI).href);
  return element
    .then((module) => {{
      say(component.parentElement, "");
      return module.default(component);
    }})
    .catch((error) => {{
      element = null;
      console.error(error);
      say(component.parentElement,
        `The map could not be drawn (${{error.message}}). Reload the page to try again.`);
    }});
}}
"""


@functools.cache
def available() -> bool:
    """Whether plotly.js and the element's module could be put where Streamlit serves
    static files."""
    try:
        shipped = Path(plotly.__file__).parent / "package_data" / PLOTLY_JS
        static_files.publish(shipped, PLOTLY_JS)
        static_files.publish(shipped, PLOTLY_GZ, gzipped=True)
        static_files.publish_module(ELEMENT_SOURCE)
    except OSError:
        return False
    return static_files.serving()


@functools.cache
def _element():
    return st.components.v2.component(
        "optimizer_playground.plotly", js=_LOADER, css=_CSS + TABLE_CSS, isolate_styles=False
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
    click_anywhere: bool = False,
    player_frame_ms: int | None = None,
    html_legend: bool = False,
    below_html: str | None = None,
    end_html: str | None = None,
    play_from: str | None = None,
    above_html: str | None = None,
    url_query: str | None = None,
    fit: bool = False,
    present: bool = False,
    label: str | None = None,
    leader: dict | None = None,
    session: str | None = None,
    on_click: Callable[[], None] | None = None,
    on_action: Callable[[], None] | None = None,
    on_restore: Callable[[], None] | None = None,
    landscape: dict | None = None,
    on_landscape: Callable[[], None] | None = None,
    sidebar_drawn: bool | None = None,
    on_sidebar: Callable[[], None] | None = None,
) -> bool:
    """Draw ``figure`` in a chart that updates in place across reruns.

    ``figure`` is a plain dict or, cheaper, its ``figure_json`` text (then pass ``height``):
    Streamlit encodes the element's data twice per rerun (for its identity and to send it),
    and a ready string costs a copy where a dict of a few hundred kB costs a full JSON
    encoding each time.

    A click on a point of the trace whose ``meta`` is ``clickable``, or with
    ``click_anywhere`` a click anywhere on the x/y subplot (not a drag, which zooms), sets
    the trigger value ``click`` (``{"x": …, "y": …}``, data coordinates) and calls
    ``on_click``; read it from ``st.session_state[key].click`` inside the callback.

    ``player_frame_ms`` draws Play / Pause, a speed and a step slider under the chart for
    the figure's frames (named by step, each that long at 1×), or for those it builds from
    the figure's ``motion`` (``ui.figures.race.race_figure(motion=True)``). A new figure
    keeps the step on screen, and keeps playing if it was. Such a chart takes a new figure
    that differs from the one on screen only in some traces' points and labels (``x``,
    ``y``, ``name``, ``hovertemplate``; a slider move in the race) through
    ``Plotly.animate`` of those traces alone: ``Plotly.react`` would replot them all.
    ``html_legend`` draws the legend as a row of HTML above the chart (Plotly lays its own
    out anew on every redraw); a click on an entry hides or shows its legend group.

    ``below_html`` is markup the app built (never the learner's text: it is not sanitised),
    drawn under the chart and replaced only when it changes, e.g. a table that follows the
    figure (styled by ``TABLE_CSS``). One element redrawn per rerun instead of two: each
    Streamlit element on the page costs a slider move several milliseconds of React.
    The element then takes the height of what it holds, at least ``height``.

    ``end_html`` (markup the app built) comes under ``below_html`` only once the player has
    shown the figure's last step, e.g. a challenge's verdict: a learner sees the race before
    the answer. A new ``play_from`` (any text that differs from the last one) sends the player
    to step 0 and plays, and hides ``end_html`` again until the last step.

    ``above_html`` (markup the app built) is drawn above the legend, e.g. a notice; a click
    on a ``<button data-action="…">`` in it sets the trigger value ``action`` to that text
    and calls ``on_action`` (read ``st.session_state[key].action`` inside the callback).

    ``url_query`` (a query string, as ``urllib.parse.urlencode`` writes it) goes into the
    address bar (``history.replaceState``; Streamlit's ``embed`` options are kept) when the
    page is not in a frame. Streamlit redraws its whole page whenever ``st.query_params``
    changes: ~17 ms of every slider move. A page in a frame (Community Cloud, an LMS) has
    its address bar outside, which only Streamlit reaches: there the element does nothing.
    Returns whether the element keeps the address bar: it says so once it has drawn (a
    rerun); until then, and in a frame, the app sets ``st.query_params`` itself.

    ``fit`` lays a race figure (``ui.figures.race.race_figure``, or the train page's plane:
    the map on ``xaxis``/``yaxis``, the loss on ``xaxis2``/``yaxis2``) out for the screen, in
    the browser, which alone knows its
    size: on a viewport 1200 px wide or more the map is a square as tall as the screen allows
    (at least 60 % of its height) with the loss panel beside it; on a narrower one the map
    takes the element's width and the loss panel goes under it; the figure follows a resize.
    It also styles the page around it (the playground's ``stage`` containers). ``present``
    is presentation mode: the map and the loss fill the screen, large type, no sidebar, and
    keys drive the player (space, ← →, + −, f for full screen).

    ``label`` is the chart's accessible name. ``leader`` (``{"names": [...], "quantity":
    "f − f*"}``, one name per run of the figure's ``motion``) puts a sentence under the
    player that names who leads at the step on screen, the runs by their loss, and follows
    the player: the chart's text alternative, which a screen reader reads when it stops.

    ``session`` names the server session (any text that differs between sessions). When the
    element, kept in the page, is drawn by a new session whose ``url_query`` is not the
    address bar the element has kept (the server restarted, or a replica died, and
    Streamlit's frontend sent the page's first link again), it sets the trigger value
    ``restore`` to the address bar's query and calls ``on_restore``: read it from
    ``st.session_state[key].restore`` (untrusted text, a link) inside the callback.

    ``landscape`` (``ui.controls.landscape_spec``) draws the landscape's controls in a row
    above the legend: a picker, and range inputs for its parameters or a formula box with its
    error. A move sets the trigger value ``landscape`` (``{"landscape": name}``,
    ``{"param": name, "value": x}`` or ``{"formula": text}``) and calls ``on_landscape``:
    read ``st.session_state[key].landscape`` (untrusted: ``ui.state.landscape_move``). The
    row is built anew only when the landscape changes; a move updates it in place, so the
    control in the learner's hand keeps its focus.

    ``sidebar_drawn`` says whether this run drew the sidebar's controls. Whenever the page's
    sidebar is open where they were not drawn, or collapsed where they were, the element sets
    its state value ``sidebar`` to whether the sidebar is open and calls ``on_sidebar``
    (``st.session_state[key].sidebar``: check it is a bool). ``None``: it watches nothing.
    """
    if isinstance(figure, dict):
        height = height or figure.get("layout", {}).get("height")
    text = figure if isinstance(figure, str) else figure_json(figure)
    data = {
        "figure": text,
        "config": {"displaylogo": False, "responsive": True, **(config or {})},
        "src": PLOTLY_URL,
        "srcGz": PLOTLY_GZ_URL,
        "clickable": clickable,
        "clickAnywhere": click_anywhere,
        "player": player_frame_ms is not None,
        "frameMs": player_frame_ms,
        "htmlLegend": html_legend,
        "belowHtml": below_html,
        "endHtml": end_html,
        "playFrom": play_from,
        "aboveHtml": above_html,
        "urlQuery": url_query,
        "fit": fit,
        "present": present,
        "label": label,
        "leader": leader,
        "session": session,
        "landscape": landscape,
        "sidebarDrawn": sidebar_drawn,
    }
    if player_frame_ms is not None and height:
        height += PLAYER_HEIGHT
    if html_legend and height:
        height += LEGEND_HEIGHT
    if fit or any(markup is not None for markup in (below_html, end_html, above_html)):
        # Its own height follows the fitted chart and the table; held until the first render.
        data["minHeight"], height = height, "content"
    data["urlKept"] = bool((st.session_state.get(key) or {}).get(URL_KEPT))
    _element()(
        key=key,
        data=data,
        height=height,
        on_click_change=on_click or (lambda: None),
        on_action_change=on_action or (lambda: None),
        on_restore_change=on_restore or (lambda: None),
        on_landscape_change=on_landscape or (lambda: None),
        on_url_kept_change=lambda: None,
        on_sidebar_change=on_sidebar or (lambda: None),
    )
    return url_query is not None and data["urlKept"]
