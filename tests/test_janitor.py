"""The janitor: memory is released once the server has been idle, and not while it is busy."""

from __future__ import annotations

import threading
import time

import pytest
import streamlit as st

from ui import janitor


class Clock:
    """A clock the test moves by hand: the schedule is checked without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


TICK = 1 / 64  # seconds between checks; a power of two, so the sums below are exact


def test_releases_come_after_the_quiet_time_doubles_and_not_while_busy():
    clock, calls = Clock(), []
    watcher = janitor.Janitor(
        idle_s=0.25, check_s=TICK, release=lambda: calls.append(clock.now), passes=3,
        clock=clock, watch=False,
    )  # fmt: skip
    watcher.touch()
    for _ in range(5):  # busy: a rerun every 0.125 s
        for _ in range(8):
            clock.now += TICK
            assert not watcher.check()
        watcher.touch()
    quiet = clock.now
    for _ in range(256):  # 4 s of quiet
        clock.now += TICK
        watcher.check()
    assert watcher.releases == 3  # after 0.25, 0.5 and 1 s of quiet, then none
    assert [at - quiet for at in calls] == [0.25, 0.5, 1.0]
    watcher.touch()  # a new lesson: the schedule starts over
    clock.now += 0.25
    assert watcher.check() and len(calls) == 4


def test_an_untouched_server_never_releases():
    clock, calls = Clock(), []
    watcher = janitor.Janitor(
        idle_s=0.05, check_s=0.02, release=lambda: calls.append(1), clock=clock, watch=False
    )
    clock.now += 1e6
    assert not watcher.check() and calls == []


def test_the_janitors_thread_runs_the_checks():
    released = threading.Event()
    # one pass (passes=1), then the thread only sleeps between checks
    watcher = janitor.Janitor(idle_s=1e-3, check_s=1e-3, release=released.set, passes=1)
    watcher.touch()
    assert released.wait(timeout=60)  # waits on the event, not on a time limit


def test_release_memory_clears_the_data_caches():
    runs = []

    @st.cache_data
    def square(x: int) -> int:
        runs.append(x)
        return x * x

    assert square(3) == 9 and square(3) == 9
    assert runs == [3]
    janitor.release_memory()
    assert square(3) == 9
    assert runs == [3, 3]


def test_the_heap_report_counts_live_memory():
    import numpy as np

    def in_use(report: str) -> float:
        return float(report.split("heap in use ")[1].split(" MiB")[0])

    before = janitor.heap_report()
    assert before.startswith("resident ") and " MiB" in before
    if "heap in use" not in before:
        pytest.skip("not glibc: no mallinfo2, the report gives the resident size only")
    block = np.ones(64 * 1024 * 1024 // 8)  # 64 MiB, touched
    during = janitor.heap_report()
    del block
    after = janitor.heap_report()
    assert in_use(during) - in_use(before) >= 60
    assert in_use(during) - in_use(after) >= 60


def test_each_release_logs_what_is_left(monkeypatch):
    lines = []
    monkeypatch.setattr(janitor._LOG, "info", lambda text, *args: lines.append(text % args))
    janitor.release_memory()
    (line,) = lines
    assert line.startswith("memory released: resident ")


def test_the_load_benchmark_reads_the_janitors_last_report(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from e2e_support import ROOT

    monkeypatch.syspath_prepend(str(ROOT / "bench"))  # as when it runs as a script
    from bench_load import janitor_line

    log = tmp_path / "server.log"
    prefix = "2026-11-28 18:00:00 INFO ui.janitor: memory released: "
    log.write_text(
        f"{prefix}resident 170 MiB; heap in use 100.0 MiB\n"
        "something else\n"
        f"{prefix}resident 180 MiB; heap in use 100.2 MiB\n"
    )
    server = SimpleNamespace(log_path=log)
    assert janitor_line(server) == "resident 180 MiB; heap in use 100.2 MiB"
    assert janitor_line(SimpleNamespace(log_path=tmp_path / "missing.log")) is None
    assert janitor_line(None) is None


def test_a_slider_move_that_reruns_only_the_race_counts_as_activity(monkeypatch):
    """A class moves sliders for an hour after loading the page once: those moves rerun
    only the race (a fragment, not app.py), and the janitor must not take the class for gone.

    The sliders as Streamlit's widgets (``design_element`` unavailable), whose move AppTest
    can make: its run is the widget's fragment's, handed to the race's, as the element's is.
    """
    from streamlit.testing.v1 import AppTest
    from test_app import APP

    from ui import design_element, state

    monkeypatch.setattr(design_element, "available", lambda: False)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    watcher = janitor._janitor()
    watcher._last = before = time.monotonic() - 1000.0  # as if the last full run were long ago
    at.select_slider(key=state.hp_key("gd", "lr")).set_value(0.05).run()
    assert not at.exception
    assert at.query_params["gd.lr"] == "0.05"
    assert watcher._last > before + 999.0


class _Client:
    """A browser tab as the runtime sees it: it takes the messages and drops them."""

    client_context = None

    def write_forward_msg(self, msg) -> None:
        pass


def test_a_clients_clear_caches_empties_the_memos_too():
    """A client may ask the server to clear its caches (``BackMsg.clear_cache``): it empties
    st.cache_data and st.cache_resource, and the memos then go at the next run."""
    from ui import cache, memo

    janitor.note_activity()
    memo.clear_all()
    cache.contour(("quadratic", (), ""), ((-5.0, 5.0), (-5.0, 5.0)))
    janitor.note_activity()
    assert memo.sizes()["ui.cache.contour"] == 1
    st.cache_data.clear()
    st.cache_resource.clear()
    janitor.note_activity()
    assert memo.sizes()["ui.cache.contour"] == 0


def test_a_client_clearing_the_caches_again_and_again_leaves_one_janitor():
    """Any client may send ``BackMsg.clear_cache`` as often as it likes: the server keeps one
    janitor and one janitor's thread, however often st.cache_resource is emptied."""

    def threads() -> int:
        return sum(thread.name == "playground-janitor" for thread in threading.enumerate())

    janitor.note_activity()
    first, before = janitor._janitor(), threads()
    for _ in range(3):
        st.cache_resource.clear()
        janitor.note_activity()
    assert janitor._janitor() is first
    assert threads() == before  # other tests' janitors may have threads too


def test_a_release_frees_the_sessions_a_class_left_and_the_data_caches():
    """A real Streamlit runtime in this process, its session store on the hand clock: three
    students connect and leave; the janitor's pass lets go of their sessions once
    ``server.disconnectedSessionTTL`` is over (not before: a student may come back), and of
    the app's cached contour and grid."""
    import asyncio
    import gc
    import weakref

    from streamlit.runtime import Runtime, RuntimeConfig
    from streamlit.runtime.caching import get_data_cache_stats_provider
    from streamlit.runtime.caching.ttl_cache import TTLCache
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.runtime.memory_session_storage import MemorySessionStorage
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from test_app import APP

    from ui import cache, memo

    ttl = 120.0  # Streamlit's default disconnectedSessionTTL
    clock = Clock()
    storage = MemorySessionStorage()
    storage._cache = TTLCache(maxsize=128, ttl=ttl, timer=clock)  # the store, on the hand clock
    watcher = janitor.Janitor(idle_s=janitor.IDLE_S, check_s=1.0, clock=clock, watch=False)

    def cached_functions() -> set[str]:
        stats = get_data_cache_stats_provider().get_stats()
        return {stat.cache_name for family in stats.values() for stat in family}

    async def lesson() -> tuple[list, list]:
        runtime = Runtime(
            RuntimeConfig(
                script_path=str(APP),
                media_file_storage=MemoryMediaFileStorage("/media"),
                uploaded_file_manager=MemoryUploadedFileManager("/upload"),
                session_storage=storage,
            )
        )
        try:
            await runtime.start()
            ids = [runtime.connect_session(_Client(), {}) for _ in range(3)]
            manager = runtime._session_mgr
            sessions = [weakref.ref(manager.get_active_session_info(i).session) for i in ids]
            watcher.touch()  # their last rerun
            for session_id in ids:
                runtime.disconnect_session(session_id)
            clock.now += 0.5 * ttl
            janitor.release_memory()  # within the TTL: the sessions wait for their students
            gc.collect()
            kept = [ref() is not None for ref in sessions]
            window = ((-5.0, 5.0), (-5.0, 5.0))
            cache.contour(("quadratic", (), ""), window)
            cache.grid(("quadratic", (), ""), window, cache.SURFACE_RESOLUTION)
            assert "ui.cache.grid" in cached_functions()
            assert memo.sizes()["ui.cache.contour"] == 1
            memo.report_to_streamlit()  # the memos' bytes beside st.cache_data's
            memo.report_to_streamlit()  # (once)
            reported = runtime.stats_mgr.get_stats(["cache_memory_bytes"])["cache_memory_bytes"]
            contour = [s for s in reported if s.cache_name == "ui.cache.contour"]
            assert [s.category_name for s in contour] == ["ui.memo"]
            assert contour[0].byte_length > 1000  # the contour's picture, a PNG
            clock.now += janitor.IDLE_S - 0.5 * ttl
            assert watcher.check()  # the janitor's first pass, past the TTL
            gc.collect()
            return kept, [ref() is not None for ref in sessions]
        finally:
            runtime.stop()
            await runtime.stopped
            Runtime._instance = None

    kept, left = asyncio.run(lesson())
    assert kept == [True] * 3
    assert left == [False] * 3, "a session the class left is still in memory"
    assert "ui.cache.grid" not in cached_functions()
    assert memo.sizes()["ui.cache.contour"] == 0
