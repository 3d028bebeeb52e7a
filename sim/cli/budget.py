"""The run-size budget: a run's memory, disk and time estimated from a measured sample, refused if it cannot fit.

Also the number of worker processes a run gets, and :func:`check_room`, the pre-flight check that the output
can be written and the run fits. Each refusal is a :class:`~sim.core.params.ConfigError` (one line).
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from sim.cli.faults import check_writable, mediator_note, output_dirs
from sim.config.overrides import split_bare
from sim.core.params import ConfigError

GUARD_FROM = 200_000  # replications from which a run's memory, disk and time are measured and estimated first
GUARD_BLOCKS_FROM = 1_000  # blocks from which the same is done (small blocks cost time, memory and files per block)
SAMPLE_BLOCKS = 200  # at most this many blocks in the guard's measured sample


# ---------------------------------------------------------------- size guard


@dataclass(frozen=True)
class RunEstimate:
    """What a run will need, from a small measured sample of the same scenario."""

    replications: int
    memory_bytes: float
    disk_bytes: float
    seconds: float
    episodes_disk_bytes: float
    per_replication_memory: float
    memory_available: float | None
    disk_available: float | None


def _mem_available() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def memory_available() -> float | None:
    """The memory this machine has available now (bytes), or None if it cannot be read."""
    return _mem_available()


def _disk_available(directory: Path) -> float | None:
    path = directory.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return float(shutil.disk_usage(path).free)
    except OSError:
        return None


def _file_disk_bytes(size: int) -> float:
    """The disk a file of ``size`` bytes takes: whole file-system blocks (4 KiB), so many tiny files cost more."""
    return float(max(1, math.ceil(size / 4096)) * 4096)


def estimate_run(
    scenario, replications: int, block_size: int, output_dir: Path, *, episodes: bool = True, sample: int = 1000
) -> RunEstimate:
    """Measure a sample of about ``sample`` replications, run in blocks of ``block_size``, and scale it up.

    The sample is cut into blocks as the run will be (at most
    :data:`SAMPLE_BLOCKS` of them), so what a block costs on its own (setting
    up a model, one cached file, the arrays' headers) is measured too: a run of
    ``block_size=1`` is estimated as the many small blocks it is.
    Memory: the blocks, their concatenation and the episodes table with its
    parquet conversion are alive together at the peak (2 x arrays + 2 x table).
    Disk: ``episodes.parquet`` (unless ``episodes=false``) plus the block cache
    of a run of more than one block (whole file-system blocks per file). Time:
    the sample's own speed (a small sample is slower per episode than a big
    block, so this errs long).
    """
    import io as _io
    import sys as _sys

    import numpy as np

    from sim.core.runner import block_sizes, episodes_frame, run_block

    size = max(1, min(block_size, replications))
    if size >= sample:  # big blocks: one block of the sample's size (what a block costs on its own is negligible)
        sizes = [min(sample, replications)]
    else:
        count = max(1, min(SAMPLE_BLOCKS, math.ceil(min(sample, replications) / size)))
        sizes = block_sizes(min(replications, count * size), size)
    start = time.perf_counter()
    blocks = [run_block(scenario, k, 0, b) for b, k in enumerate(sizes)]
    n = sum(sizes)
    seconds_per = (time.perf_counter() - start) / n
    frame = episodes_frame(scenario, blocks)
    array_bytes = sum(_sys.getsizeof(a) for b in blocks for a in b.values()) / n  # data and each array's header
    array_bytes += sum(_sys.getsizeof(b) for b in blocks) / n
    frame_bytes = float(frame.memory_usage(deep=True).sum()) / n
    buffer = _io.BytesIO()
    frame.to_parquet(buffer, index=False)
    parquet_bytes = len(buffer.getvalue()) / n
    block_file_bytes = 0.0
    for arrays in blocks:
        packed = _io.BytesIO()
        np.savez(packed, **arrays)
        block_file_bytes += _file_disk_bytes(len(packed.getvalue()) + 256)  # + the block's identity record
    per_rep_memory = 2 * array_bytes + 2 * frame_bytes
    cache_bytes = block_file_bytes / n * replications if replications > block_size else 0.0
    episodes_disk = parquet_bytes * replications
    return RunEstimate(
        replications=replications,
        memory_bytes=per_rep_memory * replications,
        disk_bytes=cache_bytes + (episodes_disk if episodes else 0.0),
        seconds=seconds_per * replications,
        episodes_disk_bytes=episodes_disk,
        per_replication_memory=per_rep_memory,
        memory_available=_mem_available(),
        disk_available=_disk_available(output_dir),
    )


def needs_guard(replications: int, block_size: int) -> bool:
    """Whether a run is big enough to be measured before it starts: many replications or many blocks."""
    return replications >= GUARD_FROM or math.ceil(replications / max(1, block_size)) >= GUARD_BLOCKS_FROM


def guard_size(
    scenario,
    replications: int,
    block_size: int,
    output_dir: str | Path,
    *,
    episodes: bool = True,
    runs: int = 1,
    quiet: bool = False,
    what: str = "replications",
) -> RunEstimate | None:
    """The size guard of every command: measure, refuse a run that cannot fit (one line), note a long one.

    ``runs``: how many runs of ``replications`` the command makes one after the
    other (a sensitivity analysis, the cases of a retrodiction): time scales
    with it; memory and disk are those of the largest run held at once.
    """
    import sys

    if not needs_guard(replications, block_size):
        return None
    estimate = estimate_run(scenario, replications, block_size, Path(output_dir), episodes=episodes)
    if runs > 1:
        estimate = dataclasses.replace(estimate, seconds=estimate.seconds * runs)
    check_fits(estimate, what=what)
    if estimate.seconds > 600 and not quiet:
        print(
            f"note: this needs about {human_seconds(estimate.seconds)} and "
            f"{human_bytes(estimate.memory_bytes)} of memory (measured on a sample)",
            file=sys.stderr,
        )
    return estimate


def cores() -> int:
    """The cores this process may run on (its CPU affinity, which a scheduler's limits set)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def effective_workers(workers: int, replications: int, block_size: int) -> int:
    """``workers`` capped at the number of blocks and at the cores (results do not depend on it)."""
    blocks = math.ceil(replications / max(1, block_size))
    return max(1, min(int(workers), blocks, cores()))


def workers_note(workers: int, replications: int, block_size: int) -> str | None:
    """One line when ``workers`` is more than the cores or the blocks: how many processes really run."""
    used = effective_workers(workers, replications, block_size)
    if used >= workers:
        return None
    blocks = math.ceil(replications / max(1, block_size))
    why = f"{cores()} core(s)" if used == cores() and cores() < blocks else f"{blocks} block(s) of block_size={block_size}"
    return f"note: workers={workers} is more than this run can use ({why}): running {used} (results do not depend on workers)"


def human_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB", "PB", "EB"):
        if abs(n) < 1000 or unit == "EB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} EB"


def human_seconds(s: float) -> str:
    for unit, size in (("years", 365 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if s >= size:
            return f"{s / size:.1f} {unit}"
    return f"{s:.0f} s"


def check_fits(estimate: RunEstimate, *, memory_share: float = 0.8, disk_share: float = 0.95, what: str = "replications") -> None:
    """ConfigError (one line: the estimate and what to change) if the run cannot fit in memory or on disk."""
    problems = []
    largest = estimate.replications
    if estimate.memory_available is not None and estimate.memory_bytes > memory_share * estimate.memory_available:
        problems.append(
            f"about {human_bytes(estimate.memory_bytes)} of memory ({human_bytes(estimate.memory_available)} available)"
        )
        largest = min(largest, int(memory_share * estimate.memory_available / estimate.per_replication_memory))
    disk_limited = estimate.disk_available is not None and estimate.disk_bytes > disk_share * estimate.disk_available
    if disk_limited:
        problems.append(f"about {human_bytes(estimate.disk_bytes)} of disk ({human_bytes(estimate.disk_available)} free)")
        per_rep_disk = estimate.disk_bytes / estimate.replications
        largest = min(largest, int(disk_share * estimate.disk_available / per_rep_disk))
    if not problems:
        return
    fixes = [f"use fewer replications (at most about {what}={_round_down(largest)})"]
    if disk_limited and estimate.episodes_disk_bytes > 0:
        fixes.append("or episodes=false to keep only the summary")
    raise ConfigError(
        f"{what}={estimate.replications} needs {' and '.join(problems)} and would take about "
        f"{human_seconds(estimate.seconds)}: {' '.join(fixes)}"
    )


def _round_down(n: int) -> int:
    if n < 10:
        return max(n, 1)
    magnitude = 10 ** int(math.log10(n))
    return n // magnitude * magnitude


def check_room(overrides: list[str], checked: list, *, multirun: bool = False) -> None:
    """After the pre-flight composition: the output folder can be written, the run fits, notes are printed.

    ``checked`` holds ``(cfg, scenario, overrides)`` of every variant of the
    command line (one per swept value). ConfigError (one line) if the output
    cannot be written or the largest variant cannot fit in memory or on disk.
    """
    import sys

    if multirun:
        given = [o for o in overrides if split_bare(o)[0] == "hydra.sweep.dir"]
        check_writable(output_dirs([*given] or ["hydra.sweep.dir=multirun"])[-1])
    else:
        for directory in output_dirs(overrides):
            check_writable(directory)
    if checked:
        cfg, scenario, _ = max(checked, key=lambda c: (c[0].replications / c[0].block_size, c[0].replications))
        guard_size(
            scenario,
            cfg.replications,
            cfg.block_size,
            output_dirs(overrides)[0],
            episodes=bool(cfg.get("episodes", True)),
            quiet=bool(cfg.quiet),
        )
        cfg = max((c[0] for c in checked), key=lambda c: c.workers)
        note = workers_note(cfg.workers, cfg.replications, cfg.block_size)
        if note and not cfg.quiet:
            print(note, file=sys.stderr)
    notes = dict.fromkeys(note for _, scenario, user in checked if (note := mediator_note(scenario, user)))
    for note in notes:
        print(note, file=sys.stderr)
