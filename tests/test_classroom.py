"""Teacher mode: links that hide controls or lock the scene, and the predict-the-winner card."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from figure_checks import charts, design_cards, html_table, race_table
from streamlit.testing.v1 import AppTest
from test_app import APP, TIMEOUT, figure, landscape_row, open_expander, render

import optim_core
from ui import report, state
from ui.presets import SCENES


def widgets_on_page(at: AppTest) -> list:
    widgets = [*at.slider, *at.select_slider, *at.selectbox, *at.multiselect, *at.number_input]
    return [*widgets, *at.radio, *at.toggle, *at.text_input]


def labels_on_page(at: AppTest) -> set[str]:
    return {w.label for w in widgets_on_page(at)}


def keys_on_page(at: AppTest) -> set[str]:
    """The widgets' keys, "landscape" for the landscape's controls in the map's element, and
    the keys of the design element's controls."""
    design = {c["key"] for card in design_cards(at) for c in card["controls"]}
    return (
        {w.key for w in widgets_on_page(at)}
        | design
        | ({"landscape"} if landscape_row(at) else set())
    )


# --- the flags in the link ----------------------------------------------------------------------


def test_flags_round_trip_through_the_link():
    classroom = state.Classroom(frozenset({"landscape", "adam.lr", "momentum"}), challenge=True)
    query = state.classroom_to_query(classroom)
    assert query == {"hide": "landscape,momentum,adam.lr", "challenge": "1"}
    assert state.classroom_from_query(query) == (classroom, [])


def test_lock_hides_the_scene_but_not_the_sliders():
    classroom, problems = state.classroom_from_query({"lock": "1"})
    assert problems == []
    assert classroom.hidden == frozenset(state.LOCKED)
    assert not classroom.shows("landscape") and not classroom.shows("preset")
    assert classroom.shows("adam.lr") and classroom.shows("table")


def test_an_optimizers_name_hides_each_of_its_sliders():
    classroom = state.Classroom(frozenset({"adam"}))
    assert not classroom.shows("adam.beta1") and not classroom.shows("adam.lr")
    assert classroom.shows("momentum.lr")


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"hide": "landscape,sudo"}, "hide='sudo' names no control"),
        ({"hide": "adam.nonsense"}, "names no control"),
        ({"lock": "yes"}, "lock='yes' must be 0 or 1"),
        ({"challenge": "<script>"}, "challenge='<script>' must be 0 or 1"),
    ],
)
def test_bad_flags_are_named_and_dropped(query, fragment):
    classroom, problems = state.classroom_from_query(query)
    assert any(fragment in p for p in problems), problems
    assert classroom.hidden <= {"landscape"} and not classroom.challenge


def test_every_hideable_name_is_accepted():
    names = state.hideable_names()
    classroom, problems = state.classroom_from_query({"hide": ",".join(names)})
    assert problems == [] and classroom.hidden == set(names)
    assert all(f"{opt}.lr" in names for opt in optim_core.OPTIMIZERS)


def test_flags_are_not_reported_as_unknown_settings():
    _, problems = state.scene_from_query({"hide": "steps", "lock": "1", "challenge": "1"})
    assert problems == []


# --- the page under a teacher's link --------------------------------------------------------------


def test_hidden_controls_are_not_drawn_and_keep_the_links_values():
    at = render({"preset": "narrow-valley", "hide": "landscape,steps,momentum.beta,table"})
    assert not at.exception
    keys = keys_on_page(at)
    assert "landscape" not in keys and "land_kappa" not in keys and "steps" not in keys
    assert "hp_momentum_beta" not in keys and "hp_momentum_lr" in keys and "hp_gd_lr" in keys
    assert race_table(at) is None  # the table is hidden
    assert at.query_params["steps"] == "150" and at.query_params["land.kappa"] == "50"
    assert at.query_params["hide"] == "landscape,steps,table,momentum.beta"
    spec = figure(at)
    assert len(spec["frames"]) >= 2  # the race itself is still drawn


def test_a_locked_link_leaves_only_the_racing_optimizers_sliders():
    at = render({"preset": "adam-adapts", "lock": "1"})
    assert not at.exception
    keys = keys_on_page(at)
    assert not keys & {"preset", "landscape", "optimizers", "x0", "y0", "steps", "noise", "tol"}
    racing = state.scene_from_query({"preset": "adam-adapts"}, SCENES)[0].optimizers
    assert {state.hp_key(opt, "lr") for opt in racing} <= keys
    assert at.query_params["hide"]  # a reload keeps the lock
    assert not any("Make an exercise link" in e.label for e in at.expander)


def test_a_learners_own_page_shows_everything_and_the_exercise_link_builder():
    at = render()
    keys = keys_on_page(at)
    assert {"preset", "landscape", "optimizers", "x0", "steps", "noise", "tol", "view"} <= keys
    assert any("Make an exercise link" in e.label for e in at.expander)


def test_the_exercise_link_builder_writes_a_link_that_hides_what_was_picked():
    at = open_expander(render({"preset": "narrow-valley"}), "open_exercise")
    at.multiselect(key="exercise_hide").set_value(["landscape", "gd.lr"])
    at.toggle(key="exercise_challenge").set_value(True).run()
    (link,) = [c.value for c in at.code if "?" in c.value]
    query = dict(urllib.parse.parse_qsl(link.split("?", 1)[1]))
    assert query["hide"] == "landscape,gd.lr" and query["challenge"] == "1"
    assert query["preset"] == "narrow-valley" and query["gd.lr"] == "0.1"
    student = render(query)
    assert not student.exception and "hp_gd_lr" not in keys_on_page(student)
    assert "hp_momentum_lr" in keys_on_page(student)


# --- the challenge --------------------------------------------------------------------------------


def map_data(at: AppTest) -> dict:
    """What the server sends the map's element (``ui.plotly_element``)."""
    (element,) = charts(at)
    return json.loads(element.proto.json)


def only_starts_drawn(at: AppTest) -> bool:
    paths = [t for t in figure(at)["data"] if str(t.get("meta", "")).startswith("path-")]
    return bool(paths) and all(len(t["x"]["bdata"]) <= 12 for t in paths)  # one float32 point


def reveal(at: AppTest, guess: str) -> AppTest:
    at.radio(key="guess").set_value(guess).run()
    return next(b for b in at.button if b.label == "Reveal the race").click().run()


def test_a_challenge_hides_the_race_until_the_guess_is_revealed():
    at = render({"preset": "narrow-valley", "challenge": "1"})
    assert not at.exception
    assert race_table(at) is None and "Challenge: predict the winner" not in labels_on_page(at)
    assert only_starts_drawn(at)
    assert map_data(at)["playFrom"] is None and map_data(at)["endHtml"] is None
    (button,) = [b for b in at.button if b.label == "Reveal the race"]
    assert button.disabled  # nothing guessed yet
    reveal(at, "gd")
    assert not at.exception
    assert not only_starts_drawn(at) and len(figure(at)["frames"]) >= 2


def test_a_reveal_plays_the_race_and_keeps_the_verdict_for_its_last_step():
    at = reveal(render({"preset": "narrow-valley", "challenge": "1"}), "gd")
    data = map_data(at)
    # The element plays the race from step 0 and shows endHtml only at its last step.
    assert data["player"] and data["playFrom"]
    verdict = data["endHtml"]
    assert verdict.startswith("<p class='pg-verdict pg-wrong'") and "Momentum" in verdict
    caption, rows = html_table(verdict)  # the ranking, too, waits for the end
    winner = next(row["optimizer"] for row in rows if row["rank"] == "1")
    assert caption == "Who converges fastest?" and winner == "Momentum"
    assert race_table(at) is None and not data["belowHtml"]
    # Nothing outside the element says who won before the race has been watched.
    assert not at.success and not [e for e in at.error if "Not this time" in e.value]
    assert any("verdict comes when it reaches its last step" in c.value for c in at.caption)


def test_each_reveal_plays_the_race_anew():
    at = reveal(render({"preset": "narrow-valley", "challenge": "1"}), "momentum")
    first = map_data(at)["playFrom"]
    assert "Right!" in map_data(at)["endHtml"]
    at.run()  # a rerun of the revealed race does not restart it
    assert map_data(at)["playFrom"] == first
    at.session_state["hp_momentum_lr"] = 0.02  # as the design element's move sets it
    at.run()
    assert map_data(at)["endHtml"] is None and only_starts_drawn(at)
    at.session_state["hp_momentum_lr"] = 0.01  # back to the same scene: a new challenge
    reveal(at.run(), "momentum")
    assert map_data(at)["playFrom"] not in (None, first)


def test_the_3d_view_shows_the_verdict_at_once():
    at = render({"preset": "narrow-valley", "challenge": "1", "view": "surface"})
    reveal(at, "momentum")
    assert at.success and at.success[0].value.startswith("Right!")


def test_changing_the_scene_makes_a_new_challenge():
    at = reveal(render({"preset": "narrow-valley", "challenge": "1"}), "momentum")
    assert map_data(at)["endHtml"].startswith("<p class='pg-verdict pg-right'")
    at.session_state["hp_momentum_lr"] = 0.02
    at.run()
    assert map_data(at)["endHtml"] is None and race_table(at) is None
    assert at.radio(key="guess").value is None


def downloads_offered(at: AppTest) -> bool:
    return any(p.proto.popover.label == "Download the race" for p in at.get("popover"))


def test_building_a_challenge_link_hides_the_race_on_the_teachers_screen():
    diverges = {"land": "quadratic", "opt": "gd,adam", "gd.lr": "10", "steps": "100"}
    at = open_expander(render(diverges), "open_exercise")
    assert race_table(at) and not only_starts_drawn(at) and downloads_offered(at)
    assert any("diverged at step" in e.value for e in at.error)
    at.toggle(key="exercise_challenge").set_value(True).run()
    assert not at.exception
    # Only the starts, as the students' link shows them: no paths, table, notes or files.
    assert only_starts_drawn(at) and race_table(at) is None and not downloads_offered(at)
    assert not any("diverged at step" in e.value for e in at.error)
    assert "Reveal the race" not in {b.label for b in at.button}  # the teacher's own page
    at.toggle(key="exercise_challenge").set_value(False).run()
    assert race_table(at) and not only_starts_drawn(at)


def test_a_learner_can_turn_the_challenge_on_without_a_link():
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.toggle(key="challenge").set_value(True).run()
    assert any(b.label == "Reveal the race" for b in at.button)
    assert at.query_params["challenge"] == "1"


def test_presentation_mode_is_a_flag_of_the_link_that_combines_with_the_others():
    query = {"present": "1", "lock": "1", "challenge": "1"}
    classroom, problems = state.classroom_from_query(query)
    assert problems == [] and classroom.present and classroom.challenge
    assert state.classroom_from_query({"present": "2"})[1] == ["present='2' must be 0 or 1"]
    at = render(query)
    assert not at.exception
    (element,) = charts(at)
    data = json.loads(element.proto.json)
    assert data["present"] is True and data["fit"] is True
    sizes = figure(at)  # presentation mode's figure: large type, thick paths
    assert sizes["layout"]["font"]["size"] >= 20
    assert min(t["line"]["width"] for t in sizes["data"] if t["meta"].startswith("path-")) >= 3
    assert at.query_params["present"] == "1" and at.query_params["hide"]  # a reload keeps both
    assert any(b.label == "Reveal the race" for b in at.button)


def test_the_presentation_switch_turns_it_on_and_the_link_follows():
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert "present" not in at.query_params
    at.toggle(key="present").set_value(True).run()
    assert at.query_params["present"] == "1"
    # Its way out on the page itself: presentation mode hides the sidebar and its switch.
    next(b for b in at.button if b.label == "Leave presentation mode").click().run()
    assert "present" not in at.query_params


# --- the verdict ----------------------------------------------------------------------------------


def _race(optimizers: dict[str, dict], steps: int = 300):
    land = optim_core.LANDSCAPES["quadratic"].with_params(kappa=10.0)
    runs = [
        optim_core.run(name, land, land.start, steps=steps, **hyper)
        for name, hyper in optimizers.items()
    ]
    labels = [optim_core.OPTIMIZERS[n].label for n in optimizers]
    return list(optimizers), labels, runs


def test_the_verdict_names_the_first_to_reach_the_tolerance():
    names, labels, runs = _race({"gd": {"lr": 0.01}, "momentum": {"lr": 0.01, "beta": 0.9}})
    first = {n: optim_core.steps_to_tolerance(r, 1e-4) for n, r in zip(names, runs, strict=True)}
    winner = min((s, n) for n, s in first.items() if s is not None)[1]
    right, sentence = report.challenge_verdict(names, labels, runs, 1e-4, winner)
    assert right and f"step {first[winner]}" in sentence
    loser = next(n for n in names if n != winner)
    assert not report.challenge_verdict(names, labels, runs, 1e-4, loser)[0]
    assert not report.challenge_verdict(names, labels, runs, 1e-4, report.NOBODY)[0]


def test_when_nobody_arrives_only_nobody_is_right():
    names, labels, runs = _race({"gd": {"lr": 1e-4}, "adagrad": {"lr": 1e-4}}, steps=20)
    right, sentence = report.challenge_verdict(names, labels, runs, 1e-6, report.NOBODY)
    assert right and sentence.startswith("None of them")
    assert not report.challenge_verdict(names, labels, runs, 1e-6, "gd")[0]


def test_a_tie_counts_for_both():
    names, labels, runs = _race({"gd": {"lr": 0.05}, "momentum": {"lr": 0.05, "beta": 0.0}})
    right, sentence = report.challenge_verdict(names, labels, runs, 1e-4, "momentum")
    assert right and sentence.startswith("A tie")
    assert report.challenge_verdict(names, labels, runs, 1e-4, "gd")[0]


def _saddle_race() -> tuple[list[str], list[str], list, dict[str, float]]:
    """The saddle preset's runs, and each one's f at its last step."""
    scene = SCENES["saddle-escape"]
    land = optim_core.LANDSCAPES[scene.landscape]
    runs = [
        optim_core.run(n, land, scene.start, scene.steps, **scene.hyperparams(n))
        for n in scene.optimizers
    ]
    labels = [optim_core.OPTIMIZERS[n].label for n in scene.optimizers]
    finals = {n: float(r.loss[-1]) for n, r in zip(scene.optimizers, runs, strict=True)}
    return list(scene.optimizers), labels, runs, finals


def test_without_a_known_minimum_the_verdict_names_who_ends_lowest():
    """A saddle's f falls without bound: nobody can reach an f* that does not exist, so the
    challenge asks who ends lowest, and the lowest f at the last step wins."""
    names, labels, runs, finals = _saddle_race()
    lowest = min(finals, key=finals.get)
    right, sentence = report.challenge_verdict(
        names, labels, runs, 1e-4, lowest, known_minimum=False
    )
    label = optim_core.OPTIMIZERS[lowest].label
    assert right and sentence == f"{label} ends lowest, at f = {finals[lowest]:.3g}."
    for other in [*(n for n in names if n != lowest), report.NOBODY]:
        assert not report.challenge_verdict(names, labels, runs, 1e-4, other, known_minimum=False)[
            0
        ]
    # With the minimum's question, nobody gets there: the question would have no answer.
    assert report.challenge_verdict(names, labels, runs, 1e-4, report.NOBODY)[0]


def test_without_a_known_minimum_the_card_asks_who_ends_lowest():
    names, _, _, finals = _saddle_race()
    lowest = min(finals, key=finals.get)
    at = render({"preset": "saddle-escape", "challenge": "1"})
    text = " ".join(m.value for m in at.markdown)
    assert "which optimizer ends lowest" in text and "f − f*" not in text
    assert "none: all diverge" in at.radio(key="guess").options
    verdict = map_data(reveal(at, lowest))["endHtml"]
    assert "pg-right" in verdict and "ends lowest, at f = -" in verdict
    caption, rows = html_table(verdict)
    assert caption == "Who ends lowest?"
    assert "final f" in rows[0] and "final f − f*" not in rows[0]
