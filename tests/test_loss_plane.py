"""The loss over a plane through a network's weights, and the paths projected onto it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optim_core import LossPlane, loss_plane, training
from optim_core.loss_plane import (
    ALWAYS_ON,
    explained_share,
    plane_layers,
    plane_losses,
    project,
)

DATA = training.make_dataset("moons", n=200, noise=0.2, seed=3)
BLOBS3 = training.make_dataset("blobs3", n=200, noise=0.5, seed=3)
LR = {"gd": 0.3, "momentum": 0.05, "adam": 0.01}


def _results(model: str = "mlp", dataset=DATA, names=("gd", "momentum", "adam")) -> dict:
    return {
        name: training.train(
            name, dataset, model, batch_size=25, epochs=4, seed=1, evaluations=30, lr=LR[name]
        )
        for name in names
    }


RESULTS = {model: _results(model) for model in ("mlp", "logistic")}
RESULTS["softmax"] = _results("softmax", BLOBS3)
DATASET = {"mlp": DATA, "logistic": DATA, "softmax": BLOBS3}
CASES = [(model, method) for model in RESULTS for method in ("pca", "random")]


def _plane(model: str, method: str, **kwargs) -> LossPlane:
    return loss_plane(RESULTS[model], DATASET[model], model, method=method, center="adam", **kwargs)


def test_train_records_the_weights_at_its_evaluation_steps():
    result = RESULTS["mlp"]["adam"]
    assert result.weights.shape == (len(result.steps), result.final.size)
    np.testing.assert_array_equal(result.weights[0], result.initial)
    np.testing.assert_array_equal(result.weights[-1], result.final)
    for i in (0, len(result.steps) // 2, -1):
        loss, _ = training.evaluate(
            training.MODELS["mlp"], result.weights[i], DATA.x_train, DATA.y_train
        )
        assert loss == result.train_loss[i]


@pytest.mark.parametrize(("model", "method"), CASES)
def test_the_centre_is_the_centre_optimizers_end_and_its_final_loss(model, method):
    plane = _plane(model, method, resolution=11)
    middle = len(plane.alpha) // 2
    assert plane.alpha[middle] == 0.0 and plane.beta[middle] == 0.0
    np.testing.assert_array_equal(plane.center, RESULTS[model]["adam"].final)
    assert plane.loss[middle, middle] == RESULTS[model]["adam"].train_loss[-1]
    np.testing.assert_array_equal(plane.paths["adam"][-1], [0.0, 0.0])
    assert plane.loss.shape == (11, 11) and np.isfinite(plane.loss).all()


@pytest.mark.parametrize("model", list(RESULTS))
def test_pca_directions_are_orthonormal(model):
    directions = _plane(model, "pca", resolution=3).directions
    np.testing.assert_allclose(directions @ directions.T, np.eye(2), atol=1e-12)


@pytest.mark.parametrize("model", list(RESULTS))
def test_random_directions_are_filter_normalised(model):
    plane = _plane(model, "random", resolution=3)
    shapes = training.MODELS[model].shapes(plane.center)
    start = 0
    for shape in shapes:
        size = int(np.prod(shape))
        for d in plane.directions[:, start : start + size]:
            if len(shape) == 1:
                assert not d.any(), "bias directions are 0 (Li et al.'s ignore='biasbn')"
            else:
                w = plane.center[start : start + size].reshape(shape)
                np.testing.assert_allclose(
                    np.linalg.norm(d.reshape(shape), axis=0), np.linalg.norm(w, axis=0)
                )
        start += size
    assert start == plane.center.size


def test_the_same_seed_gives_the_same_plane_and_another_seed_another():
    a, b = (
        _plane("mlp", "random", seed=4, resolution=5),
        _plane("mlp", "random", seed=4, resolution=5),
    )
    np.testing.assert_array_equal(a.directions, b.directions)
    np.testing.assert_array_equal(a.loss, b.loss)
    c = _plane("mlp", "random", seed=5, resolution=5)
    assert not np.allclose(a.directions, c.directions)


def _in_plane(result, center, directions, coords) -> training.TrainResult:
    return dataclasses.replace(result, weights=center + coords @ directions)


@pytest.mark.parametrize("method", ["pca", "random"])
def test_a_path_inside_the_plane_projects_exactly_and_is_fully_explained(method):
    plane = _plane("mlp", method, resolution=3)
    coords = np.random.default_rng(0).normal(size=(12, 2)) * [0.3, 0.1]
    inside = _in_plane(RESULTS["mlp"]["gd"], plane.center, plane.directions, coords)
    if method == "random":  # random directions depend only on the centre and the seed
        results = {"adam": RESULTS["mlp"]["adam"], "inside": inside}
    else:  # every path in one plane through the centre: PCA finds that plane
        end = _in_plane(RESULTS["mlp"]["adam"], plane.center, plane.directions, coords[::-1])
        results = {"adam": dataclasses.replace(end, final=plane.center), "inside": inside}
    again = loss_plane(results, DATA, "mlp", method=method, center="adam", resolution=3)
    assert again.explained["inside"] == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(
        again.center + again.paths["inside"] @ again.directions, inside.weights, atol=1e-12
    )


def test_a_path_across_the_plane_is_not_explained():
    plane = _plane("mlp", "pca", resolution=3)
    normal = np.linalg.qr(np.vstack([plane.directions, np.ones(plane.center.size)]).T)[0][
        :, 2
    ]  # orthogonal to both directions
    weights = plane.center + np.linspace(-1, 1, 9)[:, None] * normal
    assert explained_share(weights, plane.directions) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(project(weights, plane.center, plane.directions), 0.0, atol=1e-12)


FLOAT32_RTOL = 1e-5
"""How near the float32 grid must come to float64: on the app's models and data sets it comes
within 8e-7 (``bench/bench_loss_plane.py`` prints its figure); a contour needs 1e-3."""


@pytest.mark.parametrize(("model", "method"), CASES)
def test_the_plane_equals_one_forward_pass_per_point(model, method):
    plane = _plane(model, method, resolution=7, span=3.0)
    net, data = training.MODELS[model], DATASET[model]
    grid = np.stack(np.meshgrid(plane.alpha, plane.beta), axis=-1)  # rows are β, as plane.loss
    exact = np.array(
        [
            [
                training.evaluate(
                    net, plane.center + ab @ plane.directions, data.x_train, data.y_train
                )[0]
                for ab in row
            ]
            for row in grid
        ]
    )
    float64 = plane_losses(model, data, plane.center, plane.directions, grid)
    np.testing.assert_allclose(float64, exact, rtol=1e-12)
    np.testing.assert_allclose(plane.loss, exact, rtol=FLOAT32_RTOL)
    assert not np.array_equal(plane.loss, float64), "the grid is drawn in float32"


@pytest.mark.parametrize("model", list(RESULTS))
def test_the_layers_on_the_plane_are_the_weights_there(model):
    plane = _plane(model, "random", resolution=3)
    net = training.MODELS[model]
    alpha, beta = 0.7, -1.3
    w = plane.center + alpha * plane.directions[0] + beta * plane.directions[1]
    parts = training.unflatten(w, net.shapes(w))
    layers = plane_layers(net, plane.center, plane.directions)
    assert len(layers) == len(parts) // 2
    for i, layer in enumerate(layers):
        at = np.tensordot([1.0, alpha, beta], layer, axes=1)  # (fan_in + 1, fan_out [+ 1])
        weights, bias = parts[2 * i], parts[2 * i + 1]
        fan_out = weights.shape[1]
        np.testing.assert_allclose(at[:-1, :fan_out], weights, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(at[-1, :fan_out], bias, rtol=1e-12, atol=1e-15)
        if at.shape[1] > fan_out:  # the always-on unit: weights 0, pre-activation ALWAYS_ON
            np.testing.assert_array_equal(at[:, fan_out:], [[0.0]] * (len(at) - 1) + [[ALWAYS_ON]])


def test_the_always_on_unit_is_exactly_one_in_both_precisions():
    assert np.tanh(np.float32(ALWAYS_ON)) == 1.0
    assert np.tanh(np.full(64, ALWAYS_ON, dtype=np.float32)).min() == 1.0  # the SIMD path
    assert np.tanh(np.float64(ALWAYS_ON)) == 1.0
    assert np.tanh(np.full(64, ALWAYS_ON)).min() == 1.0


def test_the_loss_read_off_the_plane_is_the_loss_at_the_projected_points():
    plane = _plane("mlp", "pca", resolution=3)
    for name, coords in plane.paths.items():
        expected = plane_losses("mlp", DATA, plane.center, plane.directions, coords)
        np.testing.assert_array_equal(plane.path_loss[name], expected)
    # the centre's own path ends at the centre, where the two losses are one number
    assert plane.path_loss["adam"][-1] == RESULTS["mlp"]["adam"].train_loss[-1]


def test_a_path_in_the_plane_has_no_gap_between_recorded_and_read_off_loss():
    plane = _plane("mlp", "random", resolution=3)
    coords = np.linspace(-0.5, 0.5, 8)[:, None] * [1.0, -0.4]
    inside = _in_plane(RESULTS["mlp"]["gd"], plane.center, plane.directions, coords)
    again = loss_plane(
        {"adam": RESULTS["mlp"]["adam"], "inside": inside}, DATA, "mlp", method="random",
        center="adam", resolution=3,
    )  # fmt: skip
    recorded = training.batch_loss(
        training.MODELS["mlp"], inside.weights, DATA.x_train, DATA.y_train
    )
    np.testing.assert_allclose(again.path_loss["inside"], recorded, rtol=1e-12)


def test_the_grid_covers_every_projected_point():
    plane = _plane("mlp", "pca", span=1.0, resolution=9)
    points = np.vstack(list(plane.paths.values()))
    assert np.all(np.abs(points[:, 0]) <= plane.alpha[-1])
    assert np.all(np.abs(points[:, 1]) <= plane.beta[-1])


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="method"):
        _plane("mlp", "tsne")
    with pytest.raises(ValueError, match="resolution"):
        _plane("mlp", "pca", resolution=1)
