"""How fast is a sweep map? Prints a markdown table; measures, asserts nothing.

    .venv/bin/python bench/bench_sweep.py

The sweep-maps page's heaviest common case: Adam on Rosenbrock over a 100 x 100 (lr x beta1)
grid, 500 steps, one batched ``run(history="loss")`` call, then the outcomes the page keeps
(final loss, steps to tolerance, divergence, measured rate). The issue's target is under a
second on a 2-core machine. The largest grid the page allows (200 x 200 x 1000) is timed once.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optim_core import LANDSCAPES, measured_rate, run, steps_to_tolerance  # noqa: E402

ROSENBROCK = LANDSCAPES["rosenbrock"]


def sweep(n: int, steps: int, *, outcomes: bool) -> float:
    """Wall-clock seconds of one n x n sweep of Adam on Rosenbrock."""
    lr, beta1 = np.meshgrid(np.geomspace(1e-4, 10.0, n), np.linspace(0.0, 0.9999, n))
    began = time.perf_counter()
    traj = run(
        "adam",
        ROSENBROCK,
        ROSENBROCK.start,
        steps,
        history="loss",
        lr=lr.ravel(),
        beta1=beta1.ravel(),
    )
    if outcomes:
        steps_to_tolerance(traj, 1e-4)
        measured_rate(traj.loss)
    return time.perf_counter() - began


def main() -> None:
    rows = [
        (
            "Adam on Rosenbrock, 100 x 100 x 500, run only",
            min(sweep(100, 500, outcomes=False) for _ in range(3)),
        ),
        (
            "Adam on Rosenbrock, 100 x 100 x 500, run + outcomes",
            min(sweep(100, 500, outcomes=True) for _ in range(3)),
        ),
        ("Adam on Rosenbrock, 200 x 200 x 1000, run + outcomes", sweep(200, 1000, outcomes=True)),
    ]
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, NumPy {np.__version__}")
    print()
    print("| benchmark | wall (s), best of 3 |")
    print("|---|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
