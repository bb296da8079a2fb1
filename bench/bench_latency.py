"""Latency from a learner's gesture to the redrawn map: the playground against a bare app.

Usage: python bench/bench_latency.py [--moves 30] [--loads 8] [--kinds eta,beta,...] [--split]
       python bench/bench_latency.py --against /tmp/before   # another checkout instead

Both apps (bench/bare_app.py, and app.py in its default scene) get a Streamlit server and
pages in headless Chromium. Each kind of control (``KINDS``) is then moved ``--moves`` times
on the playground, paired move by move with the bare app's control of the same gesture (its
η slider, or its picker); the apps take turns, in alternating order, so both see the same
load on the machine and every ratio is measured within the run:

* a slider by keyboard (η, β, the landscape's κ and θ): it first goes to its lowest value
  (Home), then every move is one ArrowRight, a value neither the server nor the page has
  seen, so no cache answers for it. ``--revisit`` alternates ArrowRight / ArrowLeft from the
  default value instead: after two moves every value is one seen before. The playground's
  sliders are range inputs: η and β of the design element (``ui/design_element.js``), κ
  and θ of the map's element (``ui/plotly_element.js``, drawLandscape), as a learner moves
  them, against the bare app's Streamlit slider.
* the landscape picker: the playground's is a select of the map's element, moved by one
  ArrowDown (Home after the last landscape), which commits at once; the bare app's
  Streamlit select box has its list opened, then the next choice clicked. After ten moves
  the landscapes come round again, from the server's cache.
* η on a phone (390 × 844, touch, 3 device pixels per CSS pixel): a tap on the slider's track
  (the range input's box), further right at every move.
* the first map: a fresh browser context (a first visit: nothing cached) loads the page, timed
  from navigation to the first frame that draws the chart's lines, against the bare app's
  first chart. The same loads time the first slider on screen (an optimizer's, in the
  playground's cards), against the bare app's slider.

Every control it moves is on the page, not in the sidebar, which stays collapsed as the page
starts (the playground then draws none of the sidebar's controls).

A move is timed in the page, with ``performance.now()``:

* start: the ``keydown`` or ``pointerup`` of the gesture. Streamlit's widgets commit on
  "change end", which both fire at once (there is no debounce).
* end: the first animation frame in which the map's graph div holds new data (Streamlit
  mounts a new div, or the div gets a new figure or new points for some of its traces)
  *and* its SVG lines differ from before the move, i.e. the frame that paints the updated
  chart.
* last message: when the page handled the last WebSocket message before that frame: the
  server's and the wire's share, and the time the page's main thread took to get to it
  (each message Streamlit handles is a React pass over the page); the rest is the browser
  (parse, Plotly, paint).

Between moves the benchmark waits until no element is stale any more, then a short pause.
With ``--split`` Chromium runs on half the machine's cores and the two servers on the other
half, as a learner's device and the server are two machines; by default all share every core,
and the server's NumPy work then competes with the browser's.

It prints one markdown table: per kind, both apps' medians and p90s, the ratio of the
medians with a 90 % bootstrap interval over the turns, and the median of the per-turn
ratios (the machine's load moves both apps; one run's ratio is only as good as its spread).
It asserts nothing about time.

With ``--against DIR`` the baseline is the playground of another checkout (``git worktree
add DIR <commit>``), each control paired with the same control there: a change's effect
measured in one run, both versions taking turns (the table's "bare" columns are then DIR's).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from e2e_support import (  # noqa: E402 - the helpers live beside the browser test
    find_chromium,
    launch_chromium,
    slider_thumb,
    streamlit_server,
    wait_until_idle,
)

CHART = ".st-key-map .js-plotly-plot"
# A slider's thumb (an <input type="range">, Streamlit's or the map element's) at its last value.
AT_END = "(thumb) => Number(thumb.value) >= Number(thumb.max)"
LANDSCAPE_ROW = ".st-key-map .pg-land"  # the playground's landscape controls, in the map
DESKTOP = {"viewport": {"width": 1400, "height": 1000}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


@dataclasses.dataclass(frozen=True)
class Kind:
    """A control the benchmark moves on the playground, and the bare app's it is paired with.

    ``gesture`` is "key" (a slider by arrow keys), "pick" (a select box's next option),
    "tap" (a touch on a slider's track) or "load" (the page's first chart); ``target`` is
    the issue's bound on the ratio playground / bare, if it sets one.
    """

    name: str
    label: str
    control: str
    baseline: str
    gesture: str
    target: float | None = None
    phone: bool = False


KINDS = (
    Kind("eta", "η slider (gradient descent)", "hp_gd_lr", "hp_gd_lr", "key", 1.25),
    Kind("beta", "β slider (momentum)", "hp_momentum_beta", "hp_gd_lr", "key"),
    Kind("kappa", "κ slider (landscape)", "land_kappa", "hp_gd_lr", "key", 1.25),
    Kind("theta", "θ slider (landscape)", "land_angle", "hp_gd_lr", "key", 1.25),
    Kind("picker", "landscape picker", "landscape", "landscape", "pick", 1.25),
    Kind("phone", "η slider, phone, touch", "hp_gd_lr", "hp_gd_lr", "tap", 1.25, phone=True),
    Kind("load", "first map (page load)", "", "", "load", 1.1),
)
# Measured with the first map: the playground draws its cards of sliders once the map is.
FIRST_SLIDER = Kind("slider", "first slider (page load)", "", "", "load")
PICKER_CHOICES = 10  # the playground's landscapes before "Custom f(x, y)…"; the bare app's curves

# Installed before the page's own scripts: times every WebSocket message from the server
# and defines window.__bench, which watches the chart from arm() until it has changed,
# and window.__firstChart, set when the page first draws the chart.
PAGE_HOOKS = """
(() => {
  const messages = [];  // [arrival time, bytes] of every message from the server
  // The longest figure JSON the page has parsed: the figure as sent (no frames built yet).
  let sentFigure = 0;
  const nativeParse = JSON.parse;
  JSON.parse = function (text, ...rest) {
    if (typeof text === "string" && text.startsWith('{"data":')) {
      sentFigure = Math.max(sentFigure, new TextEncoder().encode(text).length);
    }
    return nativeParse.call(this, text, ...rest);
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        const d = event.data;
        messages.push([performance.now(), d.byteLength ?? d.size ?? d.length ?? 0]);
      });
    }
  };

  let armed = null;
  for (const type of ["keydown", "pointerup"]) {
    window.addEventListener(type, (event) => {
      if (armed !== null && armed.t0 === null) armed.t0 = event.timeStamp;
    }, true);
  }

  // What the learner sees of the lines: their SVG paths and how many markers are drawn.
  const lineSignature = (gd) =>
    Array.from(gd.querySelectorAll(".scatterlayer path.js-line"), (p) => p.getAttribute("d"))
      .join("|") + "#" + gd.querySelectorAll(".scatterlayer .point").length;

  // Typed arrays count as the base64 they arrived as, not as JSON objects of their elements.
  const asSent = (key, v) =>
    ArrayBuffer.isView(v) ? { dtype: "f8", bdata: "A".repeat(4 * Math.ceil(v.byteLength / 3)) } : v;
  const utf8Bytes = (value) => new TextEncoder().encode(JSON.stringify(value, asSent)).length;

  // Page load: the first frame in which the chart's lines are drawn (time 0 is navigation).
  const watchFirstChart = () => {
    const gd = document.querySelector(".st-key-map .js-plotly-plot");
    if (gd && gd._fullLayout && lineSignature(gd) !== "#0") {
      const now = performance.now();
      const before = messages.filter(([t]) => t <= now);
      window.__firstChart = { ms: now, serverMs: before.length ? before.at(-1)[0] : null };
    } else {
      requestAnimationFrame(watchFirstChart);
    }
  };
  requestAnimationFrame(watchFirstChart);
  // Page load: the first frame in which a slider of the page's own shows (a Streamlit slider,
  // or a range input of the design element's cards).
  const watchFirstSlider = () => {
    const thumb = document.querySelector(
      '[data-testid="stSlider"] input[type="range"], .pg-design input[type="range"]');
    if (thumb && thumb.getBoundingClientRect().width > 0) {
      window.__firstSlider = { ms: performance.now(), serverMs: null };
    } else {
      requestAnimationFrame(watchFirstSlider);
    }
  };
  requestAnimationFrame(watchFirstSlider);

  window.__bench = {
    arm(selector, timeoutMs) {
      const gd0 = document.querySelector(selector);
      const state = {
        t0: null, data0: gd0.data, points0: gd0.data.map((t) => [t.x, t.y]),
        sig0: lineSignature(gd0), msg0: messages.length,
      };
      // A new figure (Plotly.react, a new div) or new points in the traces that changed
      // (Plotly.animate, which keeps the figure's objects and replaces their arrays).
      const newData = (gd) => gd !== gd0 || gd.data !== state.data0
        || gd.data.some((t, i) => t.x !== state.points0[i]?.[0] || t.y !== state.points0[i]?.[1]);
      armed = state;
      state.done = new Promise((resolve) => {
        const started = performance.now();
        const finish = (now, gd, ok) => {
          armed = null;
          const since = messages.filter(([t]) => state.t0 !== null && t >= state.t0 && t <= now);
          resolve({
            ok,
            pressed: state.t0 !== null,
            ms: state.t0 === null ? null : now - state.t0,
            serverMs: since.length ? since[since.length - 1][0] - state.t0 : null,
            remounted: gd !== gd0,
          });
        };
        const tick = () => {
          const now = performance.now();
          const gd = document.querySelector(selector);
          const replaced = gd !== null && newData(gd);
          if (state.t0 !== null && replaced && gd._fullLayout && lineSignature(gd) !== state.sig0) {
            finish(now, gd, true);
          } else if (now - started > timeoutMs) {
            finish(now, gd, false);
          } else {
            requestAnimationFrame(tick);
          }
        };
        requestAnimationFrame(tick);
      });
      window.__benchState = state;
    },
    result() {
      return window.__benchState.done;
    },
    bytesSinceArm() {
      return messages.slice(window.__benchState.msg0).reduce((sum, [, n]) => sum + n, 0);
    },
    largestMessage() {
      return Math.max(0, ...messages.map(([, n]) => n));
    },
    figureBytes(selector) {
      const gd = document.querySelector(selector);
      // The playground's element keeps its frames in its player, out of the chart.
      const player = gd.closest(".pg-root")?.player;
      const frames = player?.frames ?? (gd._transitionData && gd._transitionData._frames) ?? [];
      return { sent: sentFigure, held: utf8Bytes({ data: gd.data, layout: gd.layout, frames }) };
    },
  };
})();
"""


LOAD_TIMEOUT_MS = 90_000
MOVE_TIMEOUT_MS = 20_000
SETTLE_S = 0.4


def tap_fraction(i: int, moves: int) -> float:
    """Where along a slider's track move ``i`` (from -2, the unmeasured ones, to
    ``moves - 1``) taps: in the left and the right half by turns, each half walked rightwards,
    so that every tap is a value not tapped before and lands far from the thumb (a tap on the
    thumb would not move it), never on the track's very ends."""
    turn, half = i + 2, (moves + 3) // 2
    return 0.05 + 0.45 * (turn % 2) + 0.45 * (turn // 2) / half


class Session:
    """One app's page in a browser context of its own, ready to have its controls moved."""

    def __init__(self, browser, app: str, url: str, device: dict) -> None:
        self.app = app
        self.context = browser.new_context(**device)
        self.context.add_init_script(PAGE_HOOKS)
        self.page = self.context.new_page()
        self.page.goto(url)
        self.page.wait_for_selector(CHART, state="attached", timeout=LOAD_TIMEOUT_MS)
        wait_until_idle(self.page, LOAD_TIMEOUT_MS)
        time.sleep(1.0)  # let late reruns (query-string sync, first paint) finish
        self.figure_bytes = self.page.evaluate("(sel) => window.__bench.figureBytes(sel)", CHART)
        self.largest_message = self.page.evaluate("() => window.__bench.largestMessage()")
        self.notes: list[str] = []

    def settle(self) -> None:
        wait_until_idle(self.page, LOAD_TIMEOUT_MS)
        time.sleep(SETTLE_S)

    def native(self, key: str):
        """The page's own control that sets widget key ``key``, or None: the app has a
        Streamlit widget. The map element's landscape picker and parameters (``landscape``,
        ``land_<name>``), the design element's range inputs (``hp_<optimizer>_<name>``)."""
        name = key.removeprefix("land_")
        selector = {
            "landscape": f"{LANDSCAPE_ROW} .pg-land-pick",
            f"land_{name}": f"{LANDSCAPE_ROW} input[data-param='{name}']",
        }.get(key)
        if key.startswith("hp_"):
            selector = f".pg-design input[type=range][data-key='{key}']"
        control = selector and self.page.locator(selector)
        return control if control and control.count() else None

    def prepare(self, key: str, gesture: str, *, revisit: bool) -> None:
        """Find widget ``key``; a slider moved by keys first goes to its lowest value, so
        that every ArrowRight after it is a new value (unless ``revisit``)."""
        self.key = key
        self.control = self.native(key)
        if gesture == "key":
            self.thumb = self.control or slider_thumb(self.page, key)
            if not revisit:
                self.thumb.press("Home")
                self.settle()

    def move(self, i: int, gesture: str, moves: int, *, revisit: bool) -> dict | None:
        """Make gesture ``i`` on the prepared widget; its timing, or None if the chart did
        not change."""
        if gesture == "key" and not revisit and self.thumb.evaluate(AT_END):
            if not self.notes or not self.notes[-1].endswith("no new value left"):
                self.notes.append(f"{self.key} move {i} and after: no new value left")
            return None  # β has 25 values: two warm-up moves and 22 measured ones
        value = self.value(gesture)
        if gesture == "pick" and self.control is None:  # open the list before arming: only
            # the choice is timed
            opener = self.page.locator(f".st-key-{self.key} button[aria-label='Open']")
            opener.scroll_into_view_if_needed()  # a scroll closes an open list
            opener.click()
            self.options.first.wait_for()
        self.page.evaluate("([sel, ms]) => window.__bench.arm(sel, ms)", [CHART, MOVE_TIMEOUT_MS])
        if gesture == "key":
            self.thumb.press("ArrowLeft" if revisit and i % 2 else "ArrowRight")
        elif gesture == "pick" and self.control is not None:  # a native select: one key
            last = self.control.evaluate("(select) => select.selectedIndex") >= PICKER_CHOICES - 1
            self.control.press("Home" if last else "ArrowDown")
        elif gesture == "pick":
            self.options.nth((i + 3) % PICKER_CHOICES).click()
        else:  # a range input's own box, or a Streamlit slider's track
            track = self.control or self.page.locator(
                f".st-key-{self.key} [role='group'] > [data-orientation='horizontal']"
            )
            box = track.bounding_box()
            track.tap(position={"x": box["width"] * tap_fraction(i, moves), "y": box["height"] / 2})
        result = self.page.evaluate("() => window.__bench.result()")
        self.settle()
        result["bytes"] = self.page.evaluate("() => window.__bench.bytesSinceArm()")
        if self.value(gesture) == value:
            self.notes.append(f"{self.key} move {i}: the value stayed {value}")
        if not result["ok"]:
            self.notes.append(f"{self.key} move {i}: no chart update within {MOVE_TIMEOUT_MS} ms")
            return None
        return {**result, "move": i}

    @property
    def options(self):
        """The open list's choices (the player's speed box has options too)."""
        return self.page.locator("[role=listbox] [role=option]")

    def value(self, gesture: str) -> str | None:
        if self.control is not None:
            return self.control.get_attribute("aria-valuetext") or self.control.input_value()
        if gesture == "pick":
            return self.page.locator(f".st-key-{self.key} input").input_value()
        return slider_thumb(self.page, self.key).get_attribute("aria-valuetext")

    def close(self) -> dict:
        """The session's record; its page is closed."""
        if self.page.locator('[data-testid="stException"]').count():
            self.notes.append("the page shows a Streamlit exception")
        self.context.close()
        return {
            "figure_bytes": self.figure_bytes,
            "largest_message": self.largest_message,
            "notes": self.notes,
        }


def first_chart(browser, url: str) -> tuple[dict, dict]:
    """A first visit: a fresh context loads ``url``; when its first chart was drawn, and
    when its first slider showed."""
    context = browser.new_context(**DESKTOP)
    context.add_init_script(PAGE_HOOKS)
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_function(
            "() => window.__firstChart && window.__firstSlider", timeout=LOAD_TIMEOUT_MS
        )
        return page.evaluate("() => [window.__firstChart, window.__firstSlider]")
    finally:
        context.close()


def turns(moves: int, apps: list):
    """(move, app) in the order the apps take turns: two unmeasured moves (-2, -1) first
    to warm the code paths on both ends, then ``moves``, the order alternating each move."""
    for i in range(-2, moves):
        for app in apps if i % 2 == 0 else reversed(apps):
            yield i, app


def measure_moves(sessions: dict, kind: Kind, moves: int, *, revisit: bool) -> dict:
    """``moves`` paired moves of ``kind``'s controls: {"bare": samples, "playground": samples}."""
    controls = {"bare": kind.baseline, "playground": kind.control}
    for app, session in sessions.items():
        session.prepare(controls[app], kind.gesture, revisit=revisit)
    samples: dict[str, list[dict]] = {app: [] for app in sessions}
    for i, app in turns(moves, list(sessions)):
        sample = sessions[app].move(i, kind.gesture, moves, revisit=revisit)
        if sample is not None and i >= 0:
            samples[app].append(sample)
    return samples


def measure_loads(browser, urls: dict, loads: int) -> tuple[dict, dict]:
    """``loads`` first visits of each app, taking turns: the first charts' samples
    ({"bare": samples, ...}) and the first sliders'."""
    charts: dict[str, list[dict]] = {app: [] for app in urls}
    sliders: dict[str, list[dict]] = {app: [] for app in urls}
    for i, app in turns(loads, list(urls)):
        if i == -1:
            continue  # one unmeasured load each is enough to warm the server
        chart, slider = first_chart(browser, urls[app])
        if i >= 0:
            charts[app].append({**chart, "move": i, "bytes": 0, "remounted": False})
            sliders[app].append({**slider, "move": i, "bytes": 0, "remounted": False})
    return charts, sliders


@contextlib.contextmanager
def pinned(cores: set[int] | None):
    """This process, and the processes it starts meanwhile, on ``cores`` (all if None)."""
    if cores is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def split_cores() -> tuple[set[int], set[int]]:
    """The machine's cores in two halves: the browser's, the servers'."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        raise SystemExit("--split needs at least two cores")
    half = len(cores) // 2
    return set(cores[:half]), set(cores[half:])


def measure(
    browser,
    kinds: list[Kind],
    moves: int,
    loads: int,
    *,
    revisit: bool,
    server_cores: set[int] | None = None,
    against: Path | None = None,
) -> dict:
    """Every kind's paired samples, the sessions' records (figure sizes, notes), and the
    kinds that failed: one that fails (a page that never draws its map) is reported, and the
    others are still measured. The servers run on ``server_cores`` (all if None); the
    baseline is the bare app, or the playground of the checkout ``against``."""
    baseline = (against, against / "app.py") if against else (ROOT, ROOT / "bench" / "bare_app.py")
    scripts = {"bare": baseline, "playground": (ROOT, ROOT / "app.py")}
    results: dict = {"kinds": {}, "sessions": {}, "failed": {}}
    with contextlib.ExitStack() as stack:
        with pinned(server_cores):
            urls = {
                app: stack.enter_context(streamlit_server(script, cwd=cwd)).url
                for app, (cwd, script) in scripts.items()
            }
        for phone in (False, True):
            moved = [k for k in kinds if k.phone == phone and k.gesture != "load"]
            device = PHONE if phone else DESKTOP
            try:
                sessions = {app: Session(browser, app, url, device) for app, url in urls.items()}
            except PlaywrightError as error:
                results["failed"].update({k.name: first_line(error) for k in moved})
                continue
            for kind in moved:
                try:
                    paired = dataclasses.replace(kind, baseline=kind.control) if against else kind
                    results["kinds"][kind.name] = measure_moves(
                        sessions, paired, moves, revisit=revisit
                    )
                except PlaywrightError as error:
                    results["failed"][kind.name] = first_line(error)
            for app, session in sessions.items():
                results["sessions"][(app, "phone" if phone else "desktop")] = session.close()
        if any(k.gesture == "load" for k in kinds):
            results["kinds"]["load"], results["kinds"]["slider"] = measure_loads(
                browser, urls, loads
            )
    return results


def first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]


def summarize(samples: list[dict]) -> dict:
    """Median, p90 and min of a series' latencies, and the medians of its diagnostics."""
    ms = sorted(s["ms"] for s in samples)
    server = [s["serverMs"] for s in samples if s["serverMs"] is not None]
    if not ms:
        return {
            "n": 0,
            "median": float("nan"),
            "p90": float("nan"),
            "min": float("nan"),
            "server": float("nan"),
            "bytes": 0,
            "remounts": 0,
        }
    return {
        "n": len(ms),
        "median": statistics.median(ms),
        "p90": statistics.quantiles(ms, n=10, method="inclusive")[-1] if len(ms) > 1 else ms[0],
        "min": ms[0],
        "server": statistics.median(server) if server else float("nan"),
        "bytes": statistics.median(s["bytes"] for s in samples),
        "remounts": sum(s["remounted"] for s in samples),
    }


def ratio_spread(bare: list[dict], real: list[dict], block: int = 10) -> dict:
    """How the real/bare ratio varies within one run, the two apps' moves paired by turn.

    ``per_move``: the median of the ratios of moves made in the same turn. ``blocks``: the
    ratio of medians over each run of ``block`` consecutive turns (the last, shorter block
    dropped), so that a burst of load on the machine shows as one block, not as noise.
    ``interval``: the ratio of medians' bootstrap interval over the turns (ratio_interval).
    """
    bare_at = {s["move"]: s["ms"] for s in bare}
    pairs = [(bare_at[s["move"]], s["ms"]) for s in real if s["move"] in bare_at]
    blocks = [
        statistics.median(r for _, r in chunk) / statistics.median(b for b, _ in chunk)
        for chunk in (pairs[k : k + block] for k in range(0, len(pairs), block))
        if len(chunk) == block
    ]
    return {
        "per_move": statistics.median(r / b for b, r in pairs) if pairs else float("nan"),
        "blocks": blocks,
        "interval": ratio_interval(pairs),
    }


def ratio_interval(
    pairs: list[tuple[float, float]], level: float = 0.9, resamples: int = 2000
) -> tuple[float, float]:
    """A bootstrap interval of the ratio of medians: the turns ``(bare, real)`` drawn again
    with replacement ``resamples`` times, the middle ``level`` of the ratios they give.

    How far the run's own moves leave the ratio uncertain; a later run on a machine loaded
    otherwise may move it further. Seeded: the same moves give the same interval.
    """
    if len(pairs) < 2:
        return (float("nan"), float("nan"))
    draw = random.Random(0)
    ratios = sorted(
        statistics.median(r for _, r in sample) / statistics.median(b for b, _ in sample)
        for sample in (draw.choices(pairs, k=len(pairs)) for _ in range(resamples))
    )
    cut = round(resamples * (1 - level) / 2)
    return ratios[cut], ratios[-1 - cut]


TABLE_HEAD = (
    "| what moves | n | bare median (ms) | bare p90 (ms) | playground median (ms)"
    " | playground p90 (ms) | last message, bare / playground (ms) | ratio of medians"
    " | 90 % interval | median per-turn ratio | target |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
)


def table_row(kind: Kind, samples: dict) -> str:
    """One kind's line of the table: both apps' figures and the ratio playground / bare."""
    bare, real = summarize(samples["bare"]), summarize(samples["playground"])
    ratio = real["median"] / bare["median"] if bare["n"] and real["n"] else float("nan")
    spread = ratio_spread(samples["bare"], samples["playground"])
    low, high = spread["interval"]
    target, shown = "—", f"{ratio:.2f}"
    if kind.target is not None:
        target = f"≤ {kind.target:g}× " + ("(met)" if ratio <= kind.target else "(not met)")
        if (round(ratio, 2) <= kind.target) != (ratio <= kind.target):
            shown = f"{ratio:.3f}"  # 1.2534 is not 1.25: the digit that decides is shown
    # The first slider has no message of its own to time.
    last = "—" if math.isnan(real["server"]) else f"{bare['server']:.0f} / {real['server']:.0f}"
    return (
        f"| {kind.label} | {min(bare['n'], real['n'])} | {bare['median']:.0f} | {bare['p90']:.0f}"
        f" | {real['median']:.0f} | {real['p90']:.0f} | {last}"
        f" | **{shown}×** | {low:.2f}–{high:.2f}× | {spread['per_move']:.2f}× | {target} |"
    )


def report(results: dict, kinds: list[Kind]) -> str:
    """The run as one markdown table, then the figures' sizes and any notes."""
    lines = [*TABLE_HEAD]
    shown = [*kinds, FIRST_SLIDER]
    lines += [table_row(k, results["kinds"][k.name]) for k in shown if k.name in results["kinds"]]
    lines.append("")
    lines.extend(f"Not measured ({name}): {why}" for name, why in results["failed"].items())
    for (app, device), record in results["sessions"].items():
        size = record["figure_bytes"]
        lines.append(
            f"Figure JSON ({app}, {device}): as sent {size['sent']:,} bytes; held in the page"
            f" with its frames built {size['held']:,} bytes; largest WebSocket message while"
            f" loading: {record['largest_message']:,} bytes"
        )
        lines.extend(f"Note ({app}, {device}): {note}" for note in record["notes"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moves", type=int, default=30, help="measured moves per kind and app")
    parser.add_argument("--loads", type=int, default=8, help="measured page loads per app")
    parser.add_argument(
        "--kinds",
        default=",".join(k.name for k in KINDS),
        help="which kinds to measure, comma-separated: " + ", ".join(k.name for k in KINDS),
    )
    parser.add_argument(
        "--revisit", action="store_true", help="sliders alternate between two values (cached)"
    )
    parser.add_argument(
        "--against",
        type=Path,
        help="a checkout of the app (git worktree add DIR <commit>): its playground is the "
        "baseline instead of the bare app, each control against the same control",
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="Chromium on half the cores, the servers on the other half, as a learner's "
        "device and the server are two machines (default: all share every core)",
    )
    args = parser.parse_args(argv)
    kinds = [k for k in KINDS if k.name in args.kinds.split(",")]
    if args.against:  # the targets are against the bare app
        kinds = [dataclasses.replace(k, target=None) for k in kinds]

    chromium = find_chromium()
    if chromium is None:
        print(
            "Chromium not found at /usr/bin/chromium: apt-get install -y chromium", file=sys.stderr
        )
        return 2
    started = time.monotonic()
    browser_cores, server_cores = split_cores() if args.split else (None, None)
    with pinned(browser_cores), sync_playwright() as playwright:
        browser = launch_chromium(playwright, chromium)
        try:
            results = measure(
                browser,
                kinds,
                args.moves,
                args.loads,
                revisit=args.revisit,
                server_cores=server_cores,
                against=args.against,
            )
        finally:
            browser.close()
    if args.against:
        print(f'Baseline (the columns "bare"): the playground of {args.against}\n')
    print(report(results, kinds))
    walk = "two values, revisited" if args.revisit else "a new value every move"
    if args.split:
        walk += f"; Chromium on cores {sorted(browser_cores)}, servers on {sorted(server_cores)}"
    loaded = f" {args.loads} loads per app;" if any(k.gesture == "load" for k in kinds) else ""
    print(
        f"\n({args.moves} moves per kind and app, sliders: {walk};{loaded}"
        f" {time.monotonic() - started:.0f} s in all)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
