"""The train page's loss landscape: a plane through weight space, its paths, its faithfulness.

Pure builders, data in and figure dict (or sentence) out, like :mod:`ui.figures`, whose
pieces they reuse: the contour picture, each optimizer's colour and marker, and the
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
from ui import figures

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
        f"it the plane holds in the legend; ✕: the centre, {centre}'s final weights. Press ▶ Play "
        "to watch the runs move; each axis has its own scale."
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


def _paths(plane: LossPlane, runs: Sequence[PlaneRun]) -> list[figures.Path]:
    """The runs as the race's paths: their points on the plane and their recorded loss."""
    return [
        figures.Path(
            r.name,
            path_name(r.label, plane.explained[r.name]),
            plane.paths[r.name],
            np.maximum(r.recorded, LOSS_FLOOR),
            r.diverged_at,
        )
        for r in runs
    ]


def _map_traces(paths: Sequence[figures.Path], centre: str) -> list[dict]:
    """The static traces of the map: each whole path, then the centre."""
    data = [
        {
            "type": "scatter",
            "meta": f"path-{p.name}",
            "name": p.label,
            "legendgroup": p.name,
            "x": figures.typed(p.xy[:, 0]),
            "y": figures.typed(p.xy[:, 1]),
            "mode": "lines",
            "line": {"color": figures.colour(p.name), "width": 2},
            "opacity": 0.6,
            "hovertemplate": f"{p.label}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
        }
        for p in paths
    ]
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
                    "x": figures.typed(np.arange(len(values)), "f4"),
                    "y": figures.typed(np.maximum(values, LOSS_FLOOR), "f8"),
                    "customdata": figures.typed(r.steps, "i4"),
                    "xaxis": "x2",
                    "yaxis": "y2",
                    "mode": "lines",
                    "line": {"color": figures.colour(r.name), "width": 2, "dash": dash},
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
        "images": [figures.contour_image(contour(plane), window)],
        "height": height,
        "margin": {"l": 55, "r": 25, "t": 30, "b": 50},
        "hovermode": "closest",
        "uirevision": "plane",
        "plot_bgcolor": "white",
        "font": figures.FONT,
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
            "tickvals": figures.LOSS_TICKS,
            "ticktext": [f"{v:g}" for v in figures.LOSS_TICKS],
            "ticklabeloverflow": "allow",
        },
        "annotations": [
            {
                "text": "solid: at the weights · dashed: on the plane",
                "xref": "paper",
                "yref": "paper",
                "x": 1.0,
                "y": 1.0,
                "xanchor": "right",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12, "color": "#4a5866"},
            }
        ],
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
    return figures.contour_png(upsample(np.where(finite, log_loss, top), PICTURE_FACTOR))


def loss_grid_trace(plane: LossPlane) -> dict:
    """Invisible points at the plane's grid that say its loss under the pointer (the picture
    cannot): ``customdata[i * R + j]`` is ``plane.loss[i, j]``, at ``(alpha[j], beta[i])``."""
    a, b = np.meshgrid(plane.alpha, plane.beta)
    return {
        "type": "scatter",
        "meta": "plane-loss",
        "showlegend": False,
        "x": figures.typed(a.ravel()),
        "y": figures.typed(b.ravel()),
        "customdata": figures.typed(plane.loss.ravel(), "f8"),
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
    :func:`ui.figures.race_figure` does; without it the figure carries its frames and
    plotly's own player, for ``st.plotly_chart``. Frames are named by training step.
    """
    paths = _paths(plane, runs)
    longest = max(runs, key=lambda r: len(r.steps))
    shown = figures.frame_steps(len(longest.steps) - 1)  # frame k shows evaluation shown[k]
    window = _window(plane)
    motions = [figures.run_motion(p, shown, window, log_loss=True) for p in paths]
    sources = [p.xy.astype(np.float32) for p in paths]  # the paths as their traces send them
    symbols = [figures.symbol(p.name) for p in paths]
    data = [loss_grid_trace(plane)]
    path_traces = list(range(len(data), len(data) + len(paths)))
    data += _map_traces(paths, {r.name: r.label for r in runs}[plane.center_name])
    data += _loss_traces(plane, runs)
    first_animated = len(data)
    first = figures.frame_data(motions, sources, symbols, 0)
    data += figures.animated_traces(paths, first, ANIMATED_SIZE, hover=False)
    animated = list(range(first_animated, len(data)))
    loss_paths = [
        dataclasses.replace(p, loss=np.maximum(plane.path_loss[p.name], LOSS_FLOOR)) for p in paths
    ]
    layout = _layout(
        plane, longest.steps, figures.loss_range([*paths, *loss_paths], log=True), height
    )
    steps = longest.steps[shown]
    figure = {
        "data": data,
        "layout": layout,
        "motion": {
            "steps": [int(s) for s in steps],
            "traces": animated,
            "paths": path_traces,
            "trailPoints": figures.TRAIL_POINTS,
            "runs": [
                {
                    "symbol": base,
                    **{k: figures.typed(m[k], t) for k, t in figures.MOTION_DTYPES.items()},
                }
                for m, base in zip(motions, symbols, strict=True)
            ],
        },
    }
    if motion:
        return figure
    frames = figures.motion_frames(figure)
    del figure["motion"]
    layout["margin"]["b"] = 110  # room for plotly's own player under the axes
    return {**figure, "frames": frames, "layout": {**layout, **figures.player_controls(steps)}}
