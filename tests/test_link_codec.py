"""Every numeric field of a link, at and past its declared bounds: one table, one rule.

A value inside its declared range is kept; one outside it, not a number, not finite, or not
whole where the field counts something is refused with a warning that names it, and the
field keeps the value it had. A bound between two fields (the inspector's step k and the
number of steps) brings the later field within the earlier, with a warning.
"""

from __future__ import annotations

import pytest

import optim_core
from optim_core.params import Param
from ui import presets, state


def _fields() -> list[tuple[str, Param, dict[str, str], object]]:
    """(link key, declaration, the rest of the link it needs, how to read the value back)."""
    rows = []
    for land, spec in optim_core.LANDSCAPES.items():
        for p in spec.params:
            rows.append((f"land.{p.name}", p, {"land": land}, ("landscape_values", p.name)))
    for opt, spec in optim_core.OPTIMIZERS.items():
        for p in spec.hyperparams:
            rows.append((f"{opt}.{p.name}", p, {}, ("hyper", opt, p.name)))
    for sched, spec in optim_core.SCHEDULES.items():
        for p in spec.params:
            rows.append((f"sched.{p.name}", p, {"sched": sched}, ("schedule_values", p.name)))
    for p in state.SCENE_PARAMS:
        rows.append((p.name, p, {}, (p.name,)))
    rows.append(("k", state.STEP, {"steps": str(int(state.STEPS.high))}, ("step",)))
    return rows


FIELDS = _fields()
IDS = [row[0] + ("@" + row[2]["land"] if "land" in row[2] else "") for row in FIELDS]


def _value(scene: state.Scene, path: tuple) -> object:
    """The value of a field as the scene runs it, declared defaults filled in."""
    kind, *names = path
    if kind == "hyper":
        return scene.hyperparams(names[0])[names[1]]
    if kind == "landscape_values":
        return scene.landscape_params()[names[0]]
    if kind == "schedule_values":
        return scene.schedule_params()[names[0]]
    return getattr(scene, kind)


def _read(query: dict[str, str]) -> tuple[state.Scene, list[str]]:
    return state.scene_from_query(query)


@pytest.mark.parametrize(("key", "param", "rest", "path"), FIELDS, ids=IDS)
def test_the_bounds_are_kept(key, param, rest, path):
    for bound in (param.low, param.high):
        text = str(int(bound)) if float(bound).is_integer() else repr(float(bound))
        scene, problems = _read({**rest, key: text})
        assert problems == [], (key, text, problems)
        assert _value(scene, path) == bound


def _refused(param: Param) -> list[str]:
    width = param.high - param.low
    below = param.low / 10 if param.log else param.low - max(width, 1.0)
    texts = [repr(below), repr(param.high + max(width, 1.0)), "nan", "inf", "-inf", "abc", ""]
    if isinstance(param.default, int):
        texts.append(repr(param.low + 1.5))  # inside the range, but not a whole number
    return texts


@pytest.mark.parametrize(("key", "param", "rest", "path"), FIELDS, ids=IDS)
def test_a_bad_value_is_refused_with_a_warning_and_the_field_keeps_its_value(
    key, param, rest, path
):
    before = _value(_read(rest)[0], path)
    for text in _refused(param):
        scene, problems = _read({**rest, key: text})
        assert len(problems) == 1 and problems[0].startswith(key + "="), (key, text, problems)
        assert _value(scene, path) == before, (key, text)


def test_a_whole_number_written_as_a_float_is_kept():
    scene, problems = _read({"steps": "50.0", "seed": "7.0", "k": "20.0"})
    assert (scene.steps, scene.seed, scene.step, problems) == (50, 7, 20, [])
    assert all(isinstance(v, int) for v in (scene.steps, scene.seed, scene.step))
    scene, _ = _read({"sched": "warmup_cosine", "sched.warmup": "30.0"})
    assert scene.schedule_values["warmup"] == 30 and isinstance(
        scene.schedule_values["warmup"], int
    )


def test_k_past_the_last_step_is_brought_to_it_with_a_warning():
    scene, problems = _read({"k": "2000", "steps": "10"})
    assert (scene.steps, scene.step) == (10, 10)
    assert problems == ["k=2000 is past the last step, so k = 10"]
    scene, problems = _read({"k": "10", "steps": "10"})
    assert (scene.step, problems) == (10, [])


def test_an_unreadable_k_with_fewer_steps_than_the_default_is_said_once():
    """k is dropped (said), so the default k is brought within the steps (not said again)."""
    scene, problems = _read({"k": "abc", "steps": "5"})
    assert (scene.steps, scene.step) == (5, 5)
    assert problems == ["k='abc' is not a number, so the default is used"]


def test_fewer_steps_than_the_default_k_bring_k_along_silently():
    """The learner set no k: nothing of theirs was changed, so nothing is said."""
    scene, problems = _read({"steps": "5"})
    assert (scene.steps, scene.step, problems) == (5, 5, [])


def test_a_presets_whole_fields_stay_when_the_link_overrides_them_badly():
    slug, base = next(iter(presets.SCENES.items()))
    scene, problems = state.scene_from_query({"preset": slug, "steps": "1.5"}, presets.SCENES)
    assert scene.steps == base.steps and len(problems) == 1


@pytest.mark.parametrize(
    ("x0", "y0", "kept"),
    [
        ("1e4", "-1e4", True),
        ("10000.5", "0", False),
        ("0", "-1e5", False),
        ("nan", "0", False),
        ("0", "inf", False),
        ("1", "", False),
    ],
)
def test_the_start_point_is_bounded(x0, y0, kept):
    scene, problems = _read({"x0": x0, "y0": y0})
    if kept:
        assert scene.start == (float(x0), float(y0)) and problems == []
    else:
        assert scene.start is None and len(problems) == 1
