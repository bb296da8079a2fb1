"""How fast is the loss over a plane through the MLP's weights? Prints a table; asserts nothing.

    .venv/bin/python bench/bench_loss_plane.py

A 101 × 101 plane for the 2-16-16-1 MLP on the 300 training points of two moons, evaluated
as batched forward passes (``optim_core.loss_plane.plane_losses``) against a loop that runs
one forward pass per grid point (``training.evaluate``), in the same run. Issue target: the
batched plane at least 10× faster than the loop.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optim_core import loss_plane, training  # noqa: E402
from optim_core.loss_plane import plane_losses  # noqa: E402

RESOLUTION = 101


def best_of(repeat: int, fn) -> float:
    """The fastest of ``repeat`` wall-clock timings of ``fn()``, in seconds."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


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
    net = training.MODELS["mlp"]

    def loop() -> None:
        for a, b in grid.reshape(-1, 2):
            training.evaluate(
                net, center + a * directions[0] + b * directions[1], data.x_train, data.y_train
            )

    batched = best_of(3, lambda: plane_losses("mlp", data, center, directions, grid))
    looped = best_of(1, loop)
    print(f"{RESOLUTION} × {RESOLUTION} plane, MLP 2-16-16-1, {len(data.y_train)} points, float64")
    print()
    print("| evaluation | wall (s) | relative |")
    print("|---|---:|---:|")
    print(
        f"| batched forward passes ({loss_plane.__module__}.CHUNK per pass) | {batched:.3f} | 1 |"
    )
    print(f"| one forward pass per grid point | {looped:.3f} | {looped / batched:.2f}× slower |")


if __name__ == "__main__":
    main()
