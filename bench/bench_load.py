"""A classroom on one server: rerun latency, errors, memory, CPU, and a fair share beside sweeps.

Usage: python bench/bench_load.py [--students 1,10,30,60] [--duration 60] [--settle 180]
       python bench/bench_load.py --url http://127.0.0.1:8080/ [--pid <server pid>]
       python bench/bench_load.py --app /tmp/snapshot/app.py   # a frozen copy of the app
       python bench/bench_load.py --scenario fair-share [--fair-duration 60] [--heavy-jobs N]

Two scenarios, both by default (``--scenario all``; ``levels`` or ``fair-share`` runs one):

- **levels**: a classroom of 1 to 60 students on the playground, described below.
- **fair-share** (#20): 30 students move η and the other sliders on the playground, first
  alone, then while 5 other learners start the sweep page's largest sweep (200 × 200 runs ×
  1,000 steps, a new start point each time, so the cache never has it) again and again. It
  prints the 30's rerun p50, p95, max and errors without and with the 5, the ratio of the
  p95s (target ≤ 2×, with 0 errors) and how many sweeps the pool (ui/heavy.py) finished.
  The students make the same moves in both phases, and each phase starts from empty caches.
  About 3 minutes with the default ``--fair-duration 60``. ``--heavy-jobs N`` starts the
  server with ``PLAYGROUND_HEAVY_JOBS=N`` (the pool's jobs at once; default: the cores).

Starts ``streamlit run app.py`` (tests/e2e_support.StreamlitServer, in the app's folder so
its .streamlit/config.toml applies), or uses the server or proxy at ``--url``. The server
reads page files afresh on every run: to measure while the app is being edited, point
``--app`` at a copy (``git archive HEAD | tar -x -C /tmp/snapshot``).

Simulated students (bench/loadgen.py) speak Streamlit's websocket protocol: each loads the
playground, then moves a hyperparameter slider every 2–4 s, and every rerun is timed from
the message that asks for it to its ``script_finished``. They cost the machine little, but
they share its 2 cores with the server: the last column is their share.

A background thread samples the server's process group every 0.5 s: RSS (``VmRSS``) and
CPU (``utime + stime``, in % of one core). Idle RSS is taken after one student has loaded
the page and moved sliders for ``--warmup`` seconds and the server has then been left
alone for ``--idle`` seconds (by default past ui/janitor.py's 150 s, so the idle level is a
warmed-up server at rest, as it is again a few minutes after a class). Each level then
runs for ``--duration`` seconds (students start over ``--ramp`` seconds), with ``--gap``
seconds between levels. After the last one, no student for ``--settle`` seconds; Streamlit
drops a disconnected session's state after ``server.disconnectedSessionTTL`` (120 s), so
the settle should be longer than that.

With a server of its own, it also quotes the janitor's last report from the server's log
at idle and after settling: the resident size beside the heap's bytes in use, which tells
live memory (what a leak would grow) from free pages the allocator keeps.

Prints a markdown table, writes it to bench/out/load.md (the fair share to
bench/out/fair_share.md), and states the issue's targets (p95 rerun ≤ 1.5 s and no errors at
``--target`` students, RSS back within 10 % of idle; the fair share's ratio) as text, with
the machine's load average, since other processes move every figure; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import os
import platform
import random
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

import streamlit
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from e2e_support import OUT_DIR, StreamlitServer  # noqa: E402 - the helpers live beside the tests
from loadgen import LoadReport, Page, run_load, run_load_sync  # noqa: E402

from ui.heavy import CAPACITY_ENV  # noqa: E402 - e2e_support puts the app's folder on the path
from ui.wire import CLEAR_EVERY_ENV  # noqa: E402

P95_TARGET_S = 1.5
RSS_TOLERANCE = 0.10
SAMPLE_S = 0.5
MIB = 1024 * 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclasses.dataclass(frozen=True)
class Sample:
    """The server's process group at one instant."""

    t: float  # time.monotonic()
    rss: int  # bytes, summed over the group
    cpu: float  # % of one core since the previous sample


def _group_usage(pgid: int) -> tuple[int, int]:
    """RSS bytes and CPU ticks (utime + stime) of every process in group ``pgid``."""
    rss = ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            # The command name may hold spaces and parentheses: split after the last ")".
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) != pgid:
                continue
            ticks += int(fields[11]) + int(fields[12])
            for line in Path(entry.path, "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) * 1024
                    break
        except (OSError, ValueError, IndexError):
            continue  # the process ended between the listing and the read
    return rss, ticks


class Sampler:
    """Samples a process group's RSS and CPU every ``SAMPLE_S`` seconds in a daemon thread."""

    def __init__(self, pid: int) -> None:
        self.pgid = os.getpgid(pid)
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        last_t, (_, last_ticks) = time.monotonic(), _group_usage(self.pgid)
        while not self._stop.wait(SAMPLE_S):
            t = time.monotonic()
            rss, ticks = _group_usage(self.pgid)
            # A child that exits takes its ticks along: never a negative CPU share.
            cpu = max(0, ticks - last_ticks) / CLOCK_TICKS / (t - last_t) * 100
            self.samples.append(Sample(t, rss, cpu))
            last_t, last_ticks = t, ticks

    def between(self, t0: float, t1: float) -> list[Sample]:
        """The samples taken from ``t0`` to ``t1`` (``time.monotonic()``)."""
        return [s for s in self.samples if t0 <= s.t <= t1]

    def rss_now(self, over_s: float = 2.0) -> float:
        """Mean RSS in bytes over the last ``over_s`` seconds (waits for a sample if need be)."""
        while not self.samples:
            time.sleep(SAMPLE_S)
        now = time.monotonic()
        recent = self.between(now - over_s, now) or self.samples[-1:]
        return statistics.fmean(s.rss for s in recent)


@dataclasses.dataclass
class Level:
    """One load level: its students' report, the server's samples and the client's CPU."""

    students: int
    report: LoadReport
    samples: list[Sample]
    client_cpu: float  # % of one core used by this process (the students) during the level
    cache: float | None  # bytes held by st.cache_data, st.cache_resource and ui.memo at the end


def cache_memory(url: str) -> float | None:
    """Bytes the server's st.cache_data, st.cache_resource and memos (ui.memo) hold
    (``/_stcore/metrics``).

    ``None`` where the endpoint does not answer (a proxy may not pass it on).
    """
    try:
        with urllib.request.urlopen(
            url + "_stcore/metrics?families=cache_memory_bytes", timeout=10
        ) as response:
            text = response.read().decode()
    except OSError:
        return None
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("cache_memory_bytes{")
    )


def janitor_line(server: StreamlitServer | None) -> str | None:
    """The janitor's last report in the server's log (ui/janitor.py: resident size, heap).

    ``None`` for a server this benchmark did not start, or before the janitor's first pass.
    """
    if server is None:
        return None
    try:
        log = server.log_path.read_text(errors="replace")
    except OSError:
        return None
    marker = "memory released: "
    lines = [line.split(marker, 1)[1] for line in log.splitlines() if marker in line]
    return lines[-1].strip() if lines else None


def _mib(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value / MIB:.{digits}f}"


def run_level(url: str, students: int, args: argparse.Namespace, sampler: Sampler | None) -> Level:
    """Run ``students`` for ``args.duration`` seconds and collect what the server did meanwhile."""
    t0, cpu0 = time.monotonic(), time.process_time()
    report = run_load_sync(
        url,
        students,
        args.duration,
        interval=args.interval,
        seed=args.seed,
        ramp_s=args.ramp,
    )
    t1, cpu1 = time.monotonic(), time.process_time()
    samples = sampler.between(t0, t1) if sampler else []
    return Level(students, report, samples, (cpu1 - cpu0) / (t1 - t0) * 100, cache_memory(url))


def _ms(seconds: float) -> str:
    return "–" if seconds != seconds else f"{seconds * 1000:.0f}"  # nan -> dash


def table(levels: list[Level], sampled: bool) -> list[str]:
    """The levels as markdown table rows, header first."""
    lines = [
        "| students | reruns | p50 (ms) | p95 (ms) | max (ms) | page load p50 (ms) | errors"
        " | peak RSS (MiB) | caches (MiB) | server CPU (% of a core)"
        " | students' CPU (% of a core) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in levels:
        r = level.report
        loads = [s.load_time for s in r.students if s.load_time is not None]
        peak = f"{max(s.rss for s in level.samples) / MIB:.0f}" if level.samples else "–"
        cpu = f"{statistics.fmean(s.cpu for s in level.samples):.0f}" if level.samples else "–"
        lines.append(
            f"| {level.students} | {r.reruns} | {_ms(r.p50)} | {_ms(r.p95)}"
            f" | {_ms(max(r.latencies, default=float('nan')))}"
            f" | {_ms(statistics.median(loads) if loads else float('nan'))}"
            f" | {len(r.errors)} | {peak if sampled else '–'} | {_mib(level.cache, 1)}"
            f" | {cpu if sampled else '–'}"
            f" | {level.client_cpu:.0f} |"
        )
    return lines


def verdicts(
    levels: list[Level], target: int, idle: float | None, settled: float | None
) -> list[str]:
    """The issue's targets, one line each, with ✓ or ✗."""
    lines = []
    for level in levels:
        if level.students != target:
            continue
        p95 = level.report.p95
        ok = p95 <= P95_TARGET_S
        lines.append(
            f"{target} students: p95 {p95:.2f} s {'≤' if ok else '>'} {P95_TARGET_S} s"
            f" {'✓' if ok else '✗'}"
        )
        n = len(level.report.errors)
        lines.append(f"{target} students: {n} errors {'✓' if n == 0 else '✗'}")
    if idle is not None and settled is not None:
        change = settled / idle - 1
        ok = abs(change) <= RSS_TOLERANCE
        lines.append(
            f"RSS after settling: {settled / MIB:.0f} MiB vs {idle / MIB:.0f} MiB idle"
            f" ({change:+.1%}, within ±{RSS_TOLERANCE:.0%}) {'✓' if ok else '✗'}"
        )
    return lines


def error_summary(levels: list[Level], limit: int = 8) -> list[str]:
    """The most frequent errors of each level (student numbers left out so that they group)."""
    lines = []
    for level in levels:
        counts = collections.Counter(
            e for s in level.report.students for e in s.errors
        ).most_common(limit)
        lines.extend(f"- {level.students} students, {n}×: {e}" for e, n in counts)
    return lines


def _parse_levels(text: str) -> list[int]:
    return [int(n) for n in text.split(",") if n.strip()]


def _parse_interval(text: str) -> tuple[float, float]:
    low, high = (float(x) for x in text.split(","))
    return low, high


# --- fair share (#20): the playground beside learners who start the largest sweep ---------------

SWEEP_PAGE = "sweep"
SWEEP_QUERY = "steps=1000"  # pages/sweep.py runs at most 1,000 steps
SWEEP_CELLS = 200  # cells per axis, the grid slider's top (pages/sweep.GRID): 40,000 runs
SWEEP_TIMEOUT_S = 300.0  # a sweep waits in line behind the others' (~6 s of a core each)
FAIR_WARMUP_S = 10.0  # one student loads the playground first (its modules, its caches)
FAIR_RATIO_TARGET = 2.0  # the 30's p95 beside the sweeps, against their p95 alone


@dataclasses.dataclass
class Sweeper:
    """One learner starting the largest sweep again and again."""

    number: int
    seconds: list[float] = dataclasses.field(default_factory=list)  # each move to its map
    errors: list[str] = dataclasses.field(default_factory=list)


async def start_sweeps(base_url: str, sweeper: Sweeper) -> None:
    """Open the sweep page at 200 × 200 cells and 1,000 steps, then move the start point (a
    sweep the cache has not seen) as soon as each map is back, until cancelled."""
    rng = random.Random(f"sweeper/{sweeper.number}")
    loop = asyncio.get_running_loop()
    page = None
    try:
        page = await Page.open(f"{base_url}{SWEEP_PAGE}?{SWEEP_QUERY}", sweeper.errors)
        page.page_name = SWEEP_PAGE
        await page.rerun(SWEEP_TIMEOUT_S, first=True)
        cells = WidgetState(id=page.keys["sweep_n"])
        cells.double_array_value.data.append(SWEEP_CELLS)
        page.widgets[cells.id] = cells
        while True:
            start = WidgetState(id=page.keys["x0"], double_value=round(rng.uniform(-2, 2), 3))
            page.widgets[start.id] = start
            sent = loop.time()
            await page.rerun(SWEEP_TIMEOUT_S)
            sweeper.seconds.append(loop.time() - sent)
    except Exception as exc:  # a sweeper's failure is reported, not raised
        sweeper.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        if page is not None:
            await page.close()


async def clear_caches(url: str) -> None:
    """Empty the server's caches (``BackMsg.clear_cache``, which any client may send), then
    load the playground once, so that each phase starts from the same state: the students
    make the same moves in both, and the second must not find the first's runs cached.

    A server clears them for clients once a minute at most (``ui.wire``): one at ``--url``
    needs ``PLAYGROUND_CLEAR_EVERY=0`` in its environment, as the server this starts has."""
    errors: list[str] = []
    page = await Page.open(url, errors)
    try:
        await page.ws.send(BackMsg(clear_cache=True).SerializeToString())
        await page.rerun(60, first=True)  # after the clearing: messages are handled in order
    finally:
        await page.close()
    if errors:
        raise RuntimeError(f"clearing the caches: {errors}")


async def fair_share_phase(
    url: str, args: argparse.Namespace, sweepers: int
) -> tuple[LoadReport, list[Sweeper]]:
    """The playground's students for ``args.fair_duration`` s beside ``sweepers`` learners
    who started their sweeps ``args.sweep_lead`` s before, from empty caches."""
    await clear_caches(url)
    crowd = [Sweeper(i) for i in range(sweepers)]
    tasks = [asyncio.create_task(start_sweeps(url, s)) for s in crowd]
    try:
        if tasks:
            await asyncio.sleep(args.sweep_lead)
        report = await run_load(
            url,
            args.fair_students,
            args.fair_duration,
            interval=args.interval,
            seed=args.seed,
            ramp_s=args.ramp,
        )
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return report, crowd


def fair_share_text(
    alone: LoadReport, beside: LoadReport, crowd: list[Sweeper], args: argparse.Namespace
) -> list[str]:
    """The fair-share table and its verdict, as markdown lines."""
    n, k = args.fair_students, len(crowd)
    rows = [("nothing else", alone), (f"{k} learners starting 200 × 200 × 1,000 sweeps", beside)]
    lines = [
        f"| {n} students on the playground, beside | reruns | p50 (ms) | p95 (ms) | max (ms)"
        " | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        worst = max(r.latencies, default=float("nan"))
        lines.append(
            f"| {name} | {r.reruns} | {_ms(r.p50)} | {_ms(r.p95)} | {_ms(worst)}"
            f" | {len(r.errors)} |"
        )
    ratio = beside.p95 / alone.p95
    ok = ratio <= FAIR_RATIO_TARGET and not alone.errors and not beside.errors
    sweeps = [t for s in crowd for t in s.seconds]
    lines += [
        "",
        f"p95 beside the sweeps / alone: {ratio:.2f}× (target ≤ {FAIR_RATIO_TARGET:g}× with 0"
        f" errors) {'✓' if ok else '✗'}",
        f"The {k} finished {len(sweeps)} sweeps of 40,000 runs × 1,000 steps (from the move to"
        f" the map: median {statistics.median(sweeps) if sweeps else float('nan'):.1f} s,"
        f" longest {max(sweeps, default=float('nan')):.1f} s); their errors:"
        f" {sum(len(s.errors) for s in crowd)}",
    ]
    lines += [f"- sweeper {s.number}: {e}" for s in crowd for e in s.errors[:3]]
    lines += [f"- {e}" for e in (alone.errors + beside.errors)[:8]]
    return lines


def run_fair_share(url: str, args: argparse.Namespace, say) -> str:
    """The fair-share scenario (module doc) as markdown text."""
    load_before = os.getloadavg()
    warm = run_load_sync(url, 1, FAIR_WARMUP_S, ramp_s=0.0)
    if warm.errors:
        say(f"warm-up student: {warm.errors}")
    say(f"fair share: {args.fair_students} students alone for {args.fair_duration:g} s")
    alone, _ = asyncio.run(fair_share_phase(url, args, 0))
    say(f"  p95 {_ms(alone.p95)} ms; now beside {args.sweepers} learners starting sweeps")
    beside, crowd = asyncio.run(fair_share_phase(url, args, args.sweepers))
    say(f"  p95 {_ms(beside.p95)} ms, {sum(len(s.seconds) for s in crowd)} sweeps finished")
    load_after = os.getloadavg()
    if args.url is not None:
        jobs = "as the server at --url was started"
    else:
        jobs = str(args.heavy_jobs or f"the cores ({os.cpu_count()})")
    return "\n".join(
        [
            f"Fair share on {args.url or f'{args.app} (local server)'}: {platform.machine()},"
            f" {os.cpu_count()} CPUs; heavy jobs at once: {jobs}; each phase"
            f" {args.fair_duration:g} s, a slider move every"
            f" {args.interval[0]:g}–{args.interval[1]:g} s per student; the sweeps started"
            f" {args.sweep_lead:g} s before the students",
            "",
            *fair_share_text(alone, beside, crowd, args),
            "",
            f"Load average (1, 5, 15 min) before: {', '.join(f'{x:.1f}' for x in load_before)};"
            f" after: {', '.join(f'{x:.1f}' for x in load_after)}",
        ]
    )


# --- the classroom's levels --------------------------------------------------------------------


def run_levels(url: str, server: StreamlitServer | None, args: argparse.Namespace, say) -> str:
    """The levels scenario (module doc) as markdown text."""
    # The server's pid leads its process group, which the sampler sums over.
    pid = args.pid if args.url else server.pid
    levels: list[Level] = []
    idle = settled = idle_cache = settled_cache = first_page = None
    idle_heap = settled_heap = None
    settle_trace: list[str] = []
    with Sampler(pid) if pid else contextlib.nullcontext() as sampler:
        warm = run_load_sync(url, 1, args.warmup, ramp_s=0.0)
        if warm.errors:
            say(f"warm-up student: {warm.errors}")
        first_page = sampler.rss_now() if sampler else None
        say(f"warm-up: page loaded in {warm.students[0].load_time} s; idle {args.idle:g} s")
        time.sleep(args.idle)
        idle = sampler.rss_now() if sampler else None
        idle_cache = cache_memory(url)
        idle_heap = janitor_line(server)
        for i, n in enumerate(args.students):
            if i:
                time.sleep(args.gap)
            say(f"{n} students for {args.duration:g} s")
            levels.append(run_level(url, n, args, sampler))
            r = levels[-1].report
            say(
                f"  reruns {r.reruns}, p50 {_ms(r.p50)} ms, p95 {_ms(r.p95)} ms, "
                f"errors {len(r.errors)}"
            )
        if sampler is not None and args.settle > 0:
            say(f"settling {args.settle:g} s without students")
            t0 = time.monotonic()
            for mark in range(30, int(args.settle) + 30, 30):
                time.sleep(max(0.0, t0 + min(mark, args.settle) - time.monotonic()))
                rss = sampler.rss_now()
                settle_trace.append(f"{min(mark, args.settle):.0f} s: {rss / MIB:.0f} MiB")
            settled = sampler.rss_now()
            settled_cache = cache_memory(url)
            settled_heap = janitor_line(server)

    lines = [
        f"Load on {args.url or f'{args.app} (local server)'}: {platform.machine()},"
        f" {os.cpu_count()} CPUs, Streamlit {streamlit.__version__}; each level"
        f" {args.duration:g} s, a slider move every {args.interval[0]:g}–{args.interval[1]:g} s"
        " per student",
        "",
        *table(levels, pid is not None),
        "",
    ]
    if idle is not None:
        lines.append(
            f"Right after the warm-up student ({args.warmup:g} s of slider moves): RSS"
            f" {_mib(first_page)} MiB. Idle ({args.idle:g} s later, the janitor's pass"
            f" included): RSS {_mib(idle)} MiB, st.cache {_mib(idle_cache, 1)} MiB"
        )
    if settle_trace:
        lines.append("RSS while settling: " + ", ".join(settle_trace))
        lines.append(f"st.cache after settling: {_mib(settled_cache, 1)} MiB")
    if idle_heap or settled_heap:
        # Live allocations against what the process holds: the difference is free space
        # that the heap cannot hand back (pages that still hold a live allocation).
        lines.append(f"Janitor's report at idle: {idle_heap or '–'}")
        lines.append(f"Janitor's report after settling: {settled_heap or '–'}")
    lines += ["", *verdicts(levels, args.target, idle, settled)]
    if errors := error_summary(levels):
        lines += ["", "Errors:", *errors]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scenario", choices=("all", "levels", "fair-share"), default="all", help="what to run"
    )
    parser.add_argument("--students", type=_parse_levels, default=[1, 10, 30, 60])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per level")
    parser.add_argument("--settle", type=float, default=180.0, help="seconds without students")
    parser.add_argument(
        "--warmup", type=float, default=20.0, help="seconds one student moves sliders first"
    )
    # The idle level is the warmed-up server at rest: past ui/janitor.py's IDLE_S (150 s),
    # as it will be again a few minutes after a class.
    parser.add_argument("--idle", type=float, default=180.0, help="idle seconds after warm-up")
    parser.add_argument("--gap", type=float, default=5.0, help="seconds between levels")
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds to start all students")
    parser.add_argument("--interval", type=_parse_interval, default=(2.0, 4.0), help="lo,hi s")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", type=int, default=30, help="the level the targets are for")
    parser.add_argument("--fair-students", type=int, default=30, help="on the playground")
    parser.add_argument("--sweepers", type=int, default=5, help="learners starting sweeps")
    parser.add_argument("--fair-duration", type=float, default=60.0, help="seconds per phase")
    parser.add_argument(
        "--sweep-lead", type=float, default=10.0, help="seconds the sweeps start first"
    )
    parser.add_argument("--heavy-jobs", type=int, help="the pool's jobs at once (server env)")
    parser.add_argument("--app", type=Path, default=ROOT / "app.py", help="the script to serve")
    parser.add_argument("--url", help="an already-running server or proxy instead of --app")
    parser.add_argument("--pid", type=int, help="with --url: the server process to sample")
    parser.add_argument("--out", type=Path, default=OUT_DIR / "load.md")
    parser.add_argument("--fair-out", type=Path, default=OUT_DIR / "fair_share.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def say(text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    if args.heavy_jobs:
        os.environ[CAPACITY_ENV] = str(args.heavy_jobs)  # the server inherits it
    # Each fair-share phase starts from empty caches (clear_caches), however short the phases:
    # the server this starts clears them whenever asked, not once a minute (ui.wire).
    os.environ[CLEAR_EVERY_ENV] = "0"
    server = None
    if args.url is None:
        app = args.app.resolve()
        server = StreamlitServer(app, cwd=app.parent)
        server.start()
        say(f"server {server.url} (log {server.log_path})")
    url = args.url or server.url
    started = time.monotonic()
    outputs = []
    try:
        if args.scenario in ("all", "levels"):
            outputs.append((args.out, run_levels(url, server, args, say)))
        if args.scenario in ("all", "fair-share"):
            outputs.append((args.fair_out, run_fair_share(url, args, say)))
    finally:
        if server is not None:
            server.stop()
    for path, text in outputs:
        print(text, end="\n\n")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
    print(f"({time.monotonic() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
