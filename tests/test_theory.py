"""optim_core.theory: formulas against hand values, and measured rates against the analytic ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optim_core import LANDSCAPES, run
from optim_core.landscapes import QUADRATIC_L
from optim_core.theory import (
    gd_optimum,
    gd_rate,
    heavy_ball_optimum,
    measured_rate,
    momentum_rate,
)

STEPS = 500
# Over the measured stretch (t₂ − t₁ ≥ 125 steps before the loss reaches 1e-250) a constant
# factor c between the envelope's samples at t₁ and t₂ (oscillation phase, the t·ρᵗ term of a
# double root) moves the estimate by about ρ·ln(c) / (2 (t₂ − t₁)); c ≤ 4 gives ≤ 0.006.
RATE_TOL = 0.01
NEAR_ONE = 0.995  # slower runs have not left their transient in STEPS steps


def quadratic(kappa: float):
    return LANDSCAPES["quadratic"].with_params(kappa=kappa), QUADRATIC_L / kappa, QUADRATIC_L


def test_hand_values_kappa_100():
    mu, L = 0.18, 18.0  # κ = 100, √κ = 10
    hb = heavy_ball_optimum(mu, L)
    assert hb.beta == pytest.approx((9 / 11) ** 2)
    assert hb.rate == pytest.approx(9 / 11)
    assert hb.lr == pytest.approx(4 / (math.sqrt(18) * 1.1) ** 2)  # (2 / (√L + √L/10))²
    gd = gd_optimum(mu, L)
    assert gd.lr == pytest.approx(2 / 18.18)
    assert gd.rate == pytest.approx(99 / 101)
    assert gd.beta == 0.0


def test_optimum_rates_match_the_rate_formula():
    mu, L = 0.18, 18.0
    hb = heavy_ball_optimum(mu, L)
    assert momentum_rate(hb.lr, hb.beta, mu, L) == pytest.approx(hb.rate, rel=1e-6)
    gd = gd_optimum(mu, L)
    assert gd_rate(gd.lr, mu, L) == pytest.approx(gd.rate)
    assert momentum_rate(gd.lr, 0.0, mu, L) == pytest.approx(gd.rate)


def test_momentum_rate_hand_values():
    # β = 0: gradient descent, |1 − ηλ|
    assert momentum_rate(0.1, 0.0, 1.0, 10.0) == pytest.approx(0.9)
    assert momentum_rate(0.3, 0.0, 1.0, 10.0) == pytest.approx(2.0)
    # a² < 4β for both eigenvalues: complex pairs of modulus √β
    assert momentum_rate(0.1, 0.81, 1.0, 10.0) == pytest.approx(0.9)
    # ηλ = 0, β = 0.25: z² − 1.25 z + 0.25 = (z − 1)(z − 0.25), largest root 1
    assert momentum_rate(0.0, 0.25, 1.0, 10.0) == pytest.approx(1.0)


@given(
    lr=st.floats(1e-4, 1.0),
    beta=st.floats(0.0, 0.999),
    mu=st.floats(0.01, 1.0),
    ratio=st.floats(1.0, 1000.0),
)
def test_momentum_rate_is_the_spectral_radius(lr, beta, mu, ratio):
    L = mu * ratio
    expected = max(
        np.abs(np.linalg.eigvals([[1 + beta - lr * lam, -beta], [1.0, 0.0]])).max()
        for lam in (mu, L)
    )
    assert momentum_rate(lr, beta, mu, L) == pytest.approx(expected, rel=1e-6, abs=1e-6)


def test_momentum_rate_broadcasts():
    lr, beta = np.meshgrid(np.linspace(0.01, 0.2, 7), np.linspace(0, 0.9, 5))
    rate = momentum_rate(lr, beta, 0.5, 18.0)
    assert rate.shape == (5, 7)
    assert rate[2, 3] == momentum_rate(lr[2, 3], beta[2, 3], 0.5, 18.0)


@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_measured_momentum_rate_matches_theory_on_a_grid(kappa):
    land, mu, L = quadratic(kappa)
    lr, beta = np.meshgrid(np.geomspace(1e-3, 0.3, 15), np.linspace(0.0, 0.99, 15))
    traj = run(
        "momentum", land, land.start, STEPS, history="loss", lr=lr.ravel(), beta=beta.ravel()
    )
    analytic = momentum_rate(lr.ravel(), beta.ravel(), mu, L)
    measured = measured_rate(traj.loss)
    converging = analytic < NEAR_ONE
    assert converging.sum() >= 60  # the test compares a good share of the grid
    np.testing.assert_allclose(measured[converging], analytic[converging], atol=RATE_TOL)
    # and every run the theory says diverges did diverge or grew
    growing = analytic > 1.01
    assert (measured[growing] > 1.0).all()
    assert ((traj.diverged_at[growing] >= 0) | (measured[growing] > 1.0)).all()


@pytest.mark.parametrize("formulation", ["pytorch", "classic"])
def test_measured_rate_at_the_heavy_ball_optimum(formulation):
    land, mu, L = quadratic(100.0)
    hb = heavy_ball_optimum(mu, L)
    traj = run(
        "momentum",
        land,
        land.start,
        STEPS,
        history="loss",
        lr=hb.lr,
        beta=hb.beta,
        formulation=formulation,
    )
    # the optimum is a double root (critical damping): t·ρᵗ, so a looser tolerance
    assert measured_rate(traj.loss) == pytest.approx(hb.rate, abs=2 * RATE_TOL)


def test_measured_gd_rate_at_its_optimum():
    land, mu, L = quadratic(50.0)
    gd = gd_optimum(mu, L)
    traj = run("gd", land, land.start, STEPS, history="loss", lr=gd.lr)
    assert measured_rate(traj.loss) == pytest.approx(gd.rate, abs=1e-3)
    # and GD's rate curve over η, measured against max|1 − ηλ|
    lrs = np.linspace(0.005, 0.12, 24)
    traj = run("gd", land, land.start, STEPS, history="loss", lr=lrs)
    analytic = gd_rate(lrs, mu, L)
    ok = analytic < NEAR_ONE
    np.testing.assert_allclose(measured_rate(traj.loss)[ok], analytic[ok], atol=RATE_TOL)


def test_measured_rate_of_a_geometric_sequence():
    t = np.arange(300)[:, None]
    loss = np.array([0.5, 0.9]) ** (2 * t) * 3.0
    np.testing.assert_allclose(measured_rate(loss), [0.5, 0.9], rtol=1e-9)


def test_measured_rate_of_a_diverged_run_is_above_one():
    loss = np.full((50, 2), np.nan)
    loss[:10, 0] = 2.0 ** np.arange(10)
    loss[:, 1] = 1.0
    rate = measured_rate(loss)
    assert rate[0] == pytest.approx(math.sqrt(2.0))
    assert rate[1] == pytest.approx(1.0)
