"""The playground: optimizers race over a landscape while the learner moves the sliders."""

from __future__ import annotations

import json

import numpy as np
import plotly.io as pio
import streamlit as st

import optim_core
from ui import cache, controls, figures, gif, plotly_element, presets, report, routing, state

routing.require_app_navigation()
problems = state.start_session(st.query_params.to_dict(), presets.SCENES)

# A teacher's link may hide controls (ui.state.Classroom); hidden ones keep the link's values.
classroom: state.Classroom = st.session_state[state.CLASSROOM_KEY]
shows = classroom.shows

RACE = "race"  # the fragment that draws the race (see race())


def rerun_race() -> None:
    """The callback of a slider that changes only the race: rerun the race, not the page.

    The learner's everyday move, η or β, then costs the server the race alone and the
    browser the map and the table, not the thirty controls of the sidebar.
    """
    st.rerun(RACE)


# --- Controls (sidebar) ----------------------------------------------------------------------
# Drawn after the race (see the end of the page): every widget's value is in session state
# before the script starts, so the race is computed and sent first.
def sidebar_controls(formula_error: str | None) -> None:
    with st.sidebar:
        if shows("preset"):
            st.selectbox(
                "Preset scene",
                ["", *presets.PRESETS],
                key="preset",
                format_func=presets.title_of,
                on_change=presets.on_preset_change,
                help="Each preset sets every control to show one idea.",
            )

        if shows("landscape"):
            st.subheader("Landscape")
            controls.landscape_controls(formula_error)

        st.subheader("Optimizers")
        controls.optimizer_controls("Race", "optimizers", shows, on_change=rerun_race)

        if any(map(shows, ("start", "steps", "noise", "schedule", "tol"))):
            st.subheader("Run")
            controls.run_controls(shows, on_change=rerun_race)
            if shows("tol"):
                controls.param_slider(
                    state.TOL, "tol", label="convergence tolerance on f − f*", on_change=rerun_race
                )

        if not classroom.challenge:
            st.toggle(
                "Challenge: predict the winner",
                key="challenge",
                help="Hide the race until you have guessed which optimizer converges first.",
            )


# --- The race --------------------------------------------------------------------------------
@st.fragment(key=RACE)
def race(land_key: tuple) -> None:
    """The race of the scene the widgets show: map and loss, notes, table, downloads, link.

    A fragment: a slider that calls ``rerun_race`` reruns only this. ``land_key`` comes
    from the full run, as only controls outside the fragment change the landscape.
    """
    scene = state.scene_from_widgets(st.session_state, preset=st.session_state.get("preset", ""))
    scene_key = state.challenge_key(scene)  # names the race: its figure's cache key, its challenge
    land = cache.landscape(land_key)
    start = (float(st.session_state["x0"]), float(st.session_state["y0"]))
    labels = [optim_core.OPTIMIZERS[n].label for n in scene.optimizers]
    hyper = [scene.hyperparams(n) for n in scene.optimizers]
    trajectories = [
        cache.scene_trajectory(scene, land_key, start, name, values)
        for name, values in zip(scene.optimizers, hyper, strict=True)
    ]
    # The legend states each run's η, so a race at tuned η says so on the chart.
    paths = [
        report.to_path(name, f"{label} (η = {values['lr']:g})", traj, land, start)
        for name, label, values, traj in zip(
            scene.optimizers, labels, hyper, trajectories, strict=True
        )
    ]
    log_loss = land.f_min is not None and np.isfinite(land.f_min)
    window = tuple(tuple(map(float, w)) for w in land.window)
    minima = np.asarray(land.minima, dtype=float).reshape(-1, 2)

    # In a challenge the race stays hidden (only the start is drawn) until the learner guessed.
    revealed = True
    if st.session_state.get("challenge"):
        revealed, guess = controls.challenge_card(scene, labels, scene_key)
        if revealed:
            right, sentence = report.challenge_verdict(
                scene.optimizers, labels, trajectories, scene.tol, guess
            )
            if right:
                st.success(f"Right! {sentence}", icon=":material/check_circle:")
            else:
                st.error(f"Not this time. {sentence}", icon=":material/cancel:")
    shown = paths if revealed else [report.start_only(p) for p in paths]

    def race_figure_json(*, player: bool = True, click_targets: int = 0) -> str:
        """The animated map-and-loss figure of this scene as JSON.

        With plotly's own player for the HTML download and the fallback chart; the app's
        element draws its own (see ``ui.plotly_element``).
        """
        return cache.figure_json(
            ("race", scene_key, land_key, revealed, player, click_targets),
            lambda: figures.race_figure(
                cache.contour(land_key, window),
                shown,
                window,
                minima,
                steps=scene.steps,
                loss_title="f − f*" if log_loss else "f",
                log_loss=log_loss,
                player=player,
                click_targets=click_targets,
            ),
        )

    if scene.view == "race":
        if plotly_element.available():
            plotly_element.plotly_element(
                race_figure_json(player=False),
                key="map",
                height=figures.RACE_HEIGHT,
                config={"modeBarButtonsToRemove": ["select2d", "lasso2d"], "scrollZoom": False},
                click_anywhere=shows("start"),
                player_frame_ms=figures.FRAME_MS,
                html_legend=True,
                on_click=state.on_map_click,
            )
        else:
            st.plotly_chart(
                figures.DictFigure(json.loads(race_figure_json(click_targets=20))),
                key="map",
                on_select=state.on_map_click if shows("start") else "ignore",
                selection_mode="points",
                config={"displaylogo": False, "scrollZoom": False},
            )
    else:
        surf_grid = cache.grid(land_key, window, cache.SURFACE_RESOLUTION)
        path_z = [cache.display_z(land, land.f(p.xy))[0] for p in shown]
        st.plotly_chart(
            figures.DictFigure(figures.surface_figure(surf_grid, shown, path_z)), key="surface"
        )

    if revealed:
        for note in report.divergence_notes(labels, trajectories, hyper):
            st.error(note, icon=":material/error:")

    if revealed and shows("table"):
        # One static element: the data grid, or st.table's Markdown cells, cost every slider
        # move far more to redraw.
        rows = report.as_text(report.comparison_rows(labels, trajectories, land, scene.tol))
        st.html(report.as_html_table(rows, "Who converges fastest?"))

    state.finish_run(scene)  # the link in the address bar follows every move
    # What the downloads, drawn by the full run below, export when clicked.
    exports.update(
        revealed=revealed,
        csv=lambda: report.trajectories_csv(labels, trajectories),
        html=lambda: pio.to_html(
            json.loads(race_figure_json()), include_plotlyjs=True, full_html=True, validate=False
        ),
        gif=lambda: gif.race_gif(
            cache.grid(land_key, window, cache.CONTOUR_RESOLUTION).z,
            window,
            paths,
            minima,
            steps=scene.steps,
            title=land.label,
        ),
    )
    if not exports["full_run"] and revealed != exports.get("drawn_revealed", revealed):
        st.rerun()  # a challenge was revealed or begun: the downloads must show or hide
    if not classroom.hidden:
        controls.exercise_link(scene)


def downloads() -> None:
    """The race as CSV, HTML and GIF, made when clicked from what the race last drew."""
    share, csv_col, html_col, gif_col = st.columns([2, 1, 1, 1])
    share.caption("The address bar holds every setting: copy it to share this exact scene.")
    exports["drawn_revealed"], exports["full_run"] = exports["revealed"], False
    if not (exports["revealed"] and shows("downloads")):
        return
    csv_col.download_button(
        "Trajectories (CSV)",
        data=lambda: exports["csv"](),
        file_name="trajectories.csv",
        mime="text/csv",
        on_click="ignore",
    )
    html_col.download_button(
        "Animation (HTML)",
        data=lambda: exports["html"](),
        file_name="optimizer-race.html",
        mime="text/html",
        on_click="ignore",
    )
    gif_col.download_button(
        "Animation (GIF)",
        data=lambda: exports["gif"](),
        file_name="optimizer-race.gif",
        mime="image/gif",
        on_click="ignore",
        help="For slides: the race as an animated picture that loops.",
    )


# --- The page ----------------------------------------------------------------------------------
land_key, formula_error = state.landscape_key()  # the error shows under the formula box
# This session's latest race, for the downloads: the race's fragment reruns without them.
exports: dict = st.session_state.setdefault("race_exports", {})
exports["full_run"] = True  # until downloads() is drawn: a fragment's run leaves it False
st.title("Optimizer Playground")
controls.link_warnings(problems)
preset = presets.PRESETS.get(st.session_state.get("preset", ""))
if preset is not None:
    st.info(f"**{preset.title}.** {preset.text}", icon=":material/visibility:")
if shows("view"):
    st.radio(
        "View",
        list(state.VIEWS),
        key="view",
        format_func=state.VIEWS.get,
        horizontal=True,
        label_visibility="collapsed",
    )
if st.session_state.get("view", "race") == "race":
    st.caption(
        "Press ▶ Play to race; drag the step slider to scrub."
        + (" Click anywhere on the map to start the race there." if shows("start") else "")
        + " Faint lines are each optimizer's whole path."
    )
race(land_key)
downloads()
sidebar_controls(formula_error)
