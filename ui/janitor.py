"""Give memory back once the classroom has gone quiet.

``st.cache_data`` keeps entries until a later access finds them expired, and glibc keeps
freed memory in its arenas for reuse: after a class leaves, the server would stay at its
peak size until the next lesson. One daemon thread per server process watches the reruns;
after ``IDLE_S`` seconds without one it clears the data caches, collects garbage and asks
glibc to return its free pages to the system (``malloc_trim``), and it does so again after
twice, four and eight times as long, for what the first pass could not free yet.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import threading
import time
from pathlib import Path

import streamlit as st
from streamlit.logger import get_logger

from ui import memo

_LOG = get_logger(__name__)
MIB = 1024 * 1024

# No rerun for this long: the class has left (or is listening). Longer than Streamlit's
# server.disconnectedSessionTTL (120 s), so the sessions the class left are gone by then
# and their memory is returned too.
IDLE_S = 150.0
CHECK_S = 15.0
PASSES = 4  # at 150 s, 5, 10 and 20 min of quiet


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return libc if libc is not None and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def _forget_expired_sessions() -> None:
    """Let go of sessions disconnected longer than ``server.disconnectedSessionTTL``.

    Streamlit keeps them in a ``TTLCache`` that drops expired entries only when it is next
    written, i.e. when the next student connects: after a class leaves, every session it
    had (widget state, its last figures) stays. This reaches into Streamlit's runtime
    (1.67, pinned); should its insides change, it does nothing.
    """
    try:
        from streamlit.runtime import Runtime

        Runtime.instance()._session_mgr._session_storage._cache.expire()
    except (AttributeError, RuntimeError):
        return


class _MallInfo2(ctypes.Structure):
    """glibc's ``struct mallinfo2`` (glibc 2.33 and later), in bytes."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd",
            "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def heap_report() -> str:
    """The process's memory in one line: resident, and the heap's bytes in use and free.

    The heap's part needs glibc's ``mallinfo2``; elsewhere only the resident size is given.
    "In use" counts live allocations: after a class has left it comes back to the idle
    level, while the resident size may stay higher by the free pages the heap cannot return
    (free space between live allocations).
    """
    try:
        status = Path("/proc/self/status").read_text()
        rss = next(
            int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")
        )
        report = f"resident {rss / MIB:.0f} MiB"
    except (OSError, StopIteration, ValueError):
        report = "resident size unknown"
    libc = _libc()
    if libc is not None and hasattr(libc, "mallinfo2"):
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
        report += (
            f"; heap in use {(info.uordblks + info.hblkhd) / MIB:.1f} MiB,"
            f" free in the heap {info.fordblks / MIB:.1f} MiB"
        )
    return report


def release_memory() -> None:
    """Drop every cached computation, hand free memory back to the system, log what is left."""
    st.cache_data.clear()
    memo.clear_all()
    _forget_expired_sessions()
    gc.collect()
    libc = _libc()
    if libc is not None:  # glibc only; elsewhere the allocator keeps what it has
        libc.malloc_trim(0)
    _LOG.info("memory released: %s", heap_report())


class Janitor:
    """Calls ``release`` after ``idle_s`` seconds without ``touch()``, then again after twice,
    four times … as long (``passes`` calls in all), then waits for the next ``touch()``.

    The later passes free what the first could not: Streamlit keeps a session for
    ``server.disconnectedSessionTTL`` after its student closes the tab, which may be long
    after the student's last move.
    """

    def __init__(
        self,
        idle_s: float,
        check_s: float,
        release=release_memory,
        passes: int = PASSES,
        *,
        clock=time.monotonic,
        watch: bool = True,
    ) -> None:
        self.idle_s = idle_s
        self.check_s = check_s
        self.release = release
        self.last_due = idle_s * 2 ** (passes - 1)
        self.releases = 0
        self._clock = clock
        self._last = clock()
        self._due: float | None = None  # quiet seconds after which the next pass is due
        if watch:  # a thread calls check() every check_s seconds
            threading.Thread(target=self._watch, name="playground-janitor", daemon=True).start()

    def touch(self) -> None:
        """Note a rerun."""
        self._last = self._clock()
        self._due = self.idle_s

    def check(self) -> bool:
        """Release if a pass is due now; returns whether it released."""
        due = self._due
        if due is None or self._clock() - self._last < due:
            return False
        self._due = 2 * due if 2 * due <= self.last_due else None
        self.release()
        self.releases += 1
        return True

    def _watch(self) -> None:
        while True:
            time.sleep(self.check_s)
            self.check()


_made = threading.Lock()
_the_janitor: Janitor | None = None


def _janitor() -> Janitor:
    """The server's one janitor, made at its first rerun.

    Not kept in ``st.cache_resource``: any client may empty it (``BackMsg.clear_cache``),
    and each time a new janitor, with a thread of its own, would join the old ones.
    """
    global _the_janitor
    _memos_follow_the_caches()
    if _the_janitor is None:
        with _made:
            if _the_janitor is None:
                _the_janitor = Janitor(IDLE_S, CHECK_S)
    return _the_janitor


@st.cache_resource(show_spinner=False)
def _memos_follow_the_caches() -> None:
    # Runs again after st.cache_resource is emptied, as a client's "Clear caches" empties it
    # and st.cache_data: the memos go with them.
    memo.clear_all()
    memo.report_to_streamlit()  # the memos' bytes in /_stcore/metrics, once per server


def note_activity() -> None:
    """Call on every rerun; memory is released ``IDLE_S`` seconds after the last one (and
    ``PASSES - 1`` times more, each after twice the quiet time)."""
    _janitor().touch()
