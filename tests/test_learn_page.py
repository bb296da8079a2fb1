"""The learn page: its new sections, its charts' computations, and the claims it no longer makes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from figure_checks import assert_all_finite
from streamlit.testing.v1 import AppTest

import optim_core
from ui.figures import learn as learn_figures
from ui.presets import PRESETS

TIMEOUT = 60
APP = Path(__file__).resolve().parent.parent / "app.py"

# Each section's scene button, by the key's (slug, where).
SECTION_BUTTONS = (
    ("narrow-valley", "momentum"),  # the effective learning rate η/(1 − β)
    ("polyak", "polyak"),
    ("sign-descent", "sign-descent"),
    ("rmsprop-first-steps", "rmsprop"),
    ("large-eps", "eps"),
    ("warmup", "warmup"),
    ("l2-vs-decoupled", "adamw"),
    ("noise-floor", "noise"),
)
# Claims a fact-check found false; none may come back.
FALSE_PHRASES = (
    "a share λ per step",
    "exactly η",
    "add nothing",
    "about η in every direction",
    "may stop",
    "average them with",
    "never grows back",
    "still about 3η",
)


@pytest.fixture(scope="module")
def learn() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.switch_page("pages/learn.py")
    return at.run()


def page_text(at: AppTest) -> str:
    return "\n".join(el.value for el in [*at.markdown, *at.caption])


def test_the_page_runs_and_draws_finite_charts(learn: AppTest) -> None:
    assert not learn.exception
    specs = [json.loads(c.proto.spec) for c in learn.get("plotly_chart")]
    assert len(specs) == 3  # the factors, the uncorrected step, Reddi et al.'s problem
    for spec in specs:
        assert_all_finite(spec)


def test_the_page_states_the_uncorrected_peak(learn: AppTest) -> None:
    text = page_text(learn)
    assert "3.2η at the first step" in text
    assert "about 6.6η near step 12" in text


@pytest.mark.parametrize("phrase", FALSE_PHRASES)
def test_no_false_claim_remains(learn: AppTest, phrase: str) -> None:
    assert phrase.lower() not in page_text(learn).lower()


@pytest.mark.parametrize(("slug", "where"), SECTION_BUTTONS)
def test_a_section_button_opens_the_playground_on_its_preset(slug: str, where: str) -> None:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.switch_page("pages/learn.py").run()
    at.button(key=f"preset:{slug}:{where}").click().run()
    assert not at.exception
    assert at.title[0].value == "Optimizer Playground"
    assert at.session_state["preset"] == slug
    assert at.session_state["optimizers"] == list(PRESETS[slug].scene.optimizers)


def test_the_uncorrected_step_peaks_near_step_12() -> None:
    sizes = learn_figures.uncorrected_step(0.9, 0.999, 3000)
    t = np.arange(1, 3001)
    # Kingma & Ba 2015, §3: under a steady gradient, m_t = (1 − β₁ᵗ)g and v_t = (1 − β₂ᵗ)g².
    np.testing.assert_allclose(sizes, (1 - 0.9**t) / np.sqrt(1 - 0.999**t), rtol=1e-9)
    assert sizes[0] == pytest.approx(3.162, abs=1e-3)
    assert np.argmax(sizes) + 1 == 12
    assert sizes.max() == pytest.approx(6.57, abs=0.01)
    assert sizes[-1] == pytest.approx(1.03, abs=0.01)  # still above η after 3,000 steps


def test_the_uncorrected_step_chart_marks_the_peak() -> None:
    sizes = learn_figures.uncorrected_step(0.9, 0.999, 100)
    spec = learn_figures.uncorrected_step_figure({"default": sizes})
    (peak,) = [t for t in spec["data"] if t["mode"] == "markers+text"]
    assert peak["x"] == [12]
    assert peak["text"] == ["6.6η at t = 12"]


def test_reddi_gradients_favour_minus_one() -> None:
    c = 3.0
    cycle = [learn_figures.reddi_gradient(t, c) for t in (1, 2, 3)]
    assert cycle == [c, -1.0, -1.0]
    assert sum(cycle) == pytest.approx(c - 2)  # > 0: the loss grows with x, the optimum is −1
    assert learn_figures.reddi_beta2(c) == pytest.approx(0.1)


def test_adam_drifts_to_plus_one_and_amsgrad_to_the_optimum() -> None:
    runs = {
        name: learn_figures.reddi_run(name, c=3.0, lr=0.05, steps=300)
        for name in ("adam", "amsgrad")
    }
    # The values the page's chart shows, measured: Adam stays within [0.947, 1] over its
    # last 30 steps, AMSGrad within [−1, −0.965]; each reaches its end of [−1, 1] every cycle.
    assert runs["adam"][-30:].min() > 0.94
    assert runs["adam"][-3:].max() == 1.0
    assert runs["amsgrad"][-30:].max() < -0.96
    assert runs["amsgrad"][-3:].min() == -1.0


def test_each_cycle_moves_adam_up_and_amsgrad_down() -> None:
    """The page's reason: Adam's small-gradient steps are nearly η, AMSGrad's stay small."""
    moves = {}
    for name in ("adam", "amsgrad"):
        spec = optim_core.OPTIMIZERS[name]
        hyper = spec.defaults() | {"lr": 1.0, "beta1": 0.0, "beta2": 0.1}
        x, state, steps = np.zeros(1), spec.init(np.zeros(1)), []
        for t in range(1, 61):  # far from the boundary: no projection, x stays put
            updates, state = spec.update(
                np.array([learn_figures.reddi_gradient(t, 3.0)]), state, x, **hyper
            )
            steps.append(updates[0])
        moves[name] = steps[-3:]
    np.testing.assert_allclose(moves["adam"], [-1.047, 0.762, 0.966], atol=1e-3)
    np.testing.assert_allclose(moves["amsgrad"], [-1.047, 0.349, 0.349], atol=1e-3)


def test_the_reddi_chart_shows_the_runs_and_the_optimum() -> None:
    runs = {"adam": np.array([0.0, 1.0]), "amsgrad": np.array([0.0, -1.0])}
    spec = learn_figures.reddi_figure(runs)
    names = [t["name"] for t in spec["data"]]
    assert names == ["the optimum, x = −1", "Adam", "AMSGrad"]
    assert spec["data"][0]["y"] == [-1.0, -1.0]
    assert spec["data"][1]["y"] == [0.0, 1.0]


def test_momentum_jitters_as_much_as_sgd_at_equal_effective_step() -> None:
    """The noise section's claim, on the app's momentum rule: the floor follows η/(1 − β)."""
    rng = np.random.default_rng(0)
    spec = optim_core.OPTIMIZERS["momentum"]
    eta_eff, runs, steps = 0.05, 400, 3000
    spread = {}
    for beta in (0.0, 0.9):
        hyper = {"lr": np.full(runs, eta_eff * (1 - beta)), "beta": np.full(runs, beta)}
        w = np.zeros((runs, 2))
        state, seen = spec.init(w), []
        for t in range(steps):
            grads = w + rng.standard_normal(w.shape)  # f = |w|²/2, gradient noise σ = 1
            updates, state = spec.update(grads, state, w, **hyper)
            w = w + updates
            if t >= steps // 2:
                seen.append(np.mean(w**2))
        spread[beta] = np.mean(seen)
    # Both near η_eff σ²/(2h) = 0.025 per coordinate; a smaller step would halve it.
    assert spread[0.9] == pytest.approx(spread[0.0], rel=0.1)
    assert spread[0.0] == pytest.approx(eta_eff / 2, rel=0.1)


@pytest.mark.parametrize(
    ("name", "hyper", "limit"),
    [("gd", {"lr": 0.1}, 20.0), ("momentum", {"lr": 0.01, "beta": 0.9}, 380.0)],
)
def test_at_equal_effective_step_momentum_takes_19_times_steeper_walls(
    name: str, hyper: dict, limit: float
) -> None:
    """The momentum section's claim, on the app's rules: stable for ηh < 2(1 + β), GD ηh < 2."""
    spec = optim_core.OPTIMIZERS[name]
    h = np.array([0.9 * limit, 1.1 * limit])  # one run just inside the limit, one outside
    w = np.ones((2, 2))
    state = spec.init(w)
    for _ in range(500):
        updates, state = spec.update(h[:, None] * w, state, w, **hyper)
        w = w + updates
    assert np.abs(w[0]).max() < 1e-3
    assert not np.abs(w[1]).max() < 1e3  # grown past 10³, or overflowed
