"""A sweep map's cells are the runs they claim to be, at the place on the map they claim.

``ui.cache.sweep`` runs a whole grid as one batched run and keeps per-run outcomes as
``(ny, nx)`` maps; ``sweep_figures.sweep_heatmap`` draws ``z[i, j]`` at ``(xs[j], ys[i])``. Each
cell is compared with a direct, unbatched ``optim_core.run`` of its own hyperparameters, on a
grid whose two axes have different lengths, so a transposed map cannot pass.
"""

from __future__ import annotations

import numpy as np
import pytest

import optim_core
from ui import cache
from ui.figures import sweep as sweep_figures

LAND_KEY = ("rosenbrock", (), "")
START = (-1.2, 1.5)
STEPS, TOL = 300, 0.5
XS = (1e-4, 3e-4, 1e-3, 2e-3, 5e-3)  # η: the last ones diverge on Rosenbrock
YS = (0.0, 0.5, 0.9)  # β


@pytest.fixture(scope="module")
def result() -> dict[str, np.ndarray]:
    return cache.sweep(
        "momentum",
        LAND_KEY,
        START,
        STEPS,
        0.0,
        0,
        ("constant", ()),
        (("formulation", "pytorch"),),
        (("lr", XS), ("beta", YS)),
        TOL,
    )


def _direct(lr: float, beta: float) -> optim_core.Trajectory:
    land = cache.landscape(LAND_KEY)
    return optim_core.run("momentum", land, np.asarray(START), STEPS, lr=lr, beta=beta)


def test_the_maps_are_rows_of_beta_by_columns_of_eta(result):
    for outcome in ("gap", "steps_to_tol", "diverged_at", "rate"):
        assert result[outcome].shape == (len(YS), len(XS)), outcome


@pytest.mark.parametrize("i", range(len(YS)))
@pytest.mark.parametrize("j", range(len(XS)))
def test_each_cell_is_its_own_direct_run(result, i, j):
    traj = _direct(XS[j], YS[i])
    diverged = -1 if traj.diverged_at is None else traj.diverged_at
    assert result["diverged_at"][i, j] == diverged
    reached = optim_core.steps_to_tolerance(traj, TOL)
    assert result["steps_to_tol"][i, j] == (-1 if reached is None else reached)
    if diverged < 0:
        gap = optim_core.final_loss(traj) - traj.f_min
        assert result["gap"][i, j] == pytest.approx(gap, rel=1e-9, abs=1e-15)


def test_the_grid_has_both_outcomes_so_the_comparison_means_something(result):
    assert (result["diverged_at"] >= 0).any() and (result["diverged_at"] < 0).any()
    assert len(set(result["steps_to_tol"].ravel().tolist())) > 2


def test_the_heatmap_draws_each_cell_at_its_own_coordinates(result):
    z = np.log10(result["gap"])
    figure = sweep_figures.sweep_heatmap(
        np.asarray(XS),
        np.asarray(YS),
        z,
        result["diverged_at"],
        x_title="η",
        y_title="β",
        x_log=True,
        y_log=False,
        z_title="log gap",
    )
    outcome, diverged = [t for t in figure["data"] if t.get("meta") == "sweep"]
    for trace in (outcome, diverged):
        np.testing.assert_allclose(trace["x"], XS, rtol=1e-5)  # drawn to six digits
        np.testing.assert_allclose(trace["y"], YS, rtol=1e-5)
    shown = np.asarray(outcome["z"], dtype=float)  # rounded to five digits for the wire
    grey = np.asarray(diverged["z"], dtype=float)
    for i in range(len(YS)):
        for j in range(len(XS)):
            if result["diverged_at"][i, j] < 0:
                assert shown[i, j] == pytest.approx(z[i, j], rel=1e-4) and np.isnan(grey[i, j])
            else:  # grey on top, at the step it diverged
                assert np.isnan(shown[i, j]) and grey[i, j] == result["diverged_at"][i, j]
