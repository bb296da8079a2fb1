"""Training a real model: exact backprop, the same start for every optimizer, learning happens."""

from __future__ import annotations

import numpy as np
import pytest

import optim_core
from optim_core import training

MOONS = training.make_dataset("moons", n=200, seed=3)


def finite_differences(f, w: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """The central difference (f(w + h e_i) − f(w − h e_i)) / 2h for every coordinate i."""
    grads = np.empty_like(w)
    for i in range(len(w)):
        step = np.zeros_like(w)
        step[i] = h
        grads[i] = (f(w + step) - f(w - step)) / (2 * h)
    return grads


@pytest.mark.parametrize("name", list(training.MODELS))
@pytest.mark.parametrize("dataset", list(training.DATASETS))
def test_backprop_matches_finite_differences(name: str, dataset: str) -> None:
    model = training.MODELS[name]
    data = training.make_dataset(dataset, n=40, seed=1)
    x, y = data.x_train[:16], data.y_train[:16]
    # away from the initial weights so no layer is in a special place (zero biases)
    w = training.initial_weights(model, 5) + 0.3 * np.random.default_rng(2).standard_normal(
        len(training.initial_weights(model, 5))
    )
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
def test_every_optimizer_sees_the_same_start_and_batches(optimizer: str) -> None:
    kwargs = dict(batch_size=20, epochs=3, seed=7, evaluations=5, snapshots=3)
    reference = training.train("gd", MOONS, "mlp", **kwargs)
    result = training.train(optimizer, MOONS, "mlp", **kwargs)
    np.testing.assert_array_equal(result.initial, reference.initial)
    assert result.batch_hash == reference.batch_hash
    other_seed = training.train(optimizer, MOONS, "mlp", **(kwargs | {"seed": 8}))
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
    assert result.boundary.shape == (30, 12, 12)
    assert ((result.boundary >= 0) & (result.boundary <= 1)).all()
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
        assert len(a.y_val) == 25 and 0.3 < a.y_train.mean() < 0.7
