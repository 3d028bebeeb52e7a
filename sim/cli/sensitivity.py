"""``muscat-sim sensitivity``: which assumptions move the odds, one at a time."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sim.analysis.sensitivity import format_table, sensitivity, tornado_table
from sim.cli import budget, faults
from sim.cli.common import OVERRIDES_HELP, CommandParser, fail, output_root, quiet_mesa, user_overrides
from sim.config.compose import compose, scenario_from_config
from sim.config.layout import label, run_folder, scenario_of
from sim.config.overrides import check_settings, is_override, without_search_path
from sim.core.params import OUTCOMES, ConfigError

EPILOG = """\
Examples:
  muscat-sim sensitivity replications=2000
  muscat-sim sensitivity scenario=nuclear_only replications=2000 --outcome deal --top 10
  muscat-sim sensitivity replications=2000 --only actors.israel,world.sanctions
  muscat-sim sensitivity scenario=mine --config-dir my_configs replications=2000 --assumptions-only
"""


def build_parser() -> CommandParser:
    parser = CommandParser("sensitivity", "Which assumptions move the odds: one-at-a-time sensitivity.", EPILOG)
    parser.add_overrides(OVERRIDES_HELP + " (a bare NAME is scenario=NAME)")
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
    parser.add_argument(
        "--only",
        default="",
        metavar="PATHS",
        help="comma-separated parameter paths or prefixes to move, e.g. actors.israel,world.sanctions (default: all)",
    )
    parser.add_argument(
        "--out", default=None, help="the folder for sensitivity.csv and sensitivity.png (default outputs/sensitivity/...)"
    )
    return parser


def _prepare(args):
    """The command line checked and composed: (the given overrides, the config, the scenario, the output folder);
    ConfigError naming what is wrong, before anything is computed."""
    given = [o if is_override(o) else f"scenario={o}" for o in args.overrides]
    if args.outcome not in OUTCOMES:
        raise ConfigError(f"--outcome {args.outcome!r}: use one of {', '.join(OUTCOMES)}")
    if not 0.0 < args.delta < 1.0:
        raise ConfigError(f"--delta {args.delta}: use a number between 0 and 1, e.g. --delta 0.1")
    if args.top < 1:
        raise ConfigError(f"--top {args.top}: use a whole number >= 1")
    overrides = user_overrides(given, args.config_dir, {"replications": 10_000})
    cfg = compose(overrides)
    check_settings(cfg, lowest_replications=2)
    scenario = scenario_from_config(cfg, without_search_path(overrides))
    root = output_root(given)
    out = Path(args.out or run_folder("sensitivity", scenario_of(given), without_search_path(given), root=root))
    faults.check_writable(out, keep=False, what="the sensitivity table to", setting="--out DIR")  # before anything is computed
    budget.guard_size(scenario, int(cfg.replications), 10_000, out, episodes=False, what="replications")
    return given, cfg, scenario, out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    quiet_mesa()
    try:
        given, cfg, scenario, out = _prepare(args)
    except ConfigError as exc:
        fail(str(exc))
    name = scenario_of(given)
    replications, seed = int(cfg.replications), int(cfg.seed)
    start = time.perf_counter()
    try:
        table, base = sensitivity(
            scenario,
            cfg,
            replications=replications,
            seed=seed,
            delta=args.delta,
            relative=not args.absolute,
            assumptions_only=args.assumptions_only,
            only=tuple(o.strip() for o in args.only.split(",") if o.strip()),
        )
    except ConfigError as exc:  # --only naming no parameter: said before anything is run
        fail(str(exc))
    table = table.sort_values(f"swing_{args.outcome}", ascending=False).reset_index(drop=True)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "sensitivity.csv", index=False)
    from sim.analysis.plots import drivers

    step = f"-/+ {args.delta:g}" if args.absolute else f"-/+ {100 * args.delta:g}%"
    fig = drivers(
        tornado_table(table, args.top),
        outcome=args.outcome,
        baseline=base[f"p_{args.outcome}"],
        title=f"{label(name, given)}: what moves P({args.outcome}) (each parameter {step})",
    )
    fig.savefig(out / "sensitivity.png", dpi=120)
    print(
        f"Sensitivity of {label(name, given)}: {len(table)} parameters moved {step} one at a time, "
        f"{replications:,} replications each, seed {seed} (common random numbers; "
        f"{time.perf_counter() - start:.0f} s)"
    )
    print(f"P({args.outcome}) unchanged: {100 * base[f'p_{args.outcome}']:.1f}%\n")
    print(format_table(table, args.outcome, args.top))
    print(f"\nWrote {out / 'sensitivity.csv'} and sensitivity.png")
    return 0
