"""How long the train page waits: each optimizer trains each model for 2,000 steps.

The binary models train on two moons, softmax regression on three Gaussian blobs.

Run: `.venv/bin/python bench/bench_train.py`. Prints a table; it measures, it asserts nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optim_core import training  # noqa: E402

OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
BATCH, EPOCHS = 30, 200  # 300 training points / 30 = 10 steps per epoch → 2,000 steps


def main() -> None:
    moons = training.make_dataset("moons", n=400, seed=0)
    blobs3 = training.make_dataset("blobs3", n=400, seed=0)
    print(f"{'model':<10}{'optimizer':<12}{'steps':>7}{'train s':>10}{'total s':>10}{'val acc':>9}")
    for model, dataset in (("mlp", moons), ("logistic", moons), ("softmax", blobs3)):
        grand = 0.0
        for name in OPTIMIZERS:
            tick = time.perf_counter()
            result = training.train(name, dataset, model, batch_size=BATCH, epochs=EPOCHS, seed=0)
            total = time.perf_counter() - tick
            grand += total
            print(
                f"{model:<10}{name:<12}{result.steps[-1]:>7}{result.seconds[-1]:>10.3f}"
                f"{total:>10.3f}{result.val_acc[-1]:>9.3f}"
            )
        print(f"{model:<10}{'all four':<12}{'':>7}{'':>10}{grand:>10.3f}")


if __name__ == "__main__":
    main()
