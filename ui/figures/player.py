"""The player shared by every animated map: which steps the frames show, what each run's
traces show in each frame (its ``motion``), the frames built from it, and plotly's own
Play / Pause buttons and step slider for a figure shown on its own.

The app's element (``ui/plotly_element.py``) builds the same frames in the browser from a
figure's ``motion``; :func:`motion_frames` is that construction in Python.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ui.figures.encoding import rounded, typed, untyped
from ui.figures.landscape import Path

MAX_FRAMES = 150
TRAIL_FRAMES = 6
TRAIL_POINTS = 16


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
        trails.append({"x": rounded(trail[:, 0]), "y": rounded(trail[:, 1])})
        markers.append(
            {
                "x": rounded(run["x"][k : k + 1]),
                "y": rounded(run["y"][k : k + 1]),
                "marker": {"symbol": "x" if run["crossed"][k] else base},
            }
        )
        loss_markers.append({"x": [stop], "y": [float(f"{run['loss'][k]:.6g}")]})
    return trails + markers + loss_markers


def motion_spec(
    steps: Sequence[int],
    traces: list[int],
    paths: list[int],
    runs: Sequence[dict[str, np.ndarray]],
    symbols: Sequence[str],
) -> dict:
    """A figure's ``motion``: what its frames are built from, in their place.

    ``steps`` name the frames; ``traces`` are the animated traces' indices, ``paths`` the
    indices of the runs' whole paths (the points trails are cut from); ``runs`` are
    :func:`run_motion`'s arrays, sent as typed arrays, a seventh of the frames' size.
    """
    return {
        "steps": [int(s) for s in steps],
        "traces": traces,
        "paths": paths,
        "trailPoints": TRAIL_POINTS,
        "runs": [
            {"symbol": base, **{k: typed(run[k], t) for k, t in MOTION_DTYPES.items()}}
            for run, base in zip(runs, symbols, strict=True)
        ],
    }


def motion_frames(figure: dict) -> list[dict]:
    """The animation frames a figure's ``motion`` stands for (see :func:`motion_spec`).

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


FRAME_MS = 60  # a frame's duration at normal speed, the element's player's as well


def player_controls(
    shown: np.ndarray,
    *,
    frame_ms: int = FRAME_MS,
    redraw: bool = False,
    at_end: bool = False,
    y: float = -0.19,
    buttons_below: bool = False,
) -> dict:
    """Plotly's own Play / Fast / Pause buttons and step slider over the frames of ``shown``.

    Layout entries (``updatemenus``, ``sliders``) for a figure shown on its own, as in the
    HTML download; they cost every redraw a third of its time, so the app draws its own.
    ``redraw`` for frames that change what plotly draws only on a full redraw (a heatmap's
    ``z``). ``at_end`` for a figure whose data shows its last frame: the slider starts there
    and Play from the first frame. ``y`` is the slider's top (paper coordinates), the buttons
    sit just below it on its left, or with ``buttons_below`` under it, the slider then
    spanning the width (for a figure that may be narrow, as on a phone).
    """

    def animate(duration: int) -> dict:
        return {
            "frame": {"duration": duration, "redraw": redraw},
            "transition": {"duration": 0},
            "fromcurrent": not at_end,
            "mode": "immediate",
        }

    buttons = [
        {"label": "▶ Play", "method": "animate", "args": [None, animate(frame_ms)]},
        {"label": "▶▶ Fast", "method": "animate", "args": [None, animate(frame_ms // 4)]},
        {"label": "❚❚ Pause", "method": "animate", "args": [[None], animate(0)]},
    ]
    return {
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "x": 0.0,
                "y": y - 0.03,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 70 if buttons_below else 0, "r": 8},
                "showactive": False,
                "buttons": buttons,
            }
        ],
        "sliders": [
            {
                "active": len(shown) - 1 if at_end else 0,
                "x": 0.0 if buttons_below else 0.28,
                "len": 1.0 if buttons_below else 0.72,
                "y": y,
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
