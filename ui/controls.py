"""Widgets built from the declarations in optim_core, shared by every page.

A ``Param`` becomes a slider (log-spaced ``select_slider`` when ``param.log``), a ``Choice``
a toggle or a radio. Widgets take their value from session state (see ``ui.state``), never
from a ``value=`` argument, so presets, links and page changes can set them.
"""

from __future__ import annotations

import math

import streamlit as st

from optim_core.params import Choice, Param
from ui.state import log_grid, snap


def linear_step(param: Param) -> float:
    """A slider step fine enough to reach every declared bound, e.g. 0.0001 for β₂ ≤ 0.9999."""
    span = param.high - param.low
    step = 10.0 ** math.floor(math.log10(span / 100)) if span > 0 else 1.0
    for bound in (param.low, param.high, param.default):
        while step > 1e-6 and abs(round(bound / step) * step - bound) > 1e-9:
            step /= 10
    return step


def fmt(value: float) -> str:
    """A number as a learner reads it: 0.001, 1e-08, 0.9."""
    return f"{value:.4g}"


def param_slider(param: Param, key: str, *, label: str | None = None) -> float:
    """A slider for ``param``; its label shows the symbol, its help the one-line meaning."""
    text = label or f"{param.symbol} · {param.name}"
    if key in st.session_state:
        st.session_state[key] = snap(param, float(st.session_state[key]))
    if param.log:
        return st.select_slider(
            text, options=log_grid(param), key=key, format_func=fmt, help=param.help
        )
    step = linear_step(param)
    if isinstance(param.default, int) and float(step).is_integer():
        return st.slider(
            text, int(param.low), int(param.high), key=key, step=int(step), help=param.help
        )
    decimals = max(0, -math.floor(math.log10(step)))
    return st.slider(
        text,
        float(param.low),
        float(param.high),
        key=key,
        step=step,
        format=f"%.{decimals}f",
        help=param.help,
    )


def choice_input(choice: Choice, key: str, *, label: str | None = None) -> object:
    """A toggle for a yes/no option, a segmented control otherwise."""
    text = label or choice.name.replace("_", " ")
    if set(choice.choices) == {True, False}:
        return st.toggle(text, key=key, help=choice.help)
    return st.radio(text, choice.choices, key=key, help=choice.help, horizontal=True)
