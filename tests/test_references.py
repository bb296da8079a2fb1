"""Many-step independent references for the rules torch.optim does not have.

torch.optim has no Lion, no Adam without bias correction, and no "classic" momentum under a
schedule (where the classic velocity remembers old learning rates). Each is checked here over
many steps against code the app does not share: optax's own transformations, or a scalar
transcription of the paper's algorithm box.

Like the torch comparisons, each step starts the reference from our iterate, so round-off
differences (1e-16) cannot grow chaotically on Rosenbrock; each step is compared on its own.
"""

import math

import numpy as np
import pytest

from optim_core.landscapes import LANDSCAPES
from optim_core.run import run

STEPS = 300
ROSENBROCK = LANDSCAPES["rosenbrock"]


def _optax():
    optax = pytest.importorskip("optax", reason="optax (pinned in requirements-dev.txt)")
    jax = pytest.importorskip("jax", reason="jax (pinned in requirements-dev.txt)")
    jax.config.update("jax_enable_x64", True)
    return optax, jax.numpy


def _step_by_step(traj, opt, jnp) -> None:
    """Replay ``traj``'s gradients through the optax transformation ``opt``, one step at a time."""
    state = opt.init(jnp.asarray(traj.params[0]))
    for t in range(1, traj.steps + 1):
        w = jnp.asarray(traj.params[t - 1])
        updates, state = opt.update(jnp.asarray(traj.grads[t - 1]), state, w)
        np.testing.assert_allclose(traj.params[t], np.asarray(w + updates), rtol=1e-9, atol=1e-12)


@pytest.mark.optax
@pytest.mark.parametrize("seed", range(3))
def test_lion_matches_optax_over_many_steps(seed):
    optax, jnp = _optax()
    rng = np.random.default_rng(seed)
    h = {
        "lr": float(np.exp(rng.uniform(np.log(1e-4), np.log(1e-2)))),
        "beta1": float(rng.uniform(0.5, 0.95)),
        "beta2": float(rng.uniform(0.9, 0.999)),
        "weight_decay": float(rng.uniform(0.0, 0.2)),
    }
    traj = run("lion", ROSENBROCK, rng.uniform(-1.5, 1.5, 2), STEPS, **h)
    opt = optax.lion(h["lr"], b1=h["beta1"], b2=h["beta2"], weight_decay=h["weight_decay"])
    _step_by_step(traj, opt, jnp)


@pytest.mark.optax
@pytest.mark.parametrize("schedule", ["constant", "step", "cosine", "warmup_cosine"])
def test_classic_momentum_matches_optax_trace_under_a_schedule(schedule):
    """Classic momentum v ← βv + η_t g, w ← w − v is optax's trace of the scaled gradient."""
    optax, jnp = _optax()
    h = {"lr": 1e-3, "beta": 0.9, "formulation": "classic"}
    traj = run("momentum", ROSENBROCK, [-1.5, 2.0], STEPS, schedule=schedule, **h)
    lr = jnp.asarray(traj.lr)
    opt = optax.chain(
        optax.scale_by_schedule(lambda count: -lr[count]),  # −η_t g
        optax.trace(decay=h["beta"]),  # v_t = β v_{t−1} + (−η_t g_t); the update is v_t
    )
    _step_by_step(traj, opt, jnp)


def _adam_without_bias_correction(grads, *, lr, beta1, beta2, eps):
    """Kingma & Ba's Algorithm 1 without its two bias-correction lines, coordinate by
    coordinate in plain floats: the step of each gradient in ``grads``."""
    m, v, steps = [0.0, 0.0], [0.0, 0.0], []
    for g in grads:
        step = []
        for i in range(2):
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]  # biased first moment estimate
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2  # biased second raw moment estimate
            step.append(-lr * m[i] / (math.sqrt(v[i]) + eps))
        steps.append(step)
    return np.array(steps)


@pytest.mark.parametrize("seed", range(3))
def test_adam_without_bias_correction_matches_the_paper_over_many_steps(seed):
    rng = np.random.default_rng(seed)
    h = {
        "lr": float(np.exp(rng.uniform(np.log(1e-3), np.log(0.1)))),
        "beta1": float(rng.uniform(0.5, 0.95)),
        "beta2": float(rng.uniform(0.9, 0.9999)),
        "eps": float(np.exp(rng.uniform(np.log(1e-8), np.log(1e-2)))),
    }
    traj = run("adam", ROSENBROCK, rng.uniform(-1.5, 1.5, 2), STEPS, bias_correction=False, **h)
    steps = _adam_without_bias_correction(traj.grads[:-1], **h)
    np.testing.assert_allclose(np.diff(traj.params, axis=0), steps, rtol=1e-9, atol=1e-12)
    # the reference differs from corrected Adam, so this is not Adam checked twice
    corrected = run("adam", ROSENBROCK, traj.params[0], STEPS, **h)
    assert not np.allclose(corrected.params, traj.params)
