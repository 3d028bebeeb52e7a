"""The column-by-column reductions of sim.core.rows return exactly what NumPy's own reductions along axis 1 return."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import rows


@pytest.mark.parametrize("n_rows", [5, rows.ROWS, 3 * rows.ROWS + 7])
@pytest.mark.parametrize("k", [1, 2, 6, 9])
def test_the_same_results_as_numpy(n_rows, k):
    rng = np.random.default_rng(n_rows * 10 + k)
    flags = rng.random((n_rows, k)) < 0.3
    x = np.round(rng.normal(size=(n_rows, k)), 1)  # rounded: ties, which argmax breaks by the first column
    x[rng.random((n_rows, k)) < 0.1] = -np.inf
    assert np.array_equal(rows.any_along(flags), flags.any(axis=1))
    assert np.array_equal(rows.all_along(flags), flags.all(axis=1))
    assert np.array_equal(rows.argmax_along(x), np.argmax(x, axis=1))
    assert np.array_equal(rows.argmax_along(flags), np.argmax(flags, axis=1))
    assert np.array_equal(rows.argmax_along(flags[:, ::-1]), np.argmax(flags[:, ::-1], axis=1))
    sums = rng.normal(size=(n_rows, k))
    assert rows.cumsum_along(sums).tobytes() == np.cumsum(sums, axis=1).tobytes()  # bit for bit


def test_a_nan_is_the_largest_value_as_for_numpy():
    x = np.zeros((rows.ROWS, 4))
    x[7, 2] = np.nan
    x[9, 1:] = [np.nan, 5.0, np.nan]
    assert np.array_equal(rows.argmax_along(x), np.argmax(x, axis=1))
