"""Heavy work from a page: through the server's one pool (``ui/heavy.py``), its place shown.

A page asks ``computed(label, key, work)`` where it called a heavy cached function itself.
A value the cache holds comes back at once and draws nothing. Otherwise the script thread
waits for the pool and, while it waits, a status box says where the request stands ("Sweep
map: 3rd in line — 2 running, 2 at a time") and then how long it has run; the box goes once
the value is there. The wait polls, so a learner who moves a slider meanwhile is heard
(Streamlit's stop and rerun checks run between polls): a rerun's request takes the waiting
job's place in line, a closed page gives its place up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from ui import heavy

T = TypeVar("T")

POOL = heavy.HeavyPool(heavy.capacity_from_env())  # one per server process
POLL_S = 0.1  # how often a waiting run checks its job and the learner's moves


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def describe(label: str, place: heavy.Place, seconds: float) -> str:
    """The status line for a job at ``place``, ``seconds`` after the page asked for it."""
    if place.state == heavy.RUNNING:
        return f"{label}: running… {seconds:.0f} s"
    at_once = f"{place.capacity} at a time"
    if place.own_running:
        return f"{label}: next after your previous request, which is still running ({at_once})"
    return (
        f"{label}: {ordinal(place.ahead + 1)} in line — {place.running} running, {at_once}. "
        "A race on the playground never waits here."
    )


def computed(label: str, key: Hashable, work: Callable[[], T]) -> T:
    """``work()``'s value, computed in the pool unless the cache holds it.

    ``work`` calls the heavy cached functions (``heavy.pooled``) and returns what the page
    needs; ``key`` names everything its value depends on.
    """
    ctx = get_script_run_ctx(suppress_warning=True)
    session = ctx.session_id if ctx is not None else threading.current_thread().name
    yield_check = ctx.yield_check if ctx is not None else (lambda: None)
    asked = time.monotonic()

    def wait(job: heavy.Job) -> None:
        slot = st.empty()
        shown = ""
        while not job.finished.wait(POLL_S):
            yield_check()  # raises Streamlit's stop or rerun when the learner moved on
            text = describe(label, POOL.place(job), time.monotonic() - asked)
            if text != shown:
                slot.status(text, state="running")
                shown = text
        slot.empty()

    return POOL.compute(session, key, work, label, wait, keep_place_on=(RerunException,))
