"""Which policy is robust: ``muscat-sim policies [scenario=NAME] [KEY=VALUE ...] [options]`` (or ``python -m sim policies``).

Runs the named policies (``configs/policy/``; ``--policies a,b`` picks some,
``--sample-levers N`` draws N lever settings instead) over the same parameter
vectors of the assumptions (or of a history-weighted posterior with
``posterior=history`` or ``--posterior FILE``), with common random numbers, and writes into the run
folder (``outputs/policies/<label>/<time>-<id>`` or ``--out``): ``policies.csv``
(per policy: mean odds, 10th percentile of P(deal), 90th of P(escalation),
maximum regret, share satisficing the threshold), ``odds.csv`` (every vector
and policy, in EMA Workbench's experiments layout), ``boxes.csv`` (PRIM on the
vectors where the most robust policy fails), ``summary.json`` and
``tradeoff.png``. See :mod:`sim.analysis.policies`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.cli.common import EXIT_BAD_INPUT, print_box
from sim.config.overrides import override_key
from sim.core.params import ConfigError

EPILOG = """\
Examples:
  muscat-sim policies --policies nuclear_only,status_quo --vectors 20 --per-vector 50
  muscat-sim policies scenario=mine --config-dir my_configs --policies nuclear_only,status_quo --vectors 20 --per-vector 50
  muscat-sim policies seed=0 workers=2 --vectors 1000 --per-vector 200

The policies are those of configs/policy/; the run settings are
seed=, workers= and block_size= (replications= is --vectors x --per-vector here).
"""


def pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def print_report(run, frame, boxes, out: Path, deal_at_least: float, escalation_at_most: float) -> None:
    print(
        f"{len(run.policies)} policies over {len(run.vectors):,} parameter vectors of the {run.source} x "
        f"{run.per_vector} replications, seed {run.seed} (common random numbers; {run.elapsed_s:.0f} s)"
    )
    print(f"threshold: P(deal) >= {deal_at_least:.0%} and P(escalation) <= {escalation_at_most:.0%}\n")
    header = (
        f"{'policy':<22} {'P(deal)':>8} {'P(esc.)':>8} {'strike':>7} {'rounds':>6} {'deal p10':>9} "
        f"{'esc. p90':>9} {'max regret deal':>16} {'max regret esc.':>16} {'satisficing':>12}"
    )
    print(header)
    for _, r in frame.iterrows():
        print(
            f"{r['policy']:<22} {pct(r['p_deal']):>8} {pct(r['p_escalation']):>8} {pct(r['p_any_strike']):>7} "
            f"{r['mean_rounds']:>6.1f} {pct(r['p_deal_p10']):>9} {pct(r['p_escalation_p90']):>9} "
            f"{pct(r['max_regret_deal']):>16} {pct(r['max_regret_escalation']):>16} {pct(r['satisficing']):>12}"
        )
    chosen = boxes[boxes.get("chosen", False).fillna(False).astype(bool)] if "chosen" in boxes else boxes.iloc[0:0]
    robust = frame["policy"].iloc[0]
    for _, b in chosen.iterrows():
        print_box(f"Where {robust} fails ({b['share_of_vectors']:.0%} of vectors), PRIM's box", b)
    print(f"\nWrote {out}/policies.csv, odds.csv, boxes.csv, summary.json, tradeoff.png")


def build_parser():
    from sim.analysis import policies
    from sim.cli.common import CommandParser

    parser = CommandParser(
        "policies", "Named policies over the same parameter vectors of the assumptions: regret and satisficing.", EPILOG
    )
    parser.add_overrides()
    parser.add_argument("--policies", default="", help="comma-separated names from configs/policy/ (default: all)")
    parser.add_argument("--sample-levers", type=int, default=0, help="N lever settings drawn from the levers' ranges instead")
    parser.add_argument("--vectors", type=int, default=policies.DEFAULT_VECTORS, help="parameter vectors (default 1000)")
    parser.add_argument("--per-vector", type=int, default=policies.DEFAULT_PER_VECTOR, help="replications per vector (200)")
    parser.add_argument("--deal-at-least", type=float, default=policies.DEAL_AT_LEAST, help="threshold on P(deal) (0.5)")
    parser.add_argument(
        "--escalation-at-most", type=float, default=policies.ESCALATION_AT_MOST, help="threshold on P(escalation) (0.25)"
    )
    parser.add_argument(
        "--posterior",
        default=None,
        help="history (the shipped posterior) or a posterior.parquet of sim.calibrate (= posterior.file=)",
    )
    parser.add_argument("--out", default=None, help="the run folder (default outputs/policies/<label>/<time>-<id>)")
    return parser


def _checked_overrides(args) -> list[str]:
    """The thresholds checked and the overrides without ``policy=`` (policies are chosen with --policies)."""
    for name, value in (("--deal-at-least", args.deal_at_least), ("--escalation-at-most", args.escalation_at_most)):
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"{name} {value}: use a probability in [0, 1]")
    overrides = [o for o in args.overrides if not ("=" in o and override_key(o) == "policy")]
    if len(overrides) != len(args.overrides):
        raise ConfigError("policy=...: choose policies with --policies a,b (each is run over the same vectors)")
    return overrides


def _posterior(cfg, file):
    """The posterior to draw behaviour from (None: the configured priors), its note printed on stderr."""
    if file in (None, "", "none", "null"):
        return None
    from omegaconf import OmegaConf

    from sim.analysis.odds import posterior_for

    posterior, note, _ = posterior_for(OmegaConf.to_container(cfg, resolve=True), str(file))
    if note:
        print(note, file=sys.stderr)
    return posterior


def _chosen_policies(args, setup, overrides: list[str], seed: int):
    """The policies to run: sampled from the levers' ranges (--sample-levers) or named (--policies, default all)."""
    from sim.analysis import policies

    if args.sample_levers:
        if args.sample_levers < 2:
            raise ConfigError(f"--sample-levers {args.sample_levers}: use at least 2")
        return policies.sampled_policies(setup.levers, args.sample_levers, seed, setup.integers)
    names = [n.strip() for n in args.policies.split(",") if n.strip()] or policies.policy_names()
    return policies.named_policies(overrides, names, setup.levers)


def main(argv: list[str] | None = None) -> int:
    from sim.analysis import ema, policies
    from sim.cli.common import quiet_mesa

    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    quiet_mesa()
    try:
        overrides = _checked_overrides(args)
        from sim.cli import faults
        from sim.cli.common import output_root, user_overrides
        from sim.config.compose import compose
        from sim.config.layout import run_folder, scenario_of
        from sim.config.overrides import check_settings, model_overrides

        overrides = user_overrides(overrides, args.config_dir)
        cfg = compose(overrides)
        check_settings(cfg)
        seed, workers, block_size = (int(cfg.get(k)) for k in ("seed", "workers", "block_size"))
        model = model_overrides(overrides)  # neither run settings nor hydra.searchpath
        out = Path(args.out or run_folder("policies", scenario_of(model), model, root=output_root(overrides)))
        faults.check_writable(out, keep=False, what="the policies to", setting="--out DIR")  # before anything is computed
        setup = ema.setup(overrides)
        file = args.posterior or (cfg.get("posterior") or {}).get("file")
        posterior = _posterior(cfg, file)
        chosen = _chosen_policies(args, setup, overrides, seed)
        run = policies.run_policies(
            setup,
            chosen,
            vectors=args.vectors,
            per_vector=args.per_vector,
            seed=seed,
            workers=workers,
            block_size=block_size,
            posterior=posterior,
        )
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    notes = {"overrides": model, "held_by_scenario": setup.held, "posterior": str(file or "")}
    policies.write(
        run,
        out,
        deal_at_least=args.deal_at_least,
        escalation_at_most=args.escalation_at_most,
        levers=list(setup.levers),
        notes=notes,
    )
    import pandas as pd

    frame = pd.read_csv(out / "policies.csv")
    boxes = pd.read_csv(out / "boxes.csv")
    print_report(run, frame, boxes, out, args.deal_at_least, args.escalation_at_most)
    return 0
