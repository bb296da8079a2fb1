"""The train page's loss landscape: the plane's figure (ui.figures.train), its link fields
(ui.train_state) and its section of pages/train.py under Streamlit's AppTest."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import numpy as np
import pytest
from figure_checks import assert_all_finite, element_figure
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import optim_core
from optim_core import training
from ui import train_state
from ui.figures import encoding, player, style
from ui.figures import train as train_figures

TIMEOUT = 120
APP = Path(__file__).resolve().parent.parent / "app.py"
PAGE = "pages/train.py"
EPOCHS = 3  # a short training: the plane is what is tested


@functools.cache
def runs(model: str = "mlp", data: str = "moons", names=("gd", "adam")) -> dict:
    """Short trainings as the page runs them: its defaults, one seed, one data set."""
    dataset = training.make_dataset(data, n=400, noise=0.2, seed=0)
    return {
        name: training.train(
            name, dataset, model, batch_size=32, epochs=EPOCHS, seed=0, **train_state.defaults(name)
        )
        for name in names
    }


def plane_of(method: str = "pca", centre: str = "adam", **kwargs) -> optim_core.LossPlane:
    results = runs(**kwargs)
    data = kwargs.get("data", "moons")
    dataset = training.make_dataset(data, n=400, noise=0.2, seed=0)
    return optim_core.loss_plane(
        results, dataset, kwargs.get("model", "mlp"), method=method, center=centre, seed=0
    )


def plane_runs(results: dict) -> list[train_figures.PlaneRun]:
    return [
        train_figures.PlaneRun(
            n, optim_core.OPTIMIZERS[n].label, r.steps, r.train_loss, r.diverged_at
        )
        for n, r in results.items()
    ]


def trace(figure: dict, meta: str) -> dict:
    (found,) = [t for t in figure["data"] if t.get("meta") == meta]
    return found


# --- the figure builder ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["pca", "random"])
def test_the_figure_draws_the_planes_loss_and_every_path_in_its_colour(method: str) -> None:
    plane, results = plane_of(method), runs()
    figure = train_figures.plane_figure(plane, plane_runs(results))
    grid = trace(figure, "plane-loss")  # the loss under the pointer: the plane's, point by point
    np.testing.assert_array_equal(encoding.untyped(grid["customdata"]), plane.loss.ravel())
    alpha, beta = np.meshgrid(plane.alpha, plane.beta)
    np.testing.assert_allclose(encoding.untyped(grid["x"]), alpha.ravel(), rtol=1e-6)
    np.testing.assert_allclose(encoding.untyped(grid["y"]), beta.ravel(), rtol=1e-6)
    (picture,) = figure["layout"]["images"]
    assert picture["source"].startswith("data:image/png;base64,") and picture["layer"] == "below"
    assert picture["x"] == plane.alpha[0] and picture["sizex"] == pytest.approx(2 * plane.alpha[-1])
    for name, r in results.items():
        path = trace(figure, f"path-{name}")
        assert path["line"]["color"] == style.colour(name)
        assert train_figures.percent(plane.explained[name]) + " in plane" in path["name"]
        assert path["name"].startswith(optim_core.OPTIMIZERS[name].label)
        xy = np.column_stack([encoding.untyped(path["x"]), encoding.untyped(path["y"])])
        np.testing.assert_allclose(xy, plane.paths[name], rtol=1e-5, atol=1e-6)
        recorded, on_plane = (
            trace(figure, f"loss-recorded-{name}"),
            trace(figure, f"loss-plane-{name}"),
        )
        assert recorded["line"]["dash"] == "solid" and on_plane["line"]["dash"] == "dash"
        assert recorded["line"]["color"] == on_plane["line"]["color"] == style.colour(name)
        np.testing.assert_array_equal(encoding.untyped(recorded["y"]), r.train_loss)
        np.testing.assert_array_equal(encoding.untyped(on_plane["y"]), plane.path_loss[name])
    centre = trace(figure, "centre")
    assert (centre["x"], centre["y"]) == ([0.0], [0.0]) and "Adam" in centre["name"]
    assert_all_finite(figure)


def test_the_player_steps_through_training_steps_and_moves_along_the_projected_paths() -> None:
    plane, results = plane_of(), runs()
    figure = train_figures.plane_figure(plane, plane_runs(results))
    steps = results["adam"].steps
    named = figure["motion"]["steps"]
    assert named[0] == 0 and named[-1] == steps[-1] and set(named) <= set(steps.tolist())
    frames = player.motion_frames(figure)  # what the element builds in the browser
    assert [f["name"] for f in frames] == [str(s) for s in named]
    n = len(results)
    uids = [t.get("meta") for t in figure["data"]]
    for frame in (frames[0], frames[len(frames) // 2], frames[-1]):
        step = int(frame["name"])
        i = int(np.flatnonzero(steps == step)[0])  # the evaluation at that step
        for k, name in enumerate(results):
            marker = frame["data"][n + k]
            assert uids[frame["traces"][n + k]] == f"marker-{name}"
            np.testing.assert_allclose(
                [marker["x"][0], marker["y"][0]], plane.paths[name][i], rtol=1e-3, atol=1e-3
            )
            loss_marker = frame["data"][2 * n + k]
            assert loss_marker["x"] == [i]  # the loss panel is laid out by evaluation
            assert loss_marker["y"][0] == pytest.approx(results[name].train_loss[i], rel=1e-5)


def test_without_motion_the_figure_carries_its_frames_and_plotlys_player() -> None:
    plane, results = plane_of(), runs()
    figure = train_figures.plane_figure(plane, plane_runs(results), motion=False)
    assert "motion" not in figure and len(figure["frames"]) >= 2
    assert figure["layout"]["updatemenus"] and figure["layout"]["sliders"]
    assert_all_finite(figure)


def test_the_step_axis_labels_each_tick_with_the_step_at_its_place() -> None:
    steps = np.array([0, 3, 5, 8, 10, 13, 15, 18, 20, 23, 25])  # uneven, as rounding leaves them
    axis = train_figures.step_axis(steps)
    for place, text in zip(axis["tickvals"], axis["ticktext"], strict=True):
        # between evaluations i and i + 1, a place's step is interpolated linearly
        i = min(int(place), len(steps) - 2)
        at = steps[i] + (place - i) * (steps[i + 1] - steps[i])
        assert at == pytest.approx(float(text.replace(",", "")), abs=1e-2)
    assert axis["ticktext"][0] == "0" and len(axis["ticktext"]) >= 3


@pytest.mark.parametrize(
    ("share", "text"),
    [(0.0, "0 %"), (0.001, "< 1 %"), (0.87, "87 %"), (0.997, "> 99 %"), (1.0, "100 %")],
)
def test_a_share_never_rounds_to_all_or_nothing_unless_it_is(share: float, text: str) -> None:
    assert train_figures.percent(share) == text


def test_the_sentence_names_the_most_and_the_least_faithful_path() -> None:
    plane = plane_of()
    labels = {"gd": "Gradient descent", "adam": "Adam"}
    sentence = train_figures.faithfulness(plane, labels)
    most = max(plane.explained, key=plane.explained.get)
    least = min(plane.explained, key=plane.explained.get)
    assert most != least
    assert (
        f"holds {train_figures.percent(plane.explained[most])} of {labels[most]}'s path" in sentence
    )
    assert (
        f"{train_figures.percent(plane.explained[least])} of {labels[least]}'s, the least"
        in sentence
    )
    assert f"{plane.center.size:,} weights" in sentence


def test_the_picture_is_the_grid_interpolated_between_its_points() -> None:
    z = np.arange(12.0).reshape(3, 4) ** 2
    fine = train_figures.upsample(z, 4)
    assert fine.shape == (9, 13)
    np.testing.assert_array_equal(fine[::4, ::4], z)  # every grid point kept
    assert fine[0, 2] == pytest.approx((z[0, 0] + z[0, 1]) / 2)


# --- the link -------------------------------------------------------------------------------


def test_the_link_carries_the_planes_method_and_centre() -> None:
    link = {"train.opt": "gd,adam", "train.plane": "random", "train.centre": "gd"}
    read, problems = train_state.settings_from_query(link)
    assert not problems and (read.plane, read.centre) == ("random", "gd")
    written = train_state.settings_to_query(read)
    assert (written["train.plane"], written["train.centre"]) == ("random", "gd")
    default = train_state.settings_to_query(train_state.TrainSettings())
    assert "train.plane" not in default and "train.centre" not in default  # views: said if set


@pytest.mark.parametrize(
    ("link", "said"),
    [
        ({"train.plane": "hessian"}, "train.plane='hessian' is not one of pca, random"),
        ({"train.centre": "<b>x</b>"}, "train.centre='<b>x</b>' is not an optimizer"),
        ({"train.opt": "gd", "train.centre": "adam"}, "train.centre='adam' is not an optimizer"),
    ],
)
def test_a_bad_plane_in_a_link_is_said_and_the_default_kept(link: dict, said: str) -> None:
    read, problems = train_state.settings_from_query(link)
    assert (read.plane, read.centre) == (train_state.PLANE.default, train_state.BEST)
    assert any(p.startswith(said) for p in problems), problems


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["train.plane", "train.centre", "train.opt"]),
        st.one_of(st.sampled_from(["pca", "random", "best", "gd", "adam,lion", "lion"]), st.text()),
    )
)
def test_any_link_gives_a_plane_the_page_can_draw(query: dict[str, str]) -> None:
    read, problems = train_state.settings_from_query(query)
    assert read.plane in train_state.PLANE.choices
    assert read.centre in (train_state.BEST, *read.optimizers)
    assert all(len(p) < 300 for p in problems)


def test_a_centre_whose_run_was_taken_away_falls_back_to_the_best_run() -> None:
    widgets = {"train_optimizers": ["gd"], "train_centre": "adam", "train_plane": "random"}
    read = train_state.settings_from_widgets(widgets)
    assert (read.centre, read.plane) == (train_state.BEST, "random")


# --- the page -------------------------------------------------------------------------------


def train_page(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in {"train.epochs": str(EPOCHS), **query}.items():
        at.query_params[key] = value
    return at.switch_page(PAGE).run()


def plane_figure_on(at: AppTest) -> dict:
    (element,) = [e for e in at.get("bidi_component") if "train_plane_map" in e.proto.id]
    return element_figure(element)


def sentence_on(at: AppTest) -> str:
    (sentence,) = [m.value for m in at.markdown if m.value.startswith("The plane holds")]
    return sentence


PAIRS = [
    (model, data)
    for model, net in training.MODELS.items()
    for data, source in training.DATASETS.items()
    if net.fits(len(source.class_names))
]


@pytest.mark.parametrize(("model", "data"), PAIRS)
def test_the_section_renders_for_every_model_and_data_set(model: str, data: str) -> None:
    at = train_page({"train.model": model, "train.data": data, "train.opt": "momentum,adam"})
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    figure = plane_figure_on(at)
    assert {"path-momentum", "path-adam", "plane-loss"} <= {t.get("meta") for t in figure["data"]}
    assert len(figure["frames"]) >= 2
    assert_all_finite(figure)
    assert "The plane holds" in sentence_on(at)


def test_the_pages_sentence_states_the_planes_shares() -> None:
    at = train_page({"train.opt": "gd,adam"})
    plane = plane_of()  # the same training and plane, made here without the page
    labels = {"gd": "Gradient descent", "adam": "Adam"}
    assert sentence_on(at) == train_figures.faithfulness(plane, labels)
    shares = [int(s) for s in re.findall(r"(\d+) % of", sentence_on(at))]
    assert shares == sorted(round(100 * v) for v in plane.explained.values())[::-1]


def test_the_method_switch_and_the_centre_picker_change_the_plane() -> None:
    at = train_page({"train.opt": "gd,adam"})
    before = plane_figure_on(at)
    assert "Adam" in trace(before, "centre")["name"]  # the lowest final loss, here Adam's
    at.radio(key="train_plane").set_value("random").run()
    after = plane_figure_on(at)
    assert after["layout"]["xaxis"]["title"]["text"].startswith("α: random")
    loss = encoding.untyped(trace(after, "plane-loss")["customdata"])
    assert not np.array_equal(loss, encoding.untyped(trace(before, "plane-loss")["customdata"]))
    np.testing.assert_array_equal(loss, plane_of("random").loss.ravel())
    assert at.query_params["train.plane"] == "random"

    at.selectbox(key="train_centre").set_value("gd").run()
    centred = plane_figure_on(at)
    assert "Gradient descent" in trace(centred, "centre")["name"]
    np.testing.assert_array_equal(
        encoding.untyped(trace(centred, "plane-loss")["customdata"]),
        plane_of("random", "gd").loss.ravel(),
    )
    assert at.query_params["train.centre"] == "gd"


def test_a_shared_link_opens_the_same_plane() -> None:
    at = train_page({"train.opt": "gd,adam", "train.plane": "random", "train.centre": "gd"})
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert at.radio(key="train_plane").value == "random"
    assert at.selectbox(key="train_centre").value == "gd"
    written = {k: at.query_params[k] for k in at.query_params}
    reopened = train_page(written)
    assert not reopened.warning
    assert sentence_on(reopened) == sentence_on(at)
    np.testing.assert_array_equal(
        encoding.untyped(trace(plane_figure_on(reopened), "plane-loss")["customdata"]),
        encoding.untyped(trace(plane_figure_on(at), "plane-loss")["customdata"]),
    )


def test_removing_the_centres_optimizer_recentres_on_the_best_run() -> None:
    at = train_page({"train.opt": "gd,adam", "train.centre": "gd"})
    at.multiselect(key="train_optimizers").set_value(["adam"]).run()
    assert not at.exception
    assert at.selectbox(key="train_centre").value == train_state.BEST
    assert "train.centre" not in at.query_params
    assert "Adam" in trace(plane_figure_on(at), "centre")["name"]


def test_where_the_element_cannot_load_the_plane_is_a_plotly_chart_with_its_own_player(
    monkeypatch,
) -> None:
    from ui import plotly_element

    monkeypatch.setattr(plotly_element, "available", lambda: False)
    at = train_page({"train.opt": "gd,adam"})
    assert not at.exception and not at.get("bidi_component")
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    (figure,) = [s for s in specs if any(t.get("meta") == "plane-loss" for t in s["data"])]
    assert len(figure["frames"]) >= 2 and figure["layout"]["sliders"]
    np.testing.assert_array_equal(
        encoding.untyped(trace(figure, "plane-loss")["customdata"]), plane_of().loss.ravel()
    )
