"""The scene's URL form: exact round trips, and hostile query strings that never raise."""

from __future__ import annotations

import string

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optim_core
from ui import state
from ui.presets import PRESETS

SCENES = [state.Scene(), *(p.scene for p in PRESETS.values())]


@pytest.mark.parametrize("scene", SCENES, ids=["default", *PRESETS])
def test_url_round_trip_is_exact(scene):
    query = state.scene_to_query(scene)
    again, problems = state.scene_from_query(query)
    assert problems == []
    assert state.scene_to_query(again) == query
    for opt in scene.optimizers:
        assert again.hyperparams(opt) == scene.hyperparams(opt)


def test_every_declared_hyperparameter_is_in_the_link():
    scene = state.Scene(optimizers=tuple(list(optim_core.OPTIMIZERS)[: state.MAX_OPTIMIZERS]))
    query = state.scene_to_query(scene)
    for opt in scene.optimizers:
        spec = optim_core.OPTIMIZERS[opt]
        for param in spec.hyperparams:
            assert float(query[f"{opt}.{param.name}"]) == param.default
        for choice in spec.options:
            assert f"{opt}.{choice.name}" in query


def test_float_values_survive_the_link_bit_for_bit():
    beta = 0.1 + 0.2  # 0.30000000000000004
    scene = state.Scene(
        optimizers=("momentum",), hyper={"momentum": {"beta": beta}}, start=(1 / 3, -2 / 7)
    )
    again, _ = state.scene_from_query(state.scene_to_query(scene))
    assert again.hyperparams("momentum")["beta"] == beta
    assert again.start == (1 / 3, -2 / 7)


@pytest.mark.parametrize(
    ("key", "text"),
    [("gd.lr", "0.0123"), ("momentum.beta", "0.5762712"), ("adam.beta2", "0.99987")],
)
def test_a_value_between_slider_values_is_kept_exactly(key, text):
    opt, name = key.split(".")
    param = optim_core.HYPERPARAMS[name]
    assert float(text) not in state.slider_grid(param)
    scene, problems = state.scene_from_query({key: text})
    assert problems == []
    assert scene.hyperparams(opt)[name] == float(text)
    assert state.snap(param, float(text)) == float(text)
    # the slider offers its grid and this exact value, so it shows what runs
    options = state.slider_options(param, float(text))
    assert float(text) in options and set(state.slider_grid(param)) <= set(options)


@pytest.mark.parametrize("text", ["1", "1.0001", "-0.1", "nan"])
def test_a_beta_outside_its_range_is_refused(text):
    scene, problems = state.scene_from_query({"momentum.beta": text})
    assert len(problems) == 1 and "momentum.beta" in problems[0], problems
    assert scene.hyperparams("momentum")["beta"] == optim_core.HYPERPARAMS["beta"].default


def test_out_of_range_values_snap_into_the_range():
    beta = optim_core.HYPERPARAMS["beta"]
    assert state.snap(beta, 1.5) == beta.high and state.snap(beta, -1.0) == beta.low
    assert state.snap(beta, float("nan")) == beta.default
    assert state.slider_options(beta, 2.0) == state.slider_grid(beta)


@pytest.mark.parametrize("name", ["beta", "beta1", "beta2"])
def test_a_beta_slider_is_logarithmic_in_one_minus_beta(name):
    param = optim_core.HYPERPARAMS[name]
    assert param.log_one_minus and not param.log
    grid = state.slider_grid(param)
    assert grid[0] == param.low and grid[-1] == param.high
    for usual in (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999):
        assert usual in grid
    # evenly spread in 1 − β: as many values in 0.9 … 0.99 as in 0.99 … 0.999
    per_decade = [sum(lo <= b < hi for b in grid) for lo, hi in ((0.9, 0.99), (0.99, 0.999))]
    assert per_decade[0] == per_decade[1] >= 3


def test_the_one_minus_grid_follows_the_declared_range():
    narrow = optim_core.Param("b", "b", 0.95, 0.5, 0.99, False, "", log_one_minus=True)
    grid = state.one_minus_grid(narrow)
    assert grid[0] == 0.5 and grid[-1] == 0.99 and 0.9 in grid and 0.95 in grid
    assert all(0.5 <= b <= 0.99 for b in grid)
    wide = optim_core.Param("b", "b", 0.9, 0.0, 0.999999, False, "", log_one_minus=True)
    assert {0.99999, 0.999999} <= set(state.one_minus_grid(wide))
    with pytest.raises(ValueError):
        optim_core.Param("b", "b", 0.9, 0.0, 1.0, False, "", log_one_minus=True)
    with pytest.raises(ValueError):
        optim_core.Param("b", "b", 0.9, 0.1, 0.99, True, "", log_one_minus=True)


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"land": "nowhere"}, "unknown landscape"),
        ({"opt": "gd,sgd"}, "unknown optimizer 'sgd'"),
        ({"gd.lr": "abc"}, "not a number"),
        ({"gd.lr": "inf"}, "not a number"),
        ({"gd.lr": "100"}, "outside"),
        ({"adam.bias_correction": "perhaps"}, "is not one of"),
        ({"steps": "0"}, "outside"),
        ({"x0": "1", "y0": "zwei"}, "start point"),
        ({"sched": "sawtooth"}, "unknown schedule"),
        ({"land": "custom", "fx": "import os"}, "does not parse"),
        ({"evil": "1"}, "ignored unknown setting 'evil'"),
    ],
)
def test_each_bad_value_is_named_and_replaced_by_its_default(query, fragment):
    scene, problems = state.scene_from_query(query)
    assert any(fragment in p for p in problems), problems
    default = state.Scene()
    assert scene.hyperparams("gd") == default.hyperparams("gd")
    assert scene.steps == default.steps


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "land",
                "fx",
                "opt",
                "x0",
                "y0",
                "steps",
                "noise",
                "seed",
                "tol",
                "sched",
                "gd.lr",
                "adam.beta1",
                "adam.bias_correction",
                "land.kappa",
                "sched.gamma",
            ]
        )
        | st.text(string.printable, max_size=12),
        st.text(max_size=40)
        | st.sampled_from(["nan", "-inf", "1e400", "0", "-1", "adam", "custom"]),
        max_size=8,
    )
)
def test_any_query_string_gives_a_valid_scene(query):
    scene, problems = state.scene_from_query(query)
    assert isinstance(problems, list)
    assert set(scene.optimizers) <= set(optim_core.OPTIMIZERS)
    assert 1 <= len(scene.optimizers) <= state.MAX_OPTIMIZERS
    assert state.STEPS.contains(scene.steps)
    for opt in scene.optimizers:
        spec = optim_core.OPTIMIZERS[opt]
        values = scene.hyperparams(opt)
        for param in spec.hyperparams:
            assert param.contains(float(values[param.name]))
    # what was read can be written and read back without a complaint
    again, again_problems = state.scene_from_query(state.scene_to_query(scene))
    assert again_problems == []


@pytest.mark.parametrize("slug", list(PRESETS))
def test_a_short_preset_link_gives_the_whole_preset_scene(slug):
    from ui.presets import SCENES

    scene, problems = state.scene_from_query({"preset": slug}, SCENES)
    assert problems == []
    assert state.scene_to_query(scene) == state.scene_to_query(PRESETS[slug].scene)


def test_values_in_a_preset_link_override_the_preset():
    from ui.presets import SCENES

    scene, _ = state.scene_from_query({"preset": "narrow-valley", "gd.lr": "0.05"}, SCENES)
    assert scene.hyperparams("gd")["lr"] == 0.05
    assert (
        scene.landscape_params()["kappa"]
        == PRESETS["narrow-valley"].scene.landscape_values["kappa"]
    )


def test_inspected_optimizer_round_trips_with_its_hyperparameters():
    scene = state.Scene(optimizers=("gd",), inspect="lion", hyper={"lion": {"lr": 0.02}})
    query = state.scene_to_query(scene)
    assert query["inspect"] == "lion" and query["lion.lr"] == "0.02"
    again, problems = state.scene_from_query(query)
    assert problems == [] and again.inspect == "lion" and again.hyperparams("lion")["lr"] == 0.02
    assert "inspect" not in state.scene_to_query(state.Scene())
    bad, problems = state.scene_from_query({"inspect": "<script>"})
    assert bad.inspect == state.Scene.inspect and any("inspect" in p for p in problems)


def test_the_inspectors_step_is_in_the_link():
    scene = state.Scene(step=37)
    query = state.scene_to_query(scene)
    assert query["k"] == "37"
    again, problems = state.scene_from_query(query)
    assert problems == [] and again.step == 37
    for bad in ("-1", "2.5", "1e9", "k"):
        scene, problems = state.scene_from_query({"k": bad})
        assert scene.step == state.Scene.step and problems


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.9, "0.9"), (0.999, "0.999"), (0.9995, "0.9995"), (0.99987, "0.99987"), (0.57627, "0.5763")],
)
def test_a_slider_label_tells_a_beta_from_one(value, text):
    from ui.controls import fmt

    assert fmt(value) == text
    assert fmt(0.0123) == "0.0123" and fmt(1e-8) == "1e-08"


@pytest.mark.parametrize("name", ["lr", "beta", "weight_decay"])
def test_a_sweep_axis_is_evenly_spaced_on_the_sliders_scale(name):
    param = optim_core.HYPERPARAMS[name]
    values = param.spaced(9)
    assert values[0] == pytest.approx(param.low) and values[-1] == pytest.approx(param.high)
    if param.log:
        position = np.log10(values)
    elif param.log_one_minus:
        position = -np.log10(1 - values)  # 0.9, 0.99, 0.999 one apart
    else:
        position = values
    assert np.allclose(np.diff(position), np.diff(position)[0])
    narrow = param.spaced(3, (0.5, 0.9) if param.log_one_minus else (param.low, param.high))
    assert len(narrow) == 3 and (not param.log_one_minus or 0.9 - narrow[1] < narrow[1] - 0.5)


# --- the landscape's controls in the map's element --------------------------------------------


@pytest.mark.parametrize(
    ("told", "landscape", "changes"),
    [
        ({"landscape": "rosenbrock"}, "quadratic", {"landscape": "rosenbrock"}),
        ({"landscape": "custom"}, "quadratic", {"landscape": "custom"}),
        ({"param": "kappa", "value": 100}, "quadratic", {"land_kappa": 100.0}),
        ({"param": "angle", "value": -12.5}, "quadratic", {"land_angle": -12.5}),
        ({"formula": "x^2 + 2x"}, "custom", {"formula": "x^2 + 2x"}),  # its error is the map's
    ],
)
def test_a_landscape_move_sets_its_widget_key(told, landscape, changes):
    assert state.landscape_move(told, landscape) == (changes, None)


@pytest.mark.parametrize(
    ("told", "landscape", "why"),
    [
        ({"landscape": "../../etc"}, "quadratic", "landscape: '../../etc' is not one of"),
        ({"landscape": ["quadratic"]}, "quadratic", "is not one of"),
        ({"param": "kappa", "value": 1e9}, "quadratic", "land.kappa: 1000000000.0 is outside"),
        ({"param": "kappa", "value": float("nan")}, "quadratic", "nan is not a finite number"),
        ({"param": "kappa", "value": "50"}, "quadratic", "'50' is not a number"),
        ({"param": "kappa", "value": True}, "quadratic", "True is not a number"),
        ({"param": "kappa", "value": 50}, "rosenbrock", "is not a move of its controls"),
        ({"param": "__class__", "value": 1}, "quadratic", "is not a move of its controls"),
        ({"param": ["kappa"], "value": 1}, "quadratic", "is not a move of its controls"),
        ({"formula": "x" * 301}, "custom", "formula: it is 301 characters long"),
        ({"formula": 3}, "custom", "3 is not text"),
        ({"formula": "x^2"}, "quadratic", "is not a move of its controls"),  # no box drawn
        ({"landscape": "rosenbrock", "formula": "x"}, "custom", "is not a move of its controls"),
        ({}, "quadratic", "is not a move of its controls"),
        ([1, 2], "quadratic", "is not a move of its controls"),
        (None, "quadratic", "is not a move of its controls"),
    ],
)
def test_a_landscape_move_the_controls_cannot_make_changes_nothing(told, landscape, why):
    changes, problem = state.landscape_move(told, landscape)
    assert changes == {} and why in problem


# --- the design element's moves (ui.design_element) ---------------------------------------------
RACING = ("gd", "momentum", "adam")


@pytest.mark.parametrize(
    ("told", "changes"),
    [
        ({"key": "hp_gd_lr", "value": 0.05}, {"hp_gd_lr": 0.05}),
        ({"key": "hp_adam_beta2", "value": 0.9995}, {"hp_adam_beta2": 0.9995}),
        ({"key": "hp_adam_weight_decay", "value": 0}, {"hp_adam_weight_decay": 0.0}),
        ({"key": "hp_adam_bias_correction", "value": False}, {"hp_adam_bias_correction": False}),
        (
            {"key": "hp_momentum_formulation", "value": "classic"},
            {"hp_momentum_formulation": "classic"},
        ),
    ],
)
def test_a_design_move_sets_its_widget_key(told, changes):
    got, problem = state.design_move(told, RACING)
    assert problem is None and got == changes
    assert [type(v) for v in got.values()] == [type(v) for v in changes.values()]  # 0 → 0.0


@pytest.mark.parametrize(
    ("told", "why"),
    [
        ({"key": "hp_gd_lr", "value": 1e9}, "gd.lr: 1000000000.0 is outside"),
        ({"key": "hp_gd_lr", "value": float("inf")}, "inf is not a finite number"),
        ({"key": "hp_gd_lr", "value": "0.1"}, "'0.1' is not a number"),
        ({"key": "hp_gd_lr", "value": True}, "True is not a number"),
        ({"key": "hp_adam_bias_correction", "value": 0}, "adam.bias_correction: 0 is not one of"),
        ({"key": "hp_momentum_formulation", "value": "__import__"}, "is not one of"),
        ({"key": "hp_rmsprop_lr", "value": 0.01}, "is not a move of its sliders"),  # not racing
        ({"key": "hp_gd_beta", "value": 0.9}, "is not a move of its sliders"),  # not gd's
        ({"key": "landscape", "value": "rosenbrock"}, "is not a move of its sliders"),
        ({"key": "x0", "value": 1.0}, "is not a move of its sliders"),
        ({"key": ["hp_gd_lr"], "value": 0.1}, "is not a move of its sliders"),
        ({"key": "hp_gd_lr", "value": 0.1, "extra": 1}, "is not a move of its sliders"),
        ({"key": "hp_gd_lr"}, "is not a move of its sliders"),
        ([("key", "hp_gd_lr")], "is not a move of its sliders"),
        (None, "is not a move of its sliders"),
    ],
)
def test_a_design_move_the_sliders_cannot_make_changes_nothing(told, why):
    changes, problem = state.design_move(told, RACING)
    assert changes == {} and why in problem


def test_a_design_move_of_a_hidden_control_changes_nothing():
    """A teacher's link hides a card ("momentum") or one slider ("adam.lr"): not drawn, so
    no move of theirs can come from the page."""
    shows = state.Classroom(frozenset({"momentum", "adam.lr"})).shows
    for key in ("hp_momentum_lr", "hp_momentum_beta", "hp_adam_lr"):
        changes, problem = state.design_move({"key": key, "value": 0.01}, RACING, shows)
        assert changes == {} and "is not a move of its sliders" in problem
    assert state.design_move({"key": "hp_adam_beta1", "value": 0.5}, RACING, shows) == (
        {"hp_adam_beta1": 0.5},
        None,
    )
