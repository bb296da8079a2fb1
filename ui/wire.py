"""Widget values from the wire, checked before Streamlit uses them, as a link's values are.

The browser sends every widget's value in each ``rerun_script`` BackMsg, as a protobuf
``WidgetState``. Streamlit 1.67 trusts them, and a value no browser would send breaks the
page before the app's first line runs (``runtime/state/session_state.py``): a number for a
``select_slider`` (whose value travels as its label) makes ``WStates.get_serialized`` raise
TypeError, a string for a slider makes ``SliderSerde.deserialize`` raise, both while
``SessionState.on_script_will_rerun`` compares old and new values for the callbacks; an
unknown option reaches the app's callbacks as it was sent (``SelectboxSerde`` passes it
through) and a multiselect takes any number of labels. Out-of-range and NaN slider values
are replaced by the widget's default without a word (``steps`` = 10⁹ became 1).

Streamlit offers no hook for incoming widget values, so :func:`install` wraps the one method
through which a rerun's fresh values enter a session, ``SessionState.on_script_will_rerun``,
once per process. Every value is checked against its widget's declaration (the metadata
Streamlit keeps from the run that drew it: the value's field, its options, and that the value
survives Streamlit's own round trip, deserialised and serialised back unchanged), then against
the app's (``ui.state.widget_problem``). A refused value never reaches the session: the widget
keeps the value it had, so the scene stays. Each refusal is said in a short warning at the
top of the page's next full run (:func:`show_refusals`); values a browser sends always pass.

Any client may also send ``BackMsg.clear_cache``, and Streamlit then empties st.cache_data and
st.cache_resource for every session of the server (``AppSession._handle_clear_cache_request``),
though this app's menu offers no such item (``client.toolbarMode = "minimal"``). One client
sending it every 0.5 s took a class of 30's rerun p50 from 15 to 22 ms and p95 from 39 to 50
ms; on the sweep page every clear costs each learner seconds of sweeping again.
:func:`install` wraps that method too: the server clears its caches for a client at most once
a minute (:func:`clear_every`), and logs one line for the first request it drops in between.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import threading
import time
from collections.abc import Iterable, Mapping

from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.state.common import WidgetMetadata, unpack_widget_state_value
from streamlit.runtime.state.session_state import SessionState

from ui import state

REFUSED_KEY = "wire_refused"  # session state: refusals not shown yet (a fragment's run)
MAX_SHOWN = 5  # warnings per run; a message with a thousand bad values says five and a count
MAX_TEXT = 10_000  # characters of one value (a label, a formula, a component's JSON)
MAX_ITEMS = 1_000  # entries of one array value (a multiselect offers a few dozen at most)
# Fields one widget may receive in place of the one it declares: a whole-number
# ``st.number_input`` declares ``double_value`` and the browser sends ``int_value``.
ALIKE = {"int_value": "double_value"}
# Fields whose value Streamlit's serialiser gives back exactly as a browser sends it (but
# for the JSON text of a chart's selection, see ``wire_problem``).
ROUND_TRIP = {
    "bool_value",
    "double_value",
    "int_value",
    "string_value",
    "double_array_value",
    "int_array_value",
    "string_array_value",
}
_INSTALLED = "_playground_wire_checked"  # marks the wrapped method
_LOCK = threading.Lock()
_LOG = logging.getLogger(__name__)


def wire_problem(metadata: WidgetMetadata, widget: WidgetState) -> str | None:
    """Why ``widget``'s value cannot be the value of the widget ``metadata`` describes, or
    ``None`` if it can. Never raises."""
    field = widget.WhichOneof("value")
    if field is not None and ALIKE.get(field, field) != metadata.value_type:
        return f"it is {_kind(field)}, where this control takes {_kind(metadata.value_type)}"
    try:
        raw = unpack_widget_state_value(widget)  # JSON parsed: may fail
    except (ValueError, RecursionError):  # json.JSONDecodeError is a ValueError
        return "it is not valid JSON"
    if problem := _size_problem(raw):
        return problem
    try:
        value = metadata.deserializer(raw)
        # A chart's selection is JSON text, parsed and dumped again in another layout.
        # No value at all: Streamlit takes the widget's default, unless that is "none".
        exact = (field is None or field in ROUND_TRIP) and not isinstance(value, Mapping)
        back = metadata.serializer(value) if exact else raw
    except Exception:  # any failure of Streamlit's own serde is a value it cannot take
        return f"{_shown(raw)} is not a value this control takes"
    if _as_sent(back) != _as_sent(raw):
        # Streamlit puts the widget's default in place of a value out of its range, a label
        # it does not offer, a fraction for a whole-number slider: refused, not replaced.
        return f"{_shown(raw)} is not a value this control offers"
    return _option_problem(metadata, raw)


# What each field holds, as a sentence says it.
_KINDS = {
    "bool_value": "a yes or no",
    "double_value": "a number",
    "int_value": "a number",
    "string_value": "text",
    "double_array_value": "a list of numbers",
    "int_array_value": "a list of numbers",
    "string_array_value": "a list of labels",
    "json_value": "JSON",
    "trigger_value": "a click",
}


def _kind(field: str | None) -> str:
    if field is None:
        return "no value"
    return _KINDS.get(field, field.removesuffix("_value").replace("_", " "))


def _size_problem(raw: object) -> str | None:
    items = _as_sent(raw)
    items = items if isinstance(items, list) else [items]
    if len(items) > MAX_ITEMS:
        return f"it has {len(items):,} entries"
    for item in items:
        if isinstance(item, str) and len(item) > MAX_TEXT:
            return f"it is {len(item):,} characters long"
        if isinstance(item, float) and not math.isfinite(item):
            return f"{item} is not a finite number"
    return None


def _as_sent(value: object) -> object:
    """A value as its WidgetState field holds it: arrays as lists."""
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
        return list(value)
    return value


def _option_problem(metadata: WidgetMetadata, raw: object) -> str | None:
    """A selectbox, radio or multiselect takes only the labels it offers, each once.

    Their deserialisers hand an unknown label to the app as it was sent.
    """
    serde = getattr(metadata.deserializer, "__self__", None)
    offered = getattr(serde, "formatted_option_to_option_index", None)
    if offered is None and isinstance(getattr(serde, "formatted_options", None), list):
        offered = set(serde.formatted_options)  # a multiselect's
    if offered is None or raw is None:
        return None
    labels = [raw] if isinstance(raw, str) else list(raw)
    for label in labels:
        if label not in offered:
            return f"{_shown(label)} is not one of its options"
    if len(set(labels)) < len(labels):
        return "it names an option twice"
    return None


def _shown(value: object) -> str:
    value = _as_sent(value)
    if isinstance(value, list) and len(value) == 1:  # a slider's one value
        value = value[0]
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def checked_states(session: SessionState, states: WidgetStates) -> tuple[WidgetStates, list[str]]:
    """The widget states of ``states`` that ``session``'s widgets can take, and one sentence
    per refused value. A session's first message may come from a browser reconnecting to a
    restarted server: its widgets are new to the session, dropped without a word."""
    metadata = session._new_widget_state.widget_metadata
    keys = session._key_id_mapper.id_key_mapping
    kept = WidgetStates()
    problems: list[str] = []
    for widget in states.widgets:
        meta = metadata.get(widget.id)
        key = keys.get(widget.id)
        if meta is None:
            if metadata:
                problems.append(f"{_shown(widget.id)}: this page has no such control")
            continue
        try:
            problem = wire_problem(meta, widget)
            if problem is None and key is not None:
                value = meta.deserializer(unpack_widget_state_value(widget))
                problem = state.widget_problem(key, value)
        except Exception:  # a check that fails refuses the value, not the page
            _LOG.exception("a widget value could not be checked")
            problem = "it could not be checked"
        if problem is None:
            kept.widgets.append(widget)
        else:
            problems.append(f"{state.widget_label(key) if key else 'a control'}: {problem}")
    return kept, problems


def install() -> None:
    """Check every rerun's widget values before Streamlit uses them, and space the clears
    of the server's caches that clients ask for; once per process.

    Wraps ``SessionState.on_script_will_rerun`` and ``AppSession._handle_clear_cache_request``
    (see the module's doc for why); the values it lets through, the refusals it records and
    the clears it lets through are all it changes.
    """
    with _LOCK:
        original = SessionState.on_script_will_rerun
        if getattr(original, _INSTALLED, False):
            return

        @functools.wraps(original)
        def on_script_will_rerun(self, fresh_widget_states, *args, **kwargs):
            if fresh_widget_states is not None and fresh_widget_states.widgets:
                try:
                    fresh_widget_states, problems = checked_states(self, fresh_widget_states)
                    if problems:
                        _record(self, problems)
                except Exception:  # Streamlit's internals moved: keep its own behaviour
                    _LOG.exception("widget values could not be checked")
            return original(self, fresh_widget_states, *args, **kwargs)

        setattr(on_script_will_rerun, _INSTALLED, True)
        SessionState.on_script_will_rerun = on_script_will_rerun
        AppSession._handle_clear_cache_request = _spaced_clears(
            AppSession._handle_clear_cache_request
        )


CLEAR_EVERY_ENV = "PLAYGROUND_CLEAR_EVERY"
CLEAR_EVERY_S = 60.0  # a person who clears the caches by hand does not do it more often


def clear_every() -> float:
    """Seconds between two clears of the server's caches that clients may ask for:
    ``$PLAYGROUND_CLEAR_EVERY`` if it is a number ≥ 0 (``bench/bench_load.py`` sets 0 to reset
    the caches between its phases), else a minute."""
    try:
        every = float(os.environ.get(CLEAR_EVERY_ENV, CLEAR_EVERY_S))
    except ValueError:
        return CLEAR_EVERY_S
    return every if every >= 0 else CLEAR_EVERY_S


def _spaced_clears(clear, clock=time.monotonic):
    """``AppSession._handle_clear_cache_request``, done at most once per :func:`clear_every`
    seconds (of ``clock``) for the whole server; the requests in between are dropped, the
    first of them with a line in the log."""
    last = {"at": -math.inf, "said": False}

    @functools.wraps(clear)
    def handle_clear_cache_request(self) -> None:
        now, every = clock(), clear_every()
        with _LOCK:
            allowed = now - last["at"] >= every
            say = not allowed and not last["said"]  # once between two clears
            if allowed:
                last["at"] = now
            last["said"] = not allowed
        if say:
            _LOG.warning("a client asked to clear the caches again within %g s: refused", every)
        if allowed:
            clear(self)

    return handle_clear_cache_request


def _record(session: SessionState, problems: list[str]) -> None:
    """Keep ``problems`` for the page's next full run, after any not shown yet."""
    try:
        earlier = list(session[REFUSED_KEY])
    except KeyError:
        earlier = []
    # reset_state_value: a plain key, set before the run starts (no widget check needed).
    session.reset_state_value(REFUSED_KEY, [*earlier, *problems][: 4 * MAX_SHOWN])


def forget_unchecked() -> None:
    """Drop the widget values this session received before :func:`install` ran.

    Only the first session(s) of a fresh server can hold any: their first message arrived
    before the app's first line. Call at the top of a session's first run.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    from streamlit.runtime.state.session_state import Serialized

    ctx = get_script_run_ctx()
    if ctx is None:
        return
    safe = ctx.session_state
    with safe._lock:
        widgets = safe._state._new_widget_state
        for widget_id, stored in list(widgets.states.items()):
            if isinstance(stored, Serialized):
                meta = widgets.widget_metadata.get(widget_id)
                if meta is None or wire_problem(meta, stored.value) is not None:
                    del widgets.states[widget_id]


def refuse(problems: list[str]) -> None:
    """Record ``problems`` (``"<label>: <why>"``: values a page's own control sent that the
    app refused, checked in its callback) to be said as the wire's refusals are."""
    import streamlit as st

    earlier = list(st.session_state.get(REFUSED_KEY) or [])
    st.session_state[REFUSED_KEY] = [*earlier, *problems][: 4 * MAX_SHOWN]


def take_refusals() -> list[str]:
    """The refusals recorded since the page's last full run; forgets them."""
    import streamlit as st

    return list(st.session_state.pop(REFUSED_KEY, None) or [])


def show_refusals(problems: list[str]) -> None:
    """One short warning per refused value (at most :data:`MAX_SHOWN`, then a count)."""
    import streamlit as st

    unique = list(dict.fromkeys(problems))
    for problem in unique[:MAX_SHOWN]:
        label, _, why = problem.partition(": ")
        st.warning(f"A value sent for {label} could not be used: {why}.", icon=":material/block:")
    if len(unique) > MAX_SHOWN:
        st.warning(
            f"{len(unique) - MAX_SHOWN} more values sent could not be used.",
            icon=":material/block:",
        )
