"""The map's in-place Plotly element, and the st.plotly_chart fallback."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import plotly
from figure_checks import charts, element_figure, html_table
from streamlit.testing.v1 import AppTest

from ui import plotly_element, static_files
from ui.figures import player
from ui.figures import race as race_figures

APP = Path(__file__).resolve().parent.parent / "app.py"


def test_plotly_js_is_served_from_the_installed_package():
    assert plotly_element.available()
    served = static_files.STATIC_DIR / plotly_element.PLOTLY_JS
    shipped = Path(plotly.__file__).parent / "package_data" / plotly_element.PLOTLY_JS
    assert served.read_bytes() == shipped.read_bytes()


def test_plotly_js_is_also_served_gzipped_once():
    """What the page fetches (Streamlit sends a .gz as it is, not compressed again)."""
    assert plotly_element.available()
    served = static_files.STATIC_DIR / plotly_element.PLOTLY_GZ
    shipped = Path(plotly.__file__).parent / "package_data" / plotly_element.PLOTLY_JS
    assert gzip.decompress(served.read_bytes()) == shipped.read_bytes()
    assert plotly.__version__ in plotly_element.PLOTLY_GZ_URL


def test_the_element_code_is_served_under_a_name_that_changes_with_it():
    assert plotly_element.available()
    served = static_files.STATIC_DIR / plotly_element.ELEMENT_JS
    assert served.read_bytes() == plotly_element.ELEMENT_SOURCE.read_bytes()
    digest = hashlib.sha256(served.read_bytes()).hexdigest()
    assert digest[:12] in plotly_element.ELEMENT_URL


def test_the_map_is_drawn_by_the_element_with_its_player_and_clicks_anywhere():
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    (element,) = charts(at)
    data = json.loads(element.proto.json)
    assert data["src"] == plotly_element.PLOTLY_URL
    assert data["srcGz"] == plotly_element.PLOTLY_GZ_URL
    # the component's own code only imports the element's module: it travels with every move
    assert plotly_element.ELEMENT_URL in element.proto.js_content
    assert len(element.proto.js_content) < 2000  # a loader, not the 40 kB module
    assert data["clickAnywhere"] is True and data["clickable"] is None
    assert data["player"] is True and data["frameMs"] == player.FRAME_MS
    assert data["htmlLegend"] is True  # the element draws the legend; the figure keeps it
    sent = json.loads(data["figure"])
    assert "frames" not in sent and sent["motion"]  # the element builds the frames itself
    figure = element_figure(element)
    # the element draws the player and reads clicks itself: no plotly controls, no targets
    assert "sliders" not in figure["layout"] and "updatemenus" not in figure["layout"]
    assert not any(t.get("meta") == "click-grid" for t in figure["data"])
    assert len(figure["frames"]) > 1
    assert not at.get("plotly_chart")


def test_a_locked_start_point_turns_map_clicks_off():
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["hide"] = "start"
    at.run()
    (element,) = charts(at)
    assert json.loads(element.proto.json)["clickAnywhere"] is False


def test_without_static_serving_the_map_falls_back_to_plotly_chart(monkeypatch):
    monkeypatch.setattr(plotly_element, "available", lambda: False)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert not charts(at)
    (chart,) = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["frames"] and spec["layout"]["sliders"]  # plotly's own player
    assert any(t.get("meta") == "click-grid" for t in spec["data"])  # it reports point clicks


def tables(at: AppTest) -> list:
    """The page's HTML elements that hold a table (app.py's theme is an HTML element too)."""
    return [h for h in at.get("html") if "<table" in h.proto.body]


def test_the_race_table_comes_under_the_map_in_its_element():
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    (element,) = charts(at)
    data = json.loads(element.proto.json)
    caption, rows = html_table(data["belowHtml"])
    assert caption == "Who converges fastest?"
    assert [r["optimizer"] for r in rows] == ["Gradient descent", "Momentum", "RMSprop", "Adam"]
    assert not tables(at)  # one element for the map and the table, not two
    # The element grows with its table; the chart's own height is held from the first render.
    assert data["minHeight"] == (
        race_figures.RACE_HEIGHT + plotly_element.PLAYER_HEIGHT + plotly_element.LEGEND_HEIGHT
    )
    assert "pg-table" in plotly_element.TABLE_CSS


def test_without_the_element_the_table_is_an_html_element_with_its_style(monkeypatch):
    monkeypatch.setattr(plotly_element, "available", lambda: False)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    (table,) = tables(at)
    assert plotly_element.TABLE_CSS in table.proto.body
    assert html_table(table.proto.body)[0] == "Who converges fastest?"


def test_no_page_wide_has_selector_makes_every_new_node_search_the_page():
    """``body:has(.x)`` asks Chromium, at every node added anywhere (Plotly adds one under
    the body for each label it measures), whether the page holds ``.x``: a search of the
    whole page while it does not, ~1 ms a label (measured: a new chart took ~15 ms more)."""
    page_wide = re.compile(r"(?<![\w-])(body|html|:root)\s*:has\(")
    root = APP.parent
    for path in [*root.glob("ui/**/*.js"), *root.glob("ui/**/*.py"), *root.glob("pages/*.py")]:
        found = page_wide.findall(path.read_text(encoding="utf-8"))
        assert not found, f"{path.name}: {found}"
