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
      name: what it computes: a key of ``Trajectory.state``, ``"w"`` for the iterate, or
        ``"c"`` (Lion's blend, which is not kept).
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


def equations(traj: optim_core.Trajectory, k: int) -> list[Equation]:
    """The update rule of step ``k`` with its numbers; empty for ``k = 0`` (the start)."""
    if not 1 <= k <= traj.steps:
        return []
    h = traj.hyperparams
    s = traj.state
    g, w0, w1 = traj.grads[k - 1], traj.params[k - 1], traj.params[k]
    eta = float(traj.lr[k - 1])
    name = traj.optimizer
    eqs: list[Equation] = []

    def prev(key: str) -> np.ndarray:
        return s[key][k - 1]

    if name == "gd":
        exprs = [rf"{num(a)} - {num(eta)}\cdot{arg(b)}" for a, b in zip(w0, g, strict=True)]
        eqs.append(_equation("w", "w", r"w_t = w_{t-1} - \eta\, g_t", exprs, w1))
    elif name in ("momentum", "nesterov"):
        beta = h["beta"]
        classic = name == "momentum" and h.get("formulation") == "classic"
        v, v0 = s["velocity"][k], prev("velocity")
        if classic:
            exprs = [
                rf"{num(beta)}\cdot{arg(a)} + {num(eta)}\cdot{arg(b)}"
                for a, b in zip(v0, g, strict=True)
            ]
            eqs.append(_equation("velocity", "v", r"v_t = \beta\, v_{t-1} + \eta\, g_t", exprs, v))
            exprs = [f"{num(a)} - {arg(b)}" for a, b in zip(w0, v, strict=True)]
            eqs.append(_equation("w", "w", r"w_t = w_{t-1} - v_t", exprs, w1))
        else:
            exprs = [rf"{num(beta)}\cdot{arg(a)} + {arg(b)}" for a, b in zip(v0, g, strict=True)]
            eqs.append(_equation("velocity", "v", r"v_t = \beta\, v_{t-1} + g_t", exprs, v))
            if name == "momentum":
                exprs = [rf"{num(a)} - {num(eta)}\cdot{arg(b)}" for a, b in zip(w0, v, strict=True)]
                eqs.append(_equation("w", "w", r"w_t = w_{t-1} - \eta\, v_t", exprs, w1))
            else:
                exprs = [
                    rf"{num(a)} - {num(eta)}\cdot\left({num(b)} + {num(beta)}\cdot{arg(c)}\right)"
                    for a, b, c in zip(w0, g, v, strict=True)
                ]
                symbolic = r"w_t = w_{t-1} - \eta\, (g_t + \beta\, v_t)"
                eqs.append(_equation("w", "w", symbolic, exprs, w1))
    elif name in ("adagrad", "rmsprop"):
        v, v0 = s["v"][k], prev("v")
        if name == "adagrad":
            exprs = [rf"{num(a)} + {arg(b)}^2" for a, b in zip(v0, g, strict=True)]
            eqs.append(_equation("v", "v", r"v_t = v_{t-1} + g_t^2", exprs, v))
        else:
            b2 = h["beta2"]
            exprs = [
                rf"{num(b2)}\cdot{num(a)} + {num(1 - b2)}\cdot{arg(b)}^2"
                for a, b in zip(v0, g, strict=True)
            ]
            symbolic = r"v_t = \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2"
            eqs.append(_equation("v", "v", symbolic, exprs, v))
        eqs.append(
            _adaptive_w(w0, w1, eta, h["eps"], g, v, r"\frac{g_t}{\sqrt{v_t} + \varepsilon}")
        )
    elif name in ("adam", "amsgrad", "adamw", "nadam"):
        b1, b2 = h["beta1"], h["beta2"]
        m, v = s["m"][k], s["v"][k]
        exprs = [
            rf"{num(b1)}\cdot{arg(a)} + {num(1 - b1)}\cdot{arg(b)}"
            for a, b in zip(prev("m"), g, strict=True)
        ]
        symbolic = r"m_t = \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t"
        eqs.append(_equation("m", "m", symbolic, exprs, m))
        exprs = [
            rf"{num(b2)}\cdot{num(a)} + {num(1 - b2)}\cdot{arg(b)}^2"
            for a, b in zip(prev("v"), g, strict=True)
        ]
        symbolic = r"v_t = \beta_2\, v_{t-1} + (1 - \beta_2)\, g_t^2"
        eqs.append(_equation("v", "v", symbolic, exprs, v))
        v_used, v_sym = v, "v_t"
        if name == "amsgrad":
            v_used, v_sym = s["v_max"][k], r"v^{\max}_t"
            exprs = [rf"\max({num(a)}, {num(b)})" for a, b in zip(prev("v_max"), v, strict=True)]
            symbolic = r"v^{\max}_t = \max(v^{\max}_{t-1}, v_t)"
            eqs.append(_equation("v_max", r"v^{\max}", symbolic, exprs, v_used))
        corrected = h.get("bias_correction", True)
        c1, c2 = 1 - b1**k, 1 - b2**k
        if name != "nadam":
            if corrected:
                exprs = [rf"{arg(a)} / {num(c1)}" for a in m]
                symbolic = rf"\hat m_t = m_t / (1 - \beta_1^{{{k}}})"
            else:
                exprs = [arg(a) for a in m]
                symbolic = r"\hat m_t = m_t \quad\text{(bias correction off)}"
            eqs.append(_equation("m_hat", r"\hat m", symbolic, exprs, s["m_hat"][k]))
        if corrected:
            exprs = [rf"{num(a)} / {num(c2)}" for a in v_used]
            symbolic = rf"\hat v_t = {v_sym} / (1 - \beta_2^{{{k}}})"
        else:
            exprs = [num(a) for a in v_used]
            symbolic = r"\hat v_t = v_t \quad\text{(bias correction off)}"
        eqs.append(_equation("v_hat", r"\hat v", symbolic, exprs, s["v_hat"][k]))
        if name == "nadam":
            size = s["step_size"][k]
            direction = -s["update"][k] / size
            exprs = [
                rf"{num(a)} - {num(b)}\cdot{arg(c)}"
                for a, b, c in zip(w0, size, direction, strict=True)
            ]
            symbolic = (
                r"w_t = w_{t-1} - \frac{\eta}{\sqrt{\hat v_t} + \varepsilon}\, d_t"
                r"\quad\text{($d_t$: Nesterov blend of $g_t$ and $m_t$)}"
            )
            eqs.append(_equation("w", "w", symbolic, exprs, w1))
        else:
            decay = h.get("weight_decay", 0.0) if name == "adamw" else 0.0
            eqs.append(
                _adaptive_w(
                    w0,
                    w1,
                    eta,
                    h["eps"],
                    s["m_hat"][k],
                    s["v_hat"][k],
                    r"\frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon}",
                    decay=decay,
                )
            )
    elif name == "lion":
        b1, b2, lam = h["beta1"], h["beta2"], h["weight_decay"]
        m0 = prev("m")
        c = b1 * m0 + (1 - b1) * g
        exprs = [
            rf"{num(b1)}\cdot{arg(a)} + {num(1 - b1)}\cdot{arg(b)}"
            for a, b in zip(m0, g, strict=True)
        ]
        symbolic = r"c_t = \beta_1\, m_{t-1} + (1 - \beta_1)\, g_t"
        eqs.append(_equation("c", "c", symbolic, exprs, c))
        exprs = [
            rf"{num(a)} - {num(eta)}\cdot\left({num(np.sign(b))} + {num(lam)}\cdot{arg(a)}\right)"
            for a, b in zip(w0, c, strict=True)
        ]
        symbolic = r"w_t = w_{t-1} - \eta\, (\operatorname{sign}(c_t) + \lambda\, w_{t-1})"
        eqs.append(_equation("w", "w", symbolic, exprs, w1))
        exprs = [
            rf"{num(b2)}\cdot{arg(a)} + {num(1 - b2)}\cdot{arg(b)}"
            for a, b in zip(m0, g, strict=True)
        ]
        symbolic = r"m_t = \beta_2\, m_{t-1} + (1 - \beta_2)\, g_t"
        eqs.append(_equation("m", "m", symbolic, exprs, s["m"][k]))
    return eqs


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
    """One or two sentences that say what happened at step ``k``."""
    if traj.diverged_at is not None and k >= traj.diverged_at:
        return [f"{label} diverged at step {traj.diverged_at}: try a smaller η."]
    if k == 0:
        return [
            f"Step 0 is the start ({traj.params[0][0]:.3g}, {traj.params[0][1]:.3g}). Move the "
            "step slider or press Play to see each update."
        ]
    spec = optim_core.OPTIMIZERS[traj.optimizer]
    g, u = traj.grads[k - 1], traj.state["update"][k]
    eta = float(traj.lr[k - 1])
    gd_step = -eta * g
    said: list[str] = []
    if spec.properties.adaptive and np.all(np.abs(g) > 0):
        steep = int(np.argmax(np.abs(g)))
        flat = 1 - steep
        ratio = abs(g[steep]) / abs(g[flat])
        shrink = np.abs(gd_step) / np.maximum(np.abs(u), 1e-300)
        if ratio >= 1.5:
            said.append(
                f"The gradient along {COORDS[steep]} is {_times(ratio)} larger than along "
                f"{COORDS[flat]}, so {label}'s step along {COORDS[steep]} is "
                f"{_smaller(shrink[steep])} than plain GD's would be (η·g), and along "
                f"{COORDS[flat]} {_smaller(shrink[flat])}: it divides each coordinate "
                "by its own √v̂ + ε."
            )
        else:
            said.append(
                f"The gradient is about as steep along x as along y here, so {label} scales "
                f"both coordinates alike (η/(√v̂+ε) = {traj.state['step_size'][k][0]:.3g} and "
                f"{traj.state['step_size'][k][1]:.3g})."
            )
    if spec.properties.momentum and traj.optimizer != "lion":
        against = [c for c in range(2) if u[c] * gd_step[c] < 0]
        if against:
            c = against[0]
            down = "+" if gd_step[c] > 0 else "−"
            moves = "+" if u[c] > 0 else "−"
            said.append(
                f"The step still goes along {moves}{COORDS[c]} although −∇L now points along "
                f"{down}{COORDS[c]}: momentum carries the iterate past the minimum along "
                f"{COORDS[c]} (it overshoots)."
            )
        elif not spec.properties.adaptive:
            boost = np.linalg.norm(u) / max(np.linalg.norm(gd_step), 1e-300)
            said.append(
                f"Velocity and gradient agree along both axes, so momentum makes this step "
                f"{_times(boost)} as long as plain GD's."
            )
    if traj.optimizer == "gd":
        said.append(
            f"The step is exactly −η∇L with η = {eta:.3g}: steep ground gives a long step, flat "
            "ground a short one."
        )
    if traj.optimizer == "lion":
        said.append(
            f"Lion keeps only the sign of c, so each coordinate moves by η = {eta:.3g} "
            "(plus the weight decay), however steep the ground."
        )
    if spec.properties.bias_correction and traj.hyperparams.get("bias_correction", True):
        b1 = traj.hyperparams["beta1"]
        factor = 1 / (1 - b1**k)
        if factor > 1.05 and traj.optimizer != "nadam":
            said.append(
                f"At t = {k} the bias correction multiplies m by 1/(1−β₁ᵗ) = {factor:.3g}, "
                "undoing the pull of its zero start."
            )
    return said[:2]


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
    s = traj.state
    if "velocity" in s:
        classic = traj.hyperparams.get("formulation") == "classic"
        vector = -s["velocity"][k] if classic else -eta * s["velocity"][k]
        out.append(
            Arrow("momentum", "−v (velocity)" if classic else "−η·v (velocity)", origin, vector)
        )
    elif "m_hat" in s:
        out.append(Arrow("momentum", "−η·m̂ (first moment)", origin, -eta * s["m_hat"][k]))
    elif "m" in s:
        out.append(Arrow("momentum", "−η·m (first moment)", origin, -eta * s["m"][k]))
    out.append(Arrow("step", "step taken", origin, s["update"][k]))
    return [a for a in out if np.all(np.isfinite(a.vector)) and np.all(np.isfinite(a.origin))]


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

CONTRAST = {"beta": 0.5, "beta1": 0.5, "beta2": 0.9, "eps": 0.1, "bias_correction": False}
"""Setting B's starting values where they differ from A's: each one shows an idea."""


def setting_b(name: str, values_a: dict[str, object]) -> dict[str, object]:
    """Setting B's first values: A's, with β, β₁, β₂, ε and bias correction set to
    :data:`CONTRAST` (momentum's B uses the other formulation)."""
    values = {**values_a, **{k: v for k, v in CONTRAST.items() if k in values_a}}
    if "formulation" in values_a:
        values["formulation"] = "classic" if values_a["formulation"] == "pytorch" else "pytorch"
    return values
