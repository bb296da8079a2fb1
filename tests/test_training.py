"""Training a real model: exact backprop, the same start for every optimizer, learning happens."""

from __future__ import annotations

import numpy as np
import pytest

import optim_core
from optim_core import training

MOONS = training.make_dataset("moons", n=200, seed=3)
BLOBS3 = training.make_dataset("blobs3", n=200, seed=3)
PAIRS = [
    (model, dataset)
    for model in training.MODELS
    for dataset in training.DATASETS
    if training.MODELS[model].fits(len(training.DATASETS[dataset].class_names))
]


def finite_differences(f, w: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """The central difference (f(w + h e_i) − f(w − h e_i)) / 2h for every coordinate i."""
    grads = np.empty_like(w)
    for i in range(len(w)):
        step = np.zeros_like(w)
        step[i] = h
        grads[i] = (f(w + step) - f(w - step)) / (2 * h)
    return grads


@pytest.mark.parametrize(("name", "dataset"), PAIRS)
def test_backprop_matches_finite_differences(name: str, dataset: str) -> None:
    model = training.MODELS[name]
    data = training.make_dataset(dataset, n=40, seed=1)
    x, y = data.x_train[:16], data.y_train[:16]
    # away from the initial weights so no layer is in a special place (zero biases)
    w = training.initial_weights(model, 5, data.classes)
    w = w + 0.3 * np.random.default_rng(2).standard_normal(len(w))
    loss, grads = model.loss_and_grad(w, x, y)
    reference = finite_differences(lambda v: model.loss_and_grad(v, x, y)[0], w)
    assert loss == pytest.approx(training.evaluate(model, w, x, y)[0], rel=1e-12)
    assert np.abs(grads).max() > 1e-3  # a real gradient, not zeros that trivially agree
    np.testing.assert_allclose(grads, reference, rtol=1e-6, atol=1e-9 * np.abs(reference).max())


def test_cross_entropy_is_finite_for_huge_logits() -> None:
    model = training.MODELS["logistic"]
    w = np.array([1e4, 0.0, 0.0])
    x, y = np.array([[1.0, 0.0], [-1.0, 0.0]]), np.array([0.0, 1.0])
    loss, grads = model.loss_and_grad(w, x, y)
    assert loss == pytest.approx(1e4)  # each point is wrong by a logit of 10⁴
    assert np.isfinite(grads).all()


def test_softmax_gradient_by_hand_on_one_point() -> None:
    # W = 0 and b = 0: every class has probability 1/3, so ∂L/∂z = (1/3 − 1[k = y]) for n = 1
    x, y = np.array([[2.0, -1.0]]), np.array([1])
    loss, grads = training.MODELS["softmax"].loss_and_grad(np.zeros(9), x, y)
    dz = np.array([1 / 3, -2 / 3, 1 / 3])
    assert loss == pytest.approx(np.log(3.0))
    np.testing.assert_allclose(grads, np.concatenate([np.outer(x[0], dz).ravel(), dz]))


def test_softmax_with_two_classes_is_logistic_regression() -> None:
    # logits (z₀, z₁) give the same loss as one logit z₁ − z₀
    x, y = MOONS.x_train[:20], MOONS.y_train[:20]
    w = np.random.default_rng(0).standard_normal(6)  # W (2×2) row by row, then b
    a, b = w[[1, 3]] - w[[0, 2]], w[5] - w[4]
    softmax = training.evaluate(training.MODELS["softmax"], w, x, y)
    logistic = training.evaluate(training.MODELS["logistic"], np.append(a, b), x, y)
    assert softmax == pytest.approx(logistic, rel=1e-12)


def test_a_binary_model_refuses_three_classes() -> None:
    assert not training.MODELS["mlp"].fits(3) and training.MODELS["softmax"].fits(3)
    with pytest.raises(ValueError, match="two classes"):
        training.train("adam", BLOBS3, "logistic", batch_size=10, epochs=1, seed=0)


def test_mlp_weights_are_one_flat_vector() -> None:
    w = training.initial_weights(training.MODELS["mlp"], 0)
    assert w.shape == (2 * 16 + 16 + 16 * 16 + 16 + 16 + 1,)


def test_batches_are_a_fresh_shuffle_every_epoch() -> None:
    batches = training.batch_indices(50, 8, 3, seed=4)
    assert batches.shape == (3 * 6, 8)
    for epoch in batches.reshape(3, -1):
        assert len(set(epoch.tolist())) == 48  # no point twice within an epoch
    assert not np.array_equal(batches[:6], batches[6:12])
    assert not np.array_equal(batches, training.batch_indices(50, 8, 3, seed=5))


@pytest.mark.parametrize("optimizer", list(optim_core.OPTIMIZERS))
@pytest.mark.parametrize(("model", "data"), [("mlp", MOONS), ("softmax", BLOBS3)])
def test_every_optimizer_sees_the_same_start_and_batches(
    optimizer: str, model: str, data: training.Dataset
) -> None:
    kwargs = dict(batch_size=20, epochs=3, seed=7, evaluations=5, snapshots=3)
    reference = training.train("gd", data, model, **kwargs)
    result = training.train(optimizer, data, model, **kwargs)
    np.testing.assert_array_equal(result.initial, reference.initial)
    assert result.batch_hash == reference.batch_hash
    other_seed = training.train(optimizer, data, model, **(kwargs | {"seed": 8}))
    assert other_seed.batch_hash != result.batch_hash
    assert not np.array_equal(other_seed.initial, result.initial)


@pytest.mark.parametrize("optimizer", list(optim_core.OPTIMIZERS))
def test_every_optimizer_lowers_the_training_loss(optimizer: str) -> None:
    result = training.train(optimizer, MOONS, "mlp", batch_size=30, epochs=30, seed=0)
    assert result.diverged_at is None
    assert result.steps[-1] == 30 * (150 // 30)
    assert result.train_loss[-1] < 0.8 * result.train_loss[0]
    assert np.all(np.diff(result.seconds) >= 0)


def test_adam_learns_two_moons_well_above_chance() -> None:
    data = training.make_dataset("moons", n=400, seed=0)
    result = training.train("adam", data, "mlp", batch_size=32, epochs=100, seed=0, lr=0.01)
    assert result.val_acc[0] < 0.9
    assert result.val_acc[-1] >= 0.95
    assert result.train_loss[-1] < 0.15


def test_adam_learns_three_blobs_with_softmax_regression() -> None:
    data = training.make_dataset("blobs3", n=400, seed=0)
    result = training.train("adam", data, "softmax", batch_size=32, epochs=30, seed=0)
    assert result.val_acc[0] < 0.8
    assert result.val_acc[-1] >= 0.95
    assert result.val_loss[-1] < 0.5 * result.val_loss[0]
    assert result.boundary.shape[-1] == 3


def test_softmax_regression_sorts_the_irises() -> None:
    data = training.make_dataset("iris", seed=0)
    assert (len(data.y_train), len(data.y_val), data.classes) == (112, 38, 3)
    result = training.train("adam", data, "softmax", batch_size=16, epochs=100, seed=0, lr=0.05)
    assert result.val_acc[-1] >= 0.9  # setosa is apart; versicolor and virginica overlap a little


def test_a_linear_model_cannot_separate_spirals() -> None:
    data = training.make_dataset("spirals", n=400, noise=0.05, seed=0)
    linear = training.train("adam", data, "logistic", batch_size=32, epochs=50, seed=0)
    mlp = training.train("adam", data, "mlp", batch_size=32, epochs=150, seed=0, lr=0.01)
    assert linear.val_acc[-1] < 0.75
    assert mlp.val_acc[-1] > linear.val_acc[-1] + 0.15


def test_snapshots_cover_the_run_on_a_grid() -> None:
    result = training.train(
        "momentum", MOONS, "logistic", batch_size=10, epochs=10, seed=0, snapshots=30, grid_size=12
    )
    assert result.snapshot_steps[0] == 0 and result.snapshot_steps[-1] == result.steps[-1]
    assert len(result.snapshot_steps) == 30
    assert result.boundary.shape == (30, 12, 12, 2)
    assert ((result.boundary >= 0) & (result.boundary <= 1)).all()
    np.testing.assert_allclose(result.boundary.sum(axis=-1), 1.0)
    assert not np.allclose(result.boundary[0], result.boundary[-1])


def test_a_run_that_overflows_stops_and_says_when() -> None:
    result = training.train("gd", MOONS, "logistic", batch_size=10, epochs=5, seed=0, lr=1e308)
    assert result.diverged_at is not None and result.diverged_at <= 3
    assert np.isfinite(result.final).all()
    assert np.isfinite(result.train_loss).all()


def test_datasets_are_decided_by_their_seed() -> None:
    for name in training.DATASETS:
        a, b = (training.make_dataset(name, n=100, seed=s) for s in (1, 1))
        c = training.make_dataset(name, n=100, seed=2)
        np.testing.assert_array_equal(a.x_train, b.x_train)
        assert not np.array_equal(a.x_train, c.x_train)
        n = 150 if training.DATASETS[name].real else 100  # the irises are all there are
        assert len(a.y_val) == round(0.25 * n)
        shares = np.bincount(a.y_train, minlength=a.classes) / len(a.y_train)
        assert np.all(np.abs(shares - 1 / a.classes) < 0.2 / a.classes)  # no class missing
