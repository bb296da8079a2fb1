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
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Literal

import numpy as np

from optim_core.training import MODELS, Dataset, TrainResult, batch_loss

CHUNK = 256
"""Weight vectors per batched forward pass: bounds memory at about CHUNK × n × width floats."""


@dataclasses.dataclass(frozen=True)
class LossPlane:
    """The training loss over a plane through weight space, and the paths projected onto it.

    Attributes:
      alpha, beta: ``(R,)`` the plane's coordinates along the two directions; 0 is the centre.
      loss: ``(R, R)`` training loss, ``loss[i, j]`` at ``(alpha[j], beta[i])`` (rows are β,
        as a contour's z).
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


def plane_losses(
    model: str, dataset: Dataset, center: np.ndarray, directions: np.ndarray, coords: np.ndarray
) -> np.ndarray:
    """The training loss at ``center + a d₁ + b d₂`` for each row ``(a, b)`` of ``coords``
    ``(..., 2)``: batched forward passes of :data:`CHUNK` weight vectors."""
    flat = coords.reshape(-1, 2)
    net, out = MODELS[model], np.empty(len(flat))
    for i in range(0, len(flat), CHUNK):
        weights = center + flat[i : i + CHUNK] @ directions
        out[i : i + CHUNK] = batch_loss(net, weights, dataset.x_train, dataset.y_train)
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
        loss=plane_losses(model, dataset, c, directions, grid),
        paths=paths,
        explained={n: explained_share(r.weights, directions) for n, r in results.items()},
        path_loss={n: plane_losses(model, dataset, c, directions, p) for n, p in paths.items()},
        center=c,
        directions=directions,
        method=method,
        center_name=center,
    )
