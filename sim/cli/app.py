"""Command line: ``python -m sim [scenario=NAME] [KEY=VALUE ...]``, a Hydra app.

A thin layer over the core: compose the configuration, build the scenario,
run it, print the table and write the files into Hydra's run directory. Bad
input ends in one line on stderr and exit status 2, never a traceback: the
configuration is composed and validated before Hydra starts (``preflight``),
so that Hydra's own multi-line errors are replaced by a message that names
the key and the fix.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path

from omegaconf import DictConfig

from sim.cli import faults
from sim.config.compose import CONFIG_DIR, compose, explain_compose_error, scenario_from_config, suggest
from sim.core.params import ConfigError

EXIT_BAD_INPUT = 2
GUARD_FROM = 200_000  # replications from which a run's memory, disk and time are estimated before it starts
INFO_FLAGS = ("--help", "-h", "--hydra-help", "--info", "-i", "--cfg", "-c", "--shell-completion", "-sc")


def quiet_mesa() -> None:
    """Keep Mesa's per-step INFO log lines out of the console and the job logs."""
    logging.getLogger("MESA").setLevel(logging.WARNING)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


def fail_os(exc: OSError) -> None:
    """A file that could not be written: one line; a full disk is the machine's fault (1), a bad path the input's (2)."""
    import errno

    code = faults.EXIT_FAULT if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO) else EXIT_BAD_INPUT
    fail(faults.os_error_line(exc), code)


def check_run_settings(cfg: DictConfig) -> None:
    """Replications, seed, block size and workers: whole numbers in range."""
    for key, low in (("replications", 1), ("seed", 0), ("block_size", 1), ("workers", 1)):
        value = cfg.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            example = 10000 if key == "replications" else low
            raise ConfigError(f"{key} = {value!r}: use a whole number >= {low}, e.g. {key}={example}")


def sweep_variants(overrides: list[str]) -> list[list[str]]:
    """Override lists that cover every value of every sweep (one sweep varied at a time)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    firsts = []
    sweeps = []
    for override, text in zip(parsed, overrides, strict=True):
        if override.is_sweep_override():
            values = list(override.sweep_string_iterator())
            key = override.get_key_element()
            firsts.append(f"{key}={values[0]}")
            sweeps.append((len(firsts) - 1, key, values))
        else:
            firsts.append(text)
    variants = [firsts]
    for index, key, values in sweeps:
        for value in values[1:]:
            variant = list(firsts)
            variant[index] = f"{key}={value}"
            variants.append(variant)
    return variants


def preflight(argv: list[str]) -> None:
    """Compose and validate what the command line asks for, before Hydra runs it."""
    if any(a in INFO_FLAGS or a.startswith("--cfg") for a in argv):
        if any(a in ("--cfg", "-c") or a.startswith("--cfg=") for a in argv):  # --cfg job: composition errors in one line
            wanted = [a for a in argv if "=" in a or a.startswith("~")]
            compose([a for a in wanted if not a.lstrip("+~").startswith(("-", "hydra"))])
        return
    from sim.sweep.jobs import VariantComposer, check_hydra_choices, with_sweeper_params

    overrides = [a for a in argv if not a.startswith("-")]
    multirun = any(a in ("-m", "--multirun") for a in argv)
    faults.check_scenario_file(overrides)
    check_hydra_choices(overrides)
    try:
        variants = sweep_variants(with_sweeper_params(overrides)) if multirun else [overrides]
    except Exception as exc:
        raise ConfigError(explain_compose_error(exc, overrides)) from exc
    composer = VariantComposer(compose)
    largest, notes = None, []
    for variant in variants:
        user = [o for o in variant if not o.lstrip("+~").startswith("hydra")]
        faults.check_bool_settings(user)
        cfg = composer(user)
        check_run_settings(cfg)
        scenario = scenario_from_config(cfg, user)
        if largest is None or cfg.replications > largest[0].replications:
            largest = (cfg, scenario)
        note = faults.mediator_note(scenario, user)
        if note and note not in notes:
            notes.append(note)
    for directory in faults.output_dirs(overrides) if not multirun else ():
        faults.check_writable(directory)
    if multirun:
        faults.check_writable(faults.output_dirs([*overrides, "hydra.sweep.dir=multirun"])[-1])
    if largest is not None and largest[0].replications >= GUARD_FROM:
        cfg, scenario = largest
        estimate = faults.estimate_run(scenario, cfg.replications, cfg.block_size,
                                       Path(faults.output_dirs(overrides)[0]), episodes=cfg.episodes)
        faults.check_fits(estimate)
        if estimate.seconds > 600 and not cfg.quiet:
            print(f"note: this run needs about {faults.human_seconds(estimate.seconds)} and "
                  f"{faults.human_bytes(estimate.memory_bytes)} of memory (measured on a sample)", file=sys.stderr)
    for note in notes:
        print(note, file=sys.stderr)


def run_job(cfg: DictConfig) -> dict:
    """The body of one Hydra job: run the configured scenario, print, write the files."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from sim.cli.report import format_summary
    from sim.core.runner import episode, simulate
    from sim.io import BlockStore, write_results

    quiet_mesa()
    check_run_settings(cfg)
    scenario = scenario_from_config(cfg)
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    in_sweep = HydraConfig.get().mode == RunMode.MULTIRUN
    seed, seed_info = cfg.seed, {}
    if in_sweep:  # common random numbers unless hydra.sweeper.crn=false (sim.sweep.jobs.job_seed)
        from sim.sweep.jobs import job_seed

        seed, seed_info = job_seed(cfg.seed)
    if cfg.trace:
        if cfg.replications != 1:
            raise ConfigError(f"trace=true needs replications=1 (got {cfg.replications}): add replications=1")
        model = episode(scenario, seed=seed, trace=True, record=True)
        print("\n".join(model.narrative))
        model.datacollector.get_model_vars_dataframe().to_csv(out_dir / "trace.csv", index=False)
        (out_dir / "narrative.txt").write_text("\n".join(model.narrative) + "\n")
    # Finished blocks are kept until the run completes: re-running an interrupted command resumes it.
    store = BlockStore(block_cache_root(cfg, out_dir, in_sweep), scenario, seed, cfg.block_size)
    with progress_bar(cfg.replications, enabled=not (cfg.quiet or in_sweep)) as progress:
        results = simulate(scenario, cfg.replications, seed, block_size=cfg.block_size, workers=cfg.workers,
                           progress=progress, store=store if cfg.replications > cfg.block_size else None)
    results.summary.update(seed_info)
    paths = write_results(results, out_dir, episodes=cfg.get("episodes", True))
    store.clear()
    if store.resumed and not cfg.quiet:
        print(f"Resumed an interrupted run: {store.resumed} finished block(s) reused from {store.directory}")
    figures = []
    if cfg.get("plots", False):
        from sim.analysis.plots import write_figures

        figures = write_figures(results, out_dir, episode=model if cfg.trace else None)
    if not (cfg.quiet or in_sweep):  # a sweep prints one line per job instead (sim.sweep.jobs.SweepTable)
        print(format_summary(results.summary))
        names = [p.name for key, p in paths.items() if key != "summary"] + [f.name for f in figures]
        print(f"\nWrote {paths['summary']}" + (f" and {', '.join(names)}" if names else ""))
    return results.summary


def block_cache_root(cfg: DictConfig, out_dir: Path, in_sweep: bool) -> Path:
    """Where an unfinished run keeps its blocks: the sweep root, the output root the run is in, or the run's folder."""
    from hydra.core.hydra_config import HydraConfig

    from sim.io import BLOCKS

    if in_sweep:
        return Path(str(HydraConfig.get().sweep.dir)) / BLOCKS
    root = Path(str(cfg.get("output_root", faults.DEFAULT_OUTPUT_ROOT))).resolve()
    return root / BLOCKS if out_dir.resolve().is_relative_to(root) else out_dir / BLOCKS


@contextlib.contextmanager
def progress_bar(total: int, enabled: bool = True):
    """A progress bar on stderr for a long single run (tqdm; silent when stderr is not a terminal)."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="ep", unit_scale=True, desc="replications", disable=None, leave=False,
              file=sys.stderr) as bar:
        yield lambda done, _total: bar.update(done - bar.n)


def _hydra_entry() -> None:
    import hydra

    @hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
    def _app(cfg: DictConfig) -> dict:
        from sim.sweep.claims import claim_job

        try:
            with claim_job() as done:  # a sweep job that an identical sweep running beside this one has just run
                return done if done is not None else run_job(cfg)
        except (ConfigError, OSError) as exc:
            from hydra.core.hydra_config import HydraConfig
            from hydra.types import RunMode

            if HydraConfig.get().mode == RunMode.MULTIRUN:
                raise  # a failed job is a row of the sweep table; the other jobs go on
            if isinstance(exc, OSError):
                fail_os(exc)
            fail(str(exc))

    _app()


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m sim`` and the ``muscat-sim`` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if any(a in ("--version", "-V") for a in argv):
        from sim.io import package_version

        print(f"muscat-sim {package_version()}")
        return
    try:
        _main(argv)
    except faults.Interrupted as exc:
        print(f"interrupted after {exc.done} of {exc.total} blocks; run the same command to resume", file=sys.stderr)
        raise SystemExit(faults.EXIT_INTERRUPTED) from None
    except KeyboardInterrupt:
        print("interrupted; finished blocks and sweep jobs are kept: run the same command to resume", file=sys.stderr)
        raise SystemExit(faults.EXIT_INTERRUPTED) from None
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(0) from None


def _main(argv: list[str]) -> None:
    from sim.sweep import jobs as sweep

    quiet_mesa()
    faults.register_resolvers()
    multirun = sweep.is_multirun(argv) and not any(a in INFO_FLAGS or a.startswith("--cfg") for a in argv)
    try:
        preflight(argv)
    except ConfigError as exc:
        fail(str(exc))
    if multirun:
        argv = sweep.add_default_sweep_dir(argv)
    quiet = any(a.lstrip("+").lower() == "quiet=true" for a in argv)
    if quiet and not any(a.startswith("hydra/hydra_logging=") for a in argv):
        argv = [*argv, "hydra/hydra_logging=disabled"]  # no "[HYDRA] Launching ..." lines either
    sys.argv = [sys.argv[0], *argv]
    _hydra_entry()
    if multirun and sweep.LAST_SWEEP is not None:
        report = sweep.LAST_SWEEP
        if not quiet or report.failed:
            print(f"Sweep {report.root}: {report.jobs} jobs, {report.ran - report.failed} run, "
                  f"{report.skipped} already done, {report.failed} failed; table in "
                  f"{report.root / sweep.TABLE_CSV} and {sweep.TABLE_PARQUET}", file=sys.stderr if report.failed else sys.stdout)
        for line in report.errors[:10]:
            print(f"  failed {line}", file=sys.stderr)
        if report.failed:
            raise SystemExit(1)


__all__ = ["main", "preflight", "suggest"]
