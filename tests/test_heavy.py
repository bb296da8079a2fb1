"""The heavy-work pool (ui/heavy.py): its line driven by hand, its threads by events.

No test sleeps or times anything: threads are synchronised by ``threading.Event``, whose
timeouts only keep a broken pool from hanging the suite.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pytest
import streamlit as st
from figure_checks import charts, element_figure
from streamlit.testing.v1 import AppTest

from ui import heavy, waiting

GUARD_S = 30  # a deadlock guard, never a measurement
APP = Path(__file__).resolve().parent.parent / "app.py"


def nothing() -> None:
    return None


def line(capacity: int, *sessions: str) -> tuple[heavy.HeavyQueue, list[heavy.Job]]:
    """A queue with one job per session in ``sessions``, keyed by its session, none taken."""
    queue = heavy.HeavyQueue(capacity)
    return queue, [queue.submit(s, ("key", s), nothing, "job") for s in sessions]


# --- the line as plain data ------------------------------------------------------------------


def test_capacity_is_never_exceeded():
    queue, jobs = line(2, "a", "b", "c")
    assert queue.take() is jobs[0]
    assert queue.take() is jobs[1]
    assert queue.take() is None  # two running: the third waits
    assert jobs[2].state == heavy.WAITING
    queue.finish(jobs[0], value=1)
    assert queue.take() is jobs[2]
    assert [j.state for j in jobs] == [heavy.DONE, heavy.RUNNING, heavy.RUNNING]


def test_first_come_first_served_across_sessions():
    queue, jobs = line(1, "a", "b", "c", "d")
    order = []
    while (job := queue.take()) is not None:
        order.append(job)
        queue.finish(job)
    assert order == jobs


def test_one_job_per_session_runs_at_once():
    queue = heavy.HeavyQueue(3)
    first = queue.submit("a", 1, nothing, "sweep")
    assert queue.take() is first
    second = queue.submit("a", 2, nothing, "sweep")
    other = queue.submit("b", 3, nothing, "sweep")
    # A slot is free, but "a" has a job running: "b", who came later, goes first.
    assert queue.take() is other
    assert queue.take() is None
    assert queue.place(second) == heavy.Place(heavy.WAITING, 0, 2, 3, own_running=True)
    queue.finish(first)
    assert queue.take() is second


def test_a_newer_request_replaces_the_waiting_one_in_its_place():
    queue, (a, b, c) = line(1, "a", "b", "c")
    assert queue.take() is a
    queue.submit("b", "b moved a slider", nothing, "sweep")
    newer = queue.waiting[0]
    assert b.state == heavy.WITHDRAWN and b.finished.is_set()  # its waiter is woken
    assert newer.key == "b moved a slider"
    assert queue.waiting == [newer, c]  # b's turn is still b's
    assert queue.place(newer).ahead == 0


def test_places_in_line():
    queue, jobs = line(2, "a", "b", "c", "d", "e")
    queue.take(), queue.take()
    places = [queue.place(j) for j in jobs]
    assert [(p.state, p.ahead, p.running) for p in places] == [
        (heavy.RUNNING, 0, 2),
        (heavy.RUNNING, 0, 2),
        (heavy.WAITING, 0, 2),
        (heavy.WAITING, 1, 2),
        (heavy.WAITING, 2, 2),
    ]
    queue.finish(jobs[0])
    assert queue.place(jobs[4]) == heavy.Place(heavy.WAITING, 2, 1, 2)
    assert queue.take() is jobs[2]
    assert queue.place(jobs[4]) == heavy.Place(heavy.WAITING, 1, 2, 2)
    assert queue.withdraw(jobs[3])
    assert queue.place(jobs[4]).ahead == 0
    assert not queue.withdraw(jobs[1])  # running: it finishes


def test_the_same_key_waits_for_its_running_twin():
    queue = heavy.HeavyQueue(2)
    first = queue.submit("a", "sweep 200", nothing, "sweep")
    assert queue.take() is first
    twin = queue.submit("b", "sweep 200", nothing, "sweep")
    assert queue.running_job("sweep 200") is first
    assert queue.take() is None  # it would only wait on the cache's lock, holding a slot
    queue.finish(first)
    assert queue.take() is twin


def test_capacity_from_the_environment():
    assert heavy.capacity_from_env({heavy.CAPACITY_ENV: "3"}) == 3
    cores = os.cpu_count() or 1
    for text in ("", "0", "-2", "two", "1.5"):
        assert heavy.capacity_from_env({heavy.CAPACITY_ENV: text}) == cores
    with pytest.raises(ValueError):
        heavy.HeavyQueue(0)


# --- the pool's threads, synchronised by events ------------------------------------------------


class Gate:
    """Work that says when it started and returns ``value`` once let through."""

    def __init__(self, value: object = None) -> None:
        self.value = value
        self.started = threading.Event()
        self.go = threading.Event()

    def __call__(self) -> object:
        self.started.set()
        assert self.go.wait(GUARD_S)
        return self.value


class CountingPool(heavy.HeavyPool):
    """A pool that remembers the key of every job put in line."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self.submitted: list[object] = []

    def submit(self, session, key, work, label):
        self.submitted.append(key)
        return super().submit(session, key, work, label)


def test_the_pool_runs_at_most_capacity_jobs_at_once():
    pool = heavy.HeavyPool(2)
    gates = [Gate(i) for i in range(3)]
    jobs = [pool.submit(f"s{i}", i, gate, "sweep") for i, gate in enumerate(gates)]
    assert gates[0].started.wait(GUARD_S) and gates[1].started.wait(GUARD_S)
    assert pool.place(jobs[2]) == heavy.Place(heavy.WAITING, 0, 2, 2)
    assert not gates[2].started.is_set()
    gates[0].go.set()
    assert gates[2].started.wait(GUARD_S)  # the freed slot goes to the next in line
    for gate in gates[1:]:
        gate.go.set()
    for i, job in enumerate(jobs):
        assert job.finished.wait(GUARD_S) and job.result() == i


def test_an_error_reaches_only_its_session():
    pool = heavy.HeavyPool(1)
    threads: dict[str, int] = {}

    @heavy.pooled
    def work(session: str) -> int:
        threads[session] = threading.get_ident()
        if session == "a":
            raise ZeroDivisionError("in a job")
        return 42

    with pytest.raises(ZeroDivisionError, match="in a job"):
        pool.compute("a", "bad", lambda: work("a"), "sweep")
    # The worker survived, and the next session gets its own value.
    assert pool.compute("b", "good", lambda: work("b"), "sweep") == 42
    assert threading.get_ident() not in threads.values()  # both ran in the pool


@pytest.mark.skipif(sys.platform != "linux", reason="niceness is per thread on Linux only")
def test_workers_run_at_lower_priority():
    pool = heavy.HeavyPool(1)
    niceness = heavy.pooled(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
    nice = pool.compute("a", "nice", niceness, "x")
    assert nice >= heavy.NICE  # a script thread's race takes the core first
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < heavy.NICE


class Memo:
    """A stand-in for ``st.cache_data``: remembers values by argument."""

    def __init__(self, function) -> None:
        self.function = function
        self.values: dict[object, object] = {}

    def __call__(self, arg: object) -> object:
        if arg not in self.values:
            self.values[arg] = self.function(arg)
        return self.values[arg]


def test_a_cached_value_does_not_queue():
    calls = []

    @st.cache_data(max_entries=4, show_spinner=False)
    @heavy.pooled
    def square(x: int) -> int:
        calls.append(x)
        return x * x

    square.clear()
    pool = CountingPool(1)
    assert pool.compute("a", ("square", 7), lambda: square(7), "square") == 49
    assert pool.submitted == [("square", 7)]
    assert pool.compute("b", ("square", 7), lambda: square(7), "square") == 49
    assert pool.submitted == [("square", 7)]  # the repeat came from the cache
    assert calls == [7]


def test_peeking_at_a_missing_value_raises_and_stores_nothing():
    memo = Memo(heavy.pooled(lambda x: x + 1))
    with heavy.peeking(), pytest.raises(heavy.NotCached):
        memo(1)
    assert memo.values == {}
    assert memo(1) == 2  # outside peeking it computes


def test_a_twin_request_waits_for_the_running_job_instead_of_repeating_it():
    gate = Gate()
    memo = Memo(heavy.pooled(lambda key: gate()))
    pool = CountingPool(2)
    results: dict[str, object] = {}
    followed = threading.Event()
    seen: list[heavy.Job] = []

    def ask(session: str, wait=lambda job: job.finished.wait()) -> None:
        results[session] = pool.compute(session, "big", lambda: memo("big"), "sweep", wait)

    def follow(job: heavy.Job) -> None:
        seen.append(job)
        followed.set()
        job.finished.wait()

    first = threading.Thread(target=ask, args=("a",))
    first.start()
    assert gate.started.wait(GUARD_S)
    second = threading.Thread(target=ask, args=("b", follow))
    second.start()
    assert followed.wait(GUARD_S)
    assert seen[0].session == "a" and seen[0].state == heavy.RUNNING
    gate.go.set()
    first.join(GUARD_S), second.join(GUARD_S)
    assert pool.submitted == ["big"]  # computed once
    assert results == {"a": None, "b": None}


def test_a_page_that_stops_waiting_gives_up_its_place_unless_it_reruns():
    class Rerun(Exception):
        pass

    blocker = Gate()
    pool = heavy.HeavyPool(1)
    running = pool.submit("x", "first", blocker, "sweep")
    assert blocker.started.wait(GUARD_S)
    memo = Memo(heavy.pooled(lambda key: key))
    jobs: list[heavy.Job] = []

    def leave(error: type[Exception]):
        def wait(job: heavy.Job) -> None:
            jobs.append(job)
            raise error

        return wait

    with pytest.raises(KeyError):  # a closed page: its job leaves the line
        pool.compute("a", "k1", lambda: memo("k1"), "sweep", leave(KeyError), (Rerun,))
    with pytest.raises(Rerun):  # a rerun: its next request takes the job's place
        pool.compute("b", "k2", lambda: memo("k2"), "sweep", leave(Rerun), (Rerun,))
    assert [j.state for j in jobs] == [heavy.WITHDRAWN, heavy.WAITING]
    blocker.go.set()
    assert running.finished.wait(GUARD_S) and jobs[1].finished.wait(GUARD_S)


# --- what the page says, and the sweep page through the pool -------------------------------------


def test_the_place_in_line_as_the_learner_reads_it():
    place = heavy.Place(heavy.WAITING, ahead=2, running=2, capacity=2)
    text = waiting.describe("Sweep", place, 3.0)
    assert "3rd in line — 2 running, 2 at a time" in text
    assert waiting.describe("Sweep", heavy.Place(heavy.RUNNING, 0, 1, 2), 4.2) == (
        "Sweep: running… 4 s"
    )
    own = heavy.Place(heavy.WAITING, 0, 1, 2, own_running=True)
    assert "your previous request" in waiting.describe("Sweep", own, 0.0)
    assert [waiting.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"
    ]  # fmt: skip


def open_page(page: str, session: dict) -> AppTest:
    """A new session of the app, switched to ``page`` with ``session``'s values set."""
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    for key, value in session.items():
        at.session_state[key] = value
    at.switch_page(page)
    return at.run()


def has_sweep_map(at: AppTest) -> bool:
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    specs += [element_figure(c) for c in charts(at)]
    return any(t.get("meta") == "sweep" for s in specs for t in s.get("data", []))


@pytest.fixture
def submitted(monkeypatch) -> list[tuple]:
    """The keys of the jobs the app's pool is given during the test."""
    keys: list[tuple] = []
    submit = waiting.POOL.submit

    def counting(session, key, work, label):
        keys.append(key)
        return submit(session, key, work, label)

    monkeypatch.setattr(waiting.POOL, "submit", counting)
    return keys


def test_the_sweep_page_computes_its_map_in_the_pool(submitted):
    from ui import cache

    cache.sweep.clear()
    at = open_page("pages/sweep.py", {"sweep_n": 20})
    assert not at.exception, [e.value for e in at.exception]
    assert [key[0] for key in submitted] == ["sweep"]
    assert has_sweep_map(at)
    # Another session, the same scene: from the cache, not the line.
    again = open_page("pages/sweep.py", {"sweep_n": 20})
    assert not again.exception and has_sweep_map(again)
    assert len(submitted) == 1


def test_the_train_page_trains_in_the_pool(submitted):
    # A seed no other test trains with: nothing of it is cached yet.
    at = open_page("pages/train.py", {"train_seed": 424242, "train_epochs": 5})
    assert not at.exception, [e.value for e in at.exception]
    assert [key[0] for key in submitted] == ["train", "plane"]
    assert at.dataframe, "no results table"


def test_a_waiting_sweep_page_shows_its_place_in_line(monkeypatch):
    from ui import cache

    cache.sweep.clear()
    gates = [Gate() for _ in range(waiting.POOL.capacity)]
    for i, gate in enumerate(gates):  # other learners' jobs fill every slot
        waiting.POOL.submit(f"other {i}", ("gate", i), gate, "sweep")
    for gate in gates:
        assert gate.started.wait(GUARD_S)
    shown: list[str] = []
    in_line = threading.Event()
    describe = waiting.describe

    def watched(label, place, seconds):
        text = describe(label, place, seconds)
        shown.append(text)
        if place.state == heavy.WAITING:
            in_line.set()
        return text

    monkeypatch.setattr(waiting, "describe", watched)
    pages: list[AppTest] = []
    learner = threading.Thread(
        target=lambda: pages.append(open_page("pages/sweep.py", {"sweep_n": 20}))
    )
    learner.start()
    try:
        assert in_line.wait(GUARD_S)
    finally:
        for gate in gates:
            gate.go.set()
    learner.join(GUARD_S)
    capacity = waiting.POOL.capacity
    assert f"1st in line — {capacity} running, {capacity} at a time" in shown[0]
    assert not pages[0].exception, [e.value for e in pages[0].exception]
    assert has_sweep_map(pages[0])
    assert not pages[0].get("status")  # the box goes once the map is there
