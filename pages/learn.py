"""Learn: what each optimizer does and why, with the formulas the code runs, and when to use which.

Every formula comes from the registry (``spec.latex``, the ``.. math::`` block of the update
rule's docstring), and the comparison table from ``spec.properties``; nothing is typed twice.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

import optim_core
from optim_core import training
from ui import controls, figures, presets, routing, state

OPT = optim_core.OPTIMIZERS
ss = st.session_state
routing.require_app_navigation()
problems = state.start_session(st.query_params.to_dict(), presets.SCENES)


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
left, right = st.columns(2)
with left:
    show_preset("too-large-lr", "gd")
with right:
    show_preset("plateau", "gd")

# --- Momentum ------------------------------------------------------------------------------------
st.header("Momentum: why it helps in narrow valleys")
formula("momentum")
formula("nesterov")
st.markdown(
    "In a narrow valley the gradient across the valley flips sign from one step to the next, "
    "while along the floor it keeps pointing the same way. The velocity $v$ is a running sum "
    "of gradients, so the flips cancel and the steady part adds up: with β = 0.9 the speed "
    "along the floor grows to about 1/(1 − β) = 10 times a single gradient step. GD cannot do "
    "this: its η is held down by the steep walls. The same inertia carries the ball over "
    "small bumps and off saddle points, and past the minimum when β is large. Nesterov's "
    "version uses the velocity it is about to have, so it brakes a step earlier."
)
st.markdown("**Two conventions for the same idea.** " + OPT["momentum"].options[0].help + ".")
st.markdown(
    "With a constant η both give the same path: the classic velocity is η times the other. "
    "They part ways when η changes during training (a schedule): the classic velocity still "
    "carries steps taken at the old η, the PyTorch one rescales all of its memory at once."
)
cols = st.columns(3)
for col, slug in zip(cols, ("narrow-valley", "momentum-overshoots", "saddle-escape"), strict=True):
    with col:
        show_preset(slug, "momentum")

# --- Adaptive step sizes ---------------------------------------------------------------------
st.header("Adagrad and RMSprop: a step size for every parameter")
formula("adagrad")
formula("rmsprop")
st.markdown(
    "Both divide each coordinate's step by the root of its own squared gradients, so a "
    "coordinate with large gradients takes small steps and one with small gradients takes "
    "large steps: the step becomes about η in every direction, whatever the scale. That is "
    "what a badly conditioned or badly scaled problem needs. Adagrad *sums* the squares, so "
    "its steps only shrink and may stop long before the minimum; RMSprop keeps a running "
    "*mean* that forgets (β₂ sets how fast), so the steps can grow again on flat ground."
)
left, right = st.columns(2)
with left:
    show_preset("adam-adapts", "adaptive")
with right:
    show_preset("adagrad-dies", "adaptive")

# --- Adam ----------------------------------------------------------------------------------------
st.header("Adam: momentum plus adaptive steps, and what bias correction corrects")
formula("adam")
st.markdown(
    "Adam keeps a running mean $m$ of the gradients (momentum) and one of the squared "
    "gradients $v$ (RMSprop). Both start at zero, so early on they are too small: after one "
    "step $m_1 = (1 - \\beta_1) g_1$, a tenth of the gradient for β₁ = 0.9, and "
    "$v_1 = (1 - \\beta_2) g_1^2$, a thousandth for β₂ = 0.999. The weights of a running mean "
    "after $t$ steps add up to $1 - \\beta^t$, not 1; dividing by that sum undoes the pull "
    "toward the zero start. Without it the step is off by "
    "$(1 - \\beta_1^t) / \\sqrt{1 - \\beta_2^t}$: for the default β's the first step is about "
    "3η instead of η, still about 3η at t = 100, and it settles only after thousands of steps, "
    "because $v$ is the slower of the two to fill."
)
beta1 = float(ss.get(state.hp_key("adam", "beta1"), 0.9))
beta2 = float(ss.get(state.hp_key("adam", "beta2"), 0.999))
curves = [("β₁", 0.9), ("β₂", 0.999)]
if (beta1, beta2) != (0.9, 0.999):
    curves += [("your β₁", beta1), ("your β₂", beta2)]
st.plotly_chart(
    figures.DictFigure(figures.bias_correction_figure(curves, steps=3000)), key="bias_plot"
)
st.caption(
    "The factor 1/(1 − βᵗ) by which Adam scales each running mean: large at first, 1 in the "
    "end. β₂ = 0.999 needs thousands of steps to settle. Dotted: the β's of this session."
)
show_preset("bias-correction", "adam")

# --- AdamW ---------------------------------------------------------------------------------------
st.header("AdamW: weight decay that is not rescaled")
formula("adamw")
st.markdown(
    "Weight decay pulls every weight toward zero by a share λ per step. The usual way is to "
    "add λw to the gradient (L2 regularisation). In Adam that term then goes through the "
    "division by √v̂: weights with large gradients get almost no decay, and weights with small "
    "gradients get a lot, which is not what λ was meant to do. AdamW takes the decay out of the "
    "gradient and applies it to the weights directly, as ηλw, the same share for every weight."
)
show_training("mlp", "spirals", ("adam", "adamw"), "adamw")

# --- The rest of the family -----------------------------------------------------------------
covered = {"gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"}
st.header("More of the family")
for name in [n for n in OPT if n not in covered]:
    formula(name)
show_preset("noisy", "family")

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
        "Gradient descent or Nesterov momentum, with a tuned η",
        "There is one minimum and the theory gives η; momentum removes the zig-zag of "
        "an ill-conditioned problem. Adaptive steps add nothing that matters here.",
        lambda: show_preset("narrow-valley", "guide"),
    ),
    (
        "Vision (convolutional networks)",
        "SGD with (Nesterov) momentum and a schedule; Adam for a quick start",
        "Well-tuned momentum SGD often generalises slightly better on images; its single "
        "velocity costs one number per weight.",
        lambda: show_training("mlp", "spirals", ("momentum", "adam"), "guide"),
    ),
    (
        "Transformers and language models",
        "AdamW with a warm-up",
        "Gradient scales differ by orders of magnitude between embeddings, attention and "
        "normalisation layers: per-parameter steps are needed, and decoupled weight decay "
        "regularises them evenly.",
        lambda: show_preset("adam-adapts", "guide"),
    ),
    (
        "GANs and reinforcement learning",
        "Adam with a small β₁ (e.g. 0.5), or RMSprop",
        "The objective moves while you train: old gradients mislead, so the statistics must "
        "forget quickly. Adagrad's ever-growing sum would freeze learning.",
        lambda: show_preset("adagrad-dies", "guide"),
    ),
    (
        "Very large models",
        "AdamW; Lion where memory is short",
        f"Adam keeps {memory['adam']} numbers per weight, Lion {memory['lion']}; Lion's sign "
        "step moves every weight by exactly η, so it needs a smaller η and more decay.",
        lambda: show_training("mlp", "moons", ("adamw", "lion"), "guide"),
    ),
    (
        "Tight memory",
        "SGD with momentum (or plain SGD)",
        f"Momentum keeps {memory['momentum']} number per weight and plain SGD none; under "
        "noisy gradients, average them with a larger batch or momentum.",
        lambda: show_preset("noisy", "guide"),
    ),
)
for situation, choice, why, link in GUIDE:
    with st.container(border=True):
        st.markdown(f"**{situation}** → {choice}")
        st.caption(why)
        link()
