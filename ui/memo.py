"""A bounded cache shared by every session, for the calls a slider move makes.

``st.cache_data`` serves the rest of the app; a move of η, β, κ or θ makes about ten cached
calls (the landscape, each optimizer's run, the contour, the figure), and there it costs what
the move is measured by: for each call it reads the function's signature and hashes every
argument with its own hasher, and it pickles the value in and out, some 0.5 ms a call on the
server's thread (bench/bench_latency.py, profiled with py-spy). These calls take plain
hashable arguments (names, tuples of numbers), so the arguments themselves are the key, and
return values nobody changes: a run's arrays are made read-only before they are shared
(:func:`frozen`).

Like ``st.cache_data`` a memo is bounded in entries (the least recently used goes first) and
in time (an entry older than ``ttl`` seconds is computed again), computes a value once when
several sessions ask for it at the same time, and is emptied by :func:`clear_all` (the
janitor's, ``ui.janitor.release_memory``). Its bytes are in Streamlit's metrics beside
``st.cache_data``'s (``/_stcore/metrics``, family ``cache_memory_bytes``, cache type
``ui.memo``): :func:`report_to_streamlit`.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")

_ALL: list[Memo] = []  # every memo made, for clear_all()


class Memo:
    """Values by key, at most ``max_entries`` of them, each kept at most ``ttl`` seconds."""

    def __init__(self, name: str, max_entries: int, ttl: float, clock=time.monotonic) -> None:
        self.name = name
        self.max_entries = max_entries
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: collections.OrderedDict[Hashable, tuple[float, Any]] = (
            collections.OrderedDict()
        )
        self._pending: dict[Hashable, _Pending] = {}
        _ALL.append(self)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value of ``key``: kept, or ``compute()``d (once, however many ask meanwhile).

        An exception of ``compute`` reaches every caller waiting for it; nothing is kept.
        """
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and self._clock() - entry[0] < self.ttl:
                self._entries.move_to_end(key)
                return entry[1]
            pending = self._pending.get(key)
            computing = pending is None
            if computing:
                pending = self._pending[key] = _Pending()
        if not computing:
            return pending.result()
        try:
            value = compute()
        except BaseException as error:
            with self._lock:
                del self._pending[key]
            pending.fail(error)
            raise
        with self._lock:
            del self._pending[key]
            self._entries[key] = (self._clock(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        pending.succeed(value)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def nbytes(self) -> int:
        """The bytes its values hold (NumPy arrays' data included), as Streamlit counts
        ``st.cache_data``'s."""
        from streamlit.runtime.stats import safe_sizeof

        with self._lock:
            values = [value for _, value in self._entries.values()]
        return safe_sizeof(values)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class _Pending:
    """A value being computed by another thread."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None

    def succeed(self, value: Any) -> None:
        self._value = value
        self._done.set()

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._done.set()

    def result(self) -> Any:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value


def memoized(max_entries: int, ttl: float) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """``fn``'s values in a :class:`Memo`, keyed by its positional arguments (hashable)."""

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        memo = Memo(f"{fn.__module__}.{fn.__qualname__}", max_entries, ttl)

        @functools.wraps(fn)
        def cached(*args: Hashable) -> T:
            return memo.get(args, lambda: fn(*args))

        return cached

    return wrap


def clear_all() -> None:
    """Empty every memo."""
    for memo in _ALL:
        memo.clear()


def sizes() -> dict[str, int]:
    """How many entries each memo holds, by name."""
    return {memo.name: len(memo) for memo in _ALL}


class _Stats:
    """Every memo's bytes as Streamlit's metrics report its caches' (a ``StatsProvider``)."""

    stats_families = ("cache_memory_bytes",)

    def get_stats(self, family_names=None) -> dict[str, list]:
        from streamlit.runtime.stats import CacheStat

        return {
            "cache_memory_bytes": [CacheStat("ui.memo", memo.name, memo.nbytes()) for memo in _ALL]
        }


_REPORTED: list[object] = []  # the runtime the memos report to, once


def report_to_streamlit() -> None:
    """List the memos' bytes in the running server's metrics (once; none outside a server)."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return
    runtime = Runtime.instance()
    if runtime in _REPORTED:
        return
    _REPORTED.append(runtime)
    runtime.stats_mgr.register_provider(_Stats())


def frozen(value: T) -> T:
    """``value`` with every NumPy array in it (a dataclass's fields, a dict's or a tuple's
    items, recursively) made read-only, so that sessions can share it."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            frozen(getattr(value, field.name))
    elif isinstance(value, dict):
        for item in value.values():
            frozen(item)
    elif isinstance(value, tuple | list):
        for item in value:
            frozen(item)
    return value
