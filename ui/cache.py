"""Cached calls into optim_core, shared by every session of the server.

Arguments are plain hashable values (names, tuples of numbers), so two students looking at
the same scene share one computation, and a slider moved for Adam recomputes only Adam's
run. Every cache is bounded in entries and time, so a busy classroom cannot fill memory.

The calls a slider move makes (``landscape``, ``trajectory``, ``contour``, ``figure_json``)
are ``ui.memo``'s, which cost the move less than ``st.cache_data`` (see there); the rest are
``st.cache_data``'s.

The heavy ones (``sweep``, ``robustness``, ``tuned_lr``) are marked ``heavy.pooled``: a page
asks for them through ``ui.waiting.computed``, so a miss is computed in the server's bounded
pool (``ui/heavy.py``) and a hit comes back at once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

import optim_core
from ui import heavy, plotly_element, report
from ui.figures.landscape import Grid, contour_png
from ui.memo import Memo, frozen, memoized
from ui.state import log_grid

CONTOUR_RESOLUTION = 400
SURFACE_RESOLUTION = 60
# Figures send z as float32 (largest 3.4e38); the surface lifts its paths by 1 % of the range.
_DISPLAY_LIMIT = 1e38

LandscapeKey = tuple[str, tuple[tuple[str, float], ...], str]


@memoized(max_entries=64, ttl=3600)
def landscape(key: LandscapeKey) -> optim_core.Landscape:
    """The landscape named by ``key = (name, parameter items, formula)``.

    Raises ``optim_core.ExpressionError`` for a formula that does not parse.
    """
    name, values, formula = key
    if name == "custom":
        return optim_core.parse_function(formula)
    return optim_core.LANDSCAPES[name].with_params(**dict(values))


def display_z(land: optim_core.Landscape, f: np.ndarray) -> tuple[np.ndarray, str]:
    """What contour and surface show: log10(f − f* + δ) for steep landscapes, else f.

    Values are clipped to the 98th percentile so one far corner cannot flatten the map, and
    well inside float32's range, in which figures send them.
    """
    with np.errstate(all="ignore"):
        finite = np.isfinite(f)
        if not finite.any():
            return np.zeros_like(f), "f"
        if not finite.all():  # the non-finite show as the highest finite value
            f = np.where(finite, f, np.nanmax(np.where(finite, f, np.nan)))
        f_min = land.f_min if report.knows_minimum(land) else None
        # The 98th percentile of what is shown lies between the shown values of the two
        # values of f (or f − f*) its own lies between, at the same place: the log is
        # increasing. One partition finds both.
        log = land.log_scale and f_min is not None
        g = f - f_min if log else f
        a, b, t = _around_98th(g)
        z, title = g, "f"
        if log:  # in g's own memory (f − f*): the map's 400² contour is redrawn at every κ move
            delta = max(1e-3 * (a + (b - a) * t), 1e-12)
            np.maximum(g, 0.0, out=g)
            g += delta
            z = np.log10(g, out=g)
            a, b = np.log10(np.maximum([a, b], 0.0) + delta)
            title = "log₁₀(f − f*)"
        # At most the 98th percentile, and beyond float32's range (f = 1e300 * x^2) a figure
        # would show inf: one pass.
        hi = min(max(float(a + (b - a) * t), -_DISPLAY_LIMIT), _DISPLAY_LIMIT)
        return np.clip(z, -_DISPLAY_LIMIT, hi, out=z if log else None), title


def _around_98th(values: np.ndarray) -> tuple[float, float, float]:
    """The two values the 98th percentile of ``values`` lies between, and where between
    (``np.percentile``'s linear method: it is ``a + (b − a) · t``).

    Only the top few per cent are partitioned: those at or above a value that a sample of
    ~4,000 puts at about the 92nd percentile. When fewer than 98 % of the values lie below
    that bound, which the sample makes all but certain, the two values are among them; else
    every value is partitioned. The same values either way; the quadratic's 400² grid took
    0.7 ms to partition whole, 0.1 ms so (the other landscapes' 0.1–0.3).
    """
    flat = values.ravel()
    at = 0.98 * (flat.size - 1)
    low = int(np.floor(at))
    high = min(low + 1, flat.size - 1)
    sample = flat[:: max(1, flat.size // 4096)]
    k = max(0, int(sample.size * low / flat.size - 4 * np.sqrt(sample.size)))
    top = flat[flat >= np.partition(sample, k)[k]]
    below = flat.size - top.size  # values under the bound, all smaller than the two
    if below > low:  # the sample misled: partition everything
        top, below = flat, 0
    part = np.partition(top, [low - below, high - below])
    return float(part[low - below]), float(part[high - below]), at - low


def sample(key: LandscapeKey, window: tuple[tuple[float, float], ...], resolution: int) -> Grid:
    """The landscape sampled on a ``resolution``² grid over ``window``, for display."""
    land = landscape(key)
    (x0, x1), (y0, y1) = window
    xs = np.linspace(x0, x1, resolution)
    ys = np.linspace(y0, y1, resolution)
    with np.errstate(all="ignore"):
        f = land.on_grid(xs, ys)  # row i at y = ys[i], column j at x = xs[j]
    z, title = display_z(land, f)
    return Grid(xs, ys, z, title)


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def grid(key: LandscapeKey, window: tuple[tuple[float, float], ...], resolution: int) -> Grid:
    """:func:`sample`, cached for the surface and the downloads. The map's contour samples
    its own: st.cache_data would pickle and copy a 400² grid on every landscape move that
    only needs the grid's picture."""
    return sample(key, window, resolution)


def schedule_of(key: tuple[str, tuple[tuple[str, float], ...]]) -> optim_core.Schedule:
    """The schedule named by ``key = (name, parameter items)``."""
    name, values = key
    return optim_core.SCHEDULES[name].with_params(**dict(values))


@memoized(max_entries=512, ttl=3600)
def trajectory(
    optimizer: str,
    key: LandscapeKey,
    start: tuple[float, float],
    steps: int,
    noise: float,
    seed: int,
    schedule: tuple[str, tuple[tuple[str, float], ...]],
    hyper: tuple[tuple[str, object], ...],
) -> optim_core.Trajectory:
    """One optimizer's run; the unit of caching, so only what changed is recomputed.

    Shared by every session that asks: its arrays are read-only.
    """
    return frozen(
        optim_core.run(
            optimizer,
            landscape(key),
            np.asarray(start, dtype=float),
            steps,
            noise=noise,
            seed=seed,
            schedule=schedule_of(schedule),
            **dict(hyper),
        )
    )


@memoized(max_entries=64, ttl=3600)
def contour(key: LandscapeKey, window: tuple[tuple[float, float], ...]) -> str:
    """The map's background picture of the landscape over ``window`` (a PNG data URI)."""
    return contour_png(sample(key, window, CONTOUR_RESOLUTION).z)


_FIGURES = Memo("ui.cache.figure_json", max_entries=128, ttl=3600)


def figure_json(key: tuple, build: Callable[[], dict]) -> str:
    """The JSON text of the figure named by ``key``, built once for every session that asks.

    A class on the teacher's scene asks for the same figure thirty times: only the first
    builds and encodes it, and a cached string is cheap to hand out. ``key`` must name
    everything the figure depends on.
    """
    return _FIGURES.get(key, lambda: plotly_element.figure_json(build()))


def scene_trajectory(
    scene, key: LandscapeKey, start: tuple[float, float], optimizer: str, hyper: dict
) -> optim_core.Trajectory:
    """``optimizer``'s run in ``scene`` (a ``ui.state.Scene``) with hyperparameters ``hyper``."""
    return trajectory(
        optimizer,
        key,
        start,
        scene.steps,
        scene.noise,
        scene.seed,
        scene.schedule_key(),
        tuple(hyper.items()),
    )


# --- sweep maps --------------------------------------------------------------------------------


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False)
@heavy.pooled
def sweep(
    optimizer: str,
    key: LandscapeKey,
    start: tuple[float, float],
    steps: int,
    noise: float,
    seed: int,
    schedule: tuple[str, tuple[tuple[str, float], ...]],
    fixed: tuple[tuple[str, object], ...],
    axes: tuple[tuple[str, tuple[float, ...]], ...],
    tol: float,
) -> dict[str, np.ndarray]:
    """The outcomes of a grid of runs over one or two hyperparameters, as ``(ny, nx)`` maps.

    ``axes`` is ``((x_name, x_values),)`` or ``((x_name, x_values), (y_name, y_values))``;
    ``fixed`` holds every other hyperparameter. The whole grid is one batched
    ``optim_core.run``; only the per-run outcomes are kept (the loss history of a 200 × 200 ×
    1000 sweep is 320 MB), so the cache stays small: ``gap`` (final f − f*, or f where f* is
    unknown), ``steps_to_tol`` (-1 if never), ``diverged_at`` (-1 if never) and ``rate`` (the
    measured per-step rate, :func:`optim_core.measured_rate`).
    """
    (x_name, xs), *rest = axes
    ys = rest[0][1] if rest else (None,)
    grid_x, grid_y = np.meshgrid(np.asarray(xs, dtype=float), np.asarray(ys, dtype=object))
    values = {x_name: grid_x.ravel()}
    if rest:
        values[rest[0][0]] = grid_y.ravel().astype(float)
    land = landscape(key)
    traj = optim_core.run(
        optimizer,
        land,
        np.asarray(start, dtype=float),
        steps,
        noise=noise,
        seed=seed,
        schedule=schedule_of(schedule),
        history="loss",
        **dict(fixed),
        **values,
    )
    f_min = traj.f_min if np.isfinite(traj.f_min) else 0.0
    shape = grid_x.shape
    with np.errstate(invalid="ignore"):
        gap = optim_core.final_loss(traj) - f_min
    reached = (
        optim_core.steps_to_tolerance(traj, tol)
        if np.isfinite(traj.f_min)
        else np.full(traj.loss.shape[1], -1)
    )
    return {
        "gap": np.reshape(gap, shape),
        "steps_to_tol": np.reshape(reached, shape),
        "diverged_at": np.reshape(traj.diverged_at, shape),
        "rate": np.reshape(optim_core.measured_rate(traj.loss, f_min), shape),
    }


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False)
@heavy.pooled
def robustness(
    key: LandscapeKey,
    optimizer: str,
    hyper: tuple[tuple[str, object], ...],
    steps: int,
    n: int,
    radius: float,
) -> np.ndarray:
    """Whether each start of an ``n`` × ``n`` grid over the window reaches a global minimum.

    One batched run over the ``(n * n, 2)`` starts; a run succeeds when its final iterate is
    within ``radius`` of a known global minimum. Returns an ``(n, n)`` boolean map, row ``i``
    at the ``i``-th y value.
    """
    land = landscape(key)
    (x0, x1), (y0, y1) = land.window
    xs, ys = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    starts = np.stack([xs.ravel(), ys.ravel()], axis=-1)
    traj = optim_core.run(optimizer, land, starts, steps, history="loss", **dict(hyper))
    with np.errstate(invalid="ignore"):
        reached = optim_core.distance_to_minimum(traj, land) <= radius  # NaN (diverged): no
    return reached.reshape(n, n)


@st.cache_data(max_entries=256, ttl=3600, show_spinner=False)
@heavy.pooled
def tuned_lr(
    optimizer: str,
    key: LandscapeKey,
    start: tuple[float, float],
    steps: int,
    noise: float,
    seed: int,
    schedule: tuple[str, tuple[tuple[str, float], ...]],
    fixed: tuple[tuple[str, object], ...],
) -> tuple[float | None, float]:
    """``optimizer``'s best η on its slider's values for this scene's budget, and its final loss.

    The candidates are the η slider's own values, so the tuned η can be set on the slider.
    """
    lr = next(p for p in optim_core.OPTIMIZERS[optimizer].hyperparams if p.name == "lr")
    land = landscape(key)
    best, final = optim_core.tune_learning_rate(
        optimizer,
        land,
        np.asarray(start, dtype=float),
        steps,
        log_grid(lr),
        noise=noise,
        seed=seed,
        schedule=schedule_of(schedule),
        **{k: v for k, v in fixed if k != "lr"},
    )
    f_min = land.f_min if land.f_min is not None else 0.0
    return best, (float(np.nanmin(final)) - f_min if best is not None else float("nan"))
