"""How long does the formula box take to answer? Prints a markdown table; asserts nothing.

    .venv/bin/python bench/bench_parser.py

Times ``optim_core.parse_function`` on the hostile corpus of ``tests/test_hostile.py`` (3,300+
dangerous payloads and their mutations) and on the pathological inputs of
``tests/test_expression.py``: each parse is timed three times and the fastest kept, so a
garbage-collection pause is not taken for a slow input. The tests bound the parser's work by
what it counts (``tests/parse_meter.py``); this measures what that costs in time. Target:
every input answered in under 50 ms.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_expression import PATHOLOGICAL  # noqa: E402
from test_hostile import CORPUS  # noqa: E402

from optim_core import ExpressionError, parse_function  # noqa: E402


def fastest_parse(text: str, repeat: int = 3) -> float:
    """Seconds of the fastest of ``repeat`` parses of ``text``."""
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        with contextlib.suppress(ExpressionError):
            parse_function(text)
        best = min(best, time.perf_counter() - began)
    return best


def row(name: str, texts: list[str]) -> str:
    seconds = np.array([fastest_parse(t) for t in texts]) * 1e3
    slowest = texts[int(np.argmax(seconds))]
    return (
        f"| {name} | {len(texts)} | {np.median(seconds):.3f} | {np.percentile(seconds, 99):.3f} "
        f"| {seconds.max():.3f} | `{slowest[:24]!r}` |"
    )


def main() -> None:
    print("| inputs | n | median (ms) | p99 (ms) | max (ms) | slowest input |")
    print("|---|---:|---:|---:|---:|---|")
    print(row("hostile corpus", CORPUS))
    print(row("pathological inputs", PATHOLOGICAL))


if __name__ == "__main__":
    main()
