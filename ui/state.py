"""The scene: every setting of the playground, its URL form and its session-state form.

A scene is plain data. ``scene_from_query`` reads one from an untrusted query string and
says what it had to drop; ``scene_to_query`` writes one back, so a teacher's link
reproduces the scene exactly. The widgets read and write the same scene through
``widget_values`` and ``scene_from_widgets``; no other module knows the key names.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import math
import numbers
import secrets
import urllib.parse
from collections.abc import Callable, Mapping, Sequence

import optim_core
from optim_core.params import Choice, Param

MAX_FORMULA_CHARS = 300
MAX_OPTIMIZERS = 6
DEFAULT_OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")

STEPS = Param("steps", "T", 200, 1, 2000, False, "How many steps every optimizer takes.")
STEP = Param("k", "k", 10, 0, STEPS.high, False, "The step the inspector page shows.")
NOISE = Param(
    "noise", "σ", 0.0, 0.0, 10.0, False, "Standard deviation of Gaussian noise added to ∇f."
)
SEED = Param("seed", "seed", 0, 0, 2**31 - 1, False, "Seed of the gradient noise.")
TOL = Param(
    "tol", "tol", 1e-4, 1e-12, 1.0, True, "A run has converged once f − f* falls below this."
)
SCENE_PARAMS = (STEPS, NOISE, SEED, TOL)
START_LIMIT = 1e4  # |x0| and |y0| of a start point, from a link or a widget
VIEWS = {"race": "Race: map and loss", "surface": "3D surface"}


@dataclasses.dataclass(frozen=True)
class Scene:
    """Everything that decides what the playground draws.

    Attributes:
      landscape: a name in ``optim_core.LANDSCAPES``, or ``"custom"``.
      landscape_values: the landscape's parameters, e.g. ``{"kappa": 30.0}``.
      formula: the custom f(x, y), used when ``landscape == "custom"``.
      optimizers: names in ``optim_core.OPTIMIZERS``, in race order.
      hyper: per optimizer, the value of each hyperparameter and option.
      start: the start point, or ``None`` for the landscape's default.
      steps, noise, seed, tol: as declared in ``SCENE_PARAMS``.
      schedule: a name in ``optim_core.SCHEDULES``; ``schedule_values`` its parameters.
      preset: the preset the scene came from, if any (only shown, never applied).
      view: a key of ``VIEWS``, what the page shows.
      inspect: the optimizer the inspector page looks inside (any name in ``OPTIMIZERS``).
      step: the step k the inspector page shows.
    """

    landscape: str = "quadratic"
    landscape_values: Mapping[str, float] = dataclasses.field(default_factory=dict)
    formula: str = "x^2 + 10*y^2"
    optimizers: tuple[str, ...] = DEFAULT_OPTIMIZERS
    hyper: Mapping[str, Mapping[str, object]] = dataclasses.field(default_factory=dict)
    start: tuple[float, float] | None = None
    steps: int = int(STEPS.default)
    noise: float = NOISE.default
    seed: int = int(SEED.default)
    tol: float = TOL.default
    schedule: str = "constant"
    schedule_values: Mapping[str, float] = dataclasses.field(default_factory=dict)
    preset: str = ""
    view: str = "race"
    inspect: str = "adam"
    step: int = int(STEP.default)

    def hyperparams(self, name: str) -> dict[str, object]:
        """Every hyperparameter and option of optimizer ``name``, defaults filled in."""
        spec = optim_core.OPTIMIZERS[name]
        given = self.hyper.get(name, {})
        values: dict[str, object] = {p.name: given.get(p.name, p.default) for p in spec.hyperparams}
        values.update({c.name: given.get(c.name, c.default) for c in spec.options})
        return values

    def landscape_params(self) -> dict[str, float]:
        """The landscape's parameters, defaults filled in (empty for a custom formula)."""
        if self.landscape == "custom":
            return {}
        land = optim_core.LANDSCAPES[self.landscape]
        return {p.name: float(self.landscape_values.get(p.name, p.default)) for p in land.params}

    def schedule_params(self) -> dict[str, float]:
        """The schedule's parameters, defaults filled in."""
        spec = optim_core.SCHEDULES[self.schedule]
        return {p.name: float(self.schedule_values.get(p.name, p.default)) for p in spec.params}

    def schedule_key(self) -> tuple[str, tuple[tuple[str, float], ...]]:
        """The schedule as a hashable cache key: ``(name, parameter items)``."""
        return self.schedule, tuple(self.schedule_params().items())


# --- slider values ---------------------------------------------------------------------------

MANTISSAS = (1.0, 1.2, 1.5, 1.8, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)
# 1 − β per decade: β = 0, 0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95 … 0.99 … 0.999.
GAP_MANTISSAS = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)


def log_grid(param: Param) -> list[float]:
    """The values a log-scaled slider offers: 1, 1.2, 1.5, 1.8, 2, 2.5 … per decade."""
    lo, hi = math.floor(math.log10(param.low)), math.ceil(math.log10(param.high))
    values = [float(f"{m * 10.0**e:.6g}") for e in range(lo, hi + 1) for m in MANTISSAS]
    inside = [v for v in values if param.low <= v <= param.high]
    return sorted({param.low, param.high, *inside})


def one_minus_grid(param: Param) -> list[float]:
    """The values a slider that is logarithmic in ``1 − value`` offers, within the range.

    For β in [0, 0.9999]: 0, 0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.985,
    0.99 … 0.999 … 0.9999, i.e. ``1 − m·10ᵉ`` for every decade of ``1 − value`` the range spans.
    """
    gaps = (1.0 - param.high, 1.0 - param.low)
    lo, hi = math.floor(math.log10(gaps[0])), math.ceil(math.log10(gaps[1]))
    values = [float(f"{1.0 - m * 10.0**e:.12g}") for e in range(lo, hi + 1) for m in GAP_MANTISSAS]
    inside = [v for v in values if param.low <= v <= param.high]
    return sorted({param.low, param.high, *inside})


def slider_grid(param: Param) -> list[float]:
    """The values a ``select_slider`` offers for ``param``; empty for a linear slider."""
    if param.log:
        return log_grid(param)
    if param.log_one_minus:
        return one_minus_grid(param)
    return []


def slider_options(param: Param, value: float) -> list[float]:
    """``param``'s slider values, and ``value`` among them if it falls between two.

    A value set exactly (a sweep's cell, a link) stays exact on the slider: snapping it to
    the grid would run another scene than the one clicked (the best cell of a momentum
    sweep, η = 0.166, snapped to 0.18, diverges).
    """
    grid = slider_grid(param)
    return sorted({*grid, snap(param, value)}) if grid else grid


def snap(param: Param, value: float) -> float:
    """The value a slider for ``param`` shows for ``value``: itself, brought into range.

    Sliders show an exact in-range value beside their grid (``slider_options``).
    """
    return param.clip(value) if math.isfinite(value) else param.default


# --- URL form -------------------------------------------------------------------------------


def link_text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value) if value != int(value) or abs(value) >= 1e15 else str(int(value))
    return str(value)


def scene_to_query(scene: Scene) -> dict[str, str]:
    """The query-string form of ``scene``: every value, so a link pins the scene exactly."""
    query = {"land": scene.landscape}
    if scene.landscape == "custom":
        query["fx"] = scene.formula
    for name, value in scene.landscape_params().items():
        query[f"land.{name}"] = link_text(value)
    query["opt"] = ",".join(scene.optimizers)
    shown = (
        scene.optimizers
        if scene.inspect in scene.optimizers
        else (*scene.optimizers, scene.inspect)
    )
    for opt in shown:
        for name, value in scene.hyperparams(opt).items():
            query[f"{opt}.{name}"] = link_text(value)
    if scene.start is not None:
        query["x0"], query["y0"] = link_text(scene.start[0]), link_text(scene.start[1])
    query["steps"] = str(scene.steps)
    query["noise"] = link_text(scene.noise)
    query["seed"] = str(scene.seed)
    query["tol"] = link_text(scene.tol)
    query["sched"] = scene.schedule
    for name, value in scene.schedule_params().items():
        query[f"sched.{name}"] = link_text(value)
    if scene.preset:
        query["preset"] = scene.preset
    if scene.view != Scene.view:
        query["view"] = scene.view
    if scene.inspect != Scene.inspect:
        query["inspect"] = scene.inspect
    if scene.step != Scene.step:
        query["k"] = str(scene.step)
    return query


def _number(text: str) -> float:
    value = float(text)  # ValueError for non-numbers
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def read_param(param: Param, text: str, problems: list[str], label: str) -> float | None:
    try:
        value = _number(text)
    except ValueError:
        problems.append(f"{label}={text[:40]!r} is not a number, so the default is used")
        return None
    if not param.contains(value):
        problems.append(
            f"{label}={text[:40]} is outside [{param.low:g}, {param.high:g}], "
            "so the default is used"
        )
        return None
    if isinstance(param.default, int):  # the declaration counts something: steps, a seed
        if not value.is_integer():
            problems.append(f"{label}={text[:40]} is not a whole number, so the default is used")
            return None
        return int(value)
    return value  # exact: a slider shows a value between its grid's (``slider_options``)


def read_optimizers(text: str, problems: list[str], doing: str) -> tuple[str, ...]:
    """The registry's optimizers a link names (``opt=gd,adam``), each once, at most
    :data:`MAX_OPTIMIZERS`; unknown names and the surplus are said. ``doing``: "race", "train"."""
    chosen: list[str] = []
    for name in text.split(",")[: 4 * MAX_OPTIMIZERS]:  # a longer list repeats or invents
        if name in optim_core.OPTIMIZERS and name not in chosen:
            chosen.append(name)
        elif name:
            problems.append(f"unknown optimizer {name[:40]!r}")
    if len(chosen) > MAX_OPTIMIZERS:
        problems.append(f"at most {MAX_OPTIMIZERS} optimizers {doing} at once")
    return tuple(chosen[:MAX_OPTIMIZERS])


def read_choice(choice: Choice, text: str, problems: list[str], label: str) -> object:
    for option in choice.choices:
        if text == link_text(option) or text.lower() == str(option).lower():
            return option
    problems.append(
        f"{label}={text[:40]!r} is not one of {', '.join(map(link_text, choice.choices))}"
    )
    return None


def scene_from_query(
    query: Mapping[str, str], presets: Mapping[str, Scene] | None = None
) -> tuple[Scene, list[str]]:
    """Read a scene from an untrusted query string.

    A link that names a preset (``?preset=narrow-valley``) starts from that preset's scene;
    every other value in the link overrides it. Returns the scene and one short sentence
    per value that was dropped (unknown name, non-numeric, out of range, a formula that
    does not parse); each dropped value keeps its default. Never raises.
    """
    problems: list[str] = []
    query = {str(k)[:60]: str(v)[: MAX_FORMULA_CHARS + 10] for k, v in query.items()}
    base, slug = _preset_from_query(query, presets, problems)
    # Every key a scene reads; the readers below add the keys of the landscape, optimizers
    # and schedule they read, so that what remains is reported as unknown.
    known = {"land", "fx", "opt", "x0", "y0", "sched", "preset", "view", "inspect", "k"} | {
        p.name for p in SCENE_PARAMS
    }
    known |= set(CLASSROOM_FLAGS)  # read by classroom_from_query
    fields: dict[str, object] = {}
    fields |= _landscape_from_query(query, base, problems, known)
    if "opt" in query:
        fields["optimizers"] = read_optimizers(query["opt"], problems, "race") or base.optimizers
    else:
        fields["optimizers"] = base.optimizers
    fields["hyper"] = _hyper_from_query(query, base, problems, known)
    fields |= _start_from_query(query, base, problems)
    for param in SCENE_PARAMS:
        fields[param.name] = getattr(base, param.name)
        if param.name in query:
            value = read_param(param, query[param.name], problems, param.name)
            if value is not None:
                fields[param.name] = value
    fields |= _schedule_from_query(query, base, problems, known)
    fields["preset"] = slug
    fields |= _view_from_query(query, base, problems, steps=fields["steps"])

    unknown = sorted(set(query) - known)
    if unknown:
        problems.append("ignored unknown setting " + ", ".join(repr(k) for k in unknown[:5]))
    return Scene(**fields), problems


def _preset_from_query(
    query: Mapping[str, str], presets: Mapping[str, Scene] | None, problems: list[str]
) -> tuple[Scene, str]:
    """The scene a link starts from (its preset's, or the default) and the preset's slug."""
    slug = query.get("preset", "")
    if not slug or presets is None:
        return Scene(), slug
    if slug in presets:
        return presets[slug], slug
    problems.append(f"unknown preset {slug[:40]!r}")
    return Scene(), ""


def _landscape_from_query(
    query: Mapping[str, str], base: Scene, problems: list[str], known: set[str]
) -> dict[str, object]:
    """The link's landscape: a registered one with its parameters, or a formula that parses."""
    fields: dict[str, object] = {}
    landscape = query.get("land", base.landscape)
    if landscape != "custom" and landscape not in optim_core.LANDSCAPES:
        problems.append(f"unknown landscape {landscape[:40]!r}")
        landscape = base.landscape
    fields["landscape"] = landscape
    if landscape == "custom":
        formula = query.get("fx", base.formula)
        try:
            optim_core.parse_function(formula)
            fields["formula"] = formula
        except optim_core.ExpressionError as err:
            problems.append(f"the formula in the link does not parse: {err}")
            fields["landscape"] = Scene.landscape
    else:
        values = dict(base.landscape_values) if landscape == base.landscape else {}
        for param in optim_core.LANDSCAPES[landscape].params:
            key = f"land.{param.name}"
            known.add(key)
            if key in query and (v := read_param(param, query[key], problems, key)) is not None:
                values[param.name] = v
        fields["landscape_values"] = values
    return fields


def _hyper_from_query(
    query: Mapping[str, str], base: Scene, problems: list[str], known: set[str]
) -> dict[str, dict[str, object]]:
    """Every optimizer's hyperparameters and options the link sets (``adam.lr=0.1``)."""
    hyper: dict[str, dict[str, object]] = {}
    for opt, spec in optim_core.OPTIMIZERS.items():
        given: dict[str, object] = dict(base.hyper.get(opt, {}))
        for param in spec.hyperparams:
            key = f"{opt}.{param.name}"
            known.add(key)
            if key in query and (v := read_param(param, query[key], problems, key)) is not None:
                given[param.name] = v
        for choice in spec.options:
            key = f"{opt}.{choice.name}"
            known.add(key)
            if key in query and (v := read_choice(choice, query[key], problems, key)) is not None:
                given[choice.name] = v
        if given:
            hyper[opt] = given
    return hyper


def _start_from_query(
    query: Mapping[str, str], base: Scene, problems: list[str]
) -> dict[str, object]:
    """The link's start point ``x0``, ``y0`` (both numbers, within ``START_LIMIT``)."""
    fields: dict[str, object] = {}
    if base.start is not None:
        fields["start"] = base.start
    if "x0" in query or "y0" in query:
        try:
            start = (_number(query.get("x0", "")), _number(query.get("y0", "")))
            if max(abs(start[0]), abs(start[1])) > START_LIMIT:
                raise ValueError
            fields["start"] = start
        except ValueError:
            problems.append("the start point must be two numbers x0 and y0 (|x|, |y| ≤ 10⁴)")
    return fields


def _schedule_from_query(
    query: Mapping[str, str], base: Scene, problems: list[str], known: set[str]
) -> dict[str, object]:
    """The link's learning-rate schedule and its parameters."""
    schedule = query.get("sched", base.schedule)
    if schedule not in optim_core.SCHEDULES:
        problems.append(f"unknown schedule {schedule[:40]!r}")
        schedule = base.schedule
    values = dict(base.schedule_values) if schedule == base.schedule else {}
    for param in optim_core.SCHEDULES[schedule].params:
        key = f"sched.{param.name}"
        known.add(key)
        if key in query and (v := read_param(param, query[key], problems, key)) is not None:
            values[param.name] = v
    return {"schedule": schedule, "schedule_values": values}


def _view_from_query(
    query: Mapping[str, str], base: Scene, problems: list[str], *, steps: int
) -> dict[str, object]:
    """The view, the optimizer to inspect and the inspected step ``k`` (at most ``steps``)."""
    fields: dict[str, object] = {"view": query.get("view", Scene.view)}
    if fields["view"] not in VIEWS:
        problems.append(f"unknown view {fields['view'][:40]!r}")
        fields["view"] = Scene.view
    fields["inspect"] = query.get("inspect", base.inspect)  # a preset may name one
    if fields["inspect"] not in optim_core.OPTIMIZERS:
        problems.append(f"unknown optimizer to inspect {fields['inspect'][:40]!r}")
        fields["inspect"] = Scene.inspect
    if "k" in query:
        step = read_param(STEP, query["k"], problems, "k")
        if step is not None:
            fields["step"] = step
    # Bounds between fields, one rule: the later field is brought within the earlier, said so.
    if fields.get("step", base.step) > steps:
        if "step" in fields:  # the link's own k; one it gave but could not be read is reported
            problems.append(f"k={fields['step']} is past the last step, so k = {steps}")
        fields["step"] = steps
    return fields


# --- classroom flags -------------------------------------------------------------------------

# Controls a teacher's link can hide (``?hide=landscape,steps``), as TensorFlow Playground's
# ``*_hide`` flags do. A hidden control keeps the value the link gives it. An optimizer's
# name hides its sliders; ``<optimizer>.<hyperparameter>`` hides one slider.
HIDEABLE = {
    "preset": "the preset picker",
    "landscape": "the landscape and its parameters",
    "optimizers": "the choice of optimizers",
    "start": "the start point (and clicking the map)",
    "steps": "the number of steps",
    "noise": "the gradient noise",
    "schedule": "the learning-rate schedule",
    "tol": "the convergence tolerance",
    "view": "the switch to the 3D surface",
    "table": "the results table",
    "downloads": "the downloads",
}
# ``?lock=1`` keeps the scene the teacher chose: only the racing optimizers' sliders remain.
LOCKED = ("preset", "landscape", "optimizers", "start", "steps", "noise", "schedule", "tol")
CLASSROOM_KEY = "classroom"
CLASSROOM_FLAGS = ("hide", "lock", "challenge", "present")  # the link's keys for a Classroom


@dataclasses.dataclass(frozen=True)
class Classroom:
    """What a teacher's link hides, and whether learners predict the winner before the race.

    Attributes:
      hidden: names from ``HIDEABLE``, optimizer names, or ``"<optimizer>.<hyperparameter>"``.
      challenge: the page asks which optimizer reaches the minimum first, then reveals it.
      present: presentation mode, for a projector: the map and the loss fill the screen.
    """

    hidden: frozenset[str] = frozenset()
    challenge: bool = False
    present: bool = False

    def shows(self, control: str) -> bool:
        """Whether ``control`` (a ``HIDEABLE`` name or ``"<optimizer>.<name>"``) is drawn."""
        optimizer = control.split(".", 1)[0]
        return control not in self.hidden and ("." not in control or optimizer not in self.hidden)


def hideable_names() -> list[str]:
    """Every name ``?hide=`` takes, in the order a teacher meets them on the page."""
    names = list(HIDEABLE)
    for opt, spec in optim_core.OPTIMIZERS.items():
        names.append(opt)
        names += [f"{opt}.{item.name}" for item in (*spec.hyperparams, *spec.options)]
    return names


def classroom_from_query(query: Mapping[str, str]) -> tuple[Classroom, list[str]]:
    """Read the teacher's flags (``hide``, ``lock``, ``challenge``) from an untrusted link."""
    problems: list[str] = []
    names = hideable_names()
    allowed = set(names)
    longest = len(",".join(names))  # a longer list repeats or invents names
    hidden: set[str] = set()
    for name in str(query.get("hide", ""))[:longest].split(","):
        name = name.strip()
        if name in allowed:
            hidden.add(name)
        elif name:
            problems.append(f"hide={name[:40]!r} names no control")
    for flag in ("lock", "challenge", "present"):
        if query.get(flag, "0") not in ("0", "1"):
            problems.append(f"{flag}={str(query[flag])[:40]!r} must be 0 or 1")
    if query.get("lock") == "1":
        hidden.update(LOCKED)
    present = query.get("present") == "1"
    return Classroom(frozenset(hidden), query.get("challenge") == "1", present), problems


def classroom_to_query(classroom: Classroom) -> dict[str, str]:
    """The link form of ``classroom``: empty for a learner's own session."""
    query = {}
    if classroom.hidden:
        order = {name: i for i, name in enumerate(hideable_names())}
        query["hide"] = ",".join(sorted(classroom.hidden, key=order.__getitem__))
    if classroom.challenge:
        query["challenge"] = "1"
    if classroom.present:
        query["present"] = "1"
    return query


def challenge_key(scene: Scene) -> str:
    """What makes a new challenge: every setting of the race (not the view or the preset)."""
    query = scene_to_query(scene)
    return "&".join(f"{k}={v}" for k, v in sorted(query.items()) if k not in ("view", "preset"))


# --- session-state form ---------------------------------------------------------------------

SCENE_KEY = "scene"


def hp_key(optimizer: str, name: str) -> str:
    """Session-state key of an optimizer's hyperparameter or option widget."""
    return f"hp_{optimizer}_{name}"


def shared_hyperparams(name: str, relative: str) -> tuple[str, ...]:
    """The hyperparameters optimizer ``name`` shares with ``relative``: both declare them alike.

    A number both rules declare with one declaration (symbol, default, range) means the same
    in both: η, β, β₁, β₂, ε. One the extension declares otherwise belongs to the idea it
    adds: AdamW's λ (default 0.01) shrinks the weights directly, Adam's (default 0) is an L2
    term added to the gradient (``optim_core.optimizers.adamw_update``, ``adam_update``), and
    AdamW given Adam's λ = 0 would be Adam again.
    """
    theirs = {p.name: p for p in optim_core.OPTIMIZERS[relative].hyperparams}
    ours = optim_core.OPTIMIZERS[name].hyperparams
    return tuple(p.name for p in ours if theirs.get(p.name) == p)


def values_from_relatives(
    before: Sequence[str], after: Sequence[str], values: Mapping[str, object]
) -> dict[str, object]:
    """The values an optimizer joining the race takes from the one it extends, if that races.

    ``before`` and ``after`` are the race's optimizers before and after the learner's change,
    ``values`` the widgets' values by ``hp_key``. Nesterov joining Momentum's race starts at
    Momentum's η and β (``OptimizerSpec.extends``), so the race compares the idea the rule
    adds, not two settings. Returns the ``hp_key``s to set, with their values.
    """
    joined = [name for name in after if name not in before]
    updates: dict[str, object] = {}
    for name in joined:
        relative = optim_core.OPTIMIZERS[name].extends
        if relative is None or relative not in after:
            continue
        for param in shared_hyperparams(name, relative):
            if hp_key(relative, param) in values:
                updates[hp_key(name, param)] = values[hp_key(relative, param)]
    return updates


def race_settings(scene: Scene) -> dict[str, str]:
    """What decides ``scene``'s race, in its link's form: the start point resolved, without
    the view, the preset, the inspector's choices and the values of optimizers not racing."""
    start = scene.start
    if start is None:
        values = widget_values(scene)
        start = (values["x0"], values["y0"])
    query = scene_to_query(dataclasses.replace(scene, start=start, inspect=scene.optimizers[0]))
    kept = {"land", "sched", *scene.optimizers}
    return {
        key: value
        for key, value in query.items()
        if key not in ("preset", "view", "inspect", "k")
        and ("." not in key or key.split(".", 1)[0] in kept)
    }


def scene_changed(scene: Scene, original: Scene) -> bool:
    """Whether ``scene`` races differently from ``original`` (e.g. a preset's scene)."""
    return race_settings(scene) != race_settings(original)


def widget_values(scene: Scene) -> dict[str, object]:
    """Session-state values that make every widget show ``scene``."""
    start = scene.start
    if start is None and scene.landscape == "custom":
        start = optim_core.parse_function(scene.formula).start
    elif start is None:
        land = optim_core.LANDSCAPES[scene.landscape]
        start = land.with_params(**scene.landscape_params()).start
    values: dict[str, object] = {
        "landscape": scene.landscape,
        "formula": scene.formula,
        "optimizers": list(scene.optimizers),
        "x0": float(start[0]),
        "y0": float(start[1]),
        "steps": scene.steps,
        "noise": scene.noise,
        "seed": scene.seed,
        "tol": scene.tol,
        "schedule": scene.schedule,
        "view": scene.view,
        "inspect": scene.inspect,
        "inspect_step": min(scene.step, scene.steps),
    }
    for name, value in scene.landscape_params().items():
        values[f"land_{name}"] = value
    for name, value in scene.schedule_params().items():
        values[f"sched_{name}"] = value
    for opt in optim_core.OPTIMIZERS:
        for name, value in scene.hyperparams(opt).items():
            values[hp_key(opt, name)] = value
    return values


def scene_from_widgets(state: Mapping[str, object], preset: str = "") -> Scene:
    """The scene the widgets in ``state`` show.

    A value that breaks its declaration (``repair_widgets``) is read as the last scene's
    (``state[SCENE_KEY]``): a fragment's run reads the widgets without ``start_session``.
    """
    last = state.get(SCENE_KEY)
    repairs, _ = repair_widgets(state, last if isinstance(last, Scene) else Scene())
    if repairs:
        state = collections.ChainMap(repairs, state)
    landscape = str(state.get("landscape", Scene.landscape))
    land_values = {}
    if landscape in optim_core.LANDSCAPES:
        for param in optim_core.LANDSCAPES[landscape].params:
            land_values[param.name] = float(state.get(f"land_{param.name}", param.default))
    hyper = {}
    for opt, spec in optim_core.OPTIMIZERS.items():
        names = [p.name for p in spec.hyperparams] + [c.name for c in spec.options]
        hyper[opt] = {n: state[hp_key(opt, n)] for n in names if hp_key(opt, n) in state}
    schedule = str(state.get("schedule", Scene.schedule))
    sched_values = {
        p.name: float(state.get(f"sched_{p.name}", p.default))
        for p in optim_core.SCHEDULES[schedule].params
    }
    optimizers = tuple(state.get("optimizers") or DEFAULT_OPTIMIZERS)[:MAX_OPTIMIZERS]
    return Scene(
        landscape=landscape,
        landscape_values=land_values,
        formula=str(state.get("formula", Scene.formula)),
        optimizers=optimizers,
        hyper=hyper,
        start=(float(state["x0"]), float(state["y0"])) if "x0" in state else None,
        steps=int(state.get("steps", Scene.steps)),
        noise=float(state.get("noise", Scene.noise)),
        seed=int(state.get("seed", Scene.seed)),
        tol=float(state.get("tol", Scene.tol)),
        schedule=schedule,
        schedule_values=sched_values,
        preset=preset,
        view=str(state.get("view", Scene.view)),
        inspect=str(state.get("inspect", Scene.inspect)),
        step=int(state.get("inspect_step", Scene.step)),
    )


# --- widget values, checked as a link's values are --------------------------------------------

START = Param("x0", "x₀", 0.0, -START_LIMIT, START_LIMIT, False, "A coordinate of the start.")
OPTIMIZER_LISTS = ("optimizers", "train_optimizers")  # the multiselects of optimizer names


@functools.lru_cache(maxsize=64)
def widget_declarations(landscape: str = "", schedule: str = "") -> Mapping[str, Param | Choice]:
    """The declaration of every scene widget, by session-state key (``widget_values``'s).

    ``land_<name>`` and ``sched_<name>`` are ``landscape``'s and ``schedule``'s parameters,
    or, for a name that one does not declare, the first registered one's that does.
    """
    decls: dict[str, Param | Choice] = {p.name: p for p in SCENE_PARAMS}
    decls |= {"inspect_step": STEP, "x0": START, "y0": START}
    names = {
        "landscape": (*optim_core.LANDSCAPES, "custom"),
        "schedule": tuple(optim_core.SCHEDULES),
        "view": tuple(VIEWS),
        "inspect": tuple(optim_core.OPTIMIZERS),
    }
    for key, choices in names.items():
        decls[key] = Choice(key, getattr(Scene, key), choices, f"the scene's {key}")
    lands = [optim_core.LANDSCAPES[n] for n in (landscape,) if n in optim_core.LANDSCAPES]
    for land in (*lands, *optim_core.LANDSCAPES.values()):
        for param in land.params:
            decls.setdefault(f"land_{param.name}", param)
    scheds = [optim_core.SCHEDULES[n] for n in (schedule,) if n in optim_core.SCHEDULES]
    for sched in (*scheds, *optim_core.SCHEDULES.values()):
        for param in sched.params:
            decls.setdefault(f"sched_{param.name}", param)
    for opt, spec in optim_core.OPTIMIZERS.items():
        for item in (*spec.hyperparams, *spec.options):
            decls[hp_key(opt, item.name)] = item
    return decls


@functools.cache
def _labels() -> dict[str, str]:
    labels = {
        hp_key(o, i.name): f"{o}.{i.name}"
        for o, s in optim_core.OPTIMIZERS.items()
        for i in (*s.hyperparams, *s.options)
    }
    return labels | {"inspect_step": "k"}


def widget_label(key: str) -> str:
    """Widget ``key`` as a learner reads it: its name in the link (``adam.lr``, ``land.kappa``)."""
    if key in _labels():
        return _labels()[key]
    for prefix in ("land", "sched"):
        if key.startswith(f"{prefix}_"):
            return f"{prefix}.{key[len(prefix) + 1 :]}"
    return key[:40]


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _number_problem(param: Param, value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return f"{_shown(value)} is not a number"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a finite number"
    if not param.low <= value <= param.high:
        return f"{_shown(value)} is outside [{param.low:g}, {param.high:g}]"
    if isinstance(param.default, int) and not float(value).is_integer():
        return f"{_shown(value)} is not a whole number"
    return None


def _choice_problem(choice: Choice, value: object) -> str | None:
    if any(type(value) is type(c) and value == c for c in choice.choices):
        return None
    names = ", ".join(map(link_text, choice.choices[:6]))
    more = f" … ({len(choice.choices)} in all)" if len(choice.choices) > 6 else ""
    return f"{_shown(value)} is not one of {names}{more}"


def _optimizers_problem(value: object) -> str | None:
    if not isinstance(value, list | tuple) or not all(isinstance(n, str) for n in value):
        return f"{_shown(value)} is not a list of optimizers"
    unknown = [n for n in value if n not in optim_core.OPTIMIZERS]
    if unknown:
        return f"unknown optimizer {_shown(unknown[0])}"
    if len(set(value)) < len(value):
        return "it names an optimizer twice"
    if len(value) > MAX_OPTIMIZERS:
        return f"at most {MAX_OPTIMIZERS} optimizers race at once"
    return None


def widget_problem(
    key: str, value: object, declarations: Mapping[str, Param | Choice] | None = None
) -> str | None:
    """Why ``value`` cannot be widget ``key``'s, as its declaration says (as ``read_param``
    and ``read_choice`` say it of a link's value); ``None`` if it can, or if ``key`` is none
    of the scene's widgets. ``declarations``: ``widget_declarations()`` unless given."""
    if key in OPTIMIZER_LISTS:
        return _optimizers_problem(value)
    if key == "formula":
        if not isinstance(value, str):
            return f"{_shown(value)} is not text"
        if len(value) > MAX_FORMULA_CHARS:
            return f"it is {len(value):,} characters long (at most {MAX_FORMULA_CHARS})"
        return None
    decl = (widget_declarations() if declarations is None else declarations).get(key)
    if isinstance(decl, Param):
        return _number_problem(decl, value)
    if isinstance(decl, Choice):
        return _choice_problem(decl, value)
    return None


def repair_widgets(
    values: Mapping[str, object], last: Scene
) -> tuple[dict[str, object], list[str]]:
    """The scene widgets' values in ``values`` that break their declarations, each replaced by
    ``last``'s value (the scene drawn before), and one ``"<label>: <why>"`` per replacement.

    Pure, never raises. The landscape and schedule are checked first: they decide which
    parameters are declared.
    """
    repairs: dict[str, object] = {}
    problems: list[str] = []
    good: dict[str, object] = {}

    def check(key: str, decls: Mapping[str, Param | Choice]) -> None:
        if key not in values or (problem := widget_problem(key, values[key], decls)) is None:
            return
        if not good:
            good.update(widget_values(last))
        decl = decls.get(key)
        repairs[key] = good.get(key, getattr(decl, "default", None))
        problems.append(f"{widget_label(key)}: {problem}")

    for key in ("landscape", "schedule"):
        check(key, widget_declarations())
    landscape = repairs.get("landscape", values.get("landscape", last.landscape))
    schedule = repairs.get("schedule", values.get("schedule", last.schedule))
    decls = widget_declarations(str(landscape), str(schedule))
    for key in ("formula", OPTIMIZER_LISTS[0], *decls):
        if key not in ("landscape", "schedule"):
            check(key, decls)
    return repairs, problems


def start_session(query: Mapping[str, str], presets: Mapping[str, Scene]) -> list[str]:
    """Fill the widgets' session state for this run; returns problems with the link.

    On a session's first run the scene comes from the URL. Later runs keep what the widgets
    hold; a widget that was not drawn (another page, a deselected optimizer) gets its value
    back from the last scene, so moving between pages keeps the scene.
    """
    import streamlit as st

    from ui import wire

    problems: list[str] = []
    wire.install()  # widget values are checked before Streamlit uses them (ui.wire)
    if SCENE_KEY not in st.session_state:
        wire.forget_unchecked()  # any this session received before install()
        scene, problems = scene_from_query(query, presets)
        classroom, flag_problems = classroom_from_query(query)
        problems += flag_problems
        st.session_state[SCENE_KEY] = scene
        st.session_state[CLASSROOM_KEY] = classroom
        st.session_state["preset"] = scene.preset
        st.session_state["challenge"] = classroom.challenge
        st.session_state["present"] = classroom.present
    for key, value in widget_values(st.session_state[SCENE_KEY]).items():
        # Set even a key that is there: a widget of the previous page holds its value under
        # that page's widget id, and only a value set by key reaches this page's widget.
        st.session_state[key] = st.session_state.get(key, value)
    # A value no widget offers is refused on the wire (ui.wire); any that got in otherwise
    # is the last scene's again, said as a refused one is.
    repairs, repaired = repair_widgets(st.session_state, st.session_state[SCENE_KEY])
    st.session_state.update(repairs)
    wire.show_refusals([*wire.take_refusals(), *repaired])
    return problems


SESSION_TOKEN = "session_token"


def session_token() -> str:
    """A name for this server session, new with each: the map's element tells by it that
    its page came back on another session (``plotly_element``'s ``session``)."""
    import streamlit as st

    if SESSION_TOKEN not in st.session_state:
        st.session_state[SESSION_TOKEN] = secrets.token_hex(8)
    return st.session_state[SESSION_TOKEN]


def apply_scene(scene: Scene) -> None:
    """Make every widget show ``scene`` (for presets and map clicks; call from a callback)."""
    import streamlit as st

    st.session_state[SCENE_KEY] = scene
    for key, value in widget_values(scene).items():
        st.session_state[key] = value


def scene_query(scene: Scene) -> dict[str, str]:
    """The address bar's query for ``scene``: the scene, and the teacher's flags."""
    import streamlit as st

    query = scene_to_query(scene)
    # The teacher's flags stay in the link, so a reload or a forwarded link keeps them.
    classroom = st.session_state.get(CLASSROOM_KEY, Classroom())
    challenge = bool(st.session_state.get("challenge", classroom.challenge))
    present = bool(st.session_state.get("present", classroom.present))
    flags = dataclasses.replace(classroom, challenge=challenge, present=present)
    query.update(classroom_to_query(flags))
    return query


def url_query(scene: Scene) -> str:
    """``scene_query`` as the query string Streamlit would write for it (no leading "?")."""
    return urllib.parse.urlencode(scene_query(scene), doseq=True)


def finish_run(scene: Scene, *, url: bool = True) -> None:
    """Remember ``scene`` for the next run and other pages; with ``url``, put it in the URL.

    Without ``url`` something else keeps the address bar (the map's element, see
    ``ui.plotly_element``): Streamlit redraws the whole page for a new query string.
    """
    import streamlit as st

    st.session_state[SCENE_KEY] = scene
    if url:
        query = scene_query(scene)
        if st.query_params.to_dict() != query:
            st.query_params.from_dict(query)


GOOD_LANDSCAPE_KEY = "last_good_landscape"


def landscape_key() -> tuple[tuple, str | None]:
    """The landscape to draw, as a cache key, and the formula's error if it did not parse.

    A custom formula that does not parse keeps the previous landscape on screen.
    """
    import streamlit as st

    ss = st.session_state
    name = ss["landscape"]
    error = None
    if name == "custom":
        key = ("custom", (), ss["formula"])
        try:
            optim_core.parse_function(ss["formula"])
        except optim_core.ExpressionError as err:
            error = str(err)
            key = ss.get(GOOD_LANDSCAPE_KEY, ("quadratic", (), ""))
    else:
        params = optim_core.LANDSCAPES[name].params
        key = (
            name,
            tuple((p.name, float(ss.get(f"land_{p.name}", p.default))) for p in params),
            "",
        )
    ss[GOOD_LANDSCAPE_KEY] = key
    return key, error


def landscape_move(told: object, landscape: str) -> tuple[dict[str, object], str | None]:
    """What a move of the landscape's controls in the playground's map element sets in
    session state, checked as the widgets' values are (``widget_problem``): a new landscape
    ``{"landscape": name}``; ``{"param": name, "value": x}`` for a parameter of
    ``landscape``, the one on screen; ``{"formula": text}`` while it is ``"custom"``.

    Returns the widget keys and their values, or no change and why ``told`` (from the page,
    where anyone may send anything) cannot be one. Pure, never raises.
    """
    fields = set(told) if isinstance(told, Mapping) else set()
    params = optim_core.LANDSCAPES[landscape].params if landscape in optim_core.LANDSCAPES else ()
    if fields == {"landscape"}:
        key, value = "landscape", told["landscape"]
    elif fields == {"formula"} and landscape == "custom":
        key, value = "formula", told["formula"]
    elif fields == {"param", "value"} and told["param"] in [p.name for p in params]:
        key, value = f"land_{told['param']}", told["value"]
    else:
        return {}, f"landscape: {_shown(told)} is not a move of its controls"
    if problem := widget_problem(key, value, widget_declarations(landscape)):
        return {}, f"{widget_label(key)}: {problem}"
    return {key: float(value) if key.startswith("land_") else value}, None


def design_move(
    told: object, racing: Sequence[str], shows: Callable[[str], bool] = lambda _: True
) -> tuple[dict[str, object], str | None]:
    """What a move of the playground's design element (``ui.design_element``) sets in
    session state, checked as the widgets' values are (``widget_problem``):
    ``{"key": hp_key(optimizer, name), "value": x}`` for a hyperparameter or option of a
    ``racing`` optimizer whose control ``shows`` (a card ``"<optimizer>"`` and its control
    ``"<optimizer>.<name>"``, as ``Classroom.shows`` names them).

    Returns the widget key and its value, or no change and why ``told`` (from the page,
    where anyone may send anything) cannot be one. Pure, never raises.
    """
    fields = set(told) if isinstance(told, Mapping) else set()
    drawn = {
        hp_key(name, item.name): item
        for name in racing
        if name in optim_core.OPTIMIZERS and shows(name)
        for item in (*optim_core.OPTIMIZERS[name].hyperparams, *optim_core.OPTIMIZERS[name].options)
        if shows(f"{name}.{item.name}")
    }
    key = told["key"] if fields == {"key", "value"} else None
    if not isinstance(key, str) or key not in drawn:
        return {}, f"design: {_shown(told)} is not a move of its sliders"
    value = told["value"]
    if problem := widget_problem(key, value):
        return {}, f"{widget_label(key)}: {problem}"
    if isinstance(drawn[key], Param):
        value = int(value) if isinstance(drawn[key].default, int) else float(value)
    return {key: value}, None


def on_landscape_change() -> None:
    """A new landscape starts from its own default start point."""
    import streamlit as st

    ss = st.session_state
    if ss["landscape"] == "custom":
        try:
            start = optim_core.parse_function(ss["formula"]).start
        except optim_core.ExpressionError:
            return
    elif ss["landscape"] in optim_core.LANDSCAPES:
        start = optim_core.LANDSCAPES[ss["landscape"]].start
    else:
        return
    ss["x0"], ss["y0"] = float(start[0]), float(start[1])


def on_map_click(key: str = "map") -> None:
    """A click on the map moves the start point there."""
    import streamlit as st

    event = st.session_state.get(key)
    points = getattr(getattr(event, "selection", None), "points", None) or []  # st.plotly_chart
    click = getattr(event, "click", None)  # ui.plotly_element
    if isinstance(click, dict):
        points = [click]
    for point in points:
        x, y = (point.get("x"), point.get("y")) if isinstance(point, Mapping) else (None, None)
        if _number_problem(START, x) is None and _number_problem(START, y) is None:
            st.session_state["x0"], st.session_state["y0"] = round(float(x), 3), round(float(y), 3)
            st.session_state["preset"] = ""
            # The whole page: the map sits in a fragment, the start's inputs in the sidebar.
            st.rerun()
