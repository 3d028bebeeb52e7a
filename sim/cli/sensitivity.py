"""``python -m sim.sensitivity``: which assumptions move the odds, one at a time."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sim.analysis.sensitivity import format_table, sensitivity, tornado_table
from sim.cli import faults
from sim.cli.common import fail, quiet_mesa
from sim.config.compose import compose, known_scenarios, scenario_from_config
from sim.core.params import OUTCOMES, ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.sensitivity", description="Which assumptions move the odds: one-at-a-time sensitivity."
    )
    parser.add_argument("scenario", nargs="?", default="baseline")
    parser.add_argument("overrides", nargs="*", help="KEY=VALUE changes to the scenario, as for python -m sim")
    parser.add_argument("--replications", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--delta",
        type=float,
        default=0.2,
        help="how far to move each parameter: by this share of its value (default 0.2, i.e. -/+20%%)",
    )
    parser.add_argument("--absolute", action="store_true", help="move each parameter by delta itself, not by a share")
    parser.add_argument("--outcome", default="escalation", help="the outcome to sort by: deal, escalation, stalemate")
    parser.add_argument("--assumptions-only", action="store_true", help="only parameters whose provenance says assumption")
    parser.add_argument("--top", type=int, default=15, help="rows to print and to draw (default 15)")
    parser.add_argument("--out", default=None, help="directory for sensitivity.csv and sensitivity.png")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    quiet_mesa()
    try:
        if "=" in args.scenario:  # only overrides were given
            args.overrides.insert(0, args.scenario)
            args.scenario = "baseline"
        if args.scenario not in known_scenarios():
            raise ConfigError(f"unknown scenario {args.scenario!r}: known scenarios are {', '.join(known_scenarios())}")
        if args.outcome not in OUTCOMES:
            raise ConfigError(f"--outcome {args.outcome!r}: use one of {', '.join(OUTCOMES)}")
        if not 0.0 < args.delta < 1.0:
            raise ConfigError(f"--delta {args.delta}: use a number between 0 and 1, e.g. --delta 0.1")
        for name, value, low in (("--replications", args.replications, 2), ("--seed", args.seed, 0), ("--top", args.top, 1)):
            if value < low:
                raise ConfigError(f"{name} {value}: use a whole number >= {low}")
        overrides = [f"scenario={args.scenario}", *args.overrides]
        cfg = compose(overrides)
        scenario = scenario_from_config(cfg, overrides)
        out = Path(args.out or Path("outputs") / "sensitivity" / f"{args.scenario}_{time.strftime('%Y-%m-%d_%H-%M-%S')}")
        faults.check_writable(out, keep=False, what="the sensitivity table to")  # before anything is computed
        faults.guard_size(scenario, args.replications, 10_000, out, episodes=False, what="--replications")
    except ConfigError as exc:
        fail(str(exc))
    start = time.perf_counter()
    table, base = sensitivity(
        scenario,
        cfg,
        replications=args.replications,
        seed=args.seed,
        delta=args.delta,
        relative=not args.absolute,
        assumptions_only=args.assumptions_only,
    )
    table = table.sort_values(f"swing_{args.outcome}", ascending=False).reset_index(drop=True)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "sensitivity.csv", index=False)
    from sim.analysis.plots import drivers

    step = f"-/+ {args.delta:g}" if args.absolute else f"-/+ {100 * args.delta:g}%"
    fig = drivers(
        tornado_table(table, args.top),
        outcome=args.outcome,
        baseline=base[f"p_{args.outcome}"],
        title=f"{args.scenario}: what moves P({args.outcome}) (each parameter {step})",
    )
    fig.savefig(out / "sensitivity.png", dpi=120)
    print(
        f"Sensitivity of {args.scenario}: {len(table)} parameters moved {step} one at a time, "
        f"{args.replications:,} replications each, seed {args.seed} (common random numbers; "
        f"{time.perf_counter() - start:.0f} s)"
    )
    print(f"P({args.outcome}) unchanged: {100 * base[f'p_{args.outcome}']:.1f}%\n")
    print(format_table(table, args.outcome, args.top))
    print(f"\nWrote {out / 'sensitivity.csv'} and sensitivity.png")
    return 0
