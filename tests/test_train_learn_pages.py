"""The train and learn pages rendered by Streamlit's AppTest."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from figure_checks import assert_all_finite, design_cards
from streamlit.testing.v1 import AppTest

import optim_core
from optim_core import training
from ui import train_state
from ui.presets import PRESETS

TIMEOUT = 60
APP = Path(__file__).resolve().parent.parent / "app.py"
SLUGS_TAUGHT = {
    "narrow-valley",
    "momentum-overshoots",
    "adam-adapts",
    "adagrad-dies",
    "saddle-escape",
    "bias-correction",
    "too-large-lr",
    "plateau",
    "noisy",
}


def open_page(page: str, **state) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page)
    return at.run()


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_train_page_trains_every_chosen_optimizer() -> None:
    chosen = ["gd", "momentum", "adam"]
    at = open_page("pages/train.py", train_optimizers=chosen, train_epochs=20)
    assert not at.exception
    assert at.title[0].value == "Train a model"
    table = at.dataframe[0].value
    assert list(table["optimizer"]) == [optim_core.OPTIMIZERS[n].label for n in chosen]
    assert (table["final validation accuracy"] > 0.5).all()
    specs = plotly_specs(at)
    assert len(specs) == 2
    for spec in specs:
        assert_all_finite(spec)
    curves, boundary = specs
    assert len(curves["data"]) == 4 * len(chosen)  # loss and accuracy, training and validation
    assert sum(t["type"] == "contour" for t in boundary["data"]) == len(chosen)
    assert len(boundary["frames"]) >= 20


@pytest.mark.parametrize("dataset", ["blobs3", "iris"])
def test_train_page_draws_the_class_regions_of_softmax_regression(dataset: str) -> None:
    chosen = ["gd", "adam"]
    at = open_page(
        "pages/train.py",
        train_model="softmax",
        train_dataset=dataset,
        train_optimizers=chosen,
        train_epochs=20,
    )
    assert not at.exception
    assert (at.dataframe[0].value["final validation accuracy"] > 0.5).all()
    specs = plotly_specs(at)
    assert len(specs) == 2
    for spec in specs:
        assert_all_finite(spec)
    boundary = specs[1]
    regions = [t for t in boundary["data"] if t["type"] == "heatmap"]
    assert len(regions) == len(chosen)
    assert regions[0]["colorbar"]["ticktext"] == list(training.DATASETS[dataset].class_names)
    points = [t for t in boundary["data"] if t["type"] == "scatter"]
    assert len(points) == 3 * len(chosen)  # each class in its colour, in every panel


def test_a_binary_model_on_three_classes_is_explained() -> None:
    at = open_page("pages/train.py", train_model="mlp", train_dataset="blobs3", train_epochs=5)
    assert not at.exception
    assert "softmax regression" in at.info[0].value
    assert not plotly_specs(at)


def test_train_page_against_wall_clock_time() -> None:
    at = open_page("pages/train.py", train_epochs=5, train_axis="wall-clock time")
    assert not at.exception
    curves = plotly_specs(at)[0]
    assert curves["layout"]["xaxis"]["title"]["text"].startswith("seconds")


def test_the_largest_eta_is_drawn_finite_and_missing_steps_are_dashes() -> None:
    """η = 10 (the slider's top) sends the loss up but the cross-entropy stays finite, so no run
    diverges; the table shows "—", not "None", where a step does not exist."""
    at = open_page(
        "pages/train.py",
        train_model="mlp",
        train_dataset="spirals",
        train_optimizers=["gd", "adam"],
        train_epochs=1,
        train_hp_gd_lr=10.0,
    )
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["diverged at"]) == ["—", "—"]
    assert list(table["first step ≥ 90 % validation"]) == ["—", "—"]  # one epoch of spirals
    assert "None" not in table.astype(str).to_numpy()
    for spec in plotly_specs(at):
        assert_all_finite(spec)


def test_the_train_page_keeps_its_own_learning_rates() -> None:
    """A network needs other η than a 2-D landscape: the train page's sliders are its own, so
    moving the playground's leaves them (and moving theirs leaves the playground's) alone."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.session_state["hp_adam_lr"] = 0.002  # as the design element's move sets it
    at.run()
    at.session_state["train_epochs"] = 2
    at.switch_page("pages/train.py").run()
    assert not at.exception
    assert at.select_slider(key="train_hp_adam_lr").value == train_state.TRAIN_LR["adam"]
    at.select_slider(key="train_hp_adam_lr").set_value(0.02).run()
    at.switch_page("pages/playground.py").run()
    assert not at.exception
    (adam,) = [c for c in design_cards(at) if c["name"] == "adam"]
    assert adam["controls"][0]["key"] == "hp_adam_lr"
    assert adam["controls"][0]["value"] == pytest.approx(0.002)
    at.switch_page("pages/train.py").run()
    assert at.select_slider(key="train_hp_adam_lr").value == pytest.approx(0.02)


def test_learn_page_renders_every_formula() -> None:
    at = open_page("pages/learn.py")
    assert not at.exception
    shown = {el.value.strip("$\n") for el in at.get("latex")}  # st.latex wraps in $$
    for spec in optim_core.OPTIMIZERS.values():
        assert spec.latex in shown, spec.name


def test_comparison_table_is_the_registry() -> None:
    at = open_page("pages/learn.py")
    (table,) = [d.value for d in at.dataframe if "optimizer" in d.value.columns]
    assert list(table["optimizer"]) == [s.label for s in optim_core.OPTIMIZERS.values()]
    for field in dataclasses.fields(optim_core.Properties):
        expected = [getattr(s.properties, field.name) for s in optim_core.OPTIMIZERS.values()]
        assert list(table[field.name]) == expected, field.name


def test_every_linked_preset_exists_and_every_idea_is_linked() -> None:
    at = open_page("pages/learn.py")
    linked = {b.key.split(":")[1] for b in at.button if b.key.startswith("preset:")}
    assert linked <= set(PRESETS)
    assert linked >= SLUGS_TAUGHT


def test_a_preset_link_opens_the_playground_on_that_preset() -> None:
    at = open_page("pages/learn.py")
    at.button(key="preset:narrow-valley:momentum").click().run()
    assert not at.exception
    assert at.title[0].value == "Optimizer Playground"
    assert at.session_state["preset"] == "narrow-valley"
    assert at.session_state["optimizers"] == ["gd", "momentum"]


def test_a_training_link_opens_the_train_page_set_up() -> None:
    at = open_page("pages/learn.py")
    (button,) = [b for b in at.button if b.key.startswith("train:mlp:spirals:adam,adamw")]
    button.click().run()
    assert not at.exception
    assert at.title[0].value == "Train a model"
    assert at.session_state["train_dataset"] == "spirals"
    assert list(at.dataframe[0].value["optimizer"]) == ["Adam", "AdamW"]
