"""A fair race: relatives share their settings, the legend states them, a changed preset says so."""

from __future__ import annotations

import json

import pytest
from figure_checks import charts
from streamlit.testing.v1 import AppTest
from test_app import figure, render

import optim_core
from ui import report, state
from ui.presets import PRESETS, SCENES

EXTENSIONS = [name for name, spec in optim_core.OPTIMIZERS.items() if spec.extends]


def map_data(at: AppTest) -> dict:
    """What the server sends the map's element (``ui.plotly_element``)."""
    (element,) = charts(at)
    return json.loads(element.proto.json)


def legend(at: AppTest) -> set[str]:
    return {t["name"] for t in figure(at)["data"] if t.get("showlegend", True) and t.get("name")}


# --- relatives share hyperparameters -------------------------------------------------------


def test_every_extension_is_declared_beside_the_one_it_extends():
    assert {n: optim_core.OPTIMIZERS[n].extends for n in EXTENSIONS} == {
        "nesterov": "momentum",
        "amsgrad": "adam",
        "nadam": "adam",
        "adamw": "adam",
        "radam": "adam",
        "adamax": "adam",
    }


@pytest.mark.parametrize("name", EXTENSIONS)
def test_an_extension_shares_every_number_it_declares_alike(name):
    relative = optim_core.OPTIMIZERS[name].extends
    shared = state.shared_hyperparams(name, relative)
    theirs = {p.name: p for p in optim_core.OPTIMIZERS[relative].hyperparams}
    assert "lr" in shared  # η is always compared like for like
    for param in optim_core.OPTIMIZERS[name].hyperparams:
        assert (param.name in shared) == (theirs.get(param.name) == param), param.name
    # AdamW's λ is its idea (decoupled decay); Adam's λ = 0 would turn AdamW into Adam.
    assert "weight_decay" not in state.shared_hyperparams("adamw", "adam")


def test_a_newcomer_takes_its_relatives_values():
    values = {state.hp_key("momentum", "lr"): 0.01, state.hp_key("momentum", "beta"): 0.8}
    values |= {state.hp_key("nesterov", "lr"): 0.05, state.hp_key("gd", "lr"): 0.3}
    joined = state.values_from_relatives(["gd", "momentum"], ["gd", "momentum", "nesterov"], values)
    assert joined == {state.hp_key("nesterov", "lr"): 0.01, state.hp_key("nesterov", "beta"): 0.8}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (["gd"], ["gd", "nesterov"]),  # its relative does not race
        (["momentum", "nesterov"], ["momentum", "nesterov"]),  # nobody joined
        (["momentum", "nesterov"], ["nesterov"]),  # the relative left
        (["nesterov"], ["nesterov", "momentum"]),  # the relative joined: it keeps its own
    ],
)
def test_nothing_is_copied_unless_a_newcomers_relative_races(before, after):
    values = {state.hp_key(opt, "lr"): 0.3 for opt in ("gd", "momentum", "nesterov")}
    assert state.values_from_relatives(before, after, values) == {}


def test_nesterov_joins_the_narrow_valley_at_momentums_settings():
    at = render({"preset": "narrow-valley"})
    lr, beta = (at.session_state[state.hp_key("momentum", n)] for n in ("lr", "beta"))
    assert lr != optim_core.OPTIMIZERS["nesterov"].defaults()["lr"]  # else nothing to show
    at.multiselect(key="optimizers").select("nesterov").run()
    assert not at.exception
    assert at.session_state[state.hp_key("nesterov", "lr")] == lr
    assert at.session_state[state.hp_key("nesterov", "beta")] == beta
    assert f"Nesterov momentum (η {lr:g}, β {beta:g})" in legend(at)
    assert at.query_params["nesterov.lr"] == at.query_params["momentum.lr"]


@pytest.mark.parametrize(
    "name", [n for n in EXTENSIONS if optim_core.OPTIMIZERS[n].extends == "adam"]
)
def test_adams_relatives_join_at_adams_settings(name):
    at = render()
    tuned = {"lr": 0.2, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.1}
    for param, value in tuned.items():
        at.session_state[state.hp_key("adam", param)] = value
    at.run()
    at.multiselect(key="optimizers").select(name).run()
    assert not at.exception
    ours = optim_core.OPTIMIZERS[name].hyperparams
    for param in ours:
        value = at.session_state[state.hp_key(name, param.name)]
        if param.name == "weight_decay":  # AdamW's decoupled λ is not Adam's L2 term
            assert value == param.default
        else:
            assert value == tuned[param.name], param.name


def test_a_newcomer_without_its_relative_keeps_its_own_defaults():
    at = render({"preset": "narrow-valley"})
    at.multiselect(key="optimizers").set_value(["gd", "nesterov"]).run()
    default = optim_core.OPTIMIZERS["nesterov"].defaults()["lr"]
    assert at.session_state[state.hp_key("nesterov", "lr")] == default


# --- the legend states the design ----------------------------------------------------------


def test_the_legend_states_each_runs_design():
    at = render({"opt": "gd,rmsprop,adam", "gd.lr": "0.1", "rmsprop.lr": "0.05", "adam.lr": "0.1"})
    assert legend(at) == {
        "Gradient descent (η 0.1)",
        "RMSprop (η 0.05, β₂ 0.99)",
        "Adam (η 0.1, β₁ 0.9, β₂ 0.999)",
        "known minimum",
    }
    at = render({"opt": "adam,adamw", "adam.bias_correction": "0", "adamw.weight_decay": "0"})
    assert "Adam (η 0.05, β₁ 0.9, β₂ 0.999, no bias correction)" in legend(at)
    assert "AdamW (η 0.05, β₁ 0.9, β₂ 0.999, λ 0)" in legend(at)  # λ off: AdamW is Adam


# --- a preset shows that it was changed ----------------------------------------------------


CHANGED = "The scene has changed"


@pytest.mark.parametrize("slug", list(PRESETS))
def test_an_untouched_preset_has_no_notice(slug):
    at = render({"preset": slug})
    assert not at.exception
    assert map_data(at)["aboveHtml"] is None
    assert not any(CHANGED in w.value for w in at.warning)


def test_a_slider_move_marks_the_preset_changed_and_back_unmarks_it():
    at = render({"preset": "narrow-valley"})
    at.session_state[state.hp_key("momentum", "lr")] = 0.02  # as the design element sets it
    at.run()
    assert not at.exception
    notice = map_data(at)["aboveHtml"]
    assert CHANGED in notice and "data-action='restore-preset'" in notice
    at.session_state[state.hp_key("momentum", "lr")] = 0.01
    at.run()
    assert map_data(at)["aboveHtml"] is None


def test_a_session_state_change_marks_the_preset_changed():
    at = render({"preset": "noisy"})
    at.session_state["noise"] = 0.5
    at.run()
    assert CHANGED in map_data(at)["aboveHtml"]


def test_the_restore_button_sets_the_preset_again():
    at = render({"preset": "narrow-valley", "view": "surface"})  # Streamlit's own chart
    at.session_state[state.hp_key("momentum", "lr")] = 0.5
    at.session_state["steps"] = 40
    at.run()
    assert any(CHANGED in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Restore the preset").click().run()
    assert not at.exception
    assert at.session_state[state.hp_key("momentum", "lr")] == 0.01
    assert at.session_state["steps"] == 150
    assert not any(CHANGED in w.value for w in at.warning)


def test_a_teachers_link_that_hides_controls_offers_no_restore():
    # Restoring would set the controls the link hides: the notice alone, no button.
    at = render({"preset": "narrow-valley", "lock": "1", "steps": "40"})
    notice = map_data(at)["aboveHtml"]
    assert CHANGED in notice and "<button" not in notice
    at = render({"preset": "narrow-valley", "steps": "40", "view": "surface"})
    assert any(b.label == "Restore the preset" for b in at.button)
    at = render({"preset": "narrow-valley", "lock": "1", "steps": "40", "view": "surface"})
    assert any(CHANGED in w.value for w in at.warning)
    assert not any(b.label == "Restore the preset" for b in at.button)


def test_what_does_not_change_the_race_does_not_change_the_preset():
    scene = SCENES["narrow-valley"]
    landscape = optim_core.LANDSCAPES[scene.landscape].with_params(**scene.landscape_params())
    same = [
        scene.__class__(**{**scene.__dict__, "view": "surface", "inspect": "lion", "step": 3}),
        scene.__class__(**{**scene.__dict__, "start": tuple(map(float, landscape.start))}),
        scene.__class__(**{**scene.__dict__, "hyper": {**scene.hyper, "adam": {"lr": 1.0}}}),
    ]
    assert not any(state.scene_changed(s, scene) for s in same)
    other = scene.__class__(**{**scene.__dict__, "steps": 151})
    assert state.scene_changed(other, scene)


def test_run_label_is_built_from_the_declarations():
    # Not a name switch: every declared β of every optimizer is in its label, by its symbol.
    for name, spec in optim_core.OPTIMIZERS.items():
        label = report.run_label(name, spec.defaults())
        assert label.startswith(f"{spec.label} (η ")
        for param in spec.hyperparams:
            shown = param.name in report.LEGEND_ALWAYS
            assert (f"{param.symbol} " in label) == shown, (name, param.name)
