"""The train page's settings: training-suited defaults, the link that reopens a training, and
hostile links (ui.train_state and pages/train.py under Streamlit's AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import optim_core
from optim_core import training
from ui import state, train_state

TIMEOUT = 120
APP = Path(__file__).resolve().parent.parent / "app.py"
PAGE = "pages/train.py"


def train_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.switch_page(PAGE).run()


def test_every_optimizer_has_a_measured_training_eta_on_its_slider() -> None:
    assert set(train_state.TRAIN_LR) == set(optim_core.OPTIMIZERS)
    for name, lr in train_state.TRAIN_LR.items():
        (param,) = [p for p in optim_core.OPTIMIZERS[name].hyperparams if p.name == "lr"]
        assert lr in state.log_grid(param), name


@pytest.mark.parametrize(("name", "playground_lr"), [("gd", 0.1), ("rmsprop", 0.01)])
def test_the_training_eta_trains_the_default_problem_better(name: str, playground_lr: float):
    """The measurement behind TRAIN_LR, on the page's default problem (moons, seed 0): the
    training η ends with a lower training loss than the playground's η."""
    data = training.make_dataset("moons", noise=0.2, seed=0)

    def final_loss(lr: float) -> float:
        result = training.train(
            name, data, "mlp", batch_size=32, epochs=100, seed=0, evaluations=2, lr=lr
        )
        return float(result.train_loss[-1])

    assert final_loss(train_state.TRAIN_LR[name]) < 0.5 * final_loss(playground_lr)


def test_the_page_starts_with_four_optimizers_at_training_eta() -> None:
    at = train_page()
    assert not at.exception
    assert at.session_state["train_optimizers"] == list(train_state.DEFAULT_OPTIMIZERS)
    assert list(train_state.DEFAULT_OPTIMIZERS) == ["gd", "momentum", "rmsprop", "adam"]
    labels = [optim_core.OPTIMIZERS[n].label for n in train_state.DEFAULT_OPTIMIZERS]
    assert list(at.dataframe[0].value["optimizer"]) == labels
    for name in train_state.DEFAULT_OPTIMIZERS:
        key = train_state.widget_key(name, "lr")
        assert at.session_state[key] == train_state.TRAIN_LR[name], name
        assert at.query_params[f"train.{name}.lr"] == str(train_state.TRAIN_LR[name])
    assert at.session_state[state.hp_key("gd", "lr")] == 0.1  # the playground's, untouched
    assert (at.dataframe[0].value["final validation accuracy"] > 0.9).all()


LINK = {
    "train.model": "logistic",
    "train.data": "blobs",
    "train.noise": "0.1",
    "train.batch": "16",
    "train.epochs": "3",
    "train.seed": "7",
    "train.opt": "adam,lion",
    "train.adam.lr": "0.02",
    "train.adam.bias_correction": "0",
    "train.lion.weight_decay": "0.01",
    "train.axis": "wall-clock time",
}


def test_settings_round_trip_through_their_link() -> None:
    settings, problems = train_state.settings_from_query(LINK)
    assert not problems
    assert settings.model == "logistic" and settings.batch == 16 and settings.seed == 7
    assert settings.hyperparams("adam")["bias_correction"] is False
    again, problems = train_state.settings_from_query(train_state.settings_to_query(settings))
    assert not problems
    for attribute in ("model", "dataset", "noise", "batch", "epochs", "seed", "axis"):
        assert getattr(again, attribute) == getattr(settings, attribute)
    for name in settings.optimizers:
        assert again.hyperparams(name) == settings.hyperparams(name)


def test_a_shared_link_reopens_the_same_training() -> None:
    at = train_page(LINK)
    assert not at.exception
    assert not at.warning, [w.value for w in at.warning]
    assert at.selectbox(key="train_model").value == "logistic"
    assert at.session_state["train_hp_adam_lr"] == 0.02
    assert at.radio(key="train_axis").value == "wall-clock time"
    table = at.dataframe[0].value
    assert list(table["optimizer"]) == ["Adam", "Lion"]
    written = {k: at.query_params[k] for k in at.query_params}
    assert {k: written[k] for k in LINK} == LINK  # the address bar holds the same training
    reopened = train_page(written)
    assert not reopened.exception and not reopened.warning
    again = reopened.dataframe[0].value
    assert list(again["final training loss"]) == list(table["final training loss"])


HOSTILE = {
    "train.model": "<script>alert(1)</script>",
    "train.data": "../../etc/passwd",
    "train.noise": "nan",
    "train.batch": "33",
    "train.epochs": "1e9",
    "train.seed": "-1",
    "train.opt": ",".join(["gd", "evil", "gd", "__import__('os')"] * 50),
    "train.gd.lr": "1e400",
    "train.adam.lr": "abc",
    "train.adam.bias_correction": "maybe",
    "train." + "x" * 5000: "1",
    "x0": "0.5",  # the playground's key: not this page's, so not read here
}


def test_a_hostile_link_warns_and_keeps_the_defaults() -> None:
    settings, problems = train_state.settings_from_query(HOSTILE)
    assert settings.model == train_state.MODEL.default
    assert settings.dataset == train_state.DATASET.default
    assert settings.noise == train_state.NOISE.default
    assert settings.batch == train_state.BATCH.default
    assert settings.epochs == train_state.EPOCHS.default
    assert settings.seed == train_state.SEED.default
    assert settings.optimizers == ("gd",)
    assert settings.hyperparams("gd")["lr"] == train_state.TRAIN_LR["gd"]
    assert settings.hyperparams("adam")["bias_correction"] is True
    assert len(problems) >= 10
    assert all(len(p) < 200 for p in problems)

    at = train_page({**HOSTILE, "train.epochs": "2"})  # a short training, the rest hostile
    assert not at.exception
    assert len(at.warning) >= 10
    assert list(at.dataframe[0].value["optimizer"]) == ["Gradient descent"]
    assert at.query_params["train.model"] == train_state.MODEL.default


KEYS = [train_state.PREFIX + k for k in (*train_state.FIELDS, "opt", "adam.lr", "gd.lr")]


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.one_of(st.sampled_from(KEYS), st.text(max_size=80)), st.text(max_size=400), max_size=12
    )
)
def test_any_link_is_read_without_raising(query: dict[str, str]) -> None:
    read, problems = train_state.settings_from_query(query)
    assert read.model in training.MODELS and read.dataset in training.DATASETS
    assert train_state.NOISE.contains(read.noise) and read.batch in train_state.BATCH.choices
    assert train_state.EPOCHS.contains(read.epochs) and train_state.SEED.contains(read.seed)
    assert 1 <= len(read.optimizers) <= train_state.MAX_OPTIMIZERS
    for name in read.optimizers:
        for param in optim_core.OPTIMIZERS[name].hyperparams:
            assert param.contains(read.hyperparams(name)[param.name])
    assert all(isinstance(p, str) and len(p) < 300 for p in problems)
