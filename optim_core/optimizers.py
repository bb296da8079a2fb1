r"""The update rules, written as pure ``init`` / ``update`` functions (the optax convention).

Every optimizer is two functions::

    state = init(params)
    updates, state = update(grads, state, params, *, lr=..., beta1=..., ...)
    params = params + updates

``grads`` is the gradient at ``spec.gradient_point(state, params)``: at ``params`` for every
rule but schedule-free's, which takes it at the ``y`` its state keeps.

``params`` and ``grads`` have shape ``(..., 2)``: one point ``(2,)`` or a batch ``(B, 2)`` of
independent runs. Each hyperparameter is a scalar or has one value per run, shape ``(B,)``; it is
broadcast over the two coordinates. Nothing is mutated: every call returns new arrays.

A rule acts on each coordinate alone unless its spec says otherwise
(:attr:`OptimizerSpec.elementwise`), so it also takes one coordinate as NumPy scalars, as a
single run steps them (``optim_core.run``), for the same bits. That is why a square is written
``g * g``, as torch's ``addcmul_(g, g)`` has it, and not ``g**2``: on a scalar ``**`` is C's
``pow``, which misses the product's last bit for about one value in 1,300.

Each update rule reads line for line like its formula; the formula is written once, in the
``.. math::`` block of the rule's docstring, and :data:`OPTIMIZERS` shows that same block in the
app. Each rule also matches its ``torch.optim`` class or optax function step for step (see
``tests/test_optimizers.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import textwrap
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from optim_core.params import Choice, Param, broadcast_over_coordinates

HYPERPARAMS: dict[str, Param] = {
    "lr": Param("lr", "η", 0.01, 1e-4, 10.0, True, "learning rate: how far each step moves"),
    "beta": Param(
        "beta",
        "β",
        0.9,
        0.0,
        0.9999,
        False,
        "momentum: the share of the last velocity kept",
        log_one_minus=True,
    ),
    "beta1": Param(
        "beta1",
        "β₁",
        0.9,
        0.0,
        0.9999,
        False,
        "decay of the running mean of the gradients",
        log_one_minus=True,
    ),
    "beta2": Param(
        "beta2",
        "β₂",
        0.999,
        0.0,
        0.9999,
        False,
        "decay of the running mean of squared gradients",
        log_one_minus=True,
    ),
    "rho": Param(
        "rho",
        "ρ",
        0.9,
        0.0,
        0.9999,
        False,
        "decay of the running means of squared gradients and squared steps",
        log_one_minus=True,
    ),
    "eps": Param("eps", "ε", 1e-8, 1e-12, 1.0, True, "added to the denominator so it is never 0"),
    "weight_decay": Param(
        "weight_decay", "λ", 0.0, 0.0, 1.0, False, "pulls the weights toward 0 at every step"
    ),
}
"""The seven hyperparameters, declared once; optimizers override only the default."""

MOMENTUM_DECAY = 0.004
"""NAdam's ψ: how fast its momentum schedule μ_t rises to β₁ (torch's default, not a slider)."""


# --- declarations ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Properties:
    """The columns of the comparison table.

    Attributes:
      momentum: keeps a running direction (inertia) rather than using only the newest gradient.
      adaptive: scales the step per coordinate by the history of that coordinate's gradients.
      bias_correction: divides the running means by ``1 - β^t``, undoing the pull of their zero
        start. For Adam this multiplies the step by ``√(1 - β₂ᵗ) / (1 - β₁ᵗ)``: 0.32 at t = 1 for
        the default β's, so without it early steps are too *large*, not too small (Kingma & Ba
        2015, §3; the factor follows from ``adam_update``).
      decoupled_weight_decay: shrinks the weights directly instead of adding ``λw`` to ``g``.
      state_per_param: how many numbers the optimizer keeps for each parameter.
    """

    momentum: bool
    adaptive: bool
    bias_correction: bool
    decoupled_weight_decay: bool
    state_per_param: int


@dataclasses.dataclass(frozen=True)
class KeptPoint:
    """A point of the plane that a rule keeps besides the iterate, for the inspector's map.

    Attributes:
      key: its key in ``Trajectory.recorded`` (a field of the rule's state), or ``"x"`` for
        the iterate itself, the point the rule reports.
      meaning: what it is, in a few words.
      before: drawn at step k as it was before the step, where step k used it (the point
        its gradient was taken at), rather than as the step left it.
    """

    key: str
    meaning: str
    before: bool = False


@dataclasses.dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer: its rule, its sliders, and what the app says about it.

    ``explain(state, *, lr, **hyperparams)`` turns a state into the quantities that explain a
    step (bias-corrected moments, the per-coordinate step size). It is pure and broadcasts, so
    :func:`optim_core.run.run` applies it once to the whole recorded history.
    """

    name: str
    label: str
    hyperparams: tuple[Param, ...]
    options: tuple[Choice, ...]
    init: Callable[[np.ndarray], Any]
    update: Callable[..., tuple[np.ndarray, Any]]
    explain: Callable[..., dict[str, np.ndarray]]
    latex: str
    properties: Properties
    summary: str
    reference: str
    extends: str | None = None
    """The optimizer this one adds an idea to (Nesterov to Momentum, AMSGrad to Adam): joining
    a race beside it, this one starts from its values of the hyperparameters they share, so the
    race compares the idea and not two settings."""
    lines: tuple[str, ...] = ()
    """The inspector's equation lines for a step, in order, by the names ``ui.explain.LINES``
    draws: how the app presents this rule with a step's numbers."""
    sentences: tuple[str, ...] = ()
    """What the inspector may say of a step, by the names ``ui.explain.SENTENCES`` holds, in
    order of priority (the first two that apply are said)."""
    gradient_point: Callable[[Any, np.ndarray], np.ndarray] = dataclasses.field(
        default=lambda state, params: params
    )
    """``gradient_point(state, params)``: where the run loop takes the next gradient. The
    iterate itself for every rule but schedule-free's, whose gradient is taken at a point
    between the reported iterate and the base sequence, kept in its state."""
    points: tuple[KeptPoint, ...] = ()
    """The points the rule keeps besides its iterate (schedule-free's y and z), which the
    inspector's map draws at step k: what the rule is made of, beside its path."""
    elementwise: bool = True
    """Whether the rule treats each coordinate on its own: every operation acts on one
    coordinate, and what is shared (β₁ᵗ, a step count) is the same for both. A single run then
    steps x and y apart as NumPy scalars (``optim_core.run``). A rule that mixes coordinates (a
    norm over them, a matrix) says False."""

    def defaults(self) -> dict[str, Any]:
        """Every keyword of :attr:`update` with its default value."""
        return {p.name: p.default for p in self.hyperparams} | {
            c.name: c.default for c in self.options
        }


def _broadcast_hyperparams(update: Callable[..., Any]) -> Callable[..., Any]:
    """Let ``update`` take per-run hyperparameters of shape ``(B,)``. The rule itself stays
    at ``.rule``, for a caller that broadcasts them once for many steps (the run loop)."""

    @functools.wraps(update)
    def wrapper(grads: np.ndarray, state: Any, params: np.ndarray, **hyperparams: Any) -> Any:
        if params.ndim > 1:  # a single run's hyperparameters are scalars already
            hyperparams = {
                k: broadcast_over_coordinates(v, params.ndim - 1) for k, v in hyperparams.items()
            }
        return update(grads, state, params, **hyperparams)

    wrapper.rule = update
    return wrapper


def _math(rule: Callable[..., Any]) -> str:
    """The ``.. math::`` block of ``rule``'s docstring: the formula the app shows."""
    after = rule.__doc__.split(".. math::", 1)[1]
    block = after.split("\n\n", 2)[1]  # the directive is followed by a blank line, then the math
    return textwrap.dedent(block).strip()


# --- gradient descent -----------------------------------------------------------------------


class EmptyState(NamedTuple):
    """Gradient descent remembers nothing between steps."""


def gd_init(params: np.ndarray) -> EmptyState:
    """No state."""
    return EmptyState()


@_broadcast_hyperparams
def gd_update(
    grads: np.ndarray, state: EmptyState, params: np.ndarray, *, lr: Any
) -> tuple[np.ndarray, EmptyState]:
    r"""Plain gradient descent: step against the gradient.

    Let :math:`g_t` be ``grads`` and :math:`\eta` be ``lr``.

    .. math::

      w_t = w_{t-1} - \eta\, g_t

    References:
      Cauchy, 1847; ``torch.optim.SGD(lr=lr)``.
    """
    updates = -lr * grads  # step downhill, η per unit of slope
    return updates, state


def _plain_step(state: Any, *, lr: Any, **_: Any) -> dict[str, np.ndarray]:
    """The step size of a rule that scales every coordinate by η alone."""
    return {"step_size": lr}


def _no_step_size(state: Any, **_: Any) -> dict[str, np.ndarray]:
    """Nothing to add: a rule whose step size needs more than its state after the step
    (Adadelta's needs the d from before it, which its state no longer holds)."""
    return {}


# --- momentum -------------------------------------------------------------------------------


class MomentumState(NamedTuple):
    """velocity: the running direction :math:`v`."""

    velocity: np.ndarray


def momentum_init(params: np.ndarray) -> MomentumState:
    """The velocity starts at rest."""
    return MomentumState(velocity=np.zeros_like(params))


@_broadcast_hyperparams
def momentum_update(
    grads: np.ndarray,
    state: MomentumState,
    params: np.ndarray,
    *,
    lr: Any,
    beta: Any,
    formulation: str = "pytorch",
) -> tuple[np.ndarray, MomentumState]:
    r"""Heavy-ball momentum: a velocity that accumulates past gradients.

    Let :math:`g_t` be ``grads``, :math:`\eta` be ``lr``, :math:`\beta` be ``beta`` and
    :math:`v` be ``state.velocity``. With ``formulation="pytorch"`` (the default):

    .. math::

      \begin{aligned}
      v_t &= \beta\, v_{t-1} + g_t \\
      w_t &= w_{t-1} - \eta\, v_t
      \end{aligned}

    With ``formulation="classic"`` the learning rate goes into the velocity instead:
    :math:`v_t = \beta v_{t-1} + \eta g_t,\ w_t = w_{t-1} - v_t`. Under a constant :math:`\eta`
    both give the same path (the classic :math:`v` is :math:`\eta` times the other); under a
    schedule they differ, because the classic velocity remembers the old learning rates.

    References:
      Polyak, "Some methods of speeding up the convergence of iteration methods", 1964;
      ``torch.optim.SGD(momentum=beta)``.
    """
    if formulation == "pytorch":
        velocity = beta * state.velocity + grads  # keep a share β of the old direction
        updates = -lr * velocity  # move along the velocity
    elif formulation == "classic":
        velocity = beta * state.velocity + lr * grads  # the velocity is already a step
        updates = -velocity
    else:
        raise ValueError(f"formulation must be 'pytorch' or 'classic', not {formulation!r}")
    return updates, MomentumState(velocity=velocity)


@_broadcast_hyperparams
def nesterov_update(
    grads: np.ndarray, state: MomentumState, params: np.ndarray, *, lr: Any, beta: Any
) -> tuple[np.ndarray, MomentumState]:
    r"""Nesterov momentum: step along the gradient plus the velocity it is about to have.

    Let :math:`g_t` be ``grads``, :math:`\eta` be ``lr``, :math:`\beta` be ``beta`` and
    :math:`v` be ``state.velocity``.

    .. math::

      \begin{aligned}
      v_t &= \beta\, v_{t-1} + g_t \\
      w_t &= w_{t-1} - \eta\, (g_t + \beta\, v_t)
      \end{aligned}

    References:
      Nesterov, 1983; Sutskever et al., "On the importance of initialization and momentum in
      deep learning", ICML 2013; ``torch.optim.SGD(momentum=beta, nesterov=True)``.
    """
    velocity = beta * state.velocity + grads  # the heavy-ball velocity
    updates = -lr * (grads + beta * velocity)  # look ahead: use the velocity one step early
    return updates, MomentumState(velocity=velocity)


# --- adaptive step sizes --------------------------------------------------------------------


class SquaresState(NamedTuple):
    """v: the sum (Adagrad) or running mean (RMSprop) of squared gradients."""

    v: np.ndarray


def squares_init(params: np.ndarray) -> SquaresState:
    """No squared gradients seen yet (torch's ``initial_accumulator_value=0``)."""
    return SquaresState(v=np.zeros_like(params))


@_broadcast_hyperparams
def adagrad_update(
    grads: np.ndarray, state: SquaresState, params: np.ndarray, *, lr: Any, eps: Any
) -> tuple[np.ndarray, SquaresState]:
    r"""Adagrad: divide each coordinate's step by the root of all its squared gradients.

    Let :math:`g_t` be ``grads``, :math:`\eta` be ``lr``, :math:`\varepsilon` be ``eps`` and
    :math:`v` be ``state.v``.

    .. math::

      \begin{aligned}
      v_t &= v_{t-1} + g_t^2 \\
      w_t &= w_{t-1} - \eta\, \frac{g_t}{\sqrt{v_t} + \varepsilon}
      \end{aligned}

    References:
      Duchi, Hazan & Singer, "Adaptive Subgradient Methods", JMLR 2011;
      ``torch.optim.Adagrad``.
    """
    v = state.v + grads * grads  # the sum never forgets, so steps only shrink
    updates = -lr * grads / (np.sqrt(v) + eps)  # steep coordinates take small steps
    return updates, SquaresState(v=v)


def _adagrad_step(state: SquaresState, *, lr: Any, eps: Any, **_: Any) -> dict[str, np.ndarray]:
    return {"step_size": lr / (np.sqrt(state.v) + eps)}


@_broadcast_hyperparams
def rmsprop_update(
    grads: np.ndarray, state: SquaresState, params: np.ndarray, *, lr: Any, beta2: Any, eps: Any
) -> tuple[np.ndarray, SquaresState]:
    r"""RMSprop: like Adagrad, but a running mean of squared gradients that forgets.

    Let :math:`g_t` be ``grads``, :math:`\eta` be ``lr``, :math:`\beta_2` be ``beta2`` (torch's
    ``alpha``), :math:`\varepsilon` be ``eps`` and :math:`v` be ``state.v``.

    .. math::

      \begin{aligned}
      v_t &= \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2 \\
      w_t &= w_{t-1} - \eta\, \frac{g_t}{\sqrt{v_t} + \varepsilon}
      \end{aligned}

    References:
      Hinton, Srivastava & Swersky, "Neural Networks for Machine Learning", lecture 6e, 2012;
      ``torch.optim.RMSprop(alpha=beta2)``.
    """
    v = beta2 * state.v + (1 - beta2) * (grads * grads)  # running mean of g²
    updates = -lr * grads / (np.sqrt(v) + eps)  # divide by the typical size of g
    return updates, SquaresState(v=v)


# --- Adam and its variants ------------------------------------------------------------------
#
# The bias corrections need β₁ᵗ and β₂ᵗ. The state keeps them as running products rather than
# computing ``beta1**t``: one multiplication per step, and exactly the same number whether a
# run is alone or in a batch (NumPy's vectorised power differs from the scalar one in the last
# bit).


def _per_run_ones(params: np.ndarray) -> Any:
    """β⁰ = 1 for each run, shaped like a per-run hyperparameter (a float for a single run)."""
    return 1.0 if params.ndim == 1 else np.ones(params.shape[:-1] + (1,))


class AdamState(NamedTuple):
    """beta1_t, beta2_t: β₁ᵗ and β₂ᵗ after t steps; m, v: running means of g and g²."""

    beta1_t: Any
    beta2_t: Any
    m: np.ndarray
    v: np.ndarray


def adam_init(params: np.ndarray) -> AdamState:
    """Both moments start at zero, which is why they need bias correction."""
    ones, zeros = _per_run_ones(params), np.zeros_like(params)
    return AdamState(beta1_t=ones, beta2_t=ones, m=zeros, v=zeros)


@_broadcast_hyperparams
def adam_update(
    grads: np.ndarray,
    state: AdamState,
    params: np.ndarray,
    *,
    lr: Any,
    beta1: Any,
    beta2: Any,
    eps: Any,
    weight_decay: Any = 0.0,
    bias_correction: bool = True,
) -> tuple[np.ndarray, AdamState]:
    r"""Adam: momentum, with each coordinate's step scaled by its recent gradient size.

    Let :math:`g_t` be ``grads``, :math:`w` be ``params``, :math:`\eta` be ``lr``,
    :math:`\beta_1` be ``beta1``, :math:`\beta_2` be ``beta2``, :math:`\varepsilon` be
    ``eps``, :math:`\lambda` be ``weight_decay`` (L2 regularisation, torch's form), :math:`m, v`
    be ``state.m, state.v`` and :math:`\beta_1^{t-1}, \beta_2^{t-1}` be
    ``state.beta1_t, state.beta2_t``.

    .. math::

      \begin{aligned}
      g_t &\leftarrow g_t + \lambda\, w_{t-1} \\
      m_t &= \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t \\
      v_t &= \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2 \\
      \hat m_t &= m_t / (1 - \beta_1^t) \\
      \hat v_t &= v_t / (1 - \beta_2^t) \\
      w_t &= w_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon}
      \end{aligned}

    With ``bias_correction=False`` the hats are dropped: :math:`\hat m_t = m_t`,
    :math:`\hat v_t = v_t`. The L2 term :math:`\lambda w` goes through the division by
    :math:`\sqrt{\hat v_t}` like the gradient does; AdamW (:func:`adamw_update`) is the
    decoupled alternative.

    References:
      Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015;
      ``torch.optim.Adam(weight_decay=weight_decay)``.
    """
    grads = grads + weight_decay * params  # L2: the decay is part of the gradient
    beta1_t, beta2_t = state.beta1_t * beta1, state.beta2_t * beta2  # β₁ᵗ, β₂ᵗ
    m = beta1 * state.m + (1 - beta1) * grads  # first moment: running mean of g
    v = beta2 * state.v + (1 - beta2) * (grads * grads)  # second moment: running mean of g²
    m_hat = m / (1 - beta1_t) if bias_correction else m  # undo the pull toward the zero start
    v_hat = v / (1 - beta2_t) if bias_correction else v
    updates = -lr * m_hat / (np.sqrt(v_hat) + eps)  # per-coordinate step η/(√v̂+ε)
    return updates, AdamState(beta1_t=beta1_t, beta2_t=beta2_t, m=m, v=v)


def _adam_step(
    state: AdamState, *, lr: Any, eps: Any, bias_correction: bool = True, **_: Any
) -> dict[str, np.ndarray]:
    m_hat = state.m / (1 - state.beta1_t) if bias_correction else state.m
    v_hat = state.v / (1 - state.beta2_t) if bias_correction else state.v
    return {"m_hat": m_hat, "v_hat": v_hat, "step_size": lr / (np.sqrt(v_hat) + eps)}


class AmsgradState(NamedTuple):
    """beta1_t, beta2_t: β₁ᵗ and β₂ᵗ; m, v: running means of g and g²; v_max: the largest v."""

    beta1_t: Any
    beta2_t: Any
    m: np.ndarray
    v: np.ndarray
    v_max: np.ndarray


def amsgrad_init(params: np.ndarray) -> AmsgradState:
    """Adam's state plus the running maximum of v (torch's ``max_exp_avg_sq``)."""
    ones, zeros = _per_run_ones(params), np.zeros_like(params)
    return AmsgradState(beta1_t=ones, beta2_t=ones, m=zeros, v=zeros, v_max=zeros)


@_broadcast_hyperparams
def amsgrad_update(
    grads: np.ndarray,
    state: AmsgradState,
    params: np.ndarray,
    *,
    lr: Any,
    beta1: Any,
    beta2: Any,
    eps: Any,
) -> tuple[np.ndarray, AmsgradState]:
    r"""AMSGrad: Adam that divides by the largest second moment seen so far.

    In Reddi et al.'s rule :math:`\hat v_t = \max(\hat v_{t-1}, v_t)` is not bias-corrected, so
    the step size :math:`\eta / \sqrt{\hat v_t}` never grows. torch (and so this rule) keeps the
    maximum of the uncorrected :math:`v` and then divides it by :math:`1 - \beta_2^t`, which
    grows toward 1: :math:`\hat v_t` can fall and the step size can grow while it does.

    Let :math:`g_t` be ``grads``, :math:`\eta` be ``lr``, :math:`\beta_1` be ``beta1``,
    :math:`\beta_2` be ``beta2``, :math:`\varepsilon` be ``eps``, :math:`m, v, v^{\max}` be
    ``state.m, state.v, state.v_max`` and :math:`\beta_1^{t-1}, \beta_2^{t-1}` be
    ``state.beta1_t, state.beta2_t``.

    .. math::

      \begin{aligned}
      m_t &= \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t \\
      v_t &= \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2 \\
      v^{\max}_t &= \max(v^{\max}_{t-1}, v_t) \\
      \hat m_t &= m_t / (1 - \beta_1^t) \\
      \hat v_t &= v^{\max}_t / (1 - \beta_2^t) \\
      w_t &= w_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon}
      \end{aligned}

    References:
      Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018;
      ``torch.optim.Adam(amsgrad=True)``.
    """
    beta1_t, beta2_t = state.beta1_t * beta1, state.beta2_t * beta2  # β₁ᵗ, β₂ᵗ
    m = beta1 * state.m + (1 - beta1) * grads  # first moment
    v = beta2 * state.v + (1 - beta2) * (grads * grads)  # second moment
    v_max = np.maximum(state.v_max, v)  # the denominator only grows
    m_hat = m / (1 - beta1_t)  # bias correction
    v_hat = v_max / (1 - beta2_t)
    updates = -lr * m_hat / (np.sqrt(v_hat) + eps)
    return updates, AmsgradState(beta1_t=beta1_t, beta2_t=beta2_t, m=m, v=v, v_max=v_max)


def _amsgrad_step(state: AmsgradState, *, lr: Any, eps: Any, **_: Any) -> dict[str, np.ndarray]:
    m_hat, v_hat = state.m / (1 - state.beta1_t), state.v_max / (1 - state.beta2_t)
    return {"m_hat": m_hat, "v_hat": v_hat, "step_size": lr / (np.sqrt(v_hat) + eps)}


class NadamState(NamedTuple):
    """count: steps taken t; beta2_t: β₂ᵗ; mu_product: μ_1⋯μ_t; m, v: running means of g, g²."""

    count: int
    beta2_t: Any
    mu_product: Any
    m: np.ndarray
    v: np.ndarray


def nadam_init(params: np.ndarray) -> NadamState:
    """Adam's state plus the product of the momentum schedule (an empty product: 1), per run."""
    ones, zeros = _per_run_ones(params), np.zeros_like(params)
    return NadamState(count=0, beta2_t=ones, mu_product=ones, m=zeros, v=zeros)


@_broadcast_hyperparams
def nadam_update(
    grads: np.ndarray,
    state: NadamState,
    params: np.ndarray,
    *,
    lr: Any,
    beta1: Any,
    beta2: Any,
    eps: Any,
) -> tuple[np.ndarray, NadamState]:
    r"""NAdam: Adam with Nesterov's look-ahead, and a momentum μ_t that rises very slowly.

    With torch's ψ = 0.004, :math:`\mu_t` is about :math:`\beta_1 / 2` for the first hundred
    steps, :math:`0.64\,\beta_1` at step 2,000 and :math:`0.9\,\beta_1` only at step 10,000
    (from the schedule below: :math:`0.96^{0.004 t}`).

    Let :math:`g_t` be ``grads``, :math:`\eta` be ``lr``, :math:`\beta_1` be ``beta1``,
    :math:`\beta_2` be ``beta2``, :math:`\varepsilon` be ``eps``, :math:`t` be
    ``state.count + 1``, :math:`\psi` be :data:`MOMENTUM_DECAY`, :math:`m, v` be
    ``state.m, state.v``, :math:`\beta_2^{t-1}` be ``state.beta2_t`` and
    :math:`\Pi_{t-1} = \prod_{i < t} \mu_i` be ``state.mu_product``.

    .. math::

      \begin{aligned}
      \mu_t &= \beta_1 \left(1 - \tfrac12\, 0.96^{t\psi}\right) \\
      m_t &= \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t \\
      v_t &= \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2 \\
      \hat v_t &= v_t / (1 - \beta_2^t) \\
      w_t &= w_{t-1} - \frac{\eta}{\sqrt{\hat v_t} + \varepsilon}
             \left(\frac{1 - \mu_t}{1 - \Pi_t}\, g_t + \frac{\mu_{t+1}}{1 - \Pi_{t+1}}\, m_t\right)
      \end{aligned}

    References:
      Dozat, "Incorporating Nesterov Momentum into Adam", ICLR workshop 2016;
      ``torch.optim.NAdam`` (``momentum_decay=0.004``).
    """
    t = state.count + 1
    mu = beta1 * (1 - 0.5 * 0.96 ** (t * MOMENTUM_DECAY))  # momentum for this step
    mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * MOMENTUM_DECAY))  # and for the next
    mu_product = state.mu_product * mu  # Π_t
    beta2_t = state.beta2_t * beta2  # β₂ᵗ
    m = beta1 * state.m + (1 - beta1) * grads  # first moment
    v = beta2 * state.v + (1 - beta2) * (grads * grads)  # second moment
    v_hat = v / (1 - beta2_t)  # bias correction (of v only)
    updates = (
        -lr
        / (np.sqrt(v_hat) + eps)
        * (
            (1 - mu) / (1 - mu_product) * grads  # the fresh gradient
            + mu_next / (1 - mu_product * mu_next) * m  # the momentum, one step ahead
        )
    )
    return updates, NadamState(count=t, beta2_t=beta2_t, mu_product=mu_product, m=m, v=v)


def _nadam_step(state: NadamState, *, lr: Any, eps: Any, **_: Any) -> dict[str, np.ndarray]:
    v_hat = state.v / (1 - state.beta2_t)
    return {"v_hat": v_hat, "step_size": lr / (np.sqrt(v_hat) + eps)}


@_broadcast_hyperparams
def adamw_update(
    grads: np.ndarray,
    state: AdamState,
    params: np.ndarray,
    *,
    lr: Any,
    beta1: Any,
    beta2: Any,
    eps: Any,
    weight_decay: Any,
) -> tuple[np.ndarray, AdamState]:
    r"""AdamW: Adam, plus a pull of the weights toward zero that bypasses the gradient.

    Let :math:`g_t` be ``grads``, :math:`w` be ``params``, :math:`\eta` be ``lr``,
    :math:`\beta_1` be ``beta1``, :math:`\beta_2` be ``beta2``, :math:`\varepsilon` be ``eps``,
    :math:`\lambda` be ``weight_decay``, :math:`m, v` be ``state.m, state.v`` and
    :math:`\beta_1^{t-1}, \beta_2^{t-1}` be ``state.beta1_t, state.beta2_t``.

    .. math::

      \begin{aligned}
      m_t &= \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t \\
      v_t &= \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2 \\
      \hat m_t &= m_t / (1 - \beta_1^t) \\
      \hat v_t &= v_t / (1 - \beta_2^t) \\
      w_t &= w_{t-1} - \eta\, \lambda\, w_{t-1}
                     - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon}
      \end{aligned}

    References:
      Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019;
      ``torch.optim.AdamW``.
    """
    beta1_t, beta2_t = state.beta1_t * beta1, state.beta2_t * beta2  # β₁ᵗ, β₂ᵗ
    m = beta1 * state.m + (1 - beta1) * grads  # first moment
    v = beta2 * state.v + (1 - beta2) * (grads * grads)  # second moment
    m_hat = m / (1 - beta1_t)  # bias correction
    v_hat = v / (1 - beta2_t)
    updates = (
        -lr * weight_decay * params  # decay the weights, not the gradient
        - lr * m_hat / (np.sqrt(v_hat) + eps)  # the Adam step
    )
    return updates, AdamState(beta1_t=beta1_t, beta2_t=beta2_t, m=m, v=v)


class LionState(NamedTuple):
    """m: the running mean of the gradients."""

    m: np.ndarray


def lion_init(params: np.ndarray) -> LionState:
    """The momentum starts at zero."""
    return LionState(m=np.zeros_like(params))


@_broadcast_hyperparams
def lion_update(
    grads: np.ndarray,
    state: LionState,
    params: np.ndarray,
    *,
    lr: Any,
    beta1: Any,
    beta2: Any,
    weight_decay: Any,
) -> tuple[np.ndarray, LionState]:
    r"""Lion: move every coordinate by η in the sign of a blend of momentum and gradient.

    The step of a coordinate is :math:`\eta\,(\operatorname{sign}(c_t) + \lambda w_{t-1})`:
    ±η plus the decay, and only the decay where :math:`c_t` is exactly 0.

    Let :math:`g_t` be ``grads``, :math:`w` be ``params``, :math:`\eta` be ``lr``,
    :math:`\beta_1` be ``beta1``, :math:`\beta_2` be ``beta2``, :math:`\lambda` be
    ``weight_decay`` and :math:`m` be ``state.m``.

    .. math::

      \begin{aligned}
      c_t &= \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t \\
      w_t &= w_{t-1} - \eta\, \left(\operatorname{sign}(c_t) + \lambda\, w_{t-1}\right) \\
      m_t &= \beta_2\, m_{t-1} + (1 - \beta_2)\, g_t
      \end{aligned}

    References:
      Chen et al., "Symbolic Discovery of Optimization Algorithms", NeurIPS 2023;
      ``optax.lion``.
    """
    direction = np.sign(beta1 * state.m + (1 - beta1) * grads)  # only the sign is kept
    updates = -lr * (direction + weight_decay * params)  # decoupled decay, scaled by η
    m = beta2 * state.m + (1 - beta2) * grads  # the momentum forgets more slowly (β₂ > β₁)
    return updates, LionState(m=m)


# --- RAdam, Adamax, Adadelta ------------------------------------------------------------------


class RadamState(NamedTuple):
    """count: steps taken t; beta1_t, beta2_t: β₁ᵗ and β₂ᵗ; m, v: running means of g and g²."""

    count: int
    beta1_t: Any
    beta2_t: Any
    m: np.ndarray
    v: np.ndarray


def radam_init(params: np.ndarray) -> RadamState:
    """Adam's state plus the step count that the rectification's ρ_t needs."""
    ones, zeros = _per_run_ones(params), np.zeros_like(params)
    return RadamState(count=0, beta1_t=ones, beta2_t=ones, m=zeros, v=zeros)


def _radam_rectifier(t: Any, beta2: Any, beta2_t: Any) -> tuple[Any, Any]:
    """ρ_t, the length of the average v approximates, and the rectifier r_t (NaN for ρ_t ≤ 5,
    where RAdam uses no v at all)."""
    rho_inf = 2 / (1 - beta2) - 1  # the length at t → ∞
    rho = rho_inf - 2 * t * beta2_t / (1 - beta2_t)
    trusted = rho > 5  # the variance of v's estimate is finite only from here on (§4)
    with np.errstate(invalid="ignore", divide="ignore"):  # ρ∞ ≤ 5: r is never used
        r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    return rho, np.where(trusted, r, np.nan)


@_broadcast_hyperparams
def radam_update(
    grads: np.ndarray,
    state: RadamState,
    params: np.ndarray,
    *,
    lr: Any,
    beta1: Any,
    beta2: Any,
    eps: Any,
) -> tuple[np.ndarray, RadamState]:
    r"""RAdam: momentum alone while v is too young to trust, then Adam with a rectified step.

    v averages about :math:`\rho_t` squared gradients; while :math:`\rho_t \le 5` the variance
    of :math:`1/\sqrt{v}` is unbounded, so the step is the bias-corrected momentum alone: a
    warm-up that needs no schedule.

    Let :math:`g_t` be ``grads``, :math:`\eta` be ``lr``, :math:`\beta_1` be ``beta1``,
    :math:`\beta_2` be ``beta2``, :math:`\varepsilon` be ``eps``, :math:`t` be
    ``state.count + 1``, :math:`m, v` be ``state.m, state.v`` and
    :math:`\beta_1^{t-1}, \beta_2^{t-1}` be ``state.beta1_t, state.beta2_t``.

    .. math::

      \begin{aligned}
      m_t &= \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t \\
      v_t &= \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2 \\
      \hat m_t &= m_t / (1 - \beta_1^t) \\
      \rho_t &= \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t},
        \quad \rho_\infty = \frac{2}{1 - \beta_2} - 1 \\
      r_t &= \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\,\rho_\infty}
                        {(\rho_\infty - 4)(\rho_\infty - 2)\,\rho_t}} \\
      w_t &= w_{t-1} - \eta\, \hat m_t \cdot
        \begin{cases} r_t\, \frac{\sqrt{1 - \beta_2^t}}{\sqrt{v_t} + \varepsilon}
          & \rho_t > 5 \\ 1 & \text{otherwise} \end{cases}
      \end{aligned}

    References:
      Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond", ICLR 2020;
      ``torch.optim.RAdam``.
    """
    t = state.count + 1
    beta1_t, beta2_t = state.beta1_t * beta1, state.beta2_t * beta2  # β₁ᵗ, β₂ᵗ
    m = beta1 * state.m + (1 - beta1) * grads  # first moment
    v = beta2 * state.v + (1 - beta2) * (grads * grads)  # second moment
    m_hat = m / (1 - beta1_t)  # bias correction of m
    rho, r = _radam_rectifier(t, beta2, beta2_t)
    adaptive = r * np.sqrt(1 - beta2_t) / (np.sqrt(v) + eps)  # torch puts ε outside √v
    updates = -lr * m_hat * np.where(rho > 5, adaptive, 1.0)  # momentum alone while v is young
    return updates, RadamState(count=t, beta1_t=beta1_t, beta2_t=beta2_t, m=m, v=v)


def _radam_step(
    state: RadamState, *, lr: Any, beta2: Any, eps: Any, **_: Any
) -> dict[str, np.ndarray]:
    rho, r = _radam_rectifier(state.count, beta2, state.beta2_t)
    size = lr * r * np.sqrt(1 - state.beta2_t) / (np.sqrt(state.v) + eps)
    return {"m_hat": state.m / (1 - state.beta1_t), "step_size": np.where(rho > 5, size, lr)}


class AdamaxState(NamedTuple):
    """beta1_t: β₁ᵗ; m: running mean of g; u: the decaying maximum of |g| (the ∞-norm)."""

    beta1_t: Any
    m: np.ndarray
    u: np.ndarray


def adamax_init(params: np.ndarray) -> AdamaxState:
    """Both start at zero; only m needs a bias correction, a maximum has no zero-start bias."""
    return AdamaxState(
        beta1_t=_per_run_ones(params), m=np.zeros_like(params), u=np.zeros_like(params)
    )


@_broadcast_hyperparams
def adamax_update(
    grads: np.ndarray,
    state: AdamaxState,
    params: np.ndarray,
    *,
    lr: Any,
    beta1: Any,
    beta2: Any,
    eps: Any,
) -> tuple[np.ndarray, AdamaxState]:
    r"""Adamax: Adam with the ∞-norm: divide by a decaying maximum of |g| instead of √v.

    Let :math:`g_t` be ``grads``, :math:`\eta` be ``lr``, :math:`\beta_1` be ``beta1``,
    :math:`\beta_2` be ``beta2``, :math:`\varepsilon` be ``eps`` (torch adds it to
    :math:`|g_t|`), :math:`m, u` be ``state.m, state.u`` and :math:`\beta_1^{t-1}` be
    ``state.beta1_t``.

    .. math::

      \begin{aligned}
      m_t &= \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t \\
      u_t &= \max(\beta_2\, u_{t-1},\ |g_t| + \varepsilon) \\
      w_t &= w_{t-1} - \frac{\eta}{1 - \beta_1^t}\, \frac{m_t}{u_t}
      \end{aligned}

    References:
      Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, §7.1;
      ``torch.optim.Adamax``.
    """
    beta1_t = state.beta1_t * beta1  # β₁ᵗ
    m = beta1 * state.m + (1 - beta1) * grads  # first moment
    u = np.maximum(beta2 * state.u, np.abs(grads) + eps)  # the largest recent |g|, decaying
    updates = -lr / (1 - beta1_t) * m / u  # bias-corrected m over the ∞-norm
    return updates, AdamaxState(beta1_t=beta1_t, m=m, u=u)


def _adamax_step(state: AdamaxState, *, lr: Any, **_: Any) -> dict[str, np.ndarray]:
    return {"m_hat": state.m / (1 - state.beta1_t), "step_size": lr / state.u}


class AdadeltaState(NamedTuple):
    """v: running mean of g²; d: running mean of the squared steps Δ²."""

    v: np.ndarray
    d: np.ndarray


def adadelta_init(params: np.ndarray) -> AdadeltaState:
    """No gradients and no steps seen yet."""
    return AdadeltaState(v=np.zeros_like(params), d=np.zeros_like(params))


@_broadcast_hyperparams
def adadelta_update(
    grads: np.ndarray,
    state: AdadeltaState,
    params: np.ndarray,
    *,
    lr: Any,
    rho: Any,
    eps: Any,
) -> tuple[np.ndarray, AdadeltaState]:
    r"""Adadelta: the step's size comes from the size of recent steps, so no η is needed.

    The ratio :math:`\sqrt{d_{t-1} + \varepsilon} / \sqrt{v_t + \varepsilon}` has the units of
    :math:`w / g`, which is what a step size should have (Zeiler, §3.2); :math:`\eta = 1`
    (torch's default) leaves it as it is.

    Let :math:`g_t` be ``grads``, :math:`\eta` be ``lr``, :math:`\rho` be ``rho``,
    :math:`\varepsilon` be ``eps`` and :math:`v, d` be ``state.v, state.d``.

    .. math::

      \begin{aligned}
      v_t &= \rho\, v_{t-1} + (1 - \rho)\, g_t^2 \\
      \Delta_t &= \frac{\sqrt{d_{t-1} + \varepsilon}}{\sqrt{v_t + \varepsilon}}\, g_t \\
      d_t &= \rho\, d_{t-1} + (1 - \rho)\, \Delta_t^2 \\
      w_t &= w_{t-1} - \eta\, \Delta_t
      \end{aligned}

    References:
      Zeiler, "ADADELTA: An Adaptive Learning Rate Method", arXiv:1212.5701, 2012;
      ``torch.optim.Adadelta``.
    """
    v = rho * state.v + (1 - rho) * (grads * grads)  # running mean of g²
    delta = np.sqrt(state.d + eps) / np.sqrt(v + eps) * grads  # RMS of steps over RMS of g
    d = rho * state.d + (1 - rho) * (delta * delta)  # running mean of the steps' squares
    updates = -lr * delta
    return updates, AdadeltaState(v=v, d=d)


# --- schedule-free ----------------------------------------------------------------------------
#
# Three sequences: z takes the base optimizer's steps, x is their weighted average (the point
# reported, and the iterate the run records), y between the two is where the gradient is taken.
# optax keeps y as its ``params`` and recomputes x from y and z; here x is the iterate, so that
# a run's path and loss are those of the point schedule-free reports, and the state keeps y
# (which :func:`schedule_free_gradient_point` hands to the run loop) and z.


class ScheduleFreeState(NamedTuple):
    """y: where the next gradient is taken; z: the base sequence; weight_sum: the sum of the
    averaging weights so far; max_lr: the largest η so far."""

    y: np.ndarray
    z: np.ndarray
    weight_sum: Any
    max_lr: Any


class ScheduleFreeAdamWState(NamedTuple):
    """The SGD form's fields, plus v: running mean of g²; beta2_t: β₂ᵗ."""

    y: np.ndarray
    z: np.ndarray
    weight_sum: Any
    max_lr: Any
    v: np.ndarray
    beta2_t: Any


def schedule_free_init(params: np.ndarray) -> ScheduleFreeState:
    """x, y and z all start at the starting point; nothing averaged yet."""
    zero = 0 * _per_run_ones(params)
    return ScheduleFreeState(y=np.copy(params), z=np.copy(params), weight_sum=zero, max_lr=zero)


def schedule_free_adamw_init(params: np.ndarray) -> ScheduleFreeAdamWState:
    """The SGD form's state plus v from zero and β₂⁰ = 1."""
    sgd = schedule_free_init(params)
    return ScheduleFreeAdamWState(*sgd, v=np.zeros_like(params), beta2_t=_per_run_ones(params))


def schedule_free_gradient_point(state: Any, params: np.ndarray) -> np.ndarray:
    """The gradient of schedule-free is taken at y, not at the reported x (``params``)."""
    return state.y


def _schedule_free_average(
    state: Any, params: np.ndarray, z: np.ndarray, *, lr: Any, beta: Any
) -> tuple[np.ndarray, dict[str, Any]]:
    """The move of x toward the new z, and the fields of the state that follow from it."""
    max_lr = np.maximum(state.max_lr, lr)
    weight = max_lr * max_lr  # optax's weight_lr_power = 2: steps at a larger η weigh more
    weight_sum = state.weight_sum + weight
    c = np.divide(weight, weight_sum, out=np.zeros_like(weight_sum * 1.0), where=weight_sum != 0)
    x = (1 - c) * params + c * z  # x stays the weighted mean of z_1 … z_t
    y = beta * x + (1 - beta) * z  # the next gradient is taken between x and z
    return x - params, {"y": y, "z": z, "weight_sum": weight_sum, "max_lr": max_lr}


@_broadcast_hyperparams
def schedule_free_sgd_update(
    grads: np.ndarray,
    state: ScheduleFreeState,
    params: np.ndarray,
    *,
    lr: Any,
    beta: Any,
) -> tuple[np.ndarray, ScheduleFreeState]:
    r"""Schedule-free SGD: plain steps on z, with x their running average; no schedule needed.

    Under a constant :math:`\eta` the weight :math:`c_{t}` is :math:`1/t`, so :math:`x_t` is
    the plain mean of :math:`z_1 \dots z_t`: the averaging does what a decaying schedule would.

    Let :math:`g_t` be ``grads`` (taken at :math:`y_{t-1}`), :math:`x` be ``params`` (the
    point reported), :math:`\eta` be ``lr``, :math:`\beta` be ``beta`` (optax's ``b1``),
    :math:`y, z` be ``state.y, state.z`` and :math:`c_t` be :math:`\eta_{\max}^2` over
    ``state.weight_sum`` :math:`+\ \eta_{\max}^2`, with :math:`\eta_{\max}` the largest
    :math:`\eta` so far (``state.max_lr``).

    .. math::

      \begin{aligned}
      z_t &= z_{t-1} - \eta\, g_t \\
      x_t &= (1 - c_t)\, x_{t-1} + c_t\, z_t \\
      y_t &= \beta\, x_t + (1 - \beta)\, z_t
      \end{aligned}

    References:
      Defazio et al., "The Road Less Scheduled", NeurIPS 2024;
      ``optax.contrib.schedule_free_sgd`` (no warm-up, no weight decay).
    """
    z = state.z - lr * grads  # the base optimizer's step: plain SGD
    updates, fields = _schedule_free_average(state, params, z, lr=lr, beta=beta)
    return updates, state._replace(**fields)


@_broadcast_hyperparams
def schedule_free_adamw_update(
    grads: np.ndarray,
    state: ScheduleFreeAdamWState,
    params: np.ndarray,
    *,
    lr: Any,
    beta1: Any,
    beta2: Any,
    eps: Any,
    weight_decay: Any,
) -> tuple[np.ndarray, ScheduleFreeAdamWState]:
    r"""Schedule-free AdamW: AdamW's steps without momentum on z, with x their running average.

    Let :math:`g_t` be ``grads`` (taken at :math:`y_{t-1}`), :math:`x` be ``params`` (the
    point reported), :math:`\eta` be ``lr``, :math:`\beta_1` be ``beta1`` (the interpolation,
    optax's ``b1``), :math:`\beta_2` be ``beta2``, :math:`\varepsilon` be ``eps``,
    :math:`\lambda` be ``weight_decay``, :math:`y, z, v` be ``state.y, state.z, state.v``,
    :math:`\beta_2^{t-1}` be ``state.beta2_t`` and :math:`c_t` be :math:`\eta_{\max}^2` over
    ``state.weight_sum`` :math:`+\ \eta_{\max}^2`, with :math:`\eta_{\max}` the largest
    :math:`\eta` so far (``state.max_lr``).

    .. math::

      \begin{aligned}
      v_t &= \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2 \\
      \hat v_t &= v_t / (1 - \beta_2^t) \\
      z_t &= z_{t-1} - \eta\, \left(\frac{g_t}{\sqrt{\hat v_t} + \varepsilon}
                                   + \lambda\, y_{t-1}\right) \\
      x_t &= (1 - c_t)\, x_{t-1} + c_t\, z_t \\
      y_t &= \beta_1\, x_t + (1 - \beta_1)\, z_t
      \end{aligned}

    References:
      Defazio et al., "The Road Less Scheduled", NeurIPS 2024;
      ``optax.contrib.schedule_free_adamw`` (no warm-up).
    """
    beta2_t = state.beta2_t * beta2  # β₂ᵗ
    v = beta2 * state.v + (1 - beta2) * (grads * grads)  # second moment; x's average is the first
    v_hat = v / (1 - beta2_t)  # bias correction
    z = state.z - lr * (grads / (np.sqrt(v_hat) + eps) + weight_decay * state.y)  # decay at y
    updates, fields = _schedule_free_average(state, params, z, lr=lr, beta=beta1)
    return updates, state._replace(v=v, beta2_t=beta2_t, **fields)


def _schedule_free_points(base: str) -> tuple[KeptPoint, ...]:
    """Schedule-free's three sequences on the map: step k's gradient was taken at y_{k−1}, its
    base step moved z, and x_k, the point reported, is z's running average."""
    return (
        KeptPoint("y", "where the gradient is taken", before=True),
        KeptPoint("z", base),
        KeptPoint("x", "the averaged point reported"),
    )


def _schedule_free_adamw_step(
    state: ScheduleFreeAdamWState, *, lr: Any, eps: Any, **_: Any
) -> dict[str, np.ndarray]:
    v_hat = state.v / (1 - state.beta2_t)
    return {"v_hat": v_hat, "step_size": lr / (np.sqrt(v_hat) + eps)}


# --- the registry ---------------------------------------------------------------------------

_H = HYPERPARAMS


def _spec(
    *,
    name: str,
    label: str,
    hyperparams: tuple[Param, ...],
    init: Callable[[np.ndarray], Any],
    update: Callable[..., Any],
    explain: Callable[..., dict[str, np.ndarray]],
    properties: Properties,
    summary: str,
    reference: str,
    options: tuple[Choice, ...] = (),
    extends: str | None = None,
    gradient_point: Callable[[Any, np.ndarray], np.ndarray] | None = None,
    points: tuple[KeptPoint, ...] = (),
    lines: tuple[str, ...],
    sentences: tuple[str, ...],
) -> OptimizerSpec:
    return OptimizerSpec(
        name=name,
        label=label,
        hyperparams=hyperparams,
        options=options,
        init=init,
        update=update,
        explain=explain,
        latex=_math(update),
        properties=properties,
        summary=summary,
        reference=reference,
        extends=extends,
        lines=lines,
        sentences=sentences,
        points=points,
        **({"gradient_point": gradient_point} if gradient_point else {}),
    )


OPTIMIZERS: dict[str, OptimizerSpec] = {
    spec.name: spec
    for spec in (
        _spec(
            name="gd",
            label="Gradient descent",
            hyperparams=(_H["lr"].with_default(0.1),),
            init=gd_init,
            update=gd_update,
            explain=_plain_step,
            properties=Properties(
                momentum=False,
                adaptive=False,
                bias_correction=False,
                decoupled_weight_decay=False,
                state_per_param=0,
            ),
            summary=(
                "Steps straight downhill; the step is the slope times η, so it crawls on flat "
                "ground and overshoots on steep ground."
            ),
            reference="torch.optim.SGD",
            lines=("w_gd",),
            sentences=("plain",),
        ),
        _spec(
            name="momentum",
            label="Momentum",
            hyperparams=(_H["lr"].with_default(0.05), _H["beta"]),
            init=momentum_init,
            update=momentum_update,
            explain=_plain_step,
            properties=Properties(
                momentum=True,
                adaptive=False,
                bias_correction=False,
                decoupled_weight_decay=False,
                state_per_param=1,
            ),
            summary=(
                "A heavy ball: past gradients build up a velocity that rolls through small bumps "
                "and speeds up along long, gentle valleys."
            ),
            reference="Polyak 1964; torch.optim.SGD(momentum=β)",
            options=(
                Choice(
                    "formulation",
                    "pytorch",
                    ("pytorch", "classic"),
                    "pytorch: v ← βv + g, w ← w − ηv; classic: v ← βv + ηg, w ← w − v",
                ),
            ),
            lines=("velocity", "w_momentum"),
            sentences=("momentum",),
        ),
        _spec(
            name="nesterov",
            label="Nesterov momentum",
            hyperparams=(_H["lr"].with_default(0.05), _H["beta"]),
            init=momentum_init,
            update=nesterov_update,
            explain=_plain_step,
            properties=Properties(
                momentum=True,
                adaptive=False,
                bias_correction=False,
                decoupled_weight_decay=False,
                state_per_param=1,
            ),
            summary="Momentum that looks one step ahead, so it brakes earlier and overshoots less.",
            reference="Nesterov 1983; torch.optim.SGD(momentum=β, nesterov=True)",
            extends="momentum",
            lines=("velocity", "w_nesterov"),
            sentences=("momentum",),
        ),
        _spec(
            name="adagrad",
            label="Adagrad",
            hyperparams=(_H["lr"].with_default(0.5), _H["eps"].with_default(1e-10)),
            init=squares_init,
            update=adagrad_update,
            explain=_adagrad_step,
            properties=Properties(
                momentum=False,
                adaptive=True,
                bias_correction=False,
                decoupled_weight_decay=False,
                state_per_param=1,
            ),
            # Under a steady gradient g, v_t = t·g², so the step is η/√t (adagrad_update).
            summary=(
                "Gives each coordinate its own step, divided by the root of all its squared "
                "gradients so far: the step size only shrinks (as η/√t under a steady gradient), "
                "so it slows down but does not stop."
            ),
            reference="Duchi, Hazan & Singer 2011; torch.optim.Adagrad",
            lines=("v_sum", "w_squares"),
            sentences=("adaptive",),
        ),
        _spec(
            name="rmsprop",
            label="RMSprop",
            hyperparams=(_H["lr"], _H["beta2"].with_default(0.99), _H["eps"]),
            init=squares_init,
            update=rmsprop_update,
            explain=_adagrad_step,
            properties=Properties(
                momentum=False,
                adaptive=True,
                bias_correction=False,
                decoupled_weight_decay=False,
                state_per_param=1,
            ),
            # No bias correction (rmsprop_update): v₁ = (1 − β₂)g², so step 1 is η/√(1 − β₂).
            summary=(
                "Like Adagrad, but it averages recent squared gradients instead of summing them "
                "all, so the step can grow again. Without bias correction its first steps are "
                "about η/√(1 − β₂): 10η at β₂ = 0.99."
            ),
            reference="Hinton 2012 (lecture 6e); torch.optim.RMSprop(alpha=β₂)",
            lines=("v", "w_squares"),
            sentences=("adaptive", "zero_start"),
        ),
        _spec(
            name="adam",
            label="Adam",
            hyperparams=(
                _H["lr"].with_default(0.05),
                _H["beta1"],
                _H["beta2"],
                _H["eps"],
                _H["weight_decay"],
            ),
            init=adam_init,
            update=adam_update,
            explain=_adam_step,
            properties=Properties(
                momentum=True,
                adaptive=True,
                bias_correction=True,
                decoupled_weight_decay=False,
                state_per_param=2,
            ),
            # Kingma & Ba 2015, §3; the factor √(1 − β₂ᵗ)/(1 − β₁ᵗ) follows from adam_update.
            summary=(
                "Momentum plus RMSprop's per-coordinate scaling, with a bias correction that "
                "undoes the zero start of both running means: without it the early steps are "
                "several times η (up to 6.6η near step 12 at the default β's)."
            ),
            reference="Kingma & Ba 2015; torch.optim.Adam",
            options=(
                Choice(
                    "bias_correction",
                    True,
                    (True, False),
                    "divide m and v by 1 − βᵗ: without it the zero start of v makes early steps "
                    "too large (3.2η at step 1 at the default β's)",
                ),
            ),
            lines=("g_l2", "m", "v", "m_hat", "v_hat", "w_adam"),
            sentences=("adaptive", "momentum", "zero_start"),
        ),
        _spec(
            name="amsgrad",
            label="AMSGrad",
            hyperparams=(_H["lr"].with_default(0.05), _H["beta1"], _H["beta2"], _H["eps"]),
            init=amsgrad_init,
            update=amsgrad_update,
            explain=_amsgrad_step,
            properties=Properties(
                momentum=True,
                adaptive=True,
                bias_correction=True,
                decoupled_weight_decay=False,
                state_per_param=3,
            ),
            # Reddi et al. 2018 versus torch's form: see amsgrad_update's docstring.
            summary=(
                "Adam that divides by the largest second moment seen, so a steep stretch keeps the "
                "step small afterwards. In torch's form, run here, that maximum is bias-corrected, "
                "so the step can still grow early on."
            ),
            reference="Reddi, Kale & Kumar 2018; torch.optim.Adam(amsgrad=True)",
            extends="adam",
            lines=("m", "v", "v_max", "m_hat", "v_hat", "w_adam"),
            sentences=("adaptive", "momentum", "zero_start"),
        ),
        _spec(
            name="nadam",
            label="NAdam",
            hyperparams=(_H["lr"].with_default(0.05), _H["beta1"], _H["beta2"], _H["eps"]),
            init=nadam_init,
            update=nadam_update,
            explain=_nadam_step,
            properties=Properties(
                momentum=True,
                adaptive=True,
                bias_correction=True,
                decoupled_weight_decay=False,
                state_per_param=2,
            ),
            summary=(
                "Adam with Nesterov's look-ahead: the momentum part of the step uses the next "
                "momentum, so it reacts a step sooner. Its momentum μ_t starts near β₁/2 and rises "
                "very slowly."
            ),
            reference="Dozat 2016; torch.optim.NAdam",
            extends="adam",
            lines=("m", "v", "v_hat", "w_nadam"),
            sentences=("adaptive", "momentum", "zero_start"),
        ),
        _spec(
            name="adamw",
            label="AdamW",
            hyperparams=(
                _H["lr"].with_default(0.05),
                _H["beta1"],
                _H["beta2"],
                _H["eps"],
                _H["weight_decay"].with_default(0.01),
            ),
            init=adam_init,
            update=adamw_update,
            explain=_adam_step,
            properties=Properties(
                momentum=True,
                adaptive=True,
                bias_correction=True,
                decoupled_weight_decay=True,
                state_per_param=2,
            ),
            summary=(
                "Adam with weight decay applied to the weights directly (each step shrinks w by "
                "ηλw), so the pull toward zero is not rescaled by the adaptive step."
            ),
            reference="Loshchilov & Hutter 2019; torch.optim.AdamW",
            extends="adam",
            lines=("m", "v", "m_hat", "v_hat", "w_adam"),
            sentences=("adaptive", "momentum", "zero_start"),
        ),
        _spec(
            name="lion",
            label="Lion",
            hyperparams=(
                _H["lr"].with_default(0.01),
                _H["beta1"],
                _H["beta2"].with_default(0.99),
                _H["weight_decay"].with_default(0.001),
            ),
            init=lion_init,
            update=lion_update,
            explain=_plain_step,
            properties=Properties(
                momentum=True,
                adaptive=False,
                bias_correction=False,
                decoupled_weight_decay=True,
                state_per_param=1,
            ),
            # lion_update: the step is η(sign(c) + λw), and sign(0) = 0.
            summary=(
                "Keeps only the sign of a momentum blend c: every coordinate moves by η against "
                "sign(c) (not at all where c is exactly 0), plus the weight decay ηλw, however "
                "steep or flat the ground."
            ),
            reference="Chen et al. 2023; optax.lion",
            lines=("lion_blend", "w_sign", "lion_momentum"),
            sentences=("momentum", "sign"),
        ),
        _spec(
            name="radam",
            label="RAdam",
            hyperparams=(_H["lr"].with_default(0.05), _H["beta1"], _H["beta2"], _H["eps"]),
            init=radam_init,
            update=radam_update,
            explain=_radam_step,
            properties=Properties(
                momentum=True,
                adaptive=True,
                bias_correction=True,
                decoupled_weight_decay=False,
                state_per_param=2,
            ),
            # radam_update: ρ_t ≤ 5 for the first 5 steps at β₂ = 0.999 (ρ₆ ≈ 5.01).
            summary=(
                "Adam with a built-in warm-up: while v averages too few squared gradients to be "
                "trusted (ρ_t ≤ 5, the first 5 steps at β₂ = 0.999) it steps with the momentum "
                "alone, then multiplies Adam's step by a rectifier r_t that rises toward 1."
            ),
            reference="Liu et al. 2020; torch.optim.RAdam",
            extends="adam",
            lines=("m", "v", "m_hat", "rho", "w_radam"),
            sentences=("radam_warmup", "momentum"),
        ),
        _spec(
            name="adamax",
            label="Adamax",
            hyperparams=(_H["lr"].with_default(0.05), _H["beta1"], _H["beta2"], _H["eps"]),
            init=adamax_init,
            update=adamax_update,
            explain=_adamax_step,
            properties=Properties(
                momentum=True,
                adaptive=True,
                bias_correction=True,
                decoupled_weight_decay=False,
                state_per_param=2,
            ),
            summary=(
                "Adam with the ∞-norm: it divides by a decaying maximum of |g| instead of the root "
                "of a mean of g², so one large gradient sets the scale until β₂ lets it fade."
            ),
            reference="Kingma & Ba 2015, §7.1; torch.optim.Adamax",
            extends="adam",
            lines=("m", "u", "w_adamax"),
            sentences=("adaptive", "momentum", "infinity_norm"),
        ),
        _spec(
            name="adadelta",
            label="Adadelta",
            # ε: torch's 1e-6 makes the first steps about 0.003 long, too slow to see on the
            # playground's landscapes; the adadelta-no-eta scene runs torch's value
            hyperparams=(_H["lr"].with_default(1.0), _H["rho"], _H["eps"].with_default(1e-4)),
            init=adadelta_init,
            update=adadelta_update,
            explain=_no_step_size,
            properties=Properties(
                momentum=False,
                adaptive=True,
                bias_correction=False,
                decoupled_weight_decay=False,
                state_per_param=2,
            ),
            # adadelta_update: the step is √(d + ε)/√(v + ε)·g, d the mean of past steps²;
            # Δ₁ = √ε·g/√((1 − ρ)g² + ε) ≈ √(ε/(1 − ρ)) while (1 − ρ)g² ≫ ε.
            summary=(
                "Needs no η: each coordinate's step is the root of its recent steps' squares over "
                "the root of its recent gradients' squares, times g (η = 1 leaves it as it is). "
                "Both start from ε, so ε sets the first steps: about √(ε/(1 − ρ)) per coordinate."
            ),
            reference="Zeiler 2012; torch.optim.Adadelta",
            lines=("v_rho", "delta", "d", "w_delta"),
            sentences=("no_eta",),
        ),
        _spec(
            name="schedule_free_sgd",
            label="Schedule-free SGD",
            hyperparams=(_H["lr"].with_default(0.05), _H["beta"]),
            init=schedule_free_init,
            update=schedule_free_sgd_update,
            explain=_plain_step,
            # momentum: x and y carry every past gradient through the average of z (Defazio
            # et al. 2024 relate the interpolation to momentum). Memory: y and z besides x,
            # as run here so that the inspector can draw y; optax keeps z alone besides its
            # params y and recomputes x from the two.
            properties=Properties(
                momentum=True,
                adaptive=False,
                bias_correction=False,
                decoupled_weight_decay=False,
                state_per_param=2,
            ),
            summary=(
                "SGD steps on a base sequence z, and the point shown, x, is their running average, "
                "so no decaying schedule is needed; the gradient is taken at y, between x and z."
            ),
            reference="Defazio et al. 2024; optax.contrib.schedule_free_sgd",
            gradient_point=schedule_free_gradient_point,
            points=_schedule_free_points("the base sequence: plain SGD steps"),
            lines=("y_before", "z_sgd", "x_average"),
            sentences=("schedule_free",),
        ),
        _spec(
            name="schedule_free_adamw",
            label="Schedule-free AdamW",
            hyperparams=(
                _H["lr"].with_default(0.05),
                _H["beta1"],
                _H["beta2"],
                _H["eps"],
                _H["weight_decay"],
            ),
            init=schedule_free_adamw_init,
            update=schedule_free_adamw_update,
            explain=_schedule_free_adamw_step,
            properties=Properties(
                momentum=True,
                adaptive=True,
                bias_correction=True,
                decoupled_weight_decay=True,
                state_per_param=3,
            ),
            summary=(
                "AdamW without momentum on a base sequence z, and the point shown, x, is their "
                "running average, so no decaying schedule is needed; the gradient is taken at y, "
                "between x and z."
            ),
            reference="Defazio et al. 2024; optax.contrib.schedule_free_adamw",
            gradient_point=schedule_free_gradient_point,
            points=_schedule_free_points("the base sequence: AdamW steps, without momentum"),
            lines=("y_before", "v", "v_hat", "z_adamw", "x_average"),
            sentences=("schedule_free",),
        ),
    )
}
"""Every optimizer, by name, in display order."""
