"""Sweep maps: one outcome over a grid of two hyperparameters, with the theory beside it."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import streamlit as st

import optim_core
from optim_core.landscapes import QUADRATIC_L
from ui import cache, controls, plotly_element, presets, report, routing, state, waiting
from ui.figures import encoding, style
from ui.figures import sweep as sweep_figures

routing.require_app_navigation()
problems = state.start_session(st.query_params.to_dict(), presets.SCENES)
MAX_STEPS = 1000  # a sweep runs at most this many steps, whatever the playground's setting
GRID = (10, 200, 60, 10)  # grid size: low, high, default, step
OUTCOMES = {
    "gap": "final loss",
    "steps_to_tol": "steps to tolerance",
    "diverged": "diverged",
    "rate": "convergence rate per step",
}


def open_in_playground(pick: dict) -> None:
    """Make the scene show the clicked cell's hyperparameters, then open the playground."""
    scene = state.scene_from_widgets(st.session_state)
    name = pick["optimizer"]
    declared = {p.name: p for p in optim_core.OPTIMIZERS[name].hyperparams}
    # Exact, not snapped to the sliders' grid: the run opened is the cell's run.
    values = {k: v for k, v in pick["values"].items() if declared[k].contains(v)}
    optimizers = scene.optimizers if name in scene.optimizers else (name, *scene.optimizers)
    scene = dataclasses.replace(
        scene,
        hyper={**scene.hyper, name: {**scene.hyperparams(name), **values}},
        optimizers=optimizers[: state.MAX_OPTIMIZERS],
        preset="",
    )
    state.apply_scene(scene)
    st.switch_page("pages/playground.py")


def on_cell_click(name: str, cells: dict[str, tuple[tuple[float, ...], tuple[float, ...]]]) -> None:
    """Remember the clicked cell; the next run opens it in the playground.

    ``cells`` maps each axis to its values as drawn and as run. The click carries the drawn
    coordinate (six digits, 1 − β on a β axis); the cell is the nearest drawn value, and
    the value opened is the one the sweep ran there, to the last bit.
    """
    click = getattr(st.session_state.get("sweep_map"), "click", None)
    if isinstance(click, dict):
        coords = [click.get("x"), click.get("y")][: len(cells)]
        if all(isinstance(v, int | float) for v in coords):
            values = {}
            for (axis, (drawn, run)), v in zip(cells.items(), coords, strict=True):
                values[axis] = run[int(np.argmin(np.abs(np.asarray(drawn) - v)))]
            st.session_state["sweep_pick"] = {"optimizer": name, "values": values}


def race_in_playground(tuned: dict[str, float]) -> None:
    """Set each optimizer's η to its tuned value, then open the playground to race them."""
    scene = state.scene_from_widgets(st.session_state)
    hyper = {opt: {**scene.hyperparams(opt), "lr": lr} for opt, lr in tuned.items()}
    state.apply_scene(dataclasses.replace(scene, hyper={**scene.hyper, **hyper}, preset=""))
    st.switch_page("pages/playground.py")


if (pick := st.session_state.pop("sweep_pick", None)) is not None:
    open_in_playground(pick)
if (tuned := st.session_state.pop("sweep_race", None)) is not None:
    race_in_playground(tuned)


def drawn(param: optim_core.Param, values: np.ndarray) -> np.ndarray:
    """Where ``values`` sit on the map: a β axis is drawn in 1 − β on a log scale.

    Its values start at 1 − low and fall, so the axis runs from β = low to β = high.
    """
    values = np.asarray(values, dtype=float)
    return 1.0 - values if param.log_one_minus else values


def drawn_log(param: optim_core.Param) -> bool:
    """Whether ``param``'s axis is logarithmic (in the value, or in 1 − value)."""
    return param.log or param.log_one_minus


def label_in_value(figure: dict, axis: str, param: optim_core.Param, values: np.ndarray) -> dict:
    """Label a 1 − β axis of ``figure`` in β: ticks 0, 0.5, 0.9, 0.95, 0.99 … of the span.

    Returns ``figure``, changed in place; any other axis is left as it is.
    """
    if not param.log_one_minus:
        return figure
    lo, hi = float(np.min(values)), float(np.max(values))
    gaps = [1.0 - b for b in state.slider_grid(param) if lo <= b <= hi]
    # 1 − β = 1, 0.5, 0.1, 0.05 … (the mantissa read to three digits: 1 − 0.9 is 0.0999…)
    ticks = [g for g in gaps if float(f"{g:.3e}".split("e")[0]) in (1.0, 5.0)]
    ticks = ticks if len(ticks) >= 3 else gaps
    spec = figure["layout"][axis]
    spec["tickvals"] = ticks
    spec["ticktext"] = [controls.fmt(1.0 - g) for g in ticks]
    spec["title"] = {"text": f"{param.symbol} · {param.name} (log scale in 1 − {param.symbol})"}
    if "range" not in spec:  # a curve's axis: β grows to the right, as 1 − β falls
        spec["autorange"] = "reversed"
    return figure


def range_slider(param: optim_core.Param, key: str) -> tuple[float, float]:
    """A range over ``param``'s declared values (its slider's values when it has a grid).

    The default goes in ``value=``: a range slider is a range only when its value is a pair.
    """
    label = f"{param.symbol} range"
    full = (param.low, param.high)
    if grid := state.slider_grid(param):
        return st.select_slider(label, options=grid, value=full, key=key, format_func=controls.fmt)
    step = controls.linear_step(param)
    return st.slider(label, param.low, param.high, value=full, key=key, step=step)


# --- Controls (sidebar) ----------------------------------------------------------------------
with st.sidebar:
    st.subheader("Sweep")
    st.session_state.setdefault("sweep_opt", "momentum")
    name = st.selectbox(
        "Optimizer",
        list(optim_core.OPTIMIZERS),
        key="sweep_opt",
        format_func=lambda n: optim_core.OPTIMIZERS[n].label,
    )
    spec = optim_core.OPTIMIZERS[name]
    declared = {p.name: p for p in spec.hyperparams}
    label = {n: f"{p.symbol} · {n}" for n, p in declared.items()}
    # A map's hover names what its axis holds: 1 − β on a β axis.
    drawn_label = {
        n: f"1 − {p.symbol}" if p.log_one_minus else label[n] for n, p in declared.items()
    }
    x_name = st.selectbox("x axis", list(declared), key=f"sweep_x_{name}", format_func=label.get)
    y_choices = [n for n in declared if n != x_name]
    y_name = (
        st.selectbox("y axis", y_choices, key=f"sweep_y_{name}", format_func=label.get)
        if y_choices
        else None
    )
    axes = (x_name,) if y_name is None else (x_name, y_name)
    spans = {a: range_slider(declared[a], f"sweep_range_{name}_{a}") for a in axes}
    st.session_state.setdefault("sweep_n", GRID[2])
    n = st.slider("grid size (cells per axis)", *GRID[:2], key="sweep_n", step=GRID[3])
    outcome = st.radio("Outcome", list(OUTCOMES), key="sweep_outcome", format_func=OUTCOMES.get)
    controls.param_slider(state.TOL, "tol", label="convergence tolerance on f − f*")
    with st.expander("Other hyperparameters"):
        for param in spec.hyperparams:
            if param.name not in axes:
                controls.param_slider(param, state.hp_key(name, param.name))
        for choice in spec.options:
            controls.choice_input(choice, state.hp_key(name, choice.name))

    st.subheader("Landscape")
    land_key, formula_error = state.landscape_key()
    controls.landscape_controls(formula_error)
    st.subheader("Run")
    controls.run_controls()

scene = state.scene_from_widgets(st.session_state, preset=st.session_state.get("preset", ""))
land = cache.landscape(land_key)
start = (float(st.session_state["x0"]), float(st.session_state["y0"]))
steps = min(scene.steps, MAX_STEPS)
grid = {a: declared[a].spaced(n, spans[a]) for a in axes}
fixed = {k: v for k, v in scene.hyperparams(name).items() if k not in axes}

# --- The map ---------------------------------------------------------------------------------
st.title("Sweep maps")
controls.link_warnings(problems)
st.caption(
    f"{spec.label} on {land.label}: each cell is one run of {steps} steps from "
    f"({start[0]:.3g}, {start[1]:.3g}); the whole grid is one batched run. "
    "Click a cell to open it in the playground."
)
if scene.steps > MAX_STEPS:
    st.info(f"Sweeps run at most {MAX_STEPS} steps; the playground's {scene.steps} are capped.")

runs = n ** len(axes)
sweep_args = (
    name,
    land_key,
    start,
    steps,
    scene.noise,
    scene.seed,
    scene.schedule_key(),
    tuple(fixed.items()),
    tuple((a, tuple(grid[a].tolist())) for a in axes),
    scene.tol,
)
# Heavy: a 200 × 200 × 1,000 sweep takes seconds of a core, so it waits its turn in the pool.
result = waiting.computed(
    f"Sweep of {runs:,} runs × {steps} steps",
    ("sweep", *sweep_args),
    lambda: cache.sweep(*sweep_args),
)

has_min = report.knows_minimum(land)
diverged_at = result["diverged_at"]
with np.errstate(all="ignore"):
    if outcome == "gap":
        z = np.log10(np.maximum(result["gap"], 1e-16)) if has_min else result["gap"]
        z_title = "log₁₀(f − f*)" if has_min else "final f"
    elif outcome == "steps_to_tol":
        z = np.where(result["steps_to_tol"] >= 0, result["steps_to_tol"], np.nan)
        z_title = "steps to tol"
    elif outcome == "diverged":
        z = np.zeros(diverged_at.shape)
        z_title = "stayed bounded"
    else:
        z = np.minimum(result["rate"], 1.0)
        z_title = "rate ρ"
colorscale = [[0, "#4c78a8"], [1, "#4c78a8"]] if outcome == "diverged" else "Viridis"


def heatmap(z: np.ndarray, diverged: np.ndarray, **kwargs: object) -> dict:
    """A map over the two swept axes, each on its declared scale (see ``drawn``)."""
    px, py = declared[x_name], declared[y_name]
    figure = sweep_figures.sweep_heatmap(
        drawn(px, grid[x_name]),
        drawn(py, grid[y_name]),
        z,
        diverged,
        x_title=drawn_label[x_name],
        y_title=drawn_label[y_name],
        x_log=drawn_log(px),
        y_log=drawn_log(py),
        **kwargs,
    )
    label_in_value(figure, "xaxis", px, grid[x_name])
    return label_in_value(figure, "yaxis", py, grid[y_name])


# Each axis's values as the map draws them and as the sweep ran them, for a click to find.
cells = {a: (tuple(drawn(declared[a], grid[a]).tolist()), tuple(grid[a].tolist())) for a in axes}


def on_click_map(figure: dict) -> None:
    """Draw ``figure``; a click on a cell opens it in the playground where clicks work."""
    if plotly_element.available():
        plotly_element.plotly_element(
            figure,
            key="sweep_map",
            clickable="sweep",
            on_click=functools.partial(on_cell_click, name, cells),
        )
    else:
        st.plotly_chart(encoding.DictFigure(figure), key="sweep_map_static")


if y_name is None:
    curve = np.where(diverged_at[0] >= 0, np.nan, z[0])
    figure = sweep_figures.sweep_curve(
        drawn(declared[x_name], grid[x_name]),
        [(z_title, curve, style.colour(name), "solid")],
        x_title=drawn_label[x_name],
        y_title=z_title,
        x_log=drawn_log(declared[x_name]),
    )
    on_click_map(label_in_value(figure, "xaxis", declared[x_name], grid[x_name]))
else:
    on_click_map(
        heatmap(
            z,
            diverged_at,
            z_title=z_title,
            colorscale=colorscale,
            show_scale=outcome != "diverged",
        )
    )
share = float(np.mean(diverged_at >= 0))
st.caption(
    f"Grey cells diverged ({share:.0%} of the grid); blank cells "
    + ("never reached the tolerance." if outcome == "steps_to_tol" else "have no value.")
    + " Darker is better in every colour scale."
)

# --- Theory on the quadratic -------------------------------------------------------------------
theory_axes = {"momentum": {"lr", "beta"}, "gd": {"lr"}}
if land.name == "quadratic" and theory_axes.get(name) == set(axes):
    st.header("Theory beside the measurement")
    mu, L = QUADRATIC_L / land.values["kappa"], QUADRATIC_L
    gd, hb = optim_core.gd_optimum(mu, L), optim_core.heavy_ball_optimum(mu, L)
    # One short line per quantity: a display line wider than a phone's column scrolls in a
    # box that a keyboard cannot reach (axe-core's scrollable-region-focusable).
    st.latex(
        rf"\begin{{gathered}}\mu = {mu:.4g},\ L = {L:g},\ \kappa = {L / mu:.4g} \\ "
        rf"\text{{GD: }}\eta^* = \tfrac{{2}}{{L+\mu}} = {gd.lr:.4g} \\ "
        rf"\rho^* = \tfrac{{\kappa-1}}{{\kappa+1}} = {gd.rate:.4f}\end{{gathered}}"
    )
    st.latex(
        rf"\begin{{gathered}}\text{{heavy ball: }}"
        rf"\eta^* = \left(\tfrac{{2}}{{\sqrt L+\sqrt\mu}}\right)^2 = {hb.lr:.4g} \\ "
        rf"\beta^* = \left(\tfrac{{\sqrt\kappa-1}}{{\sqrt\kappa+1}}\right)^2 = {hb.beta:.4f}"
        rf" \\ \rho^* = \tfrac{{\sqrt\kappa-1}}{{\sqrt\kappa+1}} = {hb.rate:.4f}"
        rf"\end{{gathered}}"
    )
    measured = np.minimum(result["rate"], 1.0)
    if name == "gd":
        lrs = grid["lr"]
        analytic = optim_core.gd_rate(lrs, mu, L)
        st.plotly_chart(
            encoding.DictFigure(
                sweep_figures.sweep_curve(
                    lrs,
                    [
                        (
                            "measured",
                            np.where(diverged_at[0] >= 0, np.nan, measured[0]),
                            "#000000",
                            "solid",
                        ),
                        (
                            "analytic max|1 − ηλ|",
                            np.where(analytic < 1, analytic, np.nan),
                            sweep_figures.OPTIMUM_COLOUR,
                            "dash",
                        ),
                    ],
                    x_title=label["lr"],
                    y_title="rate ρ per step",
                    x_log=declared["lr"].log,
                    marks=[(gd.lr, "2/(L+μ)")],
                )
            ),
            key="theory_gd",
        )
    else:
        grid_x, grid_y = np.meshgrid(grid[x_name], grid[y_name])
        lr, beta = (grid_x, grid_y) if x_name == "lr" else (grid_y, grid_x)
        analytic = optim_core.momentum_rate(lr, beta, mu, L)
        optimum = {"lr": hb.lr, "beta": hb.beta}
        mark = tuple(float(drawn(declared[a], optimum[a])) for a in axes)
        z_lo = float(min(np.nanmin(analytic), hb.rate))
        common = {
            "z_title": "rate ρ",
            "z_range": (z_lo, 1.0),
            "marks": [(*mark, "(η*, β*)")],
            "height": 420,
        }
        left, right = st.columns(2)
        with left:
            st.plotly_chart(
                encoding.DictFigure(heatmap(measured, diverged_at, title="measured", **common)),
                key="theory_measured",
            )
        with right:
            st.plotly_chart(
                encoding.DictFigure(
                    heatmap(
                        np.where(analytic < 1, analytic, np.nan),
                        np.where(analytic < 1, -1, 0),
                        title="analytic: largest |eigenvalue| of the 2×2 iteration",
                        **common,
                    )
                ),
                key="theory_analytic",
            )
        st.caption(
            "Both momentum conventions (pytorch v ← βv + g, w ← w − ηv, and classic) are "
            "Polyak's heavy ball under a constant η, so one analytic map serves both. The "
            "measured rate is (E(t₂)/E(t₁))^(1/(2(t₂−t₁))) over the second half of each run, "
            'E the loss envelope. See Goh, "Why Momentum Really Works" (Distill, 2017).'
        )

state.finish_run(scene)

# --- A fair race ------------------------------------------------------------------------------
st.header("A fair race: each optimizer at its best η")
st.caption(
    "A race at one shared η favours whichever optimizer that η suits. Here each of the "
    f"playground's optimizers gets the η, among its slider's values, that ends lowest after "
    f"{scene.steps} steps on this landscape from this start — one batched run per optimizer."
)
if st.toggle("Tune η for each optimizer", key="sweep_fair"):
    schedule = scene.schedule_key()
    tune_args = tuple(
        (opt, land_key, start, scene.steps, scene.noise, scene.seed, schedule)
        + (tuple(scene.hyperparams(opt).items()),)
        for opt in scene.optimizers
    )
    tuned = waiting.computed(
        f"Tuning η for {len(tune_args)} optimizers",
        ("tune", *tune_args),
        lambda: {args[0]: cache.tuned_lr(*args) for args in tune_args},
    )
    st.dataframe(
        [
            {
                "optimizer": optim_core.OPTIMIZERS[opt].label,
                "playground η": scene.hyperparams(opt)["lr"],
                "tuned η": lr,
                f"final {'f − f*' if has_min else 'f'} after {scene.steps} steps": gap,
            }
            for opt, (lr, gap) in tuned.items()
        ],
        hide_index=True,
    )
    st.button(
        "Race them at these η in the playground",
        icon=":material/sports_score:",
        on_click=lambda: st.session_state.update(
            sweep_race={opt: lr for opt, (lr, _) in tuned.items() if lr is not None}
        ),
    )

# --- Robustness to the start point -------------------------------------------------------------
ROBUST_STARTS = 25  # start points per axis
st.header("Robustness to the start point")
if st.toggle(
    "Run every optimizer from a grid of starts",
    key="sweep_robust",
    help="Each optimizer, with its playground settings, from 25 × 25 starts over the window.",
):
    minima = np.asarray(land.minima, dtype=float).reshape(-1, 2)
    if len(minima) == 0:
        st.info("This landscape has no known global minimum to reach.")
    else:
        (wx0, wx1), (wy0, wy1) = land.window
        radius = 0.02 * float(np.hypot(wx1 - wx0, wy1 - wy0))
        names = list(optim_core.OPTIMIZERS)
        robust_args = tuple(
            (land_key, opt, tuple(scene.hyperparams(opt).items()), steps, ROBUST_STARTS, radius)
            for opt in names
        )
        reached = waiting.computed(
            f"Runs from {ROBUST_STARTS * ROBUST_STARTS} starts for {len(names)} optimizers",
            ("robustness", *robust_args),
            lambda: {args[1]: cache.robustness(*args) for args in robust_args},
        )
        labels = [optim_core.OPTIMIZERS[opt].label for opt in names]
        st.plotly_chart(
            encoding.DictFigure(
                sweep_figures.share_bars(names, labels, [reached[o].mean() for o in names])
            ),
            key="robust_bars",
        )
        xs = np.linspace(wx0, wx1, ROBUST_STARTS)
        ys = np.linspace(wy0, wy1, ROBUST_STARTS)
        columns = st.columns(4)
        for i, (opt, text) in enumerate(zip(names, labels, strict=True)):
            with columns[i % 4]:
                st.plotly_chart(
                    encoding.DictFigure(
                        sweep_figures.start_map(
                            xs, ys, reached[opt], minima, title=f"{text}: {reached[opt].mean():.0%}"
                        )
                    ),
                    key=f"robust_{opt}",
                )
        st.caption(
            f"Blue starts end within {radius:.3g} of a global minimum (×) after {steps} steps, "
            "with each optimizer's playground settings; grey starts end elsewhere or diverge."
        )
