"""A classroom on one server: rerun latency, errors, memory and CPU for 1 to 60 students.

Usage: python bench/bench_load.py [--students 1,10,30,60] [--duration 60] [--settle 180]
       python bench/bench_load.py --url http://127.0.0.1:8080/ [--pid <server pid>]
       python bench/bench_load.py --app /tmp/snapshot/app.py   # a frozen copy of the app

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

Prints a markdown table, writes it to bench/out/load.md, and states the issue's targets
(p95 rerun ≤ 1.5 s and no errors at ``--target`` students, RSS back within 10 % of idle)
as text; it asserts nothing.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import os
import platform
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

import streamlit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from e2e_support import OUT_DIR, StreamlitServer  # noqa: E402 - the helpers live beside the tests
from loadgen import LoadReport, run_load_sync  # noqa: E402

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
    cache: float | None  # bytes held by st.cache_data / st.cache_resource at the level's end


def cache_memory(url: str) -> float | None:
    """Bytes the server's st.cache_data and st.cache_resource hold (``/_stcore/metrics``).

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
        " | peak RSS (MiB) | st.cache (MiB) | server CPU (% of a core)"
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
    parser.add_argument("--app", type=Path, default=ROOT / "app.py", help="the script to serve")
    parser.add_argument("--url", help="an already-running server or proxy instead of --app")
    parser.add_argument("--pid", type=int, help="with --url: the server process to sample")
    parser.add_argument("--out", type=Path, default=OUT_DIR / "load.md")
    args = parser.parse_args(argv)

    def say(text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    server = None
    if args.url is None:
        app = args.app.resolve()
        server = StreamlitServer(app, cwd=app.parent)
        server.start()
        say(f"server {server.url} (log {server.log_path})")
    url = args.url or server.url
    # The server's pid leads its process group, which the sampler sums over.
    pid = args.pid if args.url else server.pid
    started = time.monotonic()
    levels: list[Level] = []
    idle = settled = idle_cache = settled_cache = first_page = None
    idle_heap = settled_heap = None
    settle_trace: list[str] = []
    try:
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
    finally:
        if server is not None:
            server.stop()

    sampled = pid is not None
    lines = [
        f"Load on {args.url or f'{args.app} (local server)'}: {platform.machine()},"
        f" {os.cpu_count()} CPUs, Streamlit {streamlit.__version__}; each level"
        f" {args.duration:g} s, a slider move every {args.interval[0]:g}–{args.interval[1]:g} s"
        " per student",
        "",
        *table(levels, sampled),
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
    text = "\n".join(lines)
    print(text)
    print(f"\n({time.monotonic() - started:.0f} s in all)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
