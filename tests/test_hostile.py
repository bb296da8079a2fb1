"""Hostile input and faults: the app never crashes, never runs input, never shows NaN.

Four kinds of abuse, each proved on every entry of the registries so that a new optimizer,
landscape or page is covered the moment it is registered:

- the formula box: a corpus of known-dangerous payloads and their mutations, and thousands
  of generated token soups, each refused (or accepted) within the parser's counted bounds
  (``parse_meter``), in bounded memory, without a single process, file or code-execution
  event;
- slider extremes: every optimizer × landscape with each hyperparameter at its bounds, noise
  at its maximum and steps at the cap, then the figures the page draws from the runs;
- the URL: random and hostile query strings through Streamlit's AppTest for every page;
- resources: the largest scene the app allows, and the heaviest formula on the largest grid.

The budgets below were measured on a 2-core machine and carry about 2x headroom; SECURITY.md
states them.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import string
import sys
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest
from figure_checks import assert_all_finite
from google.protobuf.json_format import MessageToDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parse_meter import metered
from streamlit.testing.v1 import AppTest

import optim_core
from optim_core.expression import FUNCTIONS, MAX_LENGTH, ExpressionError, parse_function
from optim_core.landscapes import Landscape
from ui import cache, presets, report, state
from ui.figures import landscape
from ui.figures import race as race_figures

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"

PARSE_BYTES = 400_000  # tracemalloc peak of one parse; measured at most 0.16 MB
SCENE_BYTES = (
    45_000_000  # tracemalloc peak of the largest scene / heaviest formula; measured ≤ 22 MB
)
FIGURE_CHARS = 1_500_000  # JSON of the largest race figure; measured 0.73 MB


# --- watching for code execution --------------------------------------------------------------

# Audit events (PEP 578) that running a payload would raise: code execution, processes,
# files, sockets. Parsing raises none of them; "compile" (raised by ast.parse) is allowed.
_DANGEROUS_EVENTS = re.compile(
    r"^(exec|open|os\.(system|exec.*|spawn.*|posix_spawn|fork.*|remove|unlink|rename|mkdir|"
    r"chmod|kill|putenv)|subprocess\..*|shutil\..*|socket\..*|ctypes\..*|import|builtins\.input"
    r"|pty\..*|webbrowser\..*)$"
)
_watch: dict[str, list] = {"events": [], "on": []}


def _audit(event: str, args: tuple) -> None:
    if _watch["on"] and _DANGEROUS_EVENTS.match(event):
        _watch["events"].append((event, repr(args)[:80]))


sys.addaudithook(_audit)  # cannot be removed; it records only while a parse is watched


def parse_watched(text: str) -> tuple[Landscape | ExpressionError, list[str], list]:
    """Parse ``text`` with warnings as errors; the outcome, each bound on the parser's work it
    broke (``tests/parse_meter.py``), and the audit events it raised."""
    _watch["events"] = []
    _watch["on"].append(True)
    try:
        outcome, meter = metered(text)
    finally:
        _watch["on"].pop()
    return outcome, meter.problems(text), _watch["events"]


def parse_peak_bytes(text: str) -> int:
    """tracemalloc's peak while parsing ``text``, the smaller of two parses.

    tracemalloc counts every thread's allocations; a burst by another thread of the test
    process (a finished AppTest's script runner, XLA's pool) is not the parse's, and does not
    fall twice on the same few microseconds.
    """
    peaks = []
    for _ in range(2):
        tracemalloc.start()
        try:
            with contextlib.suppress(ExpressionError):
                parse_function(text)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    return min(peaks)


def test_the_audit_hook_sees_what_a_payload_would_do(tmp_path):
    """The watch itself can fail: running a payload for real is seen."""
    _watch["on"].append(True)
    try:
        (tmp_path / "probe").open("w").close()
        exec("1")  # noqa: S102 — a constant, to prove the exec event is seen
    finally:
        _watch["on"].pop()
    seen = {event for event, _ in _watch["events"]}
    _watch["events"] = []
    assert {"open", "exec"} <= seen


# --- the formula box: known-dangerous payloads and their mutations ----------------------------

# Written with CANARY where a payload would create a file; the test puts a path there.
PAYLOADS = [
    "__import__('os').system('touch CANARY')",
    '__import__("os").system("touch CANARY")',
    "open('CANARY', 'w').write('x')",
    "open('CANARY','w')",
    "exec(\"open('CANARY','w')\")",
    'eval(\'open("CANARY","w")\')',
    "compile('1', 'CANARY', 'exec')",
    "__builtins__.__dict__['open']('CANARY', 'w')",
    "().__class__.__base__.__subclasses__()[-1]('touch CANARY', shell=True)",
    "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen'][0]('sh')",
    "x.__class__.__init__.__globals__['os'].system('touch CANARY')",
    "sin.__self__.__loader__",
    "sin.__call__.__globals__",
    "(lambda: __import__('os'))().system('touch CANARY')",
    "(lambda f: f(f))(lambda f: f(f))",
    "lambda x: x",
    "[x for x in range(10**9)]",
    "{x: y for x in y}",
    "{x for x in y}",
    "sum(i for i in range(10**9))",
    'f\'{__import__("os").system("touch CANARY")}\'',
    "f'{x!r:>{y}}'",
    "b'x'",
    "r'x'",
    "getattr(x, '__class__')",
    "globals()",
    "vars()",
    "locals()",
    "dir()",
    "help()",
    "input()",
    "breakpoint()",
    "exit()",
    "print(x)",
    "import os",
    "from os import system",
    "x = 1",
    "x += 1",
    "del x",
    "assert x",
    "raise SystemExit",
    "global x",
    "yield x",
    "await x",
    "async def f(): pass",
    "def f(): pass",
    "class A: pass",
    "with open('CANARY', 'w'): pass",
    "x if True else open('CANARY', 'w')",
    "(y := open('CANARY', 'w'))",
    "(x := 1) + x",
    "[*x]",
    "*x, y",
    "sin(*x)",
    "sin(**x)",
    "{**x}",
    "x[::-1]",
    "x[0:1]",
    "x[...]",
    "x[__import__('os')]",
    "x.real",
    "x . real",
    "x.\nreal",
    "np.sin(x)",
    "numpy.exp(x)",
    "math.sin(x)",
    "x\n__import__('os')",
    "x;__import__('os')",
    "x\r\nimport os",
    "x\x00import os",
    "x\x00",
    "\x00",
    "x # __import__('os')",
    "x \\\n + y",
    "\\u0078",
    "\\N{LATIN SMALL LETTER X}",
    "_" * 2 + "import" + "_" * 2,
    "__class__",
    "__builtins__",
    "__loader__",
    "__spec__",
    "__debug__",
    "_",
    "Ellipsis",
    "NotImplemented",
    "True",
    "None",
    "1j",
    "0x7f",
    "0b101",
    "0o17",
    "1_000",
    "ｘ**2 + ｙ**2",  # fullwidth
    "𝐱**2",  # mathematical bold
    "х**2 + у**2",  # Cyrillic
    "χ**2",  # Greek chi
    "ѕin(x)",  # Cyrillic dze
    "x\u200b+ y",  # zero-width space
    "x\u202e+ y",  # right-to-left override
    "x\u0301",  # combining acute
    "x\ufeff",  # byte-order mark
    "9**9**9**9",
    "9^9^9^9",
    "10**10**10",
    "2**1000000",
    "(9**9)**(9**9)",
    "exp(exp(exp(exp(10))))",
    "1e308*1e308",
    "1e999",
    "-1e999",
    "(" * 200 + "x" + ")" * 200,
    "sin(" * 100 + "x" + ")" * 100,
    "-" * 299 + "x",
    "+" * 299 + "x",
    "x" * (MAX_LENGTH + 1),
    "9" * 100_000,
    "x + " * 10_000 + "x",
    "x" + " " * 1_000_000,
    "((((((((((((((((((((((((((((((((((((((((x))))))))))))))))))))))))))))))))))))))))",
    "[" * 100 + "]" * 100,
    "{" * 100 + "}" * 100,
    "x" + "**x" * 149,
]

# Characters a mutation inserts: the ones that change how Python reads the text.
_INSERTED = ["\n", "\t", "\x00", "\r", ".", "_", "__", "'", '"', "(", ")", "[", ":", ",", "*", "\\"]
_LOOKALIKE = str.maketrans({"x": "х", "y": "у", "e": "е", "o": "о", "a": "а", "i": "і", "s": "ѕ"})


def mutations(payload: str) -> list[str]:
    """Variants of ``payload``: inserted delimiters, look-alike letters, padding, wrapping."""
    middle = len(payload) // 2
    out = [payload, payload.upper(), payload.translate(_LOOKALIKE)]
    out += [payload[:middle] + ch + payload[middle:] for ch in _INSERTED]
    out += [
        f"x + {payload}",
        f"{payload} + x",
        f"sin({payload})",
        f"({payload})",
        f"-{payload}",
        f" \t{payload}\n",
        payload.replace(".", " . "),
        payload.replace("(", " ("),
        (payload + " ") * (MAX_LENGTH // (len(payload) + 1) or 1),
        (payload + "+")[:MAX_LENGTH],
    ]
    return out


CORPUS = sorted({m for p in PAYLOADS for m in mutations(p)})


def _with_canary(text: str, canary: Path) -> str:
    return text.replace("CANARY", str(canary))


_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ALLOWED_NAMES = {"x", "y", "pi", "e", *FUNCTIONS}


def harmless(text: str) -> bool:
    """Whether ``text`` is only numbers, operators, brackets and the whitelisted names.

    A mutation can turn a bomb into a plain formula (``2**10*00000``); such a text may be
    accepted, and then must evaluate quietly.
    """
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", _NUMBER.sub(" ", text))
    rest = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", "", _NUMBER.sub("", text))
    return set(words) <= _ALLOWED_NAMES and set(rest) <= set("+-*/^() \t")


def test_the_corpus_is_refused_within_the_parsers_bounds_without_running_anything(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # a relative path in a payload would land here
    canary = tmp_path / "CANARY"
    slow, accepted, ran = [], [], []
    for text in CORPUS:
        text = _with_canary(text, canary)
        outcome, broken, events = parse_watched(text)
        if isinstance(outcome, Landscape):
            if not harmless(text):
                accepted.append(text)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                outcome.f(np.array(outcome.start)), outcome.grad(np.array(outcome.start))
        elif not outcome.message.strip() or len(outcome.message) > 400:
            accepted.append(f"bad message for {text[:40]!r}: {outcome.message[:80]!r}")
        if broken:
            slow.append((text[:40], broken))
        if events:
            ran.append((text[:40], events))
    assert len(CORPUS) > 1000
    assert not accepted, accepted[:5]
    assert not slow, slow[:5]
    assert not ran, ran[:5]
    assert list(tmp_path.iterdir()) == []  # the canary never appears


def test_the_corpus_is_refused_in_bounded_memory():
    peaks = {text[:30]: parse_peak_bytes(text) for text in CORPUS}
    assert max(peaks.values()) < PARSE_BYTES, max(peaks.items(), key=lambda kv: kv[1])


def test_formulas_at_every_limit_parse_in_bounded_memory():
    budget_formulas = [
        "+".join(["x"] * 100),  # MAX_NODES
        "sin(" * 29 + "x" + ")" * 29,  # MAX_DEPTH
        "(" * 30 + "x" + ")" * 30,
        "x**100 + y**-100",  # MAX_EXPONENT
        "+".join(["sin(x)*y"] * 33)[:MAX_LENGTH].rstrip("+*sinxy()") or "x",
    ]
    for text in budget_formulas:
        assert isinstance(parse_watched(text)[0], Landscape | ExpressionError)
        assert parse_peak_bytes(text) < PARSE_BYTES, text[:30]


# --- the formula box: generated token soups -----------------------------------------------------

# Tokens rather than characters: a token soup reaches the tree walk far more often than random
# characters, which mostly stop at the first check.
_GOOD = ["x", "y", "pi", "e", "1", "2.5", "1e3", "0.1", *FUNCTIONS]
_BAD = [
    "__import__", "__class__", "__globals__", "__builtins__", "__subclasses__", "os", "system",
    "open", "eval", "exec", "lambda", "for", "in", "if", "else", "import", "not", "and", "or",
    "is", "None", "True", "yield", "await", "self", "getattr", "z", "X", "sinx", "2x", "1j",
    "х", "у", "π", "ｘ", "\x00", "\n", "\\", "'", '"', "f'", "#", "`", "$", "?",
]  # fmt: skip
_OPS = ["+", "-", "*", "/", "^", "**", "(", ")", "[", "]", "{", "}", ",", ":", ":=", ".", ";",
        "=", "==", "<", "%", "//", "@", "|", "&", "~", "*", "**", "..."]  # fmt: skip
_TOKENS = st.sampled_from(_GOOD) | st.sampled_from(_BAD) | st.sampled_from(_OPS)


@settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    st.lists(_TOKENS, max_size=60),
    st.sampled_from(["", " "]),
    st.integers(1, 6),
)
def test_generated_token_soups_never_crash_hang_or_run(tokens, sep, repeat):
    text = sep.join(tokens) * repeat
    outcome, broken, events = parse_watched(text)
    assert not broken, (text[:60], broken)
    assert not events, (text[:60], events)
    if isinstance(outcome, ExpressionError):
        assert outcome.message.strip()
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = outcome.f(np.array(outcome.start)), outcome.grad(np.array(outcome.start))
    assert value.shape == () and grad.shape == (2,)


# --- slider extremes ----------------------------------------------------------------------------

EPS_EXTREMES = (1e-12, 1.0)


def _extreme(spec: optim_core.OptimizerSpec, end: str) -> dict[str, object]:
    """Every hyperparameter of ``spec`` at its ``"low"`` or ``"high"`` bound."""
    return {p.name: getattr(p, end) for p in spec.hyperparams}


def _configs(spec: optim_core.OptimizerSpec, one_at_a_time: bool) -> list[dict[str, object]]:
    """All-low and all-high (each with every option), plus, if asked, one bound at a time."""
    options = [c.choices for c in spec.options]
    configs = [
        _extreme(spec, end) | dict(zip([c.name for c in spec.options], choice, strict=True))
        for end in ("low", "high")
        for choice in itertools.product(*options)
    ]
    if one_at_a_time:
        configs += [{p.name: getattr(p, end)} for p in spec.hyperparams for end in ("low", "high")]
    return configs


# The landscapes that stress an optimizer most: ill-conditioned, steep walls, a saddle, flat.
STRESS_LANDSCAPES = ["quadratic", "rosenbrock", "beale", "saddle", "plateau"]


def _scene_landscapes() -> list[tuple[str, optim_core.Landscape]]:
    """Every registered landscape at its defaults, plus each landscape parameter's bounds."""
    out = []
    for name, land in optim_core.LANDSCAPES.items():
        out.append((name, land))
        for param in land.params:
            for end in ("low", "high"):
                value = getattr(param, end)
                out.append(
                    (f"{name}.{param.name}={value:g}", land.with_params(**{param.name: value}))
                )
    return out


def draw_scene(
    land: optim_core.Landscape, trajectories: dict[str, optim_core.Trajectory], steps, start
):
    """Both of the page's figures, built by the functions the page uses, as JSON-ready dicts."""
    window = tuple(tuple(map(float, w)) for w in land.window)
    xs, ys = (np.linspace(lo, hi, 120) for lo, hi in window)
    f = land.f(np.stack(np.meshgrid(xs, ys), axis=-1))
    z, title = cache.display_z(land, f)
    paths = [report.to_path(name, name, traj, land, start) for name, traj in trajectories.items()]
    log_loss = land.f_min is not None and np.isfinite(land.f_min)
    race = race_figures.race_figure(
        landscape.contour_png(z),
        paths,
        window,
        np.asarray(land.minima, dtype=float).reshape(-1, 2),
        steps=steps,
        log_loss=log_loss,
    )
    surface = race_figures.surface_figure(
        landscape.Grid(xs, ys, z, title),
        paths,
        [cache.display_z(land, land.f(p.xy))[0] for p in paths],
    )
    return race, surface


def assert_finite_or_flagged(traj: optim_core.Trajectory, what: str) -> None:
    finite = np.isfinite(traj.params).all(axis=-1) & np.isfinite(traj.loss)
    if traj.diverged_at is None:
        assert finite.all(), what
    else:
        assert 0 <= traj.diverged_at <= traj.steps, what
        assert finite[: traj.diverged_at].all() and not finite[traj.diverged_at :].any(), what


def run_and_draw(
    land_name: str, land, runs: list[tuple[str, dict]], noise: float, start=None
) -> int:
    """Run each ``(optimizer, hyperparameters)`` and draw them together; returns the count."""
    steps = int(state.STEPS.high)
    start = land.start if start is None else start
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any NumPy RuntimeWarning fails the test
        trajectories = {}
        for i, (opt, hyper) in enumerate(runs):
            what = f"{opt} on {land_name} with {hyper}, noise {noise}"
            traj = optim_core.run(opt, land, start, steps, noise=noise, seed=i, **hyper)
            assert_finite_or_flagged(traj, what)
            trajectories[f"{opt}#{i}"] = traj
        for race, surface in [draw_scene(land, trajectories, steps, start)]:
            assert_all_finite(race, f"race on {land_name}")
            assert_all_finite(surface, f"surface on {land_name}")
            # plotly.js reads JSON: NaN would be written as the invalid token NaN
            json.dumps(race, allow_nan=False), json.dumps(surface, allow_nan=False)
    return len(runs)


@pytest.mark.parametrize("end", ["low", "high"])
@pytest.mark.parametrize(
    "land_name, land", _scene_landscapes(), ids=[n for n, _ in _scene_landscapes()]
)
def test_every_optimizer_at_its_bounds_with_maximum_noise(land_name, land, end):
    runs = [
        (opt, config)
        for opt, spec in optim_core.OPTIMIZERS.items()
        for config in _configs(spec, one_at_a_time=False)
        if all(config[p.name] == getattr(p, end) for p in spec.hyperparams)
    ]
    assert run_and_draw(land_name, land, runs, noise=state.NOISE.high) >= len(optim_core.OPTIMIZERS)


@pytest.mark.parametrize("land_name", STRESS_LANDSCAPES)
def test_each_bound_alone_without_noise(land_name):
    land = optim_core.LANDSCAPES[land_name]
    runs = [
        (opt, config)
        for opt, spec in optim_core.OPTIMIZERS.items()
        for config in _configs(spec, one_at_a_time=True)
    ]
    run_and_draw(land_name, land, runs, noise=0.0)


@pytest.mark.parametrize("eps", EPS_EXTREMES)
@pytest.mark.parametrize("land_name", STRESS_LANDSCAPES)
def test_eps_from_tiny_to_one_with_every_other_bound(land_name, eps):
    """ε at its bounds crossed with η at its bounds, for every optimizer that has ε."""
    land = optim_core.LANDSCAPES[land_name]
    runs = [
        (opt, {"eps": eps, "lr": lr})
        for opt, spec in optim_core.OPTIMIZERS.items()
        if "eps" in {p.name for p in spec.hyperparams}
        for lr in (optim_core.OPTIMIZERS[opt].hyperparams[0].low, spec.hyperparams[0].high)
    ]
    run_and_draw(land_name, land, runs, noise=state.NOISE.high)


# Formulas whose values leave float32's range, or that are undefined at the start.
EXTREME_FORMULAS = [
    ("1e300*x^2", None),
    ("9" * MAX_LENGTH, None),
    ("-exp(x^2+y^2)", None),
    ("sqrt(-x)", None),  # undefined at the default start
    ("log(x)", (-1.0, 0.0)),
    ("1/x", (0.0, 0.0)),
    ("x*1e-300", None),
    ("1", None),
]


@pytest.mark.parametrize("text, start", EXTREME_FORMULAS, ids=[t[:12] for t, _ in EXTREME_FORMULAS])
def test_extreme_custom_formulas_draw_finite_figures(text, start):
    """Regression: such runs put NaN (an undefined start) and inf (float32 overflow of z)
    into the race and surface figures."""
    land = parse_function(text)
    runs = [(opt, {}) for opt in optim_core.OPTIMIZERS]
    run_and_draw(text[:12], land, runs, noise=0.0, start=start)


def test_a_run_undefined_at_its_start_is_drawn_at_the_start():
    land = parse_function("log(x)")
    traj = optim_core.run("gd", land, (-1.0, 2.0), 10)
    assert traj.diverged_at == 0
    path = report.to_path("gd", "GD", traj, land, (-1.0, 2.0))
    np.testing.assert_array_equal(path.xy, [[-1.0, 2.0]])
    assert np.isfinite(path.loss).all()


def test_display_values_fit_in_float32():
    land = parse_function("1e300*x^2")
    for f in [np.array([[0.0, 1e300], [-1e300, 3.0]]), np.full((3, 3), -1.4e157)]:
        z, _ = cache.display_z(land, f)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an overflow in the cast would warn
            assert np.isfinite(z.astype(np.float32)).all()


MINIMA = [n for n, land in optim_core.LANDSCAPES.items() if len(land.minima) and land.f_min == 0]


@pytest.mark.parametrize("land_name", MINIMA[:2])
def test_a_run_started_on_the_minimum_draws_finite_figures(land_name):
    land = optim_core.LANDSCAPES[land_name]
    start = tuple(np.asarray(land.minima, dtype=float).reshape(-1, 2)[0])
    run_and_draw(land_name, land, [("gd", {})], noise=0.0, start=start)


# --- the URL, through AppTest, for every page ---------------------------------------------------


def registered_pages() -> list[str]:
    """Every page app.py routes to (a new page is fuzzed as soon as it is registered)."""
    pages = re.findall(r"st\.Page\(\s*[\"']([^\"']+\.py)[\"']", APP.read_text())
    assert pages, "app.py registers no page"
    return pages


PAGES = registered_pages()


def render(page: str, query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    if page != PAGES[0]:
        at.switch_page(page)
    return at.run()


def assert_page_survives(at: AppTest, query: dict[str, str]) -> None:
    assert not at.exception, [e.value for e in at.exception]
    expected, problems = state.scene_from_query(query, presets.SCENES)
    if problems:
        assert at.warning, f"nothing said about {problems}"
    # what was dropped fell back to a default: the widgets show the validated scene
    assert at.session_state[state.SCENE_KEY].optimizers == expected.optimizers or (
        at.session_state["optimizers"] == list(expected.optimizers)
    )
    assert at.session_state["steps"] == expected.steps
    assert at.session_state["landscape"] == expected.landscape
    for opt in expected.optimizers:
        for param in optim_core.OPTIMIZERS[opt].hyperparams:
            value = at.session_state[state.hp_key(opt, param.name)]
            assert param.contains(float(value)), (opt, param.name, value)
    for spec in rendered_json(at._tree):
        assert_all_finite(spec, "rendered element")
        for axis in (v for k, v in spec.get("layout", {}).items() if k.startswith(("x", "y"))):
            if isinstance(axis, dict) and axis.get("range") is not None:
                assert None not in axis["range"], axis  # plotly's JSON writes NaN as null


def rendered_json(node) -> list[dict]:
    """Every JSON object an element carries (a plotly_chart's spec, a component's data),
    whatever the element: the map may be an st.plotly_chart or a custom component."""
    found = []
    for child in getattr(node, "children", {}).values():
        proto = getattr(child, "proto", None)
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            for text in _strings(MessageToDict(proto)):
                if text.startswith("{") and '"data"' in text:
                    found.append(json.loads(text))
        found += rendered_json(child)
    return found


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


HOSTILE_QUERIES = [
    {"land": "custom", "fx": "open('/tmp/CANARY-hostile', 'w')"},
    {"land": "custom", "fx": "x" * 5000},
    {"land": "custom", "fx": "х**2 + у**2"},
    {"land": "custom", "fx": "x\x00 + y"},
    {"land": "custom", "fx": "(" * 100 + "x" + ")" * 100},
    {"opt": ""},
    {"opt": ",,,,"},
    {"opt": "adam," * 10_000},
    {"adam.lr": "0x10", "adam.beta1": "1", "adam.eps": "0"},
    {"adam.lr": "1e-400", "gd.lr": "-0", "momentum.beta": "inf"},
    {"momentum.formulation": "__class__", "adam.bias_correction": "None"},
    {"steps": "2001", "noise": "10.0000001", "seed": "-1", "tol": "nan"},
    {"steps": "1.5", "seed": "1e20"},
    {"x0": "nan", "y0": "inf"},
    {"land": "quadratic", "land.kappa": "1001", "land.angle": "-inf"},
    {"sched": "__init__", "sched.gamma": "2"},
    {"view": "<img src=x onerror=alert(1)>"},
    {"preset": "../../secrets"},
    {"": "", " ": " ", "\x00": "\x00"},
    {"k" * 10_000: "v" * 10_000},
    {"landé": "ünïcode", "😀": "😀"},
    {"land": "%2e%2e%2f", "opt": "%61dam"},
    # valid but extreme: values beyond float32, a start where f is undefined
    {"land": "custom", "fx": "1e300*x^2", "view": "surface"},
    {"land": "custom", "fx": "-exp(x^2+y^2)", "view": "surface"},
    {"land": "custom", "fx": "log(x)", "x0": "-1", "y0": "0"},
    {"land": "custom", "fx": "1/x", "x0": "0", "y0": "0", "view": "surface"},
    {"x0": "10000", "y0": "-10000", "gd.lr": "10", "steps": "2000", "noise": "10"},
]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=lambda q: repr(q)[:30])
def test_hostile_query_strings_on_every_page(page, query):
    assert_page_survives(render(page, query), query)
    assert not Path("/tmp/CANARY-hostile").exists()


_KEYS = st.sampled_from(
    ["land", "fx", "opt", "x0", "y0", "steps", "noise", "seed", "tol", "sched", "view"]
    + [f"{o}.{p.name}" for o, s in optim_core.OPTIMIZERS.items() for p in s.hyperparams][:12]
    + ["adam.bias_correction", "momentum.formulation", "land.kappa", "preset"]
) | st.text(string.printable, max_size=10)
_VALUES = (
    st.text(max_size=30)
    | st.sampled_from(["nan", "inf", "-1", "0", "1e308", "custom", "adam", "gd,adam", "x^2"])
    | st.floats(allow_nan=True, allow_infinity=True).map(repr)
    | st.sampled_from(list(optim_core.LANDSCAPES))
)


@pytest.mark.parametrize("page", PAGES)
def test_random_query_strings_on_every_page(page):
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(st.dictionaries(_KEYS, _VALUES, max_size=6))
    def survives(query):
        assert_page_survives(render(page, query), query)

    survives()


# --- bounded resources --------------------------------------------------------------------------


def _largest_scene_figure() -> tuple[dict, int]:
    """The largest scene allowed: the optimizers with the most state, steps at the cap, noise
    at its maximum, the contour at the page's resolution. Returns the figure and the runs."""
    land = optim_core.LANDSCAPES["quadratic"]  # every run stays finite, so paths are longest
    window = tuple(tuple(map(float, w)) for w in land.window)
    ranked = sorted(
        optim_core.OPTIMIZERS, key=lambda n: -optim_core.OPTIMIZERS[n].properties.state_per_param
    )
    chosen = ranked[: state.MAX_OPTIMIZERS]
    steps = int(state.STEPS.high)
    trajectories = [
        optim_core.run(name, land, land.start, steps, noise=state.NOISE.high) for name in chosen
    ]
    xs, ys = (np.linspace(lo, hi, cache.CONTOUR_RESOLUTION) for lo, hi in window)
    z, _ = cache.display_z(land, land.f(np.stack(np.meshgrid(xs, ys), axis=-1)))
    paths = [report.to_path(n, n, t, land) for n, t in zip(chosen, trajectories, strict=True)]
    spec = race_figures.race_figure(
        landscape.contour_png(z),
        paths,
        window,
        np.asarray(land.minima, dtype=float).reshape(-1, 2),
        steps=steps,
    )
    return spec, sum(len(p.xy) for p in paths)


def test_largest_scene_stays_within_its_memory_and_size_budget():
    tracemalloc.start()
    try:
        spec, points = _largest_scene_figure()
        text = json.dumps(spec, allow_nan=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert points == state.MAX_OPTIMIZERS * (int(state.STEPS.high) + 1)  # nothing cut short
    assert_all_finite(spec)
    assert peak < SCENE_BYTES, f"peak {peak / 1e6:.1f} MB"
    assert len(text) < FIGURE_CHARS, f"figure JSON {len(text) / 1e6:.2f} MB"


# The heaviest formulas the parser accepts: the most nodes, the deepest nesting.
HEAVY_FORMULAS = [
    "+".join(["sin(x)*cos(y)"] * 21),  # 293 characters, at the node limit
    "+".join(["x^y/(1+y^x)"] * 20),  # general powers: the costliest gradient rule
    "tanh(" * 14 + "sin(" * 14 + "x*y" + ")" * 28,  # at the depth limit
]


@pytest.mark.parametrize("text", HEAVY_FORMULAS, ids=lambda t: t[:16])
def test_heaviest_formula_on_the_largest_grid_stays_within_budget(text):
    land = parse_function(text)  # accepted: within every limit
    res = cache.CONTOUR_RESOLUTION
    xy = np.stack(np.meshgrid(np.linspace(-3, 3, res), np.linspace(-3, 3, res)), axis=-1)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            f = land.f(xy)
            grad = land.grad(xy)
            traj = optim_core.run("adam", land, land.start, int(state.STEPS.high))
        z, _ = cache.display_z(land, f)
        landscape.contour_png(z)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert f.shape == (res, res) and grad.shape == (res, res, 2)
    assert_finite_or_flagged(traj, text[:30])
    assert peak < SCENE_BYTES, f"peak {peak / 1e6:.1f} MB"


def test_a_link_that_starts_on_the_minimum():
    query = {"land": "booth", "x0": "1", "y0": "3", "opt": "gd"}
    assert_page_survives(render(PAGES[0], query), query)
