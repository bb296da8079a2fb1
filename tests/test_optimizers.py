"""The update rules: declarations, hand-computed steps, purity, batching, and the references.

Like torch.optim's ``optim_db``, every optimizer has one :class:`Record` below: its reference
(a torch.optim or optax constructor, with the names its state goes by there), its first two
steps worked out by hand, and the properties the comparison table should show. The tests walk
:data:`OPTIMIZERS` and :data:`RECORDS`, so a newly registered optimizer is tested at once (and
fails until it gets its record).
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from optim_core.landscapes import LANDSCAPES
from optim_core.optimizers import HYPERPARAMS, OPTIMIZERS, OptimizerSpec, Properties

NAMES = list(OPTIMIZERS)
TORCH_REASON = (
    "torch (a test-only dependency, torch==2.13.0 CPU) is needed to compare with torch.optim"
)
OPTAX_REASON = "optax (pinned in requirements-dev.txt)"

# --- the inputs of the hand-computed steps --------------------------------------------------
#
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


# --- one record per optimizer ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Hand:
    """Two steps from ``W0`` with the gradients ``G1`` then ``G2``, whatever the point, worked
    out by hand from the paper's formula (the record's comment shows how).

    Attributes:
      hyperparams: every hyperparameter of the rule.
      steps: the two updates.
      options: non-default options.
      state: state arrays expected after the second step, by our key.
    """

    hyperparams: dict[str, float]
    steps: tuple[Any, Any]
    options: dict[str, Any] = dataclasses.field(default_factory=dict)
    state: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Torch:
    """The torch.optim twin: ``make(torch.optim, param, h)``, and our state key -> torch's."""

    make: Callable[[Any, Any, dict], Any]
    state: dict[str, str]


@dataclasses.dataclass(frozen=True)
class Optax:
    """The optax twin: ``make(optax, h)``; ``report(optax, state, params)``, the point the
    rule reports (``params`` itself but for schedule-free); our state key ->
    ``get(state, params)``."""

    make: Callable[[Any, dict], Any]
    state: dict[str, Callable[[Any, Any], Any]]
    report: Callable[[Any, Any, Any], Any] = lambda optax, state, params: params


@dataclasses.dataclass(frozen=True)
class Record:
    """What the tests know of one optimizer, independently of its code.

    Attributes:
      hand: hand-computed first steps; one per non-default option value at least.
      reference: the torch.optim or optax twin, compared step by step.
      properties: the columns the comparison table should show.
      starts_at_params: state arrays that start at the starting point, not at zero.
      ranges: narrower ranges for the random hyperparameters, where the reference needs them.
      steep_lr: the largest random η on Rosenbrock (``None``: 0.1 for an adaptive rule, 1e-3
        for a plain one, whose steps grow with the slope).
    """

    hand: tuple[Hand, ...]
    reference: Torch | Optax
    properties: Properties
    starts_at_params: tuple[str, ...] = ()
    ranges: dict[str, tuple[float, float]] = dataclasses.field(default_factory=dict)
    steep_lr: float | None = None


def _betas(h: dict) -> tuple[float, float]:
    return h["beta1"], h["beta2"]


ADAM_STATE = {"m": "exp_avg", "v": "exp_avg_sq"}
ADAM_HAND = {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "eps": 1.0}
# optax's schedule-free divides by b1 to report x: keep b1 away from 0 (ours needs no division)
SCHEDULE_FREE_B1 = (0.1, 0.99)

RECORDS: dict[str, Record] = {
    "gd": Record(
        # w ← w − η g, η = 0.1
        hand=(Hand({"lr": 0.1}, ((-0.2, 0.05), (0.0, -0.1))),),
        reference=Torch(lambda o, p, h: o.SGD([p], lr=h["lr"]), {}),
        properties=Properties(
            momentum=False,
            adaptive=False,
            bias_correction=False,
            decoupled_weight_decay=False,
            state_per_param=0,
        ),
    ),
    "momentum": Record(
        hand=(
            # v₁ = g₁ = (2, −0.5); v₂ = 0.5·v₁ + g₂ = (1, 0.75); u = −0.1·v
            Hand({"lr": 0.1, "beta": 0.5}, ((-0.2, 0.05), (-0.1, -0.075))),
            # v₁ = 0.1·g₁ = (0.2, −0.05); v₂ = 0.5·v₁ + 0.1·g₂ = (0.1, 0.075); u = −v: the
            # same steps
            Hand(
                {"lr": 0.1, "beta": 0.5},
                ((-0.2, 0.05), (-0.1, -0.075)),
                options={"formulation": "classic"},
            ),
        ),
        reference=Torch(
            lambda o, p, h: o.SGD([p], lr=h["lr"], momentum=h["beta"]),
            {"velocity": "momentum_buffer"},
        ),
        properties=Properties(
            momentum=True,
            adaptive=False,
            bias_correction=False,
            decoupled_weight_decay=False,
            state_per_param=1,
        ),
    ),
    "nesterov": Record(
        # u₁ = −0.1·(g₁ + 0.5·v₁) = −0.1·(3, −0.75); u₂ = −0.1·(g₂ + 0.5·(1, 0.75))
        hand=(Hand({"lr": 0.1, "beta": 0.5}, ((-0.3, 0.075), (-0.05, -0.1375))),),
        reference=Torch(
            lambda o, p, h: o.SGD([p], lr=h["lr"], momentum=h["beta"], nesterov=True),
            {"velocity": "momentum_buffer"},
        ),
        properties=Properties(
            momentum=True,
            adaptive=False,
            bias_correction=False,
            decoupled_weight_decay=False,
            state_per_param=1,
        ),
    ),
    "adagrad": Record(
        # v₁ = (4, 0.25), u₁ = −0.1·(2/(2+1), −0.5/(0.5+1)); v₂ = (4, 1.25),
        # u₂ = −0.1·(0, 1/(1+√1.25))
        hand=(
            Hand(
                {"lr": 0.1, "eps": 1.0},
                ((-1 / 15, 1 / 30), (0.0, -0.1 / (1 + math.sqrt(1.25)))),
                state={"v": (4.0, 1.25)},
            ),
        ),
        reference=Torch(lambda o, p, h: o.Adagrad([p], lr=h["lr"], eps=h["eps"]), {"v": "sum"}),
        properties=Properties(
            momentum=False,
            adaptive=True,
            bias_correction=False,
            decoupled_weight_decay=False,
            state_per_param=1,
        ),
    ),
    "rmsprop": Record(
        # v₁ = 0.25·(4, 0.25) = (1, 1/16): u₁ = −0.1·(2/2, −0.5/1.25); v₂ = (0.75, 0.296875)
        hand=(
            Hand(
                {"lr": 0.1, "beta2": 0.75, "eps": 1.0},
                ((-0.1, 0.04), (0.0, -0.1 / (1 + math.sqrt(0.296875)))),
            ),
        ),
        reference=Torch(
            lambda o, p, h: o.RMSprop([p], lr=h["lr"], alpha=h["beta2"], eps=h["eps"]),
            {"v": "square_avg"},
        ),
        properties=Properties(
            momentum=False,
            adaptive=True,
            bias_correction=False,
            decoupled_weight_decay=False,
            state_per_param=1,
        ),
    ),
    "adam": Record(
        hand=(
            # m̂₁ = g₁, v̂₁ = g₁²: u₁ = −0.1·g₁/(|g₁| + 1); m₂ = (0.5, 0.375), m̂₂ = m₂/0.75
            Hand(
                ADAM_HAND,
                ((-1 / 15, 1 / 30), -0.1 * np.array([2 / 3, 0.5]) / (1 + np.sqrt(VHAT2))),
                state={"m": (0.5, 0.375), "v": (0.75, 0.296875)},
            ),
            # no hats: m₁ = (1, −0.25), √v₁ = (1, 0.25): u₁ = −0.1·(1/2, −0.25/1.25)
            Hand(
                ADAM_HAND,
                (
                    (-0.05, 0.02),
                    -0.1 * np.array([0.5, 0.375]) / (1 + np.sqrt([0.75, 0.296875])),
                ),
                options={"bias_correction": False},
            ),
            # L2 as torch.optim.Adam: g ← g + λw. g′₁ = g₁ + 0.1·w₀ = (2.1, −0.7):
            # u₁ = −0.1·g′₁/(|g′₁| + 1); g′₂ = g₂ + 0.1·w₁, m₂ = 0.25·g′₁ + 0.5·g′₂,
            # v₂ = 0.1875·g′₁² + 0.25·g′₂², hats as Adam's
            Hand(
                ADAM_HAND | {"weight_decay": 0.1},
                (
                    (-0.21 / 3.1, 0.07 / 1.7),
                    -0.1 * (ADAM_L2_M2 / 0.75) / (1 + np.sqrt(ADAM_L2_V2 / 0.4375)),
                ),
            ),
        ),
        reference=Torch(
            lambda o, p, h: o.Adam(
                [p], lr=h["lr"], betas=_betas(h), eps=h["eps"], weight_decay=h["weight_decay"]
            ),
            ADAM_STATE,
        ),
        properties=Properties(
            momentum=True,
            adaptive=True,
            bias_correction=True,
            decoupled_weight_decay=False,
            state_per_param=2,
        ),
    ),
    "amsgrad": Record(
        # as Adam, but v₂ = 0.75 < v₁ = 1 in x, so v_max₂ = (1, 0.296875)
        hand=(
            Hand(
                ADAM_HAND,
                (
                    (-1 / 15, 1 / 30),
                    -0.1 * np.array([2 / 3, 0.5]) / (1 + np.sqrt([1, 0.296875]) / 0.4375**0.5),
                ),
                state={"v_max": (1.0, 0.296875)},
            ),
        ),
        reference=Torch(
            lambda o, p, h: o.Adam([p], lr=h["lr"], betas=_betas(h), eps=h["eps"], amsgrad=True),
            ADAM_STATE | {"v_max": "max_exp_avg_sq"},
        ),
        properties=Properties(
            momentum=True,
            adaptive=True,
            bias_correction=True,
            decoupled_weight_decay=False,
            state_per_param=3,
        ),
    ),
    "nadam": Record(
        # u₁ = −0.1/(|g₁| + 1)·(g₁ + c·m₁) with m₁ = (1, −0.25), c = μ₂/(1 − μ₁μ₂) (the g₁
        # weight (1 − μ₁)/(1 − μ₁) is 1);
        # u₂ = −0.1/(√v̂₂ + 1)·((1 − μ₂)/(1 − μ₁μ₂)·g₂ + μ₃/(1 − μ₁μ₂μ₃)·m₂)
        hand=(
            Hand(
                ADAM_HAND,
                (
                    (-0.1 * (2 + NADAM_C1) / 3, -0.1 * (-0.5 - 0.25 * NADAM_C1) / 1.5),
                    -0.1
                    / (1 + np.sqrt(VHAT2))
                    * (
                        (1 - MU2) / (1 - MU1 * MU2) * G2
                        + MU3 / (1 - MU1 * MU2 * MU3) * np.array([0.5, 0.375])
                    ),
                ),
            ),
        ),
        reference=Torch(
            lambda o, p, h: o.NAdam([p], lr=h["lr"], betas=_betas(h), eps=h["eps"]), ADAM_STATE
        ),
        properties=Properties(
            momentum=True,
            adaptive=True,
            bias_correction=True,
            decoupled_weight_decay=False,
            state_per_param=2,
        ),
    ),
    "adamw": Record(
        # Adam's steps plus −ηλw: −0.01·(1, −2) at w₀, then at w₁ = w₀ + u₁
        hand=(
            Hand(
                ADAM_HAND | {"weight_decay": 0.1},
                (
                    (-0.01 - 1 / 15, 0.02 + 1 / 30),
                    -0.01 * np.array([1 - 0.01 - 1 / 15, -2 + 0.02 + 1 / 30])
                    - 0.1 * np.array([2 / 3, 0.5]) / (1 + np.sqrt(VHAT2)),
                ),
            ),
        ),
        reference=Torch(
            lambda o, p, h: o.AdamW(
                [p], lr=h["lr"], betas=_betas(h), eps=h["eps"], weight_decay=h["weight_decay"]
            ),
            ADAM_STATE,
        ),
        properties=Properties(
            momentum=True,
            adaptive=True,
            bias_correction=True,
            decoupled_weight_decay=True,
            state_per_param=2,
        ),
    ),
    "lion": Record(
        # sign(0.5·0 + 0.5·g₁) = (1, −1): u₁ = −0.1·((1, −1) + 0.1·(1, −2)); m₁ = 0.25·g₁
        # c₂ = 0.5·(0.5, −0.125) + 0.5·(0, 1) > 0: u₂ = −0.1·((1, 1) + 0.1·(0.89, −1.88))
        hand=(
            Hand(
                {"lr": 0.1, "beta1": 0.5, "beta2": 0.75, "weight_decay": 0.1},
                ((-0.11, 0.12), (-0.1089, -0.0812)),
                state={"m": (0.375, 0.15625)},
            ),
        ),
        reference=Optax(
            lambda optax, h: optax.lion(
                h["lr"], b1=h["beta1"], b2=h["beta2"], weight_decay=h["weight_decay"]
            ),
            {"m": lambda state, params: state[0].mu},
        ),
        properties=Properties(
            momentum=True,
            adaptive=False,
            bias_correction=False,
            decoupled_weight_decay=True,
            state_per_param=1,
        ),
    ),
    "radam": Record(
        # ρ∞ = 2/0.25 − 1 = 7; ρ₁ = 1 and ρ₂ = 7 − 4·0.5625/0.4375 = 1.857 are ≤ 5, so both steps
        # are the bias-corrected momentum alone: u₁ = −0.1·g₁, u₂ = −0.1·m₂/0.75 = −0.1·(2/3, ½)
        # (the rectified branch: test_radam_steps_with_momentum_alone_until_rho_exceeds_5)
        hand=(
            Hand(
                ADAM_HAND,
                ((-0.2, 0.05), (-0.2 / 3, -0.05)),
                state={"m": (0.5, 0.375), "v": (0.75, 0.296875)},
            ),
        ),
        reference=Torch(
            lambda o, p, h: o.RAdam([p], lr=h["lr"], betas=_betas(h), eps=h["eps"]), ADAM_STATE
        ),
        properties=Properties(
            momentum=True,
            adaptive=True,
            bias_correction=True,
            decoupled_weight_decay=False,
            state_per_param=2,
        ),
        steep_lr=1e-3,  # its first steps are momentum steps, which grow with the slope
    ),
    "adamax": Record(
        # m₁ = (1, −0.25), u₁ = max(0, |g₁| + 1) = (3, 1.5): u₁ = −0.1/0.5·(1/3, −1/6);
        # m₂ = (0.5, 0.375), u₂ = max(0.75·(3, 1.5), |g₂| + 1) = (2.25, 2): −0.1/0.75·m₂/u₂
        hand=(
            Hand(
                ADAM_HAND,
                ((-1 / 15, 1 / 30), (-0.1 / 0.75 * 0.5 / 2.25, -0.1 / 0.75 * 0.375 / 2)),
                state={"u": (2.25, 2.0)},
            ),
        ),
        reference=Torch(
            lambda o, p, h: o.Adamax([p], lr=h["lr"], betas=_betas(h), eps=h["eps"]),
            {"m": "exp_avg", "u": "exp_inf"},
        ),
        properties=Properties(
            momentum=True,
            adaptive=True,
            bias_correction=True,
            decoupled_weight_decay=False,
            state_per_param=2,
        ),
    ),
    "adadelta": Record(
        # v₁ = 0.25·g₁² = (1, 1/16), Δ₁ = √(0 + 1)/√(v₁ + 1)·g₁ = (2/√2, −0.5/√1.0625), u₁ = −½Δ₁;
        # d₁ = 0.25·Δ₁² = (0.5, 0.25²/1.0625); v₂ = (0.75, 0.296875), Δ₂ = √(d₁ + 1)/√(v₂ + 1)·g₂
        hand=(
            Hand(
                {"lr": 0.5, "rho": 0.75, "eps": 1.0},
                (
                    (-0.5 * math.sqrt(2), 0.25 / math.sqrt(1.0625)),
                    (0.0, -0.5 * math.sqrt(1 + 0.0625 / 1.0625) / math.sqrt(1.296875)),
                ),
                state={"v": (0.75, 0.296875)},
            ),
        ),
        reference=Torch(
            lambda o, p, h: o.Adadelta([p], lr=h["lr"], rho=h["rho"], eps=h["eps"]),
            {"v": "square_avg", "d": "acc_delta"},
        ),
        properties=Properties(
            momentum=False,
            adaptive=True,
            bias_correction=False,
            decoupled_weight_decay=False,
            state_per_param=2,
        ),
    ),
    "schedule_free_sgd": Record(
        # y₀ = z₀ = x₀ = w₀. Step 1: c₁ = 0.01/0.01 = 1, z₁ = w₀ − 0.1·g₁ = (0.8, −1.95) = x₁.
        # Step 2: c₂ = 0.01/0.02 = ½, z₂ = z₁ − 0.1·g₂ = (0.8, −2.05), x₂ = ½(x₁ + z₂) =
        # (0.8, −2), y₂ = ½x₂ + ½z₂ = (0.8, −2.025)
        hand=(
            Hand(
                {"lr": 0.1, "beta": 0.5},
                ((-0.2, 0.05), (0.0, -0.05)),
                state={"z": (0.8, -2.05), "y": (0.8, -2.025)},
            ),
        ),
        reference=Optax(
            lambda optax, h: optax.contrib.schedule_free_sgd(h["lr"], b1=h["beta"]),
            {"y": lambda state, params: params, "z": lambda state, params: state.z},
            lambda optax, state, params: optax.contrib.schedule_free_eval_params(state, params),
        ),
        properties=Properties(
            momentum=True,
            adaptive=False,
            bias_correction=False,
            decoupled_weight_decay=False,
            state_per_param=2,
        ),
        starts_at_params=("y", "z"),
        ranges={"beta": SCHEDULE_FREE_B1},
    ),
    "schedule_free_adamw": Record(
        # Step 1: v̂₁ = g₁², z₁ = w₀ − 0.1·(g₁/(|g₁| + 1) + 0.1·w₀) = x₁ (c₁ = 1) = y₁.
        # Step 2: v̂₂ as Adam's, z₂ = z₁ − 0.1·(g₂/(√v̂₂ + 1) + 0.1·y₁), c₂ = ½: u₂ = ½(z₂ − z₁)
        hand=(
            Hand(
                ADAM_HAND | {"weight_decay": 0.1},
                (
                    (-1 / 15 - 0.01, 1 / 30 + 0.02),
                    -0.05
                    * (G2 / (np.sqrt(VHAT2) + 1) + 0.1 * (W0 + [-1 / 15 - 0.01, 1 / 30 + 0.02])),
                ),
                state={"v": (0.75, 0.296875)},
            ),
        ),
        reference=Optax(
            lambda optax, h: optax.contrib.schedule_free_adamw(
                h["lr"], b1=h["beta1"], b2=h["beta2"], eps=h["eps"], weight_decay=h["weight_decay"]
            ),
            {
                "y": lambda state, params: params,
                "z": lambda state, params: state.z,
                "v": lambda state, params: state.base_optimizer_state[0].nu,
            },
            lambda optax, state, params: optax.contrib.schedule_free_eval_params(state, params),
        ),
        properties=Properties(
            momentum=True,
            adaptive=True,
            bias_correction=True,
            decoupled_weight_decay=True,
            state_per_param=3,
        ),
        starts_at_params=("y", "z"),
        ranges={"beta1": SCHEDULE_FREE_B1},
    ),
}
"""Every optimizer's record, in the registry's display order."""

TORCH = [n for n in NAMES if isinstance(RECORDS[n].reference, Torch)]
OPTAX = [n for n in NAMES if isinstance(RECORDS[n].reference, Optax)]
HAND_CASES = [(name, i) for name in NAMES for i in range(len(RECORDS[name].hand))]


# --- the registry ---------------------------------------------------------------------------


def test_every_optimizer_has_one_record_in_display_order():
    assert list(RECORDS) == NAMES
    assert NAMES[:10] == [
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
    for name in ("beta", "beta1", "beta2", "rho"):
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
        "rho": "ρ",
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
    "rho": r"\rho",
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
    state = spec.init(params)._asdict()
    per_param = {k: v for k, v in state.items() if np.shape(v) == params.shape}
    assert len(per_param) == spec.properties.state_per_param
    for key, value in per_param.items():
        start = params if key in RECORDS[name].starts_at_params else 0
        np.testing.assert_array_equal(value, np.broadcast_to(start, params.shape), err_msg=key)


@pytest.mark.parametrize("name", NAMES)
def test_properties_of_the_comparison_table(name):
    assert OPTIMIZERS[name].properties == RECORDS[name].properties


# --- hand-computed steps --------------------------------------------------------------------


def test_every_option_value_has_hand_computed_steps():
    for name, record in RECORDS.items():
        assert record.hand, f"{name} has no hand-computed steps"
        given = [hand.options for hand in record.hand]
        for choice in OPTIMIZERS[name].options:
            for value in choice.choices:
                if value != choice.default:
                    assert {choice.name: value} in given, (name, choice.name, value)


@pytest.mark.parametrize("case", HAND_CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_first_two_steps_match_the_hand_computation(case):
    name, i = case
    hand = RECORDS[name].hand[i]
    spec = OPTIMIZERS[name]
    state, w = spec.init(W0), W0
    for g, step in zip((G1, G2), hand.steps, strict=True):
        updates, state = spec.update(g, state, w, **hand.hyperparams, **hand.options)
        np.testing.assert_allclose(updates, step, rtol=1e-12, atol=1e-15)
        w = w + updates
    for key, expected in hand.state.items():
        np.testing.assert_allclose(getattr(state, key), expected, rtol=1e-12, err_msg=key)


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


def test_radam_steps_with_momentum_alone_until_rho_exceeds_5():
    """Under a steady g with ε = 0, m̂ = g and v = (1 − β₂ᵗ)g², so the step is −η·g (the
    momentum alone) while ρ_t ≤ 5 and −η·r_t·sign(g) after. For β₂ = 0.75, ρ∞ = 7 and
    ρ_t = 7 − 2t·0.75ᵗ/(1 − 0.75ᵗ): 4.40 at t = 6, 4.84 at t = 7, 5.22 at t = 8."""
    spec = OPTIMIZERS["radam"]
    g, state, w = np.array([1.0, -4.0]), spec.init(W0), W0
    for t in range(1, 10):
        updates, state = spec.update(g, state, w, lr=0.1, beta1=0.5, beta2=0.75, eps=0.0)
        rho = 7 - 2 * t * 0.75**t / (1 - 0.75**t)
        assert (rho > 5) == (t >= 8)
        if rho > 5:
            r = math.sqrt((rho - 4) * (rho - 2) * 7 / (3 * 5 * rho))
            np.testing.assert_allclose(updates, -0.1 * r * np.sign(g), rtol=1e-12)
        else:
            np.testing.assert_allclose(updates, -0.1 * g, rtol=1e-12)
        w = w + updates


def test_schedule_free_reports_the_mean_of_z_under_a_constant_lr():
    """c_t = η²/(tη²) = 1/t, so x_t is the plain mean of z_1 … z_t (Defazio et al., §2)."""
    spec = OPTIMIZERS["schedule_free_sgd"]
    rng = np.random.default_rng(3)
    state, x, zs = spec.init(W0), W0, []
    for _ in range(20):
        updates, state = spec.update(rng.normal(size=2), state, x, lr=0.3, beta=0.9)
        x = x + updates
        zs.append(state.z)
        np.testing.assert_allclose(x, np.mean(zs, axis=0), rtol=1e-12)
        np.testing.assert_allclose(state.y, 0.9 * x + 0.1 * state.z, rtol=1e-12)


@pytest.mark.parametrize("name", ["schedule_free_sgd", "schedule_free_adamw"])
def test_the_run_takes_schedule_free_gradients_at_y(name):
    from optim_core.run import run

    land = LANDSCAPES["rosenbrock"]
    traj = run(name, land, [-1.2, 1.5], 30, lr=1e-3)
    np.testing.assert_allclose(traj.grads[:-1], land.grad(traj.recorded["y"][:-1]), rtol=1e-12)
    assert np.abs(traj.recorded["y"][1:] - traj.params[1:]).max() > 1e-4  # y is not x
    np.testing.assert_allclose(traj.loss, land.f(traj.params), rtol=1e-12)  # loss at x


# --- purity and batching --------------------------------------------------------------------


def _random_hyperparams(spec: OptimizerSpec, rng: np.random.Generator, size=None) -> dict:
    """Values spread over each declared range (log-uniform where the slider is logarithmic)."""
    values = {}
    for p in spec.hyperparams:
        if p.name in RECORDS[spec.name].ranges:
            values[p.name] = rng.uniform(*RECORDS[spec.name].ranges[p.name], size)
        elif p.log:
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


# --- the references, step by step ------------------------------------------------------------


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
    record = RECORDS[spec.name]
    h = _random_hyperparams(spec, rng)
    if "beta2" in h:
        h["beta2"] = rng.uniform(0.5, 0.9999)
    if "weight_decay" in h:
        h["weight_decay"] = rng.uniform(0.0, 0.2)
    high = 0.1
    if steep:
        high = record.steep_lr or (0.1 if spec.properties.adaptive else 1e-3)
    h["lr"] = float(np.exp(rng.uniform(np.log(1e-4), np.log(high))))
    return {k: float(v) for k, v in h.items()}


def _setting(name: str, surface: str, seed: int):
    """The landscape, hyperparameters and start of one comparison."""
    rng = np.random.default_rng([seed, NAMES.index(name), len(surface)])
    land = RandomQuadratic(rng) if surface == "random_quadratic" else LANDSCAPES["rosenbrock"]
    h = _hyperparams_for(OPTIMIZERS[name], rng, steep=surface == "rosenbrock")
    return land, h, rng.uniform(-1.5, 1.5, size=2)


def _assert_state_matches(traj, t: int, ours: str, theirs) -> None:
    """Relative to the quantity's scale: a running mean can cancel to near 0."""
    scale = np.abs(traj.recorded[ours][1 : t + 1]).max()
    np.testing.assert_allclose(traj.recorded[ours][t], theirs, rtol=1e-9, atol=1e-9 * scale)


STEPS = 60


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("surface", ["random_quadratic", "rosenbrock"])
@pytest.mark.parametrize("name", TORCH)
def test_matches_torch_optim_step_by_step(name, surface, seed):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    from optim_core.run import run

    torch.set_default_dtype(torch.float64)  # torch's scalar state is float32 otherwise
    land, h, start = _setting(name, surface, seed)
    reference = RECORDS[name].reference
    traj = run(name, land, start, STEPS, **h)

    param = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = reference.make(torch.optim, param, h)
    for t in range(1, STEPS + 1):
        # Start torch from our iterate: on Rosenbrock round-off differences of 1e-16 would
        # otherwise grow chaotically; this way each step is compared on its own.
        with torch.no_grad():
            param.copy_(torch.tensor(traj.params[t - 1]))
        param.grad = torch.tensor(traj.grads[t - 1])
        opt.step()
        np.testing.assert_allclose(traj.params[t], param.detach().numpy(), rtol=1e-9, atol=1e-12)
        for ours, theirs in reference.state.items():
            _assert_state_matches(traj, t, ours, opt.state[param][theirs].numpy())
    assert traj.diverged_at is None


@pytest.mark.optax
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("surface", ["random_quadratic", "rosenbrock"])
@pytest.mark.parametrize("name", OPTAX)
def test_matches_optax_step_by_step(name, surface, seed):
    """optax takes its own gradients, at its own ``params``: the run's gradient must be the
    one taken where optax takes it (for schedule-free, y), and its iterate the point optax
    reports (for schedule-free, ``schedule_free_eval_params``)."""
    optax = pytest.importorskip("optax", reason=OPTAX_REASON)
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    from optim_core.run import run

    land, h, start = _setting(name, surface, seed)
    reference = RECORDS[name].reference
    traj = run(name, land, start, STEPS, **h)

    opt = reference.make(optax, h)
    params = jax.numpy.asarray(start)
    state = opt.init(params)
    for t in range(1, STEPS + 1):
        g = land.grad(np.asarray(params))
        np.testing.assert_allclose(traj.grads[t - 1], g, rtol=1e-9, atol=1e-12)
        updates, state = opt.update(jax.numpy.asarray(g), state, params)
        params = optax.apply_updates(params, updates)
        reported = np.asarray(reference.report(optax, state, params))
        np.testing.assert_allclose(traj.params[t], reported, rtol=1e-9, atol=1e-12)
        for ours, get in reference.state.items():
            _assert_state_matches(traj, t, ours, np.asarray(get(state, params)))
    assert traj.diverged_at is None


@pytest.mark.torch
@pytest.mark.optax
def test_the_comparisons_cover_the_state_we_show():
    """Each state array a run shows is checked against a reference for some optimizer, and
    every mapped name exists in the reference's state."""
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    optax = pytest.importorskip("optax", reason=OPTAX_REASON)
    from optim_core.run import run

    torch.set_default_dtype(torch.float64)
    checked = set()
    for name in NAMES:
        reference, h = RECORDS[name].reference, OPTIMIZERS[name].defaults()
        if isinstance(reference, Torch):
            param = torch.zeros(2, requires_grad=True)
            opt = reference.make(torch.optim, param, h)
            param.grad = torch.ones(2)
            opt.step()
            assert set(reference.state.values()) <= set(opt.state[param])
        else:
            params = np.zeros(2)
            state = reference.make(optax, h).init(params)
            for get in reference.state.values():
                assert np.shape(get(state, params)) == (2,)
        shown = run(name, "rosenbrock", [0.0, 0.0], 1).recorded
        assert set(reference.state) <= set(shown)
        checked |= set(reference.state)
    assert checked == {"velocity", "m", "v", "v_max", "u", "d", "y", "z"}
