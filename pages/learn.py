"""Learn: what each optimizer does and why, with the formulas the code runs, and when to use which.

Every formula comes from the registry (``spec.latex``, the ``.. math::`` block of the update
rule's docstring), and the comparison table from ``spec.properties``; nothing is typed twice.
The charts run the registry's own update rules (``ui/figures/learn.py``). A scene's numbers are
in its preset's text, shown in the playground; this page says the idea without repeating them.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

import optim_core
from optim_core import training
from ui import controls, presets, routing, state
from ui.figures import encoding
from ui.figures import learn as learn_figures

OPT = optim_core.OPTIMIZERS
ss = st.session_state
routing.require_app_navigation()
problems = state.start_session(st.query_params.to_dict(), presets.SCENES)

# Reddi, Kale & Kumar's example as drawn: C = 3 (any C > 2 fails Adam), a constant η that
# shows the drift within a few hundred steps.
REDDI_C, REDDI_LR, REDDI_STEPS = 3.0, 0.05, 300
BIAS_STEPS = 3000  # β₂ = 0.999 needs thousands of steps to settle


@st.cache_data(max_entries=16)
def uncorrected_step(beta1: float, beta2: float) -> np.ndarray:
    return learn_figures.uncorrected_step(beta1, beta2, BIAS_STEPS)


@st.cache_data(max_entries=4)
def reddi_runs() -> dict[str, np.ndarray]:
    return {
        name: learn_figures.reddi_run(name, c=REDDI_C, lr=REDDI_LR, steps=REDDI_STEPS)
        for name in ("adam", "amsgrad")
    }


def show_preset(slug: str, where: str) -> None:
    """A button that opens the playground on preset ``slug`` (it sets every control there)."""
    if st.button(
        f"Show me: {presets.PRESETS[slug].title}",
        key=f"preset:{slug}:{where}",
        icon=":material/sports_score:",
    ):
        ss["preset"] = slug
        state.apply_scene(presets.SCENES[slug])
        st.switch_page("pages/playground.py")


def show_presets(slugs: tuple[str, ...], where: str) -> None:
    """Scene buttons side by side (stacked on a phone)."""
    for col, slug in zip(st.columns(len(slugs)), slugs, strict=True):
        with col:
            show_preset(slug, where)


def show_training(model: str, data: str, optimizers: tuple[str, ...], where: str) -> None:
    """A button that opens the train page on this model, data set and optimizers."""
    text = ", ".join(OPT[o].label for o in optimizers)
    if st.button(
        f"Train: {training.MODELS[model].label} on {training.DATASETS[data][0].lower()} "
        f"with {text}",
        key=f"train:{model}:{data}:{','.join(optimizers)}:{where}",
        icon=":material/model_training:",
    ):
        ss["train_model"], ss["train_dataset"] = model, data
        ss["train_optimizers"] = list(optimizers)
        st.switch_page("pages/train.py")


def formula(name: str) -> None:
    """Optimizer ``name``'s update, exactly as the code runs it."""
    st.markdown(f"**{OPT[name].label}** — {OPT[name].summary}")
    st.latex(OPT[name].latex)


def chart(spec: dict, key: str) -> None:
    st.plotly_chart(encoding.DictFigure(spec), key=key)


st.title("Learn: how the optimizers work")
controls.link_warnings(problems)
st.markdown(
    "Each formula below is the one the app runs: it is read from the update rule's own "
    "docstring. In all of them $g_t$ is the gradient at step $t$, $w$ the weights and $\\eta$ "
    "the learning rate. Each section ends with a scene in the playground that shows the idea."
)

# --- Gradient descent --------------------------------------------------------------------------
st.header("Gradient descent: a step as large as the slope")
formula("gd")
st.markdown(
    "One η serves every direction. The steepest direction sets the largest η that does not "
    "blow up (for a quadratic, η < 2/λ_max), and the flattest direction then sets how long "
    "the descent takes."
)
show_presets(("too-large-lr", "plateau"), "gd")

# --- Momentum ------------------------------------------------------------------------------------
st.header("Momentum: why it helps in narrow valleys")
formula("momentum")
formula("nesterov")
st.markdown(
    "In a narrow valley the gradient across the valley flips sign from one step to the next, "
    "while along the floor it keeps pointing the same way. The velocity $v$ is a running sum "
    "of gradients, so the flips cancel and the steady part adds up. The same inertia carries "
    "the ball over small bumps and off saddle points, and past the minimum when β is large. "
    "Nesterov's version uses the velocity it is about to have, so it brakes a step earlier."
)
st.subheader("The effective learning rate η/(1 − β)")
# momentum_update: under a steady g, v_t = (1 + β + … + β^{t-1}) g → g/(1 − β). On a
# quadratic of curvature h, heavy ball is stable for ηh < 2(1 + β), GD for ηh < 2.
st.markdown(
    "Under a steady gradient the velocity grows to $g/(1-\\beta)$, so momentum moves like "
    "gradient descent with the learning rate $\\eta/(1-\\beta)$: ten times η at β = 0.9. "
    "Racing the two at the same η compares two step sizes; a fair race gives both the same "
    "*effective* step. Even then momentum has room that GD lacks: on a quadratic it stays "
    "stable on walls $(1+\\beta)/(1-\\beta)$ times steeper than GD can take (19 times at "
    "β = 0.9), because the flips across the valley cancel in its velocity. It pays with "
    "swings: its loss need not fall on every step. The scene races the two at equal "
    "effective η."
)
show_preset("narrow-valley", "momentum")
st.subheader("Polyak's speed-up, and where it is proven")
# Polyak 1964; Lessard, Recht & Packard, "Analysis and design of optimization algorithms via
# integral quadratic constraints", SIAM J. Optim. 2016, §4.6 (heavy ball cycles); Nesterov,
# "Introductory Lectures on Convex Optimization", 2004, §2.2 (his method's rate).
st.markdown(
    "On a quadratic whose curvatures range over a factor κ (the condition number), gradient "
    "descent needs a number of steps proportional to κ to shrink the error by a fixed factor; "
    "heavy-ball momentum with η and β tuned to the two extreme curvatures needs one "
    "proportional to √κ (Polyak 1964). That guarantee is for quadratics only: Lessard, Recht "
    "& Packard (2016) give a smooth, strongly convex function on which heavy ball with those "
    "same tuned values cycles and never converges. Nesterov's method keeps a √κ-type rate on "
    "every smooth strongly convex function."
)
show_preset("polyak", "polyak")
st.markdown("**Two conventions for the same idea.** " + OPT["momentum"].options[0].help + ".")
st.markdown(
    "With a constant η both give the same path: the classic velocity is η times the other. "
    "They part ways when η changes during training (a schedule): the classic velocity still "
    "carries steps taken at the old η, the PyTorch one rescales all of its memory at once."
)
show_presets(("momentum-overshoots", "saddle-escape"), "momentum")

# --- Adaptive step sizes ---------------------------------------------------------------------
st.header("Adagrad and RMSprop: a step size for every parameter")
formula("adagrad")
formula("rmsprop")
# Steady gradient g: Adagrad's v_t = t g², so its step is η/√t (adagrad_update); RMSprop's
# v_t → g², so its step → η (rmsprop_update).
st.markdown(
    "Both divide each coordinate's step by the root of its own squared gradients, so a steep "
    "coordinate takes small steps and a flat one large steps. Under a steady gradient, once "
    "RMSprop's running mean has filled, each coordinate moves by about η per step whatever "
    "the gradient's scale. Adagrad *sums* the squares, so under the same steady gradient its "
    "step is η/√t: it slows down, but it never stops. RMSprop's mean forgets (β₂ sets how "
    "fast), so its steps can grow again on flat ground."
)
show_presets(("adam-adapts", "adagrad-dies"), "adaptive")
st.subheader("Per-coordinate steps are close to sign descent")
# Balles & Hennig, "Dissecting Adam: the sign, magnitude and variance of stochastic
# gradients", ICML 2018: Adam's direction is the sign of g, rescaled by its noise.
st.markdown(
    "With a steady gradient, RMSprop's $g/\\sqrt{v}$ (and Adam's $\\hat m/\\sqrt{\\hat v}$) "
    "is about ±1 in each coordinate: the step is close to η·sign(g). On a valley whose axes "
    "are the coordinate axes, both coordinates then move by about η however differently "
    "they are scaled: the path runs at 45°, and the flat direction is crossed as fast as the "
    "steep one. Rotate the same valley and each coordinate now mixes the steep and the flat "
    "direction: the per-coordinate scaling no longer matches the valley, and Adam can fall "
    "behind plain gradient descent, which is blind to the axes."
)
show_preset("sign-descent", "sign-descent")
st.subheader("RMSprop has no bias correction")
# rmsprop_update: v_1 = (1 − β₂) g², so the first step is η/√(1 − β₂); v_t = (1 − β₂ᵗ) g².
st.markdown(
    "RMSprop's $v$ starts at zero like Adam's, but torch's RMSprop, the rule run here, never "
    "divides it by $1 - \\beta_2^t$. Early on $v$ is far too small, so the first steps are "
    "much larger than η (the summary above gives the factor) and, under a steady gradient, "
    "shrink toward η only as $v$ fills, over a few times $1/(1-\\beta_2)$ steps."
)
show_preset("rmsprop-first-steps", "rmsprop")
# --- Adam ----------------------------------------------------------------------------------------
st.header("Adam: momentum plus adaptive steps, and what bias correction corrects")
formula("adam")
# Kingma & Ba 2015, §3; with a steady g, adam_update(bias_correction=False) steps
# η(1 − β₁ᵗ)/√(1 − β₂ᵗ) (learn_figures.uncorrected_step, which the numbers below come from).
DEFAULT_BETAS = (OPT["adam"].defaults()["beta1"], OPT["adam"].defaults()["beta2"])
default_steps = uncorrected_step(*DEFAULT_BETAS)
peak = int(np.argmax(default_steps))
st.markdown(
    "Adam keeps a running mean $m$ of the gradients (momentum) and one of the squared "
    "gradients $v$ (RMSprop). Both start at zero, so early on they are too small: after one "
    "step $m_1 = (1 - \\beta_1) g_1$, a tenth of the gradient for β₁ = 0.9, and "
    "$v_1 = (1 - \\beta_2) g_1^2$, a thousandth for β₂ = 0.999. The weights of a running mean "
    "after $t$ steps add up to $1 - \\beta^t$, not 1; dividing by that sum undoes the pull "
    "toward the zero start. Without it, under a steady gradient, the step is "
    "$\\eta\\,(1 - \\beta_1^t) / \\sqrt{1 - \\beta_2^t}$ instead of η. At the default β's "
    f"that is {default_steps[0]:.2g}η at the first step, and it *grows* while $m$ fills "
    f"faster than $v$: it peaks at about {default_steps[peak]:.2g}η near step {peak + 1}, is "
    f"still {default_steps[99]:.2g}η at step 100, and settles to η only after thousands of "
    "steps, because $v$ is the slower of the two to fill."
)
beta1 = float(ss.get(state.hp_key("adam", "beta1"), DEFAULT_BETAS[0]))
beta2 = float(ss.get(state.hp_key("adam", "beta2"), DEFAULT_BETAS[1]))
factors = [("β₁", DEFAULT_BETAS[0]), ("β₂", DEFAULT_BETAS[1])]
steps = {"default β's": default_steps}
if (beta1, beta2) != DEFAULT_BETAS:
    factors += [("your β₁", beta1), ("your β₂", beta2)]
    steps[f"your β's ({beta1:g}, {beta2:g})"] = uncorrected_step(beta1, beta2)
left, right = st.columns(2)
with left:
    chart(learn_figures.bias_correction_figure(factors, steps=BIAS_STEPS), "bias_plot")
    st.caption(
        "The factor 1/(1 − βᵗ) by which Adam scales each running mean: large at first, 1 in "
        "the end. Dotted: the β's of this session."
    )
with right:
    chart(learn_figures.uncorrected_step_figure(steps), "uncorrected_plot")
    st.caption(
        "The step Adam takes without bias correction under a steady gradient, run with the "
        "app's Adam rule; with the correction it is η throughout (dashed)."
    )
show_preset("bias-correction", "adam")
st.subheader("Why a warm-up helps")
# Kingma & Ba 2015, §2.1: Adam's first step is η·sign(g) per coordinate. Liu et al., "On the
# Variance of the Adaptive Learning Rate and Beyond", ICLR 2020: v̂ rests on few gradients early,
# so the adaptive step is erratic; Goyal et al., "Accurate, Large Minibatch SGD", 2017: warm-up.
st.markdown(
    "Thanks to bias correction, Adam's steps are about η per coordinate from the very first "
    "one, whatever the slope, while $\\hat m$ and $\\hat v$ still rest on one or a few "
    "gradients. With a large η, those first steps are big jumps taken on little "
    "information, and they can throw the run far up the walls before the running means "
    "settle. A warm-up starts η small and raises it over the first W steps; by the time η "
    "is large, the steps are based on many gradients. Liu et al. (2020) trace the need for "
    "it to the large variance of the adaptive step early in training."
)
show_preset("warmup", "warmup")
st.subheader("Where ε sits, and what a large ε does")
# torch.optim.Adam/RMSprop: denominator √v̂ + ε; keras.optimizers.RMSprop (keras/src/optimizers/
# rmsprop.py): increment = lr·g / sqrt(v + epsilon).
st.markdown(
    "Torch's Adam and RMSprop, the rules run here, add ε *outside* the root: "
    "$\\eta\\, \\hat m / (\\sqrt{\\hat v} + \\varepsilon)$. TensorFlow's (Keras') RMSprop "
    "puts it *inside*: $\\eta\\, g / \\sqrt{v + \\varepsilon}$, so where gradients are tiny "
    "its ε acts like √ε outside the root, and the same number means a much stronger floor. "
    "A setting copied from one library to the other is not the same optimizer. When ε is much "
    "larger than $\\sqrt{\\hat v}$ the denominator is about ε and the adaptive step turns "
    "into $\\eta\\, \\hat m / \\varepsilon$: plain momentum on the running mean of the "
    "gradients, with the learning rate η/ε, one scale for every coordinate."
)
show_preset("large-eps", "eps")

st.subheader("Adam can fail to converge")
# Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018, §3 and Theorem 1.
# The per-step moves quoted below are those of adam_update/amsgrad_update in the repeating
# cycle (tests/test_learn_page.py checks them).
st.markdown(
    "Reddi, Kale & Kumar (2018) give a simple online problem on which Adam heads for the "
    "worst point. On $[-1, 1]$ the loss is $f_t(x) = Cx$ once every three steps and $-x$ at "
    "the other two, with $C > 2$: over each three steps the gradients add up to $C - 2 > 0$, "
    "so the best $x$ is $-1$. Run Adam with β₁ = 0 and β₂ = 1/(1 + C²). That small β₂ forgets "
    "the rare large gradient within a step or two, so the two small gradients are divided by "
    "a small $\\sqrt{v}$ and each moves $x$ up by most of η, while the large one, divided by "
    "its own size, moves it down by only about η: Adam climbs to $+1$. AMSGrad divides by "
    "the largest $v$ seen, which keeps the large gradient's square: the small gradients' "
    "steps stay near η/C and the large one wins. The chart runs the app's own Adam and "
    f"AMSGrad rules with C = {REDDI_C:g} and a constant η = {REDDI_LR:g} (the paper's proof "
    "uses η/√t; the drift goes the same way), projecting x back onto [−1, 1] after each "
    "step: Adam settles at the top, AMSGrad at the optimum. Torch's "
    "AMSGrad, run here, divides its maximum by $1 - \\beta_2^t$, but at so small a β₂ that "
    "factor is 1 after a few steps, and it behaves as Reddi et al.'s rule does."
)
chart(learn_figures.reddi_figure(reddi_runs()), "reddi_plot")
st.caption(
    "x over the steps on Reddi et al.'s problem (β₁ = 0, "
    f"β₂ = {learn_figures.reddi_beta2(REDDI_C):g}). The optimum is x = −1 (dashed)."
)

# --- AdamW ---------------------------------------------------------------------------------------
st.header("Weight decay: L2 in Adam, decoupled in AdamW")
formula("adamw")
# Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019; adam_update adds
# λw to g (torch's Adam weight_decay), adamw_update subtracts ηλw (torch's AdamW).
st.markdown(
    "Weight decay pulls every weight toward zero. AdamW, in torch's form, subtracts ηλw at "
    "each step: every weight shrinks by the same share ηλ, outside the adaptive division. "
    "Adam here has torch's other form, L2 regularisation: λw is added to the gradient, "
    "$g_t \\leftarrow g_t + \\lambda w$. For plain gradient descent the two are one rule: "
    "$w - \\eta(g + \\lambda w) = w - \\eta\\lambda w - \\eta g$ (in Loshchilov & Hutter's "
    "own form, where the decay is not multiplied by η, the same up to trading λ for λ/η). In "
    "Adam they differ: the L2 term joins $\\hat m$ and is divided by $\\sqrt{\\hat v}$ like "
    "the gradient, so weights with large gradients are barely decayed and weights with small "
    "gradients are decayed hard. Loshchilov & Hutter (2019) found that decoupling the decay "
    "makes the best λ less tied to η and improves Adam's generalisation on their image "
    "benchmarks."
)
left, right = st.columns(2)
with left:
    show_preset("l2-vs-decoupled", "adamw")
with right:
    show_training("mlp", "spirals", ("adam", "adamw"), "adamw")

# --- Four more ideas: warm-up's variance, the ∞-norm, no η, no schedule -------------------
st.header("Warm-up's variance: RAdam")
formula("radam")
# Liu et al. 2020, §3–4: the variance of 1/√v is unbounded while v averages ρ_t ≤ 4 squared
# gradients; radam_update takes no adaptive step until ρ_t > 5, then multiplies by r_t < 1.
st.markdown(
    "Early on v averages only a few squared gradients, so the adaptive step η/√v̂ is itself "
    "noisy: that variance is what a warm-up hides (Liu et al. 2020). RAdam counts how many "
    "gradients v averages, ρ_t, and takes no adaptive step until ρ_t > 5: until then its "
    "step is the bias-corrected momentum alone, η·m̂, as large as the gradient. After that it "
    "multiplies Adam's step by a rectifier r_t that starts well below 1 and rises toward it: a "
    "warm-up written into the rule."
)
show_preset("radam-warmup", "radam")

st.header("The ∞-norm: Adamax")
formula("adamax")
# Kingma & Ba 2015, §7.1: the Lp average of past |g| tends to a decaying maximum as p → ∞;
# adamax_update: u₁ = |g₁| + ε, so u has no zero-start bias to correct.
st.markdown(
    "Adam divides by √v̂, a root mean square of recent gradients. Let the power 2 grow to ∞ "
    "and the average becomes a decaying maximum, u_t = max(β₂u_{t−1}, |g_t| + ε) (Kingma & Ba "
    "2015, §7.1). A single large gradient sets u at once, and u then shrinks only by a factor "
    "β₂ per step, so the steps stay small for a while after it. Only m is bias-corrected: u "
    "rises to the first |g| at once instead of climbing from zero."
)
show_preset("adamax-infinity-norm", "adamax")

st.header("No η: Adadelta")
formula("adadelta")
# Zeiler 2012, §3.2: the units of η·g/√v are not those of w; adadelta_update's ratio
# √(d + ε)/√(v + ε) has the units of w/g.
st.markdown(
    "Zeiler (2012) noticed that the units of RMSprop's step η·g/√v are not those of w. "
    "Adadelta replaces η by the root of a running mean of its own past squared steps, so the "
    "step is √(d + ε)/√(v + ε)·g, and torch's η = 1 leaves it as it is. A scale still has to "
    "be chosen: both roots start from ε, so ε sets how long the first steps are, and each "
    "step then follows the size of the steps before it."
)
show_preset("adadelta-no-eta", "adadelta")

st.header("No schedule: schedule-free SGD and AdamW")
formula("schedule_free_sgd")
formula("schedule_free_adamw")
# Defazio et al. 2024; schedule_free_sgd_update: c_t = η_max²/Σ, 1/t at a constant η.
st.markdown(
    "Under noisy gradients a constant η leaves a jitter, and the usual cure, a schedule that "
    "lowers η, needs the length of training in advance. Schedule-free methods (Defazio et al. "
    "2024) keep η constant and average instead: a base sequence z takes plain SGD (or AdamW) "
    "steps, the point reported, x, is the running mean of every z so far (each weighted by "
    "the largest η², so 1/t at a constant η), and the gradient is taken at y = βx + (1 − β)z, "
    "between the two. The playground draws x; the inspector's equations show y and z."
)
show_preset("schedule-free", "schedule-free")

# --- The rest of the family -----------------------------------------------------------------
covered = {"gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"}
covered |= {"radam", "adamax", "adadelta", "schedule_free_sgd", "schedule_free_adamw"}
st.header("More of the family")
for name in [n for n in OPT if n not in covered]:
    formula(name)

# --- Noise ---------------------------------------------------------------------------------------
st.header("Noisy gradients: the floor is set by the effective step")
# On a quadratic of curvature h with gradient noise σ, the spread around the minimum is about
# η_eff σ²/(2h) for small steps, with η_eff = η/(1 − β) for momentum: the same for every β at
# equal η_eff (tests/test_learn_page.py checks it on momentum_update).
st.markdown(
    "With mini-batch gradients no optimizer at a constant η settles: each keeps jittering "
    "around the minimum, and the size of that jitter grows with the effective step, η for "
    "gradient descent and η/(1 − β) for momentum. Momentum does not average the noise away: "
    "at equal effective step its jitter is the same as plain SGD's. What lowers the floor is "
    "a smaller effective step (a decaying schedule) or less noise per gradient (a larger "
    "batch)."
)
show_presets(("noise-floor", "noisy"), "noise")

# --- Comparison table ------------------------------------------------------------------------
st.header("Side by side")
fields = [f.name for f in dataclasses.fields(optim_core.Properties)]
st.dataframe(
    [
        {"optimizer": spec.label} | {f: getattr(spec.properties, f) for f in fields}
        for spec in OPT.values()
    ],
    hide_index=True,
    width="stretch",
    key="properties",
    column_config={
        f: st.column_config.Column(
            "memory per parameter" if f == "state_per_param" else f.replace("_", " ")
        )
        for f in fields
    },
)
st.caption(
    "Memory per parameter: how many numbers the optimizer keeps for each weight, besides the "
    "weight and its gradient. For a model of a billion weights, each one is 4 GB in float32."
)

# --- Selection guide -------------------------------------------------------------------------
st.header("Which optimizer when?")
memory = {n: OPT[n].properties.state_per_param for n in ("momentum", "adam", "lion")}
GUIDE = (
    (
        "Convex problems (linear and logistic regression)",
        "Gradient descent or Nesterov momentum with a tuned η; standardise the features",
        # The "adam-adapts" scene is convex and badly scaled along the axes: there adaptive
        # steps win; rotated ("sign-descent") they lose most of their edge.
        "There is one minimum, and for a quadratic the theory gives η and β. When the "
        "features' scales differ along the coordinate axes, per-coordinate steps help a lot; "
        "when the bad conditioning runs across the axes they can do worse than GD. "
        "Standardising the features fixes axis-aligned scaling for every optimizer.",
        lambda: show_preset("adam-adapts", "guide"),
    ),
    (
        "Vision (convolutional networks)",
        "SGD with (Nesterov) momentum and a schedule; Adam for a quick start",
        # Wilson et al., "The Marginal Value of Adaptive Gradient Methods", NeurIPS 2017.
        "Well-tuned momentum SGD often generalises slightly better on images (Wilson et al. "
        "2017); its single velocity costs one number per weight.",
        lambda: show_training("mlp", "spirals", ("momentum", "adam"), "guide"),
    ),
    (
        "Transformers and language models",
        "AdamW with a warm-up",
        "Gradient scales differ widely between embeddings, attention and normalisation "
        "layers, so per-parameter steps help, and decoupled weight decay shrinks every weight "
        "by the same share; a warm-up keeps Adam's first steps, about η whatever the slope, "
        "small while its running means rest on few gradients.",
        lambda: show_preset("warmup", "guide"),
    ),
    (
        "GANs",
        "Adam with β₁ = 0.5",
        # Radford, Metz & Chintala, "Unsupervised Representation Learning with Deep
        # Convolutional GANs", ICLR 2016, §4: β₁ = 0.9 oscillated, 0.5 stabilised training.
        "An empirical choice: the DCGAN authors found training oscillated with the default "
        "β₁ = 0.9 and was stabler at 0.5 (Radford et al. 2016). The scene shows only what a "
        "long memory does on a fixed target: it overshoots.",
        lambda: show_preset("momentum-overshoots", "guide"),
    ),
    (
        "Very large models",
        "AdamW; Lion where memory is short",
        # lion_update: the step is η(sign(c) + λw); Chen et al. 2023 advise an η 3-10 times
        # smaller than AdamW's and a λ 3-10 times larger.
        f"Adam keeps {memory['adam']} numbers per weight, Lion {memory['lion']}. Lion's step "
        "moves a weight by η from the sign, however small its gradient (nothing where the "
        "blend c is exactly 0), plus the decay ηλw; so it is run with a smaller η than AdamW "
        "and a larger λ (Chen et al. 2023).",
        lambda: show_training("mlp", "moons", ("adamw", "lion"), "guide"),
    ),
    (
        "Tight memory",
        "SGD with momentum (or plain SGD)",
        f"Momentum keeps {memory['momentum']} number per weight and plain SGD none. Under "
        "noisy gradients the jitter depends on the effective step η/(1 − β), not on β alone: "
        "lower it with a decaying η or a larger batch.",
        lambda: show_preset("noise-floor", "guide"),
    ),
)
for situation, choice, why, link in GUIDE:
    with st.container(border=True):
        st.markdown(f"**{situation}** → {choice}")
        st.caption(why)
        link()
