"""The C allocator's settings for the engine's mid-sized temporary arrays (glibc's malloc only).

Each round of a block allocates and frees arrays of 0.1 to 30 MB: the rows
of the Nash frontier and of the principals' terms that bargain this round,
the per-replication parameters gathered at a compaction, a block's draws.
By default glibc serves arrays above an adaptive threshold with ``mmap`` and
hands freed heap memory back to the system once more than twice that
threshold lies free, so the next array of the same size faults its pages in
again, and a page fault is slow on a virtual machine (about 2 microseconds
on the 2-core machine of ``experiments/``). Raising both thresholds keeps
freed memory in the process for the next block, at the cost of holding on
to at most :data:`TRIM_THRESHOLD` of free memory. Measured on that machine
(three paired processes, 100,000 replications of the baseline, steady
state): with every assumption drawn per replication, about 7,000 page faults
per run instead of 15,000 and 1-3% less time; a plain run faults a few times
either way.

Pure: no files, no terminal; on a system without glibc it does nothing.
"""

from __future__ import annotations

import ctypes

#: mallopt() parameter numbers (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: Arrays up to this size come from the heap: glibc's own ceiling for its adaptive threshold on 64-bit systems.
MMAP_THRESHOLD = 32 << 20
#: Free memory at the top of the heap kept for reuse before it goes back to the system.
TRIM_THRESHOLD = 128 << 20

_tuned: bool | None = None


def tune_allocator() -> bool:
    """Raise glibc's mmap and trim thresholds once per process; returns whether they are set.

    Called by every block (:func:`sim.core.runner.run_block`), so worker
    processes are tuned too; it costs one check after the first call.
    """
    global _tuned
    if _tuned is None:
        _tuned = False
        try:  # the process's own symbols, the C library's among them (no search for the library on disk)
            mallopt = getattr(ctypes.CDLL(None), "mallopt", None)  # glibc's; absent on macOS and musl
        except OSError:
            mallopt = None
        if mallopt is not None:
            _tuned = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _tuned
