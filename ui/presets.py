"""Named scenes that each show one idea, with a few sentences on what its run shows.

A preset is a whole ``Scene``: choosing one sets every control, and its link is the
scene's link. Every sentence of a text is a claim about the preset's own run, and every
number in it was read off that run: ``tests/test_presets.py`` runs each scene the way the
playground does and checks each claim (a new preset without checks fails there). Comments
name the rule or paper behind each claim about an optimizer.
"""

from __future__ import annotations

import dataclasses

import optim_core
from optim_core.landscapes import QUADRATIC_L
from ui.state import Scene, apply_scene


@dataclasses.dataclass(frozen=True)
class Preset:
    title: str
    text: str
    scene: Scene


# Polyak's scene: a quadratic of condition number κ, with GD and heavy ball at their optimal
# settings (optim_core.theory: gd_optimum, heavy_ball_optimum; Polyak 1964).
POLYAK_KAPPA = 100.0
_MU = QUADRATIC_L / POLYAK_KAPPA
GD_BEST = optim_core.gd_optimum(_MU, QUADRATIC_L)
HEAVY_BALL_BEST = optim_core.heavy_ball_optimum(_MU, QUADRATIC_L)

PRESETS: dict[str, Preset] = {
    # GD's rate on the quadratic: max|1 − ηλ|, stable for η < 2/L (Cauchy 1847); momentum's
    # velocity v = βv + g settles at g/(1 − β), its effective step η/(1 − β) (Polyak 1964).
    "narrow-valley": Preset(
        "Narrow valley: GD zig-zags, momentum swings",
        "The valley curves 50 times more sharply across than along. GD at η = 0.1, just under "
        "its limit 2/L ≈ 0.11, crosses the valley on every step, yet its loss falls on every "
        "step. Momentum at η = 0.01, β = 0.9 takes the same effective step η/(1 − β) = 0.1; it "
        "swings across more slowly and its loss rises on 66 of 150 steps, yet it reaches "
        "f − f* < 1e-4 at step 83, GD at step 141.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 50.0, "angle": 25.0},
            optimizers=("gd", "momentum"),
            hyper={"gd": {"lr": 0.1}, "momentum": {"lr": 0.01, "beta": 0.9}},
            steps=150,
            preset="narrow-valley",
        ),
    ),
    # Momentum sums 1/(1 − β) past gradients (Polyak 1964); Nesterov's step uses the velocity
    # one step ahead, g + βv (Sutskever et al. 2013; optim_core.optimizers.nesterov_update).
    "momentum-overshoots": Preset(
        "Momentum overshoots",
        "With β = 0.95 momentum's velocity sums about 1/(1 − β) = 20 past gradients. From "
        "x = −4 it runs past the minimum to x = 3.1 and crosses x = 0 15 times; after 150 steps "
        "f − f* is still 0.0004, while GD at the same η never overshoots and reaches 1e-4 at "
        "step 68. Nesterov, whose step uses the velocity one step ahead, swings less far (to "
        "x = 2.1) and arrives at step 56. Lower β to 0.8: momentum swings only to x = 1.2 and "
        "arrives at step 27.",
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
    # Adam and RMSprop divide each coordinate by √v, the root mean square of its own
    # gradients (Kingma & Ba 2015; Hinton 2012); RMSprop's v₁ = (1 − β₂)g² is not corrected,
    # so its first step is η/√(1 − β₂) (optim_core.optimizers.rmsprop_update).
    "adam-adapts": Preset(
        "Adam adapts to scale",
        "Across the valley (y) the curvature is 100 times that along it (x). GD at η = 0.1, "
        "just under the limit 2/L ≈ 0.11 that y sets, bounces across y and after 200 steps is "
        "still at x = −0.11. Adam divides each coordinate by its own recent gradient size, so "
        "x moves as fast as y, about η each: a 45° path that crosses the floor (y = 0) at step "
        "18, turns along it, swings around the minimum and reaches f − f* < 1e-4 at step 104. "
        "RMSprop, without bias correction, starts with 10η per coordinate and arrives at step 77.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 100.0, "angle": 0.0},
            optimizers=("gd", "rmsprop", "adam"),
            hyper={"gd": {"lr": 0.1}, "rmsprop": {"lr": 0.05}, "adam": {"lr": 0.1}},
            steps=200,
            preset="adam-adapts",
        ),
    ),
    # Adagrad's v is the sum of all g², so η/√v never grows (Duchi, Hazan & Singer 2011);
    # RMSprop's running mean forgets old gradients (Hinton 2012).
    "adagrad-dies": Preset(
        "AdaGrad's step size only shrinks",
        "AdaGrad divides each coordinate by the root of the sum of all its squared gradients, "
        "so its step size η/√v can only shrink. The steep first steps here set it to 0.00079 "
        "(x) and 0.0016 (y) by step 10, and there it stays: AdaGrad does not stall (f − f* "
        "falls from 5.5 at step 100 to 1.6 at step 1000), but it is slow. RMSprop averages "
        "recent squared gradients instead, so on the flat valley floor its step size grows "
        "again (x: 0.0006 at step 10, 0.0023 at step 1000) and it ends at f − f* = 0.055.",
        Scene(
            landscape="rosenbrock",
            optimizers=("adagrad", "rmsprop"),
            hyper={"adagrad": {"lr": 0.5}, "rmsprop": {"lr": 0.01}},
            steps=1000,
            preset="adagrad-dies",
        ),
    ),
    # On x² − y², GD's y follows y ← (1 + 2η)y; Adam's first step is η·sign(g) per coordinate,
    # however small g is (Kingma & Ba 2015, §2.1).
    "saddle-escape": Preset(
        "Saddle point escape",
        "The start (−1.5, 0.001) lies almost on the ridge of x² − y², where the slope along y is "
        "only 2y = 0.002. GD multiplies y by 1 + 2η = 1.1 per step, so after 40 steps y is only "
        "0.045 and GD sits next to the saddle. Momentum compounds that growth and passes "
        "|y| = 1 at step 27. Adam divides the tiny slope by its own size: its first step moves "
        "y by η = 0.05, and it passes |y| = 1 at step 20.",
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
    # Bias correction multiplies Adam's step by √(1 − β₂ᵗ)/(1 − β₁ᵗ), 0.32 at t = 1 (Kingma &
    # Ba 2015, §3); AdamW with λ = 0 is Adam (Loshchilov & Hutter 2019).
    "bias-correction": Preset(
        "Bias correction sets the early steps",
        "Adam's running means start at zero; bias correction divides them by 1 − βᵗ, which "
        "scales the step by √(1 − β₂ᵗ)/(1 − β₁ᵗ), 0.32 at step 1. Without it (the Adam run) the "
        "first step is 3.2η per coordinate and the steps grow to 5.6η by step 6, overshooting "
        "the minimum to x = 1.6; with it (AdamW at λ = 0, which is Adam) no step of the first "
        "20 exceeds η per coordinate and x never passes 0.1. The lurch costs little here: the "
        "corrected run reaches f − f* < 1e-4 at step 105, the uncorrected one at step 107.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 10.0, "angle": 0.0},
            optimizers=("adam", "adamw"),
            hyper={
                "adam": {"lr": 0.1, "bias_correction": False},
                "adamw": {"lr": 0.1, "weight_decay": 0.0},
            },
            steps=200,
            preset="bias-correction",
        ),
    ),
    # GD is stable on a quadratic for η < 2/L, heavy ball for η < 2(1 + β)/L
    # (optim_core.theory.momentum_rate; Polyak 1964).
    "too-large-lr": Preset(
        "Too large η diverges",
        "The valley's steepest curvature is L = 18, so GD is stable only for η < 2/L ≈ 0.11, and "
        "momentum with β = 0.5 only for η < 2(1 + β)/L ≈ 0.17. At η = 0.2 both overshoot "
        "further on every step: they leave the map at step 2 and pass |w| = 10⁶, where the "
        "app stops them, at steps 15 and 22. Adam's step here never exceeds η per coordinate, "
        "so the same η does not diverge: it ends at f − f* = 0.001.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 10.0, "angle": 30.0},
            optimizers=("gd", "momentum", "adam"),
            hyper={"gd": {"lr": 0.2}, "momentum": {"lr": 0.2, "beta": 0.5}, "adam": {"lr": 0.2}},
            steps=100,
            preset="too-large-lr",
        ),
    ),
    # GD's step is η·g (Cauchy 1847); momentum's velocity settles at g/(1 − β) (Polyak 1964);
    # RMSprop and Adam divide g by √v (Hinton 2012; Kingma & Ba 2015).
    "plateau": Preset(
        "Crossing a plateau",
        "At the start the slope is under 0.001, so GD's step, η times the slope, is under "
        "0.0001: in 300 steps GD moves 0.03, and momentum, whose velocity builds up to 10 "
        "gradients, 0.2. RMSprop and Adam divide each coordinate by its own recent gradient "
        "size, so the slope's size no longer sets their step: Adam steps about η per coordinate, "
        "RMSprop, without bias correction, starts at 10η, and they enter the basin (r < 1) at "
        "steps 29 and 34. The slope there is up to 1000 times larger, and divided by its size "
        "as well, so neither is thrown out: Adam reaches f − f* < 1e-4 at step 69, RMSprop at "
        "step 132.",
        Scene(
            landscape="plateau",
            optimizers=("gd", "momentum", "rmsprop", "adam"),
            steps=300,
            preset="plateau",
        ),
    ),
    # Adam divides by √v̂, the root mean square of the noisy gradients (Kingma & Ba 2015).
    "noisy": Preset(
        "Noisy gradients",
        "Every gradient here gets Gaussian noise of σ = 2, the stand-in for a mini-batch. At a "
        "constant η no optimizer settles: over the last 100 steps f − f* averages 1.1 for GD, "
        "0.84 for momentum and 0.012 for Adam, which divides its steps by √v̂, here 3 to 6. "
        "Switch the schedule to cosine: as η decays, GD's average falls to 0.023 and "
        "momentum's to 0.14, while Adam's, already low, is 0.0037.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 10.0, "angle": 0.0},
            optimizers=("gd", "momentum", "adam"),
            noise=2.0,
            steps=300,
            preset="noisy",
        ),
    ),
    # Adam's first step is η·sign(g) per coordinate, and early on m̂/√v̂ ≈ ±1: sign descent
    # (Kingma & Ba 2015, §2.1; Balles & Hennig, "Dissecting Adam", ICML 2018).
    "sign-descent": Preset(
        "Adam walks at 45°",
        "In this valley, aligned with the axes (θ = 0), Adam's first step is exactly η in each "
        "coordinate, in the sign of the gradient, whatever the slopes: its early steps are sign "
        "descent, a path at 45° for the first 6 steps. Here that suits the valley: Adam reaches "
        "f − f* < 1e-4 at step 104, GD at step 141. Rotate the valley with θ: Adam still starts "
        "at 45° to the x and y axes, which no longer run along the valley, and at θ = 30° it has "
        "not reached the tolerance after 300 steps, while GD, blind to the axes, still arrives "
        "at step 141.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 50.0, "angle": 0.0},
            optimizers=("gd", "adam"),
            hyper={"gd": {"lr": 0.1}, "adam": {"lr": 0.1}},
            steps=300,
            preset="sign-descent",
        ),
    ),
    # With additive noise σ on ½λw², GD settles where E[f] = ησ²/(2(2 − ηλ)) per coordinate
    # (the stationary variance of w ← (1 − ηλ)w − ηξ; Mandt, Hoffman & Blei 2017); heavy ball
    # gives the same with η/(1 − β) for small ηλ.
    "noise-floor": Preset(
        "The noise floor",
        "With noisy gradients (σ = 2) a run stops improving at a floor set by its effective step "
        "η/(1 − β): f − f* of about (η/(1 − β))·σ²/2 on this round bowl. GD at η = 0.01 and "
        "momentum at η = 0.001, β = 0.9 share the effective step 0.01, and the floor: over the "
        "last 1000 of 2000 steps f − f* averages 0.022 and 0.021. Nesterov at a quarter of that "
        "effective step (η = 0.00025) averages 0.0052, 4 times lower, but needs 52 steps to get "
        "f − f* below 0.1 for the first time, GD 17.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 1.0, "angle": 0.0},
            optimizers=("gd", "momentum", "nesterov"),
            hyper={
                "gd": {"lr": 0.01},
                "momentum": {"lr": 0.001, "beta": 0.9},
                "nesterov": {"lr": 0.00025, "beta": 0.9},
            },
            noise=2.0,
            steps=2000,
            preset="noise-floor",
        ),
    ),
    # Adam's weight_decay is torch's L2, g ← g + λw, divided by √v̂ with the rest; AdamW
    # subtracts ηλw outside the division (Loshchilov & Hutter 2019).
    "l2-vs-decoupled": Preset(
        "L2 in Adam is not weight decay",
        "The minimum is at (2, 2); the curvature is 1 along x and 100 along y. Adam with L2 "
        "(λ = 0.5 added to the gradient as λw) stops where ∇f + λw = 0, at (1.33, 1.99): the "
        "steep y, curvature 100, gives way by only 0.01. AdamW subtracts ηλw outside "
        "the division by √v̂, so the pull on a coordinate does not depend on its curvature: "
        "both coordinates shrink alike and it ends near (1.30, 1.30), still jittering by 0.02.",
        Scene(
            landscape="custom",
            formula="(x-2)^2/2 + 50*(y-2)^2",
            optimizers=("adam", "adamw"),
            hyper={
                "adam": {"lr": 0.05, "weight_decay": 0.5},
                "adamw": {"lr": 0.05, "weight_decay": 0.5},
            },
            start=(-2.0, -2.0),
            steps=500,
            preset="l2-vs-decoupled",
        ),
    ),
    # RMSprop: v₁ = (1 − β₂)g², no bias correction, so step 1 is η/√(1 − β₂) (Hinton 2012;
    # torch.optim.RMSprop); Adam's v̂₁ = g², step 1 is η (Kingma & Ba 2015).
    "rmsprop-first-steps": Preset(
        "RMSprop's first step is 10η",
        "RMSprop has no bias correction: its mean of squared gradients starts at 0, so "
        "v₁ = (1 − β₂)g² and its first step is η/√(1 − β₂) = 10η per coordinate at β₂ = 0.99. "
        "Adam divides by 1 − β₂ᵗ and starts with η. RMSprop's steps then shrink toward η "
        "(3.3η at step 6); here the head start helps: RMSprop reaches f − f* < 1e-4 at step 93, "
        "Adam at step 183.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 10.0, "angle": 0.0},
            optimizers=("rmsprop", "adam"),
            hyper={"rmsprop": {"lr": 0.05}, "adam": {"lr": 0.05}},
            steps=200,
            preset="rmsprop-first-steps",
        ),
    ),
    # Adam's step is η·m̂/(√v̂ + ε) (Kingma & Ba 2015): with ε ≫ √v̂ it is (η/ε)·m̂, and m̂ = g
    # under a steady gradient. AMSGrad differs only in using the largest v (Reddi et al. 2018).
    "large-eps": Preset(
        "A large ε switches adaptivity off",
        "On the plateau the gradient is about 0.001. Adam with ε = 1e-8 divides it by √v̂, "
        "its own size, steps η per coordinate and reaches f − f* < 1e-4 at step 58. "
        "AMSGrad (Adam keeping the largest v; Adam with ε = 1 takes the same path here) has "
        "ε = 1, far above √v̂, so its step is about η·m̂/ε: a momentum step on the raw "
        "gradient. It stays within 0.0002 of GD's path at the same η and, like GD, moves "
        "only 0.03 in 300 steps.",
        Scene(
            landscape="plateau",
            optimizers=("gd", "adam", "amsgrad"),
            hyper={"gd": {"lr": 0.1}, "adam": {"lr": 0.1}, "amsgrad": {"lr": 0.1, "eps": 1.0}},
            steps=300,
            preset="large-eps",
        ),
    ),
    # Adam's first step is η·sign(g) per coordinate (Kingma & Ba 2015, §2.1), so a large η is
    # a large first jump; warm-up ramps η up (Goyal et al. 2017; Liu et al. 2020).
    "warmup": Preset(
        "Warm-up tames Adam's first steps",
        "Adam's first steps are about η per coordinate whatever the slope, so at η = 1 they are "
        "big jumps on Rosenbrock's scale. Here η climbs from 0.01 to 1 over W = 50 steps, then "
        "decays on a cosine: Adam's loss stays below 15 over the first 50 steps, it reaches "
        "f − f* < 1e-4 at step 216 and ends at 4e-07. Set W = 0 (cosine alone) and the "
        "full-size first steps throw it up to f = 758; it ends at 0.017, short of the tolerance.",
        Scene(
            landscape="rosenbrock",
            optimizers=("adam",),
            hyper={"adam": {"lr": 1.0}},
            steps=500,
            schedule="warmup_cosine",
            schedule_values={"warmup": 50.0},
            preset="warmup",
        ),
    ),
    # Rates (κ − 1)/(κ + 1) and (√κ − 1)/(√κ + 1) at the optimal settings (Polyak 1964;
    # optim_core.theory.gd_optimum, heavy_ball_optimum).
    "polyak": Preset(
        "Polyak's heavy ball: √κ times fewer steps",
        "On this quadratic of condition number κ = 100, GD's best η is 2/(L + μ) ≈ 0.11, which "
        "shrinks the error by (κ − 1)/(κ + 1) = 0.98 per step; heavy-ball momentum at Polyak's "
        "η ≈ 0.18, β ≈ 0.67 shrinks it by (√κ − 1)/(√κ + 1) = 0.82. To take f − f* from 1e-2 "
        "to 1e-8 GD needs 345 steps and momentum 38: 9 times fewer, about √κ = 10. From the "
        "start, momentum reaches 1e-4 at step 54, GD at step 308.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": POLYAK_KAPPA, "angle": 25.0},
            optimizers=("gd", "momentum"),
            hyper={
                "gd": {"lr": GD_BEST.lr},
                "momentum": {"lr": HEAVY_BALL_BEST.lr, "beta": HEAVY_BALL_BEST.beta},
            },
            steps=600,
            preset="polyak",
        ),
    ),
    # RAdam uses v only once it averages ρ_t > 5 squared gradients, before that the
    # bias-corrected momentum alone; after, Adam's step times the rectifier r_t (Liu et al.
    # 2020, §4; optim_core.optimizers.radam_update).
    "radam-warmup": Preset(
        "RAdam: a warm-up inside the rule",
        "RAdam trusts v only once it averages more than 5 squared gradients (ρ_t > 5, from step "
        "6 at β₂ = 0.999). Until then it steps with the bias-corrected momentum alone, so its "
        "first step is η·g: 7.2η along x and 27η along y here, where Adam's is η on each. From "
        "step 6 it takes Adam's step times the rectifier r_t, 0.026 at step 6 and 0.31 at step "
        "200: a slow warm-up, and Adam reaches f − f* < 1e-4 at step 183, RAdam not in 200 steps.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 10.0, "angle": 0.0},
            optimizers=("adam", "radam"),
            hyper={"adam": {"lr": 0.05}, "radam": {"lr": 0.05}},
            steps=200,
            preset="radam-warmup",
            inspect="radam",
        ),
    ),
    # Adamax divides by u_t = max(β₂u_{t−1}, |g_t| + ε), the ∞-norm limit of Adam's
    # root mean square (Kingma & Ba 2015, §7.1; optim_core.optimizers.adamax_update).
    "adamax-infinity-norm": Preset(
        "Adamax divides by the largest gradient",
        "With noisy gradients (σ = 2) Adam divides by √v̂, a root mean square, and Adamax by u, "
        "a decaying maximum of |g|. At the last step u = (8.5, 20) while Adam's √v̂ = (3.1, 5.3): "
        "the maximum sits 2.8 and 3.7 times above the mean. Over the last 100 steps f − f* "
        "averages 0.012 for Adam and 0.074 for Adamax.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 10.0, "angle": 0.0},
            optimizers=("adam", "adamax"),
            hyper={"adam": {"lr": 0.05}, "adamax": {"lr": 0.05}},
            noise=2.0,
            steps=300,
            preset="adamax-infinity-norm",
            inspect="adamax",
        ),
    ),
    # Adadelta's step is √(d + ε)/√(v + ε)·g, with d the running mean of past squared steps
    # (Zeiler 2012, §3.2; optim_core.optimizers.adadelta_update): no η, but ε sets its scale.
    "adadelta-no-eta": Preset(
        "Adadelta: no η, but ε sets the pace",
        "Adadelta has no η to tune (η = 1 leaves its step as it is): each step is √(d + ε)/"
        "√(v + ε)·g, the size of its recent steps over that of its recent gradients. Both start "
        "from ε = 1e-6 (torch's default), so its first step is 0.0045 long and after 500 steps "
        "f − f* is still 2.5, where GD reaches 1e-4 at step 31. Raise ε to 1e-3 and the first "
        "step is √1000 ≈ 32 times longer: it reaches 1e-4 at step 92, then its steps grow again "
        "and it ends at 0.89.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 10.0, "angle": 0.0},
            optimizers=("gd", "adadelta"),
            hyper={"gd": {"lr": 0.1}, "adadelta": {"lr": 1.0, "eps": 1e-6}},
            steps=500,
            preset="adadelta-no-eta",
            inspect="adadelta",
        ),
    ),
    # Schedule-free SGD reports x_t, the mean of every z so far (c_t = 1/t under a constant
    # η), so the noise averages out without a decaying η (Defazio et al. 2024;
    # optim_core.optimizers.schedule_free_sgd_update).
    "schedule-free": Preset(
        "Schedule-free: an average, not a schedule",
        "With noisy gradients (σ = 2) GD at a constant η = 0.05 jitters: over the last 100 steps "
        "f − f* averages 0.14, and only a falling η would bring it lower. Schedule-free SGD at "
        "the same constant η reports x, the running mean of its SGD sequence z, and takes its "
        "gradients at y, between the two. Its f − f* averages 0.0064 over the last 100 steps, "
        "22 times lower, with no schedule.",
        Scene(
            landscape="quadratic",
            landscape_values={"kappa": 10.0, "angle": 0.0},
            optimizers=("gd", "schedule_free_sgd"),
            hyper={"gd": {"lr": 0.05}, "schedule_free_sgd": {"lr": 0.05, "beta": 0.9}},
            noise=2.0,
            steps=300,
            preset="schedule-free",
            inspect="schedule_free_sgd",
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
