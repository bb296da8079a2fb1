"""The latency benchmark's arithmetic (bench/bench_latency.py); the browser part is run by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from bench_latency import ratio_spread  # noqa: E402


def samples(values: list[float], skip: frozenset[int] = frozenset()) -> list[dict]:
    return [{"move": i, "ms": v} for i, v in enumerate(values) if i not in skip]


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
