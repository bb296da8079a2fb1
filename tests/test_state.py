"""The scene's URL form: exact round trips, and hostile query strings that never raise."""

from __future__ import annotations

import string

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


def test_a_learning_rate_between_slider_values_is_rounded_and_said():
    scene, problems = state.scene_from_query({"gd.lr": "0.0123"})
    assert scene.hyperparams("gd")["lr"] == 0.012
    assert problems == ["gd.lr=0.0123 was rounded to the slider's 0.012"]


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
