"""Give memory back once the classroom has gone quiet.

``st.cache_data`` keeps entries until a later access finds them expired, and glibc keeps
freed memory in its arenas for reuse: after a class leaves, the server would stay at its
peak size until the next lesson. One daemon thread per server process watches the reruns;
after ``IDLE_S`` seconds without one it clears the data caches, collects garbage and asks
glibc to return its free pages to the system (``malloc_trim``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import threading
import time

import streamlit as st

# No rerun for this long: the class has left (or is listening). Longer than Streamlit's
# server.disconnectedSessionTTL (120 s), so the sessions the class left are gone by then
# and their memory is returned too.
IDLE_S = 150.0
CHECK_S = 15.0


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


def release_memory() -> None:
    """Drop every cached computation and hand free memory back to the system."""
    st.cache_data.clear()
    _forget_expired_sessions()
    gc.collect()
    libc = _libc()
    if libc is not None:  # glibc only; elsewhere the allocator keeps what it has
        libc.malloc_trim(0)


class Janitor:
    """Calls ``release`` once after ``idle_s`` seconds without ``touch()``, then waits again."""

    def __init__(self, idle_s: float, check_s: float, release=release_memory) -> None:
        self.idle_s = idle_s
        self.check_s = check_s
        self.release = release
        self.releases = 0
        self._last = time.monotonic()
        self._busy = False  # touched since the last release
        threading.Thread(target=self._watch, name="playground-janitor", daemon=True).start()

    def touch(self) -> None:
        """Note a rerun."""
        self._last = time.monotonic()
        self._busy = True

    def _watch(self) -> None:
        while True:
            time.sleep(self.check_s)
            if self._busy and time.monotonic() - self._last >= self.idle_s:
                self._busy = False
                self.release()
                self.releases += 1


@st.cache_resource(show_spinner=False)
def _janitor() -> Janitor:
    return Janitor(IDLE_S, CHECK_S)


def note_activity() -> None:
    """Call on every rerun; memory is released ``IDLE_S`` seconds after the last one."""
    _janitor().touch()
