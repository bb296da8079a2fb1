r"""A plane through a network's weight space: the loss over it, and each optimizer's path on it.

The playground's maps are 2-D functions. A network has P weights, so a picture of its loss
needs a plane: a centre :math:`c` (the final weights of one optimizer) and two directions
:math:`d_1, d_2`, the weights :math:`w(\alpha, \beta) = c + \alpha d_1 + \beta d_2`, and the
training loss :math:`L(w(\alpha, \beta))` over a grid of :math:`(\alpha, \beta)`. Two choices of
directions:

- ``"pca"``: the first two principal directions of every recorded weight vector of every
  optimizer, taken around :math:`c` (as loss-landscape animations do). They are orthonormal,
  and the plane holds as much of the paths as any plane through :math:`c` can.
- ``"random"``: two seeded Gaussian directions, filter-normalised as in Li, Xu, Taylor, Studer
  & Goldstein, "Visualizing the Loss Landscape of Neural Nets", NeurIPS 2018, §4: in each
  layer, the direction's entries for one output unit (a filter) are scaled to the norm of the
  centre's weights into that unit, so the picture does not depend on how each layer happens to
  be scaled; bias directions are 0, as in their code's default (``ignore='biasbn'``).

A path is projected onto the plane by least squares (its weights' coordinates along
:math:`d_1, d_2`); how faithful that is, is the share of the path's variance that the plane
holds, 1 for a path that lies in it. The loss "read off the plane" at a projected point is the
loss at :math:`c + \alpha d_1 + \beta d_2`, which differs from the loss recorded at the weights
themselves by as much as the plane misses of the path.

The grid is evaluated layer by layer on the plane, not weight vector by weight vector. Each
layer's weights are affine in (α, β): ``[1, α, β]`` times their values at :math:`c`, along
:math:`d_1` and along :math:`d_2`. The first layer's inputs, the points, do not move, so its
pre-activation for a whole chunk of grid points is one matmul of depth 3; each later layer
needs one small matrix per grid point. The grid is float32 (:data:`GRID_DTYPE`), which a
contour does not notice; the paths' losses, which are compared with the recorded ones, float64.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Literal

import numpy as np

from optim_core.training import MODELS, Dataset, Model, TrainResult, evaluate, logsumexp, unflatten

GRID_DTYPE = np.float32
"""The precision of the plane's grid. A contour needs three digits and float32 keeps six
(``bench/bench_loss_plane.py`` prints the largest difference from float64); its tanh, the
grid's main cost, is four times cheaper than float64's. Paths' losses stay float64."""

CHUNK = 32
"""Grid points per batched pass: their hidden activations (32 × n × 17 floats, 0.65 MB in
float32 for 300 points) stay in the L2 cache. Chunks of 64 ran 1.7× slower on the loaded
machine; at 128 OpenBLAS also splits the first matmul over both cores, which a busy server
makes slower, not faster."""

ALWAYS_ON = 20.0
"""The pre-activation of the always-on unit (:func:`plane_layers`): tanh(20) rounds to exactly 1
in float32 and float64, so that unit's output is the constant input that carries a bias."""


@dataclasses.dataclass(frozen=True)
class LossPlane:
    """The training loss over a plane through weight space, and the paths projected onto it.

    Attributes:
      alpha, beta: ``(R,)`` the plane's coordinates along the two directions; 0 is the centre.
      loss: ``(R, R)`` training loss, ``loss[i, j]`` at ``(alpha[j], beta[i])`` (rows are β,
        as a contour's z), computed in :data:`GRID_DTYPE`; at (0, 0) the float64 loss of
        the centre, the number ``train`` recorded.
      paths: optimizer -> ``(k, 2)`` the coordinates of its recorded weights.
      explained: optimizer -> the share (0–1) of its path's variance that the plane holds.
      path_loss: optimizer -> ``(k,)`` the loss on the plane at its projected points.
      center: ``(P,)`` the weights at (0, 0), the final weights of ``center_name``.
      directions: ``(2, P)`` the directions of α and β.
      method: ``"pca"`` or ``"random"``.
      center_name: the optimizer whose final weights are the centre.
    """

    alpha: np.ndarray
    beta: np.ndarray
    loss: np.ndarray
    paths: dict[str, np.ndarray]
    explained: dict[str, float]
    path_loss: dict[str, np.ndarray]
    center: np.ndarray
    directions: np.ndarray
    method: str
    center_name: str


def pca_directions(weights: np.ndarray, center: np.ndarray) -> np.ndarray:
    """The first two principal directions ``(2, P)`` of ``weights`` ``(N, P)`` around
    ``center``: orthonormal, each signed so that its largest entry is positive."""
    offsets = weights - center
    if len(offsets) < 2:  # one point spans no plane: any second direction will do
        offsets = np.vstack([offsets, np.zeros((2 - len(offsets), offsets.shape[1]))])
    _, _, vt = np.linalg.svd(offsets, full_matrices=False)
    directions = vt[:2]
    signs = np.sign(directions[np.arange(2), np.abs(directions).argmax(axis=1)])
    return directions * np.where(signs == 0, 1.0, signs)[:, None]


def random_directions(shapes: list[tuple[int, ...]], center: np.ndarray, seed: int) -> np.ndarray:
    """Two seeded, filter-normalised Gaussian directions ``(2, P)`` (Li et al. 2018, §4).

    ``shapes`` are the layers' shapes in the flat weight vector: a matrix ``(fan_in, fan_out)``
    has one filter per output unit (a column); a 1-D layer is a bias, whose direction is 0.
    """
    rng = np.random.default_rng([seed, 2])
    directions = rng.standard_normal((2, center.size))
    start = 0
    for shape in shapes:
        size = int(np.prod(shape))
        if len(shape) == 1:
            directions[:, start : start + size] = 0.0
        else:
            d = directions[:, start : start + size].reshape(2, *shape)
            w = center[start : start + size].reshape(shape)
            # each filter (a column: one output unit) scaled to the centre's norm of that filter
            scale = np.linalg.norm(w, axis=0) / np.maximum(np.linalg.norm(d, axis=1), 1e-300)
            directions[:, start : start + size] = (d * scale[:, None, :]).reshape(2, size)
        start += size
    return directions


def project(weights: np.ndarray, center: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """The least-squares coordinates ``(k, 2)`` of ``weights`` ``(k, P)`` on the plane."""
    coords, *_ = np.linalg.lstsq(directions.T, (weights - center).T, rcond=None)
    return coords.T


def explained_share(weights: np.ndarray, directions: np.ndarray) -> float:
    """The share of the variance of ``weights`` ``(k, P)`` around their mean that lies in the
    span of ``directions``: 1 for a path in the plane, 0 for one across it."""
    offsets = weights - weights.mean(axis=0)
    total = float(np.sum(offsets**2))
    if total == 0.0:
        return 1.0  # a path that does not move loses nothing to the plane
    basis, _ = np.linalg.qr(directions.T)  # orthonormal basis of the plane, (P, 2)
    return float(np.clip(np.sum((offsets @ basis) ** 2) / total, 0.0, 1.0))


def plane_layers(model: Model, center: np.ndarray, directions: np.ndarray) -> list[np.ndarray]:
    r"""The model's dense layers on the plane, each as ``(3, fan_in + 1, fan_out)``: the matrix
    :math:`[W; b]` (the bias as its last row) at :math:`c`, along :math:`d_1` and along
    :math:`d_2`, so that the layer at :math:`(\alpha, \beta)` is
    ``[1, α, β] @ layer.reshape(3, -1)``.

    A hidden layer whose next layer is hidden too gets one more output, the always-on unit:
    weights 0, bias :data:`ALWAYS_ON` at :math:`c` and 0 along the directions, so its tanh is
    1 wherever the plane goes and the next layer's bias rides in its matmul. The last layer's
    bias is added instead: its output is only K logits a point, and a 17th output column
    before it made the largest matmul (n × 17 by 17 × 16 a point) 1.7× slower.
    """
    parts = unflatten(np.vstack([center, directions]), model.shapes(center))
    matrices, biases = parts[::2], parts[1::2]
    layers = [
        np.concatenate([w, b[:, None, :]], axis=1) for w, b in zip(matrices, biases, strict=True)
    ]
    for i, layer in enumerate(layers[:-2]):
        on = np.zeros(layer.shape[:2] + (1,))
        on[0, -1, 0] = ALWAYS_ON
        layers[i] = np.concatenate([layer, on], axis=2)
    return layers


def _plane_logits(first: np.ndarray, rest: list[np.ndarray], coeffs: np.ndarray) -> np.ndarray:
    """The logits ``(B, n, K)`` at each row ``(1, α, β)`` of ``coeffs`` ``(B, 3)``.

    ``first`` ``(3, n, width)`` is the first layer's pre-activation at :math:`c`, along
    :math:`d_1` and along :math:`d_2`: the points do not move, so it is affine in (α, β) and
    one matmul of depth 3 gives it for all B weight vectors. The later layers' inputs move
    with (α, β), so each weight vector has its own matrix, ``[1, α, β]`` times the layer's three.
    """
    pre = (coeffs @ first.reshape(3, -1)).reshape(len(coeffs), *first.shape[1:])
    matrices = [(coeffs @ m.reshape(3, -1)).reshape(len(coeffs), *m.shape[1:]) for m in rest]
    for m in matrices[:-1]:  # its bias rides the previous layer's always-on unit
        pre = np.tanh(pre, out=pre) @ m
    if matrices:  # the last layer's bias, its matrix's last row, added to the logits
        pre = np.tanh(pre, out=pre) @ matrices[-1][:, :-1] + matrices[-1][:, -1:]
    return pre


def _mean_cross_entropy(logits: np.ndarray, y: np.ndarray, binary: bool) -> np.ndarray:
    """The mean cross-entropy ``(B,)`` of ``logits`` ``(B, n, K)`` against labels ``y``."""
    if binary:  # softplus(z) − y z = softplus(±z): + for class 0, − for class 1
        u = logits[..., 0] * (1 - 2 * y).astype(logits.dtype)
        # softplus u = max(u, 0) + log(1 + e^−|u|), stable and 7× faster than logaddexp
        soft = np.log1p(np.exp(-np.abs(u)))
        soft += np.maximum(u, 0, out=u)
        return soft.mean(axis=-1, dtype=np.float64)  # summed in float64: no rounding of its own
    picked = np.take_along_axis(logits, np.broadcast_to(y[:, None], logits.shape[:-1] + (1,)), -1)
    return np.mean(logsumexp(logits) - picked[..., 0], axis=-1, dtype=np.float64)


def plane_losses(
    model: str,
    dataset: Dataset,
    center: np.ndarray,
    directions: np.ndarray,
    coords: np.ndarray,
    *,
    dtype: type[np.floating] = np.float64,
) -> np.ndarray:
    """The training loss at ``center + a d₁ + b d₂`` for each row ``(a, b)`` of ``coords``
    ``(..., 2)``, in :data:`CHUNK` grid points at a time, computed in ``dtype``.

    Where ``(a, b)`` is ``(0, 0)`` the loss is :func:`~optim_core.training.evaluate`'s at the
    centre, in float64: the very number ``train`` recorded for the centre's final weights.
    """
    net, x, y = MODELS[model], dataset.x_train, np.asarray(dataset.y_train, dtype=int)
    first, *rest = plane_layers(net, center, directions)
    first = (np.column_stack([x, np.ones(len(x))]) @ first).astype(dtype)  # (3, n, width)
    rest = [layer.astype(dtype) for layer in rest]
    flat = coords.reshape(-1, 2)
    coeffs = np.column_stack([np.ones(len(flat)), flat]).astype(dtype)  # rows (1, α, β)
    out = np.empty(len(flat))
    for i in range(0, len(flat), CHUNK):
        logits = _plane_logits(first, rest, coeffs[i : i + CHUNK])
        out[i : i + CHUNK] = _mean_cross_entropy(logits, y, net.binary)
    out[~flat.any(axis=1)] = evaluate(net, center, x, y)[0]
    return out.reshape(coords.shape[:-1])


def _axis(extent: float, resolution: int) -> np.ndarray:
    """``resolution`` values from −extent to extent; the middle one exactly 0 when odd."""
    half = (resolution - 1) / 2
    return extent * (np.arange(resolution) - half) / half


def loss_plane(
    results: Mapping[str, TrainResult],
    dataset: Dataset,
    model: str,
    *,
    method: Literal["pca", "random"] = "pca",
    center: str,
    resolution: int = 41,
    span: float = 1.0,
    seed: int = 0,
) -> LossPlane:
    """The loss over a plane through the final weights of ``center``, with every path on it.

    ``results`` are runs of :func:`~optim_core.training.train` on ``dataset`` with ``model``
    (their ``weights`` are the paths). The grid spans ``span`` times the farthest projected
    point along each direction, plus a tenth; ``span`` alone where no path leaves the centre.
    """
    if method not in ("pca", "random"):
        raise ValueError(f"method must be 'pca' or 'random', not {method!r}")
    if resolution < 2:
        raise ValueError(f"resolution must be at least 2, not {resolution}")
    c = results[center].final
    if method == "pca":
        directions = pca_directions(np.vstack([r.weights for r in results.values()]), c)
    else:
        directions = random_directions(MODELS[model].shapes(c), c, seed)
    paths = {name: project(r.weights, c, directions) for name, r in results.items()}
    reach = np.abs(np.vstack(list(paths.values()))).max(axis=0)
    extent = np.where(reach > 0, 1.1 * span * reach, span)
    alpha, beta = _axis(extent[0], resolution), _axis(extent[1], resolution)
    grid = np.stack(np.meshgrid(alpha, beta), axis=-1)  # (R, R, 2), rows are β
    return LossPlane(
        alpha=alpha,
        beta=beta,
        loss=plane_losses(model, dataset, c, directions, grid, dtype=GRID_DTYPE),
        paths=paths,
        explained={n: explained_share(r.weights, directions) for n, r in results.items()},
        path_loss={n: plane_losses(model, dataset, c, directions, p) for n, p in paths.items()},
        center=c,
        directions=directions,
        method=method,
        center_name=center,
    )
