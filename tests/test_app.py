"""The playground rendered by Streamlit's AppTest: defaults, every preset, hostile links."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from figure_checks import assert_all_finite, charts, design_cards, element_figure, race_table
from streamlit.testing.v1 import AppTest

import optim_core
from ui import state
from ui.figures.player import MAX_FRAMES
from ui.presets import PRESETS

TIMEOUT = 60
APP = Path(__file__).resolve().parent.parent / "app.py"


def render(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def open_expander(at: AppTest, key: str) -> AppTest:
    """Open a lazy expander (an optimizer's ``open_<name>``), as a click on it would."""
    at.session_state[key] = True
    return at.run()


def figures_shown(at: AppTest) -> list[dict]:
    """Every Plotly figure on the page: st.plotly_chart specs and ui.plotly_element data."""
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    specs += [element_figure(c) for c in charts(at)]
    return [spec for spec in specs if spec.get("data")]


def figure(at: AppTest, key: str = "map") -> dict:
    for spec in figures_shown(at):
        uids = {t.get("meta") for t in spec["data"]}
        images = {i.get("name") for i in spec["layout"].get("images", [])}
        if (key == "map" and "contour" in images) or (key == "surface" and "surface" in uids):
            return spec
    raise AssertionError(f"no {key} figure rendered")


def assert_race_figure(spec: dict, optimizers) -> None:
    uids = [t.get("meta") for t in spec["data"]]
    (contour,) = spec["layout"]["images"]
    assert contour["source"].startswith("data:image/png;base64,") and contour["layer"] == "below"
    assert not any(t["type"] in ("contour", "heatmap") for t in spec["data"])
    for name in optimizers:
        for part in ("path", "trail", "marker", "lossmarker", "loss"):
            assert f"{part}-{name}" in uids
    frames = spec["frames"]
    assert 2 <= len(frames) <= MAX_FRAMES
    for frame in frames:
        assert "layout" not in frame  # frames never touch the contour image
        assert len(frame["traces"]) == len(frame["data"]) == 3 * len(optimizers)
        assert {uids[i].split("-")[0] for i in frame["traces"]} == {"trail", "marker", "lossmarker"}
    assert_all_finite(spec)


def test_default_scene_renders_the_race():
    at = render()
    assert not at.exception
    spec = figure(at)
    assert_race_figure(spec, state.DEFAULT_OPTIMIZERS)
    assert len(json.dumps(spec)) < 1_000_000  # the default scene stays under 1 MB
    assert at.query_params["opt"] == ",".join(state.DEFAULT_OPTIMIZERS)
    at.radio(key="view").set_value("surface").run()
    assert not at.exception
    assert figure(at, "surface")["data"][0]["type"] == "surface"
    assert at.query_params["view"] == "surface"
    table = race_table(at)
    assert [row["optimizer"] for row in table] == [
        "Gradient descent",
        "Momentum",
        "RMSprop",
        "Adam",
    ]
    ranks = sorted(int(row["rank"]) for row in table)
    assert ranks == list(range(1, len(state.DEFAULT_OPTIMIZERS) + 1))


@pytest.mark.parametrize("slug", list(PRESETS))
def test_every_preset_renders_through_its_link(slug):
    query = state.scene_to_query(PRESETS[slug].scene)
    at = render(query)
    assert not at.exception
    assert not at.warning, [w.value for w in at.warning]
    assert_race_figure(figure(at), PRESETS[slug].scene.optimizers)
    assert PRESETS[slug].title in at.info[0].value


@pytest.mark.parametrize("slug", list(PRESETS))
def test_choosing_a_preset_sets_every_control(slug):
    at = render()
    at.selectbox(key="preset").set_value(slug).run()
    assert not at.exception
    scene = PRESETS[slug].scene
    assert at.multiselect(key="optimizers").value == list(scene.optimizers)
    assert landscape_row(at)["name"] == scene.landscape
    for opt in scene.optimizers:
        for name, value in scene.hyperparams(opt).items():
            assert at.session_state[state.hp_key(opt, name)] == pytest.approx(value), (opt, name)
    assert at.query_params["preset"] == slug


def test_moving_a_slider_changes_only_that_run():
    at = render()
    before = figure(at)
    # Every racing optimizer's sliders are drawn at load, none behind a click.
    keys = {c["key"] for card in design_cards(at) for c in card["controls"]}
    assert {state.hp_key(n, "lr") for n in state.DEFAULT_OPTIMIZERS} <= keys
    at.session_state[state.hp_key("adam", "lr")] = 0.5  # as the design element's move sets it
    at.run()
    assert not at.exception
    after = figure(at)
    assert at.query_params["adam.lr"] == "0.5"
    paths = {t["meta"]: t for t in after["data"]}
    old = {t["meta"]: t for t in before["data"]}
    assert paths["path-adam"]["x"] != old["path-adam"]["x"]
    assert paths["path-gd"]["x"] == old["path-gd"]["x"]


HOSTILE = [
    {"land": "../../etc/passwd"},
    {"land": "custom", "fx": "__import__('os').system('touch CANARY')"},  # see below
    {"land": "custom", "fx": "9**9**9**9"},
    {"opt": "adam,evil,<script>alert(1)</script>"},
    {"adam.lr": "nan"},
    {"adam.lr": "1e999"},
    {"gd.lr": "-1"},
    {"adam.bias_correction": "maybe"},
    {"steps": "10000000"},
    {"steps": "ten"},
    {"x0": "1e308", "y0": "0"},
    {"x0": "1"},
    {"sched": "chaos"},
    {"land.kappa": "1e9"},
    {"noise": "-3"},
    {"tol": "0"},
    {"zzz": "1", "__class__": "x"},
    {
        "opt": ",".join(
            ["gd"] * 50
            + ["momentum", "nesterov", "adagrad", "rmsprop", "adam", "amsgrad", "nadam", "lion"]
        )
    },
]


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: "&".join(q)[:40])
def test_hostile_link_warns_and_falls_back(query, tmp_path):
    canary = tmp_path / "pwned"  # a payload that ran would create it
    at = render({k: v.replace("CANARY", str(canary)) for k, v in query.items()})
    assert not at.exception
    assert at.warning, "a broken link must say what it ignored"
    assert_race_figure(figure(at), at.multiselect(key="optimizers").value)
    assert not canary.exists()


def landscape_row(at: AppTest) -> dict:
    """The landscape's controls the map's element draws (``controls.landscape_spec``)."""
    (element,) = charts(at)
    return json.loads(element.proto.json).get("landscape")


def test_the_map_draws_the_landscapes_controls_from_their_declarations():
    at = render({"land": "quadratic", "land.kappa": "123"})
    row = landscape_row(at)
    assert [name for name, _ in row["choices"]] == [*optim_core.LANDSCAPES, "custom"]
    kappa, angle = row["params"]
    # κ is log-scaled: its grid, with the link's exact value among it, each value once.
    assert 123.0 in kappa["values"] and kappa["value"] == 123.0
    assert kappa["values"] == sorted(set(kappa["values"]))
    assert len(set(kappa["labels"])) == len(kappa["labels"])
    assert kappa["label"] == "κ · kappa" and kappa["help"]
    # θ is linear: its declared bounds, stepped by whole degrees.
    assert (angle["min"], angle["max"], angle["step"], angle["decimals"]) == (-90, 90, 1, 0)
    assert not at.get("selectbox") or "landscape" not in [s.key for s in at.selectbox]


def test_a_hidden_landscape_draws_no_controls():
    at = render({"hide": "landscape"})
    assert landscape_row(at) is None


def test_bad_custom_formula_keeps_previous_landscape():
    """The map's element sends the formula box's text (``state.landscape_move``); its error
    is drawn under the box, and the landscape before it stays on the map."""
    at = render()

    def contour():
        return figure(at)["layout"]["images"][0]["source"]

    at.session_state["landscape"] = "custom"
    at.run()
    before = contour()
    assert landscape_row(at)["formula"]["error"] is None
    at.session_state["formula"] = "x^2 + 2x"
    at.run()
    assert not at.exception
    assert "2*x" in landscape_row(at)["formula"]["error"]
    assert contour() == before  # the previous landscape stays
    at.session_state["formula"] = "x^2 + 3*y^2"
    at.run()
    assert landscape_row(at)["formula"]["error"] is None
    assert contour() != before


def test_the_3d_view_draws_the_landscapes_card_of_widgets():
    """Streamlit's chart (the 3D view) has no row of controls: the landscape's card does."""
    at = render({"land": "quadratic", "view": "surface"})
    assert at.selectbox(key="landscape").value == "quadratic"
    at.selectbox(key="landscape").set_value("rosenbrock").run()
    assert not at.exception
    assert at.query_params["land"] == "rosenbrock"


def test_diverged_run_is_reported_not_raised():
    at = render({"land": "quadratic", "opt": "gd", "gd.lr": "10", "steps": "100"})
    assert not at.exception
    assert any("diverged at step" in e.value and "smaller η" in e.value for e in at.error)
    spec = figure(at)
    assert_all_finite(spec)
    path = next(t for t in spec["data"] if t["meta"] == "path-gd")
    assert 2 <= len(base64.b64decode(path["x"]["bdata"])) // 4 <= 100
