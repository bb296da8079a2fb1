"""Train a model: each optimizer trains the same network from the same start on the same batches."""

from __future__ import annotations

import numpy as np
import streamlit as st

import optim_core
from optim_core import training
from ui import controls, figures, presets, routing, state

MAX_STEPS = 5000  # per optimizer; 6 × 5,000 MLP steps take a few seconds on two cores
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128)
DEFAULTS = {
    "train_model": "mlp",
    "train_dataset": "moons",
    "train_noise": 0.2,
    "train_batch": 32,
    "train_epochs": 100,
    "train_seed": 0,
}

routing.require_app_navigation()
problems = state.start_session(st.query_params.to_dict(), presets.SCENES)
ss = st.session_state
for key, value in DEFAULTS.items():
    ss.setdefault(key, value)
ss.setdefault("train_optimizers", list(ss["optimizers"])[:4])


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False)
def dataset(name: str, noise: float, seed: int) -> training.Dataset:
    return training.make_dataset(name, n=400, noise=noise, seed=seed)


@st.cache_data(max_entries=128, ttl=3600, show_spinner=False)
def trained(
    optimizer: str,
    hyper: tuple[tuple[str, object], ...],
    model: str,
    data: tuple[str, float, int],
    batch_size: int,
    epochs: int,
    seed: int,
) -> training.TrainResult:
    return training.train(
        optimizer,
        dataset(*data),
        model,
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        **dict(hyper),
    )


def dataset_label(name: str) -> str:
    """The data set's name, saying so when it has more than two classes."""
    source = training.DATASETS[name]
    classes = len(source.class_names)
    return source.label if classes == 2 else f"{source.label} · {classes} classes"


# --- Controls (sidebar) ----------------------------------------------------------------------
with st.sidebar:
    st.subheader("Problem")
    st.selectbox(
        "Model",
        list(training.MODELS),
        key="train_model",
        format_func=lambda n: training.MODELS[n].label,
    )
    st.selectbox(
        "Data set",
        list(training.DATASETS),
        key="train_dataset",
        format_func=dataset_label,
    )
    real = training.DATASETS[ss["train_dataset"]].real
    st.slider(
        "noise",
        0.0,
        0.5,
        key="train_noise",
        step=0.05,
        disabled=real,
        help="Real measurements: nothing to set." if real else "How far points stray.",
    )

    st.subheader("Optimizers")
    controls.optimizer_controls("Train with", "train_optimizers")

    st.subheader("Training")
    st.select_slider("batch size", BATCH_SIZES, key="train_batch")
    st.slider("epochs", 1, 500, key="train_epochs")
    st.number_input("seed (data, initial weights, batch order)", 0, 2**31 - 1, key="train_seed")

# --- Training --------------------------------------------------------------------------------
st.title("Train a model")
controls.link_warnings(problems)
st.markdown(
    "Every optimizer starts from **the same initial weights** and sees **the same mini-batches "
    "in the same order**; only the update rule differs. The hyperparameters are the "
    "playground's: change one here and it is changed there too."
)

data_key = (ss["train_dataset"], float(ss["train_noise"]), int(ss["train_seed"]))
data = dataset(*data_key)
model = training.MODELS[ss["train_model"]]
if not model.fits(data.classes):
    st.info(
        f"{model.label} has one output, the probability of class 1, so it separates two "
        f"classes; {training.DATASETS[data.name].label} has {data.classes}. Choose softmax "
        "regression, which gives every class a probability, or a two-class data set.",
        icon=":material/arrow_back:",
    )
    st.stop()
if data.name == "iris":
    st.caption(
        "Fisher's Iris data (1936), which ships with plotly: petal length and width of 150 "
        "flowers of three species, standardised. The seed decides which flowers are held out."
    )
per_epoch = len(data.y_train) // ss["train_batch"]
epochs = min(int(ss["train_epochs"]), MAX_STEPS // per_epoch)
if epochs < ss["train_epochs"]:
    st.caption(f"Capped at {epochs} epochs ({epochs * per_epoch:,} steps per optimizer).")
names = list(ss["train_optimizers"])
if not names:
    st.info("Choose at least one optimizer in the sidebar.", icon=":material/arrow_back:")
    st.stop()

progress = st.progress(0.0, text="Training…")
results = []
for i, name in enumerate(names):
    progress.progress(i / len(names), text=f"Training with {optim_core.OPTIMIZERS[name].label}…")
    spec = optim_core.OPTIMIZERS[name]
    keys = [p.name for p in spec.hyperparams] + [c.name for c in spec.options]
    hyper = tuple((k, ss[state.hp_key(name, k)]) for k in keys)
    results.append(
        trained(
            name,
            hyper,
            ss["train_model"],
            data_key,
            ss["train_batch"],
            epochs,
            int(ss["train_seed"]),
        )
    )
progress.empty()
labels = [optim_core.OPTIMIZERS[r.optimizer].label for r in results]
st.caption(
    f"{model.label} on {len(data.y_train)} training and "
    f"{len(data.y_val)} validation points; {per_epoch} steps per epoch, "
    f"{epochs * per_epoch:,} steps per optimizer."
)
for label, r in zip(labels, results, strict=True):
    if r.diverged_at is not None:
        st.error(
            f"{label} diverged at step {r.diverged_at}: its loss stopped being a finite number, "
            "so its curves end there. Try a smaller η.",
            icon=":material/error:",
        )

# --- Views -----------------------------------------------------------------------------------
st.subheader("Loss and accuracy")
axis = st.radio("against", ["step", "wall-clock time"], horizontal=True, key="train_axis")
curves = [
    figures.Curve(
        r.optimizer,
        label,
        r.steps if axis == "step" else r.seconds,
        r.train_loss,
        r.val_loss,
        r.train_acc,
        r.val_acc,
    )
    for label, r in zip(labels, results, strict=True)
]
st.plotly_chart(
    figures.DictFigure(
        figures.training_curves(curves, "step" if axis == "step" else "seconds (training only)")
    ),
    key="train_curves",
)
st.caption("Solid: training set; dashed: validation set. The clock counts gradients and updates.")

st.subheader("Decision boundary during training")
boundaries = [
    figures.Boundary(r.optimizer, label, r.snapshot_steps, r.boundary, r.diverged_at)
    for label, r in zip(labels, results, strict=True)
]
st.plotly_chart(
    figures.DictFigure(
        figures.boundary_grid(
            boundaries,
            results[0].grid_x,
            results[0].grid_y,
            data.x_train,
            data.y_train,
            class_names=data.class_names,
        )
    ),
    key="train_boundary",
)
st.caption(
    (
        "Colour: the model's probability of the orange class"
        if data.classes == 2
        else "Colour: the class the model predicts, paler where it is less sure"
    )
    + "; points: the training set. Drag the slider or press ▶ Play to watch each model learn."
)

st.subheader("Results")


def reached(r: training.TrainResult, accuracy: float = 0.9) -> int | None:
    """The first evaluated step with validation accuracy ≥ ``accuracy``."""
    hit = np.flatnonzero(r.val_acc >= accuracy)
    return int(r.steps[hit[0]]) if hit.size else None


st.dataframe(
    [
        {
            "optimizer": label,
            "final training loss": float(r.train_loss[-1]),
            "final validation loss": float(r.val_loss[-1]),
            "final validation accuracy": float(r.val_acc[-1]),
            "best validation accuracy": float(r.val_acc.max()),
            "first step ≥ 90 % validation": reached(r),
            "training time (s)": float(r.seconds[-1]),
            "diverged at": r.diverged_at,
        }
        for label, r in zip(labels, results, strict=True)
    ],
    hide_index=True,
    width="stretch",
    column_config={
        "final training loss": st.column_config.NumberColumn(format="%.4f"),
        "final validation loss": st.column_config.NumberColumn(format="%.4f"),
        "final validation accuracy": st.column_config.NumberColumn(format="%.3f"),
        "best validation accuracy": st.column_config.NumberColumn(format="%.3f"),
        "training time (s)": st.column_config.NumberColumn(format="%.3f"),
    },
)

# The hyperparameters set here belong to the playground's scene too.
ss[state.SCENE_KEY] = state.scene_from_widgets(ss, preset=ss.get("preset", ""))
