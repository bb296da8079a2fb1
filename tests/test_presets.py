"""Every preset's text is true of its own run.

Each preset has one record here: a function that runs the preset's scene exactly as the
playground does (``state.widget_values`` → ``state.scene_from_widgets`` → the cached
``cache.scene_trajectory``, as in ``pages/playground.py:run_race``) and checks every claim of
its text against that run. Where the text quotes a number, the check computes it from the
run and asserts that the text says it; where theory predicts it (a stability limit, a fixed
point, a first step), the check compares the run with the formula, an independent reference.
A preset without a record fails :func:`test_every_preset_has_checks`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable

import numpy as np
import pytest

import optim_core
from optim_core.landscapes import QUADRATIC_L
from ui import cache, report, state
from ui.presets import PRESETS

# st.cache_data outside a Streamlit server works and says so on every call.
logging.getLogger("streamlit").setLevel(logging.ERROR)

Runs = dict[str, optim_core.Trajectory]


@dataclasses.dataclass(frozen=True)
class Race:
    """A preset's scene as the playground shows it, and its runs."""

    scene: state.Scene
    land: optim_core.Landscape
    runs: Runs
    text: str

    def says(self, *fragments: str) -> None:
        """Assert that the text states each of ``fragments`` (numbers read off the run)."""
        for fragment in fragments:
            assert fragment in self.text, f"the text should say {fragment!r}"

    def rerun(self, **changes: object) -> Runs:
        """The runs of this scene with ``changes`` (what a learner gets by moving a control)."""
        return race(dataclasses.replace(self.scene, **changes))[1]


def land_key(values: dict[str, object]) -> tuple:
    """The landscape's cache key from the widgets' values, as ``state.landscape_key`` builds it."""
    name = str(values["landscape"])
    if name == "custom":
        return ("custom", (), str(values["formula"]))
    params = optim_core.LANDSCAPES[name].params
    return (name, tuple((p.name, float(values[f"land_{p.name}"])) for p in params), "")


def race(scene: state.Scene) -> tuple[optim_core.Landscape, Runs]:
    """Every run of ``scene`` through the widgets and the app's caches (``run_race``)."""
    values = state.widget_values(scene)
    shown = state.scene_from_widgets(values, preset=scene.preset)
    key = land_key(values)
    land = cache.landscape(key)
    start = shown.start if shown.start is not None else land.start
    runs = {
        name: cache.scene_trajectory(shown, key, start, name, shown.hyperparams(name))
        for name in shown.optimizers
    }
    return land, runs


def preset_race(slug: str) -> Race:
    preset = PRESETS[slug]
    land, runs = race(preset.scene)
    return Race(preset.scene, land, runs, preset.text)


# --- measurements ------------------------------------------------------------------------------


def reached(traj: optim_core.Trajectory, tol: float = 1e-4) -> int | None:
    """The step at which f − f* first falls to ``tol`` (the table's "steps to" column)."""
    return optim_core.steps_to_tolerance(traj, tol)


def coordinate_steps(traj: optim_core.Trajectory) -> np.ndarray:
    """``(steps, 2)``: |Δx| and |Δy| of each step, in units of the run's η."""
    return np.abs(np.diff(traj.params, axis=0)) / traj.hyperparams["lr"]


def step_angles(traj: optim_core.Trajectory) -> np.ndarray:
    """The angle of each step to the x-axis, in degrees (0 to 90)."""
    d = np.abs(np.diff(traj.params, axis=0))
    return np.degrees(np.arctan2(d[:, 1], d[:, 0]))


def rises(traj: optim_core.Trajectory) -> int:
    """On how many steps the loss went up."""
    return int(np.sum(np.diff(traj.loss) > 0))


def sign_changes(values: np.ndarray) -> int:
    return int(np.sum(np.sign(values[1:]) != np.sign(values[:-1])))


def across(traj: optim_core.Trajectory, angle: float) -> np.ndarray:
    """The coordinate across a quadratic valley rotated by ``angle`` degrees (its steep v)."""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return c * traj.params[:, 1] - s * traj.params[:, 0]


def first(condition: np.ndarray) -> int | None:
    return int(np.argmax(condition)) if condition.any() else None


def g(value: float, digits: int = 2) -> str:
    """``value`` as the text writes it: ``digits`` significant digits."""
    return f"{value:.{digits}g}"


def rank_of(race_: Race) -> dict[str, int]:
    """Each optimizer's rank in the race's table (``report.comparison_rows``)."""
    names = list(race_.runs)
    rows = report.comparison_rows(names, list(race_.runs.values()), race_.land, race_.scene.tol)
    return {name: row["rank"] for name, row in zip(names, rows, strict=True)}


# --- one record per preset ---------------------------------------------------------------------

CHECKS: dict[str, Callable[[Race], None]] = {}


def checks(slug: str) -> Callable[[Callable[[Race], None]], Callable[[Race], None]]:
    def register(check: Callable[[Race], None]) -> Callable[[Race], None]:
        CHECKS[slug] = check
        return check

    return register


@checks("narrow-valley")
def _narrow_valley(r: Race) -> None:
    gd, momentum = r.runs["gd"], r.runs["momentum"]
    assert r.land.values["kappa"] == 50.0
    angle = r.land.values["angle"]
    assert gd.hyperparams["lr"] < 2 / QUADRATIC_L  # just under GD's limit
    # the same effective step η/(1 − β)
    effective = momentum.hyperparams["lr"] / (1 - momentum.hyperparams["beta"])
    assert effective == pytest.approx(gd.hyperparams["lr"])
    r.says(f"2/L ≈ {2 / QUADRATIC_L:.2f}", f"η/(1 − β) = {effective:g}")
    r.says(f"GD at η = {gd.hyperparams['lr']:g}", f"η = {momentum.hyperparams['lr']:g}, β = 0.9")
    # GD crosses the valley on every step, and its loss falls on every step
    assert sign_changes(across(gd, angle)) == r.scene.steps
    assert rises(gd) == 0
    # momentum swings across more slowly, and its loss rises
    assert sign_changes(across(momentum, angle)) < r.scene.steps / 4
    r.says(f"rises on {rises(momentum)} of {r.scene.steps} steps")
    r.says(f"at step {reached(momentum)}, GD at step {reached(gd)}")
    assert reached(momentum) < reached(gd)


@checks("momentum-overshoots")
def _momentum_overshoots(r: Race) -> None:
    gd, momentum, nesterov = r.runs["gd"], r.runs["momentum"], r.runs["nesterov"]
    beta = momentum.hyperparams["beta"]
    r.says(f"β = {beta:g}", f"1/(1 − β) = {1 / (1 - beta):.0f}")
    assert gd.hyperparams["lr"] == momentum.hyperparams["lr"] == nesterov.hyperparams["lr"]
    assert nesterov.hyperparams["beta"] == beta
    x = {name: run.params[:, 0] for name, run in r.runs.items()}
    r.says(f"x = {x['momentum'][0]:.0f}".replace("-", "−"))
    r.says(
        f"to x = {x['momentum'].max():.1f} and crosses x = 0 {sign_changes(x['momentum'])} times"
    )
    assert reached(momentum) is None
    r.says(f"f − f* is still {g(momentum.loss[-1], 1)}")
    assert sign_changes(x["gd"]) == 0 and x["gd"].max() < 0  # GD never passes the minimum
    r.says(f"reaches 1e-4 at step {reached(gd)}")
    r.says(f"(to x = {x['nesterov'].max():.1f}) and arrives at step {reached(nesterov)}")
    assert x["nesterov"].max() < x["momentum"].max()
    lower = r.rerun(hyper={**r.scene.hyper, "momentum": {"lr": 0.02, "beta": 0.8}})["momentum"]
    r.says(
        f"Lower β to 0.8: momentum swings only to x = {lower.params[:, 0].max():.1f} and "
        f"arrives at step {reached(lower)}"
    )


@checks("adam-adapts")
def _adam_adapts(r: Race) -> None:
    gd, rmsprop, adam = r.runs["gd"], r.runs["rmsprop"], r.runs["adam"]
    assert r.land.values == {"kappa": 100.0, "angle": 0.0}
    assert gd.hyperparams["lr"] < 2 / QUADRATIC_L
    # GD bounces across y on every step and creeps along x
    assert sign_changes(gd.params[:, 1]) == r.scene.steps
    assert reached(gd) is None
    r.says(f"still at x = {gd.params[-1, 0]:.2f}".replace("-", "−"))
    # Adam: η per coordinate at first (a 45° path), then a turn, then swings
    assert coordinate_steps(adam)[:5] == pytest.approx(np.ones((5, 2)), abs=0.03)
    angles = step_angles(adam)
    assert np.all(np.abs(angles[:8] - 45) < 2)
    assert angles[8:40].min() < 5  # the path turns along the x-axis
    r.says(f"crosses the floor (y = 0) at step {first(adam.params[:, 1] < 0)}")
    assert sign_changes(adam.params[:, 1]) >= 2  # swings around the minimum
    r.says(f"reaches f − f* < 1e-4 at step {reached(adam)}")
    # RMSprop: first step η/√(1 − β₂) per coordinate (no bias correction)
    first_step = 1 / math.sqrt(1 - rmsprop.hyperparams["beta2"])
    assert coordinate_steps(rmsprop)[0] == pytest.approx([first_step] * 2, rel=1e-6)
    r.says(f"starts with {first_step:.0f}η per coordinate and arrives at step {reached(rmsprop)}")
    assert reached(rmsprop) < reached(adam)


@checks("adagrad-dies")
def _adagrad_dies(r: Race) -> None:
    adagrad, rmsprop = r.runs["adagrad"], r.runs["rmsprop"]
    size = adagrad.recorded["step_size"]  # η/(√v + ε) per coordinate, row t after t steps
    assert np.all(np.diff(size[1:], axis=0) <= 0)  # only ever shrinks
    r.says(f"to {g(size[10, 0])} (x) and {g(size[10, 1])} (y) by step 10")
    assert size[-1] == pytest.approx(size[10], rel=0.1)  # and there it stays
    gap = adagrad.loss  # f* = 0
    assert np.all(np.diff(gap[100:]) <= 0)  # does not stall: still going down
    r.says(f"falls from {g(gap[100])} at step 100 to {g(gap[-1])} at step 1000")
    sizes = rmsprop.recorded["step_size"]
    assert sizes[-1, 0] > 3 * sizes[10, 0]  # RMSprop's step size grows again
    r.says(f"x: {g(sizes[10, 0])} at step 10, {g(sizes[-1, 0])} at step 1000")
    r.says(f"ends at f − f* = {g(rmsprop.loss[-1])}")
    assert rank_of(r) == {"rmsprop": 1, "adagrad": 2}


@checks("saddle-escape")
def _saddle_escape(r: Race) -> None:
    gd, momentum, adam = r.runs["gd"], r.runs["momentum"], r.runs["adam"]
    x0, y0 = r.scene.start
    assert (x0, y0) == (-1.5, 1e-3)
    eta = gd.hyperparams["lr"]
    # on x² − y², GD's y is multiplied by 1 + 2η each step
    growth = (1 + 2 * eta) ** np.arange(r.scene.steps + 1)
    assert gd.params[:, 1] == pytest.approx(y0 * growth, rel=1e-9)
    r.says(f"1 + 2η = {1 + 2 * eta:g}", f"y is only {g(gd.params[-1, 1])}")
    assert abs(gd.params[-1, 0]) < 0.05  # next to the saddle
    escaped = {name: first(np.abs(run.params[:, 1]) > 1) for name, run in r.runs.items()}
    assert escaped["gd"] is None
    r.says(f"passes |y| = 1 at step {escaped['momentum']}.")
    # Adam's first y step is η, although the y-slope is 0.002
    assert abs(adam.grads[0, 1]) == pytest.approx(2 * y0)
    assert coordinate_steps(adam)[0, 1] == pytest.approx(1.0, rel=1e-4)
    eta_adam = adam.hyperparams["lr"]
    r.says(f"moves y by η = {eta_adam:g}, and it passes |y| = 1 at step {escaped['adam']}")
    assert momentum.hyperparams["lr"] == eta


@checks("bias-correction")
def _bias_correction(r: Race) -> None:
    plain, corrected = r.runs["adam"], r.runs["adamw"]
    assert plain.hyperparams["bias_correction"] is False
    # AdamW at λ = 0 is Adam with bias correction, step for step
    adam = optim_core.run("adam", r.land, corrected.params[0], r.scene.steps, lr=0.1)
    np.testing.assert_allclose(corrected.params, adam.params, rtol=0, atol=1e-12)
    b1, b2 = plain.hyperparams["beta1"], plain.hyperparams["beta2"]
    r.says(f"{math.sqrt(1 - b2) / (1 - b1):.2f} at step 1")
    steps_plain = coordinate_steps(plain).max(axis=1)
    first_step = (1 - b1) / math.sqrt(1 - b2)  # m₁/√v₁ = (1 − β₁)g/(√(1 − β₂)|g|)
    assert steps_plain[0] == pytest.approx(first_step, rel=1e-6)
    peak = int(np.argmax(steps_plain[:20]))
    r.says(
        f"first step is {first_step:.1f}η", f"grow to {steps_plain[peak]:.1f}η by step {peak + 1}"
    )
    r.says(f"minimum to x = {plain.params[:, 0].max():.1f}")
    assert plain.params[:, 0].max() > 1
    steps_corrected = coordinate_steps(corrected).max(axis=1)
    assert steps_corrected[:20].max() <= 1 + 1e-9
    r.says("no step of the first 20 exceeds η per coordinate")
    assert corrected.params[:, 0].max() < 0.1
    r.says(f"at step {reached(corrected)}, the uncorrected one at step {reached(plain)}")


@checks("too-large-lr")
def _too_large_lr(r: Race) -> None:
    gd, momentum, adam = r.runs["gd"], r.runs["momentum"], r.runs["adam"]
    mu, big = QUADRATIC_L / r.land.values["kappa"], QUADRATIC_L
    eta, beta = gd.hyperparams["lr"], momentum.hyperparams["beta"]
    r.says(f"L = {big:g}", f"2/L ≈ {2 / big:.2f}", f"2(1 + β)/L ≈ {2 * (1 + beta) / big:.2f}")
    # the limits, from the theory of the quadratic
    assert optim_core.gd_rate(eta, mu, big) > 1 > optim_core.gd_rate(0.99 * 2 / big, mu, big)
    limit = 2 * (1 + beta) / big
    assert optim_core.momentum_rate(eta, beta, mu, big) > 1
    assert optim_core.momentum_rate(0.99 * limit, beta, mu, big) < 1
    (x0, x1), (y0, y1) = r.land.window
    left = {
        name: first(
            ~np.all(np.isfinite(run.params), axis=1) | (np.abs(run.params).max(axis=1) > x1)
        )
        for name, run in r.runs.items()
    }
    assert left["gd"] == left["momentum"] == 2 and left["adam"] is None
    for run in (gd, momentum):  # further from the minimum on every step
        assert np.all(np.diff(np.linalg.norm(run.params[: run.diverged_at], axis=1)) > 0)
    r.says(f"leave the map at step {left['gd']}")
    r.says(f"at steps {gd.diverged_at} and {momentum.diverged_at}")
    assert adam.diverged_at is None
    assert coordinate_steps(adam).max() <= 1 + 1e-9
    r.says(f"it ends at f − f* = {g(adam.loss[-1], 1)}")


@checks("plateau")
def _plateau(r: Race) -> None:
    gd, momentum = r.runs["gd"], r.runs["momentum"]
    rmsprop, adam = r.runs["rmsprop"], r.runs["adam"]
    slope = np.linalg.norm(gd.grads[0])
    assert slope < 1e-3 and np.linalg.norm(gd.params[1] - gd.params[0]) < 1e-4
    moved = {n: np.linalg.norm(t.params[-1] - t.params[0]) for n, t in r.runs.items()}
    r.says(
        f"GD moves {g(moved['gd'], 1)}",
        f"{1 / (1 - momentum.hyperparams['beta']):.0f} gradients, {g(moved['momentum'], 1)}.",
    )
    assert coordinate_steps(rmsprop)[0] == pytest.approx([10, 10], rel=1e-3)
    assert coordinate_steps(adam)[0] == pytest.approx([1, 1], rel=1e-4)
    radius = {n: np.linalg.norm(t.params, axis=1) for n, t in r.runs.items()}
    enter = {n: first(radius[n] < 1) for n in r.runs}
    assert enter["gd"] is None and enter["momentum"] is None
    r.says(f"at steps {enter['rmsprop']} and {enter['adam']}")
    crossing = coordinate_steps(adam)[: enter["adam"]]
    assert np.all((np.median(crossing, axis=0) > 0.9) & (np.median(crossing, axis=0) < 1.1))
    for name in ("rmsprop", "adam"):
        assert radius[name][enter[name] :].max() < 1  # not thrown out of the basin
    steepest = max(np.nanmax(np.linalg.norm(t.grads, axis=-1)) for t in (rmsprop, adam))
    assert 500 < steepest / slope < 2000  # "up to 1000 times larger"
    r.says(
        f"Adam reaches f − f* < 1e-4 at step {reached(adam)}, RMSprop at step {reached(rmsprop)}"
    )


def _floor(traj: optim_core.Trajectory, last: int) -> float:
    """Mean f − f* over the last ``last`` steps: the height of the jitter."""
    return float(np.mean(traj.loss[-last:] - traj.f_min))


@checks("noisy")
def _noisy(r: Race) -> None:
    sigma = r.scene.noise
    r.says(f"σ = {sigma:g}")
    constant = {n: _floor(t, 100) for n, t in r.runs.items()}
    r.says(
        f"averages {g(constant['gd'])} for GD, {g(constant['momentum'])} for momentum and "
        f"{g(constant['adam'])} for Adam"
    )
    root_v = np.sqrt(r.runs["adam"].recorded["v_hat"][-100:]).mean(axis=0)
    assert root_v.min() >= 3 and root_v.max() <= 6
    r.says("divides its steps by √v̂, here 3 to 6")
    for run in r.runs.values():  # still jittering: the loss rises on many of the last steps
        assert np.sum(np.diff(run.loss[-101:]) > 0) >= 30
    cosine = {n: _floor(t, 100) for n, t in r.rerun(schedule="cosine").items()}
    r.says(f"GD's average falls to {g(cosine['gd'])} and momentum's to {g(cosine['momentum'])}")
    r.says(f"already low, is {g(cosine['adam'])}")
    assert cosine["gd"] < constant["gd"] / 10 and cosine["momentum"] < constant["momentum"] / 3
    assert constant["adam"] < cosine["gd"]  # "already low"


@checks("sign-descent")
def _sign_descent(r: Race) -> None:
    gd, adam = r.runs["gd"], r.runs["adam"]
    assert r.land.values["angle"] == 0.0
    # step 1: exactly η·sign(g) in each coordinate
    np.testing.assert_allclose(
        np.diff(adam.params[:2], axis=0)[0], -0.1 * np.sign(adam.grads[0]), rtol=1e-6
    )
    assert abs(adam.grads[0, 1] / adam.grads[0, 0]) > 10  # "whatever the slopes"
    angles = step_angles(adam)
    n = int(np.argmax(np.abs(angles - 45) > 1))
    r.says(f"a path at 45° for the first {n} steps")
    r.says(f"Adam reaches f − f* < 1e-4 at step {reached(adam)}, GD at step {reached(gd)}")
    assert reached(adam) < reached(gd)
    rotated = r.rerun(landscape_values={**r.scene.landscape_values, "angle": 30.0})
    assert np.all(np.abs(step_angles(rotated["adam"])[:n] - 45) < 1)  # still 45° to the axes
    assert reached(rotated["adam"]) is None and reached(rotated["gd"]) == reached(gd)
    r.says("θ = 30°", f"after {r.scene.steps} steps", f"still arrives at step {reached(gd)}")


@checks("noise-floor")
def _noise_floor(r: Race) -> None:
    sigma = r.scene.noise
    effective = {
        n: t.hyperparams["lr"] / (1 - t.hyperparams.get("beta", 0.0)) for n, t in r.runs.items()
    }
    assert effective["gd"] == pytest.approx(effective["momentum"])
    assert effective["nesterov"] == pytest.approx(effective["gd"] / 4)
    r.says(f"σ = {sigma:g}", "GD at η = 0.01", "η = 0.001, β = 0.9", "(η = 0.00025)")
    floor = {n: _floor(t, 1000) for n, t in r.runs.items()}
    # theory: about η_eff σ²/2 on the round bowl (two coordinates of η σ²/4 each)
    for name, value in floor.items():
        assert value == pytest.approx(effective[name] * sigma**2 / 2, rel=0.3), name
    assert floor["gd"] == pytest.approx(floor["momentum"], rel=0.2)
    r.says(f"averages {g(floor['gd'])} and {g(floor['momentum'])}")
    ratio = floor["momentum"] / floor["nesterov"]
    r.says(f"averages {g(floor['nesterov'])}, {ratio:.0f} times lower")
    r.says(f"needs {reached(r.runs['nesterov'], 0.1)} steps", f"GD {reached(r.runs['gd'], 0.1)}.")


@checks("l2-vs-decoupled")
def _l2_vs_decoupled(r: Race) -> None:
    adam, adamw = r.runs["adam"], r.runs["adamw"]
    lam = adam.hyperparams["weight_decay"]
    assert (
        adamw.hyperparams["weight_decay"] == lam
        and adam.hyperparams["lr"] == adamw.hyperparams["lr"]
    )
    # f = (x − 2)²/2 + 50 (y − 2)²: ∇f + λw = 0 at x = 2/(1 + λ), y = 200/(100 + λ)
    minimum, h = np.array([2.0, 2.0]), 1e-3
    assert np.allclose(r.land.grad(minimum), 0)
    curvature = [
        (r.land.grad(minimum + h * e) - r.land.grad(minimum - h * e))[i] / (2 * h)
        for i, e in enumerate(np.eye(2))
    ]
    assert curvature == pytest.approx([1.0, 100.0])
    r.says("(2, 2)", "1 along x and 100 along y", f"λ = {lam:g}")
    fixed = np.array([2 / (1 + lam), 200 / (100 + lam)])
    np.testing.assert_allclose(adam.params[-1], fixed, atol=1e-4)
    r.says(f"at ({fixed[0]:.2f}, {fixed[1]:.2f})", f"by only {2 - fixed[1]:.2f}")
    end = adamw.params[-1]
    assert abs(end[0] - end[1]) < 0.01  # both coordinates shrink alike
    assert np.linalg.norm(end - fixed) > 0.5  # visibly elsewhere
    r.says(f"near ({end[0]:.2f}, {end[1]:.2f})")
    jitter = np.ptp(adamw.params[-50:], axis=0).max()
    r.says(f"jittering by {g(jitter, 1)}")


@checks("rmsprop-first-steps")
def _rmsprop_first_steps(r: Race) -> None:
    rmsprop, adam = r.runs["rmsprop"], r.runs["adam"]
    assert rmsprop.hyperparams["lr"] == adam.hyperparams["lr"]
    beta2 = rmsprop.hyperparams["beta2"]
    first_step = 1 / math.sqrt(1 - beta2)
    np.testing.assert_allclose(rmsprop.recorded["v"][1], (1 - beta2) * rmsprop.grads[0] ** 2)
    assert coordinate_steps(rmsprop)[0] == pytest.approx([first_step] * 2, rel=1e-6)
    assert coordinate_steps(adam)[0] == pytest.approx([1, 1], rel=1e-6)
    r.says(f"η/√(1 − β₂) = {first_step:.0f}η per coordinate at β₂ = {beta2:g}")
    sizes = coordinate_steps(rmsprop).max(axis=1)
    assert np.all(np.diff(sizes[:6]) < 0)
    r.says(f"({sizes[5]:.1f}η at step 6)")
    r.says(f"at step {reached(rmsprop)}, Adam at step {reached(adam)}")


@checks("large-eps")
def _large_eps(r: Race) -> None:
    gd, adam, amsgrad = r.runs["gd"], r.runs["adam"], r.runs["amsgrad"]
    assert adam.hyperparams["eps"] == 1e-8 and amsgrad.hyperparams["eps"] == 1.0
    assert gd.hyperparams["lr"] == adam.hyperparams["lr"] == amsgrad.hyperparams["lr"]
    assert np.nanmax(np.sqrt(amsgrad.recorded["v_hat"])) < 1e-3  # √v̂ ≪ ε = 1
    assert 5e-4 < np.linalg.norm(gd.grads[0]) < 2e-3  # "about 0.001"
    assert coordinate_steps(adam)[0] == pytest.approx([1, 1], rel=1e-3)
    r.says(f"at step {reached(adam)}.")
    # its step is about η·m̂/ε: within 0.1 % here
    np.testing.assert_allclose(
        amsgrad.recorded["update"][1:], -0.1 * amsgrad.recorded["m_hat"][1:] / 1.0, rtol=1e-3
    )
    # Adam with the same ε takes the same path
    twin = optim_core.run("adam", r.land, r.land.start, r.scene.steps, lr=0.1, eps=1.0)
    np.testing.assert_allclose(twin.params, amsgrad.params, rtol=0, atol=1e-9)
    apart = np.linalg.norm(gd.params - amsgrad.params, axis=1).max()
    assert apart < 2e-4
    r.says("within 0.0002 of GD's path")
    moved = np.linalg.norm(amsgrad.params[-1] - amsgrad.params[0])
    assert moved == pytest.approx(np.linalg.norm(gd.params[-1] - gd.params[0]), rel=0.01)
    r.says(f"moves only {g(moved, 1)} in {r.scene.steps} steps")
    assert reached(amsgrad) is None and reached(gd) is None


@checks("warmup")
def _warmup(r: Race) -> None:
    adam = r.runs["adam"]
    warmup = int(r.scene.schedule_params()["warmup"])
    start = r.scene.schedule_params()["start"]
    r.says(f"from {start:g} to 1 over W = {warmup} steps", "η = 1")
    np.testing.assert_allclose(
        np.diff(adam.params[:2], axis=0)[0], -start * np.sign(adam.grads[0]), rtol=1e-6
    )
    r.says(f"stays below {math.ceil(adam.loss[:warmup].max()):d}")
    r.says(f"at step {reached(adam)} and ends at {g(adam.loss[-1], 1)}")
    cold = r.rerun(schedule_values={**r.scene.schedule_values, "warmup": 0.0})["adam"]
    r.says(f"up to f = {cold.loss[:warmup].max():.0f}", f"ends at {g(cold.loss[-1])}")
    assert coordinate_steps(cold)[0] == pytest.approx([1, 1])  # η per coordinate, any slope
    assert r.scene.schedule == "warmup_cosine"
    assert reached(cold) is None and cold.loss[-1] > 1000 * adam.loss[-1]


@checks("polyak")
def _polyak(r: Race) -> None:
    gd, momentum = r.runs["gd"], r.runs["momentum"]
    kappa = r.land.values["kappa"]
    mu, big = QUADRATIC_L / kappa, QUADRATIC_L
    best_gd = optim_core.gd_optimum(mu, big)
    best_hb = optim_core.heavy_ball_optimum(mu, big)
    assert gd.hyperparams["lr"] == best_gd.lr
    assert (momentum.hyperparams["lr"], momentum.hyperparams["beta"]) == (best_hb.lr, best_hb.beta)
    r.says(f"κ = {kappa:g}", f"≈ {best_gd.lr:.2f}", f"η ≈ {best_hb.lr:.2f}, β ≈ {best_hb.beta:.2f}")
    r.says(f"= {best_gd.rate:.2f} per step", f"= {best_hb.rate:.2f}.")
    assert optim_core.measured_rate(gd.loss) == pytest.approx(best_gd.rate, rel=0.01)
    assert optim_core.measured_rate(momentum.loss) == pytest.approx(best_hb.rate, rel=0.02)
    span = {n: reached(t, 1e-8) - reached(t, 1e-2) for n, t in r.runs.items()}
    ratio = span["gd"] / span["momentum"]
    assert 0.7 * math.sqrt(kappa) < ratio < 1.3 * math.sqrt(kappa)
    r.says(f"GD needs {span['gd']} steps and momentum {span['momentum']}: {ratio:.0f} times fewer")
    r.says(f"√κ = {math.sqrt(kappa):.0f}")
    r.says(f"momentum reaches 1e-4 at step {reached(momentum)}, GD at step {reached(gd)}")


def _rectifier(t: int, beta2: float) -> tuple[float, float]:
    """ρ_t and r_t from Liu et al. 2020, eq. (6)–(8), written here independently of the rule."""
    rho_inf = 2 / (1 - beta2) - 1
    rho = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
    r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    return rho, r if rho > 5 else math.nan


@checks("radam-warmup")
def _radam_warmup(r: Race) -> None:
    adam, radam = r.runs["adam"], r.runs["radam"]
    beta2 = radam.hyperparams["beta2"]
    assert beta2 == 0.999 and _rectifier(5, beta2)[0] <= 5 < _rectifier(6, beta2)[0]
    r.says("from step 6 at β₂ = 0.999")
    first = coordinate_steps(radam)[0]
    np.testing.assert_allclose(first, np.abs(radam.grads[0]), rtol=1e-9)  # η·m̂₁ = η·g₁
    np.testing.assert_allclose(coordinate_steps(adam)[0], [1, 1], rtol=1e-6)
    r.says(f"{g(first[0])}η along x and {g(first[1])}η along y here")
    # steps 1–5: momentum alone, η·m̂ exactly
    np.testing.assert_allclose(
        np.diff(radam.params[:6], axis=0), -0.05 * radam.recorded["m_hat"][1:6], rtol=1e-9
    )
    r6, r200 = _rectifier(6, beta2)[1], _rectifier(200, beta2)[1]
    r.says(f"{g(r6)} at step 6 and {g(r200)} at step 200")
    r.says(f"Adam reaches f − f* < 1e-4 at step {reached(adam)}, RAdam not in {r.scene.steps}")
    assert reached(radam) is None


@checks("adamax-infinity-norm")
def _adamax_infinity_norm(r: Race) -> None:
    adam, adamax = r.runs["adam"], r.runs["adamax"]
    r.says(f"σ = {r.scene.noise:g}")
    u, root_v = adamax.recorded["u"][-1], np.sqrt(adam.recorded["v_hat"][-1])
    r.says(f"u = ({g(u[0])}, {g(u[1])})", f"√v̂ = ({g(root_v[0])}, {g(root_v[1])})")
    ratio = u / root_v
    assert (ratio > 1).all()
    r.says(f"{g(ratio[0])} and {g(ratio[1])} times above the mean")
    floor = {n: _floor(t, 100) for n, t in r.runs.items()}
    r.says(f"averages {g(floor['adam'])} for Adam and {g(floor['adamax'])} for Adamax")


@checks("adadelta-no-eta")
def _adadelta_no_eta(r: Race) -> None:
    gd, adadelta = r.runs["gd"], r.runs["adadelta"]
    assert adadelta.hyperparams["lr"] == 1.0 and adadelta.hyperparams["eps"] == 1e-6
    lengths = np.hypot(*np.diff(adadelta.params, axis=0).T)
    r.says(
        f"first step is {g(lengths[0])} long", f"is still {g(adadelta.loss[-1] - adadelta.f_min)}"
    )
    r.says(f"GD reaches 1e-4 at step {reached(gd)}")
    assert reached(adadelta) is None
    hyper = {**r.scene.hyper, "adadelta": {"lr": 1.0, "eps": 1e-3}}
    raised = r.rerun(hyper=hyper)["adadelta"]
    longer = np.hypot(*np.diff(raised.params[:2], axis=0).T)[0] / lengths[0]
    assert longer == pytest.approx(math.sqrt(1000), rel=0.01)
    r.says(f"√1000 ≈ {longer:.0f} times longer", f"reaches 1e-4 at step {reached(raised)}")
    tail = np.hypot(*np.diff(raised.params[-50:], axis=0).T)
    assert tail.max() > 10 * np.hypot(*np.diff(raised.params, axis=0).T)[reached(raised)]
    r.says(f"ends at {g(raised.loss[-1] - raised.f_min)}")


@checks("schedule-free")
def _schedule_free(r: Race) -> None:
    gd, free = r.runs["gd"], r.runs["schedule_free_sgd"]
    assert r.scene.schedule == "constant" and gd.hyperparams["lr"] == free.hyperparams["lr"]
    r.says(f"σ = {r.scene.noise:g}", f"constant η = {gd.hyperparams['lr']:g}")
    floor = {n: _floor(t, 100) for n, t in r.runs.items()}
    r.says(f"averages {g(floor['gd'])}", f"averages {g(floor['schedule_free_sgd'])} over")
    r.says(f"{floor['gd'] / floor['schedule_free_sgd']:.0f} times lower")
    # x is the running mean of z (c_t = 1/t at a constant η) and the gradient is taken at y
    z = free.recorded["z"][1:]
    means = np.cumsum(z, axis=0) / np.arange(1, len(z) + 1)[:, None]
    np.testing.assert_allclose(free.params[1:], means, rtol=1e-6, atol=1e-9)
    assert np.abs(free.recorded["y"] - free.params).max() > 0.01


# --- the tests ---------------------------------------------------------------------------------


def test_every_preset_has_checks() -> None:
    assert set(CHECKS) == set(PRESETS)


@pytest.mark.parametrize("slug", list(PRESETS))
def test_the_text_is_true_of_the_run(slug: str) -> None:
    assert slug in CHECKS, f"preset {slug!r} has no checks in tests/test_presets.py"
    CHECKS[slug](preset_race(slug))


@pytest.mark.parametrize("slug", list(PRESETS))
def test_the_text_is_short(slug: str) -> None:
    sentences = [s for s in PRESETS[slug].text.replace("e.g.", "eg").split(". ") if s.strip()]
    assert 2 <= len(sentences) <= 4, sentences
    assert len(PRESETS[slug].title) <= 45
