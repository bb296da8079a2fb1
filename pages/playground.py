"""The playground: optimizers race over a landscape while the learner moves the sliders."""

from __future__ import annotations

import dataclasses
import json
import urllib.parse

import numpy as np
import plotly.io as pio
import streamlit as st

import optim_core
from ui import (
    cache,
    controls,
    design_element,
    gif,
    janitor,
    plotly_element,
    presets,
    report,
    routing,
    state,
    wire,
)
from ui.figures import encoding, landscape, player
from ui.figures import race as race_figures

routing.require_app_navigation()
# The racing optimizers' sliders and the landscape's are on the page itself, beside the map:
# the sidebar (the preset, the optimizers, the run) opens on a click.
st.set_page_config(initial_sidebar_state="collapsed")
problems = state.start_session(st.query_params.to_dict(), presets.SCENES)

# A teacher's link may hide controls (ui.state.Classroom); hidden ones keep the link's values.
classroom: state.Classroom = st.session_state[state.CLASSROOM_KEY]
shows = classroom.shows

RACE = "race"  # the fragment that draws the race (see race())
PRESENT = "present"  # presentation mode's switch, kept in the link (ui.state.Classroom)
DOWNLOADS_OPEN = "open_downloads"  # the state of the downloads' popover


def sharing_open() -> bool:
    """Whether the downloads or the exercise link builder is open: the full run draws them,
    from the scene the race leaves (see ``sharing``), so a move reruns the whole page."""
    return any(st.session_state.get(k) for k in (DOWNLOADS_OPEN, controls.EXERCISE_OPEN))


def rerun_only(*fragments: str) -> None:
    """A control's callback that changes only ``fragments``: rerun them, not the page.

    The learner's everyday move, η or β, then costs the server the race alone and the
    browser the map, not the thirty controls of the sidebar (the whole page while
    ``sharing_open``).
    """
    if sharing_open():
        st.rerun()
    st.rerun(list(fragments))


def rerun_race() -> None:
    """The callback of a control that changes only the race (η, β, κ, the steps …)."""
    rerun_only(RACE)


LANDSCAPE = "landscape_panel"  # the fragment of the landscape's controls (see landscape_panel())


def map_in_element() -> bool:
    """Whether the race is drawn in the map's element (``race_element``), which then also
    draws the landscape's controls; else in Streamlit's chart, with the landscape's card."""
    return st.session_state.get("view", "race") == "race" and plotly_element.available()


def on_map_landscape() -> None:
    """The landscape's controls in the map's element: a new landscape, parameter or formula.

    They are the race's own: a move is one run of the race, where a widget's is two (its
    fragment's, which hands the move to the race, then the race's). A move the app cannot
    take (from the page, where anyone may send anything) changes nothing and is said at the
    page's next full run, as a refused widget value is.
    """
    told = getattr(st.session_state.get("map"), "landscape", None)
    if not shows("landscape"):  # a teacher's link fixes it: the element draws no controls
        wire.refuse(["landscape: this link fixes the landscape"])
        return
    changes, problem = state.landscape_move(told, st.session_state["landscape"])
    if problem:
        wire.refuse([problem])
        return
    st.session_state.update(changes)
    picked = "landscape" in changes
    if picked:
        state.on_landscape_change()
    start_drawn = picked and shows("start") and sidebar_drawn()  # its fragment is the sidebar's
    if start_drawn or sharing_open():
        rerun_only(*([controls.START] if start_drawn else []), RACE)


def rerun_landscape() -> None:
    """The landscape picker's callback: the new landscape's controls, its start and the race
    rerun, not the page (whose other controls a landscape does not change)."""
    state.on_landscape_change()
    start_drawn = shows("start") and sidebar_drawn()  # its fragment is in the sidebar
    rerun_only(LANDSCAPE, *([controls.START] if start_drawn else []), RACE)


def rerun_formula() -> None:
    """The formula box's callback: its error (under it) and the race rerun, not the page."""
    rerun_only(LANDSCAPE, RACE)


@st.fragment(key=LANDSCAPE)
def landscape_panel() -> None:
    """The landscape's controls: a fragment, so that a new landscape redraws them alone.

    Its parameters (κ, θ …) change only the race: their moves rerun it as η's do.
    """
    formula_error = state.landscape_key()[1]  # the race, drawn first, has read the same
    controls.landscape_controls(
        formula_error, on_pick=rerun_landscape, on_change=rerun_race, on_formula=rerun_formula
    )


# --- The cards beside the map ------------------------------------------------------------------
CARDS = "cards"  # the fragment of the optimizers' and the landscape's cards (see cards())


def as_the_map_says(key: str) -> bool:
    """Whether to draw what waits for the map's element's word: what it last said (session
    state ``key``). A view without the element (the 3D surface, or a static folder Streamlit
    cannot serve) draws it at once, as does a session with no browser behind it (no request
    headers: AppTest), where nothing would say so."""
    if st.session_state.get("view", "race") != "race" or not plotly_element.available():
        return True
    told = st.session_state.get(key)
    return told if told is not None else not st.context.headers


DESIGN = "sliders"  # the design element's key (see cards())
DESIGN_MOVES = "design_moves"  # session state: the design element's moves the page took


def on_design_move() -> None:
    """A move of the design element's sliders: η, a β, an option of a racing optimizer.

    Only the race reruns, as for the widgets' moves. A move the app cannot take (from the
    page, where anyone may send anything) changes nothing and is said at the page's next
    full run, as a refused widget value is.
    """
    told = getattr(st.session_state.get(DESIGN), "move", None)
    changes, problem = state.design_move(told, st.session_state["optimizers"], shows)
    if problem:
        wire.refuse([problem])
        return
    st.session_state.update(changes)
    st.session_state[DESIGN_MOVES] = st.session_state.get(DESIGN_MOVES, 0) + 1
    rerun_race()


@st.fragment(key=CARDS)
def cards() -> None:
    """Each racing optimizer's card of sliders, then the landscape's: the race's design.

    The cards are one element of native inputs (``ui.design_element``): Streamlit's widgets
    would cost every message of every move a React pass over each of them. The page's first
    run draws them with the map: as widgets, mounting them held the first map ~250 ms; as
    this element, the first map took 1.01x the time it takes without them, and the sliders
    came 0.49-0.50x as late as a run after the map (bench/bench_latency.py, page load).
    """
    racing = list(st.session_state["optimizers"])
    if design_element.available():
        design_element.design_element(
            controls.design_spec(racing, shows),
            key=DESIGN,
            revision=st.session_state.get(DESIGN_MOVES, 0),
            on_move=on_design_move,
        )
    else:  # the sliders' own fragments start a move's run; rerun_race hands it to the race
        controls.design_controls(racing, shows, on_change=rerun_race, own_runs=True)
    if shows("landscape") and not map_in_element():
        with st.container(key="landscape_card", border=True):
            st.markdown(
                "**Landscape**",
                help="The function f(x, y) the optimizers descend, and what reshapes it.",
            )
            landscape_panel()


# --- Controls (sidebar) ----------------------------------------------------------------------
SIDEBAR_OPEN = "sidebar_open"  # session state: what the map's element last said of the sidebar


def sidebar_drawn() -> bool:
    """Whether the page draws the sidebar's controls: while the sidebar is open.

    A collapsed sidebar's controls still cost every Streamlit message a move makes a React
    pass over them (an η move ran 1.26-1.27x the bare app's with them, 1.14-1.18x without:
    bench/bench_latency.py, sidebar collapsed). The map's element says when the sidebar
    opens or closes (``on_sidebar``), and the page is drawn again. A browser's page starts
    with it collapsed (page config).
    """
    return as_the_map_says(SIDEBAR_OPEN)


def on_sidebar() -> None:
    """The map's element: the sidebar opened or closed. Draw the page again for it."""
    told = getattr(st.session_state.get("map"), "sidebar", None)
    if isinstance(told, bool):  # from the page, where anyone may send anything
        st.session_state[SIDEBAR_OPEN] = told
        if not told:  # its sharing tools close with it: a move reruns the race alone again
            for key in (DOWNLOADS_OPEN, controls.EXERCISE_OPEN):
                st.session_state.pop(key, None)
        st.rerun()  # the whole page: the sidebar's controls come or go


# Drawn after the race (see the end of the page): every widget's value is in session state
# before the script starts, so the race is computed and sent first.
def sidebar_controls() -> None:
    with st.sidebar:
        if not sidebar_drawn():
            # Something to open: Streamlit offers no sidebar without content.
            st.caption("The preset, the optimizers and the run; downloads and exercise links.")
            return
        if shows("preset"):
            st.selectbox(
                "Preset scene",
                ["", *presets.PRESETS],
                key="preset",
                format_func=presets.title_of,
                on_change=presets.on_preset_change,
                help="Each preset sets every control to show one idea.",
            )

        st.subheader("Optimizers")
        controls.optimizer_controls("Race", "optimizers", shows)  # their sliders: the stage

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
        st.toggle(
            "Presentation mode",
            key=PRESENT,
            help="For a projector: the map and the loss fill the screen in large type, and "
            "keys drive the race: space plays or pauses, ← → step, + − speed, f full screen. "
            "The link keeps it (present=1).",
        )
        sharing()


# --- The race --------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Race:
    """A scene's runs on its landscape, as the map, the table and the downloads use them."""

    scene: state.Scene
    key: str  # names the race: its figure's cache key, its challenge
    land_key: tuple
    land: optim_core.Landscape
    labels: list[str]
    hyper: list[dict]
    trajectories: list[optim_core.Trajectory]
    paths: list[landscape.Path]
    revealed: bool

    @property
    def window(self) -> tuple:
        return tuple(tuple(map(float, w)) for w in self.land.window)

    @property
    def minima(self) -> np.ndarray:
        return np.asarray(self.land.minima, dtype=float).reshape(-1, 2)

    @property
    def log_loss(self) -> bool:
        """Whether the loss panel plots the gap to a known minimum (on a log scale)."""
        return report.knows_minimum(self.land)

    @property
    def loss_title(self) -> str:
        return "f − f*" if self.log_loss else "f"

    @property
    def shown(self) -> list[landscape.Path]:
        """The paths as drawn: only their start while a challenge is not yet revealed."""
        return self.paths if self.revealed else [report.start_only(p) for p in self.paths]

    def figure_json(
        self, *, element: bool = False, click_targets: int = 0, present: bool = False
    ) -> str:
        """The animated map-and-loss figure as JSON, cached across sessions.

        With plotly's own player and frames for the HTML download and the fallback chart;
        for the app's ``element``, which draws its own player and builds the frames from
        the figure's ``motion`` (see ``ui.plotly_element``), neither.
        """
        return cache.figure_json(
            ("race", self.key, self.land_key, self.revealed, element, click_targets, present),
            lambda: race_figures.race_figure(
                cache.contour(self.land_key, self.window),
                self.shown,
                self.window,
                self.minima,
                steps=self.scene.steps,
                loss_title=self.loss_title,
                log_loss=self.log_loss,
                player=not element,
                motion=element,
                click_targets=click_targets,
                present=present,
            ),
        )


def run_race(scene: state.Scene, land_key: tuple) -> Race:
    """Every optimizer of ``scene`` on the landscape ``land_key``, through the caches."""
    land = cache.landscape(land_key)
    start = scene.start if scene.start is not None else land.start
    labels = [optim_core.OPTIMIZERS[n].label for n in scene.optimizers]
    hyper = [scene.hyperparams(n) for n in scene.optimizers]
    trajectories = [
        cache.scene_trajectory(scene, land_key, start, name, values)
        for name, values in zip(scene.optimizers, hyper, strict=True)
    ]
    # The legend states each run's design (η, its β's, what differs from the defaults), so
    # a race at tuned values says so on the chart.
    paths = [
        report.to_path(name, report.run_label(name, values), traj, land, start)
        for name, values, traj in zip(scene.optimizers, hyper, trajectories, strict=True)
    ]
    key = state.challenge_key(scene)
    return Race(scene, key, land_key, land, labels, hyper, trajectories, paths, revealed=True)


# A preset's text describes its scene: once the controls leave that scene, the map says so.
# (A teacher's link may change a preset's scene too: the sentence does not say who did.)
CHANGED = "The scene has changed: the text above describes the preset as it was set."
RESTORE = "restore-preset"  # the notice's button, in the map's element (report.notice_html)
# Restoring sets every control, hidden ones too: only where a teacher's link hides none.
RESTORABLE = not classroom.hidden


def restore_preset() -> None:
    """Set every control back to the chosen preset's scene."""
    presets.on_preset_change()
    st.rerun()  # the whole page: the sidebar's controls show the preset's values again


def on_map_action() -> None:
    """A button in the map's element: the changed preset's "Restore the preset"."""
    if getattr(st.session_state.get("map"), "action", None) == RESTORE:
        restore_preset()


def on_map_restore() -> None:
    """The page came back on a new server session (a restarted server, a lost replica) with
    the learner's scene in its address bar, which the map's element kept: show that scene.
    The query is the browser's, read as any link is (``state.scene_from_query``)."""
    query = getattr(st.session_state.get("map"), "restore", None)
    try:
        values = dict(urllib.parse.parse_qsl(str(query), max_num_fields=RESTORE_FIELDS))
    except ValueError:  # more fields than a scene has: not a link of this app
        return
    scene, _ = state.scene_from_query(values, presets.SCENES)
    state.apply_scene(scene)
    st.session_state["preset"] = scene.preset
    st.session_state[PRESENT] = state.classroom_from_query(values)[0].present
    st.rerun()


RESTORE_FIELDS = 200  # a scene's link has fewer than 60


def preset_changed(scene: state.Scene) -> bool:
    """Whether the race of ``scene`` is no longer that of the preset the page describes."""
    preset = presets.PRESETS.get(scene.preset)
    return preset is not None and state.scene_changed(scene, preset.scene)


@st.fragment(key=RACE)
def race() -> None:
    """The race of the scene the widgets show: the map and loss with the table, and notes.

    A fragment: a slider that calls ``rerun_race`` reruns only this, the landscape's too.
    As few elements as the race needs: every one costs each slider move time in the browser.
    """
    janitor.note_activity()  # a slider move runs this alone, not app.py: the class is here
    land_key, formula_error = state.landscape_key()
    # From a copy: the scene reads ~200 values, ten times slower one by one through
    # st.session_state (about 2 ms of every move).
    values = st.session_state.to_dict()
    scene = state.scene_from_widgets(values, preset=values.get("preset", ""))
    this = run_race(scene, land_key)
    in_element = map_in_element()

    # In a challenge the race stays hidden (only the start is drawn) until the learner guessed,
    # and while a teacher builds a challenge's link, as its students will first see it.
    verdict = None
    if st.session_state.get("challenge"):
        known = report.knows_minimum(this.land)
        revealed, guess = controls.challenge_card(
            scene, this.labels, this.key, verdict_at_end=in_element, known_minimum=known
        )
        this = dataclasses.replace(this, revealed=revealed)
        if revealed:
            verdict = report.challenge_verdict(
                scene.optimizers,
                this.labels,
                this.trajectories,
                scene.tol,
                guess,
                known_minimum=known,
            )
    if controls.previewing_challenge():
        this, verdict = dataclasses.replace(this, revealed=False), None

    table = ""
    if this.revealed and shows("table"):
        rows = report.comparison_rows(this.labels, this.trajectories, this.land, scene.tol)
        table = report.as_html_table(report.as_text(rows), report.table_caption(this.land))
    notes = report.divergence_notes(this.labels, this.trajectories, this.hyper)
    notes = notes if this.revealed else []
    changed = preset_changed(scene)

    if in_element:
        landscape_row = controls.landscape_spec(formula_error) if shows("landscape") else None
        url_kept = race_element(this, table, verdict, notes, changed, landscape_row)
    else:
        race_chart(this, table, verdict, notes, changed)
        url_kept = False
    # The link in the address bar follows every move: the element puts it there, or else
    # st.query_params (which costs a redraw of the whole page in the browser).
    state.finish_run(scene, url=not url_kept)


def race_element(
    this: Race,
    table: str,
    verdict: tuple[bool, str] | None,
    notes: list[str],
    changed: bool,
    landscape_row: dict | None,
) -> bool:
    """The race in the map's element, with what goes with it: one element to redraw.

    ``landscape_row``: the landscape's controls (``controls.landscape_spec``), drawn above
    the map by the element itself, whose moves rerun the race alone (``on_map_landscape``).

    A challenge's verdict (and its table and notes) waits for the race's last step, and a
    reveal plays the race from step 0: the learner watches the race before the answer.
    Returns whether the element keeps the address bar.
    """
    end_html = None
    if verdict is not None:
        end_html = report.verdict_html(*verdict) + report.notes_html(notes) + table
        table, notes = "", []
    present = bool(st.session_state.get(PRESENT))
    url_kept = plotly_element.plotly_element(
        this.figure_json(element=True, present=present),
        key="map",
        height=race_figures.RACE_HEIGHT,
        config={"modeBarButtonsToRemove": ["select2d", "lasso2d"], "scrollZoom": False},
        click_anywhere=shows("start"),
        player_frame_ms=player.FRAME_MS,
        html_legend=True,
        below_html=table,
        end_html=end_html,
        play_from=controls.reveal_token() if verdict is not None else None,
        above_html=preset_notice() if changed else None,
        url_query=state.url_query(this.scene),
        fit=True,
        present=present,
        label=f"Map of {this.land.label} with each optimizer's path; beside it, "
        f"{this.loss_title} by step",
        # Who leads, in words, once the race is on show (a challenge's is not, until the guess).
        leader={"names": this.labels, "quantity": this.loss_title} if this.revealed else None,
        session=state.session_token(),
        on_click=state.on_map_click,
        on_action=on_map_action,
        on_restore=on_map_restore,
        landscape=landscape_row,
        on_landscape=on_map_landscape,
        sidebar_drawn=sidebar_drawn(),
        on_sidebar=on_sidebar,
    )
    for note in notes:
        st.error(note, icon=":material/error:")
    return url_kept


def preset_notice() -> str:
    """The changed preset's notice as the map's element draws it, with its button."""
    if RESTORABLE:
        return report.notice_html(CHANGED, RESTORE, "Restore the preset")
    return report.notice_html(CHANGED)


def race_chart(
    this: Race,
    table: str,
    verdict: tuple[bool, str] | None,
    notes: list[str],
    changed: bool,
) -> None:
    """The race in Streamlit's own chart (the 3D view, or where the element cannot load)."""
    if changed:
        st.warning(CHANGED, icon=":material/edit:")
        if RESTORABLE:
            st.button("Restore the preset", key="restore_preset", on_click=restore_preset)
    if verdict is not None:
        right, sentence = verdict
        if right:
            st.success(f"Right! {sentence}", icon=":material/check_circle:")
        else:
            st.error(f"Not this time. {sentence}", icon=":material/cancel:")
    if this.scene.view == "race":
        st.plotly_chart(
            encoding.DictFigure(json.loads(this.figure_json(click_targets=20))),
            key="map",
            on_select=state.on_map_click if shows("start") else "ignore",
            selection_mode="points",
            config={"displaylogo": False, "scrollZoom": False},
        )
    else:
        surf_grid = cache.grid(this.land_key, this.window, cache.SURFACE_RESOLUTION)
        path_z = [cache.display_z(this.land, this.land.f(p.xy))[0] for p in this.shown]
        st.plotly_chart(
            encoding.DictFigure(race_figures.surface_figure(surf_grid, this.shown, path_z)),
            key="surface",
        )
    if table:
        st.html(f"<style>{plotly_element.TABLE_CSS}</style>{table}")
    for note in notes:
        st.error(note, icon=":material/error:")


def revealed(scene: state.Scene) -> bool:
    """Whether the race of ``scene`` is on show: no challenge, or the learner has guessed,
    and no challenge's link is being built (which shows the race as its students see it)."""
    if controls.previewing_challenge():
        return False
    if not st.session_state.get("challenge"):
        return True
    return controls.challenge_revealed(state.challenge_key(scene))


def leave_presentation() -> None:
    """The way out of presentation mode, whose sidebar (and its switch) is hidden."""
    st.session_state[PRESENT] = False


def page_texts() -> None:
    """The preset's text, the view switch and how to use the map: under the stage."""
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
            + " Faint lines are each optimizer's whole path. "
            + ("The row above the map" if map_in_element() else "The landscape's card")
            + " sets f and its parameters; the sidebar (») the preset, the optimizers and the"
            " run, and holds the"
            " downloads and the exercise link. The address bar holds every setting: copy it to"
            " share this exact scene."
        )


def sharing() -> None:
    """The downloads and the exercise link builder, in the sidebar: drawn by the full run.

    Not under the stage: their popover and expander cost every message of a slider move a
    React pass (η 1.19-1.24x the bare app's with them there, 1.12-1.19x without:
    bench/bench_latency.py, the same hour). A slider move does not redraw them; while one is
    open, a move reruns the whole page (``rerun_race``), so what they offer is the scene on
    screen.
    """
    scene = st.session_state[state.SCENE_KEY]  # the race just drawn left it there
    offers_downloads = shows("downloads") and revealed(scene)
    builds_links = not classroom.hidden  # a teacher's link that hides controls has none
    if not (offers_downloads or builds_links):
        return
    st.subheader("Share")
    if offers_downloads:
        downloads(scene, state.landscape_key()[0])
    if builds_links:
        controls.exercise_link(scene)


def downloads(scene: state.Scene, land_key: tuple) -> None:
    """The race as CSV, HTML and GIF, behind one button.

    Lazy: the three download buttons are drawn only while it is open, and each file is made
    when clicked.
    """
    box = st.popover(
        "Download the race",
        icon=":material/download:",
        key=DOWNLOADS_OPEN,
        on_change="rerun",
        help="The trajectories as CSV; the animation as a standalone HTML page or as a GIF.",
    )
    if not box.open:
        return
    this = run_race(scene, land_key)  # from the caches the race has just filled
    with box:
        st.download_button(
            "Trajectories (CSV)",
            data=lambda: report.trajectories_csv(this.labels, this.trajectories),
            file_name="trajectories.csv",
            mime="text/csv",
            on_click="ignore",
        )
        st.download_button(
            "Animation (HTML)",
            data=lambda: pio.to_html(
                json.loads(this.figure_json()),
                include_plotlyjs=True,
                full_html=True,
                validate=False,
            ),
            file_name="optimizer-race.html",
            mime="text/html",
            on_click="ignore",
        )
        st.download_button(
            "Animation (GIF)",
            data=lambda: gif.race_gif(
                cache.grid(this.land_key, this.window, cache.CONTOUR_RESOLUTION).z,
                this.window,
                this.paths,
                this.minima,
                steps=this.scene.steps,
                title=this.land.label,
            ),
            file_name="optimizer-race.gif",
            mime="image/gif",
            on_click="ignore",
            help="For slides: the race as an animated picture that loops.",
        )


# --- The page ----------------------------------------------------------------------------------
# The map first, on every screen; beside it on a wide one (under it on a narrow one) each
# racing optimizer's sliders; the texts after. The map's element lays the stage out for the
# screen (ui/plotly_element.js): the page cannot know its width.
with st.container(key="head"):  # presentation mode hides it
    st.title("Optimizer Playground")
    controls.link_warnings(problems)
with st.container(key="stage"):
    with st.container(key="stage_map"):
        race()
    with st.container(key="stage_design"):
        cards()
        if st.session_state.get(PRESENT):
            st.button("Leave presentation mode", on_click=leave_presentation)
# A full run also tells Streamlit the query, which it keeps for the host of a framed page.
state.finish_run(st.session_state[state.SCENE_KEY])
page_texts()
sidebar_controls()
