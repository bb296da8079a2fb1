"""Named scenes that each show one idea, with a few sentences on what to watch.

A preset is a whole ``Scene``: choosing one sets every control, and its link is the
scene's link. Numbers were chosen by running them (``tests/test_presets.py`` checks that
each still shows what its text promises).
"""

from __future__ import annotations

import dataclasses

from ui.state import Scene, apply_scene


@dataclasses.dataclass(frozen=True)
class Preset:
    title: str
    text: str
    scene: Scene


PRESETS: dict[str, Preset] = {
    "narrow-valley": Preset(
        "Narrow valley: GD zig-zags, momentum glides",
        "The valley is 50 times steeper across than along. Plain GD's η is limited by the steep "
        "direction, so it bounces from wall to wall and crawls along the floor. Momentum "
        "runs at a tenth of GD's η, yet its velocity builds up along the floor (with β = 0.9, "
        "up to ten steps' worth) while the bounces across cancel out: a smooth, faster glide.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 50.0, "angle": 25.0},
            optimizers=("gd", "momentum"),
            hyper={"gd": {"lr": 0.1}, "momentum": {"lr": 0.01, "beta": 0.9}},
            steps=150,
            preset="narrow-valley",
        ),
    ),
    "momentum-overshoots": Preset(
        "Momentum overshoots",
        "With β = 0.95 the velocity remembers about twenty past gradients. The ball runs "
        "past the minimum, turns, and spirals in; the loss curve is not monotone. Lower β "
        "and watch the spiral tighten; Nesterov looks ahead and brakes earlier.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 4.0, "angle": 0.0},
            optimizers=("gd", "momentum", "nesterov"),
            hyper={
                "gd": {"lr": 0.02},
                "momentum": {"lr": 0.02, "beta": 0.95},
                "nesterov": {"lr": 0.02, "beta": 0.95},
            },
            steps=150,
            preset="momentum-overshoots",
        ),
    ),
    "adam-adapts": Preset(
        "Adam adapts to scale",
        "Along y the valley is 100 times steeper than along x. GD's step is η times the "
        "gradient: even at the largest η that is stable along y, it creeps along x. RMSProp "
        "and Adam divide each coordinate by the root-mean-square of its own gradients: both "
        "axes get steps of about η, and they head almost straight for the minimum.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 100.0, "angle": 0.0},
            optimizers=("gd", "rmsprop", "adam"),
            hyper={"gd": {"lr": 0.1}, "rmsprop": {"lr": 0.05}, "adam": {"lr": 0.1}},
            steps=200,
            preset="adam-adapts",
        ),
    ),
    "adagrad-dies": Preset(
        "AdaGrad's steps die out",
        "AdaGrad divides by the square root of the sum of all past squared gradients, so its "
        "step only ever shrinks: on the long Rosenbrock valley it stalls far from the "
        "minimum. RMSProp forgets old gradients (β₂) and keeps moving.",
        Scene(
            landscape="rosenbrock",
            optimizers=("adagrad", "rmsprop"),
            hyper={"adagrad": {"lr": 0.5}, "rmsprop": {"lr": 0.01}},
            steps=1000,
            preset="adagrad-dies",
        ),
    ),
    "saddle-escape": Preset(
        "Saddle point escape",
        "The start lies almost on the ridge of x² − y², where the gradient nearly vanishes "
        "along y. GD leaves the saddle only as fast as the tiny y-gradient grows; momentum "
        "builds speed, and Adam rescales the tiny gradient to a full-size step.",
        Scene(
            landscape="saddle",
            optimizers=("gd", "momentum", "adam"),
            hyper={
                "gd": {"lr": 0.05},
                "momentum": {"lr": 0.05, "beta": 0.9},
                "adam": {"lr": 0.05},
            },
            start=(-1.5, 1e-3),
            steps=40,
            preset="saddle-escape",
        ),
    ),
    "bias-correction": Preset(
        "Bias correction matters early",
        "Adam's moments start at zero. Without correction, m₁ = 0.1·g and v₁ = 0.001·g², so "
        "the first step is about 3η instead of η and the run lurches away. AdamW with λ = 0 "
        "is exactly Adam with bias correction on: it starts with steps of η.",
        Scene(
            landscape="rosenbrock",
            optimizers=("adam", "adamw"),
            hyper={
                "adam": {"lr": 0.05, "bias_correction": False},
                "adamw": {"lr": 0.05, "weight_decay": 0.0},
            },
            steps=300,
            preset="bias-correction",
        ),
    ),
    "too-large-lr": Preset(
        "Too large η diverges",
        "On a quadratic with largest curvature L = 18, GD is stable only for η < 2/L ≈ 0.11. "
        "At η = 0.2 each step overshoots further than the last and GD flies off the map; "
        "momentum's limit, 2(1+β)/L, is passed too. Adam's step is about η per coordinate "
        "whatever the curvature, so the same η is harmless for it.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 10.0, "angle": 30.0},
            optimizers=("gd", "momentum", "adam"),
            hyper={"gd": {"lr": 0.2}, "momentum": {"lr": 0.2, "beta": 0.5}, "adam": {"lr": 0.2}},
            steps=100,
            preset="too-large-lr",
        ),
    ),
    "plateau": Preset(
        "Crossing a plateau",
        "On the flat plateau the gradient is tiny, so GD's step is tiny too. Adaptive methods "
        "divide by the gradient's own size and cross at full speed, then take the cliff "
        "without being thrown, because the huge gradient is divided by its size as well.",
        Scene(
            landscape="plateau",
            optimizers=("gd", "momentum", "rmsprop", "adam"),
            steps=300,
            preset="plateau",
        ),
    ),
    "noisy": Preset(
        "Noisy gradients",
        "Mini-batch gradients are noisy. With σ = 2 every step is jostled, and at a constant "
        "η no optimizer settles: each keeps jittering around the minimum, further for a "
        "larger effective step. Switch the schedule to cosine and watch the jitter die out "
        "as η decays — the reason real training decays its learning rate.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 10.0, "angle": 0.0},
            optimizers=("gd", "momentum", "adam"),
            noise=2.0,
            steps=300,
            preset="noisy",
        ),
    ),
}


SCENES: dict[str, Scene] = {slug: preset.scene for slug, preset in PRESETS.items()}


def on_preset_change() -> None:
    """Set every control to the chosen preset's scene (a selectbox callback)."""
    import streamlit as st

    slug = st.session_state.get("preset", "")
    if slug in PRESETS:
        apply_scene(PRESETS[slug].scene)


def title_of(slug: str) -> str:
    """The preset picker's text for ``slug`` ("" is no preset)."""
    return PRESETS[slug].title if slug else "— choose a scene —"
