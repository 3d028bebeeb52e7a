"""``muscat-sim calibrate``: history-weighted odds, a posterior over behaviour learned from the historical cases.

    muscat-sim calibrate [--vectors K] [--per-vector M] [--stages S] [seed=S] [workers=W]
                         [--config-dir DIR] [--case NAME ...] [--out DIR] [--ship]

Draws K behavioural parameter vectors (the first 40% from the ranges of
``uncertainty=assumptions``, behaviour only: each case sets its own state; the
rest in S - 1 adaptive stages from a proposal fitted to the vectors so far),
runs every case of ``configs/history/`` (and ``DIR/history/``) and the 2026
scenarios under each vector with M replications (common random numbers per
case), weighs each vector by the likelihood of the outcomes that happened,
scores every case leave-one-case-out, and writes into ``--out`` (default
``outputs/calibrate/history/<time>-<id>``): ``posterior.parquet`` (vectors, per-case
log-likelihoods, weights), ``loco.csv``, ``summary.json`` and the figures
``loco.png``, ``parameters.png``, ``feb_2026.png``. ``--ship`` also copies
the posterior to ``sim/data/posterior.parquet`` (the file ``posterior=history``
reads). Cost: targets x K x M episodes, 2.4 million at the default size
(12 targets, 1000 x 200), the vectors of a case run 50 at a time in one batch:
about 100 CPU-seconds in all, under a minute of wall time with two workers on
the two cores of the development machine (54 s measured; docs/performance.md).
Finished units are kept in ``outputs/.blocks/calibrate-<key>``: the same
command resumes after an interrupt. Method: :mod:`sim.analysis.calibrate`.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from sim.cli.calibrate_report import Diagnostics, diagnose, format_report, untrustworthy_cases
from sim.cli.common import EXIT_BAD_INPUT, quiet_mesa
from sim.core.params import OUTCOMES, ConfigError

DEFAULT_VECTORS = 1000  # 500 left a posterior of Kish ESS 31 (107 parameters); 1000 gives 148 (docs/history_weighted.md)
DEFAULT_PER_VECTOR = 200
DEFAULT_STAGES = 3  # 200 prior vectors, then two adaptive stages of 150


EPILOG = """\
Examples:
  muscat-sim calibrate --vectors 20 --per-vector 50 --case jcpoa_2013_2015 --case oman_rome_2025 seed=1 workers=1
  muscat-sim calibrate --config-dir my_configs --vectors 20 --per-vector 50 workers=1
  muscat-sim calibrate --vectors 1000 --per-vector 200 seed=0 workers=2 --ship

Run settings as every command spells them: seed=S, workers=W; output_root=DIR, the root of the output folder.
The grid is sized as explore and policies size theirs: --vectors K behavioural vectors x --per-vector M
replications (per vector and case);
--vectors K sets how many behavioural vectors are drawn.
Behaviour is drawn from uncertainty=assumptions; state comes from each case: no other override applies.
"""

#: The run settings calibrate takes as ``KEY=VALUE`` (the spelling of every command), with their defaults.
SETTINGS = {"seed": 0, "workers": 2}


def run_settings(overrides: list[str]) -> dict[str, int]:
    """``seed=S workers=W`` -> a dict of the two; ConfigError (one line) for any other override."""
    from sim.config.overrides import split_bare

    settings = dict(SETTINGS)
    for o in overrides:
        key, value = split_bare(o)
        if key not in settings:
            raise ConfigError(
                f"{o}: calibrate takes seed=, workers= and output_root= only (the grid: --vectors, --per-vector; "
                "behaviour is drawn from uncertainty=assumptions, "
                "state comes from each case)"
            )
        try:
            settings[key] = int(value)
        except ValueError:
            raise ConfigError(f"{o}: {key} must be a whole number, e.g. {key}={SETTINGS[key]}") from None
    return settings


def build_parser():
    from sim.cli.common import CommandParser

    parser = CommandParser("calibrate", "History-weighted odds: learn behaviour from the historical cases.", EPILOG)
    parser.add_overrides("seed=S (default 0), workers=W (default 2)")
    parser.add_argument("--vectors", type=int, default=DEFAULT_VECTORS, help=f"behavioural vectors K (default {DEFAULT_VECTORS})")
    parser.add_argument(
        "--per-vector",
        type=int,
        default=DEFAULT_PER_VECTOR,
        help=f"replications per vector and case (default {DEFAULT_PER_VECTOR})",
    )
    parser.add_argument(
        "--stages",
        type=int,
        default=DEFAULT_STAGES,
        help=f"1: all vectors from the prior; S: 40%% from the prior, the rest in S-1 adaptive stages (default {DEFAULT_STAGES})",
    )
    parser.add_argument("--case", action="append", default=None, help="use only this case (repeatable)")
    parser.add_argument("--out", default=None, help="output folder (default outputs/calibrate/history/<time>-<id>)")
    parser.add_argument("--cache-root", default="outputs", help="where unfinished units wait (<root>/.blocks; default outputs)")
    parser.add_argument("--ship", action="store_true", help="also copy posterior.parquet to the package (sim/data/)")
    parser.add_argument("--no-figures", action="store_true", help="do not draw the figures")
    return parser


class Inputs(NamedTuple):
    """What a calibration runs on, checked: its cases, the behavioural priors and the output folder."""

    targets: list
    specs: dict
    out: Path


def check_inputs(args) -> Inputs:
    """Check the command line (setting ``args.seed`` and ``args.workers``) and load the cases; ConfigError if bad."""
    from sim.analysis import calibrate as cal_mod
    from sim.cli.common import output_root
    from sim.config.layout import run_folder
    from sim.config.overrides import override_key

    root = output_root(list(args.overrides))  # output_root=DIR, as every command takes it
    settings = run_settings([o for o in args.overrides if override_key(o) != "output_root"])
    args.seed, args.workers = settings["seed"], settings["workers"]
    for key, value, low in (
        ("--vectors ", args.vectors, 2),
        ("--per-vector ", args.per_vector, 1),
        ("seed=", args.seed, 0),
        ("workers=", args.workers, 1),
        ("--stages ", args.stages, 1),
    ):
        if value < low:
            raise ConfigError(f"{key}{value}: use a whole number >= {low}")
    for folder in args.config_dir:
        if not Path(folder).is_dir():
            raise ConfigError(f"--config-dir {folder}: no such folder: give a folder that holds history/")
    from sim.config.guards import check_config_dirs

    check_config_dirs(args.config_dir)  # size, depth and alias limits before any of their YAML is parsed
    targets = cal_mod.load_targets(args.config_dir, args.case)
    if sum(t.actual is not None for t in targets) < 2:
        raise ConfigError("leave-one-case-out needs at least two cases: drop --case or add cases")
    specs = cal_mod.prior_specs(args.config_dir)
    cal_mod.stage_sizes(args.vectors, args.stages)
    out = Path(args.out or run_folder("calibrate", "history", root=root))
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: is a file, give a directory")
    from sim.cli import faults

    faults.check_writable(out, keep=False, what="the calibration to", setting="--out DIR")  # before anything is computed
    guard_grid(targets, specs, args, out)
    return Inputs(targets, specs, out)


def guard_grid(targets: list, specs: dict, args, out: Path) -> None:
    """The size guard of calibrate: one vector's replications (one block a worker holds) and the vectors' draws.

    ``--per-vector`` is measured as one block of that many replications, run
    ``targets x vectors`` times (:func:`sim.cli.budget.guard_size`); ``--vectors``
    sets the arrays held for the whole grid: the draws (one value per
    parameter) and the counts (three per target), with room for the stages'
    copies (x 4). ConfigError (one line) if either cannot fit in memory.
    """
    from sim.cli import budget

    scenario = next((t.scenario for t in targets if t.scenario is not None), None)
    if scenario is not None:
        runs = len(targets) * args.vectors
        budget.guard_size(scenario, args.per_vector, args.per_vector, out, episodes=False, runs=runs, what="--per-vector")
    per_vector_bytes = 4 * 8 * (len(specs) + 3 * len(targets))
    available = budget.memory_available()
    if available is not None and args.vectors * per_vector_bytes > 0.8 * available:
        raise ConfigError(
            f"--vectors {args.vectors} needs about {budget.human_bytes(args.vectors * per_vector_bytes)} of memory "
            f"({budget.human_bytes(available)} available): use fewer vectors "
            f"(at most about --vectors {int(0.8 * available / per_vector_bytes):,})"
        )


def run_grid(args, inputs: Inputs, store: UnitStore):
    """Run the calibration's grid with a progress bar; returns the calibration and its seconds."""
    from tqdm import tqdm

    from sim.analysis import calibrate as cal_mod

    t0 = time.perf_counter()
    total = len(inputs.targets) * args.vectors * args.per_vector
    with tqdm(total=total, unit="ep", unit_scale=True, desc="calibrate", disable=None, leave=False, file=sys.stderr) as bar:
        cal = cal_mod.calibrate(
            inputs.targets,
            inputs.specs,
            vectors=args.vectors,
            per_vector=args.per_vector,
            seed=args.seed,
            stages=args.stages,
            workers=args.workers,
            load=store.load,
            save=store.save,
            progress=lambda done, _t: bar.update(done - bar.n),
        )
    return cal, time.perf_counter() - t0


def write_posterior(out: Path, cal, meta: dict) -> None:
    """``posterior.parquet`` (with ``meta`` in its schema) and ``counts.npz``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = cal.posterior_frame()
    frame.attrs = {}
    table_pa = pa.Table.from_pandas(frame, preserve_index=False)
    table_pa = table_pa.replace_schema_metadata({**(table_pa.schema.metadata or {}), b"sim.calibrate": json.dumps(meta).encode()})
    pq.write_table(table_pa, out / "posterior.parquet")
    np.savez_compressed(out / "counts.npz", counts=cal.counts, targets=np.array([*cal.cases, *cal.forecasts]), actual=cal.actual)


def summary_of(meta: dict, diag: Diagnostics, episodes: int, elapsed: float, workers: int) -> dict:
    """The contents of ``summary.json``."""
    from sim.analysis import calibrate as cal_mod
    from sim.analysis.importance import MAX_KHAT

    return {
        **meta,
        "elapsed_s": elapsed,
        "episodes": episodes,
        "episodes_per_s": episodes / elapsed if elapsed > 0 else math.inf,
        "workers": workers,
        "min_ess": cal_mod.MIN_ESS,
        "max_khat": MAX_KHAT,
        "ess_trustworthy": bool(diag.ess >= cal_mod.MIN_ESS),
        "trustworthy": not diag.problems,
        "trust_problems": diag.problems,
        "loco_untrustworthy": untrustworthy_cases(diag.table),
        "loco": diag.scores,
        "loco_cases": diag.table.to_dict("records"),
        "forecasts": diag.feb,
        "moved_most": diag.shifts.head(10).to_dict("records"),
    }


def write_results(args, inputs: Inputs, cal, diag: Diagnostics, ident: dict, elapsed: float) -> None:
    """Every file of a finished calibration into ``inputs.out``, and the shipped copy with ``--ship``."""
    out = inputs.out
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "identity": ident,
        "cases": dict(zip(cal.cases, (OUTCOMES[a] for a in cal.actual), strict=True)),
        "vectors": args.vectors,
        "per_vector": args.per_vector,
        "seed": args.seed,
        "stages": args.stages,
        "ess": diag.ess,
        "khat": cal.khat,
        "likelihood_noise": cal.noise,
        "ranges": {p: d.describe() for p, d in inputs.specs.items()},
    }
    write_posterior(out, cal, meta)
    diag.table.to_csv(out / "loco.csv", index=False)
    diag.shifts.to_csv(out / "parameters.csv", index=False)
    episodes = len(inputs.targets) * args.vectors * args.per_vector
    summary = summary_of(meta, diag, episodes, elapsed, args.workers)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=float) + "\n")
    if not args.no_figures:
        from sim.analysis import calibrate_plots

        for name, fig in calibrate_plots.figures(cal, diag.table, diag.shifts, diag.feb).items():
            fig.savefig(out / f"{name}.png", dpi=110)
    if args.ship:
        from sim.config.posterior import SHIPPED

        SHIPPED.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / "posterior.parquet", SHIPPED)
        print(f"Shipped the posterior to {SHIPPED}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    quiet_mesa()
    from sim.analysis import calibrate as cal_mod

    try:
        inputs = check_inputs(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT

    ident = cal_mod.identity(args.config_dir)
    store = UnitStore(
        Path(args.cache_root) / ".blocks",
        {
            **ident,
            "targets": [t.name for t in inputs.targets],
            "vectors": args.vectors,
            "per_vector": args.per_vector,
            "seed": args.seed,
            "stages": args.stages,
            "sampler": sampler_fingerprint(),  # a later stage's vectors depend on the sampler's code
        },
    )
    cal, elapsed = run_grid(args, inputs, store)
    diag = diagnose(cal, inputs.specs)
    print(format_report(cal, diag, elapsed))
    write_results(args, inputs, cal, diag, ident, elapsed)
    store.clear()
    print(
        f"\nWrote {inputs.out / 'posterior.parquet'}, counts.npz, loco.csv, parameters.csv, summary.json"
        + ("" if args.no_figures else " and figures")
    )
    return 0


def sampler_fingerprint() -> str:
    """A hash of the sampler's code (:mod:`sim.analysis.calibrate` and :mod:`sim.analysis.importance`)."""
    import hashlib

    from sim.analysis import calibrate, importance

    h = hashlib.sha256()
    for module in (calibrate, importance):
        h.update(Path(str(module.__file__)).read_bytes())
    return h.hexdigest()[:16]


class UnitStore:
    """Finished units (target, chunk of vectors) of one calibration, one ``.npy`` each, in a folder named by its identity."""

    def __init__(self, root: Path, identity: dict) -> None:
        import hashlib

        key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
        self.directory = Path(root) / f"calibrate-{key}"
        self.resumed = 0

    def _path(self, t: int, j: int) -> Path:
        return self.directory / f"unit_{t:03d}_{j:05d}.npy"

    def load(self, t: int, j: int):
        import os
        import stat

        path = self._path(t, j)
        try:
            info = os.lstat(path)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):  # a FIFO (would block), a device or a link: never opened
            path.unlink(missing_ok=True)
            return None
        try:
            counts = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            path.unlink(missing_ok=True)
            return None
        if counts.ndim != 2 or counts.shape[1] != len(OUTCOMES):
            path.unlink(missing_ok=True)
            return None
        self.resumed += 1
        return counts

    def save(self, t: int, j: int, counts) -> None:
        from sim.io import atomic_path

        self.directory.mkdir(parents=True, exist_ok=True)
        with atomic_path(self._path(t, j)) as tmp, open(tmp, "wb") as handle:
            np.save(handle, counts)

    def clear(self) -> None:
        import contextlib

        shutil.rmtree(self.directory, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.directory.parent.rmdir()  # only if empty


if __name__ == "__main__":
    from sim.cli.common import run_command

    run_command(main)
