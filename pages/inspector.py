"""Inside the optimizer: why did it move there? One optimizer, step by step, with its numbers."""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st

import optim_core
from ui import cache, controls, explain, presets, report, routing, state
from ui.figures import encoding
from ui.figures import inspector as inspector_figures

routing.require_app_navigation()
problems = state.start_session(st.query_params.to_dict(), presets.SCENES)
PLAY_EVERY = 0.5  # seconds between frames while playing


def ab_difference(name: str, values_a: dict[str, object]) -> str:
    """What setting B changes from A now, and the idea B's first values show."""
    spec = optim_core.OPTIMIZERS[name]
    symbols = {p.name: p.symbol for p in spec.hyperparams}

    def shown(value: object) -> str:
        if isinstance(value, bool):
            return "on" if value else "off"
        return f"{value:g}" if isinstance(value, float | int) else str(value)

    changed = [
        f"{symbols.get(key, key.replace('_', ' '))} "
        f"({shown(st.session_state[f'ab_{name}_{key}'])} in B, {shown(value)} in A)"
        for key, value in values_a.items()
        if st.session_state[f"ab_{name}_{key}"] != value
    ]
    idea = explain.contrast(name, values_a)
    first = f" B's first values show one idea: {idea[2]}." if idea else ""
    if not changed:
        return "B is the same as A now." + first
    return "B differs from A in " + ", ".join(changed) + "." + first


# --- Controls (sidebar) ----------------------------------------------------------------------
with st.sidebar:
    st.subheader("Landscape")
    land_key, formula_error = state.landscape_key()
    controls.landscape_controls(formula_error)

    st.subheader("Optimizer")
    name = st.selectbox(
        "Look inside",
        list(optim_core.OPTIMIZERS),
        key="inspect",
        format_func=lambda n: optim_core.OPTIMIZERS[n].label,
    )
    spec = optim_core.OPTIMIZERS[name]
    with st.expander(f"{spec.label}: setting A", expanded=True):
        controls.hyperparameter_controls(name, functools.partial(state.hp_key, name))

    with st.expander("Compare with setting B"):
        show_b = st.toggle("show setting B", key="ab_on")
        values_a = {n: st.session_state[state.hp_key(name, n)] for n in spec.defaults()}
        for key, value in explain.setting_b(name, values_a).items():
            st.session_state.setdefault(f"ab_{name}_{key}", value)
        controls.hyperparameter_controls(name, lambda hyperparameter: f"ab_{name}_{hyperparameter}")
        st.caption(ab_difference(name, values_a))

    st.subheader("Run")
    controls.run_controls()

scene = state.scene_from_widgets(st.session_state, preset=st.session_state.get("preset", ""))
land = cache.landscape(land_key)
start = (float(st.session_state["x0"]), float(st.session_state["y0"]))


def run(values: dict[str, object]) -> optim_core.Trajectory:
    """This scene's run of the inspected optimizer with hyperparameters ``values``."""
    return cache.scene_trajectory(scene, land_key, start, name, values)


hyper_a = scene.hyperparams(name)
values_b = {n: st.session_state[f"ab_{name}_{n}"] for n in spec.defaults()}
traj = run(hyper_a)
run_b = run(values_b)
traj_b = run_b if show_b else None
# A's run on the other side of each of its switches (Adam's bias correction, momentum's
# convention): the arrows' scale counts them, so flipping a switch keeps the scale.
switched = {
    (choice.name, value): run({**hyper_a, choice.name: value})
    for choice in spec.options
    for value in choice.choices
    if value != hyper_a[choice.name]
}
other = switched.get(
    ("formulation", "classic" if hyper_a.get("formulation") == "pytorch" else "pytorch")
)

# --- Step and Play -----------------------------------------------------------------------------
st.title("Inside the optimizer")
controls.link_warnings(problems)
st.caption(
    f"Why did {spec.label} move there? Pick a step: the map shows the arrows of that step, the "
    "equations its numbers, the series below how the state evolved."
)

if st.session_state.get("inspect_step", 0) > scene.steps:
    st.session_state["inspect_step"] = scene.steps
playing = st.session_state.get("inspect_play", False)


@st.fragment(run_every=PLAY_EVERY if playing else None)
def player() -> None:
    """While Play is on, move the step slider forward and redraw the page."""
    ss = st.session_state
    if ss.pop("inspect_ticked", False) or not ss.get("inspect_play"):
        return  # the page run this tick asked for, or not playing
    ss["inspect_step"] = min(scene.steps, ss["inspect_step"] + max(1, scene.steps // 100))
    if ss["inspect_step"] >= scene.steps:
        ss["inspect_play"] = False
    ss["inspect_ticked"] = True
    st.rerun()


player()
play_col, step_col = st.columns([1, 6], vertical_alignment="bottom")
play_col.toggle("▶ Play", key="inspect_play")
k = step_col.slider("step k", 0, scene.steps, key="inspect_step")

# --- The map and the numbers ------------------------------------------------------------------
window = tuple(tuple(map(float, w)) for w in land.window)
runs = [
    inspector_figures.InspectedRun(
        f"{spec.label} (A)" if traj_b else spec.label,
        report.to_path(name, "", traj, land, start).xy,
        inspector_figures.inspected_colour(name),
    )
]
arrows = [
    inspector_figures.MapArrow(a.kind, a.label, a.origin, a.vector) for a in explain.arrows(traj, k)
]
# the points the rule keeps besides its iterate (schedule-free's y and z), as it declares them
points = [
    inspector_figures.MapPoint(p.name, p.meaning, p.xy, runs[0].colour)
    for p in explain.points(traj, k)
]
if traj_b is not None:
    runs.append(
        inspector_figures.InspectedRun(
            f"{spec.label} (B)",
            report.to_path(name, "", traj_b, land, start).xy,
            inspector_figures.SETTING_B_COLOUR,
            "dash",
        )
    )
    arrows += [
        inspector_figures.MapArrow(a.kind, f"{a.label} (B)", a.origin, a.vector, "dash")
        for a in explain.arrows(traj_b, k)
        if a.kind == "step"
    ]
if other is not None:
    runs.append(
        inspector_figures.InspectedRun(
            f"{other.hyperparams['formulation']} convention",
            report.to_path(name, "", other, land, start).xy,
            inspector_figures.CONVENTION_COLOUR,
            "dot",
        )
    )

# One arrow scale for A, B, both sides of A's switches and every step, so a learner can
# compare the arrows' lengths as they move the step or flip a switch.
span = min(hi - lo for lo, hi in window)
arrow_scale = inspector_figures.nice_scale(
    explain.typical_arrow([traj, run_b, *switched.values()]), span
)

STEP_LENGTHS_HELP = (
    "Lengths in the map's units. Every arrow on the map is drawn at the same factor, for A and "
    "B and whichever way a switch is set, so a longer arrow is a longer step."
)


def step_lengths(k: int) -> str:
    """The lengths of step ``k``'s arrows, as numbers: A's step, B's, and plain GD's."""
    if k == 0:
        return "Step 0: no step yet; the arrow is plain GD's first step −η∇L."
    a = explain.arrow_lengths(traj, k)
    parts = [f"‖step‖ = {a['step']:.4g} ({spec.label} A)" if "step" in a else "A diverged"]
    if traj_b is not None:
        b = explain.arrow_lengths(traj_b, k)
        parts.append(f"{b['step']:.4g} (B)" if "step" in b else "B diverged")
    if "gradient" in a:
        parts.append(f"plain GD's step ‖η∇L‖ from A's point = {a['gradient']:.4g}")
    return f"Step {k}: " + "; ".join(parts) + f". Arrows drawn ×{arrow_scale:g}."


map_col, numbers_col = st.columns([1, 1])
with map_col:
    map_spec = inspector_figures.inspector_map(
        cache.contour(land_key, window),
        window,
        np.asarray(land.minima, dtype=float).reshape(-1, 2),
        runs,
        k,
        arrows,
        scale=arrow_scale,
        points=points,
    )
    st.plotly_chart(
        encoding.DictFigure(map_spec),
        key="inspector_map",
        config={"displaylogo": False, "scrollZoom": False},
    )
    st.caption(step_lengths(k), help=STEP_LENGTHS_HELP)
    if other is not None:
        gap = float(np.nanmax(np.abs(traj.params - other.params)))
        if scene.schedule == "constant":
            st.caption(
                f"Dotted: the {other.hyperparams['formulation']} convention of momentum. Under a "
                f"constant η the two conventions give the same path (largest gap {gap:.2g}); "
                "choose a learning-rate schedule to see them part."
            )
        else:
            st.caption(
                f"Dotted: the {other.hyperparams['formulation']} convention. Under this schedule "
                f"the paths differ (largest gap {gap:.3g}): the classic velocity remembers the old "
                "learning rates, the pytorch one applies today's η to all of it."
            )


def explain_run(trajectory: optim_core.Trajectory, label: str) -> None:
    for sentence in explain.sentences(trajectory, k, label):
        st.info(sentence, icon=":material/lightbulb:")
    for equation in explain.equations(trajectory, k):
        st.latex(r"\small " + equation.latex)


with numbers_col:
    st.markdown(
        f"**Step {k}**: the update $w_{{{k - 1}}} \\to w_{{{k}}}$" if k else "**Step 0**: the start"
    )
    if traj_b is None:
        explain_run(traj, spec.label)
    else:
        tab_a, tab_b = st.tabs(["Setting A", "Setting B"])
        with tab_a:
            explain_run(traj, f"{spec.label} (A)")
        with tab_b:
            explain_run(traj_b, f"{spec.label} (B)")

# --- The state over time ---------------------------------------------------------------------
st.header("The state over time")
series_runs = [
    (
        f"{spec.label} (A)" if traj_b else spec.label,
        inspector_figures.inspected_colour(name),
        explain.series(traj),
    )
]
if traj_b is not None:
    series_runs.append(
        (f"{spec.label} (B)", inspector_figures.SETTING_B_COLOUR, explain.series(traj_b))
    )
st.plotly_chart(
    encoding.DictFigure(
        inspector_figures.inspector_series(
            series_runs, explain.SERIES_TITLES, explain.LOG_SERIES, k, scene.steps
        )
    ),
    key="inspector_series",
    config={"displaylogo": False},
)
st.caption(
    "Solid: x coordinate, dashed: y. Row t is the update from step t − 1 to t; the dotted line "
    "marks step k. Adaptive optimizers shrink the effective learning rate along the steep axis "
    "and grow it along the flat one."
)
state.finish_run(scene)
