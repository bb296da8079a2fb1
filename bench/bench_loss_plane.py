"""How fast is the loss over a plane through the MLP's weights? Prints tables; asserts nothing.

    .venv/bin/python bench/bench_loss_plane.py

A 101 × 101 plane for the 2-16-16-1 MLP on the 300 training points of two moons, five ways in
the same run, each timed in every one of :data:`ROUNDS` interleaved rounds (the best round
counts, so that a neighbour's burst of work on the shared machine hurts them all alike):

- the loop: for each grid point its weight vector, one forward pass with the model's own code
  (``Model.forward``) and the cross-entropy, the loss alone; the speed-ups are against it;
- ``training.evaluate`` per grid point, which also counts the accuracy (``train`` records
  its numbers), a slower loop shown for comparison;
- the model's batched forward on the grid's weight vectors (``training.batch_loss``);
- ``loss_plane.plane_losses``, layer by layer on the plane, in float64 and in float32 (the
  precision ``loss_plane`` draws its grid in), each with its largest relative difference
  from the loop's float64 losses.

Issue target: the batched plane at least 10× faster than the loop. A second table gives what
one element of tanh costs, in the ways the hidden layers could compute it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optim_core import loss_plane, training  # noqa: E402
from optim_core.loss_plane import CHUNK, GRID_DTYPE, plane_losses  # noqa: E402

RESOLUTION = 101
ROUNDS = 3
ELEMENTS = CHUNK * 300 * 17  # one chunk's first hidden layer, with its always-on unit

# Eigen's generic_fast_tanh_float (Eigen/src/Core/MathFunctionsImpl.h): a 13/6 rational
# function, a couple of float32 ulp from tanh on [−9, 9], ±1 beyond.
EIGEN_ALPHA = (
    -2.76076847742355e-16,
    2.00018790482477e-13,
    -8.60467152213735e-11,
    5.12229709037114e-08,
    1.48572235717979e-05,
    6.37261928875436e-04,
    4.89352455891786e-03,
)
EIGEN_BETA = (
    1.19825839466702e-06,
    1.18534705686654e-04,
    2.26843463243900e-03,
    4.89352518554385e-03,
)


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    """The fastest of ``repeat`` wall-clock timings of ``fn()``, in seconds."""
    return min(timed(fn)[0] for _ in range(repeat))


def timed(fn: Callable[[], object]) -> np.ndarray:
    """The wall-clock time and the CPU time of this process (all its threads) of ``fn()``.

    On a shared machine the CPU time is the steadier figure: it leaves out the time others
    held the cores, not the caches they emptied."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return np.array([time.perf_counter() - wall, time.process_time() - cpu])


def eigen_tanh(x: np.ndarray) -> np.ndarray:
    """Eigen's rational tanh in NumPy: every term is one more pass over the array."""
    x = np.clip(x, -9.0, 9.0)
    x2 = x * x
    p = np.full_like(x, EIGEN_ALPHA[0])
    for a in EIGEN_ALPHA[1:]:
        p *= x2
        p += a
    q = np.full_like(x, EIGEN_BETA[0])
    for b in EIGEN_BETA[1:]:
        q *= x2
        q += b
    return x * p / q


def exp_tanh(x: np.ndarray) -> np.ndarray:
    """tanh x = 1 − 2 / (exp 2x + 1), in place after the first pass."""
    t = np.multiply(x, 2)
    np.exp(t, out=t)
    t += 1
    np.divide(2, t, out=t)
    return np.subtract(1, t, out=t)


def tanh_table() -> None:
    """ns per element of each way of computing tanh, and its largest error from float64."""
    x = np.random.default_rng(0).normal(scale=2.0, size=ELEMENTS)
    x32, exact = x.astype(np.float32), np.tanh(x)
    ways = {
        "np.tanh, float64": (x, np.tanh),
        "np.tanh, float32": (x32, np.tanh),
        "1 − 2/(exp 2x + 1), float32": (x32, exp_tanh),
        "Eigen's 13/6 rational, float32": (x32, eigen_tanh),
        "np.multiply (x · x, one pass), float32": (x32, lambda v: v * v),
    }
    print(f"tanh on {ELEMENTS:,} elements (one chunk's first hidden layer), best of 50")
    print()
    print("| way | ns per element | largest error from float64 tanh |")
    print("|---|---:|---:|")
    for name, (arg, fn) in ways.items():
        ns = best_of(50, lambda arg=arg, fn=fn: fn(arg)) / ELEMENTS * 1e9
        error = "" if "multiply" in name else f"{np.max(np.abs(fn(arg) - exact)):.1e}"
        print(f"| {name} | {ns:.2f} | {error} |")


def main() -> None:
    data = training.make_dataset("moons", n=400, noise=0.2, seed=0)
    results = {
        name: training.train(name, data, "mlp", batch_size=32, epochs=10, seed=0, lr=lr)
        for name, lr in (("gd", 0.3), ("adam", 0.01))
    }
    plane = loss_plane(results, data, "mlp", center="adam", resolution=3)
    center, directions = plane.center, plane.directions
    axis = np.linspace(-1.0, 1.0, RESOLUTION)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1)
    net, x, y = training.MODELS["mlp"], data.x_train, data.y_train
    points = grid.reshape(-1, 2)

    def loop() -> np.ndarray:
        losses = []
        for a, b in points:  # softplus(z) − y z, the binary cross-entropy as training writes it
            z = net.forward(center + a * directions[0] + b * directions[1], x)
            losses.append(np.mean(np.logaddexp(0.0, z) - y * z))
        return np.array(losses)

    def evaluate_loop() -> np.ndarray:
        return np.array(
            [
                training.evaluate(net, center + a * directions[0] + b * directions[1], x, y)[0]
                for a, b in points
            ]
        )

    def model_batch() -> np.ndarray:
        return np.concatenate(
            [
                training.batch_loss(net, center + points[i : i + 256] @ directions, x, y)
                for i in range(0, len(points), 256)
            ]
        )

    ways: dict[str, tuple[str, Callable[[], np.ndarray]]] = {
        "one forward pass per grid point (the loop)": ("float64", loop),
        "`training.evaluate` per grid point (loss and accuracy, as `train` records them)": (
            "float64",
            evaluate_loop,
        ),
        "the model's batched forward, 256 weight vectors a pass": ("float64", model_batch),
        "the plane layer by layer (`plane_losses`)": (
            "float64",
            lambda: plane_losses("mlp", data, center, directions, grid),
        ),
        "the plane layer by layer, as `loss_plane` draws it": (
            np.dtype(GRID_DTYPE).name,
            lambda: plane_losses("mlp", data, center, directions, grid, dtype=GRID_DTYPE),
        ),
    }
    loops = (loop, evaluate_loop)
    load = os.getloadavg()[0]
    best = {name: np.full(2, np.inf) for name in ways}  # (wall, CPU) in seconds
    for _ in range(ROUNDS):
        for name, (_, fn) in ways.items():
            for _ in range(1 if fn in loops else 3):
                best[name] = np.minimum(best[name], timed(fn))
    reference = loop()
    print(
        f"{RESOLUTION} × {RESOLUTION} plane, MLP 2-16-16-1, {len(y)} points, best of {ROUNDS} "
        f"interleaved rounds; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after "
        f"(2 cores)"
    )
    print()
    print(
        "| evaluation | precision | wall (s) | CPU (s) | loop ÷ this, wall | loop ÷ this, CPU "
        "| largest relative difference |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, (precision, fn) in ways.items():
        diff = np.max(np.abs(fn().ravel() - reference) / reference)
        wall, cpu = best[name]
        speedup = best["one forward pass per grid point (the loop)"] / best[name]
        print(
            f"| {name} | {precision} | {wall:.3f} | {cpu:.3f} | {speedup[0]:.1f}× "
            f"| {speedup[1]:.1f}× | {diff:.1e} |"
        )
    print()
    tanh_table()


if __name__ == "__main__":
    main()
