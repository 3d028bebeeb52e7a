"""Faults of the command line, each one line: paths that cannot be written, odd inputs, their messages.

Used by :mod:`sim.cli.app` and the commands. Every check raises :class:`~sim.core.params.ConfigError`
(bad input, exit status 2) or returns a one-line note; none of them prints a traceback or leaves a file
behind. The run-size budget is :mod:`sim.cli.budget`, Ctrl-C and SIGTERM :mod:`sim.cli.signals`, the
resolvers of the configs :mod:`sim.cli.resolvers`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

from sim.cli.common import EXIT_BAD_INPUT, EXIT_FAULT
from sim.config.overrides import split_bare
from sim.core.params import ConfigError

BOOL_SETTINGS = ("trace", "quiet", "plots", "episodes")
DEFAULT_OUTPUT_ROOT = "outputs"
# The machine's faults, not the input's (exit status 1): a full disk or quota, an I/O error, a file-size limit
# (ulimit -f), no memory, too many open files.
ENVIRONMENT_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG, errno.ENOMEM, errno.EMFILE, errno.ENFILE)


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
    from sim.config.guards import check_yaml_file

    check_yaml_file(path)  # size, depth and alias limits before parsing (ConfigError naming the file)
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


def os_error_line(exc: OSError, what: str = "", *, blocks_kept: bool = True, setting: str = "") -> str:
    """One line for an OSError: which path, what went wrong, what to do (``setting``: the option that moves it)."""
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
    if setting:  # a command with its own option for the folder (--out): name that one
        fix = fix.replace("output_root=... (or hydra.run.dir=...)", setting).replace("output_root=...", setting)
    where = f" {path}" if path else ""
    return f"cannot write{(' ' + what) if what else ''}{where}: {reason}: {fix}"


def check_writable(directory: str | Path, *, keep: bool = True, what: str = "the results to", setting: str = "") -> None:
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
        raise ConfigError(os_error_line(exc, what, setting=setting)) from None
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
