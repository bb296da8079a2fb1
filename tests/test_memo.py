"""ui.memo: the shared cache of the calls a slider move makes."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import optim_core
from ui import cache, memo


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def counting(calls: list):
    def compute(key):
        calls.append(key)
        return f"value of {key}"

    return compute


def test_a_kept_value_is_not_computed_again():
    box, calls = memo.Memo("test", max_entries=4, ttl=60), []
    compute = counting(calls)
    assert box.get("a", lambda: compute("a")) == "value of a"
    assert box.get("a", lambda: compute("a")) == "value of a"
    assert calls == ["a"]


def test_the_least_recently_used_goes_first():
    box, calls = memo.Memo("test", max_entries=2, ttl=60), []
    compute = counting(calls)
    for key in ("a", "b", "a", "c"):  # "a" used after "b": "b" is the one to go
        box.get(key, lambda key=key: compute(key))
    assert len(box) == 2
    box.get("a", lambda: compute("a"))
    box.get("b", lambda: compute("b"))
    assert calls == ["a", "b", "c", "b"]


def test_an_entry_older_than_its_ttl_is_computed_again():
    clock, calls = Clock(), []
    box = memo.Memo("test", max_entries=4, ttl=10, clock=clock)
    compute = counting(calls)
    box.get("a", lambda: compute("a"))
    clock.now = 9.9
    box.get("a", lambda: compute("a"))
    clock.now = 10.0
    box.get("a", lambda: compute("a"))
    assert calls == ["a", "a"]


def test_sessions_asking_at_once_share_one_computation():
    box, calls = memo.Memo("test", max_entries=4, ttl=60), []
    started, release = threading.Event(), threading.Event()

    def slow():
        calls.append("slow")
        started.set()
        release.wait(5)
        return 42

    results = []
    first = threading.Thread(target=lambda: results.append(box.get("k", slow)))
    first.start()
    started.wait(5)
    others = [threading.Thread(target=lambda: results.append(box.get("k", slow))) for _ in range(3)]
    for thread in others:
        thread.start()
    release.set()
    for thread in (first, *others):
        thread.join(5)
    assert results == [42] * 4
    assert calls == ["slow"]


def test_an_error_reaches_the_caller_and_nothing_is_kept():
    box = memo.Memo("test", max_entries=4, ttl=60)

    def broken():
        raise optim_core.ExpressionError("no")

    with pytest.raises(optim_core.ExpressionError):
        box.get("k", broken)
    assert len(box) == 0
    assert box.get("k", lambda: 1) == 1


def test_clear_all_empties_every_memo():
    box = memo.Memo("test.clear", max_entries=4, ttl=60)
    box.get("k", lambda: 1)
    assert memo.sizes()["test.clear"] == 1
    memo.clear_all()
    assert memo.sizes()["test.clear"] == 0


def test_a_shared_run_cannot_be_changed_by_a_session():
    land = ("quadratic", (("kappa", 50.0), ("angle", 0.0)), "")
    run = cache.trajectory("adam", land, (-4.0, 1.5), 10, 0.0, 0, ("constant", ()), ())
    for array in (run.params, run.loss, run.grads, run.lr, *run.recorded.values()):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0.0
    again = cache.trajectory("adam", land, (-4.0, 1.5), 10, 0.0, 0, ("constant", ()), ())
    assert again is run


def test_frozen_reaches_into_dicts_and_tuples():
    inner = np.zeros(3)
    memo.frozen({"a": (inner,)})
    assert not inner.flags.writeable
