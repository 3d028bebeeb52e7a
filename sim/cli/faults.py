"""Faults of the command line, each one line: paths that cannot be written, runs too big to fit, odd inputs.

Used by :mod:`sim.cli.app`. Every check raises :class:`~sim.core.params.ConfigError`
(bad input, exit status 2) or returns a one-line note; none of them prints a
traceback or leaves a file behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import math
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from sim.cli.common import EXIT_BAD_INPUT, EXIT_FAULT, EXIT_INTERRUPTED, EXIT_TERMINATED
from sim.config.overrides import split_bare
from sim.core.params import ConfigError
from sim.core.runner import Interrupted as Interrupted  # re-exported for sim.cli.app

BOOL_SETTINGS = ("trace", "quiet", "plots", "episodes")
DEFAULT_OUTPUT_ROOT = "outputs"
GUARD_FROM = 200_000  # replications from which a run's memory, disk and time are measured and estimated first
GUARD_BLOCKS_FROM = 1_000  # blocks from which the same is done (small blocks cost time, memory and files per block)
SAMPLE_BLOCKS = 200  # at most this many blocks in the guard's measured sample
# The machine's faults, not the input's (exit status 1): a full disk or quota, an I/O error, a file-size limit
# (ulimit -f), no memory, too many open files.
ENVIRONMENT_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG, errno.ENOMEM, errno.EMFILE, errno.ENFILE)


# ---------------------------------------------------------------- resolvers used by configs/config.yaml


def register_resolvers() -> None:
    """``${run_id:}`` (a short random suffix of the run folder, fixed for the process) and ``${sim_help:...}``."""
    from omegaconf import OmegaConf

    if not OmegaConf.has_resolver("run_id"):
        token = f"{secrets.token_hex(3)}"
        OmegaConf.register_new_resolver("run_id", lambda: token)
    if not OmegaConf.has_resolver("sim_scenarios"):
        OmegaConf.register_new_resolver("sim_scenarios", scenarios_help)
    if not OmegaConf.has_resolver("sim_label"):
        from sim.config.layout import hydra_label

        OmegaConf.register_new_resolver("sim_label", hydra_label)
    if not OmegaConf.has_resolver("sim_commands"):
        from sim.cli import commands_help

        OmegaConf.register_new_resolver("sim_commands", commands_help)
    if not OmegaConf.has_resolver("sim_version"):
        from sim.io import package_version

        OmegaConf.register_new_resolver("sim_version", package_version)


def scenarios_help() -> str:
    """The scenarios, one line each, for ``--help``."""
    try:
        from sim.cli.scenarios import catalogue

        infos, _broken = catalogue(skip_broken=True)
        width = max(len(i.name) for i in infos)
        return "\n".join(f"  {i.name:<{width}}  {i.description}" for i in infos)
    except Exception as exc:  # the help must come out even if a scenario file is broken
        return f"  (could not read the scenario files: {exc})"


_TERMINATED = []


def treat_sigterm_as_interrupt() -> None:
    """SIGTERM (``kill``, a scheduler's time limit) ends a run like Ctrl-C: one line, blocks kept; exit status 143."""
    import signal

    def handler(signum, frame):
        _TERMINATED.append(signum)
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not in the main thread
        signal.signal(signal.SIGTERM, handler)


def exit_interrupted(line: str) -> NoReturn:
    """Ctrl-C: one line, then exit 130 at once.

    Everything worth keeping is already on disk (each block is written whole
    when it finishes), so the interpreter's slow teardown (module cleanup,
    joining the pool's threads) is skipped: streams and log files are flushed
    and the process ends.
    """
    import logging
    import sys

    print(line.replace("interrupted", "terminated", 1) if _TERMINATED else line, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    with contextlib.suppress(Exception):
        logging.shutdown()
    os._exit(EXIT_TERMINATED if _TERMINATED else EXIT_INTERRUPTED)


class InterruptedWhileDrawing(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) after a run's results were written, while its figures were drawn."""

    def __init__(self, directory: Path) -> None:
        super().__init__(str(directory))
        self.directory = directory


def drawing_interrupted_line(directory: Path) -> str:
    """The line for :class:`InterruptedWhileDrawing`: what is on disk and how to get the figures."""
    return (
        f"interrupted while drawing the figures; the results are written in {directory} "
        "(summary.json, episodes.parquet): run the same command with plots=true to draw the figures (it runs again)"
    )


def remove_unused_run_dir(run_dir: str | Path, root: str | Path | None = None) -> bool:
    """Remove a run folder that holds nothing computed, only what Hydra wrote before the job; True if it is gone.

    Only Hydra's own files are deleted (``.hydra/*.yaml``, the job's ``*.log``), then the folder and its
    parents up to ``root`` (excluded) if that left them empty: a folder holding anything else (results,
    finished blocks, a user's files) is kept whole.
    """
    run_dir = Path(run_dir)
    try:
        entries = list(run_dir.iterdir())
        hydra = [e for e in entries if e.name == ".hydra" and e.is_dir() and not e.is_symlink()]
        logs = [e for e in entries if e.suffix == ".log" and e.is_file() and not e.is_symlink()]
        saved = [f for d in hydra for f in d.iterdir()]
    except OSError:
        return False
    if len(hydra) + len(logs) != len(entries) or any(f.suffix != ".yaml" or not f.is_file() or f.is_symlink() for f in saved):
        return False
    with contextlib.suppress(OSError):
        for file in [*saved, *logs]:
            file.unlink()
        for folder in hydra:
            folder.rmdir()
        run_dir.rmdir()
        if root is not None:
            stop, parent = Path(root).resolve(), run_dir.resolve().parent
            while parent != stop and parent.is_relative_to(stop):
                parent.rmdir()  # OSError once a parent holds anything: it is kept
                parent = parent.parent
    return not run_dir.exists()


# ---------------------------------------------------------------- override checks


def check_bool_settings(overrides: Iterable[str]) -> None:
    """``plots=2`` and the like: on/off settings take true or false only (OmegaConf would read 2 as true)."""
    for text in overrides:
        key, value = split_bare(text)
        if key in BOOL_SETTINGS and "=" in text and value.strip().lower() not in ("true", "false"):
            raise ConfigError(f"override {text}: {key} is on or off: write {key}=true or {key}=false")


def check_scenario_file(overrides: Iterable[str], config_dir: Path | None = None) -> None:
    """The scenario file a run uses, read before Hydra reads it: empty, or without its ``# @package _global_`` header.

    An empty file would run as an unnamed copy of the baseline. A file without
    the header is put under ``scenario`` by Hydra, which then reports the keys
    it sets everywhere else as unknown (``scenario.scenario``, ``scenario.actors``).
    """
    import yaml

    from sim.config.compose import CONFIG_DIR
    from sim.config.schema import ScenarioMetaSchema

    name, dirs = "baseline", [Path(config_dir or CONFIG_DIR)]
    for text in overrides:
        key, value = split_bare(text)
        if key == "scenario" and "=" in text:
            name = value
        elif key == "hydra.searchpath":  # users' own config folders (--config-dir), searched after the package's
            dirs += [
                Path(v.strip(" '\"")[len("file://") :])
                for v in value.strip("[]").split(",")
                if v.strip(" '\"").startswith("file://")
            ]
    path = next((d / "scenario" / f"{name}.yaml" for d in dirs if (d / "scenario" / f"{name}.yaml").exists()), None)
    if path is None:
        return  # an unknown scenario: the composition names it
    try:
        text = path.read_bytes().decode("utf-8")
        data = yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError):
        return  # non-UTF-8 or malformed: the composition names the problem
    if data is None:
        raise ConfigError(f"{path}: the scenario file is empty: give it at least `scenario: {{name: {name}, description: ...}}`")
    package = scenario_package(text)
    meta = [f.name for f in dataclasses.fields(ScenarioMetaSchema)]  # all a file without the header can rightly set
    outside = [str(k) for k in data if k not in meta] if isinstance(data, dict) else []
    if package != "_global_" and outside:
        under = "scenario" if package in (None, "_group_") else package
        if package:
            got = f"its header `# @package {package}` is not `# @package _global_`"
        elif re.search(r"^\s*#\s*@package\s+_global_", text, re.MULTILINE):
            got = "its `# @package _global_` line is below other lines, where Hydra does not read it"
        else:
            got = "it has no `# @package _global_` header"
        shown = ", ".join(f"{under}.{k}" for k in [k for k in outside if k != "defaults"][:2] or outside[:1])
        raise ConfigError(
            f"{path}: {got}, so Hydra puts its keys under {under} ({shown}): add `# @package _global_` as the file's first line"
        )


def scenario_package(text: str) -> str | None:
    """The package of a config file's ``# @package`` header, read as Hydra reads it (header lines come first)."""
    from hydra.plugins.config_source import ConfigSource

    try:
        return ConfigSource._get_header_dict(text)["package"]
    except ValueError:  # a malformed header line
        return None


def mediator_note(scenario, overrides: Iterable[str]) -> str | None:
    """One line when a run has no mediator (``~actors.oman``): the principals then bargain directly (issue 18)."""
    if scenario.mediators:
        return None
    removed = [o for o in overrides if o.startswith("~actors.")]
    how = f" ({', '.join(removed)} removed the only one)" if removed else ""
    return (
        f"note: no mediator is left{how}: the principals bargain directly by alternating offers, with no mediator's "
        "learning, standing or de-escalation; add one back (e.g. +actors@actors.oman=oman) to compare"
    )


# ---------------------------------------------------------------- paths that cannot be written


def fail_os(exc: OSError, *, blocks_kept: bool = True) -> NoReturn:
    """A file that could not be written: one line; a full disk is the machine's fault (1), a bad path the input's (2).

    ``blocks_kept=False`` when nothing was computed yet (the line then promises no resume).
    """
    import sys

    code = EXIT_FAULT if exc.errno in ENVIRONMENT_ERRNOS else EXIT_BAD_INPUT
    print(f"error: {os_error_line(exc, blocks_kept=blocks_kept)}", file=sys.stderr)
    raise SystemExit(code)


def os_error_line(exc: OSError, what: str = "", *, blocks_kept: bool = True) -> str:
    """One line for an OSError: which path, what went wrong, what to do."""
    path = exc.filename or ""
    reason = exc.strerror or str(exc)
    space = (
        "free some space (finished blocks are kept: then run the same command to resume) "
        if blocks_kept
        else "free some space (then run the same command) "
    )
    fix = {
        errno.ENOSPC: space + "or choose another output_root=...",
        errno.EDQUOT: space + "or choose another output_root=...",
        errno.EROFS: "the file system is read-only: choose another output_root=... (or hydra.run.dir=...)",
        errno.EACCES: "you may not write there: choose another output_root=... (or hydra.run.dir=...)",
        errno.EPERM: "you may not write there: choose another output_root=... (or hydra.run.dir=...)",
        errno.ENOTDIR: "part of that path is a file, not a folder: choose another output_root=... (or hydra.run.dir=...)",
        errno.EEXIST: "a file is in the way of that folder: choose another output_root=... (or hydra.run.dir=...)",
        errno.ENAMETOOLONG: "the path is too long: choose a shorter one",
        errno.ENOENT: "that folder cannot be made there: choose another output_root=... (or hydra.run.dir=...)",
        errno.EFBIG: "the file is larger than this process may write (ulimit -f): raise the limit, "
        "or use fewer replications or episodes=false",
        errno.ENOMEM: "the machine is out of memory: use fewer replications",
        errno.EMFILE: "too many open files: raise the limit (ulimit -n) or use fewer workers",
        errno.ENFILE: "too many open files: raise the limit (ulimit -n) or use fewer workers",
    }.get(exc.errno or 0, "check the path and the disk, or choose another output_root=...")
    where = f" {path}" if path else ""
    return f"cannot write{(' ' + what) if what else ''}{where}: {reason}: {fix}"


def check_writable(directory: str | Path, *, keep: bool = True, what: str = "the results to") -> None:
    """Make ``directory`` and write (and remove) a small probe file in it; ConfigError in one line if that fails.

    ``keep=False`` removes again the folders it made, so that a command that
    fails later leaves no empty folder behind (the command makes it when it writes).
    """
    directory = Path(directory)
    probe = directory / f".write-probe-{os.getpid()}-{secrets.token_hex(2)}"
    made = []
    parent = directory
    while not parent.exists() and parent != parent.parent:
        made.append(parent)
        parent = parent.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with open(probe, "wb") as handle:
            handle.write(b"\0" * 4096)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        if exc.filename == str(probe):  # name the folder, not the probe
            exc = OSError(exc.errno, exc.strerror, str(directory))
        raise ConfigError(os_error_line(exc, what)) from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
        if not keep:
            for folder in made:
                with contextlib.suppress(OSError):
                    folder.rmdir()


def static_prefix(path_template: str) -> str:
    """The part of a path with interpolations before the first one: 'out/${scenario.name}/x' -> 'out'."""
    head = path_template.split("${", 1)[0]
    return head if "${" not in path_template else str(Path(head + "x").parent)


def output_dirs(overrides: Iterable[str]) -> list[str]:
    """The folders a run will write into, as far as they are known before Hydra resolves them.

    An empty one is refused: ``output_root=`` would write to the root of the
    file system, ``hydra.run.dir=`` into the working directory itself.
    """
    found: dict[str, str] = {}
    for text in overrides:
        key, value = split_bare(text)
        if key in ("output_root", "hydra.run.dir", "hydra.sweep.dir") and "=" in text:
            if not value.strip().strip("'\""):
                raise ConfigError(f"override {text}: {key} is empty: give a folder, e.g. {key}=outputs")
            found[key] = value
    multirun_dir = found.get("hydra.sweep.dir")
    dirs = [static_prefix(found.get("hydra.run.dir", found.get("output_root", DEFAULT_OUTPUT_ROOT)))]
    if multirun_dir:
        dirs.append(static_prefix(multirun_dir))
    return [d or "." for d in dirs]


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
