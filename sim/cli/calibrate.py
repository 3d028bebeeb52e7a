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
reads). Cost: targets x K x M episodes, 1.2 million at the default size
(12 targets, 500 x 200: 323 s with two workers on the shared development
machine with the prior-only sampler, 1,182 s for the staged one under a load
average of 8 on 2 cores; the stages add under a second of fitting each).
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

import numpy as np

from sim.cli.common import EXIT_BAD_INPUT, quiet_mesa
from sim.core.params import OUTCOMES, ConfigError

DEFAULT_VECTORS = 500
DEFAULT_PER_VECTOR = 200
DEFAULT_STAGES = 3  # 200 prior vectors, then two adaptive stages of 150


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def trust_problems(ess: float, khat: float, noise: float) -> list[str]:
    """Why a posterior's weights cannot be trusted (empty: they can)."""
    from sim.analysis.calibrate import MIN_ESS
    from sim.analysis.importance import MAX_KHAT

    problems = []
    if not ess >= MIN_ESS:
        problems.append(f"ESS {ess:.1f} below {MIN_ESS:.0f}")
    if not khat <= MAX_KHAT:  # NaN too: too few vectors of positive weight to judge the tail
        problems.append(f"Pareto k-hat {khat:.2f} above {MAX_KHAT}" if math.isfinite(khat) else "Pareto k-hat not estimable")
    if noise > 1.0:
        problems.append(f"likelihood noise {noise:.2f} above 1 (raise --per-vector)")
    return problems


def format_report(cal, table, scores: dict, feb: dict, shifts, ess: float, elapsed: float) -> str:
    K, M = cal.counts.shape[1], cal.per_vector
    stages = 1 if cal.stage is None else int(np.max(cal.stage)) + 1
    khat, noise = cal.khat, cal.noise
    problems = trust_problems(ess, khat, noise)
    lines = [
        f"History-weighted calibration: {len(cal.cases)} cases, {K} behavioural vectors x {M} replications "
        f"in {stages} stage{'s' if stages > 1 else ''}, seed {cal.seed} "
        f"({len(cal.specs)} behavioural parameters drawn; {elapsed:.0f} s)",
        f"posterior on all cases: effective sample size (Kish) {ess:.1f} of {K} vectors, Pareto k-hat {khat:.2f}, "
        f"likelihood noise {noise:.2f}"
        + (
            "  -- trustworthy"
            if not problems
            else f"  -- NOT trustworthy: {'; '.join(problems)}: raise --vectors (or --stages, --per-vector)"
        ),
        "",
        "Leave-one-case-out (each case forecast from the posterior learned on the others):",
    ]
    head = (
        f"{'case':<22} {'actual':<10} {'P(deal)':>8} {'P(esc.)':>8} {'P(stal.)':>8} {'P(act.)':>8} "
        f"{'log':>6} {'Brier':>6} {'ESS':>6} {'k-hat':>6} {'base log':>8}"
    )
    lines += [head, "-" * len(head)]
    for _, r in table.iterrows():
        mark = "*" if r["floored"] else (" !" if r["fallback"] else " ")
        lines.append(
            f"{r['case']:<22} {r['actual']:<10} {_pct(r['p_deal']):>8} {_pct(r['p_escalation']):>8} {_pct(r['p_stalemate']):>8} "
            f"{r['p_actual']:8.3f} {r['log_score']:6.2f}{mark}{r['brier']:5.3f} {r['ess']:6.1f} {r['khat']:6.2f} "
            f"{r['base_log_score']:8.2f}"
        )
    verdict_u = "above" if scores["beats_uniform"] else "NOT above"
    verdict_b = "above" if scores["beats_base_rate"] else "NOT above"
    lines += [
        "",
        f"mean out-of-case log score {scores['mean_log_score']:.2f}: {verdict_u} the uniform forecast "
        f"({scores['uniform_log_score']:.2f}), {verdict_b} the Laplace base rate of the other cases "
        f"({scores['base_rate_log_score']:.2f})",
        f"mean Brier {scores['mean_brier']:.3f} (uniform {scores['uniform_brier']:.3f}, "
        f"base rate {scores['base_rate_brier']:.3f}; lower is better)",
    ]
    bad = [r["case"] for _, r in table.iterrows() if trust_problems(r["ess"], r["khat"], 0.0)]
    if bad:
        lines.append(f"! held-out posteriors NOT trustworthy (ESS < 30 or k-hat > 0.7) for: {', '.join(bad)}")
    if scores["fallbacks"]:
        lines.append("! no vector reproduced all the other cases: that case's forecast is the prior's")
    if table["floored"].any():
        lines.append("* probability estimated as 0: scored at half a replication of the whole grid")
    lines += ["", "February 2026 (P(deal) / P(escalation) / P(stalemate), 5-95% across vectors):"]
    for name, odds in feb.items():
        for which in ("prior", "posterior"):
            o = odds[which]
            lines.append(
                f"  {name:<20} {which:<9} "
                + "  ".join(f"{k} {_pct(o[k]['p'])} [{100 * o[k]['p5']:.0f}-{100 * o[k]['p95']:.0f}]" for k in OUTCOMES)
            )
    lines += ["", "Parameters history moved most (posterior mean - prior mean, in prior sds):"]
    for _, r in shifts.head(5).iterrows():
        lines.append(
            f"  {r['parameter']:<44} {r['shift_sd']:+.2f}  prior [{r['prior_p5']:.3g}, {r['prior_p95']:.3g}] -> "
            f"posterior [{r['posterior_p5']:.3g}, {r['posterior_p95']:.3g}]"
        )
    return "\n".join(lines)


EPILOG = """\
Examples:
  muscat-sim calibrate --vectors 20 --per-vector 50 --case jcpoa_2013_2015 --case oman_rome_2025 seed=1 workers=1
  muscat-sim calibrate --config-dir my_configs --vectors 20 --per-vector 50 workers=1
  muscat-sim calibrate --vectors 500 --per-vector 200 seed=0 workers=2 --ship

Run settings as every command spells them: seed=S, workers=W. The grid is sized as explore and policies size
theirs: --vectors K behavioural vectors x --per-vector M replications (per vector and case);
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
                f"{o}: calibrate takes seed= and workers= only (the grid: --vectors, --per-vector; "
                "behaviour is drawn from uncertainty=assumptions, "
                "state comes from each case)"
            )
        try:
            settings[key] = int(value)
        except ValueError:
            raise ConfigError(f"{o}: {key} must be a whole number, e.g. {key}={SETTINGS[key]}") from None
    return settings


def main(argv: list[str] | None = None) -> int:
    from sim.cli.common import CommandParser

    parser = CommandParser("calibrate", "History-weighted odds: learn behaviour from the historical cases.", EPILOG)
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="KEY=VALUE",
        help="seed=S (default 0), workers=W (default 2)",
    )
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
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    quiet_mesa()
    from sim.analysis import calibrate as cal_mod
    from sim.analysis.importance import MAX_KHAT

    try:
        settings = run_settings(list(args.overrides))
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
        targets = cal_mod.load_targets(args.config_dir, args.case)
        if sum(t.actual is not None for t in targets) < 2:
            raise ConfigError("leave-one-case-out needs at least two cases: drop --case or add cases")
        specs = cal_mod.prior_specs(args.config_dir)
        cal_mod.stage_sizes(args.vectors, args.stages)
        from sim.config.layout import run_folder

        out = Path(args.out or run_folder("calibrate", "history"))
        if out.exists() and not out.is_dir():
            raise ConfigError(f"--out {out}: is a file, give a directory")
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT

    ident = cal_mod.identity(args.config_dir)
    store = UnitStore(
        Path(args.cache_root) / ".blocks",
        {
            **ident,
            "targets": [t.name for t in targets],
            "vectors": args.vectors,
            "per_vector": args.per_vector,
            "seed": args.seed,
            "stages": args.stages,
            "sampler": sampler_fingerprint(),  # a later stage's vectors depend on the sampler's code
        },
    )
    from tqdm import tqdm

    t0 = time.perf_counter()
    total = len(targets) * args.vectors * args.per_vector
    with tqdm(total=total, unit="ep", unit_scale=True, desc="calibrate", disable=None, leave=False, file=sys.stderr) as bar:
        cal = cal_mod.calibrate(
            targets,
            specs,
            vectors=args.vectors,
            per_vector=args.per_vector,
            seed=args.seed,
            stages=args.stages,
            workers=args.workers,
            load=store.load,
            save=store.save,
            progress=lambda done, _t: bar.update(done - bar.n),
        )
    elapsed = time.perf_counter() - t0
    table = cal.loco()
    scores = cal_mod.loco_summary(table)
    w = cal.weights
    ess = cal_mod.kish_ess(w)
    khat, noise = cal.khat, cal.noise
    problems = trust_problems(ess, khat, noise)
    shifts = cal_mod.parameter_shifts(cal.draws, w, specs)
    feb = {name: cal.target_odds(name) for name in cal.forecasts}
    print(format_report(cal, table, scores, feb, shifts, ess, elapsed))

    out.mkdir(parents=True, exist_ok=True)
    frame = cal.posterior_frame()
    frame.attrs = {}
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = {
        "identity": ident,
        "cases": dict(zip(cal.cases, (OUTCOMES[a] for a in cal.actual), strict=True)),
        "vectors": args.vectors,
        "per_vector": args.per_vector,
        "seed": args.seed,
        "stages": args.stages,
        "ess": ess,
        "khat": khat,
        "likelihood_noise": noise,
        "ranges": {p: d.describe() for p, d in specs.items()},
    }
    table_pa = pa.Table.from_pandas(frame, preserve_index=False)
    table_pa = table_pa.replace_schema_metadata({**(table_pa.schema.metadata or {}), b"sim.calibrate": json.dumps(meta).encode()})
    pq.write_table(table_pa, out / "posterior.parquet")
    np.savez_compressed(out / "counts.npz", counts=cal.counts, targets=np.array([*cal.cases, *cal.forecasts]), actual=cal.actual)
    table.to_csv(out / "loco.csv", index=False)
    shifts.to_csv(out / "parameters.csv", index=False)
    episodes = total
    summary = {
        **meta,
        "elapsed_s": elapsed,
        "episodes": episodes,
        "episodes_per_s": episodes / elapsed if elapsed > 0 else math.inf,
        "workers": args.workers,
        "min_ess": cal_mod.MIN_ESS,
        "max_khat": MAX_KHAT,
        "ess_trustworthy": bool(ess >= cal_mod.MIN_ESS),
        "trustworthy": not problems,
        "trust_problems": problems,
        "loco_untrustworthy": [r["case"] for _, r in table.iterrows() if trust_problems(r["ess"], r["khat"], 0.0)],
        "loco": scores,
        "loco_cases": table.to_dict("records"),
        "forecasts": feb,
        "moved_most": shifts.head(10).to_dict("records"),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=float) + "\n")
    if not args.no_figures:
        from sim.analysis import calibrate_plots

        for name, fig in calibrate_plots.figures(cal, table, shifts, feb).items():
            fig.savefig(out / f"{name}.png", dpi=110)
    if args.ship:
        from sim.config.posterior import SHIPPED

        SHIPPED.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / "posterior.parquet", SHIPPED)
        print(f"Shipped the posterior to {SHIPPED}")
    store.clear()
    print(
        f"\nWrote {out / 'posterior.parquet'}, counts.npz, loco.csv, parameters.csv, summary.json"
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
        path = self._path(t, j)
        if not path.exists():
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
