"""``python -m sim.compare``: compare configurations (runs, sweep rows or scenarios run now)."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from sim.analysis.compare import compare, format_table, resolve, write_outputs
from sim.cli import faults
from sim.cli.common import fail, quiet_mesa
from sim.core.params import ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.compare",
        description="Compare configurations: odds with 95%% intervals, differences from the first, paired tests "
        "under common random numbers. RUN: a run directory, a sweep root (NAME@JOB or NAME@col=value selects rows) "
        "or a scenario name with overrides, run now.",
    )
    parser.add_argument("runs", nargs="+", metavar="RUN")
    parser.add_argument("--replications", type=int, default=10_000, help="for scenarios run now (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="for scenarios run now; one seed for all, so they pair")
    parser.add_argument("--block-size", type=int, default=10_000, help="for scenarios run now")
    parser.add_argument(
        "--test",
        choices=("auto", "paired", "unpaired"),
        default="auto",
        help="auto: paired where runs share seed, block size and replications (default)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="where to write comparison.csv and comparison.png (default outputs/compare/TIME)"
    )
    args = parser.parse_args(argv)
    quiet_mesa()
    out = args.out or Path("outputs") / "compare" / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    try:
        if args.replications < 1 or args.block_size < 1 or args.seed < 0:
            raise ConfigError("--replications and --block-size must be >= 1, --seed >= 0")
        faults.check_writable(out, keep=False, what="the comparison to")  # before anything is computed
        _guard(args, out)
        configs = [c for arg in args.runs for c in resolve(arg, args, out)]
        table = compare(configs, args.test)
    except (ConfigError, OSError, ValueError, KeyError) as exc:
        fail(str(exc) or type(exc).__name__)
    pairs = table["test"].dropna()
    how = ", ".join(sorted(set(pairs)))
    print(
        f"Comparing {len(configs)} configurations with [1] {configs[0].label} ({how}; differences in "
        f"percentage points, 95% intervals)\n"
    )
    print(format_table(table))
    paths = write_outputs(table, configs, out)
    print(f"\nWrote {paths['csv']} and {paths['png'].name}")
    return 0


def _guard(args: argparse.Namespace, out: Path) -> None:
    """The size guard for the scenarios run now (measured on the first of them; the others are alike)."""
    from sim.config.compose import known_scenarios, load_scenario

    specs = [a for a in args.runs if not Path(a.split("@", 1)[0]).is_dir()]
    if not specs or not faults.needs_guard(args.replications, args.block_size):
        return
    parts = specs[0].split()
    name = parts[0].removeprefix("scenario=")
    scenario = load_scenario(name if name in known_scenarios() else "baseline")
    faults.guard_size(scenario, args.replications, args.block_size, out, runs=len(specs), what="--replications", episodes=True)
