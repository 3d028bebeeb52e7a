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
import copy
import sys
from pathlib import Path

from omegaconf import DictConfig

from sim.cli import budget, faults, resolvers, signals
from sim.cli.common import fail, quiet_mesa
from sim.cli.preflight import (
    ALLOW_CALLBACKS,
    INFO_FLAGS,
    add_default_sweep_dir,
    check_run_settings,
    is_multirun,
    overrides_last,
    preflight,
    sweep_identity,
)
from sim.config.compose import CONFIG_DIR, scenario_from_config
from sim.config.overrides import override_key, override_value
from sim.core.params import ConfigError


def run_job(cfg: DictConfig) -> dict:
    """The body of one Hydra job: run the configured scenario, print, write the files."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from sim.io import BlockStore, write_results

    quiet_mesa()
    check_run_settings(cfg)
    scenario = scenario_from_config(cfg)
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    in_sweep = HydraConfig.get().mode == RunMode.MULTIRUN
    seed, seed_info = cfg.seed, {}
    if in_sweep:  # common random numbers unless hydra.sweeper.crn=false (sim.sweep.identity.job_seed)
        from sim.sweep.identity import job_seed

        seed, seed_info = job_seed(cfg.seed)
    model = _traced_episode(cfg, scenario, seed, out_dir) if cfg.trace else None
    # Finished blocks are kept until the run completes: re-running an interrupted command resumes it.
    # Their identity covers every config folder the composition read (users' --config-dir included).
    from sim.sweep.identity import job_fingerprint

    configs = job_fingerprint(HydraConfig.get())
    store = BlockStore(block_cache_root(cfg, out_dir, in_sweep), scenario, seed, cfg.block_size, configs=configs)
    posterior_file = (cfg.get("posterior") or {}).get("file")
    overrides = _job_overrides()
    with progress_bar(cfg.replications, enabled=not (cfg.quiet or in_sweep)) as progress:
        posterior_info, results = _run_odds(cfg, scenario, seed, progress, store)
    results.summary.update(seed_info)
    if posterior_info is not None:
        results.summary["posterior"] = posterior_info
    context = None
    if cfg.get("context_odds", True) and not in_sweep and not cfg.trace and not posterior_file:  # beside the configured odds
        from sim.cli.odds import context_odds

        context = results.summary["context_odds"] = context_odds(cfg, overrides, scenario, seed)
    paths = write_results(results, out_dir, episodes=cfg.get("episodes", True))
    store.clear()
    if store.resumed and not cfg.quiet:
        print(f"Resumed an interrupted run: {store.resumed} finished block(s) reused from {store.directory}")
    figures = []
    if cfg.get("plots", False):
        from sim.analysis.plots import write_figures

        try:
            from sim.config.layout import label

            figures = write_figures(results, out_dir, episode=model, label=label(scenario.name, overrides))
        except KeyboardInterrupt as exc:  # the results are on disk and the blocks gone: say so, not "resume"
            raise signals.InterruptedWhileDrawing(out_dir) from exc
    if not (cfg.quiet or in_sweep):  # a sweep prints one line per job instead (sim.sweep.callback.SweepTable)
        _print_run(results.summary, scenario.name, overrides, context, posterior_info)
        names = [p.name for key, p in paths.items() if key != "summary"] + [f.name for f in figures]
        print(f"\nWrote {paths['summary']}" + (f" and {', '.join(names)}" if names else ""))
    return results.summary


def _traced_episode(cfg: DictConfig, scenario, seed: int, out_dir: Path):
    """``trace=true``: replication 0 as a recorded episode, its narrative printed and written with its trace."""
    from sim.core.runner import episode

    if cfg.replications != 1:
        raise ConfigError(f"trace=true needs replications=1 (got {cfg.replications}): add replications=1")
    model = episode(scenario, seed=seed, trace=True, record=True)
    if not cfg.quiet:  # quiet=true: the narrative goes to narrative.txt only
        print("\n".join(model.narrative))
    model.datacollector.get_model_vars_dataframe().to_csv(out_dir / "trace.csv", index=False)
    (out_dir / "narrative.txt").write_text("\n".join(model.narrative) + "\n")
    return model


def _job_overrides() -> list[str]:
    """The overrides the context odds compose again: users' config folders (--config-dir, hydra.searchpath) included."""
    from hydra.core.hydra_config import HydraConfig

    from sim.config.overrides import with_search_path
    from sim.sweep.identity import config_dirs

    task = [o for o in HydraConfig.get().overrides.task if override_key(o) != "hydra.searchpath"]
    return with_search_path(task, [str(d) for d in config_dirs(HydraConfig.get())[1:]])


def _run_odds(cfg: DictConfig, scenario, seed: int, progress, store):
    """The run's replications: (the posterior's description or None, the Results)."""
    from sim.core.runner import simulate

    if (cfg.get("posterior") or {}).get("file"):  # posterior=history: each replication's behaviour drawn from it
        return _posterior_run(cfg, scenario, seed, progress)
    results = simulate(
        scenario,
        cfg.replications,
        seed,
        block_size=cfg.block_size,
        workers=budget.effective_workers(cfg.workers, cfg.replications, cfg.block_size),
        progress=progress,
        store=store if cfg.replications > cfg.block_size else None,
    )
    return None, results


def _print_run(summary: dict, name: str, overrides: list[str], context, posterior_info) -> None:
    """The run's table, its context odds and the posterior it drew from, if any."""
    from sim.cli.report import format_summary
    from sim.config.layout import label

    print(format_summary(summary, label(name, overrides)))
    if context is not None:
        from sim.cli.odds import format_context

        print(format_context(context))
    if posterior_info is not None:
        print(f"\nBehaviour drawn per replication from the posterior {posterior_info['file']} (ESS {posterior_info['ess']:.0f})")
        if posterior_info["note"]:
            print(posterior_info["note"])


def _posterior_run(cfg: DictConfig, scenario, seed: int, progress):
    """``posterior=history``: the run with each replication's behavioural vector resampled from the posterior."""
    from omegaconf import OmegaConf

    from sim.analysis.odds import posterior_for, simulate_posterior
    from sim.cli.odds import _aliases
    from sim.config.posterior import resample

    data = OmegaConf.to_container(cfg, resolve=True)
    post, note, held = posterior_for(data, cfg.posterior.file)
    results = simulate_posterior(
        scenario,
        lambda n, rng: resample(post, n, rng),
        cfg.replications,
        seed,
        aliases=_aliases(data),
        block_size=cfg.block_size,
        progress=progress,
    )
    info = {
        "file": str(post.path),
        "ess": post.ess,
        "held_by_scenario": sorted(held),
        "note": note,
        "identity": post.meta.get("identity"),
    }
    return info, results


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

    with tqdm(total=total, unit="ep", unit_scale=True, desc="replications", disable=None, leave=False, file=sys.stderr) as bar:
        yield lambda done, _total: bar.update(done - bar.n)


@contextlib.contextmanager
def showing_config():
    """Hydra's ``--cfg``, with two repairs.

    ``--cfg hydra --resolve`` drops the job's keys before it resolves, so the run
    folder (``${output_root}/${scenario.name}/...``) cannot be resolved: the hydra
    node is resolved here while the whole configuration is still there. And an
    interpolation that does not resolve is one line, not a traceback.
    """
    from hydra._internal.hydra import Hydra
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    show_cfg, sanitized = Hydra.show_cfg, Hydra.get_sanitized_hydra_cfg

    def resolved_then_sanitized(src_cfg: DictConfig) -> DictConfig:
        cfg = copy.deepcopy(src_cfg)
        OmegaConf.resolve(cfg.hydra)
        return sanitized(cfg)

    def show(self, *args, resolve: bool = False, **kwargs) -> None:
        Hydra.get_sanitized_hydra_cfg = staticmethod(resolved_then_sanitized if resolve else sanitized)
        try:
            show_cfg(self, *args, resolve=resolve, **kwargs)
        except OmegaConfBaseException as exc:
            if not resolve:
                raise
            where = f" (at {exc.full_key})" if getattr(exc, "full_key", None) else ""
            problem = (str(exc).splitlines() or [type(exc).__name__])[0]
            fail(f"--resolve: {problem}{where}: fix that ${{...}} interpolation, or drop --resolve")
        finally:
            Hydra.get_sanitized_hydra_cfg = staticmethod(sanitized)

    Hydra.show_cfg = show
    try:
        yield
    finally:
        Hydra.show_cfg = show_cfg


def _hydra_entry() -> None:
    import hydra

    @hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
    def _app(cfg: DictConfig) -> dict:
        from sim.sweep.claims import claim_job

        try:
            with claim_job() as done:  # a sweep job that an identical sweep running beside this one has just run
                return done if done is not None else run_job(cfg)
        except BrokenPipeError:
            raise  # output piped into `head`: sim.cli.common.run_command ends quietly
        except (ConfigError, OSError) as exc:
            from hydra.core.hydra_config import HydraConfig
            from hydra.types import RunMode

            if HydraConfig.get().mode == RunMode.MULTIRUN:
                raise  # a failed job is a row of the sweep table; the other jobs go on
            if isinstance(exc, OSError):  # a write failed: a run folder with nothing computed in it goes
                faults.remove_unused_run_dir(HydraConfig.get().runtime.output_dir, cfg.get("output_root"))
                faults.fail_os(exc)
            fail(str(exc))

    with saving_config_in_one_line():
        _app()


@contextlib.contextmanager
def saving_config_in_one_line():
    """Hydra's own save of the run's configuration (``.hydra/*.yaml``, before the job starts), failing in one line.

    That save is outside the job's error handling, so a full disk or a file-size limit (``ulimit -f``) there
    ended in Hydra's traceback. Now it is :func:`sim.cli.faults.fail_os`'s line (exit 1), and the run folder,
    which holds nothing computed yet, is removed. Each file is written atomically
    (:func:`sim.sweep.job_config.save_config_atomically`), never left half-written.
    """
    from hydra.core import utils

    from sim.sweep.job_config import save_config_atomically as save

    hydras_own = utils._save_config
    output_root: list = [None]  # from the job's config.yaml, saved first

    def guarded(cfg, filename: str, output_dir: Path) -> None:
        if isinstance(cfg, DictConfig) and "output_root" in cfg:
            output_root[0] = cfg.get("output_root")
        try:
            save(cfg, filename, output_dir)
        except OSError as exc:
            if not exc.filename:  # a failed write() names no file: name it
                exc.filename = str(Path(output_dir) / filename)
            from hydra.core.hydra_config import HydraConfig

            faults.remove_unused_run_dir(HydraConfig.get().runtime.output_dir, output_root[0])
            faults.fail_os(exc, blocks_kept=False)

    utils._save_config = guarded
    try:
        yield
    finally:
        utils._save_config = hydras_own


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m sim`` and the ``muscat-sim`` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if any(a in ("--version", "-V") for a in argv):
        from sim.io import package_version

        print(f"muscat-sim {package_version()}")
        return
    signals.treat_sigterm_as_interrupt()
    try:
        _main(argv)
    except signals.InterruptedWhileDrawing as exc:
        signals.exit_interrupted(signals.drawing_interrupted_line(exc.directory))
    except signals.Interrupted as exc:
        signals.exit_interrupted(f"interrupted after {exc.done} of {exc.total} blocks; run the same command to resume")
    except KeyboardInterrupt:
        signals.exit_interrupted("interrupted; finished blocks and sweep jobs are kept: run the same command to resume")


def config_dirs_first(argv: list[str]) -> list[str]:
    """``--config-dir DIR`` anywhere on the line, as the other commands take it (Hydra's parser wants it before overrides)."""
    flags, rest, i = [], [], 0
    while i < len(argv):
        if argv[i] in ("--config-dir", "-cd") and i + 1 < len(argv):
            flags += argv[i : i + 2]
            i += 2
            continue
        (flags if argv[i].startswith("--config-dir=") else rest).append(argv[i])
        i += 1
    return [*flags, *rest]


def _main(argv: list[str]) -> None:
    from sim.sweep import plan, table

    argv = config_dirs_first(argv)
    quiet_mesa()
    resolvers.register_resolvers()
    allow_callbacks = ALLOW_CALLBACKS in argv
    argv = [a for a in argv if a != ALLOW_CALLBACKS]
    multirun = is_multirun(argv) and not any(a in INFO_FLAGS or a.startswith("--cfg") for a in argv)
    try:
        preflight(argv, allow_callbacks=allow_callbacks)
        if multirun:
            argv = add_default_sweep_dir(argv)
            root, definition = sweep_identity(argv)
            if root is not None:  # a folder belongs to one sweep: another one pointed at it is refused here
                plan.claim_sweep_root(root, definition)
    except ConfigError as exc:
        fail(str(exc))
    except OSError as exc:
        faults.fail_os(exc)
    quiet = any(override_key(a) == "quiet" and override_value(a).lower() == "true" for a in argv)
    if quiet and not any(a.startswith("hydra/hydra_logging=") for a in argv):
        argv = [*argv, "hydra/hydra_logging=disabled"]  # no "[HYDRA] Launching ..." lines either
    sys.argv = [sys.argv[0], *overrides_last(argv)]  # Hydra reads the overrides as one run of arguments
    with showing_config():
        _hydra_entry()
    if multirun and plan.LAST_SWEEP is not None:
        report = plan.LAST_SWEEP
        if not quiet or report.failed:
            print(
                f"Sweep {report.root}: {report.jobs} jobs, {report.ran - report.failed} run, "
                f"{report.skipped} already done, {report.failed} failed; table in "
                f"{report.root / table.TABLE_CSV} and {table.TABLE_PARQUET}",
                file=sys.stderr if report.failed else sys.stdout,
            )
        for line in report.errors[:10]:
            print(f"  failed {line}", file=sys.stderr)
        if report.failed:
            raise SystemExit(faults.EXIT_FAULT)


__all__ = ["main", "run_job"]
