"""Hostile widget values over Streamlit's own websocket protocol, to every page of the app.

A client that speaks the protocol (``bench/loadgen.Page``) loads each page, reads its widgets
from the page's own deltas, and sends values no browser would: the wrong field for a widget,
NaN and ±inf, huge numbers, strings and arrays, labels the widget does not offer, unknown and
duplicate ids, no value at all; then malformed and oversized frames. The app must refuse each
value as it refuses a bad link (``ui/wire.py``, ``ui.state.repair_widgets``): no exception
element, the scene unchanged and inside its bounds, the next valid move taken, and a second,
quiet learner's reruns about as fast as before. One server for the module.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import urllib.parse

import pytest
from e2e_support import ROOT, StreamlitServer
from streamlit.elements.widgets.select_slider import SelectSliderSerde
from streamlit.elements.widgets.slider import SliderSerde
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Slider_pb2 import Slider
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.state.common import WidgetMetadata
from streamlit.runtime.state.session_state import SessionState

import optim_core
from bench import loadgen
from bench.loadgen import WidgetState
from ui import state, wire

PAGES = ("", "inspector", "sweep", "train", "learn")  # URL paths; "" is the playground
NAN, INF = float("nan"), float("inf")
BIG_TEXT = "x" * 150_000
MAX_FRAME = 900_000  # bytes per message, under the server's 1 MB (maxWidgetStateSize)
BURST = 400  # messages sent back to back per page without waiting for their runs
QUIET_MOVES = 10  # the quiet learner's moves before the fuzz (its usual time)
SLOWDOWN = 6.0  # generous: the fuzzer's runs share the server's two cores with the learner's


@pytest.fixture(scope="module")
def server():
    with StreamlitServer(ROOT / "app.py") as running:
        yield running


def _state(widget_id: str, **value: object) -> WidgetState:
    widget = WidgetState(id=widget_id)
    for field, v in value.items():
        if isinstance(v, list):
            getattr(widget, field).data.extend(v)
        else:
            setattr(widget, field, v)
    return widget


# Values of every field, none of which a browser sends (wrong type, not finite, huge).
WRONG = [
    {"double_array_value": [NAN]},
    {"double_array_value": [INF, -INF]},
    {"double_array_value": [1e308] * 3},
    {"double_array_value": [0.5] * 20_000},
    {"int_array_value": [2**62] * 5},
    {"string_array_value": ["no such option", "\x00"]},
    {"string_array_value": [BIG_TEXT]},
    {"string_array_value": ["a"] * 5_000},
    {"string_value": "no such option"},
    {"string_value": BIG_TEXT},
    {"bool_value": True},
    {"int_value": 2**63 - 1},
    {"int_value": -(2**63)},
    {"double_value": NAN},
    {"double_value": -INF},
    {"double_value": 1e308},
    {"json_value": "{"},
    {"json_value": "[" * 5_000 + "]" * 5_000},
    {"json_value": '{"click": {"x": NaN, "y": Infinity}}'},
    {"json_value": "[1, 2, 3]"},
    {"json_value": '{"sidebar": "yes"}'},  # the map's element says true or false
    {"json_value": '{"sidebar": {"open": [1e308]}}'},
    {"json_value": '{"shown": "yes"}'},  # a state value no element of the app sets
    {"json_value": '{"shown": {"at": [1e308]}}'},
    {},  # an id without a value
]


def own_field(kind: str, element) -> str | None:
    """The field a browser fills for a widget of ``kind`` (``element``: its proto)."""
    if kind == "slider":
        select = element.type == Slider.Type.SELECT_SLIDER
        return "string_array_value" if select else "double_array_value"
    if kind in ("selectbox", "radio", "text_input", "text_area"):
        return "string_value"
    if kind == "multiselect":
        return "string_array_value"
    if kind == "checkbox":
        return "bool_value"
    if kind == "number_input":
        return "double_value"
    return None


def own_hostile(key: str | None, kind: str, element) -> list[dict]:
    """Values of the widget's own field that it does not offer."""
    field = own_field(kind, element)
    if kind == "slider" and field == "double_array_value":
        span = element.max - element.min
        values = [[NAN], [INF], [-INF], [element.max + span + 1], [element.min - 1], []]
        values += [[element.min, element.max, element.min]]
        if element.data_type == Slider.DataType.INT:
            values.append([element.min + 0.5])
        return [{field: v} for v in values]
    if field == "string_array_value":
        options = list(element.options)
        values = [["no such option"], [options[0]] * 100 if options else ["a"] * 100, [BIG_TEXT]]
        if kind == "slider":
            values += [[], options[:2] * 2]
        if key in state.OPTIMIZER_LISTS:
            labels = [optim_core.OPTIMIZERS[n].label for n in optim_core.OPTIMIZERS]
            values.append(labels[: state.MAX_OPTIMIZERS + 1])  # one more than may race
        return [{field: v} for v in values]
    if field == "string_value":
        return [{field: v} for v in ("no such option", "", BIG_TEXT, "x" * 5_000)]
    if field == "double_value":
        return [{field: v} for v in (NAN, INF, -1e308)] + [{"int_value": 2**63 - 1}]
    return []


def hostile_values(page: loadgen.Page) -> list[list[WidgetState]]:
    """Per target, the hostile states to send: every keyed element and every widget drawn."""
    by_id: dict[str, list[WidgetState]] = {}
    keys = {i: k for k, i in page.keys.items()}
    for widget_id in {*page.keys.values(), *page.widgets}:
        kind, element = page.drawn.get(widget_id, ("", None))
        own = own_field(kind, element) if element is not None else None
        # A keyed element that holds no value (a button, a chart, an expander): any field
        # but a click's or a toggle's, which are its own.
        skip = {own} if own else {"bool_value", "trigger_value"}
        values = [v for v in WRONG if not skip & v.keys()]
        if element is not None:
            values += own_hostile(keys.get(widget_id), kind, element)
        by_id[widget_id] = [_state(widget_id, **v) for v in values]
    # Ids the page never drew, one looking like a real widget's.
    strangers = ["$$ID-0123456789abcdef0123456789-steps", "", "x" * 5_000, "\x00"]
    by_id["strangers"] = [_state(i, double_array_value=[1.0]) for i in strangers]
    return list(by_id.values())


def messages(page: loadgen.Page, rng: random.Random) -> list[list[WidgetState]]:
    """The hostile states, grouped into messages: each holds the page's valid states, then at
    most one hostile state per widget, with its id also sent valid before or after it
    (duplicate ids), under the server's frame limit."""
    queues = [list(q) for q in hostile_values(page)]
    batches = []
    while any(queues):
        batch, size = [], 0
        for queue in queues:
            if not queue:
                continue
            widget = queue[0]
            if size + widget.ByteSize() > MAX_FRAME and batch:
                continue
            queue.pop(0)
            held = page.widgets.get(widget.id)
            pair = [widget, held] if held is not None and rng.random() < 0.5 else [widget]
            batch += pair if len(pair) == 1 or rng.random() < 0.5 else pair[::-1]
            size += sum(w.ByteSize() for w in pair)
        batches.append(batch)
    return batches


def rerun_message(page: loadgen.Page, hostile: list[WidgetState]) -> BackMsg:
    """A ``rerun_script`` as the page's browser would send it, with ``hostile`` appended."""
    msg = BackMsg()
    client = msg.rerun_script
    client.query_string = page.query_string
    client.page_script_hash = page.page_script_hash
    client.page_name = page.page_name
    client.widget_states.widgets.extend(page.widgets.values())
    client.widget_states.widgets.extend(hostile)
    client.context_info.timezone = "UTC"
    return msg


async def open_page(url: str, name: str, errors: list[str]) -> loadgen.Page:
    page = await loadgen.Page.open(url + name, errors)
    page.page_name = name
    await page.rerun(first=True, timeout_s=120)
    assert "map" not in page.keys or not page.missing_keys(), "the cards were not drawn"
    for panel in page.closed_expanders():  # draw the sliders that closed panels hide
        await page.open_expander(panel, timeout_s=60)
    if "map" in page.keys and "steps" not in page.keys:
        # The playground draws its sidebar's controls once the map's element says the
        # sidebar is open, as a browser's does when a learner opens it.
        await page.rerun(extra=[_state(page.keys["map"], json_value='{"sidebar": true}')])
        assert "steps" in page.keys, "the sidebar's controls were not drawn"
    return page


def scene_bounds(query: str) -> list[str]:
    """What in the scene the page wrote into its URL breaks a declared bound."""
    values = dict(urllib.parse.parse_qsl(query))
    problems = []
    if not 1 <= int(values.get("steps", "0")) <= state.STEPS.high:
        problems.append(f"steps={values.get('steps')}")
    racing = values.get("opt", "").split(",")
    if not 0 < len(racing) <= state.MAX_OPTIMIZERS or len(set(racing)) < len(racing):
        problems.append(f"opt={values.get('opt')}")
    problems += [f"{k}={v}" for k, v in values.items() if v.lower() in ("nan", "inf", "-inf")]
    return problems


async def fuzz_page(url: str, name: str, rng: random.Random) -> dict:
    """Every hostile message to page ``name``; what it saw. Counts the messages sent."""
    errors: list[str] = []
    started = time.monotonic()
    page = await open_page(url, name, errors)
    try:
        before = page.query_string
        sent = values = 0
        for batch in messages(page, rng):  # each run waited for
            held = list(page.widgets.values())  # sent again beside a hostile one: not counted
            await page.rerun(60, extra=batch)
            sent, values = sent + 1, values + sum(w not in held for w in batch)
        small = [w for q in hostile_values(page) for w in q if w.ByteSize() < 10_000]
        for widget in rng.choices(small, k=BURST):  # back to back: the server coalesces them
            await page.ws.send(rerun_message(page, [widget]).SerializeToString())
            sent, values = sent + 1, values + 1
        for _ in range(2):  # the burst's last runs end before these
            await page.rerun(timeout_s=60)
        after = page.query_string
        moved = await valid_move(page, rng)
        return {
            "seconds": time.monotonic() - started,
            "name": name,
            "errors": errors,
            "sent": sent,
            "values": values,
            "before": before,
            "after": after,
            "moved": moved,
        }
    finally:
        await page.close()


async def valid_move(page: loadgen.Page, rng: random.Random) -> str | None:
    """Move one slider to a value it offers; the key moved (``None`` for a page without)."""
    sliders = {k: i for k, i in page.keys.items() if page.drawn.get(i, ("",))[0] == "slider"}
    if not sliders:
        await page.rerun(timeout_s=60)
        return None
    key = rng.choice(sorted(sliders))
    choice = loadgen.SliderChoice(sliders[key], page.drawn[sliders[key]][1])
    await page.move_slider(key, choice.random_state(rng, page.widgets.get(choice.id)), 60)
    return key


async def quiet_learner(
    url: str, measured: asyncio.Event, done: asyncio.Event, times: dict[str, list[float]]
) -> list[str]:
    """Moves the playground's sliders one after another: ``QUIET_MOVES`` moves, then sets
    ``measured`` (its usual time, ``times["before"]``), then until ``done`` (``"during"``)."""
    errors: list[str] = []
    rng = random.Random(7)
    page = await open_page(url, "", errors)
    try:
        while not done.is_set():
            latency = await page.move(rng, 60)
            times["during" if measured.is_set() else "before"].append(latency)
            if len(times["before"]) == QUIET_MOVES:
                measured.set()
    finally:
        await page.close()
    return errors


async def send_frame(url: str, frame: bytes | str) -> int | None:
    """Open a page's websocket, send ``frame`` raw; the close code if the server closed."""
    errors: list[str] = []
    page = await loadgen.Page.open(url, errors)
    try:
        await page.ws.send(frame)
        await asyncio.wait_for(page.ws.wait_closed(), 2.0)
    except TimeoutError:
        return None
    finally:
        await page.close()
    return page.ws.close_code


def odd_frames() -> list[bytes | str]:
    """Malformed, oversized and odd frames: none is a message a browser sends."""
    valid = BackMsg()
    valid.rerun_script.widget_states.widgets.add(id="$$ID-x-steps").double_array_value.data.append(
        1e9
    )
    raw = valid.SerializeToString()
    rng = random.Random(3)
    frames: list[bytes | str] = [
        b"",
        b"\xff" * 64,
        raw[: len(raw) // 2],  # cut short
        b"\x0a\xff\xff\xff\xff\x0f",  # a field claiming 4 GB
        bytes(rng.getrandbits(8) for _ in range(4_096)),
        b"\x00" * 1_100_000,  # over the 1 MB limit
        "a text frame",
        BackMsg(load_git_info=True).SerializeToString(),
        b"\xfa\x3f\x03abc",  # an unknown field only
    ]
    for size in (100_000, 900_000):  # many unknown ids, under the limit
        msg = BackMsg()
        for i in range(size // 45):
            msg.rerun_script.widget_states.widgets.add(id=f"$$ID-{i:030d}")
        frames.append(msg.SerializeToString())
    return frames


# --- the checks alone, without a server ------------------------------------------------------


def _metadata(serde, value_type: str) -> WidgetMetadata:
    return WidgetMetadata("$$ID-0-k", serde.deserialize, serde.serialize, value_type)


STEPS_SLIDER = _metadata(
    SliderSerde([200], Slider.DataType.INT, True, None, 1, 2000), "double_array_value"
)
LR_SLIDER = _metadata(
    SelectSliderSerde(
        [0.01, 0.1], formatted_option_to_index={"0.01": 0, "0.1": 1}, default_indices=[0]
    ),
    "string_array_value",
)


@pytest.mark.parametrize(
    ("metadata", "value", "why"),
    [
        (STEPS_SLIDER, {"double_array_value": [500.0]}, None),
        (STEPS_SLIDER, {"double_array_value": [1e9]}, "not a value this control offers"),
        (STEPS_SLIDER, {"double_array_value": [500.5]}, "not a value this control offers"),
        (STEPS_SLIDER, {"double_array_value": [NAN]}, "nan is not a finite number"),
        (STEPS_SLIDER, {"double_array_value": [1.0] * 2_000}, "2,000 entries"),
        (STEPS_SLIDER, {"string_array_value": ["abc"]}, "where this control takes"),
        (STEPS_SLIDER, {}, "not a value this control offers"),  # Streamlit would take 1
        (LR_SLIDER, {"string_array_value": ["0.1"]}, None),
        (LR_SLIDER, {"string_array_value": ["0.5"]}, "not a value this control offers"),
        (LR_SLIDER, {"double_array_value": [0.5]}, "where this control takes"),
        (LR_SLIDER, {"json_value": "[" * 5_000}, "where this control takes"),
    ],
)
def test_wire_problem_refuses_what_streamlit_would_replace_or_choke_on(metadata, value, why):
    problem = wire.wire_problem(metadata, _state(metadata.id, **value))
    assert problem is None if why is None else why in problem


@pytest.mark.parametrize(
    ("key", "value", "why"),
    [
        ("steps", 2000, None),
        ("steps", 2001, "outside [1, 2000]"),
        ("steps", 1.5, "not a whole number"),
        ("steps", NAN, "not a finite number"),
        ("steps", "200", "not a number"),
        ("steps", True, "not a number"),
        ("x0", 1e5, "outside [-10000, 10000]"),
        ("hp_adam_bias_correction", 1, "is not one of"),
        ("hp_adam_lr", 0.5, None),
        ("landscape", "nope", "is not one of"),
        ("formula", "x" * 301, "301 characters"),
        ("optimizers", ["adam", "adam"], "names an optimizer twice"),
        ("optimizers", ["nope"], "unknown optimizer 'nope'"),
        ("optimizers", list(optim_core.OPTIMIZERS)[:7], "at most 6"),
        ("not_a_scene_widget", object(), None),
    ],
)
def test_widget_problem_reads_the_declarations(key, value, why):
    problem = state.widget_problem(key, value)
    assert problem is None if why is None else why in problem


def test_repair_widgets_puts_the_last_scene_back():
    last = state.Scene(steps=50)
    values = state.widget_values(last) | {"steps": 10**9, "optimizers": ["adam"] * 100}
    repairs, problems = state.repair_widgets(values, last)
    assert repairs == {"steps": 50, "optimizers": list(last.optimizers)}
    assert [p.split(":")[0] for p in problems] == ["optimizers", "steps"]
    scene = state.scene_from_widgets(values | {state.SCENE_KEY: last})
    assert (scene.steps, scene.optimizers) == (50, last.optimizers)


def test_install_wraps_streamlit_once():
    wire.install()
    wrapped = SessionState.on_script_will_rerun
    clears = AppSession._handle_clear_cache_request
    wire.install()
    assert SessionState.on_script_will_rerun is wrapped
    assert wrapped.__wrapped__.__qualname__ == "SessionState.on_script_will_rerun"
    assert AppSession._handle_clear_cache_request is clears
    assert clears.__wrapped__.__qualname__ == "AppSession._handle_clear_cache_request"


def test_a_clients_clears_of_the_caches_are_a_minute_apart(monkeypatch, caplog):
    """Any client may ask the server to clear every session's caches: once a minute it may,
    the requests in between are dropped (the first with a line in the log), and
    ``$PLAYGROUND_CLEAR_EVERY`` sets the spacing (0: every request, as bench_load needs)."""
    now = [1000.0]
    cleared: list[str] = []
    clear = wire._spaced_clears(cleared.append, clock=lambda: now[0])
    monkeypatch.delenv(wire.CLEAR_EVERY_ENV, raising=False)
    for session in "abc":
        clear(session)
    now[0] += 59.0
    clear("d")
    now[0] += 1.0
    clear("e")
    clear("f")
    assert cleared == ["a", "e"]
    refusals = [r for r in caplog.records if "clear the caches again" in r.getMessage()]
    assert len(refusals) == 2  # one after "a", one after "e"
    monkeypatch.setenv(wire.CLEAR_EVERY_ENV, "0")
    clear("g")
    clear("h")
    assert cleared == ["a", "e", "g", "h"]
    for unusable in ("-5", "nan", "soon"):
        monkeypatch.setenv(wire.CLEAR_EVERY_ENV, unusable)
        assert wire.clear_every() == wire.CLEAR_EVERY_S


# --- the app over the wire --------------------------------------------------------------------


def test_a_refused_value_is_said_and_the_scene_stays(server):
    """The value that gave a race of one step (steps = 10⁹) is refused with the app's warning."""

    async def run() -> tuple[str, str, list[str], list[str]]:
        errors: list[str] = []
        page = await open_page(server.url, "", errors)
        try:
            before = page.query_string
            steps = page.keys["steps"]
            await page.rerun(extra=[_state(steps, double_array_value=[1e9])])
            await page.rerun(extra=[_state(steps, string_array_value=["abc"])])
            return before, page.query_string, page.alerts, errors
        finally:
            await page.close()

    before, after, alerts, errors = asyncio.run(run())
    assert errors == []
    assert after == before
    said = [a for a in alerts if a.startswith("A value sent for steps could not be used")]
    assert len(said) == 2, alerts
    assert "1000000000.0 is not a value this control offers" in said[0]
    assert "a list of labels, where this control takes a list of numbers" in said[1]


def test_a_client_asking_again_and_again_to_clear_the_caches_is_refused(server):
    """``BackMsg.clear_cache`` five times in a row, as no browser of this app sends it: the
    server refuses all but the first (one line in its log), and the page still runs."""

    async def run() -> tuple[list[str], bool]:
        errors: list[str] = []
        page = await loadgen.Page.open(server.url, errors)
        try:
            await page.rerun(first=True, timeout_s=120)
            before = page.query_string
            for _ in range(5):
                await page.ws.send(BackMsg(clear_cache=True).SerializeToString())
            await page.rerun()  # the server handles a client's messages in order
            return errors, before == page.query_string
        finally:
            await page.close()

    errors, same_scene = asyncio.run(run())
    assert errors == []
    assert same_scene
    assert server.log_tail(200_000).count("asked to clear the caches again") == 1


def landscape_move(page: loadgen.Page, told: object) -> WidgetState:
    """The map element's trigger "landscape" carrying ``told``, as its row of controls sends
    a move (``ui/plotly_element.js``, drawLandscape): one event of the element's trigger
    aggregator, a widget of its own."""
    return loadgen.trigger(page.keys["map"], "landscape", told)


def test_the_maps_landscape_controls_take_a_move_and_refuse_what_they_cannot_make(server):
    """A move of the landscape's row in the map's element is checked as a widget's value is
    (``state.landscape_move``): a hostile one changes nothing and is said at the next full
    run; a valid one moves the scene."""
    hostile = [
        {"param": "kappa", "value": 1e9},
        {"param": "kappa", "value": "50"},
        {"param": "__class__", "value": 1},
        {"landscape": "../../etc/passwd"},
        {"formula": "__import__('os')"},  # the box is not drawn: quadratic
        [1, 2, 3],
    ]

    async def run() -> tuple[str, str, str, list[str], list[str]]:
        errors: list[str] = []
        page = await open_page(server.url, "", errors)  # the default scene: the valley
        try:
            before = page.query_string
            for told in hostile:
                await page.rerun(extra=[landscape_move(page, told)])
            kept = page.query_string
            await page.rerun(extra=[landscape_move(page, {"param": "kappa", "value": 200})])
            return before, kept, page.query_string, page.alerts, errors
        finally:
            await page.close()

    before, kept, after, alerts, errors = asyncio.run(run())
    assert errors == []
    assert kept == before
    said = [a for a in alerts if a.startswith("A value sent for")]
    assert len(said) == wire.MAX_SHOWN + 1, alerts  # five, then a count
    assert "land.kappa: 1000000000.0 is outside" not in said[0]  # the label leads the sentence
    assert said[0].startswith("A value sent for land.kappa could not be used: 1000000000.0 is")
    assert dict(urllib.parse.parse_qsl(after))["land.kappa"] == "200"


def test_a_link_that_hides_the_landscape_refuses_its_controls_moves(server):
    """A teacher's ``hide=landscape`` draws no row of landscape controls: a move sent anyway,
    however valid, changes nothing."""

    async def run() -> tuple[str, str, list[str], list[str]]:
        errors: list[str] = []
        page = await loadgen.Page.open(server.url + "?hide=landscape", errors)
        try:
            await page.rerun(first=True, timeout_s=120)
            before = page.query_string
            await page.rerun(extra=[landscape_move(page, {"param": "kappa", "value": 200})])
            await page.rerun()  # a full run says what was refused
            return before, page.query_string, page.alerts, errors
        finally:
            await page.close()

    before, after, alerts, errors = asyncio.run(run())
    assert errors == []
    assert "hide=landscape" in before and after == before
    assert "A value sent for landscape could not be used: this link fixes the landscape." in alerts


def design_move(page: loadgen.Page, told: object) -> WidgetState:
    """The design element's trigger "move" carrying ``told``, as a range input sends a move
    (``ui/design_element.js``)."""
    return loadgen.trigger(page.keys[loadgen.DESIGN_KEY], loadgen.MOVE_EVENT, told)


def test_the_design_elements_sliders_take_a_move_and_refuse_what_they_cannot_make(server):
    """A move of the design element is checked as a widget's value is
    (``state.design_move``): a hostile one changes nothing and is said at the next full run;
    a valid one moves the scene. A slider a teacher's link hides takes no move."""
    hostile = [
        {"key": "hp_gd_lr", "value": 1e9},
        {"key": "hp_gd_lr", "value": "0.1"},
        {"key": "hp_adam_bias_correction", "value": "__import__('os')"},
        {"key": "hp_nadam_lr", "value": 0.01},  # not racing
        {"key": "hp_momentum_lr", "value": 0.01},  # hidden by the link
        {"key": "steps", "value": 10},
        [1, 2, 3],
    ]

    async def run() -> tuple[str, str, str, list[str], list[str]]:
        errors: list[str] = []
        page = await loadgen.Page.open(server.url + "?hide=momentum", errors)
        try:
            await page.load(timeout_s=120)
            fragment = page.fragment_of[page.keys[loadgen.DESIGN_KEY]]
            before = page.query_string
            for told in hostile:
                await page.rerun(fragment_id=fragment, extra=[design_move(page, told)])
            kept = page.query_string
            valid = design_move(page, {"key": "hp_gd_lr", "value": 0.05})
            await page.rerun(fragment_id=fragment, extra=[valid])
            after = page.query_string
            await page.rerun()  # a full run says what was refused
            return before, kept, after, page.alerts, errors
        finally:
            await page.close()

    before, kept, after, alerts, errors = asyncio.run(run())
    assert errors == []
    assert kept == before and dict(urllib.parse.parse_qsl(before))["gd.lr"] == "0.1"
    assert dict(urllib.parse.parse_qsl(after))["gd.lr"] == "0.05"
    said = [a for a in alerts if a.startswith("A value sent for")]
    assert len(said) == wire.MAX_SHOWN, alerts  # five, then a count of the others
    assert f"{len(hostile) - wire.MAX_SHOWN} more values sent could not be used." in alerts
    assert said[0].startswith("A value sent for gd.lr could not be used: 1000000000.0 is outside")


def test_a_fresh_servers_first_message_is_checked_too(server):
    """The check is installed by the first page run; values the first session sent before
    that are checked as the session's first run starts (``wire.forget_unchecked``). Widget
    ids are the same on every server: they are taken from the module's."""

    async def ids() -> dict[str, tuple[str, object]]:
        page = await open_page(server.url, "", [])
        try:
            return {i: page.drawn.get(i, ("", None)) for i in page.keys.values()}
        finally:
            await page.close()

    async def first(url: str, hostile: list[WidgetState]) -> list[str]:
        errors: list[str] = []
        page = await loadgen.Page.open(url, errors)
        try:
            await page.rerun(60, first=True, extra=hostile)
            await page.rerun(60)  # the next run compacts what the first one kept
            return errors
        finally:
            await page.close()

    drawn = asyncio.run(ids())
    hostile = [
        _state(i, **v)
        for i, (kind, element) in drawn.items()
        for v in (WRONG[0], WRONG[5], WRONG[8], WRONG[11], WRONG[13])
        if not (v.keys() & {own_field(kind, element) if element is not None else None})
    ]
    with StreamlitServer(ROOT / "app.py") as fresh:
        assert asyncio.run(first(fresh.url, hostile)) == [], fresh.log_tail()


def test_hostile_messages_are_refused_on_every_page(server):
    async def run() -> tuple[list[dict], list[str], list[float], list[float], list]:
        measured, done = asyncio.Event(), asyncio.Event()
        times: dict[str, list[float]] = {"before": [], "during": []}
        learner = asyncio.create_task(quiet_learner(server.url, measured, done, times))
        await asyncio.wait_for(measured.wait(), 120)
        rng = random.Random(11)
        results = [await fuzz_page(server.url, name, rng) for name in PAGES]
        closes = [await send_frame(server.url, frame) for frame in odd_frames()]
        done.set()
        learner_errors = await learner
        before, during = times["before"], times["during"]
        after_errors: list[str] = []
        page = await open_page(server.url, "", after_errors)  # a new learner, after it all
        await page.close()
        return results, [*learner_errors, *after_errors], before, during, closes

    started = time.monotonic()
    results, learner_errors, before, during, closes = asyncio.run(run())
    elapsed = time.monotonic() - started
    sent = sum(r["sent"] for r in results)
    pages = ", ".join(f"/{r['name']} {r['sent']} in {r['seconds']:.0f} s" for r in results)
    print(
        f"\n{sent} hostile messages ({pages}) with {sum(r['values'] for r in results)} hostile "
        f"widget states and {len(closes)} odd frames in {elapsed:.0f} s; quiet rerun median "
        f"{statistics.median(before) * 1e3:.0f} ms before, "
        f"{statistics.median(during) * 1e3:.0f} ms during ({len(during)} moves)"
    )
    assert sent >= 2_000
    assert server.running(), server.log_tail()
    assert learner_errors == [], server.log_tail()
    for result in results:
        assert result["errors"] == [], (result["name"], result["errors"][:3], server.log_tail())
        if "steps=" in result["after"]:  # the pages that write the scene into the URL
            assert scene_bounds(result["after"]) == [], result
        if result["name"] == "":
            assert result["moved"] is not None  # the playground's sliders take a valid move
            old, new = (dict(urllib.parse.parse_qsl(result[k])) for k in ("before", "after"))
            assert new == old  # every hostile value was refused: the scene stayed
    assert "Uncaught app execution" not in server.log_tail(200_000)
    assert len(during) >= 5
    assert statistics.median(during) <= SLOWDOWN * statistics.median(before), (before, during)
    # The server closed the connections of frames it cannot read, and only those.
    assert closes[5] == 1009 and closes[6] is not None
