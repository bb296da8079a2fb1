"""The inspector page and ui.explain: every optimizer renders, and the equations' numbers are
the trajectory's own, checked against hand-computed first steps."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from figure_checks import assert_all_finite
from streamlit.testing.v1 import AppTest

import optim_core
from ui import explain, state
from ui.figures import inspector as inspector_figures

TIMEOUT = 60
APP = Path(__file__).resolve().parent.parent / "app.py"
PAGE = "pages/inspector.py"
QUADRATIC = optim_core.LANDSCAPES["quadratic"]


def inspector(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.switch_page(PAGE).run()


def chart(at: AppTest, key: str) -> dict:
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if key == "inspector_map" and spec["layout"].get("images"):
            return spec
        if key == "inspector_series" and not spec["layout"].get("images"):
            return spec
    raise AssertionError(f"no {key} figure rendered")


def metas(spec: dict) -> list[str]:
    return [t.get("meta") for t in spec["data"]]


@pytest.mark.parametrize("name", list(optim_core.OPTIMIZERS))
def test_every_optimizer_renders_at_default_and_last_step(name):
    at = inspector({"inspect": name})
    assert not at.exception
    assert at.selectbox(key="inspect").value == name
    for k in (at.slider(key="inspect_step").value, state.Scene.steps):
        at.slider(key="inspect_step").set_value(k).run()
        assert not at.exception
        spec = chart(at, "inspector_map")
        assert_all_finite(spec)
        arrows = [m for m in metas(spec) if m.startswith("arrow-")]
        assert {"arrow-gradient", "arrow-step"} <= set(arrows), (k, arrows)
        has_moment = any(
            key in optim_core.OPTIMIZERS[name].init(np.zeros(2))._fields
            for key in ("velocity", "m")
        )
        assert ("arrow-momentum" in arrows) == has_moment
        for trace in spec["data"]:
            if trace["meta"].startswith("arrow-"):
                assert trace["marker"]["symbol"][-1] == "arrow"
                assert trace["marker"]["angleref"] == "previous"
        series = chart(at, "inspector_series")
        assert_all_finite(series)
        assert series["layout"]["shapes"][0]["x0"] == k
        assert any(m.startswith("series-grad-0-") for m in metas(series))
        assert at.latex, "the update rule with its numbers"
        assert at.info, "a sentence says what happened"
    assert at.query_params["inspect"] == name if name != state.Scene.inspect else True


def test_adaptive_series_and_bias_factors_only_where_they_exist():
    at = inspector({"inspect": "adam"})
    rows = {m.split("-")[1] for m in metas(chart(at, "inspector_series"))}
    assert {"grad", "m", "v", "m_hat", "v_hat", "bias", "step_size"} <= rows
    at.selectbox(key="inspect").set_value("momentum").run()
    rows = {m.split("-")[1] for m in metas(chart(at, "inspector_series"))}
    assert rows == {"grad", "velocity"}
    at.selectbox(key="inspect").set_value("nadam").run()
    bias = [m for m in metas(chart(at, "inspector_series")) if m.startswith("series-bias")]
    assert bias == ["series-bias-0-1/(1−β₂ᵗ)"]  # NAdam corrects v only


def test_setting_b_draws_a_second_run_and_its_eps_matters():
    at = inspector({"inspect": "adam"})
    at.toggle(key="ab_on").set_value(True).run()
    assert not at.exception
    assert "inspect-path-1" in metas(chart(at, "inspector_map"))
    assert at.session_state["ab_adam_bias_correction"] is False
    assert at.session_state["ab_adam_eps"] == at.session_state[state.hp_key("adam", "eps")]

    def b_step_size() -> np.ndarray:
        series = {t["meta"]: t["y"] for t in chart(at, "inspector_series")["data"]}
        assert "series-bias-1-1/(1−β₁ᵗ)" not in series  # B has bias correction off
        return np.array(series["series-step_size-1-x"], dtype=float)

    at.select_slider(key="ab_adam_eps").set_value(0.1).run()
    capped = b_step_size()
    assert capped.max() <= 0.05 / 0.1  # ε = 0.1 caps η/(√v̂+ε) at η/ε
    at.select_slider(key="ab_adam_eps").set_value(1e-8).run()
    assert b_step_size().max() > 2 * capped.max(), "the ε slider must visibly matter"


def arrow_scales(spec: dict) -> set[float]:
    """The factor every arrow trace says it is drawn at ("…, drawn ×5")."""
    names = [t["name"] for t in spec["data"] if t["meta"].startswith("arrow-")]
    assert names
    return {float(re.search(r"drawn ×([\d.e+-]+)", n).group(1)) for n in names}


def step_caption(at: AppTest) -> str:
    (caption,) = [c.value for c in at.caption if "‖step‖" in c.value]
    return caption


def test_one_arrow_scale_across_the_switch_and_settings_a_and_b():
    """The arrows keep their scale when A's bias correction flips and when B is drawn, so a
    learner can compare their lengths; the lengths are printed as numbers too."""
    at = inspector({"inspect": "adam", "k": "3"})
    (scale,) = arrow_scales(chart(at, "inspector_map"))
    for k in (1, 30, 3):  # and along the run, so a step's arrow compares with the next's
        at.slider(key="inspect_step").set_value(k).run()
        assert arrow_scales(chart(at, "inspector_map")) == {scale}, k
        at.toggle(key=state.hp_key("adam", "bias_correction")).set_value(False).run()
        assert arrow_scales(chart(at, "inspector_map")) == {scale}, k
        at.toggle(key=state.hp_key("adam", "bias_correction")).set_value(True).run()
    at.toggle(key="ab_on").set_value(True).run()
    spec = chart(at, "inspector_map")
    assert arrow_scales(spec) == {scale}
    # The printed lengths are the drawn arrows' lengths divided by the one scale.
    drawn = {
        t["name"]: np.hypot(np.diff(t["x"])[0], np.diff(t["y"])[0]) / scale
        for t in spec["data"]
        if t["meta"] in ("arrow-step", "arrow-gradient")
    }
    a_step = next(v for n, v in drawn.items() if n.startswith("step taken,"))
    b_step = next(v for n, v in drawn.items() if n.startswith("step taken (B)"))
    gd_step = next(v for n, v in drawn.items() if n.startswith("−η∇L"))
    shown = [
        float(x) for x in re.findall(r"(?:= |; )(\d+(?:\.\d+)?(?:e[+-]?\d+)?)", step_caption(at))
    ]
    assert shown == pytest.approx([a_step, b_step, gd_step], rel=2e-3)
    assert b_step > 2 * a_step, "without bias correction Adam's early steps are longer"


def test_the_ab_caption_says_what_b_changes():
    at = inspector({"inspect": "momentum"})
    at.toggle(key="ab_on").set_value(True).run()
    assert any("β (0.5 in B, 0.9 in A)" in c.value for c in at.caption)
    at.radio(key="ab_momentum_formulation").set_value("classic").run()
    assert not at.exception
    assert any("formulation (classic in B, pytorch in A)" in c.value for c in at.caption)


def test_momentum_conventions_agree_without_schedule_and_part_with_one():
    at = inspector({"inspect": "momentum"})
    assert "inspect-path-1" in metas(chart(at, "inspector_map"))
    assert any("same path" in c.value for c in at.caption)
    at.selectbox(key="schedule").set_value("cosine").run()
    assert not at.exception
    assert any("the paths differ" in c.value for c in at.caption)


def test_a_link_opens_the_inspector_at_its_step():
    at = inspector({"inspect": "rmsprop", "k": "37"})
    assert not at.exception
    assert at.slider(key="inspect_step").value == 37
    assert at.query_params["k"] == "37" and at.query_params["inspect"] == "rmsprop"


def test_the_scene_survives_switching_pages():
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.session_state[state.hp_key("adam", "lr")] = 0.5  # as the design element's move sets it
    at.run()
    at.number_input(key="x0").set_value(1.5).run()
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.session_state[state.hp_key("adam", "lr")] == 0.5
    assert at.session_state["x0"] == 1.5
    assert at.query_params["adam.lr"] == "0.5" and at.query_params["x0"] == "1.5"
    at.selectbox(key="inspect").set_value("lion").run()
    at.select_slider(key=state.hp_key("lion", "lr")).set_value(0.02).run()
    at.switch_page("pages/playground.py").run()
    assert not at.exception
    assert at.session_state["x0"] == 1.5 and at.session_state[state.hp_key("adam", "lr")] == 0.5
    assert at.query_params["inspect"] == "lion" and at.query_params["lion.lr"] == "0.02"


# --- ui.explain ------------------------------------------------------------------------------

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:\\times10\^\{-?\d+\})?")


def numbers(line: str) -> list[float]:
    """The numbers of one substituted line, ``1.5\\times10^{-3}`` included, in order."""
    body = line.split("&=", 1)[1]
    body = re.sub(r"_\{[^}]*\}|\^2|\^\{\d+\}(?!\})", "", body)
    out = []
    for token in NUMBER.findall(body):
        mantissa, _, exponent = token.partition(r"\times10^{")
        out.append(float(mantissa) * 10.0 ** int(exponent.rstrip("}") or 0))
    return out


def lines(equation: explain.Equation) -> list[str]:
    return (
        equation.latex.removeprefix(r"\begin{aligned}")
        .removesuffix(r"\end{aligned}")
        .split(r" \\ ")[1:]
    )


def run(name: str, steps: int = 30, **hyper) -> optim_core.Trajectory:
    return optim_core.run(name, QUADRATIC, QUADRATIC.start, steps, **hyper)


DECAYED = [(name, {}) for name in optim_core.OPTIMIZERS] + [("adam", {"weight_decay": 0.1})]


@pytest.mark.parametrize(("name", "hyper"), DECAYED)
@pytest.mark.parametrize("k", [1, 2, 30])
def test_substituted_numbers_are_the_trajectorys_state(name, hyper, k):
    traj = run(name, **hyper)
    eqs = explain.equations(traj, k)
    assert eqs and eqs[-1].name in ("w", "m")
    for eq in eqs:
        truth = traj.params[k] if eq.name == "w" else traj.recorded.get(eq.name)
        if eq.name in traj.recorded:
            truth = traj.recorded[eq.name][k]
        if truth is not None:
            np.testing.assert_allclose(eq.value, truth, rtol=1e-12, err_msg=eq.name)
        for c, line in enumerate(lines(eq)):
            shown = numbers(line)[-1]  # the result, after the last "="
            assert shown == pytest.approx(eq.value[c], rel=1e-3, abs=1e-12), (eq.name, line)


@pytest.mark.parametrize("name", ["adam", "amsgrad", "adamw", "nadam", "rmsprop"])
def test_running_means_recombine_from_the_shown_operands(name):
    """m_t = β·(prev) + (1−β)·g: the shown operands give the shown result (4 digits)."""
    traj = run(name)
    for eq in explain.equations(traj, 7):
        if eq.name not in ("m", "v"):
            continue
        for line in lines(eq):
            beta, prev, one_minus, g, result = numbers(line)
            square = g * g if eq.name == "v" else g
            assert beta * prev + one_minus * square == pytest.approx(result, rel=2e-3)
            assert beta + one_minus == pytest.approx(1.0)


@pytest.mark.parametrize("k", [1, 2, 30])
def test_adam_l2_line_and_moments_use_the_decayed_gradient(k):
    """With λ > 0 Adam shows g ← g + λw, and its m and v recombine from that g."""
    traj = run("adam", weight_decay=0.1)
    eqs = {eq.name: eq for eq in explain.equations(traj, k)}
    assert r"\lambda\, w_{t-1}" in eqs["g"].latex
    decayed = traj.grads[k - 1] + 0.1 * traj.params[k - 1]
    np.testing.assert_allclose(eqs["g"].value, decayed)
    for line, value in zip(lines(eqs["g"]), decayed, strict=True):
        g, lam, w, result = numbers(line)
        assert g + lam * w == pytest.approx(result, rel=2e-3, abs=1e-9)
        assert result == pytest.approx(value, rel=1e-3)
    for name in ("m", "v"):
        for line in lines(eqs[name]):
            beta, prev, one_minus, g, result = numbers(line)
            square = g * g if name == "v" else g
            assert beta * prev + one_minus * square == pytest.approx(result, rel=2e-3)
    np.testing.assert_allclose(eqs["m"].value, traj.recorded["m"][k])
    assert "g" not in {eq.name for eq in explain.equations(run("adam"), k)}  # λ = 0: no line
    assert "g" not in {eq.name for eq in explain.equations(run("adamw"), k)}  # decoupled


def test_adam_first_step_by_hand():
    """At t = 1 with bias correction m̂ = g, v̂ = g², so the step is −η g/(|g|+ε) ≈ −η sign g."""
    traj = run("adam", lr=0.05, beta1=0.9, beta2=0.999, eps=1e-8)
    g = QUADRATIC.grad(np.asarray(QUADRATIC.start, dtype=float))
    values = {eq.name: eq.value for eq in explain.equations(traj, 1)}
    np.testing.assert_allclose(values["m"], 0.1 * g)
    np.testing.assert_allclose(values["v"], 0.001 * g**2)
    np.testing.assert_allclose(values["m_hat"], g, rtol=1e-9)
    np.testing.assert_allclose(values["v_hat"], g**2, rtol=1e-9)
    np.testing.assert_allclose(values["w"] - traj.params[0], -0.05 * np.sign(g), rtol=1e-6)


def test_momentum_first_steps_by_hand():
    traj = run("momentum", lr=0.05, beta=0.9)
    w0 = np.asarray(QUADRATIC.start, dtype=float)
    g0 = QUADRATIC.grad(w0)
    w1 = w0 - 0.05 * g0
    g1 = QUADRATIC.grad(w1)
    values = {eq.name: eq.value for eq in explain.equations(traj, 2)}
    np.testing.assert_allclose(values["velocity"], 0.9 * g0 + g1)
    np.testing.assert_allclose(values["w"], w1 - 0.05 * (0.9 * g0 + g1))


def test_sentences_say_adam_adapts():
    traj = run("adam", steps=5)
    said = " ".join(explain.sentences(traj, 1, "Adam"))
    assert "larger than along" in said and "smaller than plain GD's" in said


def said(traj: optim_core.Trajectory, k: int) -> str:
    return " ".join(explain.sentences(traj, k, "Momentum"))


def test_momentum_overshoots_only_when_it_climbs_past_the_floor():
    """True case: the step climbs along c and the loss rises, checked on the landscape itself
    (the loss along c alone rises too, and the iterate moves away from the floor y = 0)."""
    traj = run("momentum", steps=200)
    flagged = [k for k in range(1, 201) if "overshoots" in said(traj, k)]
    assert flagged, "on the narrow valley momentum overshoots at some step"
    for k in flagged:
        c = explain.overshoots(traj, k)
        w0, w1 = traj.params[k - 1], traj.params[k]
        assert QUADRATIC.f(w1) > QUADRATIC.f(w0)
        along_c = w0.copy()
        along_c[c] = w1[c]
        assert QUADRATIC.f(along_c) > QUADRATIC.f(w0), "the loss along c rises"
        assert abs(w1[c]) > abs(w0[c]), "moving away from the valley floor along c"


def test_a_step_against_the_gradient_while_the_loss_falls_is_no_overshoot():
    """False case: the step goes against −∇L along a coordinate but the loss still falls; the
    sentence must not claim an overshoot (it says the loss still falls)."""
    traj = run("momentum", steps=200)
    against = [
        k
        for k in range(1, 201)
        if np.any(traj.recorded["update"][k] * traj.grads[k - 1] > 0)
        and QUADRATIC.f(traj.params[k]) < QUADRATIC.f(traj.params[k - 1])
    ]
    assert against, "the quadratic has such steps for momentum (e.g. k = 16)"
    for k in against:
        assert explain.overshoots(traj, k) is None
        assert "overshoots" not in said(traj, k)
        assert "the loss still falls" in said(traj, k)


def test_bias_correction_sentence_gives_both_factors_and_the_net_effect():
    """The net factor is the ratio of Adam's first step with and without the correction."""
    on, off = run("adam", steps=3), run("adam", steps=3, bias_correction=False)
    ratio = np.linalg.norm(on.recorded["update"][1]) / np.linalg.norm(off.recorded["update"][1])
    assert ratio == pytest.approx(np.sqrt(0.001) / 0.1, rel=1e-4)  # 0.316 (Kingma & Ba §3)
    text = " ".join(explain.sentences(on, 1, "Adam"))
    assert "1−β₁ᵗ = 0.1" in text and "1−β₂ᵗ = 0.001" in text
    assert f"= {ratio:.3g}" in text and "smaller than it would be without it" in text
    assert "0.316" not in " ".join(explain.sentences(off, 1, "Adam"))
    # β₁ = 0.99, β₂ = 0.9: the correction makes the first step larger, and says so.
    big = run("adam", steps=3, beta1=0.99, beta2=0.9)
    assert "larger than it would be without it" in " ".join(explain.sentences(big, 1, "A"))


def test_rmsprop_first_step_is_about_eta_over_root_one_minus_beta2():
    traj = run("rmsprop", steps=3, lr=0.01, beta2=0.99)
    moved = np.abs(traj.recorded["update"][1]) / 0.01
    np.testing.assert_allclose(moved, 10.0, rtol=1e-4)  # η g/√(0.01 g²) = 10η
    assert "about 10η" in " ".join(explain.sentences(traj, 1, "RMSprop"))


def test_lion_sentence_states_the_decay_and_the_zero_sign():
    traj = run("lion", steps=3, weight_decay=0.001)
    text = " ".join(explain.sentences(traj, 1, "Lion"))
    assert "η(sign(c) + 0.001·w)" in text and "where c = 0" in text
    eta = traj.lr[0]
    expected = -eta * (np.sign(traj.grads[0]) + 0.001 * traj.params[0])  # m₀ = 0: c ∝ g
    np.testing.assert_allclose(traj.recorded["update"][1], expected)


def test_arrows_share_step_units():
    traj = run("momentum")
    by_kind = {a.kind: a for a in explain.arrows(traj, 3)}
    np.testing.assert_allclose(by_kind["step"].vector, traj.params[3] - traj.params[2])
    np.testing.assert_allclose(by_kind["momentum"].vector, by_kind["step"].vector)  # pytorch
    np.testing.assert_allclose(by_kind["gradient"].vector, -traj.lr[2] * traj.grads[2])
    assert [a.kind for a in explain.arrows(traj, 0)] == ["gradient"]


@pytest.mark.parametrize("name", list(optim_core.OPTIMIZERS))
def test_setting_b_changes_one_thing(name):
    defaults = optim_core.OPTIMIZERS[name].defaults()
    b = explain.setting_b(name, defaults)
    changed = {key for key in defaults if b[key] != defaults[key]}
    assert len(changed) == 1, changed
    if name == "adam":
        assert changed == {"bias_correction"} and b["bias_correction"] is False
    (key,) = changed
    assert explain.contrast(name, defaults)[0] == key


def test_setting_b_skips_a_contrast_a_already_has():
    a = {**optim_core.OPTIMIZERS["nesterov"].defaults(), "beta": 0.5}
    b = explain.setting_b("nesterov", a)
    assert b["beta"] == 0.5 and b["lr"] == a["lr"] / 2


def test_map_draws_every_arrow_at_the_scale_given():
    tiny = inspector_figures.MapArrow("step", "step taken", np.zeros(2), np.array([1e-4, 0.0]))
    long = inspector_figures.MapArrow("gradient", "−η∇L", np.zeros(2), np.array([3.0, 0.0]))
    spec = inspector_figures.inspector_map(
        "data:image/png;base64,", QUADRATIC.window, np.zeros((1, 2)), [], 0, [tiny, long], scale=2
    )
    heads = {t["meta"]: t["x"][1] for t in spec["data"] if t["meta"].startswith("arrow-")}
    assert heads == {"arrow-step": pytest.approx(2e-4), "arrow-gradient": pytest.approx(6.0)}
    assert arrow_scales(spec) == {2.0}


def test_figures_never_carry_nan():
    traj = run("adam", steps=10, lr=10.0)  # big steps, possibly diverging
    arrows = [
        inspector_figures.MapArrow(a.kind, a.label, a.origin, a.vector)
        for a in explain.arrows(traj, 10)
    ]
    xy = traj.params[np.isfinite(traj.params).all(axis=1)]
    spec = inspector_figures.inspector_map(
        "data:image/png;base64,",
        QUADRATIC.window,
        np.zeros((1, 2)),
        [inspector_figures.InspectedRun("A", xy, "#000")],
        10,
        arrows,
    )
    assert_all_finite(spec)
    assert_all_finite(
        inspector_figures.inspector_series(
            [("A", "#000", explain.series(traj))], explain.SERIES_TITLES, explain.LOG_SERIES, 10, 10
        )
    )
    assert (
        inspector_figures.nice_scale(0.01, 10) == 200
        and inspector_figures.nice_scale(0.0, 10) == 1.0
    )


@pytest.mark.parametrize("name", ["schedule_free_sgd", "schedule_free_adamw"])
def test_map_draws_schedule_free_points_where_the_run_has_them(name):
    """Step k's gradient was taken at y_{k−1} (the gradient arrow's origin), its base step
    moved z to z_k, and x_k, the run's own marker, is the point reported."""
    traj, k = run(name, steps=10, lr=0.3), 6
    points = [
        inspector_figures.MapPoint(p.name, p.meaning, p.xy, "#661100")
        for p in explain.points(traj, k)
    ]
    spec = inspector_figures.inspector_map(
        "data:image/png;base64,", QUADRATIC.window, np.zeros((1, 2)), [], k, [], points=points
    )
    drawn = {t["meta"]: t for t in spec["data"] if t["meta"].startswith("point-")}
    expected = {
        "point-y": traj.recorded["y"][k - 1],
        "point-z": traj.recorded["z"][k],
        "point-x": traj.params[k],
    }
    assert set(drawn) == set(expected)
    for meta, xy in expected.items():
        assert [drawn[meta]["x"][0], drawn[meta]["y"][0]] == pytest.approx(xy, abs=1e-4), meta
    assert len({drawn[m]["marker"]["symbol"] for m in drawn}) == 3  # told apart by shape too
    assert drawn["point-y"]["name"] == "y: where the gradient is taken"
    assert drawn["point-z"]["name"].startswith("z: the base sequence")
    assert drawn["point-x"]["name"] == "x: the averaged point reported"
    assert all(t["name"] in t["hovertemplate"] for t in drawn.values())
    (gradient,) = [a for a in explain.arrows(traj, k) if a.kind == "gradient"]
    np.testing.assert_array_equal(gradient.origin, expected["point-y"])
    assert len({tuple(np.round(xy, 6)) for xy in expected.values()}) == 3  # three places


@pytest.mark.parametrize("name", list(optim_core.OPTIMIZERS))
def test_the_points_a_rule_declares_are_what_its_run_records(name):
    """A declared point is recorded (or is the iterate x); a rule whose gradient is taken
    away from its iterate declares where, so the map shows it."""
    traj = run(name, steps=5)
    declared = optim_core.OPTIMIZERS[name].points
    assert {p.key for p in declared} <= set(traj.recorded) | {"x"}
    elsewhere = not np.allclose(traj.grads[1:5], QUADRATIC.grad(traj.params[1:5]))
    assert elsewhere == any(p.before for p in declared)
    if not declared:
        assert explain.points(traj, 3) == []


def test_the_page_draws_schedule_free_points():
    at = inspector({"inspect": "schedule_free_sgd"})
    at.slider(key="inspect_step").set_value(5).run()
    assert {"point-y", "point-z", "point-x"} <= set(metas(chart(at, "inspector_map")))
    at.selectbox(key="inspect").set_value("adam").run()
    assert not [m for m in metas(chart(at, "inspector_map")) if m.startswith("point-")]
