"""Traces shared by the playground's race and the train page's plane: each run's animated
trail, marker and loss marker, and the loss panel's range."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ui.figures.encoding import typed
from ui.figures.landscape import Path
from ui.figures.style import colour, symbol

LOSS_PAD = 0.1  # room beyond the loss range's rounded ends, in its rounding steps
FLOAT_MAX = float(np.finfo(float).max)


def loss_range(paths: Sequence[Path], log: bool) -> list[float] | None:
    """The loss panel's y-range: every run's whole curve, but a run that blows up is cut
    at 100× the largest starting loss so it cannot squash the others flat.

    Its ends are rounded out, to whole decades on a log axis and to a round step on a
    linear one, then padded a little: a slider move that changes a curve a little leaves
    the scale the learner compares the curves on where it was (and the map's element then
    redraws only the moved traces, see ui/plotly_element.py).
    """
    curves = [p.loss[np.isfinite(p.loss)] for p in paths]
    curves = [c for c in curves if c.size]
    if not curves:
        return None
    top = max(float(c.max()) for c in curves)
    start = max(float(c[0]) for c in curves)
    if log:
        low = max(min(float(c.min()) for c in curves), 1e-300)
        top = min(top, 100 * start) if start > 0 else top
        top = max(top, 10 * low)  # every run sat on the minimum: f − f* = 0 throughout
        decades = np.floor(np.log10(low)), np.ceil(np.log10(min(top, FLOAT_MAX)))
        return [float(decades[0]) - LOSS_PAD, float(decades[1]) + LOSS_PAD]
    low = min(float(c.min()) for c in curves)
    top = min(top, start + 100 * max(abs(start), 1.0))
    with np.errstate(over="ignore", invalid="ignore"):  # losses near the float limits
        step = 10.0 ** np.floor(np.log10(top - low)) if top > low else np.inf
        ends = np.array([np.floor(low / step) - LOSS_PAD, np.ceil(top / step) + LOSS_PAD]) * step
    if np.all(np.isfinite(ends)):
        return ends.tolist()
    pad = 0.05 * (top - low + 1e-12)  # flat, or too wide to round: a little room each side
    return [low - pad, top + pad]


def path_trace(p: Path, width: float, *, opacity: float) -> dict:
    """A run's whole path on the map, faint, under its moving marker."""
    return {
        "type": "scatter",
        "meta": f"path-{p.name}",
        "name": p.label,
        "legendgroup": p.name,
        "x": typed(p.xy[:, 0]),
        "y": typed(p.xy[:, 1]),
        "mode": "lines",
        "line": {"color": colour(p.name), "width": width},
        "opacity": opacity,
        "hovertemplate": f"{p.label}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
    }


def animated_traces(
    paths: Sequence[Path], first: list[dict], size: Mapping[str, float], *, hover: bool = True
) -> list[dict]:
    """Frame 0 of a race's animated traces: each run's trail, marker and loss marker.

    ``first`` is :func:`frame_data` at frame 0; ``size`` gives the ``trail`` width and the
    ``marker`` and ``loss_marker`` sizes. With ``hover`` a marker tells its run and place.
    """
    data: list[dict] = []
    n = len(paths)
    for p, trail in zip(paths, first[:n], strict=True):
        data.append(
            {
                "type": "scatter",
                "meta": f"trail-{p.name}",
                "legendgroup": p.name,
                "showlegend": False,
                "mode": "lines",
                "line": {"color": colour(p.name), "width": size["trail"]},
                "hoverinfo": "skip",
                **trail,
            }
        )
    for p, marker in zip(paths, first[n : 2 * n], strict=True):
        data.append(
            {
                "type": "scatter",
                "meta": f"marker-{p.name}",
                "name": p.label,
                "legendgroup": p.name,
                "showlegend": False,
                "mode": "markers",
                "marker": {
                    "color": colour(p.name),
                    "size": size["marker"],
                    "line": {"width": 1.5, "color": "white"},
                    "symbol": marker["marker"]["symbol"],
                },
                "x": marker["x"],
                "y": marker["y"],
                **(
                    {"hovertemplate": f"{p.label}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>"}
                    if hover
                    else {"hoverinfo": "skip"}
                ),
            }
        )
    for p, loss_marker in zip(paths, first[2 * n :], strict=True):
        data.append(
            {
                "type": "scatter",
                "meta": f"lossmarker-{p.name}",
                "legendgroup": p.name,
                "showlegend": False,
                "xaxis": "x2",
                "yaxis": "y2",
                "mode": "markers",
                "marker": {
                    "color": colour(p.name),
                    "size": size["loss_marker"],
                    "symbol": symbol(p.name),
                },
                "hoverinfo": "skip",
                **loss_marker,
            }
        )
    return data
