"""optim_core.params: the one broadcasting helper a run and every update rule share."""

from __future__ import annotations

import numpy as np
import pytest

from optim_core.params import broadcast_over_coordinates


def test_one_value_per_run_becomes_a_column_that_scales_both_coordinates():
    lr = np.array([0.1, 0.2, 0.3])
    column = broadcast_over_coordinates(lr, runs_ndim=1)
    assert column.shape == (3, 1)
    np.testing.assert_array_equal(column * np.ones((3, 2)), [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]])
    grid = broadcast_over_coordinates(np.ones((4, 3)), runs_ndim=2)  # a sweep's (ny, nx) runs
    assert grid.shape == (4, 3, 1)


@pytest.mark.parametrize("value", [0.5, 2, np.float32(0.25), np.array(0.75)])
def test_a_number_becomes_a_float(value):
    out = broadcast_over_coordinates(value, runs_ndim=1)
    assert type(out) is float and out == float(value)


@pytest.mark.parametrize("value", ["classic", True, np.bool_(False), None])
def test_an_option_or_none_stays_as_it_is(value):
    assert broadcast_over_coordinates(value, runs_ndim=1) is value


def test_an_array_that_already_broadcasts_is_left_alone():
    assert broadcast_over_coordinates(np.ones((3, 1)), runs_ndim=1).shape == (3, 1)
