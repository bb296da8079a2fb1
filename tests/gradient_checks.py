"""A check shared by the landscapes' and the formula parser's tests."""

from __future__ import annotations

import numpy as np

from optim_core.run import _gradient as run_loop_gradient


def assert_one_point_gradients_are_the_batchs(landscape, points: np.ndarray, label: str) -> None:
    """A single run's loop takes the gradient at one point in NumPy scalars (``gradxy``), a
    batch in arrays (``grad``): the same bits at every point, signed zeros and overflows
    included, or NaN in both."""
    batch = landscape.grad(points)
    at_point = run_loop_gradient(landscape, points[0], None, None)
    with np.errstate(all="ignore"):  # the loop's
        one_by_one = np.array([at_point(p) for p in points])
    same = (one_by_one.view(np.int64) == batch.view(np.int64)) | (
        np.isnan(one_by_one) & np.isnan(batch)
    )
    assert same.all(), (label, points[~same.all(axis=1)][:3])
