"""The train page's figures: training curves, decision boundaries over training, and the loss
landscape, a plane through weight space with the runs' paths and its faithfulness.

Pure builders, data in and figure dict (or sentence) out. The plane reuses the shared pieces
of :mod:`ui.figures`: the contour picture, each optimizer's colour and marker, and the
``motion`` arrays from which the app's element (``ui.plotly_element``) builds the frames its
player animates, so the plane plays with the same Play, speed and step slider as the
playground's map.

The plane is :class:`optim_core.LossPlane`: the training loss over ``c + α d₁ + β d₂`` and
each run's recorded weights projected onto it. A run's points are its evaluations (about 200,
at the steps ``TrainResult.steps``), so an animation frame is an evaluation, named by its
training step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from optim_core import LossPlane
from ui.figures.encoding import rounded, typed
from ui.figures.landscape import Path, contour_image, contour_png
from ui.figures.player import (
    frame_data,
    frame_steps,
    motion_frames,
    motion_spec,
    player_controls,
    run_motion,
)
from ui.figures.style import FONT, colour, symbol
from ui.figures.traces import animated_traces, loss_range, path_trace

PLANE_HEIGHT = 520  # px, the map and the loss panel beside it
PICTURE_FACTOR = 6  # the contour picture's points per grid interval
LOSS_FLOOR = 1e-12  # cross-entropy is positive; a floor keeps its logarithm finite
METHODS = {
    "pca": "PCA of the paths",
    "random": "random, filter-normalised (Li et al. 2018)",
}
DIRECTIONS = {  # the axes' titles: what α and β measure
    "pca": ("α: 1st principal direction", "β: 2nd principal direction"),
    "random": ("α: random direction 1", "β: random direction 2"),
}


@dataclasses.dataclass(frozen=True)
class PlaneRun:
    """One optimizer's run as the plane shows it.

    Attributes:
      name: registry name (chooses the colour); label: its legend text.
      steps: ``(k,)`` the training steps of its recorded weights (``TrainResult.steps``).
      recorded: ``(k,)`` the training loss at those weights (``TrainResult.train_loss``).
      diverged_at: the step at which it stopped being finite, or ``None``.
    """

    name: str
    label: str
    steps: np.ndarray
    recorded: np.ndarray
    diverged_at: int | None = None


def percent(share: float) -> str:
    """``share`` (0–1) as a whole percentage that never rounds a part up to all or down to
    nothing."""
    if 0 < share < 0.005:
        return "< 1 %"
    if 0.995 <= share < 1:
        return "> 99 %"
    return f"{100 * share:.0f} %"


def path_name(label: str, share: float) -> str:
    """A path's legend entry: its optimizer and the share of its path the plane holds."""
    return f"{label} · {percent(share)} in plane"


def faithfulness(plane: LossPlane, labels: dict[str, str]) -> str:
    """A sentence that says how much of each path the plane holds, the most and the least.

    The share is :func:`optim_core.loss_plane.explained_share`: of a path's spread through
    weight space (its variance around its mean), the part that lies in the plane.
    """
    order = sorted(plane.explained, key=lambda n: plane.explained[n], reverse=True)
    most, least = order[0], order[-1]
    weights = f"{plane.center.size:,} weights"
    sentence = (
        f"The plane holds {percent(plane.explained[most])} of {labels[most]}'s path "
        f"(of its spread through the model's {weights})"
    )
    if least != most:
        sentence += (
            f" and {percent(plane.explained[least])} of {labels[least]}'s, the least of the "
            f"{len(order)} paths"
        )
    return sentence + (
        ". Only where a path leaves the plane can the loss read off the plane (dashed) differ "
        "from the loss its weights had (solid)."
    )


def legend_caption(plane: LossPlane, centre: str) -> str:
    """What the map's bands and marks mean, with the loss at the lightest and darkest;
    ``centre`` is the label of the run whose final weights are the plane's centre."""
    finite = plane.loss[np.isfinite(plane.loss)]
    low, high = (f"{v:.3g}" for v in (finite.min(), finite.max())) if finite.size else ("?", "?")
    return (
        f"Bands: the training loss on the plane, on a log scale, from {low} (white) to {high} "
        "(darkest blue). Lines: each run's path projected onto the plane, with the share of "
        f"it the plane holds in the legend; ✕: the centre, {centre}'s final weights. Loss panel: "
        "solid, the loss at the recorded weights; dashed, the loss read off the plane at their "
        "projections. Press ▶ Play to watch the runs move; each axis has its own scale."
    )


def step_axis(steps: np.ndarray, ticks: int = 5) -> dict:
    """Tick labels in training steps for an axis laid out by evaluation (point ``i`` at
    ``x = i``): round steps, each placed where it falls between two evaluations."""
    last = float(steps[-1]) if len(steps) else 0.0
    if last <= 0:
        return {"tickvals": [0], "ticktext": ["0"]}
    raw = last / ticks
    base = 10.0 ** np.floor(np.log10(raw))
    size = base * min((m for m in (1, 2, 5, 10) if m * base >= raw), default=10)
    values = np.arange(0.0, last + 0.5 * size, size)
    values = values[values <= last]
    return {
        "tickvals": np.round(np.interp(values, steps, np.arange(len(steps))), 3).tolist(),
        "ticktext": [f"{v:,.0f}" for v in values],
    }


ANIMATED_SIZE = {"trail": 4, "marker": 14, "loss_marker": 10}
"""The moving traces' trail width and marker sizes, in px."""


def _window(plane: LossPlane) -> tuple[tuple[float, float], tuple[float, float]]:
    return (float(plane.alpha[0]), float(plane.alpha[-1])), (
        float(plane.beta[0]),
        float(plane.beta[-1]),
    )


def _paths(plane: LossPlane, runs: Sequence[PlaneRun]) -> list[Path]:
    """The runs as the race's paths: their points on the plane and their recorded loss."""
    return [
        Path(
            r.name,
            path_name(r.label, plane.explained[r.name]),
            plane.paths[r.name],
            np.maximum(r.recorded, LOSS_FLOOR),
            r.diverged_at,
        )
        for r in runs
    ]


def _map_traces(paths: Sequence[Path], centre: str) -> list[dict]:
    """The static traces of the map: each whole path, then the centre."""
    data = [path_trace(p, 2, opacity=0.6) for p in paths]
    data.append(
        {
            "type": "scatter",
            "meta": "centre",
            "name": f"centre: {centre}'s final weights",
            "showlegend": False,  # the caption says it: the legend's row is for the runs
            "x": [0.0],
            "y": [0.0],
            "mode": "markers",
            "marker": {"symbol": "x-thin", "size": 14, "line": {"width": 2, "color": "#222"}},
            "hovertemplate": f"centre: {centre}'s final weights<extra></extra>",
        }
    )
    return data


def _loss_traces(plane: LossPlane, runs: Sequence[PlaneRun]) -> list[dict]:
    """Each run's loss against its evaluations: as recorded (solid), on the plane (dashed)."""
    data = []
    for r in runs:
        on_plane = np.maximum(plane.path_loss[r.name], LOSS_FLOOR)
        for values, dash, where in ((r.recorded, "solid", "recorded"), (on_plane, "dash", "plane")):
            data.append(
                {
                    "type": "scatter",
                    "meta": f"loss-{where}-{r.name}",
                    "name": r.label,
                    "legendgroup": r.name,
                    "showlegend": False,
                    "x": typed(np.arange(len(values)), "f4"),
                    "y": typed(np.maximum(values, LOSS_FLOOR), "f8"),
                    "customdata": typed(r.steps, "i4"),
                    "xaxis": "x2",
                    "yaxis": "y2",
                    "mode": "lines",
                    "line": {"color": colour(r.name), "width": 2, "dash": dash},
                    "hovertemplate": (
                        f"{r.label}, {where}<br>step %{{customdata}}: %{{y:.3g}}<extra></extra>"
                    ),
                }
            )
    return data


def _layout(plane: LossPlane, steps: np.ndarray, loss_range, height: int) -> dict:
    """Map on the left (the contour picture behind it), loss against steps on the right."""
    window = _window(plane)
    (xlo, xhi), (ylo, yhi) = window
    alpha_title, beta_title = DIRECTIONS[plane.method]
    # The two directions may reach very unequal distances (a path that runs along one):
    # each axis has its own scale, so that both show.
    axis = {"showgrid": False, "zeroline": False, "ticklabeloverflow": "allow"}
    return {
        "images": [contour_image(contour(plane), window)],
        "height": height,
        "margin": {"l": 55, "r": 25, "t": 30, "b": 50},
        "hovermode": "closest",
        "uirevision": "plane",
        "plot_bgcolor": "white",
        "font": FONT,
        "showlegend": False,  # the element draws the legend as HTML above the chart
        "xaxis": {**axis, "domain": [0, 0.56], "range": [xlo, xhi], "title": {"text": alpha_title}},
        "yaxis": {**axis, "range": [ylo, yhi], "title": {"text": beta_title}},
        "xaxis2": {
            "domain": [0.66, 1.0],
            "anchor": "y2",
            "title": {"text": "step"},
            "range": [0, max(len(steps) - 1, 1)],
            "ticklabeloverflow": "allow",
            **step_axis(steps),
        },
        "yaxis2": {
            "anchor": "x2",
            "type": "log",
            "range": loss_range,
            "title": {"text": "training loss"},
            "tickvals": LOSS_TICKS,
            "ticktext": [f"{v:g}" for v in LOSS_TICKS],
            "ticklabeloverflow": "allow",
        },
    }


def upsample(z: np.ndarray, factor: int) -> np.ndarray:
    """``z`` ``(R, C)`` linearly interpolated onto a grid ``factor`` times finer, corners kept:
    a 41 × 41 grid stretched over the map would show its pixels as blocks."""
    rows, cols = z.shape
    fine_r = np.linspace(0, rows - 1, (rows - 1) * factor + 1)
    fine_c = np.linspace(0, cols - 1, (cols - 1) * factor + 1)
    across = np.stack([np.interp(fine_c, np.arange(cols), row) for row in z])
    return np.stack([np.interp(fine_r, np.arange(rows), col) for col in across.T], axis=1)


def contour(plane: LossPlane) -> str:
    """The plane's loss as the map's banded picture, on a log scale (a basin's floor and its
    walls differ by decades), interpolated between the grid's points for a smooth picture."""
    log_loss = np.log10(np.maximum(plane.loss, LOSS_FLOOR))
    finite = np.isfinite(log_loss)
    top = log_loss[finite].max() if finite.any() else 0.0
    return contour_png(upsample(np.where(finite, log_loss, top), PICTURE_FACTOR))


def loss_grid_trace(plane: LossPlane) -> dict:
    """Invisible points at the plane's grid that say its loss under the pointer (the picture
    cannot): ``customdata[i * R + j]`` is ``plane.loss[i, j]``, at ``(alpha[j], beta[i])``."""
    a, b = np.meshgrid(plane.alpha, plane.beta)
    return {
        "type": "scatter",
        "meta": "plane-loss",
        "showlegend": False,
        "x": typed(a.ravel()),
        "y": typed(b.ravel()),
        "customdata": typed(plane.loss.ravel(), "f8"),
        "mode": "markers",
        "marker": {"size": 8, "opacity": 0},
        "hovertemplate": "α %{x:.3g}, β %{y:.3g}<br>loss on the plane %{customdata:.3g}"
        "<extra></extra>",
    }


def plane_figure(
    plane: LossPlane,
    runs: Sequence[PlaneRun],
    *,
    motion: bool = True,
    height: int = PLANE_HEIGHT,
) -> dict:
    """The loss plane with every run's projected path, animated, and its loss beside it.

    ``runs`` are the runs ``plane`` was made of, in the legend's order. The map: the plane's
    loss as a banded picture (log scale), each path (its name says the share of it the plane
    holds), the centre, and per run a trail and a marker that the player moves. Beside it:
    each run's training loss at its recorded weights (solid) and on the plane at their
    projections (dashed), with a marker on the recorded one.

    ``motion`` sends the arrays the app's element builds the frames from, as
    :func:`ui.figures.race.race_figure` does; without it the figure carries its frames and
    plotly's own player, for ``st.plotly_chart``. Frames are named by training step.
    """
    paths = _paths(plane, runs)
    longest = max(runs, key=lambda r: len(r.steps))
    shown = frame_steps(len(longest.steps) - 1)  # frame k shows evaluation shown[k]
    window = _window(plane)
    motions = [run_motion(p, shown, window, log_loss=True) for p in paths]
    sources = [p.xy.astype(np.float32) for p in paths]  # the paths as their traces send them
    symbols = [symbol(p.name) for p in paths]
    data = [loss_grid_trace(plane)]
    path_traces = list(range(len(data), len(data) + len(paths)))
    data += _map_traces(paths, {r.name: r.label for r in runs}[plane.center_name])
    data += _loss_traces(plane, runs)
    first_animated = len(data)
    first = frame_data(motions, sources, symbols, 0)
    data += animated_traces(paths, first, ANIMATED_SIZE, hover=False)
    animated = list(range(first_animated, len(data)))
    loss_paths = [
        dataclasses.replace(p, loss=np.maximum(plane.path_loss[p.name], LOSS_FLOOR)) for p in paths
    ]
    layout = _layout(plane, longest.steps, loss_range([*paths, *loss_paths], log=True), height)
    steps = longest.steps[shown]
    figure = {
        "data": data,
        "layout": layout,
        "motion": motion_spec(steps, animated, path_traces, motions, symbols),
    }
    if motion:
        return figure
    frames = motion_frames(figure)
    del figure["motion"]
    layout["margin"]["b"] = 110  # room for plotly's own player under the axes
    return {**figure, "frames": frames, "layout": {**layout, **player_controls(steps)}}


# Probability of class 1 from 0 (blue) to 1 (orange), pale so the data points stand out.
BOUNDARY_SCALE = [[0.0, "#9ecae1"], [0.5, "#f7f7f7"], [1.0, "#fdd0a2"]]
# Class k's points, and the pale tint of the region the model gives to class k.
CLASS_COLOURS = ("#08519c", "#a63603", "#54278f", "#006d2c")
CLASS_TINTS = ("#9ecae1", "#fdd0a2", "#cbc9e2", "#a1d99b")
BOUNDARY_FRAME_MS = 150  # a frame of the boundaries' player: a redraw of every panel
UNSURE = "#f7f7f7"  # where the model is no surer of its class than of the others
# Labelled loss values: 1-2-5 per decade reads better than plotly's minor-digit log labels.
LOSS_TICKS = [m * 10.0**e for e in range(-6, 3) for m in (1, 2, 5)]


@dataclasses.dataclass(frozen=True)
class Curve:
    """One optimizer's training curves against ``x`` (steps or seconds), all finite."""

    name: str
    label: str
    x: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    train_acc: np.ndarray
    val_acc: np.ndarray


def training_curves(curves: Sequence[Curve], x_title: str) -> dict:
    """Loss (log scale) and accuracy side by side; training solid, validation dashed."""
    data = []
    for curve in curves:
        for panel, (train, val) in enumerate(
            ((curve.train_loss, curve.val_loss), (curve.train_acc, curve.val_acc))
        ):
            axes = {"xaxis": "x" if panel == 0 else "x2", "yaxis": "y" if panel == 0 else "y2"}
            for split, values, dash in (("training", train, "solid"), ("validation", val, "dash")):
                data.append(
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "name": f"{curve.label} ({split})",
                        "legendgroup": curve.name,
                        "showlegend": panel == 0,
                        "x": rounded(curve.x),
                        "y": rounded(np.maximum(values, 1e-6) if panel == 0 else values),
                        "line": {"color": colour(curve.name), "width": 2, "dash": dash},
                        "hovertemplate": f"{curve.label} {split}: %{{y:.4g}}<extra></extra>",
                        **axes,
                    }
                )
    layout = {
        "height": 380,
        "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
        "font": FONT,
        "hovermode": "x unified",
        "xaxis": {"domain": [0.0, 0.46], "title": {"text": x_title}},
        "xaxis2": {"domain": [0.54, 1.0], "title": {"text": x_title}},
        "yaxis": {
            "type": "log",
            "title": {"text": "cross-entropy loss"},
            "tickvals": LOSS_TICKS,
            "ticktext": [f"{v:g}" for v in LOSS_TICKS],
        },
        "yaxis2": {"anchor": "x2", "range": [0.0, 1.02], "title": {"text": "accuracy"}},
        "legend": {"orientation": "h", "y": -0.22},
    }
    return {"data": data, "layout": layout}


@dataclasses.dataclass(frozen=True)
class Boundary:
    """One optimizer's class probabilities on a grid at some steps: ``prob[k]`` at ``steps[k]``.

    ``prob`` has shape ``(snapshots, g, g, K)``; each grid cell's K probabilities sum to 1.
    """

    name: str
    label: str
    steps: np.ndarray
    prob: np.ndarray
    diverged_at: int | None = None


def class_regions(prob: np.ndarray) -> np.ndarray:
    """The predicted class plus how sure the model is of it, for a banded colour scale.

    ``prob`` is ``(..., K)``; the result is ``k + c`` with k the argmax class and c in
    ``[0, 1)`` running from 0 where p_k = 1/K (no surer than chance) to nearly 1 where p_k = 1.
    """
    classes = prob.shape[-1]
    best = prob.argmax(axis=-1)
    sure = (prob.max(axis=-1) - 1.0 / classes) / (1.0 - 1.0 / classes)
    return best + np.clip(sure, 0.0, 0.999)


def region_scale(classes: int) -> list[list]:
    """A colour scale over ``[0, K]``: band k fades from unsure white to class k's tint."""
    scale: list[list] = []
    for k in range(classes):
        scale += [[k / classes, UNSURE], [(k + 1) / classes, CLASS_TINTS[k]]]
    return scale


def boundary_grid(
    boundaries: Sequence[Boundary],
    grid_x: np.ndarray,
    grid_y: np.ndarray,
    points: np.ndarray,
    labels: np.ndarray,
    columns: int = 3,
    class_names: Sequence[str] | None = None,
) -> dict:
    """Small multiples of decision boundaries, one per optimizer, with a slider over training.

    Two classes: contours of the probability of class 1. Three or four: the region of each
    predicted class in its own tint, paler where the model is less sure (:func:`class_regions`).
    At a slider position every panel shows its model's last snapshot at or before that step,
    so a run that diverged keeps its last finite boundary.
    """
    classes = boundaries[0].prob.shape[-1]
    class_names = list(class_names or [f"class {k}" for k in range(classes)])
    columns = max(1, min(columns, len(boundaries)))
    rows = -(-len(boundaries) // columns)
    steps = np.unique(np.concatenate([b.steps for b in boundaries]))
    surface = _boundary_surface(classes, class_names)
    data: list[dict] = []
    layout: dict = {
        "height": 300 * rows + 120,
        "margin": {"l": 30, "r": 30, "t": 40, "b": 20},
        "font": FONT,
        "showlegend": False,
        "annotations": [],
    }
    for i, b in enumerate(boundaries):
        suffix = "" if i == 0 else str(i + 1)
        (x0, x1), (y0, y1) = _panel_domain(i, rows, columns)
        layout[f"xaxis{suffix}"] = _panel_axis((x0, x1), grid_x, f"y{suffix}")
        layout[f"yaxis{suffix}"] = _panel_axis((y0, y1), grid_y, f"x{suffix}")
        layout["annotations"].append(_panel_title(b, (x0 + x1) / 2, y1))
        data.append(
            {
                **surface,
                "x": typed(grid_x),
                "y": typed(grid_y),
                "z": typed(_boundary_at(b, int(steps[-1]))),
                "showscale": i == 0,
                "xaxis": f"x{suffix}",
                "yaxis": f"y{suffix}",
            }
        )
    for i in range(len(boundaries)):
        data += _class_points(points, labels, classes, "" if i == 0 else str(i + 1))
    frames = [
        {
            "name": str(int(step)),
            "data": [{"z": typed(_boundary_at(b, int(step)))} for b in boundaries],
            "traces": list(range(len(boundaries))),
        }
        for step in steps
    ]
    player = player_controls(
        steps, frame_ms=BOUNDARY_FRAME_MS, redraw=True, at_end=True, y=0.0, buttons_below=True
    )
    return {"data": data, "layout": layout | player, "frames": frames}


def _boundary_at(b: Boundary, step: int) -> np.ndarray:
    """What ``b``'s panel shows at ``step``: its last snapshot at or before it, as
    P(class 1) for two classes, else as :func:`class_regions`."""
    prob = b.prob[max(0, int(np.searchsorted(b.steps, step, side="right")) - 1)]
    return prob[..., 1] if prob.shape[-1] == 2 else class_regions(prob)


def _panel_domain(i: int, rows: int, columns: int) -> tuple[tuple[float, float], ...]:
    """Panel ``i``'s x and y domains (paper coordinates), row by row from the top left."""
    row, col = divmod(i, columns)
    gap = 0.04
    x = (col / columns + gap / 2, (col + 1) / columns - gap / 2)
    y = (1 - (row + 1) / rows + gap / 2, 1 - row / rows - gap)
    return x, y


def _panel_axis(domain: tuple[float, float], grid: np.ndarray, anchor: str) -> dict:
    """A panel's axis over the grid, without tick labels (the panels share the plane)."""
    return {
        "domain": list(domain),
        "range": [float(grid[0]), float(grid[-1])],
        "showticklabels": False,
        "anchor": anchor,
    }


def _panel_title(b: Boundary, x: float, y: float) -> dict:
    """The optimizer's name above its panel, in its colour, and where it diverged."""
    title = b.label + (f" — diverged at step {b.diverged_at}" if b.diverged_at else "")
    return {
        "text": f"<b>{title}</b>",
        "x": x,
        "y": y,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"color": colour(b.name)},
    }


def _boundary_surface(classes: int, class_names: Sequence[str]) -> dict:
    """How a panel draws the model: contours of P(class 1) for two classes, else each
    predicted class's region in its tint (:func:`region_scale`)."""
    if classes == 2:
        return {
            "type": "contour",
            "zmin": 0.0,
            "zmax": 1.0,
            "contours": {"start": 0.1, "end": 0.9, "size": 0.1},
            "colorscale": BOUNDARY_SCALE,
            "line": {"width": 0.5, "color": "#bbbbbb"},
            "colorbar": {"title": {"text": "P(class 1)"}, "len": 0.6},
            "hovertemplate": "P(class 1) = %{z:.2f}<extra></extra>",
        }
    return {
        "type": "heatmap",
        "zmin": 0.0,
        "zmax": float(classes),
        "zsmooth": False,  # smoothing would blend two classes into a third between them
        "colorscale": region_scale(classes),
        "colorbar": {
            "title": {"text": "predicted class"},
            "len": 0.6,
            "tickvals": [k + 0.5 for k in range(classes)],
            "ticktext": list(class_names),
        },
        "hoverinfo": "skip",
    }


WHITE_EDGE = {"width": 0.5, "color": "white"}  # a data point's edge, over any region's tint


def _class_points(points: np.ndarray, labels: np.ndarray, classes: int, suffix: str) -> list:
    """The data points on the panel of axes ``x{suffix}``/``y{suffix}``, one trace a class."""
    return [
        {
            "type": "scatter",
            "mode": "markers",
            "x": rounded(points[labels == cls][:, 0]),
            "y": rounded(points[labels == cls][:, 1]),
            "marker": {"size": 4, "color": CLASS_COLOURS[cls], "line": WHITE_EDGE},
            "hoverinfo": "skip",
            "xaxis": f"x{suffix}",
            "yaxis": f"y{suffix}",
        }
        for cls in range(classes)
    ]
