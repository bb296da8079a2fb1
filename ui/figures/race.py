"""The playground's figures: the race (contour map and loss panel, animated) and the 3D surface.

Pure builders, arrays in and figure dict out; the shared pieces come from
:mod:`ui.figures.landscape`, :mod:`ui.figures.player` and :mod:`ui.figures.traces`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ui.figures.encoding import typed
from ui.figures.landscape import Grid, Path, click_grid, contour_image, map_axes, minima_trace
from ui.figures.player import frame_data, frame_steps, motion_spec, player_controls, run_motion
from ui.figures.style import FONT, colour, symbol
from ui.figures.traces import animated_traces, loss_range, path_trace

RACE_HEIGHT = 560  # px, the playground's map and loss panel
# The race's type size (px), line widths and marker sizes: on a laptop (False), and on a
# projector (True, presentation mode), where the back row must read the labels and paths.
RACE_SIZES = {
    False: dict(font=13, path=1.2, loss=1.8, trail=3, marker=13, loss_marker=9, minimum=12),
    True: dict(font=22, path=3.5, loss=4, trail=6, marker=24, loss_marker=15, minimum=22),
}


def race_figure(
    contour: str,
    paths: Sequence[Path],
    window,
    minima: np.ndarray,
    *,
    steps: int,
    loss_title: str = "f − f*",
    log_loss: bool = True,
    player: bool = True,
    motion: bool = False,
    click_targets: int = 0,
    height: int = RACE_HEIGHT,
    present: bool = False,
) -> dict:
    """The playground's main figure: contour map on the left, loss on the right, animated.

    ``contour`` is the landscape over ``window`` as an image (see :func:`contour_png`),
    drawn behind everything. Static traces: the known minima, and per optimizer its whole
    path (faint) and loss curve. Animated traces, one of each per optimizer: a short trail
    and a marker on the map, and a marker on the loss curve. Frames, named by their step,
    name only those (``traces=[...]``) and never redraw (``redraw: false``).

    ``player`` adds plotly's own Play / Pause buttons and step slider (:func:`player`),
    for a figure shown on its own; the app's element draws lighter controls of its own.
    ``present`` draws for a projector (presentation mode): type, lines and markers read
    from the back of a classroom (:data:`RACE_SIZES`).
    ``motion`` leaves the frames out and sends, in their place, the arrays they are cut from
    (``motion``: per run, its step, marker and loss per frame, see :func:`run_motion`), a
    seventh of their size; the app's element builds the frames in the browser
    (:func:`motion_frames` is the same in Python).
    ``click_targets`` adds a grid of that many invisible points a side (:func:`click_grid`),
    for a chart that can only report clicks on points.
    """
    size = RACE_SIZES[present]
    data: list[dict] = []
    if click_targets:
        data.append(click_grid(window, click_targets))
    if len(minima):
        data.append(minima_trace(minima))
        data[-1]["marker"]["size"] = size["minimum"]
    path_traces = list(range(len(data), len(data) + len(paths)))
    data += [path_trace(p, size["path"], opacity=0.55) for p in paths]
    data += [_loss_trace(p, size["loss"], log_loss) for p in paths]

    shown = frame_steps(steps)
    runs = [run_motion(p, shown, window, log_loss) for p in paths]
    sources = [p.xy.astype(np.float32) for p in paths]  # the paths as their traces send them
    symbols = [symbol(p.name) for p in paths]
    animated = list(range(len(data), len(data) + 3 * len(paths)))
    data += animated_traces(paths, frame_data(runs, sources, symbols, 0), size)
    layout = _race_layout(contour, window, steps, size, height)
    layout["yaxis2"] = _loss_axis(loss_range(paths, log_loss), log_loss, loss_title)
    if player:
        layout = {**layout, **player_controls(shown)}
        layout["margin"]["b"] = 110  # room for plotly's own player under the axes
    if motion:
        spec = motion_spec(shown, animated, path_traces, runs, symbols)
        return {"data": data, "layout": layout, "motion": spec}
    frames = [
        {"name": str(int(step)), "data": frame_data(runs, sources, symbols, k), "traces": animated}
        for k, step in enumerate(shown)
    ]
    return {"data": data, "layout": layout, "frames": frames}


def _loss_trace(p: Path, width: float, log_loss: bool) -> dict:
    """A run's loss against its steps, on the loss panel (``x2``/``y2``)."""
    loss = np.maximum(p.loss, 1e-300) if log_loss else p.loss
    return {
        "type": "scatter",
        "meta": f"loss-{p.name}",
        "name": p.label,
        "legendgroup": p.name,
        "showlegend": False,
        "x": typed(np.arange(len(loss)), "f4"),
        "y": typed(loss, "f8"),
        "xaxis": "x2",
        "yaxis": "y2",
        "mode": "lines",
        "line": {"color": colour(p.name), "width": width},
        "hovertemplate": f"{p.label}<br>step %{{x}}: %{{y:.3g}}<extra></extra>",
    }


def _race_layout(contour: str, window, steps: int, size: dict, height: int) -> dict:
    """The map on the left, the contour picture behind it, and the loss panel's step axis."""
    # Tick labels drawn as they fall: plotly otherwise measures each one on every redraw to
    # hide those that overflow, a tenth of the redraw.
    axes = map_axes(window, domain=[0, 0.6])
    for axis in axes.values():
        axis["ticklabeloverflow"] = "allow"
    return {
        "images": [contour_image(contour, window)],
        "height": height,
        # r: room for the last tick label of the loss panel (labels may overflow, below)
        "margin": {"l": 50, "r": 25, "t": 30, "b": 45},
        "hovermode": "closest",
        "uirevision": "race",
        "plot_bgcolor": "white",
        "font": {**FONT, "size": size["font"]},
        "legend": {"orientation": "h", "x": 0, "y": 1.06, "yanchor": "bottom"},
        **axes,
        "xaxis2": {
            "domain": [0.7, 1.0],
            "anchor": "y2",
            "title": {"text": "step"},
            "range": [0, steps],
            "ticklabeloverflow": "allow",
        },
    }


def _loss_axis(y_range: list[float] | None, log_loss: bool, title: str) -> dict:
    """The loss panel's y-axis: log or linear, over ``y_range`` (:func:`loss_range`)."""
    return {
        "anchor": "x2",
        "type": "log" if log_loss else "linear",
        "range": y_range,
        "title": {"text": title},
        "exponentformat": "power",
        "ticklabeloverflow": "allow",
    }


def surface_figure(grid: Grid, paths: Sequence[Path], path_z: Sequence[np.ndarray]) -> dict:
    """A 3D surface of the landscape with each optimizer's path lying on it."""
    data: list[dict] = [
        {
            "type": "surface",
            "meta": "surface",
            "x": typed(grid.xs),
            "y": typed(grid.ys),
            "z": typed(grid.z),
            "colorscale": [[0.0, "#f4f8fc"], [0.5, "#c9d9ea"], [1.0, "#7f9fc4"]],
            "opacity": 0.92,
            "showscale": False,
            "hoverinfo": "skip",
            "contours": {"z": {"show": True, "usecolormap": True, "project": {"z": True}}},
        }
    ]
    # Lift the paths a little off the surface so it cannot hide them.
    lift = 0.01 * float(np.ptp(grid.z)) if grid.z.size else 0.0
    for p, z in zip(paths, path_z, strict=True):
        z = np.asarray(z, dtype=float) + lift
        data.append(
            {
                "type": "scatter3d",
                "meta": f"path3d-{p.name}",
                "name": p.label,
                "x": typed(p.xy[:, 0]),
                "y": typed(p.xy[:, 1]),
                "z": typed(z),
                "mode": "lines",
                "line": {"color": colour(p.name), "width": 5},
            }
        )
        data.append(
            {
                "type": "scatter3d",
                "meta": f"end3d-{p.name}",
                "name": p.label,
                "showlegend": False,
                "x": [float(p.xy[-1, 0])],
                "y": [float(p.xy[-1, 1])],
                "z": [float(z[-1])],
                "mode": "markers",
                "marker": {"color": colour(p.name), "size": 5},
            }
        )
    layout = {
        "height": 560,
        "margin": {"l": 0, "r": 0, "t": 10, "b": 0},
        "uirevision": "surface",
        "legend": {"orientation": "h"},
        "scene": {
            "xaxis": {"title": {"text": "x"}},
            "yaxis": {"title": {"text": "y"}},
            "zaxis": {"title": {"text": grid.z_title}},
            "camera": {"eye": {"x": 1.3, "y": -1.6, "z": 1.3}},
        },
    }
    return {"data": data, "layout": layout}
