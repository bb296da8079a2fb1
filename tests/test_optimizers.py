"""The update rules: declarations, hand-computed steps, purity, batching, and torch.optim.

Every test walks :data:`OPTIMIZERS`, so a newly registered optimizer is tested at once (and
fails until it gets hand-computed steps below).
"""

import inspect
import math

import numpy as np
import pytest

from optim_core.landscapes import LANDSCAPES
from optim_core.optimizers import HYPERPARAMS, OPTIMIZERS, OptimizerSpec

NAMES = list(OPTIMIZERS)

# --- the registry ---------------------------------------------------------------------------


def test_names_and_display_order_follow_the_contract():
    assert NAMES == [
        "gd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
        "amsgrad",
        "nadam",
        "adamw",
        "lion",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_hyperparameters_are_the_shared_declarations(name):
    spec = OPTIMIZERS[name]
    assert spec.name == name
    assert spec.hyperparams[0].name == "lr"
    for p in spec.hyperparams:
        base = HYPERPARAMS[p.name]
        # only the default may differ from the one declaration
        assert p == base.with_default(p.default)
        assert base.low <= p.default <= base.high


def test_declared_ranges_let_learners_reach_the_usual_values():
    assert HYPERPARAMS["lr"].log and HYPERPARAMS["eps"].log
    assert (HYPERPARAMS["lr"].low, HYPERPARAMS["lr"].high) == (1e-4, 10.0)
    assert (HYPERPARAMS["eps"].low, HYPERPARAMS["eps"].high) == (1e-12, 1.0)
    for name in ("beta", "beta1", "beta2"):
        beta = HYPERPARAMS[name]
        # logarithmic in 1 − β (0.9, 0.99, 0.999 evenly apart), from 0 to four nines
        assert beta.log_one_minus and not beta.log and (beta.low, beta.high) == (0.0, 0.9999)
        assert beta.contains(0.999)
    symbols = {p.name: p.symbol for p in HYPERPARAMS.values()}
    assert symbols == {
        "lr": "η",
        "beta": "β",
        "beta1": "β₁",
        "beta2": "β₂",
        "eps": "ε",
        "weight_decay": "λ",
    }


@pytest.mark.parametrize("name", NAMES)
def test_update_takes_exactly_the_declared_keywords(name):
    spec = OPTIMIZERS[name]
    signature = inspect.signature(inspect.unwrap(spec.update))
    positional = [
        p.name for p in signature.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD
    ]
    keywords = {p.name for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY}
    assert positional == ["grads", "state", "params"]
    assert keywords == set(spec.defaults())
    for choice in spec.options:
        assert signature.parameters[choice.name].default == choice.default


LATEX_SYMBOL = {
    "lr": r"\eta",
    "beta": r"\beta",
    "beta1": r"\beta_1",
    "beta2": r"\beta_2",
    "eps": r"\varepsilon",
    "weight_decay": r"\lambda",
}


@pytest.mark.parametrize("name", NAMES)
def test_formula_and_docstring_name_every_hyperparameter(name):
    spec = OPTIMIZERS[name]
    doc = inspect.getdoc(spec.update)
    assert spec.latex and spec.latex in inspect.cleandoc(doc).replace("\n  ", "\n")
    assert "References:" in doc
    for p in spec.hyperparams:
        assert LATEX_SYMBOL[p.name] in spec.latex, f"{p.name} missing from the formula"
        assert f"``{p.name}``" in doc, f"the docstring does not tie a symbol to {p.name}"
    assert spec.summary.endswith(".") and spec.reference


@pytest.mark.parametrize("name", NAMES)
def test_state_per_param_counts_the_arrays_the_state_keeps(name):
    spec = OPTIMIZERS[name]
    params = np.array([[0.5, -1.0], [2.0, 3.0]])
    state = spec.init(params)
    per_param = [v for v in state if np.shape(v) == params.shape]
    assert len(per_param) == spec.properties.state_per_param
    assert all(not np.any(v) for v in per_param), "state starts at zero"


def test_properties_of_the_comparison_table():
    p = {name: spec.properties for name, spec in OPTIMIZERS.items()}
    assert [n for n in NAMES if p[n].momentum] == [
        "momentum",
        "nesterov",
        "adam",
        "amsgrad",
        "nadam",
        "adamw",
        "lion",
    ]
    assert [n for n in NAMES if p[n].adaptive] == [
        "adagrad",
        "rmsprop",
        "adam",
        "amsgrad",
        "nadam",
        "adamw",
    ]
    assert [n for n in NAMES if p[n].bias_correction] == ["adam", "amsgrad", "nadam", "adamw"]
    assert [n for n in NAMES if p[n].decoupled_weight_decay] == ["adamw", "lion"]


# --- hand-computed steps --------------------------------------------------------------------
#
# Two steps from w0 = (1, -2) with gradients g1 = (2, -0.5) and then g2 = (0, 1), whatever the
# point. The numbers are worked out by hand from each paper's formula; the comments show how.

W0 = np.array([1.0, -2.0])
G1 = np.array([2.0, -0.5])
G2 = np.array([0.0, 1.0])

# NAdam's momentum schedule μ_t = β₁(1 − ½·0.96^(0.004 t)) for β₁ = 0.5
MU1, MU2, MU3 = (0.5 * (1 - 0.5 * 0.96 ** (0.004 * t)) for t in (1, 2, 3))
NADAM_C1 = MU2 / (1 - MU1 * MU2)  # weight of m₁ in step 1
# v̂₂ = (0.75, 0.296875) / (1 − 0.75²) for β₂ = 0.75: v₂ = 0.75·v₁ + 0.25·g₂², v₁ = 0.25·g₁²
VHAT2 = np.array([0.75, 0.296875]) / 0.4375

# Adam with L2 λ = 0.1: the decayed gradients of its two steps (see the record below)
ADAM_L2_G1 = G1 + 0.1 * W0
ADAM_L2_G2 = G2 + 0.1 * (W0 + np.array([-0.21 / 3.1, 0.07 / 1.7]))
ADAM_L2_M2 = 0.25 * ADAM_L2_G1 + 0.5 * ADAM_L2_G2
ADAM_L2_V2 = 0.1875 * ADAM_L2_G1**2 + 0.25 * ADAM_L2_G2**2

HAND = {
    # w ← w − η g, η = 0.1
    ("gd", ()): ({"lr": 0.1}, [(-0.2, 0.05), (0.0, -0.1)]),
    # v₁ = g₁ = (2, −0.5); v₂ = 0.5·v₁ + g₂ = (1, 0.75); u = −0.1·v
    ("momentum", ()): ({"lr": 0.1, "beta": 0.5}, [(-0.2, 0.05), (-0.1, -0.075)]),
    # v₁ = 0.1·g₁ = (0.2, −0.05); v₂ = 0.5·v₁ + 0.1·g₂ = (0.1, 0.075); u = −v: the same steps
    ("momentum", (("formulation", "classic"),)): (
        {"lr": 0.1, "beta": 0.5},
        [(-0.2, 0.05), (-0.1, -0.075)],
    ),
    # u₁ = −0.1·(g₁ + 0.5·v₁) = −0.1·(3, −0.75); u₂ = −0.1·(g₂ + 0.5·(1, 0.75)) = −0.1·(0.5, 1.375)
    ("nesterov", ()): ({"lr": 0.1, "beta": 0.5}, [(-0.3, 0.075), (-0.05, -0.1375)]),
    # v₁ = (4, 0.25), u₁ = −0.1·(2/(2+1), −0.5/(0.5+1)); v₂ = (4, 1.25), u₂ = −0.1·(0, 1/(1+√1.25))
    ("adagrad", ()): (
        {"lr": 0.1, "eps": 1.0},
        [(-1 / 15, 1 / 30), (0.0, -0.1 / (1 + math.sqrt(1.25)))],
    ),
    # v₁ = 0.25·(4, 0.25) = (1, 1/16): u₁ = −0.1·(2/2, −0.5/1.25); v₂ = (0.75, 0.296875)
    ("rmsprop", ()): (
        {"lr": 0.1, "beta2": 0.75, "eps": 1.0},
        [(-0.1, 0.04), (0.0, -0.1 / (1 + math.sqrt(0.296875)))],
    ),
    # m̂₁ = g₁, v̂₁ = g₁²: u₁ = −0.1·g₁/(|g₁| + 1); m₂ = (0.5, 0.375), m̂₂ = m₂/0.75 = (2/3, 0.5)
    ("adam", ()): (
        {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "eps": 1.0},
        [(-1 / 15, 1 / 30), -0.1 * np.array([2 / 3, 0.5]) / (1 + np.sqrt(VHAT2))],
    ),
    # no hats: m₁ = (1, −0.25), √v₁ = (1, 0.25): u₁ = −0.1·(1/2, −0.25/1.25)
    ("adam", (("bias_correction", False),)): (
        {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "eps": 1.0},
        [(-0.05, 0.02), -0.1 * np.array([0.5, 0.375]) / (1 + np.sqrt([0.75, 0.296875]))],
    ),
    # L2 as torch.optim.Adam: g ← g + λw. g′₁ = g₁ + 0.1·w₀ = (2.1, −0.7):
    # u₁ = −0.1·g′₁/(|g′₁| + 1); g′₂ = g₂ + 0.1·w₁, m₂ = 0.25·g′₁ + 0.5·g′₂,
    # v₂ = 0.1875·g′₁² + 0.25·g′₂², hats as Adam's
    ("adam", (("weight_decay", 0.1),)): (
        {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "eps": 1.0},
        [
            (-0.21 / 3.1, 0.07 / 1.7),
            -0.1 * (ADAM_L2_M2 / 0.75) / (1 + np.sqrt(ADAM_L2_V2 / 0.4375)),
        ],
    ),
    # as Adam, but v₂ = 0.75 < v₁ = 1 in x, so v_max₂ = (1, 0.296875)
    ("amsgrad", ()): (
        {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "eps": 1.0},
        [
            (-1 / 15, 1 / 30),
            -0.1 * np.array([2 / 3, 0.5]) / (1 + np.sqrt([1, 0.296875]) / 0.4375**0.5),
        ],
    ),
    # u₁ = −0.1/(|g₁| + 1)·(g₁ + c·m₁) with m₁ = (1, −0.25), c = μ₂/(1 − μ₁μ₂) (the g₁ weight
    # (1 − μ₁)/(1 − μ₁) is 1); u₂ = −0.1/(√v̂₂ + 1)·((1 − μ₂)/(1 − μ₁μ₂)·g₂ + μ₃/(1 − μ₁μ₂μ₃)·m₂)
    ("nadam", ()): (
        {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "eps": 1.0},
        [
            (-0.1 * (2 + NADAM_C1) / 3, -0.1 * (-0.5 - 0.25 * NADAM_C1) / 1.5),
            -0.1
            / (1 + np.sqrt(VHAT2))
            * (
                (1 - MU2) / (1 - MU1 * MU2) * G2
                + MU3 / (1 - MU1 * MU2 * MU3) * np.array([0.5, 0.375])
            ),
        ],
    ),
    # Adam's steps plus −ηλw: −0.01·(1, −2) at w₀, then at w₁ = w₀ + u₁
    ("adamw", ()): (
        {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "eps": 1.0, "weight_decay": 0.1},
        [
            (-0.01 - 1 / 15, 0.02 + 1 / 30),
            -0.01 * np.array([1 - 0.01 - 1 / 15, -2 + 0.02 + 1 / 30])
            - 0.1 * np.array([2 / 3, 0.5]) / (1 + np.sqrt(VHAT2)),
        ],
    ),
    # sign(0.5·0 + 0.5·g₁) = (1, −1): u₁ = −0.1·((1, −1) + 0.1·(1, −2)); m₁ = 0.25·g₁
    # c₂ = 0.5·(0.5, −0.125) + 0.5·(0, 1) > 0: u₂ = −0.1·((1, 1) + 0.1·(0.89, −1.88))
    ("lion", ()): (
        {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "weight_decay": 0.1},
        [(-0.11, 0.12), (-0.1089, -0.0812)],
    ),
}


def test_every_optimizer_and_option_has_hand_computed_steps():
    covered = {name for name, _ in HAND}
    assert covered == set(OPTIMIZERS)
    for spec in OPTIMIZERS.values():
        for choice in spec.options:
            for value in choice.choices:
                if value != choice.default:
                    assert (spec.name, ((choice.name, value),)) in HAND


@pytest.mark.parametrize(
    "key", list(HAND), ids=lambda k: "-".join([k[0], *(str(v) for _, v in k[1])])
)
def test_first_two_steps_match_the_hand_computation(key):
    name, options = key
    hyperparams, expected = HAND[key]
    spec = OPTIMIZERS[name]
    state, w = spec.init(W0), W0
    for g, step in zip((G1, G2), expected, strict=True):
        updates, state = spec.update(g, state, w, **hyperparams, **dict(options))
        np.testing.assert_allclose(updates, step, rtol=1e-12, atol=1e-15)
        w = w + updates


def test_adam_first_step_is_lr_times_the_sign_of_the_gradient():
    spec = OPTIMIZERS["adam"]
    g = np.array([3.0, -1e-3])
    updates, _ = spec.update(g, spec.init(W0), W0, lr=0.05, beta1=0.9, beta2=0.999, eps=0.0)
    # m̂₁ = g and v̂₁ = g², so the step is −η·g/|g| whatever the size of g
    np.testing.assert_allclose(updates, [-0.05, 0.05], rtol=1e-12)


def test_lion_moves_every_coordinate_by_exactly_lr():
    spec = OPTIMIZERS["lion"]
    g = np.array([[1e-6, -50.0], [3.0, 0.25]])
    updates, _ = spec.update(g, spec.init(g), g, lr=0.01, beta1=0.9, beta2=0.99, weight_decay=0.0)
    np.testing.assert_array_equal(np.abs(updates), 0.01)


# --- purity and batching --------------------------------------------------------------------


def _random_hyperparams(spec: OptimizerSpec, rng: np.random.Generator, size=None) -> dict:
    """Values spread over each declared range (log-uniform where the slider is logarithmic)."""
    values = {}
    for p in spec.hyperparams:
        if p.log:
            values[p.name] = np.exp(rng.uniform(np.log(p.low), np.log(p.high), size))
        else:
            values[p.name] = rng.uniform(p.low, p.high, size)
    return values


@pytest.mark.parametrize("name", NAMES)
def test_update_does_not_touch_its_inputs(name):
    spec = OPTIMIZERS[name]
    rng = np.random.default_rng(0)
    params, grads = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    hyperparams = _random_hyperparams(spec, rng, size=3)
    state = spec.update(grads, spec.init(params), params, **hyperparams)[1]
    before = [np.copy(a) for a in (params, grads, *state)]
    spec.update(grads, state, params, **hyperparams)
    for old, new in zip(before, (params, grads, *state), strict=True):
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("name", NAMES)
def test_per_run_hyperparameters_broadcast_over_the_coordinates(name):
    """A batch of B runs with B values of each hyperparameter equals the B runs one by one."""
    spec = OPTIMIZERS[name]
    rng = np.random.default_rng(1)
    B = 2  # the ambiguous case: (B,) would also broadcast over the two coordinates
    params, hyperparams = rng.normal(size=(B, 2)), _random_hyperparams(spec, rng, size=B)
    state = spec.init(params)
    one_by_one = [spec.init(params[i]) for i in range(B)]
    for _ in range(3):
        grads = rng.normal(size=(B, 2))
        updates, state = spec.update(grads, state, params, **hyperparams)
        for i in range(B):
            mine = {k: float(v[i]) for k, v in hyperparams.items()}
            expected, one_by_one[i] = spec.update(grads[i], one_by_one[i], params[i], **mine)
            np.testing.assert_array_equal(updates[i], expected)
        params = params + updates


# --- torch.optim, step by step --------------------------------------------------------------

TORCH_REASON = (
    "torch (a test-only dependency, torch==2.13.0 CPU) is needed to compare with torch.optim"
)


def _torch_optimizer(torch, name: str, param, h: dict):
    """The torch.optim twin of ``name`` with hyperparameters ``h``."""
    optim = torch.optim
    betas = (h.get("beta1"), h.get("beta2"))
    return {
        "gd": lambda: optim.SGD([param], lr=h["lr"]),
        "momentum": lambda: optim.SGD([param], lr=h["lr"], momentum=h.get("beta")),
        "nesterov": lambda: optim.SGD([param], lr=h["lr"], momentum=h.get("beta"), nesterov=True),
        "adagrad": lambda: optim.Adagrad([param], lr=h["lr"], eps=h.get("eps")),
        "rmsprop": lambda: optim.RMSprop(
            [param], lr=h["lr"], alpha=h.get("beta2"), eps=h.get("eps")
        ),
        "adam": lambda: optim.Adam(
            [param], lr=h["lr"], betas=betas, eps=h.get("eps"), weight_decay=h["weight_decay"]
        ),
        "amsgrad": lambda: optim.Adam(
            [param], lr=h["lr"], betas=betas, eps=h.get("eps"), amsgrad=True
        ),
        "nadam": lambda: optim.NAdam([param], lr=h["lr"], betas=betas, eps=h.get("eps")),
        "adamw": lambda: optim.AdamW(
            [param], lr=h["lr"], betas=betas, eps=h.get("eps"), weight_decay=h.get("weight_decay")
        ),
    }[name]()


TORCH_STATE = {  # our state key -> torch's state key
    "velocity": "momentum_buffer",
    "m": "exp_avg",
    "v": "exp_avg_sq",
    "v_max": "max_exp_avg_sq",
}
TORCH_V = {"adagrad": "sum", "rmsprop": "square_avg"}  # v under another name


def _torch_key(ours: str, name: str) -> str:
    return TORCH_V.get(name, "exp_avg_sq") if ours == "v" else TORCH_STATE[ours]


TORCH_NAMES = [n for n in NAMES if n != "lion"]  # torch.optim has no Lion


class RandomQuadratic:
    """f(w) = ½ (w − c)ᵀ A (w − c) with a random symmetric positive definite A."""

    name = "random_quadratic"
    f_min = 0.0

    def __init__(self, rng: np.random.Generator):
        q, _ = np.linalg.qr(rng.normal(size=(2, 2)))
        self.A = q @ np.diag(rng.uniform(0.2, 5.0, size=2)) @ q.T
        self.c = rng.normal(size=2)
        self.minima = self.c[None]

    def f(self, xy):
        d = np.asarray(xy) - self.c
        return 0.5 * np.einsum("...i,ij,...j->...", d, self.A, d)

    def grad(self, xy):
        return (np.asarray(xy) - self.c) @ self.A


def _hyperparams_for(spec: OptimizerSpec, rng: np.random.Generator, steep: bool) -> dict:
    """Random hyperparameters inside the declared ranges, with η small enough to stay put.

    On Rosenbrock (steep) plain steps need η ≲ 1e-3 to stay stable; adaptive steps do not.
    """
    h = _random_hyperparams(spec, rng)
    if "beta2" in h:
        h["beta2"] = rng.uniform(0.5, 0.9999)
    if "weight_decay" in h:
        h["weight_decay"] = rng.uniform(0.0, 0.2)
    plain = not spec.properties.adaptive
    high = 1e-3 if plain and steep else 0.1
    h["lr"] = float(np.exp(rng.uniform(np.log(1e-4), np.log(high))))
    return {k: float(v) for k, v in h.items()}


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("surface", ["random_quadratic", "rosenbrock"])
@pytest.mark.parametrize("name", TORCH_NAMES)
def test_matches_torch_optim_step_by_step(name, surface, seed):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    from optim_core.run import run

    torch.set_default_dtype(torch.float64)  # torch's scalar state is float32 otherwise
    rng = np.random.default_rng([seed, NAMES.index(name), len(surface)])
    spec = OPTIMIZERS[name]
    land = RandomQuadratic(rng) if surface == "random_quadratic" else LANDSCAPES["rosenbrock"]
    h = _hyperparams_for(spec, rng, steep=surface == "rosenbrock")
    start = rng.uniform(-1.5, 1.5, size=2)
    steps = 60

    traj = run(name, land, start, steps, **h)

    param = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = _torch_optimizer(torch, name, param, h)
    for t in range(1, steps + 1):
        # Start torch from our iterate: on Rosenbrock round-off differences of 1e-16 would
        # otherwise grow chaotically; this way each step is compared on its own.
        with torch.no_grad():
            param.copy_(torch.tensor(traj.params[t - 1]))
        param.grad = torch.tensor(traj.grads[t - 1])
        opt.step()
        np.testing.assert_allclose(traj.params[t], param.detach().numpy(), rtol=1e-9, atol=1e-12)
        torch_state = opt.state[param]
        for ours in TORCH_STATE:
            theirs = torch_state.get(_torch_key(ours, name))
            if ours in traj.state and theirs is not None:
                # relative to the quantity's scale: a running mean can cancel to near 0
                scale = np.abs(traj.state[ours][1 : t + 1]).max()
                np.testing.assert_allclose(
                    traj.state[ours][t], theirs.numpy(), rtol=1e-9, atol=1e-9 * scale
                )
    assert traj.diverged_at is None


@pytest.mark.torch
def test_torch_comparison_covers_the_state_we_show():
    """Each shown state array is checked against torch for some optimizer."""
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    from optim_core.run import run

    torch.set_default_dtype(torch.float64)
    checked = set()
    for name in TORCH_NAMES:
        param = torch.zeros(2, requires_grad=True)
        h = OPTIMIZERS[name].defaults()
        opt = _torch_optimizer(torch, name, param, h)
        param.grad = torch.ones(2)
        opt.step()
        for ours in TORCH_STATE:
            if opt.state[param].get(_torch_key(ours, name)) is not None:
                assert ours in run(name, "rosenbrock", [0.0, 0.0], 1).state
                checked.add(ours)
    assert checked == {"velocity", "m", "v", "v_max"}


@pytest.mark.optax
def test_lion_matches_optax():
    optax = pytest.importorskip("optax", reason="optax (pinned in requirements-dev.txt)")
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    from optim_core.run import run

    land = LANDSCAPES["rosenbrock"]
    h = {"lr": 0.003, "beta1": 0.8, "beta2": 0.95, "weight_decay": 0.05}
    traj = run("lion", land, [-1.2, 1.5], 50, **h)
    opt = optax.lion(h["lr"], b1=h["beta1"], b2=h["beta2"], weight_decay=h["weight_decay"])
    w = jax.numpy.asarray([-1.2, 1.5])
    state = opt.init(w)
    for t in range(1, 51):
        updates, state = opt.update(jax.numpy.asarray(land.grad(np.asarray(w))), state, w)
        w = optax.apply_updates(w, updates)
        np.testing.assert_allclose(traj.params[t], np.asarray(w), rtol=1e-9, atol=1e-12)
