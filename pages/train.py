"""Train a model: each optimizer trains the same network from the same start on the same batches."""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st

import optim_core
from optim_core import training
from ui import controls, heavy, plotly_element, presets, routing, state, train_state, waiting
from ui.figures import encoding, player
from ui.figures import train as train_figures

MAX_STEPS = 5000  # per optimizer; 6 × 5,000 MLP steps take a few seconds on two cores

routing.require_app_navigation()
ss = st.session_state
link = st.query_params.to_dict()
# The playground's scene is kept through a visit here (its widgets are not drawn on this
# page); a train link's own keys are this page's, not the scene's.
problems = state.start_session(
    {k: v for k, v in link.items() if not k.startswith(train_state.PREFIX)}, presets.SCENES
)
problems += train_state.start(ss, link)


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False)
def dataset(name: str, noise: float, seed: int) -> training.Dataset:
    return training.make_dataset(name, n=400, noise=noise, seed=seed)


@st.cache_data(max_entries=128, ttl=3600, show_spinner=False)
@heavy.pooled
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


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
@heavy.pooled
def loss_plane(
    runs: tuple[tuple[str, tuple[tuple[str, object], ...]], ...],
    model: str,
    data: tuple[str, float, int],
    batch_size: int,
    epochs: int,
    seed: int,
    method: str,
    centre: str,
) -> optim_core.LossPlane:
    """The loss plane through ``centre``'s final weights of the runs ``(optimizer, hyper)``;
    the random directions are drawn from the training's seed, so a link reopens them."""
    results = {
        name: trained(name, hyper, model, data, batch_size, epochs, seed) for name, hyper in runs
    }
    return optim_core.loss_plane(
        results, dataset(*data), model, method=method, center=centre, seed=seed
    )


def best_run(results: list[training.TrainResult]) -> str:
    """The optimizer whose run ended at the lowest training loss, one that did not diverge
    if any did not: the centre a plane of "the minimum found" takes."""
    finished = [r for r in results if r.diverged_at is None] or results
    return min(finished, key=lambda r: float(r.train_loss[-1])).optimizer


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
        train_state.NOISE.low,
        train_state.NOISE.high,
        key="train_noise",
        step=train_state.NOISE_STEP,
        disabled=real,
        help="Real measurements: nothing to set." if real else "How far points stray.",
    )

    st.subheader("Optimizers")
    chosen = st.multiselect(
        "Train with",
        list(optim_core.OPTIMIZERS),
        key="train_optimizers",
        format_func=lambda n: optim_core.OPTIMIZERS[n].label,
        max_selections=train_state.MAX_OPTIMIZERS,
    )
    for name in chosen:
        # This page's own sliders (train_state.widget_key): η that suits a network.
        with st.expander(optim_core.OPTIMIZERS[name].label, expanded=len(chosen) <= 2):
            controls.hyperparameter_controls(name, functools.partial(train_state.widget_key, name))

    st.subheader("Training")
    st.select_slider("batch size", train_state.BATCH.choices, key="train_batch")
    st.slider(
        "epochs", int(train_state.EPOCHS.low), int(train_state.EPOCHS.high), key="train_epochs"
    )
    st.number_input(
        f"seed ({train_state.SEED.help})", 0, int(train_state.SEED.high), key="train_seed"
    )

settings = train_state.finish(ss)
query = train_state.settings_to_query(settings)
if st.query_params.to_dict() != query:  # the address bar is a link to this very training
    st.query_params.from_dict(query)

# --- Training --------------------------------------------------------------------------------
st.title("Train a model")
controls.link_warnings(problems)
st.markdown(
    "Every optimizer starts from **the same initial weights** and sees **the same mini-batches "
    "in the same order**; only the update rule differs. Each starts at a learning rate measured "
    "to train these networks well, not the playground's, which suit a 2-D landscape; the "
    "address bar is a link to this training."
)

data_key = (settings.dataset, float(settings.noise), int(settings.seed))
data = dataset(*data_key)
model = training.MODELS[settings.model]
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
per_epoch = len(data.y_train) // settings.batch
epochs = min(int(settings.epochs), MAX_STEPS // per_epoch)
if epochs < settings.epochs:
    st.caption(f"Capped at {epochs} epochs ({epochs * per_epoch:,} steps per optimizer).")
names = list(settings.optimizers)
if not names:
    st.info("Choose at least one optimizer in the sidebar.", icon=":material/arrow_back:")
    st.stop()

train_args = tuple(
    (name, tuple(settings.hyperparams(name).items()), settings.model, data_key)
    + (settings.batch, epochs, int(settings.seed))
    for name in names
)
# Heavy: six trainings of 5,000 steps take seconds, so they wait their turn in the pool.
results = waiting.computed(
    f"Training with {len(names)} optimizer{'s' if len(names) > 1 else ''}",
    ("train", *train_args),
    lambda: [trained(*args) for args in train_args],
)
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
st.header("Loss and accuracy")
axis = st.radio("against", train_state.AXIS.choices, horizontal=True, key="train_axis")
curves = [
    train_figures.Curve(
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
    encoding.DictFigure(
        train_figures.training_curves(
            curves, "step" if axis == "step" else "seconds (training only)"
        )
    ),
    key="train_curves",
)
st.caption("Solid: training set; dashed: validation set. The clock counts gradients and updates.")

st.header("Decision boundary during training")
boundaries = [
    train_figures.Boundary(r.optimizer, label, r.snapshot_steps, r.boundary, r.diverged_at)
    for label, r in zip(labels, results, strict=True)
]
st.plotly_chart(
    encoding.DictFigure(
        train_figures.boundary_grid(
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

st.header("The loss landscape of this network")
st.markdown(
    f"The model has more weights than a map has axes ({results[0].final.size:,} here), so the "
    "map is a plane through them: centred on one run's final weights, spanned by two "
    "directions, with every run's recorded weights projected onto it. PCA takes the two "
    "directions along which the paths spread most around the centre; random directions, "
    "scaled unit by unit to the size of the centre's weights into that unit (filter "
    "normalisation: Li et al., *Visualizing the Loss Landscape of Neural Nets*, 2018), show "
    "the ground around the centre without favouring any path."
)
plane_controls = st.columns(2)
plane_controls[0].radio(
    "directions",
    train_state.PLANE.choices,
    key="train_plane",
    horizontal=True,
    format_func=train_figures.METHODS.get,
)
best = best_run(results)
ss["train_centre"] = settings.centre  # a centre no longer trained is back to the best run
plane_controls[1].selectbox(
    "centre: the final weights of",
    (train_state.BEST, *names),
    key="train_centre",
    format_func=lambda n: (
        f"the run with the lowest final loss ({optim_core.OPTIMIZERS[best].label})"
        if n == train_state.BEST
        else optim_core.OPTIMIZERS[n].label
    ),
)
plane_args = (
    tuple((r.optimizer, tuple(settings.hyperparams(r.optimizer).items())) for r in results),
    settings.model,
    data_key,
    settings.batch,
    epochs,
    int(settings.seed),
    settings.plane,
    best if settings.centre == train_state.BEST else settings.centre,
)
plane = waiting.computed("Loss plane", ("plane", *plane_args), lambda: loss_plane(*plane_args))
plane_runs = [
    train_figures.PlaneRun(r.optimizer, label, r.steps, r.train_loss, r.diverged_at)
    for label, r in zip(labels, results, strict=True)
]
if plotly_element.available():
    plotly_element.plotly_element(
        plotly_element.figure_json(train_figures.plane_figure(plane, plane_runs)),
        key="train_plane_map",
        # room for the legend's rows on a narrow screen, two entries each: every entry names
        # its share of the plane
        height=train_figures.PLANE_HEIGHT + plotly_element.LEGEND_HEIGHT * (len(results) // 2),
        config={"modeBarButtonsToRemove": ["select2d", "lasso2d"], "scrollZoom": False},
        player_frame_ms=player.FRAME_MS,
        html_legend=True,
        fit=True,  # laid out for the screen as the playground's map: under it on a phone
        label="Map of the loss on a plane through the network's weights, with each run's "
        "path projected onto it; beside it, the training loss by step",
    )
else:
    st.plotly_chart(
        encoding.DictFigure(train_figures.plane_figure(plane, plane_runs, motion=False)),
        key="train_plane_map",
    )
st.markdown(train_figures.faithfulness(plane, dict(zip(names, labels, strict=True))))
st.caption(train_figures.legend_caption(plane, optim_core.OPTIMIZERS[plane.center_name].label))

st.header("Results")


def reached(r: training.TrainResult, accuracy: float = 0.9) -> int | None:
    """The first evaluated step with validation accuracy ≥ ``accuracy``."""
    hit = np.flatnonzero(r.val_acc >= accuracy)
    return int(r.steps[hit[0]]) if hit.size else None


def or_dash(step: int | None) -> str:
    """A step for the table: its number, or "—" where there is none."""
    return "—" if step is None else f"{step:,}"


st.dataframe(
    [
        {
            "optimizer": label,
            "final training loss": float(r.train_loss[-1]),
            "final validation loss": float(r.val_loss[-1]),
            "final validation accuracy": float(r.val_acc[-1]),
            "best validation accuracy": float(r.val_acc.max()),
            "first step ≥ 90 % validation": or_dash(reached(r)),
            "training time (s)": float(r.seconds[-1]),
            "diverged at": or_dash(r.diverged_at),
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

# The scene as the playground's widgets left it, for the learner's way back.
ss[state.SCENE_KEY] = state.scene_from_widgets(ss, preset=ss.get("preset", ""))
