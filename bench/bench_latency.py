"""Latency from releasing a slider to the updated map: the playground against a bare app.

Usage: python bench/bench_latency.py [--moves 15] [--app app.py]

Both apps (bench/bare_app.py, and app.py in its default scene) get a Streamlit server and a
page in headless Chromium. Their learning-rate sliders are then moved ``--moves`` times each;
the apps take turns move by move, so both see the same load on the machine. Each slider
first goes to its lowest value (Home), then every move is one ArrowRight: a value neither
the server nor the page has seen, as when a learner explores η, so no cache answers for it
(trajectory, figure, or Streamlit's cache of large messages in the browser). ``--revisit``
moves ArrowRight / ArrowLeft alternately instead, from the app's default value: after the
first two moves every value is one seen before, the cheapest case for the caches. (In the
playground's default scene those two η, 0.1 and 0.12, put GD's loss in different decades
of the loss axis: every such move changes the figure's layout too.)

Everything is timed in the page, with ``performance.now()``:

* start: the ``keydown`` on the slider thumb. Streamlit's slider commits on "change end",
  which a key press fires at once (there is no debounce), so the key press is the release.
* end: the first animation frame in which the map's graph div holds new data (Streamlit
  mounts a new div, or the div gets a new figure or new points for some of its traces)
  *and* its SVG lines differ from before the move, i.e. the frame that paints the updated
  chart.
* last message: the arrival of the last WebSocket message before that frame, so roughly
  the part spent on the server and the wire; the rest is the browser (parse, Plotly, paint).

Between moves the benchmark waits until no element is stale any more, then a short pause.
It prints a markdown table, the ratio of the medians, and how that ratio varies within the
run (the median of the per-turn ratios, and the ratio of medians per 10 turns): the
machine's load moves both apps, and one run's ratio is only as good as its spread. It
asserts nothing about time.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import statistics
import sys
import time
from pathlib import Path

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


@dataclasses.dataclass(frozen=True)
class Target:
    """An app to measure and the keys of the slider it moves and the chart it watches."""

    name: str
    script: Path
    slider_key: str = "hp_gd_lr"
    chart_key: str = "map"


# Installed before the page's own scripts: times every WebSocket message from the server
# and defines window.__bench, which watches the chart from arm() until it has changed.
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


class Session:
    """One app's page, opened in its own browser context, ready to have its slider moved."""

    def __init__(self, browser, target: Target, url: str) -> None:
        self.target = target
        self.chart = f".st-key-{target.chart_key} .js-plotly-plot"
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.context.add_init_script(PAGE_HOOKS)
        self.page = self.context.new_page()
        self.page.goto(url)
        self.page.wait_for_selector(self.chart, timeout=LOAD_TIMEOUT_MS)
        wait_until_idle(self.page, LOAD_TIMEOUT_MS)
        time.sleep(1.0)  # let late reruns (query-string sync, first paint) finish
        self.figure_bytes = self.page.evaluate(
            "(sel) => window.__bench.figureBytes(sel)", self.chart
        )
        self.largest_message = self.page.evaluate("() => window.__bench.largestMessage()")
        self.thumb = slider_thumb(self.page, target.slider_key)
        self.samples: list[dict] = []
        self.notes: list[str] = []

    def lowest(self) -> None:
        """Put the slider at its lowest value, so every ArrowRight after it is a new value."""
        self.thumb.press("Home")
        wait_until_idle(self.page, LOAD_TIMEOUT_MS)
        time.sleep(1.0)

    def move(self, i: int, *, record: bool, revisit: bool = False) -> None:
        """Press ArrowRight (with ``revisit``: ArrowLeft when ``i`` is odd) and time the update."""
        key = "ArrowLeft" if revisit and i % 2 else "ArrowRight"
        before = self.thumb.get_attribute("aria-valuetext")
        self.page.evaluate(
            "([sel, ms]) => window.__bench.arm(sel, ms)", [self.chart, MOVE_TIMEOUT_MS]
        )
        self.thumb.press(key)
        result = self.page.evaluate("() => window.__bench.result()")
        wait_until_idle(self.page, LOAD_TIMEOUT_MS)
        time.sleep(SETTLE_S)
        result["bytes"] = self.page.evaluate("() => window.__bench.bytesSinceArm()")
        if self.thumb.get_attribute("aria-valuetext") == before:
            self.notes.append(f"move {i}: {key} left the slider at {before}")
        if not result["ok"]:
            self.notes.append(f"move {i}: no chart update within {MOVE_TIMEOUT_MS} ms")
        elif record:
            self.samples.append({**result, "move": i})

    def close(self) -> dict:
        """The run's record; the page is closed."""
        if self.page.locator('[data-testid="stException"]').count():
            self.notes.append("the page shows a Streamlit exception")
        self.context.close()
        return {
            "target": self.target,
            "samples": self.samples,
            "figure_bytes": self.figure_bytes,
            "largest_message": self.largest_message,
            "notes": self.notes,
        }


def measure(browser, targets: list[Target], moves: int, *, revisit: bool) -> list[dict]:
    """Move every target's slider ``moves`` times, the apps taking turns move by move.

    Taking turns (in alternating order) exposes both apps to the same background load,
    so the ratio stays fair on a busy machine.
    """
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(streamlit_server(t.script)) for t in targets]
        sessions = [Session(browser, t, s.url) for t, s in zip(targets, servers, strict=True)]
        if not revisit:
            for session in sessions:
                session.lowest()
        # Two unmeasured moves first: the first reruns warm the code paths on both ends.
        for i in range(-2, moves):
            for session in sessions if i % 2 == 0 else reversed(sessions):
                session.move(i, record=i >= 0, revisit=revisit)
        return [session.close() for session in sessions]


def summarize(run: dict) -> dict:
    """Median, p90 and min of a run's latencies, and the medians of its diagnostics."""
    ms = sorted(s["ms"] for s in run["samples"])
    server = [s["serverMs"] for s in run["samples"] if s["serverMs"] is not None]
    return {
        "n": len(ms),
        "median": statistics.median(ms) if ms else float("nan"),
        "p90": statistics.quantiles(ms, n=10, method="inclusive")[-1] if len(ms) > 1 else ms[0],
        "min": ms[0] if ms else float("nan"),
        "server": statistics.median(server) if server else float("nan"),
        "bytes": statistics.median(s["bytes"] for s in run["samples"]) if ms else 0,
        "remounts": sum(s["remounted"] for s in run["samples"]),
    }


def ratio_spread(bare: list[dict], real: list[dict], block: int = 10) -> dict:
    """How the real/bare ratio varies within one run, the two apps' moves paired by turn.

    ``per_move``: the median of the ratios of moves made in the same turn. ``blocks``: the
    ratio of medians over each run of ``block`` consecutive turns (the last, shorter block
    dropped), so that a burst of load on the machine shows as one block, not as noise.
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
    }


def report(runs: list[dict]) -> str:
    """The runs as a markdown table, with the real/bare ratio and the figure's size."""
    lines = [
        "| app | n | median (ms) | p90 (ms) | min (ms) | last message before redraw, median (ms)"
        " | bytes received per move, median | map div remounted |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    stats = {}
    for run in runs:
        s = stats[run["target"].name] = summarize(run)
        lines.append(
            f"| {run['target'].name} | {s['n']} | {s['median']:.0f} | {s['p90']:.0f}"
            f" | {s['min']:.0f} | {s['server']:.0f} | {s['bytes']:,.0f}"
            f" | {s['remounts']}/{s['n']} |"
        )
    lines.append("")
    if {"bare", "playground"} <= stats.keys():
        ratio = stats["playground"]["median"] / stats["bare"]["median"]
        lines.append(f"Ratio playground / bare (medians): **{ratio:.2f}×** (target ≤ 1.5×)")
        samples = {run["target"].name: run["samples"] for run in runs}
        spread = ratio_spread(samples["bare"], samples["playground"])
        blocks = spread["blocks"]
        lines.append(
            f"Median of the per-turn ratios: {spread['per_move']:.2f}×"
            + (
                f"; ratio of medians per 10 turns: {min(blocks):.2f}–{max(blocks):.2f}×"
                f" over {len(blocks)} blocks"
                if blocks
                else ""
            )
        )
    for run in runs:
        size = run["figure_bytes"]
        lines.append(
            f"Figure JSON ({run['target'].name}): as sent {size['sent']:,} bytes"
            f" ({size['sent'] / 1024:,.0f} KiB); held in the page with its frames built"
            f" {size['held']:,} bytes ({size['held'] / 1024:,.0f} KiB); largest WebSocket"
            f" message while loading: {run['largest_message']:,} bytes"
        )
        lines.extend(f"Note ({run['target'].name}): {note}" for note in run["notes"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moves", type=int, default=15, help="measured slider moves per app")
    parser.add_argument("--app", type=Path, default=ROOT / "app.py", help="the playground script")
    parser.add_argument(
        "--revisit", action="store_true", help="alternate between two values (cached) instead"
    )
    args = parser.parse_args(argv)

    chromium = find_chromium()
    if chromium is None:
        print(
            "Chromium not found at /usr/bin/chromium: apt-get install -y chromium", file=sys.stderr
        )
        return 2
    targets = [Target("bare", ROOT / "bench" / "bare_app.py")]
    if args.app.exists():
        targets.append(Target("playground", args.app.resolve()))
    else:
        print(f"{args.app} not found: measuring the bare app only", file=sys.stderr)

    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, chromium)
        try:
            runs = measure(browser, targets, args.moves, revisit=args.revisit)
        finally:
            browser.close()
    print(report(runs))
    walk = "two values, revisited" if args.revisit else "a new value every move"
    print(f"\n({args.moves} moves per app, {walk}; {time.monotonic() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
