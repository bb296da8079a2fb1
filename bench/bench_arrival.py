"""A class arrives: thirty first visits fetch plotly.js at once, from one server.

Usage: python bench/bench_arrival.py [--visits 30] [--rounds 3]

On a first visit the map's element loads plotly.js (4.8 MB). Streamlit compresses every
response under ``app/static/`` again at each request, keeping no copy, so the page now
fetches a copy gzipped once at start-up (``ui.plotly_element.PLOTLY_GZ``), which Streamlit
sends as it is, and unpacks it itself. This benchmark serves both from one server, in the
same run, ``--rounds`` times in alternating order:

* **plain file**: ``--visits`` concurrent GETs of ``plotly.min.js`` as browsers send them
  (``Accept-Encoding: gzip, deflate, br``): what the page fetched before;
* **gzipped copy**: as many GETs of the ``.gz``: what it fetches now.

Per kind: the server's CPU time for the downloads (its process group's ``utime + stime``),
the wall time until the last download ended, the bytes of one download, and the slowest
answer to ``/_stcore/health``, asked every 20 ms meanwhile: how long the server kept every
other student waiting. It prints one markdown table and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench_load import _group_usage  # noqa: E402 - beside this file
from e2e_support import streamlit_server  # noqa: E402 - the helpers live beside the tests
from loadgen import run_load_sync  # noqa: E402

from ui import plotly_element  # noqa: E402

KINDS = {
    "plain file (before)": plotly_element.PLOTLY_URL,
    "gzipped copy (now)": plotly_element.PLOTLY_GZ_URL,
}
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}
PROBE_S = 0.02


def fetch(url: str) -> int:
    """GET ``url`` as a browser does; the bytes received."""
    with urllib.request.urlopen(urllib.request.Request(url, headers=BROWSER), timeout=60) as r:
        return len(r.read())


class Probe(threading.Thread):
    """Asks the server's health every ``PROBE_S`` until stopped; keeps each answer's time."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url + "_stcore/health"
        self.times: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(PROBE_S):
            t0 = time.perf_counter()
            fetch(self.url)
            self.times.append(time.perf_counter() - t0)


def arrival(url: str, route: str, visits: int, pgid: int) -> dict[str, float]:
    """``visits`` concurrent downloads of ``route``: CPU, wall, bytes and slowest health."""
    probe = Probe(url)
    probe.start()
    time.sleep(0.3)
    ticks0 = _group_usage(pgid)[1]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(visits) as pool:
        sizes = list(pool.map(fetch, [url + route] * visits))
    wall = time.perf_counter() - t0
    ticks = _group_usage(pgid)[1] - ticks0
    time.sleep(0.3)
    probe.done.set()
    probe.join()
    return {
        "cpu": ticks / os.sysconf("SC_CLK_TCK"),
        "wall": wall,
        "bytes": statistics.median(sizes),
        "health": max(probe.times),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    with streamlit_server(ROOT / "app.py") as server:
        pgid = os.getpgid(server.pid)
        # A first page run publishes static/ (plotly_element.available); then warm up once.
        run_load_sync(server.url, 1, 2.0)
        for route in KINDS.values():
            fetch(server.url + route)
        results: dict[str, list[dict[str, float]]] = {kind: [] for kind in KINDS}
        for r in range(args.rounds):
            order = list(KINDS.items())
            for kind, route in order if r % 2 == 0 else order[::-1]:
                results[kind].append(arrival(server.url, route, args.visits, pgid))
                time.sleep(1.0)

    print(
        f"{args.visits} first visits at once, plotly.js; medians of {args.rounds} rounds "
        f"(load average {os.getloadavg()[0]:.1f} at the end)\n"
    )
    print(
        "| what the page fetches | server CPU (ms) | last download ends (ms) "
        "| bytes per download | slowest health answer meanwhile (ms) |"
    )
    print("|---|---:|---:|---:|---:|")
    for kind, runs in results.items():

        def median(name: str, runs=runs) -> float:
            return statistics.median(run[name] for run in runs)

        print(
            f"| {kind} | {median('cpu') * 1000:,.0f} | {median('wall') * 1000:,.0f} "
            f"| {median('bytes'):,.0f} | {median('health') * 1000:,.0f} |"
        )


if __name__ == "__main__":
    main()
