"""The sweep page's figures: outcome maps and curves over hyperparameters, start maps, shares."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ui.figures.landscape import minima_trace
from ui.figures.style import FONT, colour

DIVERGED_COLOUR = "#bdbdbd"  # diverged cells: a grey no colour scale below uses
OPTIMUM_COLOUR = "#e31a1c"


def _grid_list(z: np.ndarray, digits: int = 5) -> list:
    """``z`` as nested lists with ``None`` for every non-finite value (a gap in the map)."""
    z = np.asarray(z, dtype=float)
    rounded = np.round(np.where(np.isfinite(z), z, 0.0), digits)
    return np.where(np.isfinite(z), rounded, None).tolist()


def _sig(values: np.ndarray) -> list[float]:
    """Axis values to six significant digits (a log axis spans many decades)."""
    return [float(f"{v:.6g}") for v in np.asarray(values, dtype=float)]


def _sweep_axis(title: str, log: bool, values: np.ndarray) -> dict:
    axis = {"title": {"text": title}, "showgrid": False, "zeroline": False}
    if log:
        axis["type"] = "log"
    if len(values) > 1:  # the outer cells' edges, so no white margin is left around the map
        lo, hi = values[0], values[-1]
        if log:
            half = 0.5 * (np.log10(values[1]) - np.log10(values[0]))
            axis["range"] = [float(np.log10(lo) - half), float(np.log10(hi) + half)]
        else:
            half = 0.5 * (values[1] - values[0])
            axis["range"] = [float(lo - half), float(hi + half)]
    return axis


def sweep_heatmap(
    xs: np.ndarray,
    ys: np.ndarray,
    z: np.ndarray,
    diverged_at: np.ndarray,
    *,
    x_title: str,
    y_title: str,
    x_log: bool,
    y_log: bool,
    z_title: str,
    z_range: tuple[float, float] | None = None,
    colorscale: str = "Viridis",
    reverse: bool = False,
    marks: Sequence[tuple[float, float, str]] = (),
    title: str = "",
    height: int = 480,
    show_scale: bool = True,
) -> dict:
    """A map of outcome ``z[i, j]`` at ``(xs[j], ys[i])``; diverged cells in grey on top.

    ``diverged_at`` holds the step each run diverged at (``-1`` for none); NaN in ``z`` is a
    gap. ``marks`` are ``(x, y, label)`` points drawn as crosses (e.g. a theoretical optimum).
    Every cell belongs to a trace with ``meta="sweep"``, the trace a click selects.
    """
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    diverged = np.asarray(diverged_at) >= 0
    shown = np.where(diverged, np.nan, np.asarray(z, dtype=float))
    data = [
        {
            "type": "heatmap",
            "meta": "sweep",
            "name": z_title,
            "x": _sig(xs),
            "y": _sig(ys),
            "z": _grid_list(shown),
            "colorscale": colorscale,
            "reversescale": reverse,
            "showscale": show_scale,
            "colorbar": {"title": {"text": z_title, "side": "right"}, "thickness": 14},
            "hoverongaps": False,
            "hovertemplate": f"{x_title} %{{x:.4g}}<br>{y_title} %{{y:.4g}}<br>"
            f"{z_title} %{{z:.4g}}<extra></extra>",
        }
    ]
    if z_range is not None:
        data[0]["zmin"], data[0]["zmax"] = map(float, z_range)
    if diverged.any():
        data.append(
            {
                "type": "heatmap",
                "meta": "sweep",
                "name": "diverged",
                "x": _sig(xs),
                "y": _sig(ys),
                "z": _grid_list(np.where(diverged, diverged_at, np.nan), 0),
                "colorscale": [[0.0, DIVERGED_COLOUR], [1.0, DIVERGED_COLOUR]],
                "showscale": False,
                "hoverongaps": False,
                "hovertemplate": f"{x_title} %{{x:.4g}}<br>{y_title} %{{y:.4g}}<br>"
                "diverged at step %{z}<extra></extra>",
            }
        )
    data += [_mark_trace(x, y, label) for x, y, label in marks]
    layout = {
        "xaxis": _sweep_axis(x_title, x_log, xs),
        "yaxis": _sweep_axis(y_title, y_log, ys),
        "height": height,
        "margin": {"l": 60, "r": 10, "t": 40 if title else 10, "b": 50},
        "font": FONT,
        "plot_bgcolor": "#ffffff",
        "showlegend": False,
    }
    if title:
        layout["title"] = {"text": title, "x": 0.02, "font": {"size": 15}}
    return {"data": data, "layout": layout}


def _mark_trace(x: float, y: float, label: str) -> dict:
    """A point on a sweep's map, drawn as a labelled cross (e.g. the theoretical optimum)."""
    return {
        "type": "scatter",
        "meta": "optimum",
        "name": label,
        "x": [float(x)],
        "y": [float(y)],
        "mode": "markers+text",
        "text": [label],
        "textposition": "top right",
        "textfont": {"color": OPTIMUM_COLOUR},
        "marker": {"symbol": "x-thin", "size": 14, "line": {"width": 3, "color": OPTIMUM_COLOUR}},
        "hovertemplate": f"{label}: (%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
        "showlegend": False,
    }


def sweep_curve(
    xs: np.ndarray,
    series: Sequence[tuple[str, np.ndarray, str, str]],
    *,
    x_title: str,
    y_title: str,
    x_log: bool,
    y_log: bool = False,
    marks: Sequence[tuple[float, str]] = (),
    height: int = 380,
) -> dict:
    """Outcome curves over one hyperparameter: ``series`` of ``(label, y, colour, dash)``.

    NaN points are gaps; ``marks`` are ``(x, label)`` vertical lines (e.g. the optimal step).
    """
    xs = np.asarray(xs, dtype=float)
    data = [
        {
            "type": "scatter",
            "meta": "sweep",
            "name": label,
            "x": _sig(xs),
            "y": [None if not np.isfinite(v) else float(v) for v in np.asarray(y, dtype=float)],
            "mode": "lines+markers",
            "marker": {"size": 4, "color": colour_},
            "line": {"color": colour_, "dash": dash, "width": 2},
            "hovertemplate": f"{label}<br>{x_title} %{{x:.4g}}: %{{y:.4g}}<extra></extra>",
        }
        for label, y, colour_, dash in series
    ]
    shapes, annotations = [], []
    for x, label in marks:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": float(x),
                "x1": float(x),
                "y0": 0,
                "y1": 1,
                "line": {"color": OPTIMUM_COLOUR, "dash": "dot", "width": 2},
            }
        )
        annotations.append(
            {
                "x": float(np.log10(x)) if x_log else float(x),
                "xref": "x",
                "y": 1,
                "yref": "paper",
                "text": label,
                "showarrow": False,
                "yanchor": "bottom",
                "font": {"color": OPTIMUM_COLOUR},
            }
        )
    layout = {
        "xaxis": {"title": {"text": x_title}, "type": "log" if x_log else "linear"},
        "yaxis": {"title": {"text": y_title}, "type": "log" if y_log else "linear"},
        "height": height,
        "margin": {"l": 60, "r": 10, "t": 30, "b": 50},
        "font": FONT,
        "shapes": shapes,
        "annotations": annotations,
        "legend": {"orientation": "h", "y": -0.25},
    }
    return {"data": data, "layout": layout}


def start_map(
    xs: np.ndarray, ys: np.ndarray, reached: np.ndarray, minima: np.ndarray, *, title: str
) -> dict:
    """A small map of the start points that reach a global minimum (coloured) or not (grey)."""
    data = [
        {
            "type": "heatmap",
            "meta": "starts",
            "x": _sig(xs),
            "y": _sig(ys),
            "z": np.asarray(reached, dtype=int).tolist(),
            "zmin": 0,
            "zmax": 1,
            "colorscale": [[0.0, "#e0e0e0"], [0.5, "#e0e0e0"], [0.5, "#4c78a8"], [1.0, "#4c78a8"]],
            "showscale": False,
            "hovertemplate": "start (%{x:.3g}, %{y:.3g})<extra></extra>",
        },
        minima_trace(np.asarray(minima, dtype=float).reshape(-1, 2)),
    ]
    layout = {
        "title": {"text": title, "x": 0.02, "font": {"size": 13}},
        "height": 250,
        "margin": {"l": 30, "r": 5, "t": 30, "b": 25},
        "font": FONT,
        "showlegend": False,
        "xaxis": {"showgrid": False, "zeroline": False},
        "yaxis": {"showgrid": False, "zeroline": False, "scaleanchor": "x"},
    }
    return {"data": data, "layout": layout}


def share_bars(names: Sequence[str], labels: Sequence[str], shares: Sequence[float]) -> dict:
    """The share of starts that reach a global minimum, one bar per optimizer."""
    data = [
        {
            "type": "bar",
            "meta": "shares",
            "x": list(labels),
            "y": [round(100 * float(s), 2) for s in shares],
            "marker": {"color": [colour(n) for n in names]},
            "hovertemplate": "%{x}: %{y:.1f} % of starts<extra></extra>",
        }
    ]
    layout = {
        "height": 320,
        "margin": {"l": 60, "r": 10, "t": 10, "b": 60},
        "font": FONT,
        "yaxis": {"title": {"text": "starts reaching a global minimum (%)"}, "range": [0, 100]},
    }
    return {"data": data, "layout": layout}
