"""The janitor: memory is released once the server has been idle, and not while it is busy."""

from __future__ import annotations

import time

import streamlit as st

from ui import janitor


def test_release_comes_once_after_the_idle_time_and_not_before():
    calls = []
    watcher = janitor.Janitor(idle_s=0.3, check_s=0.02, release=lambda: calls.append(1))
    watcher.touch()
    for _ in range(5):  # busy: a rerun every 0.1 s
        time.sleep(0.1)
        watcher.touch()
    assert calls == []
    time.sleep(0.6)
    assert calls == [1]
    time.sleep(0.4)
    assert calls == [1]  # nothing new happened: no second release
    watcher.touch()
    time.sleep(0.6)
    assert calls == [1, 1] and watcher.releases == 2


def test_an_untouched_server_never_releases():
    calls = []
    janitor.Janitor(idle_s=0.05, check_s=0.02, release=lambda: calls.append(1))
    time.sleep(0.3)
    assert calls == []


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
