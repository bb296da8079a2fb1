"""The latency benchmark's arithmetic (bench/bench_latency.py); the browser part is run by hand."""

from __future__ import annotations

import itertools
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from bench_latency import (  # noqa: E402
    KINDS,
    Kind,
    pinned,
    ratio_interval,
    ratio_spread,
    split_cores,
    table_row,
    tap_fraction,
    turns,
)


def samples(values: list[float], skip: frozenset[int] = frozenset()) -> list[dict]:
    return [{"move": i, "ms": v} for i, v in enumerate(values) if i not in skip]


def timed(values: list[float]) -> list[dict]:
    """Samples as a session records them, with the diagnostics the table reads."""
    return [
        {"move": i, "ms": v, "serverMs": v / 2, "bytes": 100, "remounted": False}
        for i, v in enumerate(values)
    ]


def test_turns_are_paired_by_move_and_blocks_are_ratios_of_medians():
    bare = samples([50.0] * 10 + [100.0] * 10 + [50.0] * 5)
    real = samples([75.0] * 10 + [120.0] * 10 + [80.0] * 5)
    spread = ratio_spread(bare, real, block=10)
    assert spread["blocks"] == pytest.approx([1.5, 1.2])  # the short last block is dropped
    assert spread["per_move"] == pytest.approx(1.5)


def test_a_move_missing_on_one_side_is_left_out_not_shifted():
    bare = samples([10.0, 20.0, 30.0, 40.0], skip=frozenset({1}))
    real = samples([20.0, 999.0, 60.0, 80.0])
    spread = ratio_spread(bare, real, block=3)
    assert spread["per_move"] == pytest.approx(2.0)
    assert spread["blocks"] == pytest.approx([2.0])


def test_the_interval_holds_the_ratio_of_medians_and_widens_with_the_spread():
    steady = [(50.0, 60.0)] * 20
    assert ratio_interval(steady) == pytest.approx((1.2, 1.2))
    noisy = [(50.0 + 7 * (i % 5), 60.0 + 11 * (i % 7)) for i in range(20)]
    low, high = ratio_interval(noisy)
    point = statistics.median(r for _, r in noisy) / statistics.median(b for b, _ in noisy)
    assert low < point < high
    wider = [(b, 60.0 + 3 * (r - 60.0)) for b, r in noisy]  # the same turns, more spread
    assert ratio_interval(wider)[1] - ratio_interval(wider)[0] > high - low
    half = ratio_interval(noisy, level=0.5)
    assert low <= half[0] and half[1] <= high and half[1] - half[0] < high - low
    bare_alone = ratio_interval([(b, 60.0) for b, _ in noisy])  # both sides are redrawn
    assert bare_alone[0] < bare_alone[1]
    assert ratio_interval(noisy) == (low, high)  # seeded: the same moves, the same interval
    assert all(math.isnan(end) for end in ratio_interval(steady[:1]))


def test_the_table_row_gives_the_ratio_of_medians_and_says_whether_the_target_is_met():
    kind = Kind("k", "κ slider", "land_kappa", "hp_gd_lr", "key", target=1.25)
    met = table_row(kind, {"bare": timed([40, 50, 60]), "playground": timed([55, 60, 65])})
    cells = [c.strip() for c in met.strip("|").split("|")]
    assert cells[0] == "κ slider" and cells[1] == "3"
    assert cells[2] == "50" and cells[4] == "60"  # the medians
    assert cells[7] == "**1.20×**" and cells[10] == "≤ 1.25× (met)"
    missed = table_row(kind, {"bare": timed([40, 50, 60]), "playground": timed([70, 80, 90])})
    assert "**1.60×**" in missed and "(not met)" in missed
    close = table_row(kind, {"bare": timed([100]), "playground": timed([125.3])})
    assert "**1.253×**" in close and "(not met)" in close  # not "1.25×, not met"
    assert "**1.25×**" in table_row(kind, {"bare": timed([100]), "playground": timed([124.7])})
    assert cells[6] == "25 / 30"  # the last messages' medians
    untimed = [{**sample, "serverMs": None} for sample in timed([1900, 2000])]
    load = table_row(kind, {"bare": untimed, "playground": untimed})
    assert [c.strip() for c in load.strip("|").split("|")][6] == "—"  # a page load's first slider


def test_a_kind_with_no_target_and_a_side_with_no_sample_still_make_a_row():
    kind = Kind("p", "picker", "landscape", "landscape", "pick")
    row = table_row(kind, {"bare": timed([50.0]), "playground": []})
    assert row.endswith("| — |") and "nan" in row


def test_taps_are_new_values_far_from_the_last_and_inside_the_track():
    for moves in (1, 2, 15, 20):
        spots = [tap_fraction(i, moves) for i in range(-2, moves)]
        assert len(set(spots)) == len(spots)
        assert min(spots) > 0 and max(spots) < 1
        assert all(abs(b - a) > 0.2 for a, b in itertools.pairwise(spots))


def test_the_apps_take_turns_in_alternating_order_after_two_unmeasured_moves():
    order = list(turns(2, ["bare", "playground"]))
    assert order == [
        (-2, "bare"),
        (-2, "playground"),
        (-1, "playground"),
        (-1, "bare"),
        (0, "bare"),
        (0, "playground"),
        (1, "playground"),
        (1, "bare"),
    ]


def test_every_kind_pairs_a_playground_control_with_a_bare_one_of_the_same_gesture():
    gestures = {"key", "pick", "tap", "load"}
    assert len({k.name for k in KINDS}) == len(KINDS)
    for kind in KINDS:
        assert kind.gesture in gestures
        assert (kind.control == "") == (kind.gesture == "load")
        assert kind.phone == (kind.gesture == "tap")


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="--split needs two cores")
def test_split_puts_the_browser_and_the_servers_on_cores_of_their_own():
    """A process started while pinned runs on those cores; afterwards this one has all again."""
    browser, servers = split_cores()
    assert browser and servers and not browser & servers
    assert browser | servers == os.sched_getaffinity(0)
    before = os.sched_getaffinity(0)
    with pinned(servers):
        child = subprocess.run(
            [sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"],
            capture_output=True,
            text=True,
            check=True,
        )
    assert child.stdout.strip() == str(sorted(servers))
    assert os.sched_getaffinity(0) == before
