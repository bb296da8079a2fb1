"""How fast is optim_core? Prints a markdown table; measures, asserts nothing.

    .venv/bin/python bench/bench_core.py            # the full 200 x 200 sweep
    .venv/bin/python bench/bench_core.py --quick    # a 50 x 50 sweep, for a smoke run

1. Sweep: Adam on Rosenbrock over a 200 x 200 (lr x beta1) grid, 1000 steps, float64:
   one batched ``run(history="loss")`` call, against looping the seed's straightforward
   ``adam()`` over the grid (timed on a subset of runs and extrapolated), and against optax
   (``jax.jit`` + ``vmap`` + ``lax.scan``, warm, float64) when jax and optax are installed
   (pinned in ``requirements-dev.txt``).
2. One trajectory of 1000 steps — the path every slider move takes: ``run()`` against the
   seed's ``adam()`` loop.

Elementwise work dominates, so BLAS settings (e.g. OPENBLAS_CORETYPE) barely matter.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optim_core.landscapes import LANDSCAPES  # noqa: E402
from optim_core.run import run  # noqa: E402

ROSENBROCK = LANDSCAPES["rosenbrock"]
START = np.asarray(ROSENBROCK.start, dtype=float)
STEPS = 1000


def adam(grad, w0, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, steps=STEPS):
    """The seed material's straightforward Adam, one run at a time."""
    w = np.asarray(w0, dtype=float)
    m = v = 0
    for t in range(1, steps + 1):
        g = grad(w)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w


def best_of(repeats: int, fn) -> tuple[float, float, object]:
    """The fastest wall-clock and CPU times of ``repeats`` calls, and the last result.

    CPU time (this process, all threads) is steadier than wall-clock time on a shared machine.
    """
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), result


def optax_sweep(lrs: np.ndarray, beta1s: np.ndarray):
    """A jitted, vmapped optax Adam sweep recording the loss each step, or None without jax."""
    try:
        import jax
        import optax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy

    def f(w):
        return (1.0 - w[0]) ** 2 + 100.0 * (w[1] - w[0] ** 2) ** 2

    def one(lr, beta1):
        opt = optax.adam(lr, b1=beta1, b2=0.999, eps=1e-8)

        def step(carry, _):
            w, state = carry
            loss, g = jax.value_and_grad(f)(w)
            updates, state = opt.update(g, state, w)
            return (optax.apply_updates(w, updates), state), loss

        w0 = jnp.asarray(START)
        (w, _), losses = jax.lax.scan(step, (w0, opt.init(w0)), None, length=STEPS)
        return w, losses

    sweep = jax.jit(jax.vmap(one))
    args = jnp.asarray(lrs), jnp.asarray(beta1s)
    jax.block_until_ready(sweep(*args))  # compile outside the timing

    def timed():
        return jax.block_until_ready(sweep(*args))

    return timed, f"jax {jax.__version__}, optax {optax.__version__}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 50 x 50 grid instead")
    parser.add_argument("--loop-runs", type=int, default=200, help="runs timed for the loop")
    args = parser.parse_args()
    side = 50 if args.quick else 200
    lr_axis, beta1_axis = np.geomspace(1e-4, 1.0, side), np.linspace(0.0, 0.99, side)
    lrs, beta1s = (a.ravel() for a in np.meshgrid(lr_axis, beta1_axis, indexing="ij"))
    runs = side * side

    rows = []
    wall, cpu, traj = best_of(
        3, lambda: run("adam", ROSENBROCK, START, STEPS, lr=lrs, beta1=beta1s, history="loss")
    )
    rows.append((f'sweep {side}x{side}, one batched `run(history="loss")`', wall, cpu, "1"))

    subset = np.linspace(0, runs - 1, min(args.loop_runs, runs)).astype(int)
    loop_wall, loop_cpu, _ = best_of(
        1, lambda: [adam(ROSENBROCK.grad, START, lr=lrs[i], beta1=beta1s[i]) for i in subset]
    )
    scale = runs / len(subset)
    rows.append(
        (
            f"sweep, the seed's `adam()` looped over the grid (timed on {len(subset)} runs, "
            f"extrapolated x{scale:g})",
            loop_wall * scale,
            loop_cpu * scale,
            f"{loop_wall * scale / wall:.0f}x slower (CPU: {loop_cpu * scale / cpu:.0f}x)",
        )
    )

    optax_note = "optax: not installed"
    made = optax_sweep(lrs, beta1s)
    if made is not None:
        timed, optax_note = made
        optax_wall, optax_cpu, (_, loss_optax) = best_of(3, timed)
        rows.append(
            (
                "sweep, optax (jit + vmap + lax.scan, warm; XLA uses several threads)",
                optax_wall,
                optax_cpu,
                f"run() takes {wall / optax_wall:.2f}x optax's time",
            )
        )
        with np.errstate(all="ignore"):
            ours = traj.loss[:-1].T  # optax records the loss before each of its steps
            close = np.isclose(ours, np.asarray(loss_optax), rtol=1e-6, atol=1e-12).all(axis=1)
        agreement = (
            f"{100 * close[traj.diverged_at < 0].mean():.1f}% of the loss curves agree with "
            "optax's to 1e-6 over all 1000 steps (the rest part ways on chaotic paths)"
        )
    else:
        agreement = optax_note

    single = [np.inf, np.inf]
    seed = [np.inf, np.inf]
    for _ in range(15):  # interleaved, so both see the same machine load
        single = np.minimum(single, best_of(1, lambda: run("adam", ROSENBROCK, START, STEPS))[:2])
        seed = np.minimum(seed, best_of(1, lambda: adam(ROSENBROCK.grad, START))[:2])
    rows.append(
        (
            "one trajectory, `run()` with full history",
            *single,
            f"{single[0] / seed[0]:.2f}x the seed's loop",
        )
    )
    rows.append(("one trajectory, the seed's `adam()` loop", *seed, "1"))

    print(
        f"Adam on Rosenbrock, {STEPS} steps, float64. numpy {np.__version__}; {optax_note}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}"
    )
    print()
    print("| benchmark | wall (s) | CPU (s) | relative (wall) |")
    print("|---|---:|---:|---|")
    for name, seconds, cpu_seconds, relative in rows:
        print(f"| {name} | {seconds:.4f} | {cpu_seconds:.4f} | {relative} |")
    print()
    diverged = int((traj.diverged_at >= 0).sum())
    print(f"Sweep: {diverged} of {runs} runs diverged; {agreement}.")


if __name__ == "__main__":
    main()
