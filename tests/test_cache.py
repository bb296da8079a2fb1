"""ui.cache: what the map shows of a landscape."""

from __future__ import annotations

import numpy as np
import pytest

import optim_core
from ui import cache


def shown_by_np_percentile(land: optim_core.Landscape, f: np.ndarray) -> np.ndarray:
    """display_z's rule, each percentile numpy's own np.percentile: the reference."""
    f = np.where(np.isfinite(f), f, np.nanmax(np.where(np.isfinite(f), f, np.nan)))
    z = f
    if land.log_scale and land.f_min is not None and np.isfinite(land.f_min):
        delta = max(1e-3 * float(np.percentile(f - land.f_min, 98)), 1e-12)
        z = np.log10(np.maximum(f - land.f_min, 0.0) + delta)
    return np.clip(np.minimum(z, float(np.percentile(z, 98))), -1e38, 1e38)


@pytest.mark.parametrize("name", list(optim_core.LANDSCAPES))
def test_the_map_is_clipped_at_numpys_98th_percentile(name):
    """display_z finds the percentiles of f − f* and of its log with one partition: what
    it shows is, to the last bit, what np.percentile's thresholds give."""
    land = optim_core.LANDSCAPES[name]
    (x0, x1), (y0, y1) = land.window
    xy = np.stack(np.meshgrid(np.linspace(x0, x1, 61), np.linspace(y0, y1, 53)), axis=-1)
    with np.errstate(all="ignore"):
        f = land.f(xy)
        expected = shown_by_np_percentile(land, f)
    given = f.copy()
    z, _ = cache.display_z(land, f)
    assert np.array_equal(z, expected)
    assert np.array_equal(f, given)  # worked on its own copy


@pytest.mark.parametrize("name", list(optim_core.LANDSCAPES))
def test_the_maps_own_grid_is_clipped_at_numpys_98th_percentile(name):
    """At the map's 400², display_z partitions only the values above a sample's bound."""
    land = optim_core.LANDSCAPES[name]
    (x0, x1), (y0, y1) = land.window
    f = land.on_grid(np.linspace(x0, x1, 400), np.linspace(y0, y1, 400))
    with np.errstate(all="ignore"):
        expected = shown_by_np_percentile(land, f)
    assert np.array_equal(cache.display_z(land, f)[0], expected)


@pytest.mark.parametrize(
    "values",
    [
        np.where(np.arange(300_000) % 73 == 0, 1e9, np.arange(300_000) % 7),  # sample misleads
        np.random.default_rng(3).integers(0, 5, 160_000).astype(float),  # ties everywhere
        np.random.default_rng(4).standard_cauchy(99_999),
        np.full(50_000, 2.5),
    ],
    ids=["misleading-sample", "ties", "heavy-tails", "constant"],
)
def test_the_98th_percentile_is_numpys_whatever_the_sample_says(values):
    a, b, t = cache._around_98th(values)
    assert a + (b - a) * t == np.percentile(values, 98)
    ranked = np.sort(values)
    low = int(np.floor(0.98 * (values.size - 1)))
    assert (a, b) == (ranked[low], ranked[min(low + 1, values.size - 1)])


@pytest.mark.parametrize("formula", ["-1e300 * (2 + x^2)", "1e300 * (2 + x^2)", "1e-300 * x"])
def test_values_beyond_float32_show_at_its_limits(formula):
    land = optim_core.parse_function(formula)
    f = land.on_grid(np.linspace(-2.0, 2.0, 30), np.linspace(-1.0, 1.0, 20))
    z, _ = cache.display_z(land, f)
    assert np.array_equal(z, shown_by_np_percentile(land, f))
    assert np.abs(z).max() <= 1e38


def test_a_non_finite_value_shows_as_the_highest_finite_one():
    land = optim_core.LANDSCAPES["rosenbrock"]
    f = np.linspace(0.0, 50.0, 120).reshape(10, 12)
    f[2, 3], f[7, 1], f[0, 0] = np.inf, np.nan, -np.inf
    with np.errstate(all="ignore"):
        expected = shown_by_np_percentile(land, f)
    z, _ = cache.display_z(land, f)
    assert np.isfinite(z).all() and np.array_equal(z, expected)
    assert z[2, 3] == z[7, 1] == z[0, 0] == z[np.isfinite(f)].max()


def test_the_map_samples_the_landscape_row_by_y_column_by_x():
    land = optim_core.LANDSCAPES["rosenbrock"]
    grid = cache.sample(("rosenbrock", (), ""), land.window, 9)
    xs, ys = grid.xs, grid.ys
    with np.errstate(all="ignore"):
        f = land.f(np.stack(np.meshgrid(xs, ys), axis=-1))
    assert np.array_equal(grid.z, cache.display_z(land, f)[0])
