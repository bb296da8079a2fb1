"""A large class: 200 students through nginx to two replicas, beside one replica alone with 100.

Usage: python bench/bench_scale.py [--students 200] [--alone 100] [--duration 45] [--ramp 30]
       python bench/bench_scale.py --app /tmp/snapshot/app.py   # a frozen copy of the app

Starts two app replicas behind Debian's nginx (``deploy/serve_replicas.py``), warms them
up (20 busy students for 15 s), then runs ``--students`` simulated students
(``bench/loadgen.py``: each loads the playground and moves a hyperparameter slider every
2–4 s) through nginx, each for ``--duration`` seconds. Then, in the same run, ``--alone``
students go straight to the first replica, bypassing nginx, while the second idles: what
one process holds by itself. Every rerun is timed from the message that asks for it to its
``script_finished``.

The ``--students`` start over ``--ramp`` seconds, the ``--alone`` ones at the same rate per
replica: a page load is a full run of the page, dearer than a slider's rerun. A fresh
replica is slower still: it imports and builds what each control needs on first use
(measured cold, the first level's p95 was 2.4 s where warm it is 0.14 s), hence the
warm-up. A server reads page files afresh on every run: to measure while the app is being
edited, point ``--app`` at a copy (``git archive HEAD | tar -x -C /tmp/snapshot``).

A thread reads each replica's resident size (``VmRSS``) every second; the table gives its
peak during the level, and each replica's CPU (% of one core) and the replicas' CPU time
per rerun (page loads included), which says what the class would cost a quiet machine.
The students run in this process and share the machine's cores with the replicas: the
last column is their share of one core. Prints a markdown table, writes it to
``bench/out/scale.md`` and states the target (p95 ≤ 1 s, 0 errors with 200 students on two
replicas) as text; it asserts nothing. Takes about 3 minutes.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import LoadReport, run_load_sync  # noqa: E402 - needs ROOT on the path
from deploy import serve_replicas  # noqa: E402
from deploy.serve_replicas import Deployment, Replica  # noqa: E402

OUT = ROOT / "bench" / "out" / "scale.md"
P95_TARGET_S = 1.0
SAMPLE_S = 1.0
MIB = 1024 * 1024
STREAM = "/_stcore/stream"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
WARMUP_STUDENTS, WARMUP_S = 20, 15  # busy students before the levels, through nginx


def rss(pid: int) -> int:
    """Resident bytes of process ``pid`` (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) process ``pid`` has used, in seconds (0 once it has gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # the name may hold spaces
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class Usage:
    """Each replica's peak resident size, and its CPU in % of one core, over the block."""

    def __init__(self, replicas: Sequence[Replica]) -> None:
        self.pids = [r.pid for r in replicas]
        self.peaks = [rss(pid) for pid in self.pids]
        self.cpu: list[float] = []
        self.cpu_s = 0.0  # CPU seconds of all replicas together
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Usage:
        self._start = time.monotonic(), [cpu_seconds(pid) for pid in self.pids]
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        started, used = self._start
        wall = time.monotonic() - started
        spent = [cpu_seconds(pid) - u for pid, u in zip(self.pids, used, strict=True)]
        self.cpu, self.cpu_s = [s / wall * 100 for s in spent], sum(spent)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_S):
            self.peaks = [max(p, rss(pid)) for p, pid in zip(self.peaks, self.pids, strict=True)]


@dataclasses.dataclass
class Level:
    """One load level: who went where, what they saw, what the replicas held."""

    name: str
    report: LoadReport
    peaks: list[int]  # bytes, per replica
    cpu: list[float]  # % of one core, per replica
    cpu_s: float  # CPU seconds of the replicas together
    sessions: dict[str, int]  # websockets per replica (from nginx's log), if through nginx
    client_cpu: float  # % of one core used by this process (the students)


def run_level(
    name: str, url: str, students: int, ramp: float, deployment: Deployment, duration: float
) -> Level:
    """``students`` at ``url``, starting over ``ramp`` seconds, each for ``duration``."""
    log_start = len(deployment.access_log())
    cpu_start, wall_start = time.process_time(), time.monotonic()
    with Usage(deployment.replicas) as usage:
        report = run_load_sync(url, students, duration, ramp_s=ramp, seed=students)
    client_cpu = (time.process_time() - cpu_start) / (time.monotonic() - wall_start) * 100
    streams = [e for e in deployment.access_log()[log_start:] if e.path == STREAM]
    sessions = collections.Counter(e.upstream.split(", ")[-1] for e in streams)
    return Level(name, report, usage.peaks, usage.cpu, usage.cpu_s, dict(sessions), client_cpu)


def table(levels: list[Level], deployment: Deployment) -> str:
    ports = [r.port for r in deployment.replicas]
    rows = [
        "| setup | students | reruns | p50 (s) | p95 (s) | max (s) | errors | sessions per "
        "replica | peak RSS per replica (MiB) | CPU per replica | server CPU per rerun | "
        "students' CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|---|---:|---:|",
    ]
    for level in levels:
        r = level.report
        worst = max(r.latencies, default=float("nan"))
        sessions = " / ".join(str(level.sessions.get(f"127.0.0.1:{p}", 0)) for p in ports)
        sessions = sessions if level.sessions else "-"  # straight to a replica, not via nginx
        peaks = " / ".join(f"{b / MIB:.0f}" for b in level.peaks)
        cpu = " / ".join(f"{c:.0f} %" for c in level.cpu)
        rows.append(
            f"| {level.name} | {len(r.students)} | {r.reruns} | {r.p50:.3f} | {r.p95:.3f} | "
            f"{worst:.3f} | {len(r.errors)} | {sessions} | {peaks} | {cpu} | "
            f"{level.cpu_s / max(r.reruns, 1) * 1000:.0f} ms | {level.client_cpu:.0f} % |"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200, help="through nginx (200)")
    parser.add_argument("--alone", type=int, default=100, help="on one replica alone (100)")
    parser.add_argument("--duration", type=float, default=45.0, help="seconds per level (45)")
    parser.add_argument(
        "--ramp", type=float, default=30.0, help="seconds to start --students in (30)"
    )
    parser.add_argument("--app", type=Path, default=ROOT / "app.py", help="the app to serve")
    args = parser.parse_args(argv)
    # The same arrivals per replica and second alone as through nginx to two replicas.
    alone_ramp = args.ramp * args.alone / args.students * 2

    load_before = os.getloadavg()[0]
    with serve_replicas.serve(2, app=args.app.resolve()) as deployment:
        # A fresh replica is slow at first (the module docstring): warm both up.
        run_load_sync(deployment.url, WARMUP_STUDENTS, WARMUP_S, ramp_s=3, interval=(0.5, 1.0))
        levels = [
            run_level(
                "2 replicas behind nginx",
                deployment.url,
                args.students,
                args.ramp,
                deployment,
                args.duration,
            ),
            run_level(
                "1 replica alone",
                deployment.replicas[0].url,
                args.alone,
                alone_ramp,
                deployment,
                args.duration,
            ),
        ]
        text = table(levels, deployment)
    through = levels[0].report
    verdict = "met" if through.p95 <= P95_TARGET_S and not through.errors else "NOT met"
    text += (
        f"\n\nTarget: p95 ≤ {P95_TARGET_S:g} s and 0 errors with {args.students} students on two "
        f"replicas: {verdict} (p95 {through.p95:.3f} s, {len(through.errors)} errors). "
        f"Each student stays {args.duration:g} s; the {args.students} start over {args.ramp:g} s, "
        f"the {args.alone} alone over {alone_ramp:g} s (as many per replica and second); each "
        "moves a slider every 2–4 s. The machine's load average (1 min) was "
        f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores"
        + (": other work shared them." if load_before >= (os.cpu_count() or 1) else ".")
    )
    for level in levels:
        for error in level.report.errors[:5]:
            text += f"\n- {level.name}: {error}"
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
