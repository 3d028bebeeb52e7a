"""Keyed draws (sim.core.keyed): a replication's numbers are its own, and they are uniform / normal."""

import numpy as np
from scipy import stats

from sim.core import keyed


def test_a_replications_draws_do_not_depend_on_the_other_rows_nor_on_the_chunking(monkeypatch):
    keys = keyed.row_keys([11, 12], [5000, 3000])
    full = keyed.uniforms(keys, 3, 17, 7)
    rows = np.array([0, 4999, 5000, 7999, 123])
    assert np.array_equal(keyed.uniforms(keys[rows], 3, 17, 7), full[rows])
    monkeypatch.setattr(keyed, "CHUNK", 64)
    assert np.array_equal(keyed.uniforms(keys, 3, 17, 7), full)
    assert np.array_equal(keyed.normals(keys[rows], 1, 2, 2), keyed.normals(keys, 1, 2, 2)[rows])


def test_positions_keys_and_blocks_give_different_numbers():
    keys = keyed.row_keys([11, 12], [4000, 4000])
    a = keyed.uniforms(keys, 3, 17, 4)
    assert not np.array_equal(a, keyed.uniforms(keys, 3, 18, 4))  # another round
    assert not np.array_equal(a, keyed.uniforms(keys, 4, 17, 4))  # another stream
    assert not np.array_equal(a[:4000], a[4000:])  # the same rows of two blocks
    assert np.array_equal(a[:, :2], keyed.uniforms(keys, 3, 17, 2))  # a column keeps its numbers


def test_uniforms_and_normals_have_their_distributions():
    keys = keyed.row_keys([5], [200_000])
    u = keyed.uniforms(keys, 0, 1, 3)
    assert u.dtype == np.float32 and u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u[:, 1].astype(float), "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(u[:, 0], u[:, 2])[0, 1]) < 0.01
    z = keyed.normals(keys, 2, 9, 2)
    assert np.isfinite(z).all() and stats.kstest(z[:, 0].astype(float), "norm").pvalue > 1e-3
