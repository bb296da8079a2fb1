"""Checks shared by the tests that inspect what the app draws: figure JSON, the race's table."""

from __future__ import annotations

import base64
import json
from html.parser import HTMLParser

import numpy as np

from ui.figures import player


def assert_all_finite(node, where: str = "figure") -> None:
    """No NaN or Infinity anywhere in a figure, base64 typed arrays included."""
    if isinstance(node, dict):
        if "bdata" in node:
            values = np.frombuffer(base64.b64decode(node["bdata"]), "<" + node["dtype"])
            assert np.isfinite(values).all(), f"non-finite value in a typed array at {where}"
            return
        for key, value in node.items():
            assert_all_finite(value, f"{where}.{key}")
    elif isinstance(node, list | tuple):
        for i, value in enumerate(node):
            assert_all_finite(value, f"{where}[{i}]")
    elif isinstance(node, float | np.floating):
        assert np.isfinite(node), f"{node} at {where}"


def charts(at) -> list:
    """The Plotly elements (``ui.plotly_element``) an AppTest run drew: its
    ``bidi_component``s but the design's cards (``ui.design_element``)."""
    return [e for e in at.get("bidi_component") if "figure" in json.loads(e.proto.json)]


def design_cards(at) -> list[dict]:
    """The cards of sliders the playground's design element draws (``controls.design_spec``)."""
    (element,) = [e for e in at.get("bidi_component") if "cards" in json.loads(e.proto.json)]
    return json.loads(element.proto.json)["cards"]


def element_figure(element) -> dict:
    """The figure a ``ui.plotly_element`` element (AppTest's ``bidi_component``) draws.

    A figure sent with ``motion`` gets the frames the element builds from it.
    """
    figure = json.loads(element.proto.json)["figure"]
    figure = json.loads(figure) if isinstance(figure, str) else figure
    if "motion" in figure:
        figure["frames"] = player.motion_frames(figure)
    return figure


class _Table(HTMLParser):
    """The caption, header and body cells of the first ``<table>`` in a piece of HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.caption, self.header, self.rows = "", [], []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag) -> None:
        if tag == "caption":
            self._in_caption = False
        elif tag in ("th", "td") and self._cell is not None:
            (self.header if tag == "th" else self.rows[-1]).append("".join(self._cell))
            self._cell = None

    def handle_data(self, data) -> None:
        if self._in_caption:
            self.caption += data
        elif self._cell is not None:
            self._cell.append(data)


def html_table(markup: str) -> tuple[str, list[dict[str, str]]]:
    """The caption and the rows (column → cell text) of the table in ``markup``."""
    parser = _Table()
    parser.feed(markup)
    return parser.caption, [dict(zip(parser.header, r, strict=True)) for r in parser.rows if r]


def race_table(at) -> list[dict[str, str]] | None:
    """The playground's comparison table as rows, or None if not drawn.

    It comes under the map in the map's element (``below_html``), or as an ``st.html``
    element where the map is an ``st.plotly_chart`` (the 3D view, the fallback).
    """
    markups = [json.loads(e.proto.json).get("belowHtml") for e in charts(at)]
    markups += [e.proto.body for e in at.get("html")]
    for markup in filter(None, markups):
        caption, rows = html_table(markup)
        if caption in ("Who converges fastest?", "Who ends lowest?"):
            return rows
    return None
