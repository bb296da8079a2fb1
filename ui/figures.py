"""Figure builders: arrays in, Plotly figure dicts out.

Every builder here is pure and knows nothing of Streamlit, so it can be tested on its own.
Figures are plain dicts: plotly's graph objects validate every frame on construction,
which costs more than the whole optimizer run on a slider move. Large static arrays go
out as base64 typed arrays (``{"dtype": "f4", "bdata": ...}``, read natively by
plotly.js); animation frames carry only the moving markers and trails.
"""

from __future__ import annotations

import base64
import dataclasses
import io
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image

MAX_FRAMES = 150
RACE_HEIGHT = 560  # px, the playground's map and loss panel
TRAIL_FRAMES = 6
TRAIL_POINTS = 16

# One colour and one marker per optimizer, everywhere in the app. Okabe & Ito's
# colour-blind-safe palette first, then Paul Tol's; the marker symbol tells runs
# apart where colours alone would not.
STYLE = {
    "gd": ("#000000", "circle"),
    "momentum": ("#D55E00", "square"),
    "nesterov": ("#CC79A7", "diamond"),
    "adagrad": ("#E69F00", "triangle-up"),
    "rmsprop": ("#009E73", "triangle-down"),
    "adam": ("#0072B2", "star"),
    "amsgrad": ("#56B4E9", "pentagon"),
    "nadam": ("#882255", "hexagon"),
    "adamw": ("#999933", "cross"),
    "lion": ("#332288", "star-diamond"),
    "radam": ("#117733", "triangle-left"),
    "adamax": ("#44AA99", "triangle-right"),
    "adadelta": ("#AA4499", "x"),
    "schedule_free_sgd": ("#661100", "hourglass"),
    "schedule_free_adamw": ("#6699CC", "bowtie"),
}
FALLBACK_STYLE = ("#777777", "circle")
# The app's font and text colour (.streamlit/config.toml): the map is drawn outside
# Streamlit's chart theme, so figures say it themselves.
FONT = {"family": '"Source Sans", "Source Sans Pro", sans-serif', "size": 13, "color": "#1b2733"}


def colour(name: str) -> str:
    """The colour of optimizer ``name`` in every view."""
    return STYLE.get(name, FALLBACK_STYLE)[0]


def symbol(name: str) -> str:
    """The marker symbol of optimizer ``name`` in every view."""
    return STYLE.get(name, FALLBACK_STYLE)[1]


@dataclasses.dataclass(frozen=True)
class Grid:
    """A landscape sampled for a contour or surface: ``z[i, j] = display(f(xs[j], ys[i]))``."""

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    z_title: str


@dataclasses.dataclass(frozen=True)
class Path:
    """One optimizer's run, cut where it diverged, ready to draw.

    Attributes:
      name: registry name (chooses the colour); label: legend text.
      xy: ``(n, 2)`` finite iterates, ``n - 1`` steps taken before it stopped or diverged.
      loss: ``(n,)`` what the loss panel shows (already ``f - f*`` where that is known).
      diverged_at: the step at which it left, or ``None``.
    """

    name: str
    label: str
    xy: np.ndarray
    loss: np.ndarray
    diverged_at: int | None = None


def typed(a: np.ndarray, dtype: str = "f4") -> dict:
    """``a`` as a plotly.js typed-array spec (compact, exact to float32)."""
    arr = np.ascontiguousarray(a, dtype="<" + dtype)
    spec = {"dtype": dtype, "bdata": base64.b64encode(arr.tobytes()).decode("ascii")}
    if arr.ndim > 1:
        spec["shape"] = ", ".join(map(str, arr.shape))
    return spec


def untyped(spec: dict) -> np.ndarray:
    """The array of a one-dimensional :func:`typed` spec."""
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<" + spec["dtype"])


class DictFigure(go.Figure):
    """A figure that hands Streamlit a prepared dict without validating it again.

    ``st.plotly_chart`` validates a dict by building a ``go.Figure`` from it; for a few
    hundred animation frames that costs ~0.2 s per rerun. A ``go.Figure`` is taken as
    already valid and only asked for ``to_dict()``, which here returns the prepared dict.
    """

    def __init__(self, spec: dict) -> None:
        super().__init__()
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec


CONTOUR_COLOURS = ((255, 255, 255), (221, 232, 243), (169, 193, 218))
CONTOUR_LEVELS = 24


def contour_picture(z: np.ndarray, levels: int = CONTOUR_LEVELS) -> Image.Image:
    """The landscape as a banded contour picture, row 0 at the top (``z[-1]``).

    ``levels`` bands of a light colour ramp, with a darker pixel wherever the band changes
    (the isolines).
    """
    z = np.asarray(z, dtype=float)
    finite = np.isfinite(z)
    lo = float(z[finite].min()) if finite.any() else 0.0
    hi = float(z[finite].max()) if finite.any() else 1.0
    scaled = np.where(finite, (z - lo) / max(hi - lo, 1e-300), 1.0)
    band = np.minimum((scaled * levels).astype(int), levels - 1)
    ramp = np.asarray(CONTOUR_COLOURS, dtype=float)
    at = np.linspace(0.0, 1.0, len(ramp))
    centres = (np.arange(levels) + 0.5) / levels
    palette = np.stack([np.interp(centres, at, ramp[:, c]) for c in range(3)], axis=1)
    rgb = palette[band]
    isoline = np.zeros(band.shape, dtype=bool)
    isoline[1:, :] |= band[1:, :] != band[:-1, :]
    isoline[:, 1:] |= band[:, 1:] != band[:, :-1]
    rgb[isoline] *= 0.8
    return Image.fromarray(rgb[::-1].round().astype(np.uint8), mode="RGB")


def contour_png(z: np.ndarray, levels: int = CONTOUR_LEVELS) -> str:
    """The :func:`contour_picture` of ``z`` as a PNG data URI.

    Plotly's animation drops contour and heatmap traces from the plot while frames play
    (plotly.js #4491), so the map's contour is a background image.
    """
    buffer = io.BytesIO()
    contour_picture(z, levels).save(buffer, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def contour_image(contour: str, window) -> dict:
    """Layout image that lays the contour picture exactly over ``window``, behind the plot."""
    (xlo, xhi), (ylo, yhi) = window
    return {
        "name": "contour",
        "source": contour,
        "xref": "x",
        "yref": "y",
        "x": xlo,
        "y": yhi,
        "sizex": xhi - xlo,
        "sizey": yhi - ylo,
        "sizing": "stretch",
        "layer": "below",
    }


def map_axes(window, domain: list[float] | None = None) -> dict:
    """The map's x and y axes over ``window``: equal scales, so steps look as they are."""
    (xlo, xhi), (ylo, yhi) = window
    xaxis = {
        "range": [xlo, xhi],
        "title": {"text": "x", "standoff": 2},
        "showgrid": False,
        "zeroline": False,
        "constrain": "domain",
    }
    if domain is not None:
        xaxis["domain"] = domain
    yaxis = {
        "range": [ylo, yhi],
        "title": {"text": "y"},
        "showgrid": False,
        "zeroline": False,
        "scaleanchor": "x",
        "scaleratio": 1,
        "constrain": "domain",
    }
    return {"xaxis": xaxis, "yaxis": yaxis}


def minima_trace(minima: np.ndarray) -> dict:
    """The known minima, marked with a cross."""
    return {
        "type": "scatter",
        "meta": "minima",
        "name": "known minimum",
        "x": _r(minima[:, 0]),
        "y": _r(minima[:, 1]),
        "mode": "markers",
        "marker": {"symbol": "x-thin", "size": 12, "line": {"width": 2, "color": "#222"}},
        "hovertemplate": "minimum (%{x:.4g}, %{y:.4g})<extra></extra>",
    }


def frame_steps(steps: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """The step shown by each animation frame: all of them, or ``max_frames`` spread evenly."""
    if steps + 1 <= max_frames:
        return np.arange(steps + 1)
    return np.unique(np.round(np.linspace(0, steps, max_frames)).astype(int))


def _window_margin(window) -> tuple[tuple[float, float], tuple[float, float]]:
    (x0, x1), (y0, y1) = window
    mx, my = 0.01 * (x1 - x0), 0.01 * (y1 - y0)
    return (x0 + mx, x1 - mx), (y0 + my, y1 - my)


# The arrays of a run's motion (see run_motion) and the typed-array dtype each is sent as.
MOTION_DTYPES = {"stop": "i4", "since": "i4", "x": "f4", "y": "f4", "crossed": "u1", "loss": "f8"}


def run_motion(path: Path, shown: np.ndarray, window, log_loss: bool) -> dict[str, np.ndarray]:
    """What a run's animated traces show in each frame, as arrays (one entry per frame).

    Frame ``k`` shows step ``shown[k]``: the run's point ``stop[k]`` (a run that stopped,
    having diverged, stays where it left), its trail from point ``since[k]`` to ``stop[k]``,
    its marker at ``(x[k], y[k])``, the point pinned to the map's edge, drawn as a cross where
    ``crossed[k]``, and its loss marker at ``(stop[k], loss[k])``.
    """
    last = len(path.xy) - 1
    stops = np.minimum(shown, last)
    (x0, x1), (y0, y1) = _window_margin(window)
    at = path.xy[stops]
    pinned = np.column_stack([np.clip(at[:, 0], x0, x1), np.clip(at[:, 1], y0, y1)])
    crossed = (pinned != at).any(axis=1) | ((path.diverged_at is not None) & (shown >= last))
    loss = path.loss[stops]
    since = np.minimum(shown[np.maximum(0, np.arange(len(shown)) - TRAIL_FRAMES)], stops)
    return {
        "stop": stops,
        "since": since,
        "x": pinned[:, 0],
        "y": pinned[:, 1],
        "crossed": crossed,
        "loss": np.maximum(loss, 1e-300) if log_loss else loss,
    }


def thin_indices(lo: int, hi: int, most: int = TRAIL_POINTS) -> list[int]:
    """At most ``most`` of the indices ``lo`` … ``hi``, evenly spread, always keeping ``hi``.

    Integer arithmetic only, so that the app's element picks the same points in JavaScript.
    """
    n = hi - lo + 1
    if n <= most:
        return list(range(lo, hi + 1))
    return [lo + i * (n - 1) // (most - 1) for i in range(most)]


def frame_data(
    runs: Sequence[dict[str, np.ndarray]],
    sources: Sequence[np.ndarray],
    symbols: Sequence[str],
    k: int,
    trail_points: int = TRAIL_POINTS,
) -> list[dict]:
    """Frame ``k``'s animated traces: every run's trail, then markers, then loss markers.

    ``sources`` are the runs' whole paths as drawn (float32, as the figure sends them), the
    points the trails are cut from.
    """
    trails, markers, loss_markers = [], [], []
    for run, xy, base in zip(runs, sources, symbols, strict=True):
        stop = int(run["stop"][k])
        trail = xy[thin_indices(int(run["since"][k]), stop, trail_points)]
        trails.append({"x": _r(trail[:, 0]), "y": _r(trail[:, 1])})
        markers.append(
            {
                "x": _r(run["x"][k : k + 1]),
                "y": _r(run["y"][k : k + 1]),
                "marker": {"symbol": "x" if run["crossed"][k] else base},
            }
        )
        loss_markers.append({"x": [stop], "y": [float(f"{run['loss'][k]:.6g}")]})
    return trails + markers + loss_markers


def motion_frames(figure: dict) -> list[dict]:
    """The animation frames a figure's ``motion`` stands for (see :func:`race_figure`).

    The app's element builds the same frames in the browser (``buildFrames`` in
    ui/plotly_element.py); tests/test_browser.py checks that the two agree.
    """
    motion = figure["motion"]
    runs = [{name: untyped(run[name]) for name in MOTION_DTYPES} for run in motion["runs"]]
    sources = [
        np.column_stack([untyped(figure["data"][i]["x"]), untyped(figure["data"][i]["y"])])
        for i in motion["paths"]
    ]
    symbols = [run["symbol"] for run in motion["runs"]]
    trail_points = motion["trailPoints"]
    return [
        {
            "name": str(step),
            "data": frame_data(runs, sources, symbols, k, trail_points),
            "traces": motion["traces"],
        }
        for k, step in enumerate(motion["steps"])
    ]


def _r(values) -> list[float]:
    """Coordinates for the JSON of frames: four decimals are finer than a pixel."""
    return np.round(np.asarray(values, dtype=float), 4).tolist()


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


# The race's type size (px), line widths and marker sizes: on a laptop (False), and on a
# projector (True, presentation mode), where the back row must read the labels and paths.
RACE_SIZES = {
    False: dict(font=13, path=1.2, loss=1.8, trail=3, marker=13, loss_marker=9, minimum=12),
    True: dict(font=22, path=3.5, loss=4, trail=6, marker=24, loss_marker=15, minimum=22),
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
    for p in paths:
        data.append(
            {
                "type": "scatter",
                "meta": f"path-{p.name}",
                "name": p.label,
                "legendgroup": p.name,
                "x": typed(p.xy[:, 0]),
                "y": typed(p.xy[:, 1]),
                "mode": "lines",
                "line": {"color": colour(p.name), "width": size["path"]},
                "opacity": 0.55,
                "hovertemplate": f"{p.label}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
            }
        )
    for p in paths:
        loss = np.maximum(p.loss, 1e-300) if log_loss else p.loss
        data.append(
            {
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
                "line": {"color": colour(p.name), "width": size["loss"]},
                "hovertemplate": f"{p.label}<br>step %{{x}}: %{{y:.3g}}<extra></extra>",
            }
        )

    shown = frame_steps(steps)
    first_animated = len(data)
    animated = list(range(first_animated, first_animated + 3 * len(paths)))
    runs = [run_motion(p, shown, window, log_loss) for p in paths]
    sources = [p.xy.astype(np.float32) for p in paths]  # the paths as their traces send them
    symbols = [symbol(p.name) for p in paths]
    first = frame_data(runs, sources, symbols, 0)
    data += animated_traces(paths, first, size)
    # Tick labels drawn as they fall: plotly otherwise measures each one on every redraw to
    # hide those that overflow, a tenth of the redraw.
    axes = map_axes(window, domain=[0, 0.6])
    for axis in axes.values():
        axis["ticklabeloverflow"] = "allow"
    layout = {
        "images": [contour_image(contour, window)],
        "height": height,
        # r: room for the last tick label of the loss panel (labels may overflow, below)
        "margin": {"l": 50, "r": 25, "t": 30, "b": 110 if player else 45},
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
        "yaxis2": {
            "anchor": "x2",
            "type": "log" if log_loss else "linear",
            "range": loss_range(paths, log_loss),
            "title": {"text": loss_title},
            "exponentformat": "power",
            "ticklabeloverflow": "allow",
        },
        **(player_controls(shown) if player else {}),
    }
    if motion:
        return {
            "data": data,
            "layout": layout,
            "motion": {
                "steps": shown.tolist(),
                "traces": animated,
                "paths": path_traces,
                "trailPoints": TRAIL_POINTS,
                "runs": [
                    {"symbol": base, **{k: typed(run[k], t) for k, t in MOTION_DTYPES.items()}}
                    for run, base in zip(runs, symbols, strict=True)
                ],
            },
        }
    frames = [
        {"name": str(int(step)), "data": frame_data(runs, sources, symbols, k), "traces": animated}
        for k, step in enumerate(shown)
    ]
    return {"data": data, "layout": layout, "frames": frames}


FRAME_MS = 60  # a frame's duration at normal speed, the element's player's as well


def player_controls(shown: np.ndarray) -> dict:
    """Plotly's own Play / Fast / Pause buttons and step slider over the frames of ``shown``.

    Layout entries (``updatemenus``, ``sliders``) for a figure shown on its own, as in the
    HTML download; they cost every redraw a third of its time, so the app draws its own.
    """

    def animate(duration: int) -> dict:
        return {
            "frame": {"duration": duration, "redraw": False},
            "transition": {"duration": 0},
            "fromcurrent": True,
            "mode": "immediate",
        }

    return {
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "x": 0.0,
                "y": -0.22,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 0, "r": 8},
                "showactive": False,
                "buttons": [
                    {"label": "▶ Play", "method": "animate", "args": [None, animate(FRAME_MS)]},
                    {
                        "label": "▶▶ Fast",
                        "method": "animate",
                        "args": [None, animate(FRAME_MS // 4)],
                    },
                    {
                        "label": "❚❚ Pause",
                        "method": "animate",
                        "args": [[None], {**animate(0), "mode": "immediate"}],
                    },
                ],
            }
        ],
        "sliders": [
            {
                "active": 0,
                "x": 0.28,
                "len": 0.72,
                "y": -0.19,
                "tickcolor": "rgba(0,0,0,0)",
                "font": {"size": 10},
                "yanchor": "top",
                "pad": {"t": 0, "b": 0},
                "currentvalue": {"prefix": "step ", "xanchor": "left"},
                "steps": [
                    {
                        "label": str(int(s)),
                        "method": "animate",
                        "args": [[str(int(s))], animate(0)],
                    }
                    for s in shown
                ],
            }
        ],
    }


def click_grid(window, n: int) -> dict:
    """An ``n`` × ``n`` grid of invisible points over ``window``, named ``click-grid``.

    For ``st.plotly_chart``, which reports clicks on points only: a click on one sets the
    start point there. The app's own element reads a click's position without them.
    """
    (xlo, xhi), (ylo, yhi) = window
    gx, gy = np.meshgrid(np.linspace(xlo, xhi, n), np.linspace(ylo, yhi, n))
    return {
        "type": "scatter",
        "meta": "click-grid",
        "x": typed(gx.ravel()),
        "y": typed(gy.ravel()),
        "mode": "markers",
        "marker": {"size": 9, "opacity": 0},
        "hovertemplate": "click to start here<br>(%{x:.2f}, %{y:.2f})<extra></extra>",
        "showlegend": False,
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


# --- inspector ---------------------------------------------------------------------------------

# The inspector's arrows: colour-blind-safe (Paul Tol's) colours that no optimizer wears, so
# every optimizer keeps its own colour on this page too.
ARROW_COLOURS = {"gradient": "#CC6677", "momentum": "#DDAA33", "step": "#555555"}
SETTING_B_COLOUR = "#777777"  # setting B in the A/B comparison, drawn dashed
SERIES_POINTS = 400  # at most this many points per time series
CONVENTION_COLOUR = "#AA3377"  # momentum's other convention (Paul Tol's purple)


def _length(vector: np.ndarray) -> float:
    """Euclidean length without overflow for huge components (``hypot`` rescales)."""
    return float(np.hypot(*np.asarray(vector, dtype=float)[:2]))


def inspected_colour(name: str) -> str:
    """The optimizer's colour on the inspector's map: its colour everywhere else."""
    assert colour(name) not in ARROW_COLOURS.values()
    return colour(name)


@dataclasses.dataclass(frozen=True)
class InspectedRun:
    """One run on the inspector's map.

    Attributes:
      label: legend text; colour, dash: how its path is drawn.
      xy: ``(n, 2)`` finite iterates (cut where the run diverged).
    """

    label: str
    xy: np.ndarray
    colour: str
    dash: str = "solid"


@dataclasses.dataclass(frozen=True)
class MapArrow:
    """A vector drawn from ``origin``; ``kind`` is a key of :data:`ARROW_COLOURS`."""

    kind: str
    label: str
    origin: np.ndarray
    vector: np.ndarray
    dash: str = "solid"


def nice_scale(longest: float, span: float, share: float = 0.3) -> float:
    """A round factor (1, 2 or 5 × 10ⁿ) that draws a vector of length ``longest`` at about
    ``share`` of ``span``; 1 for a zero or non-finite length."""
    if not (np.isfinite(longest) and longest > 0 and np.isfinite(span) and span > 0):
        return 1.0
    raw = share * span / longest
    exponent = np.floor(np.log10(raw))
    mantissa = raw / 10**exponent
    step = 5.0 if mantissa >= 5 else 2.0 if mantissa >= 2 else 1.0
    return float(step * 10**exponent)


def inspector_map(
    contour: str,
    window,
    minima: np.ndarray,
    runs: Sequence[InspectedRun],
    k: int,
    arrows: Sequence[MapArrow],
    *,
    scale: float | None = None,
    height: int = 520,
) -> dict:
    """The map at step ``k``: contour, each run's whole path (faint) and its path up to ``k``
    (bold) with a marker at ``k``, and the arrows of step ``k``.

    Every arrow is drawn at the one factor ``scale`` (said in its legend entry), even one too
    short to see, so lengths compare within the map and, when the caller keeps ``scale``
    fixed, from one map to the next. Without ``scale`` the longest arrow sets it
    (:func:`nice_scale`)."""
    (xlo, xhi), (ylo, yhi) = window
    data: list[dict] = []
    if len(minima):
        data.append(minima_trace(minima))
    for i, run in enumerate(runs):
        so_far = run.xy[: k + 1]
        common = {"type": "scatter", "legendgroup": f"run{i}", "hoverinfo": "skip"}
        data.append(
            {
                **common,
                "meta": f"inspect-path-{i}",
                "name": run.label,
                "showlegend": False,
                "x": _r(run.xy[:, 0]),
                "y": _r(run.xy[:, 1]),
                "mode": "lines",
                "line": {"color": run.colour, "width": 1, "dash": run.dash},
                "opacity": 0.35,
            }
        )
        data.append(
            {
                **common,
                "meta": f"inspect-sofar-{i}",
                "name": run.label,
                "x": _r(so_far[:, 0]),
                "y": _r(so_far[:, 1]),
                "mode": "lines+markers" if len(so_far) <= 60 else "lines",
                "line": {"color": run.colour, "width": 2.5, "dash": run.dash},
                "marker": {"size": 4, "color": run.colour},
            }
        )
        data.append(
            {
                **common,
                "meta": f"inspect-marker-{i}",
                "name": run.label,
                "showlegend": False,
                "x": _r(so_far[-1:, 0]),
                "y": _r(so_far[-1:, 1]),
                "mode": "markers",
                "marker": {
                    "color": run.colour,
                    "size": 12,
                    "symbol": "circle-open" if run.dash != "solid" else "circle",
                    "line": {"width": 2, "color": run.colour if run.dash != "solid" else "white"},
                },
                "hovertemplate": f"{run.label}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
                "hoverinfo": "all",
            }
        )
    finite = [a for a in arrows if np.all(np.isfinite(a.vector)) and np.all(np.isfinite(a.origin))]
    if scale is None:
        longest = max((_length(a.vector) for a in finite), default=0.0)
        scale = nice_scale(longest, min(xhi - xlo, yhi - ylo))
    shown = "true length" if scale == 1 else f"drawn ×{scale:g}"
    for a in sorted(finite, key=lambda a: -_length(a.vector)):  # short on top
        head = a.origin + scale * a.vector
        data.append(
            {
                "type": "scatter",
                "meta": f"arrow-{a.kind}",
                "name": f"{a.label}, {shown}",
                "x": _r([a.origin[0], head[0]]),
                "y": _r([a.origin[1], head[1]]),
                "mode": "lines+markers",
                "line": {"color": ARROW_COLOURS[a.kind], "width": 3, "dash": a.dash},
                "marker": {
                    "symbol": ["circle", "arrow"],
                    "size": [5, 16],
                    "angleref": "previous",
                    "color": ARROW_COLOURS[a.kind],
                },
                "hovertemplate": (
                    f"{a.label}<br>Δx = {a.vector[0]:.4g}, Δy = {a.vector[1]:.4g}, "
                    f"length {_length(a.vector):.4g}<extra></extra>"
                ),
            }
        )
    layout = {
        "images": [contour_image(contour, window)],
        "height": height,
        "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
        "hovermode": "closest",
        "uirevision": "inspector",
        "plot_bgcolor": "white",
        "font": FONT,
        "legend": {"orientation": "h", "x": 0, "y": -0.14, "yanchor": "top"},
        **map_axes(window),
    }
    return {"data": data, "layout": layout}


def _finite_list(values: np.ndarray, positive: bool = False) -> list[float | None]:
    """Values for JSON: five significant digits, ``None`` (a gap) where not finite (or ≤ 0)."""
    values = np.asarray(values, dtype=float)
    ok = np.isfinite(values) & ((values > 0) if positive else True)
    return [float(f"{v:.5g}") if good else None for v, good in zip(values, ok, strict=True)]


def inspector_series(
    runs: Sequence[tuple[str, str, dict[str, np.ndarray]]],
    titles: dict[str, str],
    log_rows: frozenset[str] | set[str],
    k: int,
    steps: int,
    *,
    row_height: int = 120,
) -> dict:
    """Stacked time series, one row per quantity in ``titles`` that some run has.

    ``runs`` holds ``(label, colour, series)`` with ``series[name]`` of shape ``(steps, 2)``
    for steps ``1..steps``: the x coordinate solid, y dashed (the ``"bias"`` row holds the
    β₁ and β₂ factors instead). Rows in ``log_rows`` use a log axis. A vertical line marks k.
    """
    names = [n for n in titles if any(n in s for _, _, s in runs)]
    rows = max(len(names), 1)
    gap = 0.04
    size = (1 - gap * (rows - 1)) / rows
    t = np.arange(1, steps + 1)
    keep = np.unique(np.round(np.linspace(0, steps - 1, min(steps, SERIES_POINTS))).astype(int))
    keep = keep[keep >= 0] if steps else np.array([], dtype=int)
    data: list[dict] = []
    layout: dict = {
        "height": row_height * rows + 80,
        "margin": {"l": 60, "r": 10, "t": 30, "b": 40},
        "hovermode": "x",
        "uirevision": "inspector-series",
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        "shapes": [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": k,
                "x1": k,
                "y0": 0,
                "y1": 1,
                "line": {"color": "#444", "width": 1, "dash": "dot"},
            }
        ],
        "annotations": [],
    }
    for row, name in enumerate(names):
        top = 1 - row * (size + gap)
        suffix = "" if row == 0 else str(row + 1)
        layout[f"xaxis{suffix}"] = {
            "anchor": f"y{suffix}",
            "range": [0, max(steps, 1)],
            "showticklabels": row == rows - 1,
            "title": {"text": "step t"} if row == rows - 1 else None,
            **({"matches": "x"} if row else {}),
        }
        log = name in log_rows
        layout[f"yaxis{suffix}"] = {
            "domain": [max(top - size, 0.0), top],
            "anchor": f"x{suffix}",
            "type": "log" if log else "linear",
            "exponentformat": "power",
            "nticks": 4,
        }
        layout["annotations"].append(
            {
                "text": f"<b>{titles[name]}</b>" + (" (log)" if log else ""),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": top,
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "font": {"size": 11},
                "bgcolor": "rgba(255,255,255,0.7)",
            }
        )
        for i, (label, colour_, series) in enumerate(runs):
            if name not in series:
                continue
            values = np.asarray(series[name], dtype=float)[keep]
            parts = ("1/(1−β₁ᵗ)", "1/(1−β₂ᵗ)") if name == "bias" else ("x", "y")
            for c, (part, dash) in enumerate(zip(parts, ("solid", "dash"), strict=True)):
                ys = _finite_list(values[:, c], positive=log)
                if not any(v is not None for v in ys):
                    continue
                data.append(
                    {
                        "type": "scatter",
                        "meta": f"series-{name}-{i}-{part}",
                        "name": f"{label} · {part}",
                        "legendgroup": f"{i}-{c}",
                        "showlegend": name != "bias" and row == 0,
                        "x": t[keep].tolist(),
                        "y": ys,
                        "xaxis": f"x{suffix}",
                        "yaxis": f"y{suffix}",
                        "mode": "lines",
                        "line": {"color": colour_, "width": 1.6, "dash": dash},
                        "hovertemplate": f"{label} {part}: %{{y:.4g}}<extra></extra>",
                    }
                )
    return {"data": data, "layout": layout}


# --- training ----------------------------------------------------------------------------------

# Probability of class 1 from 0 (blue) to 1 (orange), pale so the data points stand out.
BOUNDARY_SCALE = [[0.0, "#9ecae1"], [0.5, "#f7f7f7"], [1.0, "#fdd0a2"]]
# Class k's points, and the pale tint of the region the model gives to class k.
CLASS_COLOURS = ("#08519c", "#a63603", "#54278f", "#006d2c")
CLASS_TINTS = ("#9ecae1", "#fdd0a2", "#cbc9e2", "#a1d99b")
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
                        "x": _r(curve.x),
                        "y": _r(np.maximum(values, 1e-6) if panel == 0 else values),
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
    gap = 0.04
    steps = np.unique(np.concatenate([b.steps for b in boundaries]))
    data: list[dict] = []
    layout: dict = {
        "height": 300 * rows + 120,
        "margin": {"l": 30, "r": 30, "t": 40, "b": 20},
        "font": FONT,
        "showlegend": False,
        "annotations": [],
    }

    def shown(b: Boundary, step: int) -> np.ndarray:
        prob = b.prob[max(0, int(np.searchsorted(b.steps, step, side="right")) - 1)]
        return prob[..., 1] if classes == 2 else class_regions(prob)

    for i, b in enumerate(boundaries):
        row, col = divmod(i, columns)
        suffix = "" if i == 0 else str(i + 1)
        x0, x1 = col / columns + gap / 2, (col + 1) / columns - gap / 2
        y1 = 1 - row / rows - gap
        y0 = 1 - (row + 1) / rows + gap / 2
        layout[f"xaxis{suffix}"] = {
            "domain": [x0, x1],
            "range": [float(grid_x[0]), float(grid_x[-1])],
            "showticklabels": False,
            "anchor": f"y{suffix}",
        }
        layout[f"yaxis{suffix}"] = {
            "domain": [y0, y1],
            "range": [float(grid_y[0]), float(grid_y[-1])],
            "showticklabels": False,
            "anchor": f"x{suffix}",
        }
        title = b.label + (f" — diverged at step {b.diverged_at}" if b.diverged_at else "")
        layout["annotations"].append(
            {
                "text": f"<b>{title}</b>",
                "x": (x0 + x1) / 2,
                "y": y1,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"color": colour(b.name)},
            }
        )
        axes = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}
        if classes == 2:
            surface = {
                "type": "contour",
                "zmin": 0.0,
                "zmax": 1.0,
                "contours": {"start": 0.1, "end": 0.9, "size": 0.1},
                "colorscale": BOUNDARY_SCALE,
                "line": {"width": 0.5, "color": "#bbbbbb"},
                "colorbar": {"title": {"text": "P(class 1)"}, "len": 0.6},
                "hovertemplate": "P(class 1) = %{z:.2f}<extra></extra>",
            }
        else:
            surface = {
                "type": "heatmap",
                "zmin": 0.0,
                "zmax": float(classes),
                "zsmooth": False,  # smoothing would blend two classes into a third between them
                "colorscale": region_scale(classes),
                "colorbar": {
                    "title": {"text": "predicted class"},
                    "len": 0.6,
                    "tickvals": [k + 0.5 for k in range(classes)],
                    "ticktext": class_names,
                },
                "hoverinfo": "skip",
            }
        data.append(
            {
                **surface,
                "x": typed(grid_x),
                "y": typed(grid_y),
                "z": typed(shown(b, int(steps[-1]))),
                "showscale": i == 0,
                **axes,
            }
        )
    for i in range(len(boundaries)):
        suffix = "" if i == 0 else str(i + 1)
        for cls in range(classes):
            xy = points[labels == cls]
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": _r(xy[:, 0]),
                    "y": _r(xy[:, 1]),
                    "marker": {
                        "size": 4,
                        "color": CLASS_COLOURS[cls],
                        "line": {"width": 0.5, "color": "white"},
                    },
                    "hoverinfo": "skip",
                    "xaxis": f"x{suffix}",
                    "yaxis": f"y{suffix}",
                }
            )
    frames = [
        {
            "name": str(int(step)),
            "data": [{"z": typed(shown(b, int(step)))} for b in boundaries],
            "traces": list(range(len(boundaries))),
        }
        for step in steps
    ]
    layout["sliders"] = [
        {
            "active": len(steps) - 1,
            "x": 0.1,
            "len": 0.9,
            "currentvalue": {"prefix": "step "},
            "pad": {"t": 10},
            "steps": [
                {
                    "label": str(int(step)),
                    "method": "animate",
                    "args": [
                        [str(int(step))],
                        {"mode": "immediate", "frame": {"duration": 0, "redraw": True}},
                    ],
                }
                for step in steps
            ],
        }
    ]
    layout["updatemenus"] = [
        {
            "type": "buttons",
            "direction": "left",
            "x": 0.0,
            "y": 0.0,
            "yanchor": "top",
            "pad": {"t": 45},
            "buttons": [
                {
                    "label": "▶ Play",
                    "method": "animate",
                    "args": [
                        None,
                        {
                            "frame": {"duration": 150, "redraw": True},
                            "fromcurrent": False,
                            "transition": {"duration": 0},
                        },
                    ],
                }
            ],
        }
    ]
    return {"data": data, "layout": layout, "frames": frames}


def bias_correction_figure(betas: Sequence[tuple[str, float]], steps: int = 100) -> dict:
    """The factor 1/(1 − βᵗ) by which Adam scales its moments, for each ``(label, β)``."""
    t = np.arange(1, steps + 1)
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": f"{label} = {beta:g}",
            "x": t.tolist(),
            "y": _r(1.0 / (1.0 - np.float64(beta) ** t)) if beta < 1 else [],
            "line": {"width": 2, "dash": "solid" if i < 2 else "dot"},
            "hovertemplate": f"{label} = {beta:g}, t = %{{x}}: ×%{{y:.4g}}<extra></extra>",
        }
        for i, (label, beta) in enumerate(betas)
        if beta > 0
    ]
    layout = {
        "height": 320,
        "margin": {"l": 60, "r": 20, "t": 20, "b": 50},
        "font": FONT,
        "xaxis": {"title": {"text": "step t"}},
        "yaxis": {"type": "log", "title": {"text": "1 / (1 − βᵗ)"}},
        "legend": {"orientation": "h", "y": -0.25},
    }
    return {"data": data, "layout": layout}


# --- sweep maps --------------------------------------------------------------------------------

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
    for x, y, label in marks:
        data.append(
            {
                "type": "scatter",
                "meta": "optimum",
                "name": label,
                "x": [float(x)],
                "y": [float(y)],
                "mode": "markers+text",
                "text": [label],
                "textposition": "top right",
                "textfont": {"color": OPTIMUM_COLOUR},
                "marker": {
                    "symbol": "x-thin",
                    "size": 14,
                    "line": {"width": 3, "color": OPTIMUM_COLOUR},
                },
                "hovertemplate": f"{label}: (%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
                "showlegend": False,
            }
        )
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
