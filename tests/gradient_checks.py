"""A check shared by the landscapes' and the formula parser's tests."""

from __future__ import annotations

import numpy as np


def assert_one_point_gradients_are_the_batchs(landscape, points: np.ndarray, label: str) -> None:
    """A single run's loop takes the gradient at one point in NumPy scalars (``gradxy``), a
    batch in arrays (``grad``): the same bits at every point, signed zeros and overflows
    included, or NaN in both."""
    batch = landscape.grad(points)
    with np.errstate(all="ignore"):  # the loop's
        one_by_one = np.array([landscape.gradxy(x, y) for x, y in points])
    same = (one_by_one.view(np.int64) == batch.view(np.int64)) | (
        np.isnan(one_by_one) & np.isnan(batch)
    )
    assert same.all(), (label, points[~same.all(axis=1)][:3])
