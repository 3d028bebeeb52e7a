"""Counter-based random numbers: a replication's draws as a function of its key, the stream, the round and the column.

Each replication gets a 64-bit key once (from its block's seed and its row in the
block, :func:`row_keys`); a draw is then the SplitMix64 output (Steele, Lea and
Flood 2014: a Weyl sequence through the MurmurHash3 finaliser, which passes
BigCrush) at the position ``(stream, round, column)`` of that replication's own
sequence. So only the replications still running are drawn, and each one's numbers
do not depend on which others run, on how many there are, on the grouping of
blocks or on the workers: common random numbers, replication by replication. A
column keeps its numbers when a configuration adds columns to a stream.
"""

from __future__ import annotations

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # SplitMix64's increment (2^64 / golden ratio)
M1, M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
S30, S27, S31 = np.uint64(30), np.uint64(27), np.uint64(31)
MAX_ROUNDS = 1 << 12  # positions: stream, round (< 4096) and column (< 256) in one counter
MAX_COLUMNS = 1 << 8


def mix(x: np.ndarray, tmp: np.ndarray | None = None) -> np.ndarray:
    """SplitMix64's output function, in place on a uint64 array (wraps modulo 2^64); returns ``x``.

    ``tmp``, an array of ``x``'s shape, holds the shifts (default: new arrays).
    """
    tmp = np.empty_like(x) if tmp is None else tmp
    np.right_shift(x, S30, out=tmp)
    x ^= tmp
    x *= M1
    np.right_shift(x, S27, out=tmp)
    x ^= tmp
    x *= M2
    np.right_shift(x, S31, out=tmp)
    x ^= tmp
    return x


def row_keys(block_keys: list[int], sizes: list[int]) -> np.ndarray:
    """One key per replication: its block's 64-bit key (from the block's seed) mixed with its row in the block."""
    keys = [
        mix((np.arange(size, dtype=np.uint64) + np.uint64(1)) * GOLDEN ^ np.uint64(key))
        for key, size in zip(block_keys, sizes, strict=True)
    ]
    return np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)


def _steps(stream: int, round_: int, k: int) -> np.ndarray:
    """(1, k) uint64: the Weyl steps of positions (stream, round, 0..k-1); read-only, made once per position."""
    steps = _STEPS.get((stream, round_, k))
    if steps is None:
        if not 0 <= round_ < MAX_ROUNDS or k > MAX_COLUMNS:
            raise ValueError(f"keyed draws: round {round_} or {k} columns out of range (< {MAX_ROUNDS}, <= {MAX_COLUMNS})")
        first = ((stream * MAX_ROUNDS + round_) * MAX_COLUMNS) + 1
        steps = (np.arange(first, first + k, dtype=np.uint64) * GOLDEN)[None, :]
        steps.flags.writeable = False
        _STEPS[stream, round_, k] = steps
    return steps


#: The steps made so far, by (stream, round, columns): a few hundred small arrays in a whole run.
_STEPS: dict[tuple[int, int, int], np.ndarray] = {}


def _bits(keys: np.ndarray, stream: int, round_: int, k: int) -> np.ndarray:
    """(len(keys), k) uint64: SplitMix64 at positions (stream, round, 0..k-1) of each key's sequence."""
    x = keys[:, None] + _steps(stream, round_, k)
    return mix(x)


#: Uniforms are made this many numbers at a time, so that the temporaries stay in the cache (about 2.5 times quicker).
CHUNK = 1 << 15


def uniforms(keys: np.ndarray, stream: int, round_: int, k: int) -> np.ndarray:
    """(len(keys), k) float32 uniforms on [0, 1), multiples of 2^-24 (as NumPy's float32 ``random``)."""
    steps = _steps(stream, round_, k).T  # (k, 1): the arithmetic runs column by column, along the replications
    m = len(keys)
    out = np.empty((m, k), dtype=np.float32)
    rows = max(1, CHUNK // max(k, 1))
    if m <= rows:  # one chunk (a small block): the same arithmetic without the loop's slicing
        x = np.add(keys[None, :], steps)
        mix(x)
        np.right_shift(x, np.uint64(40), out=x)
        np.multiply(x.T, np.float32(2.0**-24), out=out, casting="unsafe")
        return out
    # Each pass of the mix over a (k, rows) chunk runs along its contiguous rows: about a third quicker than over
    # (rows, k), whose inner loops are only k long. The same numbers, element by element.
    x = np.empty((k, min(rows, m)), dtype=np.uint64)
    tmp = np.empty_like(x)
    for lo in range(0, m, rows):
        hi = min(m, lo + rows)
        xs, ts = x[:, : hi - lo], tmp[:, : hi - lo]
        np.add(keys[None, lo:hi], steps, out=xs)
        mix(xs, ts)
        np.right_shift(xs, np.uint64(40), out=ts)
        np.multiply(ts.T, np.float32(2.0**-24), out=out[lo:hi], casting="unsafe")  # < 2^24: exact in float32
    return out


def normals(keys: np.ndarray, stream: int, round_: int, k: int) -> np.ndarray:
    """(len(keys), k) float32 standard normals (Box and Muller 1958, from 2k positions: radii, then angles)."""
    bits = _bits(keys, stream, round_, 2 * k)
    u = (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53  # [0, 1), 53 bits
    radius = np.sqrt(-2.0 * np.log1p(-u[:, :k]))  # 1 - u in (0, 1]: the log is finite
    return (radius * np.cos(2.0 * np.pi * u[:, k:])).astype(np.float32)
