"""What happened at step k of one run, in numbers and in words.

Pure functions of a :class:`optim_core.Trajectory` (which carries its hyperparameters): the
update rule with the live numbers of step ``k`` substituted (LaTeX), one or two sentences
that say what the numbers mean, the arrows the inspector's map draws, and the time series it
plots. Step ``k`` (``1 <= k <= steps``) is the update from ``params[k-1]`` to ``params[k]``:
it uses the gradient ``grads[k-1]`` and leaves what it recorded in ``recorded[...][k]``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

import optim_core

COORDS = ("x", "y")


@dataclasses.dataclass(frozen=True)
class Equation:
    """One line of the update rule at step k.

    Attributes:
      name: what it computes: a key of ``Trajectory.recorded``, ``"w"`` for the iterate, or a
        quantity the rule does not keep: ``"c"`` (Lion's blend), ``"g"`` (the gradient plus
        Adam's L2 term), ``"rho"`` (RAdam's ρ_t), ``"delta"`` (Adadelta's Δ_t) or
        ``"gradient_point"`` (schedule-free's y before the step).
      latex: the symbolic rule, then one line per coordinate with the numbers substituted.
      value: ``(2,)`` the result shown, taken from the trajectory.
    """

    name: str
    latex: str
    value: np.ndarray


@dataclasses.dataclass(frozen=True)
class Arrow:
    """A vector drawn on the map at step k, in the units of a step (η included)."""

    kind: str  # "gradient", "momentum" or "step"
    label: str
    origin: np.ndarray
    vector: np.ndarray


@dataclasses.dataclass(frozen=True)
class Point:
    """A point the rule keeps, on the map at step k: ``name`` its letter (``y``), what it is."""

    name: str
    meaning: str
    xy: np.ndarray


# --- numbers as a learner reads them -------------------------------------------------------


def num(value: float) -> str:
    """``value`` in LaTeX with four significant digits: 0.1234, 1.5\\times10^{-5}."""
    value = float(value)
    if not math.isfinite(value):
        return r"\text{NaN}"
    text = f"{value:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa}\times10^{{{int(exponent)}}}"
    return text


def arg(value: float) -> str:
    """``num(value)`` in brackets when negative, so ``0.9\\cdot(-2)`` reads right."""
    text = num(value)
    return rf"\left({text}\right)" if text.startswith("-") else text


def _block(symbolic: str, lines: list[str]) -> str:
    rows = [symbolic.replace("=", "&=", 1)] + lines
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def _equation(name: str, symbol: str, symbolic: str, exprs, value: np.ndarray) -> Equation:
    """``exprs[c]`` is coordinate c's right-hand side with numbers; ``value`` the result."""
    lines = [
        rf"{symbol}_{{t,{c}}} &= {expr} = {num(v)}"
        for c, expr, v in zip(COORDS, exprs, value, strict=True)
    ]
    return Equation(name, _block(symbolic, lines), np.asarray(value, dtype=float))


# --- the update rule at step k -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Step:
    """What the lines of step k read: the gradient, the iterates either side, η, the state."""

    traj: optim_core.Trajectory
    k: int

    @property
    def spec(self) -> optim_core.OptimizerSpec:
        return optim_core.OPTIMIZERS[self.traj.optimizer]

    @property
    def h(self) -> dict:
        return self.traj.hyperparams

    @property
    def g(self) -> np.ndarray:
        return self.traj.grads[self.k - 1]

    @property
    def w0(self) -> np.ndarray:
        return self.traj.params[self.k - 1]

    @property
    def w1(self) -> np.ndarray:
        return self.traj.params[self.k]

    @property
    def eta(self) -> float:
        return float(self.traj.lr[self.k - 1])

    @property
    def lam(self) -> float:
        """Adam's L2 weight decay λ, which enters the gradient (0 for decoupled decay)."""
        if self.spec.properties.decoupled_weight_decay:
            return 0.0
        return float(self.h.get("weight_decay", 0.0))

    @property
    def g_moments(self) -> np.ndarray:
        """The gradient the moments see: ``g + λw`` under L2 weight decay (torch's Adam)."""
        return self.g + self.lam * self.w0 if self.lam else self.g

    def prev(self, key: str) -> np.ndarray:
        return self.traj.recorded[key][self.k - 1]

    def now(self, key: str) -> np.ndarray:
        return self.traj.recorded[key][self.k]


def equations(traj: optim_core.Trajectory, k: int) -> list[Equation]:
    """The update rule of step ``k`` with its numbers; empty for ``k = 0`` (the start).

    The lines are those the optimizer declares (``OptimizerSpec.lines``), each drawn by the
    builder of that name in :data:`LINES`; a builder may have nothing to show (the L2 line
    when λ = 0).
    """
    if not 1 <= k <= traj.steps:
        return []
    step = _Step(traj, k)
    shown = (LINES[line](step) for line in optim_core.OPTIMIZERS[traj.optimizer].lines)
    return [eq for eq in shown if eq is not None]


def _pairs(*columns) -> list[tuple]:
    return list(zip(*columns, strict=True))


def _running_mean(
    name: str,
    beta: tuple[float, str],
    prev: np.ndarray,
    g: np.ndarray,
    value: np.ndarray,
    *,
    square: bool = False,
    prev_symbol: str | None = None,
    g_symbol: str = "g_t",
) -> Equation:
    """``name_t = β·prev + (1 − β)·g`` (``g²`` when ``square``) with numbers; ``beta`` is the
    value and its symbol, ``prev_symbol`` what the previous value is called (``name_{t-1}``)."""
    power, shown = ("^2", num) if square else ("", arg)
    exprs = [
        rf"{num(beta[0])}\cdot{shown(a)} + {num(1 - beta[0])}\cdot{arg(b)}{power}"
        for a, b in _pairs(prev, g)
    ]
    previous = prev_symbol or rf"{name}_{{t-1}}"
    symbolic = rf"{name}_t = {beta[1]}\, {previous} + (1 - {beta[1]})\, {g_symbol}{power}"
    return _equation(name, name, symbolic, exprs, value)


def _w_line(step: _Step, symbolic: str, exprs: list[str]) -> Equation:
    return _equation("w", "w", symbolic, exprs, step.w1)


def _w_gd(step: _Step) -> Equation:
    exprs = [rf"{num(a)} - {num(step.eta)}\cdot{arg(b)}" for a, b in _pairs(step.w0, step.g)]
    return _w_line(step, r"w_t = w_{t-1} - \eta\, g_t", exprs)


def _velocity(step: _Step) -> Equation:
    """Heavy ball's velocity in either convention (the classic one holds η)."""
    beta, v0, v = step.h["beta"], step.prev("velocity"), step.now("velocity")
    if step.h.get("formulation") == "classic":  # the velocity is already a step
        exprs = [
            rf"{num(beta)}\cdot{arg(a)} + {num(step.eta)}\cdot{arg(b)}"
            for a, b in _pairs(v0, step.g)
        ]
        return _equation("velocity", "v", r"v_t = \beta\, v_{t-1} + \eta\, g_t", exprs, v)
    exprs = [rf"{num(beta)}\cdot{arg(a)} + {arg(b)}" for a, b in _pairs(v0, step.g)]
    return _equation("velocity", "v", r"v_t = \beta\, v_{t-1} + g_t", exprs, v)


def _w_momentum(step: _Step) -> Equation:
    v = step.now("velocity")
    if step.h.get("formulation") == "classic":
        exprs = [f"{num(a)} - {arg(b)}" for a, b in _pairs(step.w0, v)]
        return _w_line(step, r"w_t = w_{t-1} - v_t", exprs)
    exprs = [rf"{num(a)} - {num(step.eta)}\cdot{arg(b)}" for a, b in _pairs(step.w0, v)]
    return _w_line(step, r"w_t = w_{t-1} - \eta\, v_t", exprs)


def _w_nesterov(step: _Step) -> Equation:
    eta, beta = step.eta, step.h["beta"]
    exprs = [
        rf"{num(a)} - {num(eta)}\cdot\left({num(b)} + {num(beta)}\cdot{arg(c)}\right)"
        for a, b, c in _pairs(step.w0, step.g, step.now("velocity"))
    ]
    return _w_line(step, r"w_t = w_{t-1} - \eta\, (g_t + \beta\, v_t)", exprs)


def _v_sum(step: _Step) -> Equation:
    exprs = [rf"{num(a)} + {arg(b)}^2" for a, b in _pairs(step.prev("v"), step.g)]
    return _equation("v", "v", r"v_t = v_{t-1} + g_t^2", exprs, step.now("v"))


def _v(step: _Step) -> Equation:
    """The running mean of g² with β₂ (of g + λw under L2 decay)."""
    beta = (step.h["beta2"], r"\beta_2")
    return _running_mean("v", beta, step.prev("v"), step.g_moments, step.now("v"), square=True)


def _m(step: _Step) -> Equation:
    beta = (step.h["beta1"], r"\beta_1")
    return _running_mean("m", beta, step.prev("m"), step.g_moments, step.now("m"))


def _w_squares(step: _Step) -> Equation:
    fraction = r"\frac{g_t}{\sqrt{v_t} + \varepsilon}"
    return _adaptive_w(step, step.g, step.now("v"), fraction)


def _g_l2(step: _Step) -> Equation | None:
    """``g ← g + λw`` under L2 weight decay (torch's Adam); nothing when λ = 0."""
    if not step.lam:
        return None
    exprs = [rf"{num(a)} + {num(step.lam)}\cdot{arg(b)}" for a, b in _pairs(step.g, step.w0)]
    symbolic = r"g_t &\leftarrow g_t + \lambda\, w_{t-1}\quad\text{(L2 weight decay)}"
    return _equation("g", "g", symbolic, exprs, step.g_moments)


def _v_max(step: _Step) -> Equation:
    exprs = [rf"\max({num(a)}, {num(b)})" for a, b in _pairs(step.prev("v_max"), step.now("v"))]
    symbolic = r"v^{\max}_t = \max(v^{\max}_{t-1}, v_t)"
    return _equation("v_max", r"v^{\max}", symbolic, exprs, step.now("v_max"))


def _m_hat(step: _Step) -> Equation:
    return _hat(step, "m", "m_t", step.now("m"), "beta1", r"\beta_1", signed=True)


def _v_hat(step: _Step) -> Equation:
    if "v_max" in step.traj.recorded:
        return _hat(step, "v", r"v^{\max}_t", step.now("v_max"), "beta2", r"\beta_2", signed=False)
    return _hat(step, "v", "v_t", step.now("v"), "beta2", r"\beta_2", signed=False)


def _hat(step: _Step, name: str, sym: str, values, beta: str, beta_sym: str, *, signed) -> Equation:
    """``name``-hat: ``values`` divided by 1 − βᵗ, or as they are when correction is off."""
    h, k = step.h, step.k
    shown = arg if signed else num
    if h.get("bias_correction", True):
        exprs = [rf"{shown(a)} / {num(1 - h[beta] ** k)}" for a in values]
        symbolic = rf"\hat {name}_t = {sym} / (1 - {beta_sym}^{{{k}}})"
    else:
        exprs = [shown(a) for a in values]
        symbolic = rf"\hat {name}_t = {name}_t \quad\text{{(bias correction off)}}"
    return _equation(
        f"{name}_hat", rf"\hat {name}", symbolic, exprs, step.traj.recorded[f"{name}_hat"][k]
    )


def _w_adam(step: _Step) -> Equation:
    """Adam's step; AdamW's (declared decoupled) with its decay ηλw first."""
    fraction = r"\frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon}"
    decay = step.h.get("weight_decay", 0.0) if step.spec.properties.decoupled_weight_decay else 0
    return _adaptive_w(step, step.now("m_hat"), step.now("v_hat"), fraction, decay)


def _w_nadam(step: _Step) -> Equation:
    """NAdam: m enters the step through its own blend with g, d_t."""
    size = step.now("step_size")
    direction = -step.now("update") / size
    exprs = [rf"{num(a)} - {num(b)}\cdot{arg(c)}" for a, b, c in _pairs(step.w0, size, direction)]
    symbolic = (
        r"w_t = w_{t-1} - \frac{\eta}{\sqrt{\hat v_t} + \varepsilon}\, d_t"
        r"\quad\text{($d_t$: Nesterov blend of $g_t$ and $m_t$)}"
    )
    return _w_line(step, symbolic, exprs)


def _adaptive_w(step: _Step, top, bottom, fraction: str, decay: float = 0.0) -> Equation:
    """``w_t = w_{t-1} [- ηλw_{t-1}] - η·top/(√bottom + ε)`` with numbers."""
    eta, eps = step.eta, step.h["eps"]
    decay_sym = r" - \eta\lambda\, w_{t-1}" if decay else ""
    exprs = []
    for a, b, c in _pairs(step.w0, top, bottom):
        decay_num = rf" - {num(eta)}\cdot{num(decay)}\cdot{arg(a)}" if decay else ""
        exprs.append(
            rf"{num(a)}{decay_num} - {num(eta)}\cdot"
            rf"\frac{{{num(b)}}}{{\sqrt{{{num(c)}}} + {num(eps)}}}"
        )
    return _w_line(step, rf"w_t = w_{{t-1}}{decay_sym} - \eta\, {fraction}", exprs)


def _lion_blend(step: _Step) -> Equation:
    b1, m0 = step.h["beta1"], step.prev("m")
    c = b1 * m0 + (1 - b1) * step.g
    return _running_mean("c", (b1, r"\beta_1"), m0, step.g, c, prev_symbol="m_{t-1}")


def _w_sign(step: _Step) -> Equation:
    b1, lam, eta = step.h["beta1"], step.h["weight_decay"], step.eta
    c = b1 * step.prev("m") + (1 - b1) * step.g
    exprs = [
        rf"{num(a)} - {num(eta)}\cdot\left({num(np.sign(b))} + {num(lam)}\cdot{arg(a)}\right)"
        for a, b in _pairs(step.w0, c)
    ]
    return _w_line(
        step, r"w_t = w_{t-1} - \eta\, (\operatorname{sign}(c_t) + \lambda\, w_{t-1})", exprs
    )


def _lion_momentum(step: _Step) -> Equation:
    beta = (step.h["beta2"], r"\beta_2")
    return _running_mean("m", beta, step.prev("m"), step.g, step.now("m"))


def _radam_rho(step: _Step) -> tuple[float, float, float]:
    """ρ∞, ρ_t and β₂ᵗ of step k (radam_update's formula)."""
    beta2, k = float(step.h["beta2"]), step.k
    rho_inf = 2 / (1 - beta2) - 1
    return rho_inf, rho_inf - 2 * k * beta2**k / (1 - beta2**k), beta2**k


def _rho(step: _Step) -> Equation:
    rho_inf, rho, b2k = _radam_rho(step)
    expr = rf"{num(rho_inf)} - \frac{{2\cdot{step.k}\cdot{num(b2k)}}}{{{num(1 - b2k)}}}"
    symbolic = r"\rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t}"
    return _equation("rho", r"\rho", symbolic, [expr, expr], np.full(2, rho))


def _w_radam(step: _Step) -> Equation:
    """Momentum alone while ρ_t ≤ 5, the rectified adaptive step after."""
    rho_inf, rho, b2k = _radam_rho(step)
    m_hat, eta, eps = step.now("m_hat"), step.eta, step.h["eps"]
    if rho <= 5:
        exprs = [rf"{num(a)} - {num(eta)}\cdot{arg(b)}" for a, b in _pairs(step.w0, m_hat)]
        symbolic = r"w_t = w_{t-1} - \eta\, \hat m_t\quad\text{($\rho_t \le 5$: no $v$ yet)}"
        return _w_line(step, symbolic, exprs)
    r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    exprs = [
        rf"{num(a)} - {num(eta)}\cdot{num(r)}\cdot"
        rf"\frac{{{num(math.sqrt(1 - b2k))}\cdot{arg(b)}}}{{\sqrt{{{num(c)}}} + {num(eps)}}}"
        for a, b, c in _pairs(step.w0, m_hat, step.now("v"))
    ]
    symbolic = (
        r"w_t = w_{t-1} - \eta\, r_t\, \frac{\sqrt{1 - \beta_2^t}\, \hat m_t}"
        r"{\sqrt{v_t} + \varepsilon}\quad\text{($r_t$: the rectifier, as $\rho_t > 5$)}"
    )
    return _w_line(step, symbolic, exprs)


def _u(step: _Step) -> Equation:
    beta2, eps = step.h["beta2"], step.h["eps"]
    exprs = [
        rf"\max({num(beta2)}\cdot{num(a)},\ {num(abs(b))} + {num(eps)})"
        for a, b in _pairs(step.prev("u"), step.g)
    ]
    symbolic = r"u_t = \max(\beta_2\, u_{t-1},\ |g_t| + \varepsilon)"
    return _equation("u", "u", symbolic, exprs, step.now("u"))


def _w_adamax(step: _Step) -> Equation:
    factor = step.eta / (1 - float(step.h["beta1"]) ** step.k)
    exprs = [
        rf"{num(a)} - {num(factor)}\cdot\frac{{{num(b)}}}{{{num(c)}}}"
        for a, b, c in _pairs(step.w0, step.now("m"), step.now("u"))
    ]
    return _w_line(step, r"w_t = w_{t-1} - \frac{\eta}{1 - \beta_1^t}\, \frac{m_t}{u_t}", exprs)


def _v_rho(step: _Step) -> Equation:
    beta = (step.h["rho"], r"\rho")
    return _running_mean("v", beta, step.prev("v"), step.g, step.now("v"), square=True)


def _adadelta_delta(step: _Step) -> np.ndarray:
    eps = step.h["eps"]
    return np.sqrt(step.prev("d") + eps) / np.sqrt(step.now("v") + eps) * step.g


def _delta(step: _Step) -> Equation:
    eps = step.h["eps"]
    exprs = [
        rf"\frac{{\sqrt{{{num(a)} + {num(eps)}}}}}{{\sqrt{{{num(b)} + {num(eps)}}}}}\cdot{arg(c)}"
        for a, b, c in _pairs(step.prev("d"), step.now("v"), step.g)
    ]
    symbolic = r"\Delta_t = \frac{\sqrt{d_{t-1} + \varepsilon}}{\sqrt{v_t + \varepsilon}}\, g_t"
    return _equation("delta", r"\Delta", symbolic, exprs, _adadelta_delta(step))


def _d(step: _Step) -> Equation:
    beta = (step.h["rho"], r"\rho")
    delta = _adadelta_delta(step)
    return _running_mean(
        "d", beta, step.prev("d"), delta, step.now("d"), square=True, g_symbol=r"\Delta_t"
    )


def _w_delta(step: _Step) -> Equation:
    delta = _adadelta_delta(step)
    exprs = [rf"{num(a)} - {num(step.eta)}\cdot{arg(b)}" for a, b in _pairs(step.w0, delta)]
    return _w_line(step, r"w_t = w_{t-1} - \eta\, \Delta_t", exprs)


def _y_before(step: _Step) -> Equation:
    """Where the gradient of step k was taken: y_{t−1}, between x_{t−1} and z_{t−1}."""
    beta = float(step.h.get("beta", step.h.get("beta1")))
    sym = r"\beta" if "beta" in step.h else r"\beta_1"
    exprs = [
        rf"{num(beta)}\cdot{arg(a)} + {num(1 - beta)}\cdot{arg(b)}"
        for a, b in _pairs(step.w0, step.prev("z"))
    ]
    symbolic = (
        rf"y_{{t-1}} = {sym}\, x_{{t-1}} + (1 - {sym})\, z_{{t-1}}"
        r"\quad\text{($g_t$ is taken here)}"
    )
    lines = [
        rf"y_{{t-1,{c}}} &= {e} = {num(v)}"
        for c, e, v in zip(COORDS, exprs, step.prev("y"), strict=True)
    ]
    return Equation("gradient_point", _block(symbolic, lines), step.prev("y"))


def _z_sgd(step: _Step) -> Equation:
    exprs = [rf"{num(a)} - {num(step.eta)}\cdot{arg(b)}" for a, b in _pairs(step.prev("z"), step.g)]
    return _equation("z", "z", r"z_t = z_{t-1} - \eta\, g_t", exprs, step.now("z"))


def _z_adamw(step: _Step) -> Equation:
    eta, eps, lam = step.eta, step.h["eps"], step.h["weight_decay"]
    exprs = [
        rf"{num(a)} - {num(eta)}\cdot\left(\frac{{{num(b)}}}{{\sqrt{{{num(c)}}} + {num(eps)}}}"
        rf" + {num(lam)}\cdot{arg(d)}\right)"
        for a, b, c, d in _pairs(step.prev("z"), step.g, step.now("v_hat"), step.prev("y"))
    ]
    symbolic = (
        r"z_t = z_{t-1} - \eta\, \left(\frac{g_t}{\sqrt{\hat v_t} + \varepsilon}"
        r" + \lambda\, y_{t-1}\right)"
    )
    return _equation("z", "z", symbolic, exprs, step.now("z"))


def _x_average(step: _Step) -> Equation:
    """x moves a share c_t of the way to z: the rule's weight η_max² over the sum of all the
    weights so far (1/t under a constant η)."""
    z, w0 = step.now("z"), step.w0
    peak = np.maximum.accumulate(np.asarray(step.traj.lr[: step.k], dtype=float))  # η_max
    total = float(np.sum(peak**2))
    c = float(peak[-1] ** 2 / total) if total else 0.0
    exprs = [rf"{num(1 - c)}\cdot{arg(a)} + {num(c)}\cdot{arg(b)}" for a, b in _pairs(w0, z)]
    symbolic = (
        r"x_t = (1 - c_t)\, x_{t-1} + c_t\, z_t\quad\text{($c_t = 1/t$ at a constant $\eta$)}"
    )
    return _equation("w", "x", symbolic, exprs, step.w1)


LINES = {
    "w_gd": _w_gd,
    "velocity": _velocity,
    "w_momentum": _w_momentum,
    "w_nesterov": _w_nesterov,
    "v_sum": _v_sum,
    "v": _v,
    "w_squares": _w_squares,
    "g_l2": _g_l2,
    "m": _m,
    "v_max": _v_max,
    "m_hat": _m_hat,
    "v_hat": _v_hat,
    "w_adam": _w_adam,
    "w_nadam": _w_nadam,
    "lion_blend": _lion_blend,
    "w_sign": _w_sign,
    "lion_momentum": _lion_momentum,
    "rho": _rho,
    "w_radam": _w_radam,
    "u": _u,
    "w_adamax": _w_adamax,
    "v_rho": _v_rho,
    "delta": _delta,
    "d": _d,
    "w_delta": _w_delta,
    "y_before": _y_before,
    "z_sgd": _z_sgd,
    "z_adamw": _z_adamw,
    "x_average": _x_average,
}
"""Every line an optimizer can declare (``OptimizerSpec.lines``), by name: a builder of the
line at a step, with that step's numbers."""


# --- in words --------------------------------------------------------------------------------


def _times(ratio: float) -> str:
    return f"{ratio:.3g}×"


def _smaller(ratio: float) -> str:
    """How GD's step compares with this one: "4× smaller" or "2× larger"."""
    return f"{_times(ratio)} smaller" if ratio >= 1 else f"{_times(1 / ratio)} larger"


def sentences(traj: optim_core.Trajectory, k: int, label: str) -> list[str]:
    """One or two sentences that say what happened at step ``k``, each true of this run.

    What may be said is declared beside the rule (``OptimizerSpec.sentences``, names in
    :data:`SENTENCES`), not chosen by its name, so a new optimizer is described by what it
    declares; each sentence says nothing where it does not apply to this step.
    """
    if traj.diverged_at is not None and k >= traj.diverged_at:
        return [f"{label} diverged at step {traj.diverged_at}: try a smaller η."]
    if k == 0:
        return [
            f"Step 0 is the start ({traj.params[0][0]:.3g}, {traj.params[0][1]:.3g}). Move the "
            "step slider or press Play to see each update."
        ]
    declared = optim_core.OPTIMIZERS[traj.optimizer].sentences
    said = [text for name in declared for text in SENTENCES[name](traj, k, label)]
    return said[:2]


def _step_parts(traj: optim_core.Trajectory, k: int) -> tuple[np.ndarray, np.ndarray, float]:
    """The gradient of step ``k``, the step taken, and η."""
    return traj.grads[k - 1], traj.recorded["update"][k], float(traj.lr[k - 1])


def _denominator(traj: optim_core.Trajectory) -> str:
    """The adaptive rule's denominator as the learner sees it in the equations."""
    lines = optim_core.OPTIMIZERS[traj.optimizer].lines
    if "u" in lines:
        return "u"
    return "√v̂ + ε" if "v_hat" in lines else "√v + ε"


def _adaptive_sentence(traj: optim_core.Trajectory, k: int, label: str) -> list[str]:
    g, u, eta = _step_parts(traj, k)
    if not np.all(np.abs(g) > 0):
        return []
    steep = int(np.argmax(np.abs(g)))
    flat = 1 - steep
    ratio = abs(g[steep]) / abs(g[flat])
    shrink = np.abs(eta * g) / np.maximum(np.abs(u), 1e-300)
    if ratio >= 1.5:
        return [
            f"The gradient along {COORDS[steep]} is {_times(ratio)} larger than along "
            f"{COORDS[flat]}, so {label}'s step along {COORDS[steep]} is "
            f"{_smaller(shrink[steep])} than plain GD's would be (η·g), and along "
            f"{COORDS[flat]} {_smaller(shrink[flat])}: it divides each coordinate "
            f"by its own {_denominator(traj)}."
        ]
    size = traj.recorded["step_size"][k]
    return [
        f"The gradient is about as steep along x as along y here, so {label} scales "
        f"both coordinates alike (η/({_denominator(traj)}) = {size[0]:.3g} and {size[1]:.3g})."
    ]


def overshoots(traj: optim_core.Trajectory, k: int) -> int | None:
    """The coordinate along which step ``k`` overshoots, or ``None``.

    The condition, checkable from the trajectory alone: along coordinate c the step goes
    against the local downhill direction (``update[k][c] · grads[k-1][c] > 0``: it climbs the
    slope along c where it starts, so the lowest point along c lies behind it) AND the loss
    rises over the step (``loss[k] > loss[k-1]``). Only a remembered direction can make a step
    climb: plain GD's −η∇L never does, so for an optimizer with momentum this is momentum
    carrying the iterate past the valley floor and up the other side. A step that goes against
    −∇L along c while the loss still falls is not an overshoot: the iterate is still getting
    lower.
    """
    g, u, _ = _step_parts(traj, k)
    climbing = [c for c in range(2) if u[c] * g[c] > 0]
    if climbing and traj.loss[k] > traj.loss[k - 1]:
        return climbing[int(np.argmax([abs(u[c]) for c in climbing]))]
    return None


def _momentum_sentence(traj: optim_core.Trajectory, k: int, label: str) -> list[str]:
    g, u, eta = _step_parts(traj, k)
    c = overshoots(traj, k)
    if c is not None:
        return [
            f"The step goes along {_sign(u[c])}{COORDS[c]} although −∇L points along "
            f"{_sign(-g[c])}{COORDS[c]}, and the loss rises from {traj.loss[k - 1]:.3g} to "
            f"{traj.loss[k]:.3g}: momentum carries the iterate past the lowest point along "
            f"{COORDS[c]} and up the other side (it overshoots)."
        ]
    against = [c for c in range(2) if u[c] * g[c] > 0]
    if against:
        c = against[0]
        return [
            f"The step goes along {_sign(u[c])}{COORDS[c]} although −∇L points along "
            f"{_sign(-g[c])}{COORDS[c]}: the remembered direction outweighs today's gradient "
            f"there, yet the loss still falls ({traj.loss[k - 1]:.3g} → {traj.loss[k]:.3g})."
        ]
    if "velocity" in traj.recorded:  # the step is η times the velocity: compare it with η·g
        boost = np.linalg.norm(u) / max(np.linalg.norm(eta * g), 1e-300)
        return [
            f"Velocity and gradient agree in sign along both axes; with the velocity's memory "
            f"of past gradients this step is {_times(boost)} as long as plain GD's."
        ]
    return []


def _sign(value: float) -> str:
    return "+" if value > 0 else "−"


def _plain_sentence(traj: optim_core.Trajectory, k: int, label: str) -> list[str]:
    """Gradient descent: no memory, no scaling, no decay, so the step is −η∇L."""
    eta = float(traj.lr[k - 1])
    return [
        f"The step is exactly −η∇L with η = {eta:.3g}: steep ground gives a long step, flat "
        "ground a short one."
    ]


def _sign_sentence(traj: optim_core.Trajectory, k: int, label: str) -> list[str]:
    """A rule whose formula keeps only the sign of its direction (Lion: ``lion_update``)."""
    _, u, eta = _step_parts(traj, k)
    lam = float(traj.hyperparams.get("weight_decay", 0.0))
    decay = f" + {lam:.3g}·w" if lam else ""
    moved = ", ".join(f"Δ{c} = {d:.3g}" for c, d in zip(COORDS, u, strict=True))
    return [
        f"{label} keeps only the sign of c: each coordinate moves by η(sign(c){decay}) with "
        f"η = {eta:.3g}, so ±η however steep the ground, and only the decay where c = 0 "
        f"(here {moved})."
    ]


def _zero_start_sentence(traj: optim_core.Trajectory, k: int, label: str) -> list[str]:
    """What the zero start of the running means does to the step at t = k.

    With bias correction (Kingma & Ba 2015, §3) m̂ = m/(1−β₁ᵗ) and v̂ = v/(1−β₂ᵗ), so the step
    η·m̂/(√v̂ + ε) is the uncorrected one times √(1−β₂ᵗ)/(1−β₁ᵗ) while ε ≪ √v̂: 0.32 at t = 1
    for β₁ = 0.9, β₂ = 0.999. Without it, v (from 0) holds only a share 1−β₂ᵗ of g²'s
    weight, so a steady gradient gives steps of about η(1−β₁ᵗ)/√(1−β₂ᵗ), or η/√(1−β₂ᵗ)
    without a first moment (RMSprop: η/√(1−β₂) = 10η at t = 1, β₂ = 0.99).
    """
    spec = optim_core.OPTIMIZERS[traj.optimizer]
    h, s = traj.hyperparams, traj.recorded
    if "beta2" not in h:
        return []
    b2t = 1 - float(h["beta2"]) ** k
    b1t = 1 - float(h["beta1"]) ** k if "beta1" in h else None
    corrected = spec.properties.bias_correction and h.get("bias_correction", True)
    if corrected and "m_hat" in s:
        net = math.sqrt(b2t) / b1t
        if abs(net - 1) < 0.05:
            return []
        return [
            f"At t = {k} the bias correction divides m by 1−β₁ᵗ = {b1t:.3g} (×{1 / b1t:.3g}) "
            f"and v by 1−β₂ᵗ = {b2t:.3g} (√v̂ = √v × {1 / math.sqrt(b2t):.3g}): together they "
            f"multiply the step by √(1−β₂ᵗ)/(1−β₁ᵗ) = {net:.3g}: with the correction this step "
            f"is {'smaller' if net < 1 else 'larger'} than it would be without it."
        ]
    if corrected and "v_hat" in s:  # v alone is corrected (NAdam: m has its own μ products)
        if math.sqrt(b2t) > 0.95:
            return []
        return [
            f"At t = {k} the bias correction divides v by 1−β₂ᵗ = {b2t:.3g}, which multiplies "
            f"the step by √(1−β₂ᵗ) = {math.sqrt(b2t):.3g}; the momentum terms carry their own "
            "correction, 1/(1−Π)."
        ]
    if b2t > 0.5:
        return []
    _, u, eta = _step_parts(traj, k)
    about = (b1t if b1t is not None and "m" in s else 1.0) / math.sqrt(b2t)
    moved = " and ".join(f"{abs(d) / eta:.3g}η" for d in u)
    return [
        f"v starts at 0 and is not bias-corrected: at t = {k} it holds only 1−β₂ᵗ = "
        f"{b2t:.3g} of g²'s weight, so a steady gradient gives steps of about "
        f"{about:.3g}η; here the step moves {moved} along x and y."
    ]


def _radam_sentence(traj: optim_core.Trajectory, k: int, label: str) -> list[str]:
    """RAdam's warm-up: momentum alone while ρ_t ≤ 5 (radam_update), rectified after."""
    rho_inf, rho, _ = _radam_rho(_Step(traj, k))
    if rho <= 5:
        return [
            f"At t = {k} v averages only about ρ_t = {rho:.3g} squared gradients (≤ 5), too "
            f"few for 1/√v to be trusted, so {label} steps with the bias-corrected momentum "
            "alone, η·m̂: no division by √v yet."
        ]
    r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    return [
        f"At t = {k} v averages about ρ_t = {rho:.3g} squared gradients (> 5), so {label} "
        f"takes the adaptive step, times the rectifier r_t = {r:.3g}, which rises toward 1 "
        f"as ρ_t nears ρ∞ = {rho_inf:.4g}."
    ]


def _infinity_norm_sentence(traj: optim_core.Trajectory, k: int, label: str) -> list[str]:
    """Adamax's u: the decaying maximum of |g| (adamax_update)."""
    step = _Step(traj, k)
    kept = step.h["beta2"] * step.prev("u")
    fresh = np.abs(step.g) + step.h["eps"]
    said = [
        f"along {c} this step's |g| + ε" if b >= a else f"along {c} β₂ times an older, larger |g|"
        for c, a, b in zip(COORDS, kept, fresh, strict=True)
    ]
    return [
        f"u is a maximum, not a mean: {said[0]}, {said[1]}. {label} divides m̂ by it, so one "
        "large gradient sets the scale until repeated factors of β₂ shrink it."
    ]


def _no_eta_sentence(traj: optim_core.Trajectory, k: int, label: str) -> list[str]:
    """Adadelta: the step size is the ratio of two RMS, not η (adadelta_update)."""
    step = _Step(traj, k)
    eps = step.h["eps"]
    ratio = np.sqrt(step.prev("d") + eps) / np.sqrt(step.now("v") + eps)
    return [
        f"{label} scales g by √(d + ε)/√(v + ε) = {ratio[0]:.3g} along x and {ratio[1]:.3g} "
        f"along y: the size of its recent steps over the size of its recent gradients, with "
        f"η = {step.eta:.3g} only multiplying it. Both roots start from ε = {eps:.3g}, so ε "
        "sets how long the first steps are."
    ]


def _schedule_free_sentence(traj: optim_core.Trajectory, k: int, label: str) -> list[str]:
    """Schedule-free: z steps, x averages (the rule's c_t), the gradient at y."""
    step = _Step(traj, k)
    y, z = step.prev("y"), step.now("z")
    peak = np.maximum.accumulate(np.asarray(traj.lr[:k], dtype=float))
    total = float(np.sum(peak**2))
    c = float(peak[-1] ** 2 / total) if total else 0.0
    return [
        f"{label} took the gradient at y = ({y[0]:.3g}, {y[1]:.3g}), between x and z; z "
        f"stepped to ({z[0]:.3g}, {z[1]:.3g}), and x, the point shown, moved a share "
        f"c_t = {c:.3g} of the way to it (1/t = {1 / k:.3g} under a constant η): x is the "
        "weighted mean of every z so far, which is why no decaying schedule is needed."
    ]


SENTENCES = {
    "plain": _plain_sentence,
    "momentum": _momentum_sentence,
    "adaptive": _adaptive_sentence,
    "sign": _sign_sentence,
    "zero_start": _zero_start_sentence,
    "radam_warmup": _radam_sentence,
    "infinity_norm": _infinity_norm_sentence,
    "no_eta": _no_eta_sentence,
    "schedule_free": _schedule_free_sentence,
}
"""Every sentence an optimizer can declare (``OptimizerSpec.sentences``), by name: each takes
the run, the step and the optimizer's label, and returns what it says of that step (nothing
where it does not apply)."""


# --- arrows and series ----------------------------------------------------------------------


def arrows(traj: optim_core.Trajectory, k: int) -> list[Arrow]:
    """The vectors of step ``k``, all in step units so they share one scale: ``−η∇L`` (plain
    GD's step), the velocity or first moment as a step, and the step actually taken. All start
    at the iterate the step left from, but the gradient of a rule that takes it elsewhere (at
    schedule-free's y). At ``k = 0`` only ``−η∇L`` at the start."""
    if k == 0:
        eta = float(traj.lr[0]) if traj.steps else float(traj.hyperparams["lr"])
        return [Arrow("gradient", "−η∇L (plain GD's step)", traj.params[0], -eta * traj.grads[0])]
    if traj.diverged_at is not None and k >= traj.diverged_at:
        return []
    eta = float(traj.lr[k - 1])
    origin = traj.params[k - 1]
    # a rule that keeps y took its gradient there (schedule-free): the arrow starts where it did
    at = traj.recorded["y"][k - 1] if "y" in traj.recorded else origin
    out = [Arrow("gradient", "−η∇L (plain GD's step)", at, -eta * traj.grads[k - 1])]
    moment = _moment(traj, k, eta)
    if moment is not None:
        out.append(Arrow("momentum", moment[0], origin, moment[1]))
    out.append(Arrow("step", "step taken", origin, traj.recorded["update"][k]))
    return [a for a in out if np.all(np.isfinite(a.vector)) and np.all(np.isfinite(a.origin))]


def points(traj: optim_core.Trajectory, k: int) -> list[Point]:
    """The points the rule declares it keeps (``spec.points``) at step ``k``: as step ``k``
    left them, or, for one declared ``before``, as step ``k`` used it (schedule-free's
    y_{k−1}, where its gradient was taken, the gradient arrow's origin). None once the run has
    diverged."""
    if traj.diverged_at is not None and k >= traj.diverged_at:
        return []
    out = []
    for p in optim_core.OPTIMIZERS[traj.optimizer].points:
        row = max(k - 1, 0) if p.before else k
        xy = traj.params[row] if p.key == "x" else traj.recorded[p.key][row]
        if np.all(np.isfinite(xy)):
            out.append(Point(p.key, p.meaning, xy))
    return out


def _moment(traj: optim_core.Trajectory, rows, eta) -> tuple[str, np.ndarray] | None:
    """The velocity or first moment as a step, at state ``rows`` (an index or a slice) with
    learning rate(s) ``eta`` (a number, or a column of one per row); ``None`` without one."""
    s = traj.recorded
    if "velocity" in s:
        if traj.hyperparams.get("formulation") == "classic":  # v is a step already
            return "−v (velocity)", -s["velocity"][rows]
        return "−η·v (velocity)", -eta * s["velocity"][rows]
    if "m_hat" in s:
        return "−η·m̂ (first moment)", -eta * s["m_hat"][rows]
    if "m" in s:
        return "−η·m (first moment)", -eta * s["m"][rows]
    return None


def arrow_lengths(traj: optim_core.Trajectory, k: int) -> dict[str, float]:
    """The length of each arrow of step ``k``, by kind: ``"step"`` is ‖step‖, ``"gradient"``
    plain GD's step ‖η∇L‖ from the same point."""
    return {a.kind: float(np.hypot(*a.vector)) for a in arrows(traj, k)}


TYPICAL_SHARE = 90
"""The percentile of a run's per-step longest arrow that sets the inspector's arrow scale: the
longest arrows (a first overshoot, the steps before a divergence) may run off the map so that
the typical ones are not too short to see."""


def typical_arrow(trajs: list[optim_core.Trajectory]) -> float:
    """A length that the arrows of all of ``trajs``'s steps reach at most in TYPICAL_SHARE %
    of the steps: the length the inspector draws at a fixed share of the map, so that one
    scale holds for every run given (settings A and B, both sides of a switch) and every
    step. 0 when there is no finite arrow."""
    longest = []
    for traj in trajs:
        eta = np.asarray(traj.lr, dtype=float)[:, None]
        vectors = [-eta * traj.grads[:-1], traj.recorded["update"][1:]]
        moment = _moment(traj, slice(1, None), eta)
        if moment is not None:
            vectors.append(moment[1])
        with np.errstate(invalid="ignore"):
            longest.append(np.fmax.reduce([np.hypot(v[:, 0], v[:, 1]) for v in vectors]))
    lengths = np.concatenate(longest) if longest else np.array([])
    lengths = lengths[np.isfinite(lengths)]
    return float(np.percentile(lengths, TYPICAL_SHARE)) if lengths.size else 0.0


SERIES_TITLES = {
    "grad": "gradient g",
    "velocity": "velocity v",
    "m": "first moment m",
    "v": "second moment v",
    "v_max": "max v (AMSGrad)",
    "u": "∞-norm u (Adamax)",
    "d": "mean of squared steps d (Adadelta)",
    "m_hat": "m̂ (bias-corrected)",
    "v_hat": "v̂ (bias-corrected)",
    "bias": "bias correction: 1/(1−β₁ᵗ) solid, 1/(1−β₂ᵗ) dashed",
    "step_size": "effective learning rate: η over the rule's denominator",
}
LOG_SERIES = frozenset({"v", "v_max", "u", "d", "v_hat", "bias", "step_size"})


def series(traj: optim_core.Trajectory) -> dict[str, np.ndarray]:
    """The quantities of steps ``t = 1..steps``, keyed like :data:`SERIES_TITLES`:
    ``(steps, 2)`` per coordinate, except ``"bias"``: ``(steps, 2)`` holding 1/(1−β₁ᵗ) and
    1/(1−β₂ᵗ) (NaN where the optimizer has no such factor). Only what the optimizer has."""
    out = {"grad": traj.grads[:-1]}
    for key in ("velocity", "m", "v", "v_max", "u", "d", "m_hat", "v_hat"):
        if key in traj.recorded:
            out[key] = traj.recorded[key][1:]
    spec = optim_core.OPTIMIZERS[traj.optimizer]
    h = traj.hyperparams
    if spec.properties.bias_correction and h.get("bias_correction", True):
        t = np.arange(1, traj.steps + 1, dtype=float)
        none = np.full_like(t, np.nan)
        with np.errstate(divide="ignore"):
            first = 1 / (1 - h["beta1"] ** t) if "m_hat" in traj.recorded else none
            second = 1 / (1 - h["beta2"] ** t) if "v_hat" in traj.recorded else none
        out["bias"] = np.column_stack([first, second])
    if spec.properties.adaptive and "step_size" in traj.recorded:
        out["step_size"] = traj.recorded["step_size"][1:]
    return out


# --- A/B ------------------------------------------------------------------------------------

FLIP = object()
"""In :data:`CONTRAST`: setting B takes the option's other choice."""

CONTRAST: tuple[tuple[str, object, str], ...] = (
    ("bias_correction", FLIP, "bias correction off: the zero start of m and v left in"),
    ("beta", 0.5, "β = 0.5: a shorter memory of past gradients"),
    ("beta1", 0.5, "β₁ = 0.5: a shorter memory of past gradients"),
    ("beta2", 0.9, "β₂ = 0.9: a shorter memory of the squared gradients"),
    ("eps", 0.1, "ε = 0.1: a floor under the denominator that caps the step at η/ε"),
    ("lr", 0.5, "half the learning rate"),
)
"""Setting B's one change from A, by priority: the first entry the optimizer has (and whose
value differs from A's) is the idea B shows. ``lr``'s value is a factor of A's η."""


def contrast(name: str, values_a: dict[str, object]) -> tuple[str, object, str] | None:
    """The one hyperparameter or option setting B changes, its value in B, and what it shows."""
    spec = optim_core.OPTIMIZERS[name]
    choices = {c.name: c.choices for c in spec.options}
    for key, value, idea in CONTRAST:
        if key not in values_a:
            continue
        if value is FLIP:
            others = [c for c in choices[key] if c != values_a[key]]
            value = others[0]
        elif key == "lr":
            value = float(values_a[key]) * float(value)
        if value != values_a[key]:
            return key, value, idea
    return None


def setting_b(name: str, values_a: dict[str, object]) -> dict[str, object]:
    """Setting B's first values: A's, with the one change of :func:`contrast`, so the
    difference between the two runs teaches one idea (Adam: bias correction alone)."""
    change = contrast(name, values_a)
    return values_a if change is None else {**values_a, change[0]: change[1]}
