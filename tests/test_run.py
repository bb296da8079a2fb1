"""run(): the seed's own Adam, batching, histories, divergence, noise, schedules and metrics."""

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optim_core.landscapes import LANDSCAPES
from optim_core.optimizers import OPTIMIZERS
from optim_core.run import (
    Trajectory,
    distance_to_minimum,
    final_loss,
    run,
    steps_to_tolerance,
)
from optim_core.schedules import SCHEDULES

NAMES = list(OPTIMIZERS)
ROSENBROCK = LANDSCAPES["rosenbrock"]
RECORDED_KEYS = {"velocity", "m", "v", "m_hat", "v_hat", "v_max", "step_size", "update"}
RECORDED_KEYS |= {"u", "d", "y", "z"}  # Adamax's ∞-norm, Adadelta's mean of Δ², schedule-free's


class Bowl:
    """f(w) = ½|w|²: gradient descent with η = 1/2 halves w at every step."""

    name = "bowl"
    f_min = 0.0
    minima = np.zeros((1, 2))

    def f(self, xy):
        return 0.5 * np.sum(np.square(xy), axis=-1)

    def grad(self, xy):
        return np.array(xy, dtype=float)


class Flat:
    """f = 0: every step is pure gradient noise."""

    name = "flat"
    f_min = 0.0
    minima = np.zeros((0, 2))

    def f(self, xy):
        return np.zeros(np.shape(xy)[:-1])

    def grad(self, xy):
        return np.zeros(np.shape(xy))


def quiet(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, failing on any warning (NumPy's included)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


# --- the seed's straightforward function ----------------------------------------------------


def adam(grad, w0, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, steps=1000):
    """The seed material's textbook Adam loop, returning every iterate."""
    w = np.asarray(w0, dtype=float)
    m = v = 0
    path = [w]
    for t in range(1, steps + 1):
        g = grad(w)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        path.append(w)
    return np.array(path)


@pytest.mark.parametrize(
    ("landscape", "start", "h"),
    [
        ("rosenbrock", [-1.5, 2.0], {}),  # the seed's defaults
        ("rosenbrock", [0.5, -0.5], {"lr": 0.003, "beta1": 0.95, "beta2": 0.9999}),
        ("quadratic", [-4.0, 1.5], {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}),
        ("quadratic", [3.0, 3.0], {"lr": 0.3, "beta1": 0.0, "beta2": 0.5, "eps": 1e-12}),
    ],
)
def test_reproduces_the_seed_adam(landscape, start, h):
    """run("adam") follows the seed's loop to 1e-12 over 1000 steps.

    Not bit for bit: run() keeps β^t as a running product (exact for batches) where the loop
    calls pow, a difference in the last bits. Where the path is chaotic (Adam with η = 0.05 on
    Rosenbrock) any such difference grows, so the settings here are not chaotic.
    """
    grad = LANDSCAPES[landscape].grad
    expected = adam(grad, start, steps=1000, **h)
    traj = quiet(run, "adam", landscape, start, 1000, **{"lr": 0.001} | h)
    scale = np.abs(expected).max()  # a coordinate crossing 0 has no relative accuracy
    np.testing.assert_allclose(traj.params, expected, rtol=1e-12, atol=1e-12 * scale)


# --- shapes and the keyword interface ---------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_single_run_shapes_and_recorded_quantities(name):
    traj = quiet(run, name, "quadratic", [-3.0, 1.0], 20)
    assert isinstance(traj, Trajectory) and not traj.batched and traj.steps == 20
    assert traj.params.shape == traj.grads.shape == (21, 2)
    assert traj.loss.shape == (21,) and traj.lr.shape == (20,)
    assert traj.diverged_at is None and traj.optimizer == name and traj.landscape == "quadratic"
    # every rule says its step size but Adadelta, whose size needs the d from before the step
    assert ("step_size" in traj.recorded or "d" in traj.recorded) and "update" in traj.recorded
    assert set(traj.recorded) <= RECORDED_KEYS
    for key, values in traj.recorded.items():
        assert values.shape == (21, 2), key
    np.testing.assert_array_equal(traj.params[0], [-3.0, 1.0])
    np.testing.assert_allclose(traj.loss, LANDSCAPES["quadratic"].f(traj.params), rtol=1e-15)
    at = traj.recorded.get("y", traj.params)  # schedule-free takes its gradient at y
    np.testing.assert_allclose(traj.grads, LANDSCAPES["quadratic"].grad(at), rtol=1e-15)
    # row t explains the step that produced params[t]; nothing produced params[0]
    size = traj.recorded.get("step_size", np.full((21, 2), np.nan))
    assert np.isnan(traj.recorded["update"][0]).all() and np.isnan(size[0]).all()
    np.testing.assert_allclose(
        traj.params[1:], traj.params[:-1] + traj.recorded["update"][1:], rtol=1e-15
    )
    assert "step_size" not in traj.recorded or (size[1:] > 0).all()


@pytest.mark.parametrize("name", NAMES)
def test_missing_hyperparameters_take_their_declared_defaults(name):
    defaults = OPTIMIZERS[name].defaults()
    implicit = quiet(run, name, "quadratic", [-3.0, 1.0], 15)
    explicit = quiet(run, name, "quadratic", [-3.0, 1.0], 15, **defaults)
    np.testing.assert_array_equal(implicit.params, explicit.params)
    assert implicit.hyperparams == defaults


def test_landscape_by_name_or_object_and_optimizer_by_name_or_spec():
    by_name = run("adam", "rosenbrock", [-1.5, 2.0], 30)
    by_object = run(OPTIMIZERS["adam"], ROSENBROCK, [-1.5, 2.0], 30)
    np.testing.assert_array_equal(by_name.params, by_object.params)


def test_bad_calls_raise_clear_errors():
    with pytest.raises(TypeError, match="beta"):
        run("gd", "rosenbrock", [0.0, 0.0], 5, beta=0.9)
    with pytest.raises(TypeError, match="learning_rate"):
        run("adam", "rosenbrock", [0.0, 0.0], 5, learning_rate=0.1)
    with pytest.raises(ValueError, match="formulation"):
        run("momentum", "rosenbrock", [0.0, 0.0], 5, formulation="nesterov")
    with pytest.raises(ValueError, match="unknown optimizer"):
        run("sgd", "rosenbrock", [0.0, 0.0], 5)
    with pytest.raises(ValueError, match="unknown landscape"):
        run("gd", "nowhere", [0.0, 0.0], 5)
    with pytest.raises(ValueError, match="start"):
        run("gd", "rosenbrock", [0.0, 0.0, 0.0], 5)
    with pytest.raises(ValueError, match="batch size"):
        run("gd", "rosenbrock", np.zeros((3, 2)), 5, lr=[0.1, 0.2])
    with pytest.raises(ValueError, match="steps"):
        run("gd", "rosenbrock", [0.0, 0.0], -1)
    with pytest.raises(ValueError, match="noise"):
        run("gd", "rosenbrock", [0.0, 0.0], 5, noise=-1.0)
    with pytest.raises(ValueError, match="history"):
        run("gd", "rosenbrock", [0.0, 0.0], 5, history="none")


def test_zero_steps_records_only_the_start():
    traj = quiet(run, "adam", "rosenbrock", [-1.5, 2.0], 0)
    assert traj.params.shape == (1, 2) and traj.lr.shape == (0,)
    assert traj.loss[0] == ROSENBROCK.f(np.array([-1.5, 2.0]))


# --- batching -------------------------------------------------------------------------------


def _varied_hyperparams(name: str, B: int, rng: np.random.Generator) -> dict:
    """B different, well-behaved settings per hyperparameter (options at their defaults)."""
    values = {}
    for p in OPTIMIZERS[name].hyperparams:
        low, high = {"lr": (1e-4, 1e-3), "eps": (1e-10, 1e-2)}.get(p.name, (p.low, p.high))
        if p.name in ("beta2",):
            low = 0.5
        values[p.name] = rng.uniform(low, min(high, 0.3) if p.name == "weight_decay" else high, B)
    return values


@pytest.mark.parametrize("name", NAMES)
def test_a_batch_equals_its_runs_one_by_one_exactly(name):
    rng = np.random.default_rng(NAMES.index(name))
    B = 3
    starts = rng.uniform(-1.5, 1.5, size=(B, 2))
    h = _varied_hyperparams(name, B, rng)
    batch = quiet(run, name, "rosenbrock", starts, 40, **h)
    assert batch.batched and batch.params.shape == (41, B, 2) and batch.loss.shape == (41, B)
    np.testing.assert_array_equal(batch.diverged_at, -1)
    for i in range(B):
        alone = quiet(run, name, "rosenbrock", starts[i], 40, **{k: v[i] for k, v in h.items()})
        np.testing.assert_array_equal(batch.params[:, i], alone.params)
        np.testing.assert_array_equal(batch.loss[:, i], alone.loss)
        np.testing.assert_array_equal(batch.lr[:, i], alone.lr)
        for key, values in alone.recorded.items():
            np.testing.assert_array_equal(batch.recorded[key][:, i], values, err_msg=key)


def _options(name: str) -> list[dict]:
    """Every combination of the optimizer's options."""
    choices = OPTIMIZERS[name].options
    return [
        dict(zip((c.name for c in choices), values, strict=True))
        for values in itertools.product(*(c.choices for c in choices))
    ]


@pytest.mark.parametrize("name", NAMES)
def test_a_single_run_steps_its_coordinates_apart_for_the_same_bits(name):
    # A single run of an elementwise rule steps x and y as NumPy scalars; a batch of one
    # steps the 2-vector. Every landscape, every option, anywhere in the sliders' ranges,
    # with and without noise: the same numbers, bit for bit, divergence and NaN included.
    if not OPTIMIZERS[name].elementwise:
        pytest.skip("a rule that mixes the coordinates steps the 2-vector alone")
    rng = np.random.default_rng(100 + NAMES.index(name))
    for options in _options(name):
        for landscape in LANDSCAPES.values():
            assert landscape.gradxy is not None  # else a single run goes through the 2-vector
            h = {p.name: _inside(p, rng) for p in OPTIMIZERS[name].hyperparams} | options
            (x0, x1), (y0, y1) = landscape.window
            start = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
            noise = rng.choice([0.0, 0.5])
            args = (name, landscape)
            alone = quiet(run, *args, start, 150, noise=noise, seed=4, **h)
            batch = quiet(run, *args, start[None], 150, noise=noise, seed=4, **h)
            for key in ("params", "loss", "grads"):
                np.testing.assert_array_equal(getattr(batch, key)[:, 0], getattr(alone, key))
            for key, values in alone.recorded.items():
                np.testing.assert_array_equal(batch.recorded[key][:, 0], values, err_msg=key)
            assert batch.diverged_at[0] == (-1 if alone.diverged_at is None else alone.diverged_at)


def _inside(p, rng: np.random.Generator) -> float:
    """A value anywhere in ``p``'s range, log-uniform where its slider is logarithmic."""
    if p.log:
        return float(np.exp(rng.uniform(np.log(p.low), np.log(p.high))))
    return float(rng.uniform(p.low, p.high))


@pytest.mark.parametrize("name", NAMES)
def test_loss_history_keeps_the_same_numbers_in_less_memory(name):
    rng = np.random.default_rng(10 + NAMES.index(name))
    starts = rng.uniform(-1.5, 1.5, size=(4, 2))
    h = _varied_hyperparams(name, 4, rng)
    full = quiet(run, name, "rosenbrock", starts, 30, noise=0.5, seed=3, **h)
    lean = quiet(run, name, "rosenbrock", starts, 30, noise=0.5, seed=3, history="loss", **h)
    assert lean.history == "loss" and lean.params.shape == (1, 4, 2)
    np.testing.assert_array_equal(lean.loss, full.loss)
    np.testing.assert_array_equal(lean.params[-1], full.params[-1])
    np.testing.assert_array_equal(lean.grads[-1], full.grads[-1])
    assert set(lean.recorded) == set(full.recorded)
    for key in full.recorded:
        assert lean.recorded[key].shape == (1, 4, 2)
        np.testing.assert_array_equal(lean.recorded[key][-1], full.recorded[key][-1], err_msg=key)


def test_a_sweep_is_one_call_over_a_grid():
    lrs, beta1s = np.meshgrid(np.geomspace(1e-3, 0.3, 30), np.linspace(0.0, 0.99, 30))
    traj = quiet(
        run,
        "adam",
        "rosenbrock",
        [-1.5, 2.0],
        200,
        lr=lrs.ravel(),
        beta1=beta1s.ravel(),
        history="loss",
    )
    assert traj.loss.shape == (201, 900) and traj.lr.shape == (200, 900)
    losses = final_loss(traj)
    assert losses.shape == (900,) and np.nanmax(losses) > 10 * np.nanmin(losses)
    for i in (0, 457, 899):  # a cell of the heatmap is the run a click on it shows
        lr, beta1 = lrs.ravel()[i], beta1s.ravel()[i]
        alone = run("adam", "rosenbrock", [-1.5, 2.0], 200, lr=lr, beta1=beta1)
        np.testing.assert_array_equal(traj.loss[:, i], alone.loss)


# --- divergence -----------------------------------------------------------------------------


def test_divergence_row_is_the_first_iterate_outside_the_bound():
    # gd with η = 3 on ½|w|² gives w_t = (−2)^t w_0; from w_0 = (2, 0), |w_t| = 2^(t+1) first
    # exceeds 10⁶ at t = 19 (2^20 = 1,048,576; 2^19 = 524,288)
    traj = quiet(run, "gd", Bowl(), [2.0, 0.0], 40, lr=3.0)
    assert traj.diverged_at == 19
    np.testing.assert_array_equal(traj.params[18], [2.0 * (-2.0) ** 18, 0.0])
    assert np.isnan(traj.params[19:]).all() and np.isnan(traj.loss[19:]).all()
    assert np.isnan(traj.grads[19:]).all() and np.isnan(traj.recorded["update"][19:]).all()
    assert np.isfinite(traj.loss[:19]).all()
    smaller_box = quiet(run, "gd", Bowl(), [2.0, 0.0], 40, lr=3.0, bound=100.0)
    assert smaller_box.diverged_at == 6  # 2^7 = 128 > 100 ≥ 2^6


@pytest.mark.parametrize("history", ["full", "loss"])
def test_huge_learning_rate_is_flagged_quietly(history):
    traj = quiet(run, "gd", "rosenbrock", [-1.5, 2.0], 200, lr=[1e-4, 10.0], history=history)
    no, yes = traj.diverged_at
    assert no == -1 and 0 < yes < 10
    assert np.isfinite(traj.loss[:, 0]).all()
    assert np.isnan(traj.loss[yes:, 1]).all() and np.isfinite(traj.loss[:yes, 1]).all()
    assert np.isnan(traj.params[-1, 1]).all() and np.isfinite(traj.params[-1, 0]).all()
    assert np.isnan(final_loss(traj)[1])


def test_overflow_to_inf_and_nan_is_flagged_not_raised():
    # Beale's gradient overflows far out; the iterate becomes inf, then NaN
    traj = quiet(run, "momentum", "beale", [4.0, 4.0], 50, lr=10.0, beta=0.9999, bound=np.inf)
    assert traj.diverged_at is not None
    assert np.isnan(traj.params[traj.diverged_at :]).all()


def test_a_long_diverged_run_stops_early_and_fills_nan():
    traj = quiet(run, "gd", "rosenbrock", [-1.5, 2.0], 100_000, lr=10.0)
    assert traj.params.shape == (100_001, 2)
    assert traj.diverged_at < 10 and np.isnan(traj.params[traj.diverged_at :]).all()


# --- extreme settings never warn, never raise -----------------------------------------------


def _extreme(p):
    """A hyperparameter value: either end of its range, or anywhere in it."""
    inside = (
        st.floats(np.log(p.low), np.log(p.high)).map(np.exp) if p.log else st.floats(p.low, p.high)
    )
    return st.one_of(st.just(p.low), st.just(p.high), inside)


@st.composite
def settings_for(draw, name):
    spec = OPTIMIZERS[name]
    h = {p.name: draw(_extreme(p)) for p in spec.hyperparams}
    h |= {c.name: draw(st.sampled_from(c.choices)) for c in spec.options}
    landscape = LANDSCAPES[draw(st.sampled_from(list(LANDSCAPES)))]
    (x0, x1), (y0, y1) = landscape.window
    start = [draw(st.floats(x0, x1)), draw(st.floats(y0, y1))]
    noise = draw(st.one_of(st.just(0.0), st.just(1e3), st.floats(0.0, 1e3)))
    schedule = draw(st.sampled_from(list(SCHEDULES)))
    return landscape, start, h, noise, schedule


def _check_flagged_or_finite(traj, bound=1e6):
    d = traj.diverged_at
    cut = len(traj.params) if d is None else d
    assert np.isfinite(traj.params[:cut]).all() and (np.abs(traj.params[:cut]) <= bound).all()
    assert np.isfinite(traj.loss[:cut]).all()
    assert np.isnan(traj.params[cut:]).all() and np.isnan(traj.loss[cut:]).all()
    for key, values in traj.recorded.items():
        assert not np.isinf(values).any(), key


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_extreme_hyperparameters_are_finite_or_flagged(name, data):
    landscape, start, h, noise, schedule = data.draw(settings_for(name))
    traj = quiet(run, name, landscape, start, 25, noise=noise, seed=1, schedule=schedule, **h)
    _check_flagged_or_finite(traj)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), noise=st.floats(0.0, 1e4))
def test_a_batch_at_every_corner_of_the_ranges_is_finite_or_flagged(name, seed, noise):
    spec = OPTIMIZERS[name]
    rng = np.random.default_rng(seed)
    corners = {p.name: rng.choice([p.low, p.high, p.default], size=64) for p in spec.hyperparams}
    starts = rng.uniform(-3, 3, size=(64, 2))
    traj = quiet(run, name, "beale", starts, 30, noise=noise, seed=seed, **corners)
    for i in range(64):
        d = traj.diverged_at[i]
        cut = len(traj.params) if d < 0 else d
        assert np.isfinite(traj.params[:cut, i]).all() and np.isnan(traj.params[cut:, i]).all()


# --- noise ----------------------------------------------------------------------------------


def test_noise_is_reproducible_by_seed():
    a = run("adam", "rosenbrock", [-1.5, 2.0], 50, noise=1.0, seed=7)
    b = run("adam", "rosenbrock", [-1.5, 2.0], 50, noise=1.0, seed=7)
    c = run("adam", "rosenbrock", [-1.5, 2.0], 50, noise=1.0, seed=8)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.allclose(a.params[1:], c.params[1:])


def test_noise_is_gaussian_with_the_given_sigma_and_independent_per_run():
    sigma = 0.5
    traj = quiet(run, "gd", Flat(), np.zeros((20, 2)), 1000, lr=1.0, noise=sigma, seed=2)
    # on flat ground the step is exactly −η·noise
    noise = -np.diff(traj.params, axis=0)  # (1000, 20, 2)
    np.testing.assert_allclose(noise, traj.grads[:-1], atol=1e-12)
    samples = noise.reshape(-1, 2)
    assert abs(samples.mean()) < 0.01
    np.testing.assert_allclose(samples.std(axis=0), sigma, rtol=0.02)
    assert abs(np.corrcoef(samples.T)[0, 1]) < 0.02  # x and y independent
    per_run = noise[:, :, 0].T  # (20 runs, 1000 steps)
    correlations = np.corrcoef(per_run)[np.triu_indices(20, 1)]
    assert np.abs(correlations).max() < 0.15  # runs independent
    lagged = np.corrcoef(noise[:-1, :, 0].ravel(), noise[1:, :, 0].ravel())[0, 1]
    assert abs(lagged) < 0.02  # steps independent


def test_noise_per_run_can_be_switched_off_for_one_run():
    noisy = quiet(run, "adam", "rosenbrock", [-1.5, 2.0], 30, noise=[0.0, 2.0])
    clean = quiet(run, "adam", "rosenbrock", [-1.5, 2.0], 30)
    np.testing.assert_array_equal(noisy.params[:, 0], clean.params)
    assert not np.allclose(noisy.params[1:, 1], clean.params[1:])


# --- schedules and the two momentum formulations --------------------------------------------


@pytest.mark.parametrize("schedule", list(SCHEDULES))
def test_the_schedule_scales_the_learning_rate_of_each_step(schedule):
    traj = quiet(run, "gd", "quadratic", [-3.0, 1.0], 100, lr=0.05, schedule=schedule)
    np.testing.assert_allclose(traj.lr, 0.05 * SCHEDULES[schedule](100), rtol=1e-15)
    # gd's step is exactly −η_t·g_t
    np.testing.assert_allclose(
        traj.recorded["update"][1:], -traj.lr[:, None] * traj.grads[:-1], rtol=1e-15
    )
    batched = quiet(run, "gd", "quadratic", [-3.0, 1.0], 100, lr=[0.05, 0.01], schedule=schedule)
    assert batched.lr.shape == (100, 2)
    np.testing.assert_allclose(batched.lr[:, 0], traj.lr, rtol=1e-15)


def test_momentum_formulations_agree_under_constant_lr_and_differ_under_a_schedule():
    h = {"lr": 0.05, "beta": 0.9}
    start = [-4.0, 1.5]
    torch_style = quiet(run, "momentum", "quadratic", start, 300, formulation="pytorch", **h)
    classic = quiet(run, "momentum", "quadratic", start, 300, formulation="classic", **h)
    assert torch_style.diverged_at is None and classic.diverged_at is None
    np.testing.assert_allclose(classic.params, torch_style.params, rtol=1e-12, atol=1e-300)
    # the classic velocity is η times the other
    scaled = h["lr"] * torch_style.recorded["velocity"]
    atol = 1e-12 * np.nanmax(np.abs(scaled))  # a velocity crossing 0 has no relative accuracy
    np.testing.assert_allclose(classic.recorded["velocity"], scaled, rtol=1e-12, atol=atol)
    decay = SCHEDULES["step"].with_params(gamma=0.1, every=10)
    torch_style = quiet(run, "momentum", "quadratic", start, 300, schedule=decay, **h)
    classic = quiet(
        run, "momentum", "quadratic", start, 300, schedule=decay, formulation="classic", **h
    )
    np.testing.assert_allclose(classic.params[:11], torch_style.params[:11], rtol=1e-12)
    # after the drop the classic velocity still carries steps of the old, larger η
    assert np.abs(classic.params[12] - torch_style.params[12]).max() > 1e-2


TORCH_REASON = "torch (a test-only dependency, torch==2.13.0 CPU) is needed to compare with torch"


@pytest.mark.torch
@pytest.mark.parametrize(
    ("name", "schedule", "make"),
    [
        ("momentum", "step", lambda s, o: s.StepLR(o, step_size=100, gamma=0.5)),
        ("adam", "exponential", lambda s, o: s.ExponentialLR(o, gamma=0.995)),
        ("nesterov", "cosine", lambda s, o: s.CosineAnnealingLR(o, T_max=120)),
        (
            "adamw",
            "warmup_cosine",
            lambda s, o: s.SequentialLR(
                o,
                [s.LinearLR(o, 0.01, 1.0, total_iters=50), s.CosineAnnealingLR(o, T_max=70)],
                milestones=[50],
            ),
        ),
    ],
)
def test_schedules_are_applied_like_torch_schedulers(name, schedule, make):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    torch.set_default_dtype(torch.float64)
    h = {"lr": 1e-3} if name in ("momentum", "nesterov") else {"lr": 0.05}
    traj = run(name, "rosenbrock", [-1.5, 2.0], 120, schedule=schedule, **h)
    param = torch.tensor([-1.5, 2.0], requires_grad=True)
    spec = OPTIMIZERS[name]
    d = spec.defaults() | h
    opt = {
        "momentum": lambda: torch.optim.SGD([param], lr=d["lr"], momentum=d.get("beta", 0)),
        "nesterov": lambda: torch.optim.SGD(
            [param], lr=d["lr"], momentum=d.get("beta", 0), nesterov=True
        ),
        "adam": lambda: torch.optim.Adam([param], lr=d["lr"], betas=(d["beta1"], d["beta2"])),
        "adamw": lambda: torch.optim.AdamW(
            [param], lr=d["lr"], betas=(d["beta1"], d["beta2"]), weight_decay=d["weight_decay"]
        ),
    }[name]()
    scheduler = make(torch.optim.lr_scheduler, opt)
    for t in range(120):
        assert opt.param_groups[0]["lr"] == pytest.approx(traj.lr[t], rel=1e-12, abs=1e-15)
        with torch.no_grad():
            param.copy_(torch.tensor(traj.params[t]))
        param.grad = torch.tensor(traj.grads[t])
        opt.step()
        scheduler.step()
        np.testing.assert_allclose(traj.params[t + 1], param.detach().numpy(), rtol=1e-9)


# --- what explains each step ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["adam", "amsgrad", "adamw"])
def test_adam_family_explains_its_step_as_step_size_times_m_hat(name):
    h = {"lr": 0.05, "beta1": 0.8, "beta2": 0.95, "eps": 1e-3}
    traj = quiet(run, name, "rosenbrock", [-1.5, 2.0], 100, **h)
    t = np.arange(1, 101)[:, None]
    m, v = traj.recorded["m"][1:], traj.recorded["v_max" if name == "amsgrad" else "v"][1:]
    np.testing.assert_allclose(traj.recorded["m_hat"][1:], m / (1 - 0.8**t), rtol=1e-14)
    np.testing.assert_allclose(traj.recorded["v_hat"][1:], v / (1 - 0.95**t), rtol=1e-14)
    step = 0.05 / (np.sqrt(traj.recorded["v_hat"][1:]) + 1e-3)
    np.testing.assert_allclose(traj.recorded["step_size"][1:], step, rtol=1e-14)
    decay = 0.05 * 0.01 * traj.params[:-1] if name == "adamw" else 0.0
    np.testing.assert_allclose(
        traj.recorded["update"][1:], -step * traj.recorded["m_hat"][1:] - decay, rtol=1e-12
    )


@pytest.mark.parametrize("name", ["adagrad", "rmsprop"])
def test_adagrad_and_rmsprop_explain_their_step(name):
    traj = quiet(run, name, "rosenbrock", [-1.5, 2.0], 100, lr=0.01, eps=1e-4)
    step = 0.01 / (np.sqrt(traj.recorded["v"][1:]) + 1e-4)
    np.testing.assert_allclose(traj.recorded["step_size"][1:], step, rtol=1e-14)
    np.testing.assert_allclose(traj.recorded["update"][1:], -step * traj.grads[:-1], rtol=1e-12)


@pytest.mark.parametrize("name", ["gd", "momentum", "nesterov", "lion"])
def test_non_adaptive_rules_have_the_learning_rate_as_step_size(name):
    traj = quiet(run, name, "rosenbrock", [-1.5, 2.0], 50, lr=1e-3, schedule="cosine")
    np.testing.assert_array_equal(traj.recorded["step_size"][1:], np.tile(traj.lr[:, None], 2))


# --- metrics --------------------------------------------------------------------------------


def test_metrics_on_a_run_worked_out_by_hand():
    # gd, η = 1/2 on ½|w|² from (2, 0): w_t = (2/2^t, 0), loss_t = 2/4^t = 2, .5, .125, .03125
    traj = quiet(run, "gd", Bowl(), [2.0, 0.0], 3, lr=0.5)
    np.testing.assert_array_equal(traj.loss, [2.0, 0.5, 0.125, 0.03125])
    assert steps_to_tolerance(traj, 0.5) == 1
    assert steps_to_tolerance(traj, 0.1) == 3
    assert steps_to_tolerance(traj, 0.01) is None
    assert distance_to_minimum(traj, Bowl()) == 0.25
    assert final_loss(traj) == 0.03125


def test_metrics_of_a_batch_with_a_diverged_run():
    traj = quiet(run, "gd", Bowl(), [2.0, 0.0], 30, lr=[0.5, 1.0, 3.0])
    np.testing.assert_array_equal(traj.diverged_at, [-1, -1, 19])
    np.testing.assert_array_equal(steps_to_tolerance(traj, 0.1), [3, 1, -1])
    distances = distance_to_minimum(traj, Bowl())
    assert distances[0] == 2.0 / 2**30 and distances[1] == 0.0 and np.isnan(distances[2])
    losses = final_loss(traj)
    assert losses[1] == 0.0 and np.isnan(losses[2])


def test_metrics_measure_from_the_landscape_minimum():
    camel = LANDSCAPES["six_hump_camel"]
    traj = quiet(run, "adam", camel, camel.minima[0] + 0.01, 200, lr=0.01)
    assert traj.f_min == camel.f_min
    assert steps_to_tolerance(traj, 1e-6) is not None
    assert distance_to_minimum(traj, camel) < 1e-3


def test_metrics_without_a_minimum_are_nan_or_never():
    traj = quiet(run, "gd", "saddle", [-1.8, 0.01], 20, lr=0.1)
    assert np.isnan(traj.f_min) and steps_to_tolerance(traj, 1e9) is None
    assert np.isnan(distance_to_minimum(traj, "saddle"))


def test_tuning_finds_gds_best_step_on_a_quadratic_and_never_picks_a_diverged_one():
    import optim_core

    land = optim_core.LANDSCAPES["quadratic"].with_params(kappa=50.0)
    candidates = np.geomspace(1e-3, 1.0, 31)
    best, final = optim_core.tune_learning_rate("gd", land, land.start, 200, candidates)
    # the best fixed step for a quadratic is 2 / (L + mu) = 2 / (18 + 0.36), about 0.109
    assert 0.08 <= best <= 0.115
    assert np.isnan(final[candidates > 2 / 18 * 1.05]).all()  # past 2/L every run diverges
    assert final[list(candidates).index(best)] == np.nanmin(final)


def test_tuning_gives_none_when_every_candidate_diverges():
    import optim_core

    best, final = optim_core.tune_learning_rate("gd", "quadratic", (-4.0, 1.5), 100, [5.0, 10.0])
    assert best is None and np.isnan(final).all()
