"""NumPy's ``clip`` ufunc called directly.

``np.clip`` reaches the ufunc through three layers of Python (``_wrapfunc``,
``ndarray.clip``, ``_methods._clip``: about 3 microseconds a call, as much as
clipping a block of 200 replications), and the model clips a few dozen times a
round. For floating-point values with both bounds given, which is every use in
the core, ``np.clip`` computes exactly this ufunc (the same numbers, a negative
zero kept as NumPy keeps it).
"""

from __future__ import annotations

import numpy as np

try:
    from numpy._core.umath import clip  # type: ignore[attr-defined]
except ImportError:  # a NumPy that moved it: the public function, the same numbers
    clip = np.clip  # type: ignore[assignment]

__all__ = ["clip"]
