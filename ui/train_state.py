"""The train page's settings: declared once, read from an untrusted link, written back to one.

A :class:`TrainSettings` is plain data. ``settings_from_query`` reads one from a query string
and says what it had to drop, as ``ui.state.scene_from_query`` does for the playground's
scene; ``settings_to_query`` writes one back, so a shared link reopens the same training.
``widget_values`` and ``settings_from_widgets`` are its session-state form; no other module
knows the key names.

The optimizers' sliders here have keys of their own (``train_hp_<optimizer>_<name>``), not the
playground's: a learning rate that suits a 2-D landscape does not suit a network, so each page
starts from its own values and changing one page's η leaves the other's alone.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, MutableMapping

import optim_core
from optim_core import training
from optim_core.params import Choice, Param
from ui.state import MAX_OPTIMIZERS, link_text, read_choice, read_optimizers, read_param

# The learning rates each optimizer starts at. Measured with optim_core.training.train on the
# page's default problem (MLP 2-16-16-1, batch 32, 100 epochs = 900 steps, noise 0.2) on two
# moons and two spirals, six seeds each: the η on the sliders' grid with the lowest mean final
# training loss (a tie within 3 % goes to the smaller η). Mean loss over the 12 runs at the
# chosen η and its neighbours:
#   gd        0.3: 0.336   0.5: 0.315   0.8: 0.317   1.0: 0.333
#   momentum 0.05: 0.299   0.1: 0.217   0.2: 0.241
#   nesterov  0.1: 0.181   0.2: 0.164   0.3: 0.192
#   adagrad   0.3: 0.131   0.5: 0.121   1.0: 0.158
#   rmsprop  0.01: 0.300  0.02: 0.130  0.03: 0.127  0.05: 0.137
#   adam     0.03: 0.156  0.05: 0.120   0.1: 0.169
#   amsgrad  0.03: 0.153  0.05: 0.126   0.1: 0.165
#   nadam    0.02: 0.209  0.03: 0.174  0.05: 0.192
#   adamw    0.03: 0.177  0.05: 0.133   0.1: 0.172
#   lion    0.005: 0.133  0.01: 0.087  0.02: 0.151
#   radam    0.05: 0.181   0.1: 0.173  0.12: 0.174
#   adamax   0.15: 0.092  0.18: 0.090   0.2: 0.088   0.25: 0.115
#   adadelta  1.0: 0.294   5.0: 0.310  10.0: 0.216 (the slider's top)
#   schedule_free_sgd    3.0: 0.208   5.0: 0.152  10.0: 0.152
#   schedule_free_adamw 0.15: 0.067  0.18: 0.065   0.2: 0.078
# The playground's η (GD 0.1, RMSprop 0.01) leave GD at 0.392 and RMSprop at 0.300.
TRAIN_LR = {
    "gd": 0.5,
    "momentum": 0.1,
    "nesterov": 0.2,
    "adagrad": 0.5,
    "rmsprop": 0.02,
    "adam": 0.05,
    "amsgrad": 0.05,
    "nadam": 0.03,
    "adamw": 0.05,
    "lion": 0.01,
    "radam": 0.1,
    "adamax": 0.18,
    "adadelta": 10.0,
    "schedule_free_sgd": 5.0,
    "schedule_free_adamw": 0.18,
}
DEFAULT_OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")

MODEL = Choice("model", "mlp", tuple(training.MODELS), "the model to train")
DATASET = Choice("data", "moons", tuple(training.DATASETS), "the data set")
NOISE = Param("noise", "σ", 0.2, 0.0, 0.5, False, "How far points stray.")
NOISE_STEP = 0.05  # the noise slider's step
BATCH = Choice("batch", 32, (1, 2, 4, 8, 16, 32, 64, 128), "points per mini-batch")
EPOCHS = Param("epochs", "epochs", 100, 1, 500, False, "passes over the training set")
SEED = Param("seed", "seed", 0, 0, 2**31 - 1, False, "data, initial weights, batch order")
AXIS = Choice("axis", "step", ("step", "wall-clock time"), "what the curves are plotted against")
# The loss landscape's plane (optim_core.loss_plane): how its directions are chosen, and
# whose final weights are its centre ("best": the run with the lowest final training loss).
PLANE = Choice("plane", "pca", ("pca", "random"), "the plane's directions")
BEST = "best"
CENTRE = Choice(
    "centre", BEST, (BEST, *optim_core.OPTIMIZERS), "whose final weights the plane is centred on"
)
MAX_QUERY_CHARS = 100  # no value of a train link is longer; the rest is cut before reading

SETTINGS_KEY = "train_settings"
PREFIX = "train."
"""Every key of a train link starts with this: the playground's link has keys of the same
names (``opt``, ``seed``, ``adam.lr``) that mean something else, and the address bar may
still hold that link when the train page opens."""


@dataclasses.dataclass(frozen=True)
class TrainSettings:
    """Everything the train page's controls set.

    Attributes:
      model, dataset: names in ``training.MODELS`` and ``training.DATASETS``.
      noise, batch, epochs, seed: as declared in NOISE, BATCH, EPOCHS, SEED.
      optimizers: names in ``optim_core.OPTIMIZERS``, in the table's order.
      hyper: per optimizer, the values that differ from :func:`defaults`' or that a link set.
      axis: what the curves are plotted against (a choice of AXIS).
      plane: the loss plane's directions (a choice of PLANE).
      centre: the optimizer whose final weights centre the plane, one of ``optimizers``, or
        BEST (the run with the lowest final training loss).
    """

    model: str = MODEL.default
    dataset: str = DATASET.default
    noise: float = NOISE.default
    batch: int = BATCH.default
    epochs: int = int(EPOCHS.default)
    seed: int = int(SEED.default)
    optimizers: tuple[str, ...] = DEFAULT_OPTIMIZERS
    hyper: Mapping[str, Mapping[str, object]] = dataclasses.field(default_factory=dict)
    axis: str = AXIS.default
    plane: str = PLANE.default
    centre: str = CENTRE.default

    def hyperparams(self, name: str) -> dict[str, object]:
        """Every hyperparameter and option of optimizer ``name``, training defaults filled in."""
        return defaults(name) | dict(self.hyper.get(name, {}))


def defaults(name: str) -> dict[str, object]:
    """Optimizer ``name``'s values on this page: the registry's, with the training η (the
    registry's η for an optimizer not yet measured; a test asks for every one)."""
    spec = optim_core.OPTIMIZERS[name]
    return spec.defaults() | {"lr": TRAIN_LR.get(name, spec.defaults()["lr"])}


# --- URL form -------------------------------------------------------------------------------

SCALARS = (MODEL, DATASET, NOISE, BATCH, EPOCHS, SEED, AXIS, PLANE, CENTRE)
FIELDS = {"model": "model", "data": "dataset", "noise": "noise", "batch": "batch"}
FIELDS |= {"epochs": "epochs", "seed": "seed", "axis": "axis"}  # link key -> attribute
FIELDS |= {"plane": "plane", "centre": "centre"}
VIEWS = (AXIS, PLANE, CENTRE)  # said in a link only when not the default, like the playground's


def settings_to_query(settings: TrainSettings) -> dict[str, str]:
    """The query-string form of ``settings``: every value, so the link pins the training."""
    query = {key: link_text(getattr(settings, field)) for key, field in FIELDS.items()}
    for view in VIEWS:
        if getattr(settings, FIELDS[view.name]) == view.default:
            del query[view.name]
    query["opt"] = ",".join(settings.optimizers)
    for opt in settings.optimizers:
        for name, value in settings.hyperparams(opt).items():
            query[f"{opt}.{name}"] = link_text(value)
    return {PREFIX + key: value for key, value in query.items()}


def _read_whole(param: Param, text: str, problems: list[str]) -> int | None:
    value = read_param(param, text, problems, PREFIX + param.name)
    if value is not None and not float(value).is_integer():
        problems.append(f"{PREFIX}{param.name}={text[:40]} is not a whole number: default used")
        return None
    return None if value is None else int(value)


def _read_noise(text: str, problems: list[str]) -> float | None:
    value = read_param(NOISE, text, problems, PREFIX + NOISE.name)
    if value is None:
        return None
    rounded = round(round(value / NOISE_STEP) * NOISE_STEP, 2)
    if not math.isclose(rounded, value):
        problems.append(f"{PREFIX}noise={text[:40]} was rounded to the slider's {rounded:g}")
    return rounded


def _read_hyper(
    query: Mapping[str, str], problems: list[str], known: set[str]
) -> dict[str, dict[str, object]]:
    hyper: dict[str, dict[str, object]] = {}
    for opt, spec in optim_core.OPTIMIZERS.items():
        given: dict[str, object] = {}
        for item in (*spec.hyperparams, *spec.options):
            key = f"{opt}.{item.name}"
            known.add(key)
            if key not in query:
                continue
            read = read_param if isinstance(item, Param) else read_choice
            if (value := read(item, query[key], problems, PREFIX + key)) is not None:
                given[item.name] = value
        if given:
            hyper[opt] = given
    return hyper


def _read_centre(text: str, optimizers: tuple[str, ...]) -> str | None:
    """The plane's centre a link names, if it is BEST or one of the ``optimizers`` trained
    (the CENTRE declaration's choices, cut to those: its whole list would make a long
    warning)."""
    return text if text in CENTRE.choices and text in (BEST, *optimizers) else None


def settings_from_query(query: Mapping[str, str]) -> tuple[TrainSettings, list[str]]:
    """Read the train page's settings from an untrusted query string.

    Only keys that start with :data:`PREFIX` are read; the others belong to other pages.
    Returns the settings and one short sentence per value that was dropped or changed
    (unknown name, not a number, out of range, not on the slider); a dropped value keeps its
    default. Never raises.
    """
    problems: list[str] = []
    query = {
        str(k)[len(PREFIX) : 60]: str(v)[:MAX_QUERY_CHARS]
        for k, v in query.items()
        if str(k).startswith(PREFIX)
    }
    known = set(FIELDS) | {"opt"}
    fields: dict[str, object] = {}
    for choice in (MODEL, DATASET, BATCH, AXIS, PLANE):
        key = choice.name
        if key in query:
            value = read_choice(choice, query[key], problems, PREFIX + key)
            if value is not None:
                fields[FIELDS[key]] = value
    if "noise" in query and (noise := _read_noise(query["noise"], problems)) is not None:
        fields["noise"] = noise
    for param in (EPOCHS, SEED):
        if param.name in query:
            value = _read_whole(param, query[param.name], problems)
            if value is not None:
                fields[param.name] = value
    if "opt" in query:
        fields["optimizers"] = (
            read_optimizers(query["opt"], problems, "train") or DEFAULT_OPTIMIZERS
        )
    fields["hyper"] = _read_hyper(query, problems, known)
    if "centre" in query:
        centre = _read_centre(query["centre"], fields.get("optimizers", DEFAULT_OPTIMIZERS))
        if centre is None:
            problems.append(
                f"{PREFIX}centre={repr(query['centre'])[:42]} is not an optimizer of "
                "this training, so the run with the lowest final loss is the centre"
            )
        else:
            fields["centre"] = centre
    unknown = sorted(set(query) - known)
    if unknown:
        names = ", ".join(repr(PREFIX + k) for k in unknown[:5])
        problems.append("ignored unknown setting " + names)
    return TrainSettings(**fields), problems


# --- session-state form ---------------------------------------------------------------------

WIDGETS = {"model": "train_model", "dataset": "train_dataset", "noise": "train_noise"}
WIDGETS |= {"batch": "train_batch", "epochs": "train_epochs", "seed": "train_seed"}
WIDGETS |= {"optimizers": "train_optimizers", "axis": "train_axis"}  # attribute -> widget key
WIDGETS |= {"plane": "train_plane", "centre": "train_centre"}


def widget_key(optimizer: str, name: str) -> str:
    """Session-state key of a train-page slider of an optimizer (not the playground's)."""
    return f"train_hp_{optimizer}_{name}"


def widget_values(settings: TrainSettings) -> dict[str, object]:
    """Session-state values that make every train-page widget show ``settings``."""
    values = {key: getattr(settings, field) for field, key in WIDGETS.items()}
    values["train_optimizers"] = list(settings.optimizers)
    for opt in optim_core.OPTIMIZERS:
        for name, value in settings.hyperparams(opt).items():
            values[widget_key(opt, name)] = value
    return values


def settings_from_widgets(state: Mapping[str, object]) -> TrainSettings:
    """The settings the train page's widgets in ``state`` show."""
    fields = {field: state[key] for field, key in WIDGETS.items() if key in state}
    fields["optimizers"] = tuple(fields.get("optimizers", DEFAULT_OPTIMIZERS))[:MAX_OPTIMIZERS]
    if fields.get("centre") not in (BEST, *fields["optimizers"]):  # its run was taken away
        fields["centre"] = BEST
    hyper = {}
    for opt in optim_core.OPTIMIZERS:
        names = defaults(opt)
        hyper[opt] = {n: state[widget_key(opt, n)] for n in names if widget_key(opt, n) in state}
    return TrainSettings(**fields, hyper=hyper)


def start(state: MutableMapping[str, object], query: Mapping[str, str]) -> list[str]:
    """Fill the train page's widgets' session state for this run; returns the link's problems.

    On the page's first run in a session the settings come from the link. Later runs keep
    what the widgets hold (another page, the learn page's buttons, may have set some); a
    widget that was not drawn gets its value back from the last settings, so a visit to
    another page keeps the training as it was.
    """
    problems: list[str] = []
    if SETTINGS_KEY not in state:
        state[SETTINGS_KEY], problems = settings_from_query(query)
    for key, value in widget_values(state[SETTINGS_KEY]).items():
        state[key] = state.get(key, value)
    return problems


def finish(state: MutableMapping[str, object]) -> TrainSettings:
    """Remember the settings the widgets show for the next run, and return them."""
    settings = settings_from_widgets(state)
    state[SETTINGS_KEY] = settings
    return settings
