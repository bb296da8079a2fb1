"""The learn page's figures: runs of the real update rules, and plotly dicts drawn from them.

Each computation runs :data:`optim_core.OPTIMIZERS`' ``init`` / ``update`` functions, the rules
the playground runs, so what a figure shows is what the rule does. Computations and figure
builders are pure and separate: numbers in, plotly dict out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

import optim_core
from ui.figures.encoding import rounded
from ui.figures.style import FONT, colour

OPT = optim_core.OPTIMIZERS
OPTIMUM_COLOUR = "#e31a1c"
SMALL_HEIGHT = 300  # px: a chart beside the text, not the playground's map


def uncorrected_step(beta1: float, beta2: float, steps: int) -> np.ndarray:
    """Adam's step without bias correction under a steady gradient, in units of η.

    Runs ``adam_update(bias_correction=False)`` on the gradient 1 at every step; the step is
    then η(1 − β₁ᵗ)/√(1 − β₂ᵗ) (Kingma & Ba 2015, §3), while the corrected step is η.
    """
    spec, w = OPT["adam"], np.zeros(1)
    hyper = spec.defaults() | {"lr": 1.0, "beta1": beta1, "beta2": beta2, "eps": 0.0}
    hyper["bias_correction"] = False
    state, sizes = spec.init(w), np.empty(steps)
    for t in range(steps):
        updates, state = spec.update(np.ones(1), state, w, **hyper)
        sizes[t] = -updates[0]
    return sizes


def uncorrected_step_figure(curves: Mapping[str, np.ndarray]) -> dict:
    """Each ``label -> steps`` curve of :func:`uncorrected_step`, against the corrected step η."""
    longest = max(len(s) for s in curves.values())
    top = max(float(s.max()) for s in curves.values())
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "with bias correction",
            "x": [1, longest],
            "y": [1.0, 1.0],
            "line": {"width": 2, "color": "#555555", "dash": "dash"},
            "hoverinfo": "skip",
        }
    ]
    for i, (label, sizes) in enumerate(curves.items()):
        peak = int(np.argmax(sizes))
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": label,
                "x": list(range(1, len(sizes) + 1)),
                "y": np.round(sizes, 4).tolist(),
                "line": {"width": 3, "color": colour("adam"), "dash": "solid" if i == 0 else "dot"},
                "hovertemplate": f"{label}, t = %{{x}}: %{{y:.3g}} η<extra></extra>",
            }
        )
        data.append(_peak_marker(peak + 1, float(sizes[peak])))
    layout = {
        "height": SMALL_HEIGHT,
        "margin": {"l": 60, "r": 20, "t": 20, "b": 50},
        "font": FONT,
        "xaxis": {"type": "log", "title": {"text": "step t"}},
        # room above the highest peak for its label
        "yaxis": {"title": {"text": "step without correction (× η)"}, "range": [0, 1.25 * top]},
        "legend": {"orientation": "h", "y": -0.3},
    }
    return {"data": data, "layout": layout}


def _peak_marker(t: int, size: float) -> dict:
    return {
        "type": "scatter",
        "mode": "markers+text",
        "x": [t],
        "y": [size],
        "text": [f"{size:.2g}η at t = {t}"],
        "textposition": "top right",
        "marker": {"size": 9, "color": "#222222"},
        "showlegend": False,
        "hoverinfo": "skip",
    }


# --- Reddi, Kale & Kumar 2018: an online problem on which Adam does not converge ----------


def reddi_gradient(t: int, c: float) -> float:
    """The gradient of f_t(x) = Cx when t = 1, 4, 7, …, and of f_t(x) = −x otherwise.

    Over each three steps the loss adds up to (C − 2)x, so for C > 2 the best fixed x in
    [−1, 1] is −1 (Reddi, Kale & Kumar 2018, §3).
    """
    return c if t % 3 == 1 else -1.0


def reddi_beta2(c: float) -> float:
    """The β₂ of the counterexample, 1/(1 + C²), with β₁ = 0 (Reddi et al. 2018, Theorem 1)."""
    return 1.0 / (1.0 + c**2)


def reddi_run(name: str, *, c: float, lr: float, steps: int, start: float = 0.0) -> np.ndarray:
    """x after each step of optimizer ``name`` on the counterexample, projected onto [−1, 1].

    Runs the registry's ``init`` / ``update`` with β₁ = 0 and β₂ = 1/(1 + C²) at a constant
    ``lr`` (the paper's proof uses η/√t; the drift goes the same way).
    """
    spec = OPT[name]
    hyper = spec.defaults() | {"lr": lr, "beta1": 0.0, "beta2": reddi_beta2(c)}
    x = np.array([start])
    state, xs = spec.init(x), np.empty(steps)
    for t in range(1, steps + 1):
        updates, state = spec.update(np.array([reddi_gradient(t, c)]), state, x, **hyper)
        x = np.clip(x + updates, -1.0, 1.0)  # the problem's domain is [−1, 1]
        xs[t - 1] = x[0]
    return xs


def reddi_figure(runs: Mapping[str, np.ndarray]) -> dict:
    """x over the steps for each optimizer in ``runs``, with the optimum x = −1."""
    steps = max(len(xs) for xs in runs.values())
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "the optimum, x = −1",
            "x": [1, steps],
            "y": [-1.0, -1.0],
            "line": {"width": 2, "color": OPTIMUM_COLOUR, "dash": "dash"},
            "hoverinfo": "skip",
        }
    ]
    data += [
        {
            "type": "scatter",
            "mode": "lines",
            "name": OPT[name].label,
            "x": list(range(1, len(xs) + 1)),
            "y": np.round(xs, 4).tolist(),
            "line": {"width": 3, "color": colour(name)},
            "hovertemplate": f"{OPT[name].label}, t = %{{x}}: x = %{{y:.3f}}<extra></extra>",
        }
        for name, xs in runs.items()
    ]
    layout = {
        "height": SMALL_HEIGHT,
        "margin": {"l": 60, "r": 20, "t": 20, "b": 50},
        "font": FONT,
        "xaxis": {"title": {"text": "step t"}},
        "yaxis": {"title": {"text": "x"}, "range": [-1.1, 1.1]},
        "legend": {"orientation": "h", "y": -0.3},
    }
    return {"data": data, "layout": layout}


def bias_correction_figure(betas: Sequence[tuple[str, float]], steps: int = 100) -> dict:
    """The factor 1/(1 − βᵗ) by which Adam scales its moments, for each ``(label, β)``."""
    t = np.arange(1, steps + 1)
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": f"{label} = {beta:g}",
            "x": t.tolist(),
            "y": rounded(1.0 / (1.0 - np.float64(beta) ** t)) if beta < 1 else [],
            "line": {"width": 2, "dash": "solid" if i < 2 else "dot"},
            "hovertemplate": f"{label} = {beta:g}, t = %{{x}}: ×%{{y:.4g}}<extra></extra>",
        }
        for i, (label, beta) in enumerate(betas)
        if beta > 0
    ]
    layout = {
        "height": 320,
        "margin": {"l": 60, "r": 20, "t": 20, "b": 50},
        "font": FONT,
        "xaxis": {"title": {"text": "step t"}},
        "yaxis": {"type": "log", "title": {"text": "1 / (1 − βᵗ)"}},
        "legend": {"orientation": "h", "y": -0.25},
    }
    return {"data": data, "layout": layout}
