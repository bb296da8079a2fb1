"""The janitor: memory is released once the server has been idle, and not while it is busy."""

from __future__ import annotations

import time

import pytest
import streamlit as st

from ui import janitor


def test_releases_come_after_the_quiet_time_doubles_and_not_while_busy():
    calls = []
    watcher = janitor.Janitor(
        idle_s=0.2, check_s=0.01, release=lambda: calls.append(time.monotonic()), passes=3
    )
    watcher.touch()
    for _ in range(5):  # busy: a rerun every 0.1 s
        time.sleep(0.1)
        watcher.touch()
    assert calls == []
    quiet = watcher._last
    time.sleep(1.3)  # passes due after 0.2, 0.4 and 0.8 s of quiet, then none
    assert len(calls) == 3 and watcher.releases == 3
    for at, due in zip(calls, [0.2, 0.4, 0.8], strict=True):
        assert due <= at - quiet < due + 0.2  # on time, give or take a loaded machine
    watcher.touch()  # a new lesson: the schedule starts over
    time.sleep(0.3)
    assert len(calls) == 4


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


def test_a_slider_move_that_reruns_only_the_race_counts_as_activity():
    """A class moves sliders for an hour after loading the page once: those moves rerun
    only the race (a fragment, not app.py), and the janitor must not take the class for gone."""
    from streamlit.testing.v1 import AppTest
    from test_app import APP, open_expander

    from ui import state

    at = AppTest.from_file(str(APP), default_timeout=60).run()
    open_expander(at, "open_gd")
    watcher = janitor._janitor()
    watcher._last = before = time.monotonic() - 1000.0  # as if the last full run were long ago
    at.select_slider(key=state.hp_key("gd", "lr")).set_value(0.05).run()
    assert not at.exception
    assert at.query_params["gd.lr"] == "0.05"
    assert watcher._last > before + 999.0
