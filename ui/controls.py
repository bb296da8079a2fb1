"""Widgets built from the declarations in optim_core, shared by every page.

A ``Param`` becomes a slider (a ``select_slider`` over ``state.slider_grid`` when it is
logarithmic, in the value or in 1 − value), a ``Choice`` a toggle or a radio. Widgets take
their value from session state (see ``ui.state``), never from a ``value=`` argument, so
presets, links and page changes can set them.
"""

from __future__ import annotations

import functools
import math
import urllib.parse
from collections.abc import Callable

import streamlit as st

import optim_core
from optim_core.params import Choice, Param
from ui import report, state
from ui.state import slider_grid, snap


def linear_step(param: Param) -> float:
    """A slider step fine enough to reach every declared bound, e.g. 0.0001 for β₂ ≤ 0.9999."""
    span = param.high - param.low
    step = 10.0 ** math.floor(math.log10(span / 100)) if span > 0 else 1.0
    for bound in (param.low, param.high, param.default):
        while step > 1e-6 and abs(round(bound / step) * step - bound) > 1e-9:
            step /= 10
    return step


def fmt(value: float) -> str:
    """A number as a learner reads it: 0.001, 1e-08, 0.9, 0.9995, 0.99987.

    A value just below 1 keeps two digits of its distance to 1 (0.99987, not 1): that
    distance is what a decay rate β means (it averages over about 1/(1 − β) steps).
    """
    if 0.5 < value < 1:
        decimals = max(4, math.ceil(-math.log10(1.0 - value)) + 2)
        return f"{value:.{decimals}f}".rstrip("0")
    return f"{value:.4g}"


def param_label(param: Param) -> str:
    """A parameter's control's label: its symbol and its name, e.g. ``κ · kappa``."""
    return f"{param.symbol} · {param.name}"


def decimals(step: float) -> int:
    """The decimals a linear slider of ``step`` shows: 0 for 1, 2 for 0.01."""
    return max(0, -math.floor(math.log10(step)))


def grid_options(param: Param, value: float) -> list[float]:
    """A log-scaled slider's values with ``value`` among them, one per label: Streamlit keeps
    a select_slider's value as its label, and a learner tells two values apart by theirs."""
    return [v for v in state.slider_options(param, value) if v == value or fmt(v) != fmt(value)]


def param_slider(
    param: Param,
    key: str,
    *,
    label: str | None = None,
    on_change: Callable[[], None] | None = None,
) -> float:
    """A slider for ``param``; its label shows the symbol, its help the one-line meaning.

    A log-scaled one (in the value or in 1 − value) offers its grid and the exact value it
    holds; a linear one shows any value in range, however its step falls.

    ``on_change`` runs when the learner moves it (e.g. to rerun only what depends on it).
    """
    text = label or param_label(param)
    if key in st.session_state:
        st.session_state[key] = snap(param, float(st.session_state[key]))
    if slider_grid(param):
        value = snap(param, float(st.session_state.get(key, param.default)))
        return st.select_slider(
            text,
            options=grid_options(param, value),
            key=key,
            format_func=fmt,
            help=param.help,
            on_change=on_change,
        )
    step = linear_step(param)
    if isinstance(param.default, int) and float(step).is_integer():
        return st.slider(
            text,
            int(param.low),
            int(param.high),
            key=key,
            step=int(step),
            help=param.help,
            on_change=on_change,
        )
    return st.slider(
        text,
        float(param.low),
        float(param.high),
        key=key,
        step=step,
        format=f"%.{decimals(step)}f",
        help=param.help,
        on_change=on_change,
    )


def choice_label(choice: Choice) -> str:
    """An option's control's label: its name in words, e.g. ``bias correction``."""
    return choice.name.replace("_", " ")


def is_switch(choice: Choice) -> bool:
    """Whether ``choice`` is a yes/no option (a toggle, a checkbox), not a pick among names."""
    return set(choice.choices) == {True, False}


def choice_input(
    choice: Choice,
    key: str,
    *,
    label: str | None = None,
    on_change: Callable[[], None] | None = None,
) -> object:
    """A toggle for a yes/no option, a segmented control otherwise."""
    text = label or choice_label(choice)
    if is_switch(choice):
        return st.toggle(text, key=key, help=choice.help, on_change=on_change)
    return st.radio(
        text, choice.choices, key=key, help=choice.help, horizontal=True, on_change=on_change
    )


# --- control groups shared by the pages ---------------------------------------------------------
PICKER_LABEL = "f(x, y)"
FORMULA_LABEL = "Your f(x, y)"
FORMULA_HELP = "Use x, y, numbers, + − * / ^, pi, e and sin, cos, exp, log, sqrt, abs, tanh …"


def landscape_title(name: str) -> str:
    """A landscape's name in the picker."""
    return optim_core.LANDSCAPES[name].label if name != "custom" else "Custom f(x, y)…"


def landscape_spec(formula_error: str | None) -> dict:
    """The landscape's controls as the playground's map element draws them (its
    ``landscape``, ``ui/plotly_element.js``): what ``landscape_controls`` draws as widgets,
    from the same declarations and session state.

    The picker's choices; then the landscape's parameters, each with its grid of values
    (``values`` and their ``labels``, a log-scaled one) or its ``min``, ``max`` and ``step``;
    or the formula box with its text and ``formula_error``.
    """
    name = st.session_state["landscape"]
    spec: dict = {
        "label": PICKER_LABEL,
        "name": name,
        "choices": [[n, landscape_title(n)] for n in (*optim_core.LANDSCAPES, "custom")],
    }
    if name == "custom":
        spec["formula"] = {
            "label": FORMULA_LABEL,
            "text": st.session_state["formula"],
            "maxChars": state.MAX_FORMULA_CHARS,
            "help": FORMULA_HELP,
            "error": formula_error,
        }
        return spec
    spec["params"] = []
    for param in optim_core.LANDSCAPES[name].params:
        value = snap(param, float(st.session_state.get(f"land_{param.name}", param.default)))
        spec["params"].append({"name": param.name} | range_control(param, value))
    return spec


def range_control(param: Param, value: float) -> dict:
    """``param``'s range input as the app's elements draw it (``landscape_spec``,
    ``design_spec``): its label, symbol, help and ``value``, then its grid of values
    (``values`` and their ``labels``, a log-scaled one) or its ``min``, ``max``, ``step``
    and the ``decimals`` it shows."""
    control = {
        "label": param_label(param),
        "symbol": param.symbol,
        "help": param.help,
        "value": value,
    }
    if slider_grid(param):
        options = grid_options(param, value)
        return control | {"values": options, "labels": [fmt(v) for v in options]}
    step = linear_step(param)
    return control | {
        "min": param.low,
        "max": param.high,
        "step": step,
        "decimals": decimals(step),
    }


def landscape_controls(
    formula_error: str | None,
    *,
    on_pick: Callable[[], None] = state.on_landscape_change,
    on_change: Callable[[], None] | None = None,
    on_formula: Callable[[], None] | None = None,
) -> None:
    """The landscape picker with its parameters, or the formula box with ``formula_error``.

    The page reads the landscape to draw and the error from ``state.landscape_key()``
    first: the widgets' values are in session state before they are drawn. ``on_pick`` is
    the picker's callback (it must call ``state.on_landscape_change``, which moves the start
    to the new landscape's own); ``on_change`` that of its parameters, ``on_formula`` the
    formula box's.
    """
    st.selectbox(
        PICKER_LABEL,
        [*optim_core.LANDSCAPES, "custom"],
        key="landscape",
        format_func=landscape_title,
        on_change=on_pick,
    )
    if st.session_state["landscape"] == "custom":
        st.text_input(
            FORMULA_LABEL,
            key="formula",
            max_chars=state.MAX_FORMULA_CHARS,
            help=FORMULA_HELP,
            on_change=on_formula,
        )
        if formula_error:
            st.error(formula_error, icon=":material/edit:")
    else:
        for param in optim_core.LANDSCAPES[st.session_state["landscape"]].params:
            param_slider(param, f"land_{param.name}", on_change=on_change)


def hyperparameter_controls(
    name: str,
    key: Callable[[str], str],
    shows: Callable[[str], bool] = lambda _: True,
    on_change: Callable[[], None] | None = None,
    *,
    heading: bool = False,
) -> None:
    """Optimizer ``name``'s summary, sliders and options; ``key(hyperparameter)`` names each.

    ``shows("<optimizer>.<hyperparameter>")`` says which to draw (a teacher's link may hide
    some); a hidden one keeps its value. ``on_change`` is every widget's callback. With
    ``heading`` the optimizer's name heads them and its summary is that heading's help (a
    card among others, where a caption would push the sliders off the screen).
    """
    spec = optim_core.OPTIMIZERS[name]
    if heading:
        st.markdown(f"**{spec.label}**", help=spec.summary)
    else:
        st.caption(spec.summary)
    for param in spec.hyperparams:
        if shows(f"{name}.{param.name}"):
            param_slider(param, key(param.name), on_change=on_change)
    for choice in spec.options:
        if shows(f"{name}.{choice.name}"):
            choice_input(choice, key(choice.name), on_change=on_change)


def run_controls(
    shows: Callable[[str], bool] = lambda _: True, on_change: Callable[[], None] | None = None
) -> None:
    """Start point, steps, gradient noise and its seed, learning-rate schedule.

    ``shows(name)`` says which of "start", "steps", "noise", "schedule" to draw.
    ``on_change`` is the callback of the controls that change nothing else on the page:
    the start point and the number of steps. With it, it must end in ``st.rerun``, and the
    start's boxes are a fragment (``START``) that a new landscape can redraw alone.
    """
    if shows("start"):
        # A fragment where a move reruns only what ``on_change`` names (it ends in st.rerun).
        (_start_fragment if on_change else start_inputs)(on_change)
    if shows("steps"):
        param_slider(state.STEPS, "steps", label="steps", on_change=on_change)
    if shows("noise"):
        param_slider(state.NOISE, "noise", label="gradient noise σ")
        if st.session_state["noise"] > 0:
            st.number_input("noise seed", 0, int(state.SEED.high), key="seed", step=1)
    if shows("schedule"):
        st.selectbox(
            "learning-rate schedule",
            list(optim_core.SCHEDULES),
            key="schedule",
            format_func=lambda n: optim_core.SCHEDULES[n].label,
        )
        for param in optim_core.SCHEDULES[st.session_state["schedule"]].params:
            param_slider(param, f"sched_{param.name}")


def start_inputs(on_change: Callable[[], None] | None = None) -> None:
    """The start point's two boxes."""
    left, right = st.columns(2)
    left.number_input("start x", key="x0", step=0.1, format="%.3f", on_change=on_change)
    right.number_input("start y", key="y0", step=0.1, format="%.3f", on_change=on_change)


START = "start"  # the start point's fragment: a new landscape (its picker) redraws it alone
_start_fragment = st.fragment(start_inputs, key=START)


def link_warnings(problems: list[str]) -> None:
    """One short warning per value a shared link could not use as it was."""
    for problem in problems:
        st.warning(
            f"Part of this link could not be used as it is: {problem}.", icon=":material/link_off:"
        )


def optimizer_controls(
    label: str, key: str, shows: Callable[[str], bool] = lambda _: True
) -> list[str]:
    """A multiselect of optimizers (widget ``key``); returns the chosen names.

    ``shows("optimizers")`` says whether to draw it (a teacher's link may hide it). An
    optimizer added beside the one it extends (Nesterov beside Momentum) starts from that
    one's values of the hyperparameters they share (``state.values_from_relatives``).
    Their sliders are ``design_controls``'s.
    """
    if shows("optimizers"):
        chosen = st.multiselect(
            label,
            list(optim_core.OPTIMIZERS),
            key=key,
            format_func=lambda n: optim_core.OPTIMIZERS[n].label,
            max_selections=state.MAX_OPTIMIZERS,
            on_change=_join_relatives,
            args=(key,),
        )
    else:
        chosen = list(st.session_state[key])
    st.session_state[_RACING.format(key)] = list(chosen)  # what the next change starts from
    return chosen


def design_controls(
    names: list[str],
    shows: Callable[[str], bool] = lambda _: True,
    on_change: Callable[[], None] | None = None,
    *,
    own_runs: bool = False,
) -> None:
    """Each of optimizers ``names``'s sliders, in a card per optimizer (container ``design``).

    All drawn, none behind a click: the race's design (each η, β, β₁, β₂, ε) is what a
    learner moves. The sliders are the playground's (``state.hp_key``), so a value set on
    one page holds on every page; ``shows`` takes an optimizer's name (its card) or
    "<optimizer>.<hyperparameter>"; ``on_change`` is every widget's callback.

    With ``own_runs`` each card's sliders are a fragment of their own, whose run a move
    starts, and ``on_change`` must end in ``st.rerun``: a fragment's key (that fragment
    reruns instead) or none (the page reruns). A fragment's run that starts and is handed
    over costs the browser far less than a full run that does: Streamlit's page marks all
    it holds as running for a full run.
    """
    draw = _hyperparameter_fragment if own_runs else hyperparameter_controls
    with st.container(key="design", horizontal=True, gap="small"):
        for name in names:
            if shows(name):
                with st.container(key=f"design_{name}", border=True):
                    draw(
                        name, functools.partial(state.hp_key, name), shows, on_change, heading=True
                    )


def design_spec(names: list[str], shows: Callable[[str], bool] = lambda _: True) -> list[dict]:
    """``design_controls``'s cards as the playground's design element draws them
    (``ui/design_element.js``), from the same declarations and session state.

    One card per optimizer of ``names`` that ``shows``: its ``name``, ``label``, ``summary``
    and ``controls``, each with its session-state ``key``, ``kind`` and ``label``, ``help``
    and ``value``: a ``"range"`` per hyperparameter (``range_control``), a ``"checkbox"``
    per yes/no option, a ``"radio"`` with its ``choices`` and their ``labels`` per other.
    """
    ss = st.session_state
    cards = []
    for name in names:
        if not shows(name):
            continue
        spec = optim_core.OPTIMIZERS[name]
        controls = []
        for param in spec.hyperparams:
            if shows(f"{name}.{param.name}"):
                key = state.hp_key(name, param.name)
                value = snap(param, float(ss.get(key, param.default)))
                controls.append({"key": key, "kind": "range"} | range_control(param, value))
        for choice in spec.options:
            if shows(f"{name}.{choice.name}"):
                key = state.hp_key(name, choice.name)
                control = {
                    "key": key,
                    "label": choice_label(choice),
                    "help": choice.help,
                    "value": ss.get(key, choice.default),
                }
                if is_switch(choice):
                    controls.append(control | {"kind": "checkbox"})
                else:
                    labels = [str(c) for c in choice.choices]
                    controls.append(
                        control
                        | {"kind": "radio", "choices": list(choice.choices), "labels": labels}
                    )
        cards.append(
            {"name": name, "label": spec.label, "summary": spec.summary, "controls": controls}
        )
    return cards


_RACING = "{}_before"  # session state: the optimizers multiselect ``key`` showed last


def _join_relatives(key: str) -> None:
    """The optimizers multiselect's callback: a newcomer takes its relative's shared values."""
    ss = st.session_state
    ss.update(state.values_from_relatives(ss.get(_RACING.format(key), []), ss[key], ss))


# hyperparameter_controls as a fragment (see optimizer_controls's ``own_runs``).
_hyperparameter_fragment = st.fragment(hyperparameter_controls)


# --- classroom ----------------------------------------------------------------------------------


def _hideable_label(name: str) -> str:
    if name in state.HIDEABLE:
        return state.HIDEABLE[name]
    opt, _, item = name.partition(".")
    spec = optim_core.OPTIMIZERS[opt]
    if not item:
        return f"every {spec.label} slider"
    symbols = {p.name: p.symbol for p in spec.hyperparams}
    return f"{spec.label}: {symbols.get(item, item.replace('_', ' '))}"


EXERCISE_OPEN = "open_exercise"  # the state of the exercise link builder's expander
EXERCISE_CHALLENGE = "exercise_challenge"  # its switch: the link asks for a prediction first


def previewing_challenge() -> bool:
    """Whether the exercise link builder is open with its challenge on: the race is then
    drawn as students first see it (only the starts), for a teacher at a projector."""
    ss = st.session_state
    return bool(ss.get(EXERCISE_OPEN) and ss.get(EXERCISE_CHALLENGE))


def exercise_link(scene: state.Scene) -> None:
    """A teacher's tool: pick what students may not change, get the link that hides it."""
    box = st.expander(
        "Make an exercise link", icon=":material/school:", key=EXERCISE_OPEN, on_change="rerun"
    )
    if not box.open:
        return
    with box:
        st.caption(
            "Students who open this link see the scene as it is now, without the controls "
            "you hide here. Your own page keeps every control."
        )
        names = [
            n
            for n in state.hideable_names()
            if n in state.HIDEABLE or n.partition(".")[0] in scene.optimizers
        ]
        hidden = st.multiselect(
            "Hide from students", names, key="exercise_hide", format_func=_hideable_label
        )
        lock = st.toggle(
            "Lock the scene",
            key="exercise_lock",
            help="Hide everything but the racing optimizers' sliders.",
        )
        challenge = st.toggle(
            "Challenge: students predict the winner first", key=EXERCISE_CHALLENGE
        )
        if challenge:
            st.caption(
                "While this is open, the race above shows only the starts, as students first "
                "see it: the projector does not give the answer away."
            )
        hide = set(hidden) | (set(state.LOCKED) if lock else set())
        classroom = state.Classroom(frozenset(hide), challenge)
        query = state.scene_to_query(scene) | state.classroom_to_query(classroom)
        base = st.context.url or ""
        st.code(f"{base}?{urllib.parse.urlencode(query)}", language=None, wrap_lines=True)


def challenge_revealed(fingerprint: str) -> bool:
    """Whether the learner has revealed the challenge of the scene ``fingerprint``."""
    ss = st.session_state
    return bool(ss.get("revealed")) and ss.get("challenge_scene") == fingerprint


REVEALS = "reveals"  # session state: how many races the learner has revealed


def _reveal() -> None:
    st.session_state["revealed"] = True
    # A new count tells the map to play the race from step 0 (``reveal_token``).
    st.session_state[REVEALS] = st.session_state.get(REVEALS, 0) + 1
    st.rerun()  # the whole page, not only the race's fragment: the downloads come with it


def reveal_token() -> str:
    """Names the latest reveal: the map plays the race from its start for each new one."""
    return f"reveal-{st.session_state.get(REVEALS, 0)}"


def challenge_card(
    scene: state.Scene,
    labels: list[str],
    fingerprint: str,
    *,
    verdict_at_end: bool = False,
    known_minimum: bool = True,
) -> tuple[bool, str | None]:
    """The "predict the winner" card; returns whether the race is revealed, and the guess.

    ``fingerprint`` identifies the scene: any change makes a new challenge. With
    ``verdict_at_end`` the card says that the verdict comes once the race has played out.
    Without a ``known_minimum`` it asks which optimizer ends lowest
    (``report.challenge_verdict``): no run can be said to reach an f* nobody knows.
    """
    ss = st.session_state
    if ss.get("challenge_scene") != fingerprint:
        ss["challenge_scene"] = fingerprint
        ss.pop("guess", None)
        ss["revealed"] = False
    options = [*scene.optimizers, report.NOBODY]
    nobody = f"none within {scene.steps} steps" if known_minimum else "none: all diverge"
    names = dict(zip(scene.optimizers, labels, strict=True)) | {report.NOBODY: nobody}
    with st.container(border=True):
        question = (
            f"**Challenge — which optimizer reaches the minimum first** (f − f* < {scene.tol:g})?"
            if known_minimum
            else "**Challenge — which optimizer ends lowest** (the smallest f after "
            f"{scene.steps} steps)?"
        )
        st.markdown(f"{question} Predict, then reveal the race.")
        guess = st.radio(
            "Your prediction",
            options,
            key="guess",
            index=None,
            format_func=names.get,
            horizontal=True,
            disabled=ss["revealed"],
        )
        if not ss["revealed"]:
            st.button(
                "Reveal the race",
                icon=":material/flag:",
                disabled=guess is None,
                on_click=_reveal,
            )
        elif verdict_at_end:
            st.caption("Watch the race: the verdict comes when it reaches its last step.")
    return challenge_revealed(fingerprint), guess
