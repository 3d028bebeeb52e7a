"""statsmodels' Wilson interval, McNemar test, Newcombe and z-test give the numbers the hand-written code gave.

The reference functions below are the project's own implementations as they
were before statsmodels replaced them (``sim/core/stats.py`` and
``sim/analysis/compare.py`` at e3d89c1); the results must agree far beyond the
printed precision (percent to one decimal, p-values to three digits).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from sim.analysis.compare import mcnemar_p, newcombe_unpaired, two_proportion_p
from sim.core.stats import Z95, wilson_interval


def reference_wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if k == 0 else min(p, max(0.0, centre - half))
    high = 1.0 if k == n else max(p, min(1.0, centre + half))
    return low, high


def reference_newcombe_unpaired(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = reference_wilson(k1, n1)
    l2, u2 = reference_wilson(k2, n2)
    d = p2 - p1
    return d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)


def reference_two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float:
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    return math.erfc(abs((k2 / n2 - k1 / n1) / se) / math.sqrt(2))


def reference_mcnemar(x, y) -> float:
    b, c = int(np.sum(~x & y)), int(np.sum(x & ~y))
    return 1.0 if b + c == 0 else float(binomtest(b, b + c, 0.5).pvalue)


COUNTS = [(0, 10), (1, 10), (5, 10), (10, 10), (0, 100_000), (7, 100_000), (73_000, 100_000), (18_700, 100_000), (999, 1000)]


@pytest.mark.parametrize("k, n", COUNTS)
def test_wilson_from_statsmodels_equals_the_old_formula(k, n):
    assert wilson_interval(k, n) == pytest.approx(reference_wilson(k, n), abs=1e-12)
    assert wilson_interval(k, n, z=2.5758) == pytest.approx(reference_wilson(k, n, z=2.5758), abs=1e-9)


@pytest.mark.parametrize(
    "a, b", [((30, 100), (20, 100)), ((7_300, 10_000), (7_310, 10_000)), ((0, 500), (3, 400)), ((5, 5), (2, 9))]
)
def test_unpaired_difference_and_z_test_equal_the_old_ones(a, b):
    assert newcombe_unpaired(*a, *b) == pytest.approx(reference_newcombe_unpaired(*a, *b), abs=1e-10)
    assert two_proportion_p(*a, *b) == pytest.approx(reference_two_proportion_p(*a, *b), rel=1e-9, abs=1e-300)


def test_mcnemar_from_statsmodels_equals_the_binomial_test_of_the_discordant_pairs():
    rng = np.random.default_rng(5)
    for flip in (0.0, 0.001, 0.02, 0.3):
        x = rng.random(5_000) < 0.4
        y = np.where(rng.random(5_000) < flip, ~x, x)
        assert mcnemar_p(x, y) == pytest.approx(reference_mcnemar(x, y), rel=1e-9)
