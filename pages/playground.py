"""The playground: optimizers race over a landscape while the learner moves the sliders."""

from __future__ import annotations

import numpy as np
import plotly.io as pio
import streamlit as st

import optim_core
from ui import cache, controls, figures, plotly_element, presets, report, state

problems = state.start_session(st.query_params.to_dict(), presets.SCENES)

# --- Controls (sidebar) ----------------------------------------------------------------------
with st.sidebar:
    st.selectbox(
        "Preset scene",
        ["", *presets.PRESETS],
        key="preset",
        format_func=lambda slug: presets.PRESETS[slug].title if slug else "— choose a scene —",
        on_change=presets.on_preset_change,
        help="Each preset sets every control to show one idea.",
    )

    st.subheader("Landscape")
    st.selectbox(
        "f(x, y)",
        [*optim_core.LANDSCAPES, "custom"],
        key="landscape",
        format_func=lambda n: (
            optim_core.LANDSCAPES[n].label if n != "custom" else "Custom f(x, y)…"
        ),
        on_change=state.on_landscape_change,
    )
    land_key, formula_error = state.landscape_key()
    if st.session_state["landscape"] == "custom":
        st.text_input(
            "Your f(x, y)",
            key="formula",
            max_chars=state.MAX_FORMULA_CHARS,
            help="Use x, y, numbers, + − * / ^, pi, e and sin, cos, exp, log, sqrt, abs, tanh …",
        )
        if formula_error:
            st.error(formula_error, icon=":material/edit:")
    else:
        for param in optim_core.LANDSCAPES[st.session_state["landscape"]].params:
            controls.param_slider(param, f"land_{param.name}")

    st.subheader("Optimizers")
    st.multiselect(
        "Race",
        list(optim_core.OPTIMIZERS),
        key="optimizers",
        format_func=lambda n: optim_core.OPTIMIZERS[n].label,
        max_selections=state.MAX_OPTIMIZERS,
    )
    for name in st.session_state["optimizers"]:
        spec = optim_core.OPTIMIZERS[name]
        with st.expander(spec.label, expanded=len(st.session_state["optimizers"]) <= 2):
            st.caption(spec.summary)
            for param in spec.hyperparams:
                controls.param_slider(param, state.hp_key(name, param.name))
            for choice in spec.options:
                controls.choice_input(choice, state.hp_key(name, choice.name))

    st.subheader("Run")
    left, right = st.columns(2)
    left.number_input("start x", key="x0", step=0.1, format="%.3f")
    right.number_input("start y", key="y0", step=0.1, format="%.3f")
    controls.param_slider(state.STEPS, "steps", label="steps")
    controls.param_slider(state.NOISE, "noise", label="gradient noise σ")
    if st.session_state["noise"] > 0:
        st.number_input("noise seed", 0, int(state.SEED.high), key="seed", step=1)
    st.selectbox(
        "learning-rate schedule",
        list(optim_core.SCHEDULES),
        key="schedule",
        format_func=lambda n: optim_core.SCHEDULES[n].label,
    )
    for param in optim_core.SCHEDULES[st.session_state["schedule"]].params:
        controls.param_slider(param, f"sched_{param.name}")
    controls.param_slider(state.TOL, "tol", label="convergence tolerance on f − f*")

scene = state.scene_from_widgets(st.session_state, preset=st.session_state.get("preset", ""))
land = cache.landscape(land_key)

# --- The race --------------------------------------------------------------------------------
st.title("Optimizer Playground")
for problem in problems:
    st.warning(
        f"Part of this link could not be used as it is: {problem}.", icon=":material/link_off:"
    )
if scene.preset in presets.PRESETS:
    preset = presets.PRESETS[scene.preset]
    st.info(f"**{preset.title}.** {preset.text}", icon=":material/visibility:")

start = (float(st.session_state["x0"]), float(st.session_state["y0"]))
schedule_key = (scene.schedule, tuple(scene.schedule_params().items()))
labels = [optim_core.OPTIMIZERS[n].label for n in scene.optimizers]
hyper = [scene.hyperparams(n) for n in scene.optimizers]
trajectories = [
    cache.trajectory(
        name,
        land_key,
        start,
        scene.steps,
        scene.noise,
        scene.seed,
        schedule_key,
        tuple(values.items()),
    )
    for name, values in zip(scene.optimizers, hyper, strict=True)
]
paths = [
    report.to_path(name, label, traj, land, start)
    for name, label, traj in zip(scene.optimizers, labels, trajectories, strict=True)
]
log_loss = land.f_min is not None and np.isfinite(land.f_min)
window = tuple(tuple(map(float, w)) for w in land.window)


def race_figure() -> dict:
    """The animated map-and-loss figure of this scene (also the HTML download)."""
    return figures.race_figure(
        cache.contour(land_key, window),
        paths,
        window,
        np.asarray(land.minima, dtype=float).reshape(-1, 2),
        steps=scene.steps,
        loss_title="f − f*" if log_loss else "f",
        log_loss=log_loss,
    )


view = st.radio(
    "View",
    list(state.VIEWS),
    key="view",
    format_func=state.VIEWS.get,
    horizontal=True,
    label_visibility="collapsed",
)
if view == "race":
    if plotly_element.available():
        plotly_element.plotly_element(
            race_figure(), key="map", clickable="click-grid", on_click=state.on_map_click
        )
    else:
        st.plotly_chart(
            figures.DictFigure(race_figure()),
            key="map",
            on_select=state.on_map_click,
            selection_mode="points",
            config={"displaylogo": False, "scrollZoom": False},
        )
    st.caption(
        "Press ▶ Play to race; drag the step slider to scrub. Click anywhere on the map to "
        "start the race there. Faint lines are each optimizer's whole path."
    )
else:
    surf_grid = cache.grid(land_key, window, cache.SURFACE_RESOLUTION)
    path_z = [cache.display_z(land, land.f(p.xy))[0] for p in paths]
    st.plotly_chart(
        figures.DictFigure(figures.surface_figure(surf_grid, paths, path_z)), key="surface"
    )

for note in report.divergence_notes(labels, trajectories, hyper):
    st.error(note, icon=":material/error:")

st.subheader("Who converges fastest?")
st.dataframe(
    report.comparison_rows(labels, trajectories, land, scene.tol),
    hide_index=True,
    width="stretch",
)

# --- Sharing and export ------------------------------------------------------------------------
state.finish_run(scene)
share, csv_col, html_col = st.columns([2, 1, 1])
share.caption("The address bar holds every setting: copy it to share this exact scene.")
csv_col.download_button(
    "Trajectories (CSV)",
    data=lambda: report.trajectories_csv(labels, trajectories),
    file_name="trajectories.csv",
    mime="text/csv",
    on_click="ignore",
)
html_col.download_button(
    "Animation (HTML)",
    data=lambda: pio.to_html(
        race_figure(),
        include_plotlyjs=True,
        full_html=True,
        validate=False,
    ),
    file_name="optimizer-race.html",
    mime="text/html",
    on_click="ignore",
)
