r"""Training a real model with mini-batches: datasets, models with exact backprop, the loop.

Every model keeps its weights in ONE flat vector ``w`` of shape ``(P,)``. The update rules in
:mod:`optim_core.optimizers` are elementwise in ``params`` (a 1-D ``params`` takes scalar
hyperparameters as they are), so each registry optimizer trains a network unchanged::

    state = spec.init(w)
    updates, state = spec.update(grad, state, w, **hyperparams)
    w = w + updates

:func:`train` gives every optimizer the same start: the ``seed`` decides both the initial
weights and the order of the mini-batches, so two runs differ only in their update rule.

Labels are the integers ``0 … K−1``. A binary model (logistic regression, the MLP) has one
logit z, which is the pair of class logits (0, z); softmax regression has K logits. Either way
the loss is the softmax cross-entropy of the class logits and a prediction is their argmax.

One real data set ships inside a package the app depends on: Fisher's Iris data, which plotly
keeps for its examples. The others are generated from a seed: two moons, two spirals and
Gaussian blobs with two or three classes.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import hashlib
import importlib.util
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from optim_core.optimizers import OPTIMIZERS

# --- datasets -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Dataset:
    """Points ``x`` of shape ``(n, 2)`` with integer labels ``y`` in ``0 … K−1``, split for
    validation; ``class_names[k]`` names class k."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    class_names: tuple[str, ...]

    @property
    def classes(self) -> int:
        """K, the number of classes."""
        return len(self.class_names)

    def window(self, margin: float = 0.15) -> tuple[tuple[float, float], tuple[float, float]]:
        """The x and y ranges of all the points, widened by ``margin`` of their span."""
        x = np.concatenate([self.x_train, self.x_val])
        lo, hi = x.min(axis=0), x.max(axis=0)
        pad = margin * (hi - lo)
        return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), (
            float(lo[1] - pad[1]),
            float(hi[1] + pad[1]),
        )


def _moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles."""
    y = rng.integers(0, 2, n)
    angle = rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    x = np.where(y[:, None] == 0, upper, lower)
    return x + noise * rng.standard_normal((n, 2)), y


def _spirals(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two spirals wound into each other, one and a half turns each."""
    y = rng.integers(0, 2, n)
    r = rng.uniform(0.1, 1.0, n)
    theta = 3.0 * np.pi * r + np.pi * y  # the second spiral is the first turned by 180°
    x = 2.0 * r[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    return x + noise * rng.standard_normal((n, 2)), y


def _blobs(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clouds whose spread grows with ``noise``."""
    y = rng.integers(0, 2, n)
    centres = np.array([[-1.0, -0.5], [1.0, 0.5]])
    return centres[y] + (0.4 + 2.0 * noise) * rng.standard_normal((n, 2)), y


def _three_blobs(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian clouds at the corners of a triangle, spread growing with ``noise``."""
    y = rng.integers(0, 3, n)
    angle = np.pi / 2 + 2 * np.pi / 3 * np.arange(3)
    centres = 2.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return centres[y] + (0.4 + 2.0 * noise) * rng.standard_normal((n, 2)), y


def _iris_file() -> Path:
    """Where plotly keeps the Iris data; found without importing plotly."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the Iris data ships with plotly, which is not installed")
    return Path(spec.origin).parent / "package_data" / "datasets" / "iris.csv.gz"


def _iris(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Fisher's 150 irises: petal length and width, standardised; the species as the label.

    Real measurements, so ``n`` and ``noise`` do not apply; the seed only shuffles the flowers,
    which decides which of them are held out.
    """
    with gzip.open(_iris_file(), "rt", newline="") as f:
        rows = list(csv.DictReader(f))
    x = np.array([[float(r["petal_length"]), float(r["petal_width"])] for r in rows])
    y = np.array([int(r["species_id"]) - 1 for r in rows])  # species 1, 2, 3 -> 0, 1, 2
    order = rng.permutation(len(y))
    x = (x - x.mean(axis=0)) / x.std(axis=0)  # standardised, as one would before training
    return x[order], y[order]


class DataSource(NamedTuple):
    """How to get a data set: a label, ``generate(n, noise, rng) -> (x, y)``, class names."""

    label: str
    generate: Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]
    class_names: tuple[str, ...] = ("class 0", "class 1")
    real: bool = False  # real measurements: ``n`` and ``noise`` do not apply


DATASETS: dict[str, DataSource] = {
    "moons": DataSource("Two moons", _moons),
    "spirals": DataSource("Two spirals", _spirals),
    "blobs": DataSource("Gaussian blobs", _blobs),
    "blobs3": DataSource("Three blobs", _three_blobs, ("class 0", "class 1", "class 2")),
    "iris": DataSource("Iris petals", _iris, ("setosa", "versicolor", "virginica"), True),
}
"""Every data set, by name."""


def make_dataset(
    name: str, *, n: int = 400, noise: float = 0.2, validation: float = 0.25, seed: int = 0
) -> Dataset:
    """``n`` points of data set ``name``; a share ``validation`` of them is held out."""
    source = DATASETS[name]
    x, y = source.generate(n, noise, np.random.default_rng(seed))
    n_val = int(round(validation * len(y)))
    y = y.astype(int)
    return Dataset(name, x[n_val:], y[n_val:], x[:n_val], y[:n_val], source.class_names)


# --- models ---------------------------------------------------------------------------------
#
# Each model is three pure functions of the flat weight vector: ``init(rng, classes)``, the
# logits ``forward(w, x)``, and ``loss_and_grad(w, x, y)``, the mean cross-entropy and its
# exact gradient by backpropagation. A binary model's cross-entropy is written in terms of its
# logit z, softplus(z) − y z, which never takes the log of 0.


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # never overflows, unlike 1 / (1 + exp(-z))


def _cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean cross-entropy of logits ``z`` against labels ``y``, and its gradient in z."""
    loss = float(np.mean(_softplus(z) - y * z))
    return loss, (_sigmoid(z) - y) / len(y)


# Logistic regression: z = x·a + b, weights w = (a₁, a₂, b).


def _logistic_init(rng: np.random.Generator, classes: int = 2) -> np.ndarray:
    return np.concatenate([rng.standard_normal(2) / np.sqrt(2.0), [0.0]])


def _logistic_forward(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    if w.ndim == 1:
        return x @ w[:2] + w[2]
    return (x @ w[..., :2, None])[..., 0] + w[..., 2:3]  # a batch of weights (..., 3)


def _logistic_loss_and_grad(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, Any]:
    loss, dz = _cross_entropy(_logistic_forward(w, x), y)
    return loss, np.concatenate([x.T @ dz, [dz.sum()]])


# The MLP 2-16-16-1 with tanh: h₁ = tanh(x W₁ + b₁), h₂ = tanh(h₁ W₂ + b₂), z = h₂ W₃ + b₃.

MLP_LAYERS = (2, 16, 16, 1)


def _mlp_shapes() -> list[tuple[int, ...]]:
    shapes: list[tuple[int, ...]] = []
    for fan_in, fan_out in zip(MLP_LAYERS[:-1], MLP_LAYERS[1:], strict=True):
        shapes += [(fan_in, fan_out), (fan_out,)]
    return shapes


def unflatten(w: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Views of ``w`` (``(P,)`` or a batch ``(..., P)``) in the given shapes (no copies)."""
    parts, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        parts.append(w[..., start : start + size].reshape(w.shape[:-1] + shape))
        start += size
    return parts


def _mlp_init(rng: np.random.Generator, classes: int = 2) -> np.ndarray:
    parts = []
    for shape in _mlp_shapes():
        # Xavier/Glorot for tanh: keeps the activations' variance layer to layer; biases at 0
        scale = np.sqrt(2.0 / (shape[0] + shape[1])) if len(shape) == 2 else 0.0
        parts.append((scale * rng.standard_normal(shape)).ravel())
    return np.concatenate(parts)


def _mlp_forward(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    w1, b1, w2, b2, w3, b3 = unflatten(w, _mlp_shapes())
    if w.ndim == 1:
        h2 = np.tanh(np.tanh(x @ w1 + b1) @ w2 + b2)
        return h2 @ w3[:, 0] + b3[0]
    # a batch of weights (..., P): each layer's bias broadcast over the n points
    h1 = np.tanh(x @ w1 + b1[..., None, :])
    h2 = np.tanh(h1 @ w2 + b2[..., None, :])
    return (h2 @ w3)[..., 0] + b3


def _mlp_loss_and_grad(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, Any]:
    w1, b1, w2, b2, w3, b3 = unflatten(w, _mlp_shapes())
    h1 = np.tanh(x @ w1 + b1)  # forward
    h2 = np.tanh(h1 @ w2 + b2)
    z = h2 @ w3[:, 0] + b3[0]
    loss, dz = _cross_entropy(z, y)
    da2 = np.outer(dz, w3[:, 0]) * (1.0 - h2**2)  # backward: tanh' = 1 − tanh²
    da1 = (da2 @ w2.T) * (1.0 - h1**2)
    grads = (x.T @ da1, da1.sum(0), h1.T @ da2, da2.sum(0), (h2.T @ dz)[:, None], [dz.sum()])
    return loss, np.concatenate([np.ravel(g) for g in grads])


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))  # shifted so that exp never overflows
    return e / e.sum(axis=-1, keepdims=True)


def logsumexp(z: np.ndarray) -> np.ndarray:
    """log Σₖ exp(zₖ) over the last axis, shifted by the largest zₖ so that exp never overflows."""
    top = z.max(axis=-1)
    return top + np.log(np.exp(z - top[..., None]).sum(axis=-1))


# Softmax regression: K classes, z = x W + b with W of shape (2, K) and b of shape (K,),
# weights w = (W row by row, b).


def _softmax_shapes(w: np.ndarray) -> list[tuple[int, ...]]:
    classes = w.shape[-1] // 3  # 2K entries of W and K of b
    return [(2, classes), (classes,)]


def _softmax_init(rng: np.random.Generator, classes: int = 2) -> np.ndarray:
    return np.concatenate(
        [(rng.standard_normal((2, classes)) / np.sqrt(2.0)).ravel(), np.zeros(classes)]
    )


def _softmax_forward(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    W, b = unflatten(w, _softmax_shapes(w))
    return x @ W + (b if w.ndim == 1 else b[..., None, :])


def _softmax_loss_and_grad(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, Any]:
    r"""The softmax cross-entropy of n points and its exact gradient.

    With logits :math:`z_i = x_i W + b`, probabilities :math:`p_i = \operatorname{softmax}(z_i)`
    and :math:`Y` the one-hot labels,

    .. math::
        L = \frac1n \sum_i \Big(\log \sum_k e^{z_{ik}} - z_{i y_i}\Big), \qquad
        \frac{\partial L}{\partial z} = \frac{P - Y}{n}, \qquad
        \frac{\partial L}{\partial W} = x^\top \frac{\partial L}{\partial z}, \qquad
        \frac{\partial L}{\partial b} = \sum_i \frac{\partial L}{\partial z_i}.
    """
    z = _softmax_forward(w, x)
    n, rows = len(y), np.arange(len(y))
    loss = float(np.mean(logsumexp(z) - z[rows, y]))
    dz = _softmax(z)  # P − Y, divided by n
    dz[rows, y] -= 1.0
    dz /= n
    return loss, np.concatenate([(x.T @ dz).ravel(), dz.sum(axis=0)])


@dataclasses.dataclass(frozen=True)
class Model:
    """A classifier of 2-D points whose weights are one flat vector.

    A ``binary`` model's ``forward`` gives one logit per point, of shape ``(n,)``; otherwise
    it gives K class logits, of shape ``(n, K)``. ``forward`` also takes a batch of weight
    vectors ``(..., P)`` and then gives ``(..., n)`` or ``(..., n, K)``.

    Every model is a stack of dense layers with tanh between them, its flat weights laid out
    as ``shapes`` gives them: :func:`optim_core.loss_plane.plane_losses` evaluates a plane
    through the weights layer by layer on that premise (its tests check it for every model).
    """

    name: str
    label: str
    init: Callable[[np.random.Generator, int], np.ndarray]
    forward: Callable[[np.ndarray, np.ndarray], np.ndarray]
    loss_and_grad: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[float, np.ndarray]]
    shapes: Callable[[np.ndarray], list[tuple[int, ...]]]
    """The layers' shapes in the flat weights ``w``: a matrix ``(fan_in, fan_out)`` or a bias."""
    binary: bool = True

    def fits(self, classes: int) -> bool:
        """Whether the model can learn ``classes`` classes."""
        return classes == 2 or not self.binary


MODELS: dict[str, Model] = {
    m.name: m
    for m in (
        Model(
            "logistic",
            "Logistic regression",
            _logistic_init,
            _logistic_forward,
            _logistic_loss_and_grad,
            lambda w: [(2, 1), (1,)],  # w = (a₁, a₂, b)
        ),
        Model(
            "mlp",
            "MLP 2-16-16-1 (tanh)",
            _mlp_init,
            _mlp_forward,
            _mlp_loss_and_grad,
            lambda w: _mlp_shapes(),
        ),
        Model(
            "softmax",
            "Softmax regression",
            _softmax_init,
            _softmax_forward,
            _softmax_loss_and_grad,
            _softmax_shapes,
            binary=False,
        ),
    )
}
"""Every model, by name."""


def class_logits(model: Model, w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The class logits ``(n, K)``; a binary model's logit z is the pair (0, z)."""
    z = model.forward(w, x)
    return np.stack([np.zeros_like(z), z], axis=-1) if model.binary else z


def probability(model: Model, w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The model's probability of each class at each point of ``x``, shape ``(n, K)``."""
    return _softmax(class_logits(model, w, x))


def batch_loss(model: Model, weights: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The mean cross-entropy on ``(x, y)`` of each weight vector of ``weights`` ``(..., P)``,
    in one batched forward pass: shape ``(...)``."""
    z, y = class_logits(model, weights, x), np.asarray(y, dtype=int)
    picked = np.take_along_axis(z, np.broadcast_to(y[:, None], z.shape[:-1] + (1,)), axis=-1)
    return np.mean(logsumexp(z) - picked[..., 0], axis=-1)


def evaluate(model: Model, w: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean cross-entropy and accuracy (the argmax class is right) of ``w`` on ``(x, y)``."""
    z, y = class_logits(model, w, x), np.asarray(y, dtype=int)
    loss = np.mean(logsumexp(z) - z[np.arange(len(y)), y])
    return float(loss), float(np.mean(z.argmax(axis=-1) == y))


# --- the training loop ----------------------------------------------------------------------


def batch_indices(n: int, batch_size: int, epochs: int, seed: int) -> np.ndarray:
    """The mini-batches of a run, shape ``(steps, batch_size)``: a new shuffle every epoch.

    The last, incomplete batch of each epoch is dropped so that every step sees as many points.
    """
    if not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be between 1 and {n}, not {batch_size}")
    rng = np.random.default_rng([seed, 1])  # a stream of its own, apart from the weights'
    per_epoch = n // batch_size
    return np.concatenate(
        [
            rng.permutation(n)[: per_epoch * batch_size].reshape(per_epoch, batch_size)
            for _ in range(epochs)
        ]
    )


def initial_weights(model: Model, seed: int, classes: int = 2) -> np.ndarray:
    """The weights every optimizer starts from, decided by ``seed``."""
    return model.init(np.random.default_rng([seed, 0]), classes)


@dataclasses.dataclass(frozen=True)
class TrainResult:
    """One optimizer's training run, cut where it diverged.

    Attributes:
      optimizer: registry name.
      steps: ``(k,)`` the steps at which the model was evaluated (0 = before training).
      seconds: ``(k,)`` wall-clock time spent in gradient and update at those steps.
      train_loss, train_acc, val_loss, val_acc: ``(k,)`` on the whole split.
      snapshot_steps: ``(s,)`` steps of the decision-boundary snapshots.
      boundary: ``(s, g, g, K)`` probability of each class on the grid ``grid_x × grid_y``.
      weights: ``(k, P)`` the weights at the evaluation steps ``steps``: the path through
        weight space that :func:`optim_core.loss_plane.loss_plane` projects.
      initial: the weights it started from; final: the weights it ended with.
      batch_hash: a digest of the mini-batch sequence it saw.
      diverged_at: the step whose loss or weights stopped being finite, or ``None``.
    """

    optimizer: str
    steps: np.ndarray
    seconds: np.ndarray
    train_loss: np.ndarray
    train_acc: np.ndarray
    val_loss: np.ndarray
    val_acc: np.ndarray
    snapshot_steps: np.ndarray
    boundary: np.ndarray
    grid_x: np.ndarray
    grid_y: np.ndarray
    weights: np.ndarray
    initial: np.ndarray
    final: np.ndarray
    batch_hash: str
    diverged_at: int | None


def _moments(total: int, count: int) -> np.ndarray:
    """About ``count`` steps spread from 0 to ``total``, always including both ends."""
    return np.unique(np.linspace(0, total, min(count, total + 1)).round().astype(int))


def train(
    optimizer: str,
    dataset: Dataset,
    model: str,
    *,
    batch_size: int,
    epochs: int,
    seed: int,
    evaluations: int = 200,
    snapshots: int = 30,
    grid_size: int = 40,
    **hyperparams: Any,
) -> TrainResult:
    """Train ``model`` on ``dataset`` with registry optimizer ``optimizer``.

    ``hyperparams`` go to the update rule; missing ones take the registry default. The loss and
    accuracy are measured ``evaluations`` times and the decision boundary ``snapshots`` times,
    spread evenly over the run; the clock counts gradient and update only.
    """
    spec, net = OPTIMIZERS[optimizer], MODELS[model]
    if not net.fits(dataset.classes):
        raise ValueError(f"{net.label} separates two classes; {dataset.name} has {dataset.classes}")
    hyper = spec.defaults() | hyperparams
    batches = batch_indices(len(dataset.y_train), batch_size, epochs, seed)
    total = len(batches)
    eval_at, snap_at = _moments(total, evaluations), set(_moments(total, snapshots).tolist())
    (x_lo, x_hi), (y_lo, y_hi) = dataset.window()
    grid_x, grid_y = np.linspace(x_lo, x_hi, grid_size), np.linspace(y_lo, y_hi, grid_size)
    grid = np.stack(np.meshgrid(grid_x, grid_y), axis=-1).reshape(-1, 2)

    w = initial_weights(net, seed, dataset.classes)
    w0, state, clock = w.copy(), spec.init(w), 0.0
    record: dict[str, list] = {k: [] for k in ("steps", "seconds", "tl", "ta", "vl", "va", "w")}
    snap_steps, boundary = [], []
    diverged_at, next_eval = None, 0

    with np.errstate(over="ignore", invalid="ignore"):  # a divergence is caught below
        for step in range(total + 1):
            if step == eval_at[next_eval]:
                train_loss, train_acc = evaluate(net, w, dataset.x_train, dataset.y_train)
                val_loss, val_acc = evaluate(net, w, dataset.x_val, dataset.y_val)
                if not (np.isfinite(train_loss) and np.isfinite(val_loss)):
                    diverged_at = step
                    break
                for key, value in zip(
                    record,
                    (step, clock, train_loss, train_acc, val_loss, val_acc, w.copy()),
                    strict=True,
                ):
                    record[key].append(value)
                next_eval = min(next_eval + 1, len(eval_at) - 1)
            if step in snap_at:
                snap_steps.append(step)
                boundary.append(probability(net, w, grid).reshape(grid_size, grid_size, -1))
            if step == total:
                break
            tick = time.perf_counter()
            batch = batches[step]
            at = spec.gradient_point(state, w)  # schedule-free: y, not the reported w
            loss, grads = net.loss_and_grad(at, dataset.x_train[batch], dataset.y_train[batch])
            updates, state = spec.update(grads, state, w, **hyper)
            new_w = w + updates
            clock += time.perf_counter() - tick
            if not (np.isfinite(loss) and np.isfinite(new_w).all()):
                diverged_at = step + 1
                break
            w = new_w

    return TrainResult(
        optimizer=optimizer,
        steps=np.asarray(record["steps"], dtype=int),
        seconds=np.asarray(record["seconds"]),
        train_loss=np.asarray(record["tl"]),
        train_acc=np.asarray(record["ta"]),
        val_loss=np.asarray(record["vl"]),
        val_acc=np.asarray(record["va"]),
        snapshot_steps=np.asarray(snap_steps, dtype=int),
        boundary=np.asarray(boundary).reshape(-1, grid_size, grid_size, dataset.classes),
        grid_x=grid_x,
        grid_y=grid_y,
        weights=np.asarray(record["w"]).reshape(-1, w0.size),
        initial=w0,
        final=w,
        batch_hash=hashlib.sha256(batches.tobytes()).hexdigest(),
        diverged_at=diverged_at,
    )
