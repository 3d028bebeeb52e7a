"""Writing and reading a run's files (summary.json, episodes.parquet) and the cache of finished blocks.

:mod:`sim.io.files` writes every file whole or not at all and reads it back
(a damaged file is :class:`RunFileError`, one line that names it), and loads
runs and sweeps in a notebook (:func:`load_run`, :func:`load_sweep`);
:mod:`sim.io.blocks` keeps the finished blocks of a long run so that running
the same command again after an interrupt resumes it; :mod:`sim.io.identity`
says what a run's numbers depend on besides its inputs (the code, NumPy, Mesa).
"""

from sim.io.blocks import BLOCKS, MAX_BLOCK_FILE, BlockStore
from sim.io.files import (
    EPISODES,
    RUN_KEY,
    SUMMARY,
    Run,
    RunFileError,
    atomic_path,
    atomic_write_bytes,
    atomic_write_text,
    episodes_key,
    episodes_rows,
    load_run,
    load_sweep,
    read_episodes,
    read_summary,
    remove_stale_tmp,
    results_key,
    safe_name,
    write_results,
)
from sim.io.identity import CACHE_FORMAT, code_fingerprint, library_versions, package_version, run_identity

__all__ = [
    "BLOCKS",
    "CACHE_FORMAT",
    "EPISODES",
    "MAX_BLOCK_FILE",
    "RUN_KEY",
    "SUMMARY",
    "BlockStore",
    "Run",
    "RunFileError",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "code_fingerprint",
    "episodes_key",
    "episodes_rows",
    "library_versions",
    "load_run",
    "load_sweep",
    "package_version",
    "read_episodes",
    "read_summary",
    "remove_stale_tmp",
    "results_key",
    "run_identity",
    "safe_name",
    "write_results",
]
