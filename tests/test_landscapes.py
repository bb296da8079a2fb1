"""Tests for optim_core.landscapes: every registered landscape, against independent references."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from gradient_checks import assert_one_point_gradients_are_the_batchs

from optim_core.landscapes import LANDSCAPES, QUADRATIC_L, Landscape
from optim_core.params import Param

EXPECTED_ORDER = [
    "quadratic",
    "rosenbrock",
    "beale",
    "himmelblau",
    "saddle",
    "rastrigin",
    "ackley",
    "booth",
    "six_hump_camel",
    "plateau",
]

# Every registered landscape, plus the quadratic at non-default parameters.
CASES = {
    **LANDSCAPES,
    "quadratic_k700_a-37": LANDSCAPES["quadratic"].with_params(kappa=700.0, angle=-37.0),
    "quadratic_k1_a90": LANDSCAPES["quadratic"].with_params(kappa=1.0, angle=90.0),
}
each_landscape = pytest.mark.parametrize("landscape", CASES.values(), ids=list(CASES))

EPS = np.finfo(np.float64).eps


def central_difference(f, points: np.ndarray, h: float) -> np.ndarray:
    """Fourth-order central differences of ``f`` at ``points`` (n, 2)."""
    columns = []
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        columns.append(
            (8.0 * (f(points + e) - f(points - e)) - (f(points + 2 * e) - f(points - 2 * e)))
            / (12.0 * h)
        )
    return np.stack(columns, axis=-1)


def random_points(landscape: Landscape, n: int, seed: int) -> np.ndarray:
    (x0, x1), (y0, y1) = landscape.window
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def test_registry_has_the_contract_landscapes_in_display_order():
    assert list(LANDSCAPES) == EXPECTED_ORDER
    for name, landscape in LANDSCAPES.items():
        assert landscape.name == name


@each_landscape
def test_gradient_matches_central_differences(landscape):
    points = random_points(landscape, 60, seed=len(landscape.name))
    h = 1e-4
    grad = landscape.grad(points)
    reference = central_difference(landscape.f, points, h)
    # Rounding in the differences is about eps |f| / h; allow 100 times that.
    rounding = 100 * EPS * (1.0 + np.abs(landscape.f(points)))[:, None] / h
    error = np.abs(grad - reference)
    assert np.all(error <= 1e-6 * np.abs(reference) + rounding), np.max(error)


@each_landscape
def test_minima_are_stationary_and_reach_f_min(landscape):
    if landscape.f_min is None:
        assert landscape.minima.shape == (0, 2)
        return
    assert landscape.minima.shape[0] >= 1
    values = landscape.f(landscape.minima)
    np.testing.assert_allclose(values, landscape.f_min, rtol=0, atol=1e-12)
    np.testing.assert_allclose(landscape.grad(landscape.minima), 0.0, rtol=0, atol=1e-9)
    # A genuine minimum, not a saddle: every nearby point is higher.
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    ring = 1e-3 * np.column_stack([np.cos(angles), np.sin(angles)])
    for minimum in landscape.minima:
        assert np.all(landscape.f(minimum + ring) > landscape.f(minimum))


@each_landscape
def test_f_min_is_the_lowest_value_in_the_window(landscape):
    (x0, x1), (y0, y1) = landscape.window
    grid = np.stack(np.meshgrid(np.linspace(x0, x1, 301), np.linspace(y0, y1, 301)), axis=-1)
    lowest = np.min(landscape.f(grid))
    if landscape.f_min is None:
        # Unbounded below: the window's corners go lower than its centre.
        assert lowest < landscape.f(np.array([(x0 + x1) / 2, (y0 + y1) / 2]))
    else:
        assert lowest >= landscape.f_min - 1e-12


@each_landscape
def test_scene_is_well_posed(landscape):
    (x0, x1), (y0, y1) = landscape.window
    start = np.array(landscape.start)
    assert x0 < start[0] < x1 and y0 < start[1] < y1
    for minimum in landscape.minima:
        assert x0 <= minimum[0] <= x1 and y0 <= minimum[1] <= y1
        assert np.linalg.norm(minimum - start) > 0.1 * min(x1 - x0, y1 - y0)
    g = landscape.grad(start)
    assert np.all(np.isfinite(g)) and np.linalg.norm(g) > 0
    assert np.isfinite(landscape.f(start))
    assert landscape.latex.startswith("f(x, y) = ")
    assert landscape.label and landscape.description
    assert isinstance(landscape.log_scale, bool)


@each_landscape
def test_vectorised_over_leading_axes(landscape):
    points = random_points(landscape, 12, seed=7).reshape(3, 4, 2)
    values, grads = landscape.f(points), landscape.grad(points)
    assert values.shape == (3, 4) and grads.shape == (3, 4, 2)
    for index in np.ndindex(3, 4):
        assert landscape.f(points[index]) == values[index]
        np.testing.assert_array_equal(landscape.grad(points[index]), grads[index])
    assert landscape.f(np.array([0.5, 0.25])).shape == ()
    assert landscape.grad([0.5, 0.25]).shape == (2,)  # lists and integers are accepted too
    assert landscape.f([[1, 2]]).dtype == np.float64


@each_landscape
def test_a_single_runs_gradient_is_the_batchs_bit_for_bit(landscape):
    """A single run's loop takes the gradient one point at a time, in NumPy scalars
    (``gradxy``); a batched run in arrays (``grad``): both give the same bits, signed zeros
    and overflows included."""
    points = np.vstack(
        [
            3.0 * random_points(landscape, 500, seed=11),
            [[0.0, 0.0], [-0.0, 0.0], [1e-300, 1e300], [1e200, -1e200], [1e154, -1e154]],
            landscape.minima,
        ]
    )
    assert landscape.gradxy is not None  # else both would go through grad
    assert_one_point_gradients_are_the_batchs(landscape, points, landscape.name)


@each_landscape
def test_huge_and_non_finite_inputs_are_quiet(landscape):
    points = np.array(
        [[1e200, -1e200], [-1e300, 1e300], [np.inf, 0.0], [np.nan, 1.0], [1e154, 1e154]]
    )
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        values, grads = landscape.f(points), landscape.grad(points)
        for point in points:  # one point at a time: the run loop's path
            landscape.f(point), landscape.grad(point)
    assert values.shape == (5,) and grads.shape == (5, 2)
    assert np.isnan(values[3])  # nan in, nan out


@each_landscape
def test_evaluation_does_not_touch_its_input(landscape):
    points = random_points(landscape, 5, seed=3)
    before = points.copy()
    landscape.f(points)
    landscape.grad(points)
    np.testing.assert_array_equal(points, before)


@each_landscape
def test_registry_objects_are_read_only(landscape):
    with pytest.raises(ValueError):
        landscape.minima[...] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        landscape.start = (0.0, 0.0)


# --- independent references ----------------------------------------------------------------------


@pytest.mark.scipy
def test_rosenbrock_matches_scipy():
    optimize = pytest.importorskip("scipy.optimize")
    points = random_points(LANDSCAPES["rosenbrock"], 50, seed=11)
    np.testing.assert_allclose(
        LANDSCAPES["rosenbrock"].f(points), [optimize.rosen(p) for p in points], rtol=1e-13
    )
    np.testing.assert_allclose(
        LANDSCAPES["rosenbrock"].grad(points), [optimize.rosen_der(p) for p in points], rtol=1e-12
    )


@pytest.mark.parametrize("kappa, angle", [(50.0, 0.0), (1.0, 0.0), (3.7, 30.0), (1000.0, -72.5)])
def test_quadratic_is_half_w_a_w(kappa, angle):
    theta = math.radians(angle)
    rotation = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    a = rotation @ np.diag([QUADRATIC_L / kappa, QUADRATIC_L]) @ rotation.T
    landscape = LANDSCAPES["quadratic"].with_params(kappa=kappa, angle=angle)
    w = random_points(landscape, 40, seed=5)
    np.testing.assert_allclose(landscape.f(w), 0.5 * np.einsum("ni,ij,nj->n", w, a, w), rtol=1e-12)
    np.testing.assert_allclose(landscape.grad(w), w @ a.T, rtol=1e-12, atol=1e-12)
    # The Hessian (from differences of the gradient) has condition number exactly κ.
    hessian = np.column_stack([(landscape.grad(e) - landscape.grad(-e)) / 2 for e in np.eye(2)])
    eigenvalues = np.linalg.eigvalsh(hessian)
    np.testing.assert_allclose(eigenvalues, [QUADRATIC_L / kappa, QUADRATIC_L], rtol=1e-12)


def test_quadratic_start_turns_with_the_valley():
    base = LANDSCAPES["quadratic"]
    turned = base.with_params(angle=90.0)
    np.testing.assert_allclose(turned.start, (-base.start[1], base.start[0]), atol=1e-12)
    np.testing.assert_allclose(turned.f(turned.start), base.f(base.start), rtol=1e-12)


def test_published_minima():
    camel = LANDSCAPES["six_hump_camel"]
    # Published to four and six decimals (truncated, not rounded).
    published = [[0.0898, -0.7126], [-0.0898, 0.7126]]
    np.testing.assert_allclose(camel.minima, published, rtol=0, atol=1e-4)
    assert camel.f_min == pytest.approx(-1.0316, abs=1e-4)
    published = [[3, 2], [-2.805118, 3.131312], [-3.779310, -3.283186], [3.584428, -1.848126]]
    np.testing.assert_allclose(LANDSCAPES["himmelblau"].minima, published, rtol=0, atol=1e-6)
    for name, minimum in [("beale", (3, 0.5)), ("booth", (1, 3)), ("rosenbrock", (1, 1))]:
        np.testing.assert_array_equal(LANDSCAPES[name].minima, [minimum])
    assert LANDSCAPES["ackley"].f(np.zeros(2)) == pytest.approx(0.0, abs=1e-14)
    np.testing.assert_array_equal(LANDSCAPES["ackley"].grad(np.zeros(2)), [0.0, 0.0])


def test_plateau_gradient_is_tiny_and_the_cliff_is_steep():
    plateau = LANDSCAPES["plateau"]
    at_start = np.linalg.norm(plateau.grad(np.array(plateau.start)))
    # Small enough that gradient descent crawls, large enough that Adam's ε = 1e-8 is negligible.
    assert 1e-4 < at_start < 2e-3
    (x0, x1), (y0, y1) = plateau.window
    grid = np.stack(np.meshgrid(np.linspace(x0, x1, 201), np.linspace(y0, y1, 201)), axis=-1)
    assert np.max(np.linalg.norm(plateau.grad(grid), axis=-1)) > 500 * at_start


# --- with_params ---------------------------------------------------------------------------------


def test_with_params_rebuilds_and_leaves_the_original_alone():
    base = LANDSCAPES["quadratic"]
    steeper = base.with_params(kappa=10)
    assert steeper.values == {"kappa": 10.0, "angle": base.values["angle"]}
    assert base.values == {"kappa": 50.0, "angle": 0.0}
    assert steeper.params == base.params
    point = np.array([1.0, 0.0])
    assert steeper.f(point) == pytest.approx(QUADRATIC_L / 10 / 2)
    assert base.f(point) == pytest.approx(QUADRATIC_L / 50 / 2)
    assert base.with_params() is base
    assert LANDSCAPES["rosenbrock"].with_params() is LANDSCAPES["rosenbrock"]


@pytest.mark.parametrize(
    "landscape, values",
    [
        ("quadratic", {"kapa": 10.0}),
        ("quadratic", {"kappa": 0.5}),
        ("quadratic", {"kappa": 1001.0}),
        ("quadratic", {"angle": 90.5}),
        ("quadratic", {"angle": float("nan")}),
        ("quadratic", {"kappa": float("inf")}),
        ("quadratic", {"kappa": "10"}),
        ("quadratic", {"kappa": True}),
        ("quadratic", {"kappa": None}),
        ("quadratic", {"kappa": 1j}),
        ("rosenbrock", {"a": 1.0}),
    ],
)
def test_with_params_rejects_bad_values(landscape, values):
    with pytest.raises(ValueError):
        LANDSCAPES[landscape].with_params(**values)


def test_landscape_checks_its_declaration():
    fields = {f.name: getattr(LANDSCAPES["booth"], f.name) for f in dataclasses.fields(Landscape)}
    with pytest.raises(ValueError, match="window"):
        Landscape(**{**fields, "window": ((1.0, 1.0), (0.0, 1.0))})
    with pytest.raises(ValueError, match="values"):
        Landscape(**{**fields, "values": {"kappa": 1.0}})
    param = Param("k", "k", 1.0, 0.0, 2.0, False, "a parameter")
    with pytest.raises(ValueError, match="build"):
        Landscape(**{**fields, "params": (param,), "values": {"k": 1.0}})


def stacked_grid(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The points of the grid ``xs`` by ``ys``: ``[i, j] = (xs[j], ys[i])``."""
    return np.stack(np.meshgrid(xs, ys), axis=-1)


@each_landscape
def test_on_grid_is_f_on_the_grids_points(landscape):
    (x0, x1), (y0, y1) = landscape.window
    xs, ys = np.linspace(x0, x1, 37), np.linspace(y0, y1, 23)  # not square: rows are y
    values = landscape.on_grid(xs, ys)
    assert values.shape == (23, 37)
    np.testing.assert_array_equal(values, landscape.f(stacked_grid(xs, ys)))
    # The map's size, evaluated in bands of rows: the last one shorter than the others.
    xs, ys = np.linspace(x0, x1, 400), np.linspace(y0, y1, 250)
    np.testing.assert_array_equal(landscape.on_grid(xs, ys), landscape.f(stacked_grid(xs, ys)))


def test_on_grid_without_a_grid_function_goes_through_f():
    booth = LANDSCAPES["booth"]
    plain = dataclasses.replace(booth, fxy=None)
    xs, ys = np.linspace(-3.0, 2.0, 5), np.linspace(0.0, 1.0, 4)
    np.testing.assert_array_equal(plain.on_grid(xs, ys), booth.on_grid(xs, ys))
    assert plain.on_grid(xs, ys).shape == (4, 5)
