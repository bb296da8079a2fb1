"""What happened at step k of one run, in numbers and in words.

Pure functions of a :class:`optim_core.Trajectory` (which carries its hyperparameters): the
update rule with the live numbers of step ``k`` substituted (LaTeX), one or two sentences
that say what the numbers mean, the arrows the inspector's map draws, and the time series it
plots. Step ``k`` (``1 <= k <= steps``) is the update from ``params[k-1]`` to ``params[k]``:
it uses the gradient ``grads[k-1]`` and leaves the state ``state[...][k]``.
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
      name: what it computes: a key of ``Trajectory.state``, ``"w"`` for the iterate,
        ``"c"`` (Lion's blend) or ``"g"`` (the gradient plus Adam's L2 term), which are not
        kept.
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

    def prev(self, key: str) -> np.ndarray:
        return self.traj.state[key][self.k - 1]

    def now(self, key: str) -> np.ndarray:
        return self.traj.state[key][self.k]


def equations(traj: optim_core.Trajectory, k: int) -> list[Equation]:
    """The update rule of step ``k`` with its numbers; empty for ``k = 0`` (the start).

    Which lines there are follows from the state the rule keeps: a velocity (momentum), two
    running means (Adam and its variants), one of squares (Adagrad, RMSprop), one of
    gradients (Lion), or none (gradient descent).
    """
    if not 1 <= k <= traj.steps:
        return []
    step, keys = _Step(traj, k), traj.state
    if "velocity" in keys:
        return _momentum_equations(step)
    if "m" in keys and "v" in keys:
        return _adam_equations(step)
    if "v" in keys:
        return _squares_equations(step)
    if "m" in keys:
        return _sign_equations(step)
    exprs = [
        rf"{num(a)} - {num(step.eta)}\cdot{arg(b)}" for a, b in zip(step.w0, step.g, strict=True)
    ]
    return [_equation("w", "w", r"w_t = w_{t-1} - \eta\, g_t", exprs, step.w1)]


def _running_mean(
    name: str,
    beta: tuple[float, str],
    prev: np.ndarray,
    g: np.ndarray,
    value: np.ndarray,
    *,
    square: bool = False,
    prev_symbol: str | None = None,
) -> Equation:
    """``name_t = β·prev + (1 − β)·g`` (``g²`` when ``square``) with numbers; ``beta`` is the
    value and its symbol, ``prev_symbol`` what the previous value is called (``name_{t-1}``)."""
    power, shown = ("^2", num) if square else ("", arg)
    exprs = [
        rf"{num(beta[0])}\cdot{shown(a)} + {num(1 - beta[0])}\cdot{arg(b)}{power}"
        for a, b in zip(prev, g, strict=True)
    ]
    previous = prev_symbol or rf"{name}_{{t-1}}"
    symbolic = rf"{name}_t = {beta[1]}\, {previous} + (1 - {beta[1]})\, g_t{power}"
    return _equation(name, name, symbolic, exprs, value)


def _momentum_equations(step: _Step) -> list[Equation]:
    """Heavy ball (either convention) or Nesterov's look-ahead, as the rule's formula says."""
    beta, eta, w0, w1 = step.h["beta"], step.eta, step.w0, step.w1
    v, v0 = step.now("velocity"), step.prev("velocity")
    if step.h.get("formulation") == "classic":  # the velocity is already a step
        exprs = [
            rf"{num(beta)}\cdot{arg(a)} + {num(eta)}\cdot{arg(b)}"
            for a, b in zip(v0, step.g, strict=True)
        ]
        return [
            _equation("velocity", "v", r"v_t = \beta\, v_{t-1} + \eta\, g_t", exprs, v),
            _equation(
                "w",
                "w",
                r"w_t = w_{t-1} - v_t",
                [f"{num(a)} - {arg(b)}" for a, b in zip(w0, v, strict=True)],
                w1,
            ),
        ]
    exprs = [rf"{num(beta)}\cdot{arg(a)} + {arg(b)}" for a, b in zip(v0, step.g, strict=True)]
    eqs = [_equation("velocity", "v", r"v_t = \beta\, v_{t-1} + g_t", exprs, v)]
    if r"(g_t + \beta\, v_t)" in optim_core.OPTIMIZERS[step.traj.optimizer].latex:  # Nesterov
        exprs = [
            rf"{num(a)} - {num(eta)}\cdot\left({num(b)} + {num(beta)}\cdot{arg(c)}\right)"
            for a, b, c in zip(w0, step.g, v, strict=True)
        ]
        symbolic = r"w_t = w_{t-1} - \eta\, (g_t + \beta\, v_t)"
    else:
        exprs = [rf"{num(a)} - {num(eta)}\cdot{arg(b)}" for a, b in zip(w0, v, strict=True)]
        symbolic = r"w_t = w_{t-1} - \eta\, v_t"
    return [*eqs, _equation("w", "w", symbolic, exprs, w1)]


def _squares_equations(step: _Step) -> list[Equation]:
    """Adagrad's sum of g², or RMSprop's running mean of it (a rule with a β₂)."""
    v, v0 = step.now("v"), step.prev("v")
    if "beta2" in step.h:
        eq = _running_mean("v", (step.h["beta2"], r"\beta_2"), v0, step.g, v, square=True)
    else:
        exprs = [rf"{num(a)} + {arg(b)}^2" for a, b in zip(v0, step.g, strict=True)]
        eq = _equation("v", "v", r"v_t = v_{t-1} + g_t^2", exprs, v)
    fraction = r"\frac{g_t}{\sqrt{v_t} + \varepsilon}"
    return [eq, _adaptive_w(step.w0, step.w1, step.eta, step.h["eps"], step.g, v, fraction)]


def _adam_equations(step: _Step) -> list[Equation]:
    """Adam and its variants: the L2 line, the moments, AMSGrad's maximum, the corrections,
    and the step (NAdam's through its Nesterov blend, AdamW's with its decay)."""
    h, s, k = step.h, step.traj.state, step.k
    eqs: list[Equation] = []
    g = _l2_gradient(eqs, step.traj, step.g, step.w0)
    eqs.append(_running_mean("m", (h["beta1"], r"\beta_1"), step.prev("m"), g, step.now("m")))
    v = step.now("v")
    eqs.append(_running_mean("v", (h["beta2"], r"\beta_2"), step.prev("v"), g, v, square=True))
    v_used, v_sym = step.now("v"), "v_t"
    if "v_max" in s:
        v_used, v_sym = step.now("v_max"), r"v^{\max}_t"
        exprs = [
            rf"\max({num(a)}, {num(b)})"
            for a, b in zip(step.prev("v_max"), step.now("v"), strict=True)
        ]
        symbolic = r"v^{\max}_t = \max(v^{\max}_{t-1}, v_t)"
        eqs.append(_equation("v_max", r"v^{\max}", symbolic, exprs, v_used))
    eqs += _corrections(step, v_used, v_sym)
    if "m_hat" not in s:  # NAdam: m enters the step through its own blend, d_t
        size = step.now("step_size")
        direction = -step.now("update") / size
        exprs = [
            rf"{num(a)} - {num(b)}\cdot{arg(c)}"
            for a, b, c in zip(step.w0, size, direction, strict=True)
        ]
        symbolic = (
            r"w_t = w_{t-1} - \frac{\eta}{\sqrt{\hat v_t} + \varepsilon}\, d_t"
            r"\quad\text{($d_t$: Nesterov blend of $g_t$ and $m_t$)}"
        )
        return [*eqs, _equation("w", "w", symbolic, exprs, step.w1)]
    spec = optim_core.OPTIMIZERS[step.traj.optimizer]
    decay = h.get("weight_decay", 0.0) if spec.properties.decoupled_weight_decay else 0.0
    fraction = r"\frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon}"
    w_line = _adaptive_w(
        step.w0, step.w1, step.eta, h["eps"], s["m_hat"][k], s["v_hat"][k], fraction, decay
    )
    return [*eqs, w_line]


def _corrections(step: _Step, v_used: np.ndarray, v_sym: str) -> list[Equation]:
    """m̂ (where the rule keeps one) and v̂, divided by 1 − βᵗ unless the switch is off."""
    eqs = []
    if "m_hat" in step.traj.state:
        eqs.append(_hat(step, "m", "m_t", step.now("m"), "beta1", r"\beta_1", signed=True))
    eqs.append(_hat(step, "v", v_sym, v_used, "beta2", r"\beta_2", signed=False))
    return eqs


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
        f"{name}_hat", rf"\hat {name}", symbolic, exprs, step.traj.state[f"{name}_hat"][k]
    )


def _sign_equations(step: _Step) -> list[Equation]:
    """Lion: the blend c, the sign step with its decay, then the momentum's own update."""
    b1, b2, lam = step.h["beta1"], step.h["beta2"], step.h["weight_decay"]
    m0, eta = step.prev("m"), step.eta
    c = b1 * m0 + (1 - b1) * step.g
    blend = _running_mean("c", (b1, r"\beta_1"), m0, step.g, c, prev_symbol="m_{t-1}")
    exprs = [
        rf"{num(a)} - {num(eta)}\cdot\left({num(np.sign(b))} + {num(lam)}\cdot{arg(a)}\right)"
        for a, b in zip(step.w0, c, strict=True)
    ]
    symbolic = r"w_t = w_{t-1} - \eta\, (\operatorname{sign}(c_t) + \lambda\, w_{t-1})"
    momentum = _running_mean("m", (b2, r"\beta_2"), m0, step.g, step.now("m"))
    return [blend, _equation("w", "w", symbolic, exprs, step.w1), momentum]


def _l2_gradient(
    eqs: list[Equation], traj: optim_core.Trajectory, g: np.ndarray, w0: np.ndarray
) -> np.ndarray:
    """The gradient the moments see: ``g + λw`` under L2 weight decay (torch's Adam), with its
    line appended to ``eqs``; ``g`` itself when λ = 0 or the decay is decoupled (AdamW)."""
    lam = float(traj.hyperparams.get("weight_decay", 0.0))
    if not lam or optim_core.OPTIMIZERS[traj.optimizer].properties.decoupled_weight_decay:
        return g
    decayed = g + lam * w0
    exprs = [rf"{num(a)} + {num(lam)}\cdot{arg(b)}" for a, b in zip(g, w0, strict=True)]
    symbolic = r"g_t &\leftarrow g_t + \lambda\, w_{t-1}\quad\text{(L2 weight decay)}"
    eqs.append(_equation("g", "g", symbolic, exprs, decayed))
    return decayed


def _adaptive_w(w0, w1, eta, eps, top, bottom, fraction: str, decay: float = 0.0) -> Equation:
    """``w_t = w_{t-1} [- ηλw_{t-1}] - η·top/(√bottom + ε)`` with numbers."""
    decay_sym = r" - \eta\lambda\, w_{t-1}" if decay else ""
    exprs = []
    for a, b, c in zip(w0, top, bottom, strict=True):
        decay_num = rf" - {num(eta)}\cdot{num(decay)}\cdot{arg(a)}" if decay else ""
        exprs.append(
            rf"{num(a)}{decay_num} - {num(eta)}\cdot"
            rf"\frac{{{num(b)}}}{{\sqrt{{{num(c)}}} + {num(eps)}}}"
        )
    symbolic = rf"w_t = w_{{t-1}}{decay_sym} - \eta\, {fraction}"
    return _equation("w", "w", symbolic, exprs, w1)


# --- in words --------------------------------------------------------------------------------


def _times(ratio: float) -> str:
    return f"{ratio:.3g}×"


def _smaller(ratio: float) -> str:
    """How GD's step compares with this one: "4× smaller" or "2× larger"."""
    return f"{_times(ratio)} smaller" if ratio >= 1 else f"{_times(1 / ratio)} larger"


def sentences(traj: optim_core.Trajectory, k: int, label: str) -> list[str]:
    """One or two sentences that say what happened at step ``k``, each true of this run.

    What is said is derived from the optimizer's declared properties and the state it keeps,
    not from its name, so a new optimizer is described by what it declares.
    """
    if traj.diverged_at is not None and k >= traj.diverged_at:
        return [f"{label} diverged at step {traj.diverged_at}: try a smaller η."]
    if k == 0:
        return [
            f"Step 0 is the start ({traj.params[0][0]:.3g}, {traj.params[0][1]:.3g}). Move the "
            "step slider or press Play to see each update."
        ]
    said = [
        *_adaptive_sentence(traj, k, label),
        *_momentum_sentence(traj, k),
        *_plain_sentence(traj, k),
        *_sign_sentence(traj, k, label),
        *_zero_start_sentence(traj, k),
    ]
    return said[:2]


def _step_parts(traj: optim_core.Trajectory, k: int) -> tuple[np.ndarray, np.ndarray, float]:
    """The gradient of step ``k``, the step taken, and η."""
    return traj.grads[k - 1], traj.state["update"][k], float(traj.lr[k - 1])


def _denominator(traj: optim_core.Trajectory) -> str:
    """The adaptive rule's denominator as the learner sees it in the equations."""
    return "√v̂ + ε" if "v_hat" in traj.state else "√v + ε"


def _adaptive_sentence(traj: optim_core.Trajectory, k: int, label: str) -> list[str]:
    spec = optim_core.OPTIMIZERS[traj.optimizer]
    g, u, eta = _step_parts(traj, k)
    if not spec.properties.adaptive or not np.all(np.abs(g) > 0):
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
    size = traj.state["step_size"][k]
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


def _momentum_sentence(traj: optim_core.Trajectory, k: int) -> list[str]:
    if not optim_core.OPTIMIZERS[traj.optimizer].properties.momentum:
        return []
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
    if "velocity" in traj.state:  # the step is η times the velocity: compare it with η·g
        boost = np.linalg.norm(u) / max(np.linalg.norm(eta * g), 1e-300)
        return [
            f"Velocity and gradient agree in sign along both axes; with the velocity's memory "
            f"of past gradients this step is {_times(boost)} as long as plain GD's."
        ]
    return []


def _sign(value: float) -> str:
    return "+" if value > 0 else "−"


def _plain_sentence(traj: optim_core.Trajectory, k: int) -> list[str]:
    """Gradient descent: no memory, no scaling, no decay, so the step is −η∇L."""
    p = optim_core.OPTIMIZERS[traj.optimizer].properties
    if p.momentum or p.adaptive or p.decoupled_weight_decay or p.state_per_param:
        return []
    eta = float(traj.lr[k - 1])
    return [
        f"The step is exactly −η∇L with η = {eta:.3g}: steep ground gives a long step, flat "
        "ground a short one."
    ]


def _sign_sentence(traj: optim_core.Trajectory, k: int, label: str) -> list[str]:
    """A rule whose formula keeps only the sign of its direction (Lion: ``lion_update``)."""
    if r"\operatorname{sign}" not in optim_core.OPTIMIZERS[traj.optimizer].latex:
        return []
    _, u, eta = _step_parts(traj, k)
    lam = float(traj.hyperparams.get("weight_decay", 0.0))
    decay = f" + {lam:.3g}·w" if lam else ""
    moved = ", ".join(f"Δ{c} = {d:.3g}" for c, d in zip(COORDS, u, strict=True))
    return [
        f"{label} keeps only the sign of c: each coordinate moves by η(sign(c){decay}) with "
        f"η = {eta:.3g}, so ±η however steep the ground, and only the decay where c = 0 "
        f"(here {moved})."
    ]


def _zero_start_sentence(traj: optim_core.Trajectory, k: int) -> list[str]:
    """What the zero start of the running means does to the step at t = k.

    With bias correction (Kingma & Ba 2015, §3) m̂ = m/(1−β₁ᵗ) and v̂ = v/(1−β₂ᵗ), so the step
    η·m̂/(√v̂ + ε) is the uncorrected one times √(1−β₂ᵗ)/(1−β₁ᵗ) while ε ≪ √v̂: 0.32 at t = 1
    for β₁ = 0.9, β₂ = 0.999. Without it, v (from 0) holds only a share 1−β₂ᵗ of g²'s
    weight, so a steady gradient gives steps of about η(1−β₁ᵗ)/√(1−β₂ᵗ), or η/√(1−β₂ᵗ)
    without a first moment (RMSprop: η/√(1−β₂) = 10η at t = 1, β₂ = 0.99).
    """
    spec = optim_core.OPTIMIZERS[traj.optimizer]
    h, s = traj.hyperparams, traj.state
    if not spec.properties.adaptive or "beta2" not in h:
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


# --- arrows and series ----------------------------------------------------------------------


def arrows(traj: optim_core.Trajectory, k: int) -> list[Arrow]:
    """The vectors of step ``k``, all in step units so they share one scale: ``−η∇L`` (plain
    GD's step), the velocity or first moment as a step, and the step actually taken. All start
    at the iterate the step left from. At ``k = 0`` only ``−η∇L`` at the start."""
    if k == 0:
        eta = float(traj.lr[0]) if traj.steps else float(traj.hyperparams["lr"])
        return [Arrow("gradient", "−η∇L (plain GD's step)", traj.params[0], -eta * traj.grads[0])]
    if traj.diverged_at is not None and k >= traj.diverged_at:
        return []
    eta = float(traj.lr[k - 1])
    origin = traj.params[k - 1]
    out = [Arrow("gradient", "−η∇L (plain GD's step)", origin, -eta * traj.grads[k - 1])]
    moment = _moment(traj, k, eta)
    if moment is not None:
        out.append(Arrow("momentum", moment[0], origin, moment[1]))
    out.append(Arrow("step", "step taken", origin, traj.state["update"][k]))
    return [a for a in out if np.all(np.isfinite(a.vector)) and np.all(np.isfinite(a.origin))]


def _moment(traj: optim_core.Trajectory, rows, eta) -> tuple[str, np.ndarray] | None:
    """The velocity or first moment as a step, at state ``rows`` (an index or a slice) with
    learning rate(s) ``eta`` (a number, or a column of one per row); ``None`` without one."""
    s = traj.state
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
        vectors = [-eta * traj.grads[:-1], traj.state["update"][1:]]
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
    "m_hat": "m̂ (bias-corrected)",
    "v_hat": "v̂ (bias-corrected)",
    "bias": "bias correction: 1/(1−β₁ᵗ) solid, 1/(1−β₂ᵗ) dashed",
    "step_size": "effective learning rate η/(√v̂+ε)",
}
LOG_SERIES = frozenset({"v", "v_max", "v_hat", "bias", "step_size"})


def series(traj: optim_core.Trajectory) -> dict[str, np.ndarray]:
    """The quantities of steps ``t = 1..steps``, keyed like :data:`SERIES_TITLES`:
    ``(steps, 2)`` per coordinate, except ``"bias"``: ``(steps, 2)`` holding 1/(1−β₁ᵗ) and
    1/(1−β₂ᵗ) (NaN where the optimizer has no such factor). Only what the optimizer has."""
    out = {"grad": traj.grads[:-1]}
    for key in ("velocity", "m", "v", "v_max", "m_hat", "v_hat"):
        if key in traj.state:
            out[key] = traj.state[key][1:]
    spec = optim_core.OPTIMIZERS[traj.optimizer]
    h = traj.hyperparams
    if spec.properties.bias_correction and h.get("bias_correction", True):
        t = np.arange(1, traj.steps + 1, dtype=float)
        first = 1 / (1 - h["beta1"] ** t) if "m_hat" in traj.state else np.full_like(t, np.nan)
        with np.errstate(divide="ignore"):
            out["bias"] = np.column_stack([first, 1 / (1 - h["beta2"] ** t)])
    if spec.properties.adaptive:
        out["step_size"] = traj.state["step_size"][1:]
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
