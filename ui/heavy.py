"""A bounded pool for heavy work: as many jobs at once as there are cores, one per session.

Heavy work is what one move can start and what takes seconds of a core: a sweep map (up to
200 × 200 runs × 1,000 steps, ~6 s), tuning η for each optimizer, the robustness grid,
training. Run in the session's own script thread, as every rerun is, five students starting
sweeps would take the cores from thirty moving η on the playground. Here such work waits in
one line, first come first served, and at most ``capacity`` jobs run at once, each in a worker
thread of lowered priority (``nice``): a slider move's race, which runs in its script thread
and never enters the line, takes a core before a sweep does. NumPy releases the GIL in its
loops, so the workers run in parallel with each other and with the script threads.

Each session has at most one job in line and one running. A newer request from a session
replaces its waiting one in place (the learner asked for something else; their turn stays
theirs); a running job finishes, and its value lands in the cache for whoever asks next.

Values go through the app's ``st.cache_data`` functions (``ui/cache.py``), so a repeat costs
nothing and never queues: a heavy cached function is marked :func:`pooled`, and
:meth:`HeavyPool.compute` first calls the work in the script thread under :func:`peeking`,
where a pooled function that would have to compute raises :class:`NotCached` instead.

Three layers, none of them importing streamlit: :class:`HeavyQueue`, the line as plain data
(no thread, no clock: the tests drive it by hand); :class:`HeavyPool`, the queue served by
worker threads; :func:`pooled` and :func:`peeking`. ``ui/waiting.py`` shows a job's place.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import sys
import threading
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

CAPACITY_ENV = "PLAYGROUND_HEAVY_JOBS"  # jobs at once; unset: os.cpu_count()
NICE = 10  # workers' niceness: a script thread (nice 0) gets ~10× their share of a busy core

WAITING, RUNNING, DONE, WITHDRAWN = "waiting", "running", "done", "withdrawn"


def capacity_from_env(environ: dict[str, str] | None = None) -> int:
    """Jobs at once: ``$PLAYGROUND_HEAVY_JOBS`` if it is a whole number ≥ 1, else the cores."""
    text = (os.environ if environ is None else environ).get(CAPACITY_ENV, "")
    if text.strip().isdigit() and int(text) >= 1:
        return int(text)
    return os.cpu_count() or 1


@dataclasses.dataclass(eq=False)
class Job:
    """One request for heavy work: ``work()`` run for ``session``, named by ``key``.

    ``finished`` is set once the job is done (``value`` or ``error`` holds what ``work``
    gave) or withdrawn (replaced by a newer request of its session, or given up).
    """

    session: str
    key: Hashable
    work: Callable[[], Any]
    label: str
    state: str = WAITING
    value: Any = None
    error: BaseException | None = None
    finished: threading.Event = dataclasses.field(default_factory=threading.Event, repr=False)

    def result(self) -> Any:
        """``work()``'s value, or its exception raised again (in the asking session only)."""
        if self.error is not None:
            raise self.error
        return self.value


@dataclasses.dataclass(frozen=True)
class Place:
    """Where a job stands, as the learner is told.

    Attributes:
      state: WAITING, RUNNING, DONE or WITHDRAWN.
      ahead: waiting jobs before this one (0 when it is next, running or over).
      running: jobs running now, at most ``capacity``.
      capacity: jobs at once.
      own_running: the job's session has a job running, which finishes first.
    """

    state: str
    ahead: int
    running: int
    capacity: int
    own_running: bool = False


class HeavyQueue:
    """The line of heavy jobs, as plain data: submit, take, finish, withdraw, place.

    Not thread-safe: :class:`HeavyPool` holds a lock around every call.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.capacity = capacity
        self.waiting: list[Job] = []  # first come first
        self.running: list[Job] = []

    def submit(self, session: str, key: Hashable, work: Callable[[], Any], label: str) -> Job:
        """A new waiting job; it takes the place of ``session``'s waiting job, if any."""
        job = Job(session, key, work, label)
        for i, old in enumerate(self.waiting):
            if old.session == session:
                self.waiting[i] = job
                _close(old, WITHDRAWN)
                return job
        self.waiting.append(job)
        return job

    def take(self) -> Job | None:
        """The next job to run, now marked running; ``None`` while all slots are busy or no
        job may start.

        A job waits while its session has one running (one per session) and while the same
        key runs for another session (its value will be in the cache when that one ends).
        """
        if len(self.running) >= self.capacity:
            return None
        busy = {job.session for job in self.running}
        keys = [job.key for job in self.running]
        for i, job in enumerate(self.waiting):
            if job.session not in busy and job.key not in keys:
                del self.waiting[i]
                job.state = RUNNING
                self.running.append(job)
                return job
        return None

    def finish(self, job: Job, value: Any = None, error: BaseException | None = None) -> None:
        """Record that running ``job`` ended with ``value`` or ``error``."""
        self.running.remove(job)
        job.value, job.error = value, error
        _close(job, DONE)

    def withdraw(self, job: Job) -> bool:
        """Take waiting ``job`` out of the line; ``False`` if it was not waiting."""
        if job not in self.waiting:
            return False
        self.waiting.remove(job)
        _close(job, WITHDRAWN)
        return True

    def running_job(self, key: Hashable) -> Job | None:
        """The running job named ``key``, if one is."""
        return next((job for job in self.running if job.key == key), None)

    def place(self, job: Job) -> Place:
        """Where ``job`` stands now."""
        ahead = self.waiting.index(job) if job in self.waiting else 0
        own = any(other.session == job.session for other in self.running if other is not job)
        return Place(job.state, ahead, len(self.running), self.capacity, own)


def _close(job: Job, state: str) -> None:
    job.state = state
    job.finished.set()


# --- peeking at the cache ----------------------------------------------------------------------


class NotCached(Exception):
    """Raised by a :func:`pooled` function asked, under :func:`peeking`, for a value the
    cache does not hold. ``st.cache_data`` stores no exception, so the next call computes."""


_LOCAL = threading.local()


@contextlib.contextmanager
def peeking() -> Iterator[None]:
    """In this thread, pooled functions raise :class:`NotCached` instead of computing."""
    before = getattr(_LOCAL, "peeking", False)
    _LOCAL.peeking = True
    try:
        yield
    finally:
        _LOCAL.peeking = before


def pooled(function: Callable[..., T]) -> Callable[..., T]:
    """Mark a heavy function, to be wrapped by ``st.cache_data`` (the decorator above this
    one): under :func:`peeking` a call that reaches it, a cache miss, raises ``NotCached``."""

    @functools.wraps(function)
    def compute(*args: Any, **kwargs: Any) -> T:
        if getattr(_LOCAL, "peeking", False):
            raise NotCached(function.__qualname__)
        return function(*args, **kwargs)

    return compute


# --- the pool ------------------------------------------------------------------------------------


def lower_priority(nice: int = NICE) -> None:
    """Lower the calling thread's CPU priority (Linux, where niceness is per thread)."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)


class HeavyPool:
    """A :class:`HeavyQueue` served by ``capacity`` worker threads, started on first use."""

    def __init__(self, capacity: int, *, nice: int = NICE) -> None:
        self._queue = HeavyQueue(capacity)
        self._nice = nice
        self._changed = threading.Condition()
        self._workers: list[threading.Thread] = []

    @property
    def capacity(self) -> int:
        return self._queue.capacity

    def submit(self, session: str, key: Hashable, work: Callable[[], Any], label: str) -> Job:
        """Put ``work`` in line for ``session`` (replacing its waiting job, if any)."""
        with self._changed:
            job = self._queue.submit(session, key, work, label)
            while len(self._workers) < self._queue.capacity:
                self._start_worker()
            self._changed.notify_all()
        return job

    def place(self, job: Job) -> Place:
        """Where ``job`` stands now."""
        with self._changed:
            return self._queue.place(job)

    def withdraw(self, job: Job) -> bool:
        """Take waiting ``job`` out of the line (its session no longer waits for it)."""
        with self._changed:
            return self._queue.withdraw(job)

    def compute(
        self,
        session: str,
        key: Hashable,
        work: Callable[[], T],
        label: str,
        wait: Callable[[Job], None] = lambda job: job.finished.wait(),
        keep_place_on: tuple[type[BaseException], ...] = (),
    ) -> T:
        """``work()``'s value for ``session``: at once if the cache holds it, else through
        the line.

        ``key`` names the value (equal keys, equal values). While a job for it is not
        finished, ``wait(job)`` is called (the page shows the place in line and returns once
        ``job.finished`` is set). A running job of another session with the same key is
        waited for rather than repeated. If ``wait`` raises, the session's waiting job is
        withdrawn, unless the exception is one of ``keep_place_on`` (a rerun, whose request
        will take the job's place). An error of the work is raised here, in its session only.
        """
        while True:
            with self._changed:
                job = self._queue.running_job(key)
            own = job is None
            if own:
                try:
                    with peeking():
                        return work()
                except NotCached:
                    job = self.submit(session, key, work, label)
            if not job.finished.is_set():
                try:
                    wait(job)
                except keep_place_on:
                    raise
                except BaseException:
                    if own:
                        self.withdraw(job)
                    raise
            if own and job.state == DONE:
                return job.result()
            # Another session's job ended (its value is cached now) or ours was replaced.

    def _start_worker(self) -> None:
        worker = threading.Thread(
            target=self._serve, name=f"heavy-{len(self._workers)}", daemon=True
        )
        self._workers.append(worker)
        worker.start()

    def _serve(self) -> None:
        lower_priority(self._nice)
        while True:
            with self._changed:
                while (job := self._queue.take()) is None:
                    self._changed.wait()
            value = error = None
            try:
                value = job.work()
            except BaseException as exc:  # noqa: BLE001 - it belongs to the job's session
                error = exc
            with self._changed:
                self._queue.finish(job, value, error)
                self._changed.notify_all()
