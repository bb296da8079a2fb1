"""The sweep-maps page rendered by Streamlit's AppTest, and its figure builders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from figure_checks import assert_all_finite, charts, design_cards, element_figure
from streamlit.testing.v1 import AppTest

import optim_core
from ui import controls, state
from ui.figures import sweep as sweep_figures

TIMEOUT = 60
APP = Path(__file__).resolve().parent.parent / "app.py"


def sweep_page(session: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.switch_page("pages/sweep.py")
    return at.run()


def figures_shown(at: AppTest) -> list[dict]:
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    specs += [element_figure(c) for c in charts(at)]
    return [spec for spec in specs if spec.get("data")]


def sweep_map(at: AppTest) -> dict:
    for spec in figures_shown(at):
        if any(t.get("meta") == "sweep" for t in spec["data"]):
            return spec
    raise AssertionError("no sweep map rendered")


@pytest.mark.parametrize(
    ("optimizer", "landscape", "outcome"),
    [
        ("momentum", "quadratic", "rate"),
        ("adam", "rosenbrock", "gap"),
        ("rmsprop", "himmelblau", "steps_to_tol"),
        ("nesterov", "saddle", "diverged"),
        ("adagrad", "beale", "gap"),
    ],
)
def test_page_renders_a_heatmap(optimizer, landscape, outcome):
    start = optim_core.LANDSCAPES[landscape].start
    at = sweep_page(
        {
            "sweep_opt": optimizer,
            "landscape": landscape,
            "x0": start[0],
            "y0": start[1],
            "sweep_n": 20,
            "sweep_outcome": outcome,
        }
    )
    assert not at.exception, [e.value for e in at.exception]
    spec = sweep_map(at)
    heat = [t for t in spec["data"] if t["type"] == "heatmap" and t["name"] != "diverged"]
    assert len(heat) == 1
    assert len(heat[0]["x"]) == len(heat[0]["z"][0]) == 20
    assert len(heat[0]["y"]) == len(heat[0]["z"]) == 20
    assert spec["layout"]["xaxis"].get("type") == "log"  # lr is log-scaled
    for figure in figures_shown(at):
        assert_all_finite(figure)


def test_gd_shows_a_curve_and_the_theory():
    at = sweep_page({"sweep_opt": "gd", "sweep_n": 30})
    assert not at.exception, [e.value for e in at.exception]
    shown = figures_shown(at)
    assert any(t.get("meta") == "sweep" and t["type"] == "scatter" for t in shown[0]["data"])
    theory = [s for s in shown if s["layout"].get("shapes")]
    assert theory, "the GD rate curve with 2/(L+μ) marked"
    gd = optim_core.gd_optimum(18.0 / 50.0, 18.0)
    assert theory[0]["layout"]["shapes"][0]["x0"] == pytest.approx(gd.lr)
    for figure in shown:
        assert_all_finite(figure)


def test_momentum_on_the_quadratic_marks_the_optimum_on_both_maps():
    at = sweep_page({"sweep_opt": "momentum", "sweep_n": 30, "land_kappa": 100.0})
    assert not at.exception, [e.value for e in at.exception]
    hb = optim_core.heavy_ball_optimum(0.18, 18.0)
    maps = [s for s in figures_shown(at) if any(t.get("meta") == "optimum" for t in s["data"])]
    assert [m["layout"]["title"]["text"].split(":")[0] for m in maps] == ["measured", "analytic"]
    for spec in maps:
        (mark,) = [t for t in spec["data"] if t.get("meta") == "optimum"]
        # the β axis is drawn in 1 − β on a log scale, labelled in β
        assert mark["x"] == [pytest.approx(hb.lr)] and mark["y"] == [pytest.approx(1 - hb.beta)]
        assert spec["layout"]["yaxis"]["type"] == "log"
        assert_all_finite(spec)


def test_a_beta_axis_is_logarithmic_in_one_minus_beta():
    at = sweep_page({"sweep_opt": "momentum", "sweep_n": 10})
    assert not at.exception, [e.value for e in at.exception]
    spec = sweep_map(at)
    beta = optim_core.HYPERPARAMS["beta"]
    gaps = spec["data"][0]["y"]
    assert gaps[0] == pytest.approx(1 - beta.low) and gaps[-1] == pytest.approx(1 - beta.high)
    ratios = np.diff(np.log10(gaps))
    assert np.allclose(ratios, ratios[0])  # evenly spaced in log(1 − β)
    axis = spec["layout"]["yaxis"]
    assert axis["type"] == "log" and axis["range"][0] > axis["range"][1]  # β grows upward
    labels = dict(zip(axis["ticktext"], axis["tickvals"], strict=True))
    assert list(labels) == ["0", "0.5", "0.9", "0.95", "0.99", "0.995", "0.999", "0.9995", "0.9999"]
    assert labels["0.9"] == pytest.approx(0.1) and labels["0.999"] == pytest.approx(1e-3)


def test_a_picked_cell_opens_the_playground_with_its_values():
    at = sweep_page({"sweep_n": 10})
    at.session_state["sweep_pick"] = {"optimizer": "adam", "values": {"lr": 0.0123, "beta1": 0.5}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Optimizer Playground"
    assert at.session_state[state.hp_key("adam", "lr")] == 0.0123
    assert at.session_state[state.hp_key("adam", "beta1")] == 0.5
    assert "adam" in at.session_state["optimizers"]
    assert at.query_params["adam.beta1"] == "0.5"


def test_the_best_momentum_cell_opens_exactly_not_on_the_slider_grid():
    # a cell of a 60 × 60 momentum sweep (η's 38th, β's 34th on a linear β axis): snapped to
    # the slider's grid, η = 0.18, momentum diverges on the quadratic
    lr, beta = float(np.geomspace(1e-4, 10.0, 60)[38]), float(np.linspace(0, 0.9999, 60)[34])
    assert lr not in state.slider_grid(optim_core.HYPERPARAMS["lr"])
    at = sweep_page({"sweep_n": 10, "optimizers": ["momentum"]})  # its sliders are drawn
    at.session_state["sweep_pick"] = {"optimizer": "momentum", "values": {"lr": lr, "beta": beta}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Optimizer Playground"
    assert at.session_state[state.hp_key("momentum", "lr")] == lr
    assert at.session_state[state.hp_key("momentum", "beta")] == beta
    assert float(at.query_params["momentum.lr"]) == lr
    assert float(at.query_params["momentum.beta"]) == beta
    # the sliders show those exact values, and another run keeps them
    (card,) = [c for c in design_cards(at) if c["name"] == "momentum"]
    drawn = {c["key"]: c for c in card["controls"]}
    for name, value in (("lr", lr), ("beta", beta)):
        control = drawn[state.hp_key("momentum", name)]
        assert control["value"] == value and value in control["values"]
        assert controls.fmt(value) in control["labels"]
    at.run()
    assert at.session_state[state.hp_key("momentum", "lr")] == lr


def test_heatmap_builder_marks_diverged_cells_without_nan():
    z = np.array([[1.0, np.nan], [np.inf, 2.0]])
    diverged = np.array([[-1, 3], [-1, -1]])
    spec = sweep_figures.sweep_heatmap(
        np.array([1e-3, 1e-2]),
        np.array([0.0, 0.9]),
        z,
        diverged,
        x_title="η",
        y_title="β",
        x_log=True,
        y_log=False,
        z_title="f",
    )
    main, grey = spec["data"]
    assert main["z"] == [[1.0, None], [None, 2.0]]
    assert grey["z"] == [[None, 3.0], [None, None]]
    assert_all_finite(spec)
    json.dumps(spec, allow_nan=False)


@pytest.mark.parametrize("landscape", ["rastrigin", "himmelblau", "six_hump_camel"])
def test_robustness_view_shows_a_share_per_optimizer(landscape):
    start = optim_core.LANDSCAPES[landscape].start
    at = sweep_page(
        {
            "landscape": landscape,
            "x0": start[0],
            "y0": start[1],
            "sweep_n": 10,
            "sweep_robust": True,
        }
    )
    assert not at.exception, [e.value for e in at.exception]
    shown = figures_shown(at)
    (bars,) = [s for s in shown if s["data"][0].get("meta") == "shares"]
    assert len(bars["data"][0]["y"]) == len(optim_core.OPTIMIZERS)
    assert all(0 <= y <= 100 for y in bars["data"][0]["y"])
    maps = [s for s in shown if s["data"][0].get("meta") == "starts"]
    assert len(maps) == len(optim_core.OPTIMIZERS)
    for spec in shown:
        assert_all_finite(spec)
    if landscape == "himmelblau":  # four minima, a smooth bowl: most starts find one
        assert max(bars["data"][0]["y"]) > 50


def test_ranges_stay_ranges_across_reruns_and_narrow_the_axes():
    at = sweep_page({"sweep_n": 10})
    at.toggle(key="sweep_robust").set_value(True)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.select_slider(key="sweep_range_momentum_beta").set_value((0.5, 0.9))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    heat = sweep_map(at)["data"][0]
    # drawn in 1 − β: from 1 − 0.5 to 1 − 0.9
    assert heat["y"][0] == pytest.approx(0.5) and heat["y"][-1] == pytest.approx(0.1)


def test_the_fair_race_tunes_each_eta_and_races_them_in_the_playground():
    at = sweep_page()
    at.toggle(key="sweep_fair").set_value(True).run()
    assert not at.exception
    (table,) = [d.value for d in at.dataframe if "tuned η" in d.value.columns]
    assert len(table) == len(state.DEFAULT_OPTIMIZERS)
    assert f"final f − f* after {state.Scene().steps} steps" in table.columns  # the valley's f* = 0
    tuned = dict(zip(table["optimizer"], table["tuned η"], strict=True))
    (race,) = [b for b in at.button if "Race them" in b.label]
    race.click().run()
    assert not at.exception
    assert at.title[0].value == "Optimizer Playground"
    for name in state.DEFAULT_OPTIMIZERS:
        label = optim_core.OPTIMIZERS[name].label
        assert at.session_state[state.hp_key(name, "lr")] == pytest.approx(tuned[label])


def test_the_fair_race_gives_f_itself_where_the_minimum_is_unknown():
    at = sweep_page({"landscape": "saddle"})
    at.toggle(key="sweep_fair").set_value(True).run()
    assert not at.exception
    (table,) = [d.value for d in at.dataframe if "tuned η" in d.value.columns]
    assert f"final f after {state.Scene().steps} steps" in table.columns
